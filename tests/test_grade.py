"""``tcpedu grade``: a batch of good and misbehaving submissions gives the right CSV and finishes.

The batch is built from lab 1's own notebooks: the solution (full marks), a half-wrong answer
sheet, one that loops forever (ignoring interrupts), one that raises, one whose cells were
deleted and which deletes other files, one that kills its kernel, and a file that is not a
notebook. One grading run (module fixture) serves every assertion.
"""

from __future__ import annotations

import csv
import io
import json

import pytest
from _grade_support import (
    LAB1,
    _answer,
    _answer_cell_index,
    _insert_after,
    _notebook,
    _set_student,
    sandbox_missing,
)

from tcpedu import cli
from tcpedu.teach.exercises import answer_key

TIME_LIMIT = 20  # seconds each notebook's cells may run (its kernel's start not counted): small
#                  enough that the looping one ends soon, with room for a loaded machine (the
#                  correct ones need under a second on a quiet one)


#: The batch runs sandboxed where a sandbox can be made (tests/test_grade_sandbox.py says why
#: not, and tests the sandbox itself); the behaviour tested here is the same either way.
SANDBOXED = sandbox_missing() is None


@pytest.fixture(scope="module")
def graded(tmp_path_factory):
    """Grade the batch once through the command line; return (rows by file, the directory)."""
    folder = tmp_path_factory.mktemp("submissions")
    solution = _notebook(LAB1 / "instructor" / "solution.ipynb")
    student = _notebook(LAB1 / "lab.ipynb")
    solution["metadata"]["tcpedu"]["version"] = "student"  # as if the student solved it

    def save(name: str, nb: dict) -> None:
        (folder / name).parent.mkdir(parents=True, exist_ok=True)
        (folder / name).write_text(json.dumps(nb), encoding="utf-8")

    save("alice/correct.ipynb", _set_student(solution, "Alice"))
    half = _set_student(student, "bob")
    for variable, value in (("synack_ack", "syn.seq"), ("third_seq", "(syn.seq + 1) % 2**32"),
                            ("third_ack", "synack.seq"), ("response_seq", "'banana'"),
                            ("speaks_first", "next(s.src for s in lab.trace.segments() "
                                             "if s.segment.payload)")):
        half = _answer(half, variable, value)
    save("bob/wrong.ipynb", half)
    # Loops forever, ignoring interrupts, asleep: the limit and the kill are the same for a
    # spinning loop, which only burnt a core for TIME_LIMIT seconds that the other tests needed.
    save("carol/loops.ipynb", _insert_after(_set_student(solution, "carol"), "third_ack",
                                            "import time\nwhile True:\n    try:\n"
                                            "        time.sleep(0.1)\n"
                                            "    except KeyboardInterrupt:\n        pass"))
    raising = _insert_after(_set_student(solution, "dan"), "third_seq",
                            "raise RuntimeError('my code is broken')")
    raising = _insert_after(raising, "synack_ack", "import io, sys\nsys.stdout = io.StringIO()\n"
                            "list = type = str = int = print = None  # beginners do this")
    save("dan/raises.ipynb", raising)  # ...swallows its own output and shadows builtins
    other_lab = _set_student(solution, "hal")
    other_lab["metadata"]["tcpedu"]["lab"] = "99-no-such-lab"
    save("hal/unknown-lab.ipynb", other_lab)
    deleting = _set_student(solution, "erin")
    cut = _answer_cell_index(deleting, "request_ack")
    deleting["cells"] = deleting["cells"][:cut - 1] + deleting["cells"][-2:]  # q4.. and table gone
    victim = folder / "zed" / "victim.ipynb"
    deleting = _insert_after(deleting, "synack_ack", f"import os\nos.remove({str(victim)!r})")
    save("erin/deleted-cells.ipynb", deleting)
    save("zed/victim.ipynb", _set_student(solution, "zed"))
    save("fay/kills-kernel.ipynb", _insert_after(_set_student(solution, "fay"), "third_seq",
                                                 "import os\nos._exit(1)"))
    (folder / "gus").mkdir()
    (folder / "gus" / "garbage.ipynb").write_text("this is not json", encoding="utf-8")

    out = folder.parent / "scores.csv"
    mode = [] if SANDBOXED else ["--no-sandbox"]
    status = cli.main(["grade", str(folder), "--out", str(out), "--timeout", str(TIME_LIMIT),
                       "--jobs", "2", *mode])
    assert status == 0
    with out.open(encoding="utf-8") as handle:
        rows = {row["file"]: row for row in csv.DictReader(handle)}
    return rows, folder


def test_every_submission_gets_a_row(graded):
    rows, _ = graded
    assert sorted(rows) == ["alice/correct.ipynb", "bob/wrong.ipynb", "carol/loops.ipynb",
                            "dan/raises.ipynb", "erin/deleted-cells.ipynb",
                            "fay/kills-kernel.ipynb", "gus/garbage.ipynb",
                            "hal/unknown-lab.ipynb", "zed/victim.ipynb"]


def test_correct_submission_scores_full_marks_for_its_own_variant(graded):
    row = graded[0]["alice/correct.ipynb"]
    assert (row["score"], row["max_score"], row["status"]) == ("6", "6", "ok")
    assert row["student"] == "alice" and row["lab"] == "01-handshake"
    assert all(row[f"q{n}"] == "1" for n in range(1, 7))


def test_wrong_answers_score_partially_with_specific_feedback(graded):
    row = graded[0]["bob/wrong.ipynb"]
    assert row["score"] == "2" and row["status"] == "ok"
    assert row["q1"] == "0" and "one too small: the SYN consumes one sequence number" in \
        row["q1_feedback"]
    assert row["q2"] == "1" and row["q2_feedback"].startswith("correct")
    assert row["q4_feedback"].startswith("unanswered")
    assert row["q5_feedback"].startswith("unreadable") and "banana" in row["q5_feedback"]


def test_looping_submission_is_stopped_and_graded_on_what_it_answered(graded):
    row = graded[0]["carol/loops.ipynb"]
    assert row["status"] == "timeout"
    assert [row[f"q{n}"] for n in range(1, 7)] == ["1", "1", "1", "0", "0", "0"]


def test_raising_submission_keeps_running_after_the_error_and_shadowed_builtins(graded):
    row = graded[0]["dan/raises.ipynb"]
    assert (row["score"], row["status"]) == ("6", "ok")
    assert "RuntimeError" in row["detail"]


def test_deleted_cells_count_as_unanswered_and_deleting_files_harms_no_one(graded):
    rows, folder = graded
    row = rows["erin/deleted-cells.ipynb"]
    assert row["score"] == "3" and row["status"] == "ok"
    if SANDBOXED:  # the submissions folder is not in the sandbox at all
        assert (folder / "zed" / "victim.ipynb").exists() and "FileNotFoundError" in row["detail"]
    else:
        assert not (folder / "zed" / "victim.ipynb").exists()  # the submission did delete it...
    assert rows["zed/victim.ipynb"]["score"] == "6"       # ...but it was graded from a copy


def test_kernel_killer_is_graded_on_the_answers_before_it_died(graded):
    row = graded[0]["fay/kills-kernel.ipynb"]
    assert row["status"] == "kernel died"
    assert row["score"] == "2"


def test_a_file_that_is_not_a_notebook_is_a_row_not_a_crash(graded):
    row = graded[0]["gus/garbage.ipynb"]
    assert row["status"] == "unreadable" and row["score"] == "0"


def test_an_unknown_lab_id_is_a_row_not_a_crash(graded):
    row = graded[0]["hal/unknown-lab.ipynb"]
    assert row["status"] == "error" and "unknown lab '99-no-such-lab'" in row["detail"]


def test_an_empty_folder_is_a_clear_error(tmp_path, capsys):
    assert cli.main(["grade", str(tmp_path)]) == 2
    assert "no .ipynb files" in capsys.readouterr().err


def test_answer_key_command_prints_the_variant_answers(capsys):
    assert cli.main(["grade", "--key", "01-handshake", "--student", "Alice"]) == 0
    out = capsys.readouterr().out
    for row in answer_key("01-handshake", "alice"):
        assert f"{row['variable']:<24} {row['shown']}" in out


@pytest.mark.parametrize("argv, says", [
    (["grade"], "give SUBMISSIONS_DIR"),
    (["grade", "/nonexistent/dir"], "is not a directory"),
    (["grade", ".", "--lab", "99-nope"], "unknown lab '99-nope'"),
    (["grade", ".", "--timeout", "0"], "timeout must be > 0"),
    (["grade", "--key", "nope"], "unknown lab 'nope'"),
])
def test_bad_input_is_one_line_error_exit_2(argv, says, capsys):
    assert cli.main(argv) == 2
    err = capsys.readouterr().err
    assert says in err and len(err.strip().splitlines()) == 1


def test_csv_writer_lists_every_question_column():
    from tcpedu.teach.exercises import start
    from tcpedu.teach.grade import GradedSubmission, write_csv

    feedback = start("02-loss", "x").evaluate({})
    out = io.StringIO()
    write_csv([GradedSubmission("a.ipynb", "02-loss", "x", "ok", "", feedback)], out)
    header, row = list(csv.reader(io.StringIO(out.getvalue())))
    assert header[:7] == ["file", "student", "lab", "score", "max_score", "status", "detail"]
    assert header[7:] == [c for n in range(1, 6) for c in (f"q{n}", f"q{n}_feedback")]
    assert row[3:5] == ["0", "5"]


def test_worker_that_overruns_everything_is_killed(monkeypatch, tmp_path):
    from tcpedu.teach import grade

    monkeypatch.setattr(grade, "STARTUP_ALLOWANCE", 0.0)
    nb = tmp_path / "slow.ipynb"
    nb.write_text(json.dumps(_set_student(_notebook(LAB1 / "lab.ipynb"), "x")), encoding="utf-8")
    run = grade._run_worker(nb, ["synack_ack"], 0.01)  # no kernel starts in 10 ms
    assert run.status == "timeout" and "stopped" in run.detail


def test_snapshot_turns_answers_into_plain_values(capsys):
    """The cell the grader runs in a submission's kernel, run here on a crafted namespace."""
    import numpy as np

    from tcpedu.model.states import State
    from tcpedu.teach.exercises import ____, start
    from tcpedu.teach.exercises.core import BOUND_LAB
    from tcpedu.teach.grade import _SNAPSHOT, MARKER, _parse_snapshot

    ns: dict = {}
    start("01-handshake", " Kim ", namespace=ns)
    ns.update(a=np.int64(5), b=np.float64(1.5), c=State.TIME_WAIT, d=[State.LISTEN, (1, "x")],
              e=____, f=object(), g=True, list=None, type=None, print=None)
    names = list("abcdefgh")
    exec(_SNAPSHOT % (names, MARKER, BOUND_LAB), ns)
    printed = capsys.readouterr().out
    expected = {"student": "kim", "answers": {
        "a": 5, "b": 1.5, "c": "TIME-WAIT", "d": ["LISTEN", [1, "x"]], "e": {"blank": True},
        "f": {"ungradable": "object"}, "g": True}}
    assert _parse_snapshot([{"output_type": "stream", "name": "stdout", "text": printed}]) \
        == expected
    returned = ns["_tcpedu_snapshot"](names, MARKER, BOUND_LAB)  # what a hijacked stdout leaves
    assert _parse_snapshot([{"output_type": "execute_result",
                             "data": {"text/plain": repr(returned)}}]) == expected
    assert _parse_snapshot([{"output_type": "stream", "name": "stdout",
                             "text": MARKER + "{not json"}]) is None


def test_grading_kernels_listen_on_unix_sockets_in_their_own_folder(tmp_path):
    """No TCP port race between parallel jobs' kernels (a port picked free can be taken before
    the kernel binds it): each kernel gets the ipc transport, its sockets in its own folder."""
    from tcpedu.teach import grade

    manager = grade.kernel_manager(str(tmp_path))
    assert manager.transport == "ipc"
    assert manager.ip.startswith(str(tmp_path))
