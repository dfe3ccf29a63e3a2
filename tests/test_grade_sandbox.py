"""``tcpedu grade`` runs each submission in a sandbox: hostile submissions are contained and the
honest ones in the same batch keep their exact grades.

One batch holds two honest notebooks and one submission per attack reported against the grader
(reading or overwriting a classmate's notebook, reading the solution found through
``tcpedu.__file__``, writing to the home directory and /tmp, reaching a local listener, forking
hundreds of processes, allocating 6 GB, killing its parent and grandparent, editing the scores
file after grading, dumping the grader's environment). The batch is graded once, through the
command line in a child process (so that a sandbox failing to hold could only kill that child),
with a low memory limit. Each attack is bounded even if nothing contained it: the processes it
starts sleep for about a minute and are few, its big allocation is never touched in full, and
the files it writes are removed afterwards.
"""

from __future__ import annotations

import contextlib
import csv
import json
import os
import secrets
import socket
import subprocess
import sys
from pathlib import Path

import pytest
from _grade_support import LAB1, _answer, _code, _insert_after, _notebook, _set_student

from tcpedu import cli
from tcpedu.teach import sandbox

MEMORY_MB = 1536  # the batch's memory limit (address space per process): a kernel needs ~1 GB
FORKS = 300


def _require_sandbox() -> None:
    reason = sandbox.unavailable_reason()
    if reason is not None:
        pytest.skip(f"no sandbox can be created here ({reason}): bubblewrap and user namespaces "
                    "are needed")


def _append(nb: dict, source: str) -> dict:
    nb = json.loads(json.dumps(nb))
    nb["cells"].append(_code(source))
    return nb


def _steal_and_run(path_expr: str, student: str) -> str:
    """A cell that reads a notebook that answers lab 1 and runs it as ``student``."""
    return ("import json, re, pathlib, tcpedu\n"
            f"stolen = json.loads(pathlib.Path({path_expr}).read_text())\n"
            "for cell in stolen['cells']:\n"
            "    if cell['cell_type'] == 'code':\n"
            "        exec(re.sub(r'^STUDENT = .*$', 'STUDENT = \"" + student + "\"',\n"
            "                    ''.join(cell['source']), flags=re.M))\n")


def _survivors(marks: list[str]) -> list[int]:
    """Processes whose command line holds one of ``marks`` (started by this test's batch)."""
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                cmdline = (entry / "cmdline").read_bytes().decode(errors="replace")
            except OSError:
                continue
            if any(mark in cmdline for mark in marks):
                found.append(int(entry.name))
    return found


@pytest.fixture(scope="module")
def batch(tmp_path_factory):
    """Grade the batch once; yield (rows by file, the scores text, facts about the run)."""
    _require_sandbox()
    base = tmp_path_factory.mktemp("sandbox-batch")
    folder, grader_tmp = base / "submissions", base / "grader-tmp"
    grader_tmp.mkdir()
    scores = base / "scores.csv"
    token = secrets.token_hex(8)
    secret = f"grader-secret-{token}"
    pwned = f"tcpedu-pwned-{token}"
    sleep_mark = f"{60 + secrets.randbelow(10**6) / 10**6:.6f}"
    daemon_mark = f"tcpedu-daemon-{token}"
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(16)
    listener.setblocking(False)
    port = listener.getsockname()[1]

    solution = _notebook(LAB1 / "instructor" / "solution.ipynb")
    solution["metadata"]["tcpedu"]["version"] = "student"
    blank = _notebook(LAB1 / "lab.ipynb")
    victim = folder / "alice" / "correct.ipynb"
    outside = [Path.home() / pwned, Path("/tmp") / pwned, base / pwned]
    notebooks = {
        "alice/correct.ipynb": _set_student(solution, "alice"),
        "mallory/steals-classmate.ipynb": _append(
            _set_student(blank, "mallory"), _steal_and_run(repr(str(victim)), "mallory")),
        "oscar/overwrites-others.ipynb": _append(_set_student(solution, "oscar"), (
            "import glob\n"
            "junk = '{\"cells\": [], \"metadata\": {}, \"nbformat\": 4, \"nbformat_minor\": 5}'\n"
            f"targets = glob.glob({str(folder)!r} + '/*/*.ipynb')\n"
            f"targets += glob.glob({str(grader_tmp)!r} + '/tcpedu-submissions-*/*.ipynb')\n"
            "targets += glob.glob('/home/student/*.ipynb')\n"
            "for target in targets:\n"
            "    if 'oscar' not in target:\n"
            "        try:\n"
            "            open(target, 'w').write(junk)\n"
            "        except OSError as exc:\n"
            "            print(exc)\n")),
        "peggy/reads-solution.ipynb": _append(_set_student(blank, "peggy"), _steal_and_run(
            "pathlib.Path(tcpedu.__file__).resolve().parents[1] / 'course' / 'labs' / "
            "'01-handshake' / 'instructor' / 'solution.ipynb'", "peggy")),
        "quinn/writes-outside.ipynb": _append(_set_student(solution, "quinn"), (
            "import os, pathlib\n"
            f"for place in ({str(Path.home())!r}, '/tmp', os.path.expanduser('~'), {str(base)!r}):\n"
            "    try:\n"
            f"        pathlib.Path(place, {pwned!r}).write_text('pwned')\n"
            "    except OSError as exc:\n"
            "        print(exc)\n")),
        "rita/connects.ipynb": _append(_set_student(solution, "rita"), (
            "import socket\n"
            f"socket.create_connection(('127.0.0.1', {port}), timeout=5).sendall(b'pwned')\n")),
        "sam/forks.ipynb": _append(_set_student(solution, "sam"), (
            "import os\n"
            "started = 0\n"
            "try:\n"
            f"    for _ in range({FORKS}):\n"
            "        if os.fork() == 0:\n"
            "            try:\n"
            f"                os.execv('/bin/sleep', ['sleep', {sleep_mark!r}])\n"
            "            finally:\n"
            "                os._exit(1)\n"
            "        started += 1\n"
            "except OSError as exc:\n"
            "    print('fork refused after', started, exc)\n"
            "speaks_first = f'forked {started}'\n")),
        "tina/allocates.ipynb": _append(_set_student(solution, "tina"), (
            "import numpy as np\n"
            "big = np.zeros(6 * 2**30, dtype=np.uint8)  # 6 GB\n"
            "big[::2**20] = 1  # one page per MiB: ~24 MB really used if this is not stopped\n")),
        "ursula/kills-parents.ipynb": _insert_after(_set_student(solution, "ursula"), "third_seq", (
            "import os, signal\n"
            "parent = os.getppid()\n"
            "grandparent = int(open(f'/proc/{parent}/status').read().split('PPid:')[1].split()[0])\n"
            "for pid in (grandparent, parent):\n"
            "    if pid > 1:\n"
            "        os.kill(pid, signal.SIGKILL)\n"
            "    else:\n"
            "        try:\n"
            "            os.kill(pid, signal.SIGKILL)\n"
            "        except OSError as exc:\n"
            "            print(exc)\n")),
        "victor/edits-scores.ipynb": _append(_set_student(solution, "victor"), (
            "import os, sys\n"
            "code = ('import pathlib, time\\n'\n"
            "        'for _ in range(600):\\n'\n"
            f"        '    p = pathlib.Path({str(scores)!r})\\n'\n"
            "        '    if p.exists():\\n'\n"
            "        '        p.write_text(\"pwned\"); break\\n'\n"
            "        '    time.sleep(0.1)\\n')\n"
            "if os.fork() == 0:\n"
            "    os.setsid()\n"
            "    if os.fork() == 0:\n"
            f"        os.execv(sys.executable, [sys.executable, '-c', code, {daemon_mark!r}])\n"
            "    os._exit(0)\n")),
        "wendy/dumps-env.ipynb": _append(_set_student(solution, "wendy"), (
            "import os\n"
            "print(dict(os.environ))\n"
            "synack_ack = os.environ.get('TCPEDU_TEST_SECRET', 'no secret here')\n")),
        "zed/wrong.ipynb": _answer(_answer(_set_student(blank, "zed"), "synack_ack", "syn.seq"),
                                   "third_seq", "(syn.seq + 1) % 2**32"),
    }
    for name, nb in notebooks.items():
        (folder / name).parent.mkdir(parents=True, exist_ok=True)
        (folder / name).write_text(json.dumps(nb), encoding="utf-8")
    originals = {name: (folder / name).read_bytes() for name in notebooks}

    env = {**os.environ, "TMPDIR": str(grader_tmp), "TCPEDU_TEST_SECRET": secret}
    program = "import sys; from tcpedu import cli; sys.exit(cli.main(sys.argv[1:]))"
    done = subprocess.run(
        [sys.executable, "-c", program, "grade", str(folder), "--out", str(scores),
         "--timeout", "60", "--jobs", "2", "--memory", str(MEMORY_MB)],
        env=env, capture_output=True, text=True, timeout=1200)
    marks = [f"sleep\x00{sleep_mark}", daemon_mark]
    survivors = _survivors(marks)
    try:
        connected = True
        try:
            listener.accept()[0].close()
        except BlockingIOError:
            connected = False
        listener.close()
        written = [path for path in outside if path.exists()]
        text = scores.read_text(encoding="utf-8") if scores.exists() else ""
        rows = {row["file"]: row for row in csv.DictReader(text.splitlines())}
        yield rows, text, {
            "status": done.returncode, "stderr": done.stderr, "survivors": survivors,
            "connected": connected, "written": written, "secret": secret,
            "changed": [n for n, b in originals.items() if (folder / n).read_bytes() != b]}
    finally:  # clean up after an attack that was not contained (only what it made)
        for pid in _survivors(marks):
            with contextlib.suppress(OSError):
                os.kill(pid, 9)
        for path in outside:
            path.unlink(missing_ok=True)


def test_the_grader_finishes_and_writes_every_row(batch):
    rows, _, facts = batch
    assert facts["status"] == 0, facts["stderr"][-2000:]
    assert len(rows) == 12


def test_honest_submissions_keep_their_exact_grades(batch):
    rows, _, _ = batch
    alice, zed = rows["alice/correct.ipynb"], rows["zed/wrong.ipynb"]
    assert (alice["score"], alice["status"]) == ("6", "ok")
    assert [alice[f"q{n}"] for n in range(1, 7)] == ["1"] * 6
    assert (zed["score"], zed["status"]) == ("1", "ok")
    assert [zed[f"q{n}"] for n in range(1, 7)] == ["0", "1", "0", "0", "0", "0"]
    assert "one too small: the SYN consumes one sequence number" in zed["q1_feedback"]


def test_a_classmates_notebook_cannot_be_read(batch):
    row = batch[0]["mallory/steals-classmate.ipynb"]
    assert row["score"] == "0" and "FileNotFoundError" in row["detail"]


def test_other_submissions_cannot_be_overwritten(batch):
    rows, _, facts = batch
    assert rows["oscar/overwrites-others.ipynb"]["score"] == "6"  # it ran to the end
    assert facts["changed"] == []


def test_the_solution_cannot_be_read_through_the_package_path(batch):
    row = batch[0]["peggy/reads-solution.ipynb"]
    assert row["score"] == "0" and "FileNotFoundError" in row["detail"]


def test_home_and_tmp_outside_the_sandbox_stay_untouched(batch):
    rows, _, facts = batch
    assert rows["quinn/writes-outside.ipynb"]["score"] == "6"
    assert facts["written"] == []


def test_a_local_listener_cannot_be_reached(batch):
    rows, _, facts = batch
    assert facts["connected"] is False
    row = rows["rita/connects.ipynb"]
    assert row["score"] == "6" and "ConnectionRefusedError" in row["detail"]


def test_forking_hundreds_is_capped_and_no_process_outlives_grading(batch):
    rows, _, facts = batch
    row = rows["sam/forks.ipynb"]
    forked = int(row["q6_feedback"].split("'forked ")[1].split("'")[0])
    assert forked < FORKS  # the process limit stopped it
    assert facts["survivors"] == []


def test_allocating_6_gb_fails_under_the_memory_limit(batch):
    row = batch[0]["tina/allocates.ipynb"]
    assert row["score"] == "6" and "MemoryError" in row["detail"]


def test_killing_parent_and_grandparent_loses_only_its_own_later_answers(batch):
    row = batch[0]["ursula/kills-parents.ipynb"]
    assert row["status"] == "worker died"
    assert [row[f"q{n}"] for n in range(1, 7)] == ["1", "1", "0", "0", "0", "0"]


def test_the_scores_file_cannot_be_edited_after_grading(batch):
    rows, text, facts = batch
    assert "pwned" not in text and rows["victor/edits-scores.ipynb"]["score"] == "6"
    assert facts["survivors"] == []


def test_the_graders_environment_is_not_passed_in(batch):
    rows, text, facts = batch
    assert facts["secret"] not in text
    assert "no secret here" in rows["wendy/dumps-env.ipynb"]["q1_feedback"]


# -- without a sandbox ---------------------------------------------------------------------------

@pytest.fixture
def no_bwrap(monkeypatch):
    monkeypatch.setattr(sandbox, "bwrap_path", lambda: None)
    sandbox.unavailable_reason.cache_clear()
    yield
    sandbox.unavailable_reason.cache_clear()


def _one_submission(folder: Path) -> Path:
    path = folder / "alice.ipynb"
    nb = _set_student(_notebook(LAB1 / "instructor" / "solution.ipynb"), "alice")
    path.write_text(json.dumps(nb), encoding="utf-8")
    return path


def test_grading_refuses_in_one_line_where_no_sandbox_can_be_made(no_bwrap, tmp_path, capsys):
    _one_submission(tmp_path)
    assert cli.main(["grade", str(tmp_path)]) == 2
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1
    assert "bwrap not found" in err and "apt install bubblewrap" in err and "--no-sandbox" in err


def test_a_sandbox_that_fails_to_start_is_refused_too(monkeypatch, tmp_path, capsys):
    monkeypatch.setattr(sandbox, "bwrap_path", lambda: "/bin/false")
    sandbox.unavailable_reason.cache_clear()
    try:
        _one_submission(tmp_path)
        assert cli.main(["grade", str(tmp_path)]) == 2
    finally:
        sandbox.unavailable_reason.cache_clear()
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and "cannot create a grading sandbox" in err


def test_no_sandbox_grades_unconfined_when_asked(no_bwrap, tmp_path, capsys):
    _one_submission(tmp_path)
    assert cli.main(["grade", str(tmp_path), "--no-sandbox"]) == 0
    rows = list(csv.DictReader(capsys.readouterr().out.splitlines()))
    assert [(r["file"], r["score"]) for r in rows] == [("alice.ipynb", "6")]


# -- the sandbox itself, without a kernel ----------------------------------------------------------

def _inside(script: str, **kwargs) -> subprocess.CompletedProcess:
    _require_sandbox()
    return subprocess.run(sandbox.wrap(["/bin/sh", "-c", script], **kwargs),
                          capture_output=True, text=True, timeout=120)


def test_the_sandbox_sees_only_loopback_and_its_own_files(tmp_path):
    (tmp_path / "support.txt").write_text("given")
    project = Path(__file__).resolve().parent.parent
    done = _inside("cat /proc/net/dev; ls /home/student; cat /home/student/support.txt; echo; "
                   f"ls {project}/course || echo no-course; ls -a {project}",
                   files={"support.txt": tmp_path / "support.txt"})
    interfaces = [line.split(":")[0].strip() for line in done.stdout.splitlines() if ":" in line]
    assert interfaces == ["lo"]
    assert "support.txt\ngiven\n" in done.stdout and "no-course" in done.stdout
    listed = set(done.stdout.split("no-course\n")[1].split())
    assert listed <= {".", "..", "tcpedu", ".venv"}  # the package (and its environment) alone


def test_the_system_is_read_only_and_tmp_is_private(tmp_path):
    marker = f"tcpedu-sandbox-{secrets.token_hex(4)}"
    done = _inside(f"touch /usr/{marker} 2>&1; echo x > /tmp/{marker} && cat /tmp/{marker}")
    assert "Read-only file system" in done.stdout and done.stdout.strip().endswith("x")
    assert not (Path("/tmp") / marker).exists()
