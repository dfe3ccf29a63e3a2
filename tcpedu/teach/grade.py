"""Grading lab submissions: run each notebook in a clean kernel, read its answers, judge them.

Each submission runs in its own worker process (``python -m tcpedu.teach.grade --worker NOTEBOOK``) with
its own fresh Jupyter kernel, under a time limit, inside a sandbox (:mod:`tcpedu.teach.sandbox`: no
network, a private file system holding only its own notebook and the lab's support files, limits on
processes, memory and CPU, every process killed at the end). After every code cell the worker takes
a snapshot of the answer variables (plain JSON values only) and reports it at once, so a submission
that loops, raises, kills its kernel or its worker, or deleted its own cells is graded on what it
did answer, and can never stop the others from being graded. The answers are judged here, in the
grading process, against the student's variant: nothing the submission does can change the checks.
"""

from __future__ import annotations

import ast
import contextlib
import csv
import importlib.util
import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..errors import ParameterError, TcpeduError
from . import sandbox
from .exercises.core import BOUND_LAB

#: The line prefix the snapshot cell prints (followed by one JSON object).
MARKER = "TCPEDU-GRADE-ANSWERS:"
#: The key of the snapshot among a cell's ``user_expressions`` (see :func:`_execute`).
EXPRESSION = "tcpedu_answers"
#: Seconds the kernel gets, beyond the submission's own limit, to start and to be snapshotted.
STARTUP_ALLOWANCE = 60.0

_SNAPSHOT_DEF = '''\
def _tcpedu_snapshot(names, marker, bound, speak=True):
    # Every builtin through B: a notebook may well have rebound list, type, str or print.
    import builtins as B, enum, json, numbers
    ns = B.globals()
    def plain(value, depth=0):
        if value is None:
            return None
        if B.isinstance(value, enum.Enum):
            return plain(value.value, depth)
        if B.isinstance(value, B.bool):
            return B.bool(value)
        if B.isinstance(value, numbers.Integral):
            return B.int(value)
        if B.isinstance(value, numbers.Real):
            return B.float(value)
        if B.isinstance(value, B.str):
            return B.str(value)
        if B.isinstance(value, (B.list, B.tuple)) and depth < 3:
            return [plain(item, depth + 1) for item in value]
        if B.type(value).__name__ == "_Blank":
            return {"blank": True}
        return {"ungradable": B.type(value).__name__}
    student = None
    for value in [ns.get(bound), *ns.values()]:
        kind = B.type(value)
        if kind.__name__ == "Lab" and kind.__module__ == "tcpedu.teach.exercises.core":
            student = value.variant.student
            break
    if student is None and B.type(ns.get("STUDENT")) in (B.str, B.int):
        student = ns["STUDENT"]
    answers = {name: plain(ns[name]) for name in names if name in ns}
    text = marker + json.dumps({"student": student, "answers": answers})
    if speak:
        try:
            B.print(text)
        except B.Exception:
            pass
    return text
'''
#: The snapshot cell (defines the function afresh, then calls it): ``% (names, MARKER, bound)``.
_SNAPSHOT = _SNAPSHOT_DEF + "_tcpedu_snapshot(%r, %r, %r)\n"


@dataclass
class Run:
    """What running one submission gave: status, answers snapshot, student id, errors seen."""

    status: str = "ok"
    detail: str = ""
    student: Any = None
    answers: dict[str, Any] = field(default_factory=dict)
    errors: list[str] = field(default_factory=list)
    finished: bool = False  # False in the reports sent while the notebook is still running


@dataclass
class GradedSubmission:
    """One row of the scores CSV."""

    file: str
    lab: str
    student: str
    status: str
    detail: str
    feedback: list[Any]  # list[tcpedu.teach.exercises.Feedback]

    @property
    def score(self) -> float:
        return sum(f.points for f in self.feedback)

    @property
    def max_score(self) -> float:
        return sum(f.max_points for f in self.feedback)


# -- the worker: runs inside its own process ----------------------------------------------------

def _parse_snapshot(outputs: Iterable[Any]) -> dict[str, Any] | None:
    """The snapshot from the cell's printed line, or from its result (if stdout was hijacked)."""
    for output in outputs:
        if output.get("output_type") == "stream" and output.get("name") == "stdout":
            text = output.get("text", "")
        elif output.get("output_type") == "execute_result":
            try:
                text = ast.literal_eval(output.get("data", {}).get("text/plain", ""))
            except (ValueError, SyntaxError):
                continue
        else:
            continue
        for line in str(text).splitlines():
            if line.startswith(MARKER):
                try:
                    return json.loads(line[len(MARKER):])
                except ValueError:
                    continue
    return None


def _expression_snapshot(replies: list[dict[str, Any]]) -> dict[str, Any] | None:
    """The snapshot a cell's execute reply carries as its user expression, if it succeeded."""
    for reply in replies:
        result = (reply.get("content", {}).get("user_expressions") or {}).get(EXPRESSION, {})
        if result.get("status") == "ok":
            return _parse_snapshot([{"output_type": "execute_result",
                                     "data": result.get("data", {})}])
    return None


def run_notebook(path: str | Path, variables: Sequence[str], timeout: float) -> Run:
    """Execute a notebook's code cells in a fresh kernel within ``timeout`` seconds in total and
    return the last snapshot of ``variables``. Runs in the worker process."""
    import nbformat

    run = Run()
    try:
        nb = nbformat.read(str(path), as_version=4)
    except Exception as exc:  # any unreadable file is a row in the CSV, not a crash
        return Run(status="unreadable", detail=f"not a notebook: {type(exc).__name__}")
    code_cells = [c for c in nb.cells if c.get("cell_type") == "code"]
    for cell in code_cells:
        cell["outputs"] = []
    snapshot = nbformat.v4.new_code_cell(_SNAPSHOT % (list(variables), MARKER, BOUND_LAB))
    nb.cells = [*code_cells, snapshot]
    if str(Path(path).parent) == sandbox.HOME:  # in a sandbox: run beside the support files
        _execute(nb, code_cells, snapshot, variables, sandbox.HOME, timeout, run)
        return run
    with tempfile.TemporaryDirectory(prefix="tcpedu-grade-", ignore_cleanup_errors=True) as workdir:
        _execute(nb, code_cells, snapshot, variables, workdir, timeout, run)
    return run


def kernel_manager(workdir: str) -> Any:
    """A kernel manager whose kernel listens on Unix sockets in ``workdir`` (the ``ipc``
    transport), not on TCP ports: jupyter_client picks free ports by binding port 0 and closing
    it, and another process (a parallel grading job's kernel, any server) can take one before
    the kernel binds it, which kills the kernel before it answers (jupyter_client#487)."""
    from jupyter_client.manager import AsyncKernelManager

    return AsyncKernelManager(kernel_name="python3", transport="ipc",
                              ip=os.path.join(workdir, ".kernel"))


def _execute(nb: Any, code_cells: list[Any], snapshot: Any, variables: Sequence[str],
             workdir: str, timeout: float, run: Run) -> None:
    """Run the code cells in a kernel started in ``workdir``, snapshotting after each one.

    The snapshot rides along with each cell's own execute request, as a user expression that the
    kernel evaluates after the cell succeeded (no round trip of its own). Where that gives no
    snapshot (a cell that raised, the function not defined yet or rebound, a kernel interrupted
    after a timeout), the snapshot cell runs on its own, as before."""
    from nbclient import NotebookClient
    from nbclient.exceptions import CellTimeoutError, DeadKernelError

    replies: list[dict[str, Any]] = []  # the execute reply of the cell just run
    # The kernel is killed, not asked to shut down, at the end: its answers are in by then, and
    # a graceful shutdown only added its wait to every submission.
    client = NotebookClient(nb, km=kernel_manager(workdir), timeout=int(timeout) + 1,
                            kernel_name="python3", allow_errors=True, shutdown_kernel="immediate",
                            resources={"metadata": {"path": workdir}},
                            on_cell_executed=lambda execute_reply, **_: replies.append(execute_reply))
    call = f"_tcpedu_snapshot({list(variables)!r}, {MARKER!r}, {BOUND_LAB!r}, False)"
    expression = {EXPRESSION: call}

    def stop(signum: int, frame: Any) -> None:
        if client.km is not None:
            client.km.shutdown_kernel(now=True)
        os._exit(3)

    signal.signal(signal.SIGTERM, stop)

    def record(found: dict[str, Any] | None) -> bool:
        if found is not None:
            run.student = found.get("student")
            run.answers = found.get("answers", {})
            _report(run)
        return found is not None

    def take_snapshot(limit: float) -> bool:
        snapshot["outputs"] = []
        client.timeout = max(1, int(limit))
        client.execute_cell(snapshot, len(nb.cells) - 1)
        return record(_parse_snapshot(snapshot["outputs"]))

    with client.setup_kernel():
        # The submission's own time starts now: starting the kernel is STARTUP_ALLOWANCE's part.
        deadline = time.monotonic() + timeout
        send = client.kc.execute

        def execute(code: str, **kwargs: Any) -> str:  # a code cell's request, with the snapshot
            if code != snapshot.source:
                kwargs["user_expressions"] = expression
            return send(code, **kwargs)

        client.kc.execute = execute
        for index, cell in enumerate(code_cells):
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                run.status, run.detail = "timeout", f"time limit reached before cell {index + 1}"
                break
            client.timeout = max(1, int(remaining))
            try:
                replies.clear()
                client.execute_cell(cell, index)
                for output in cell.get("outputs", []):
                    if output.get("output_type") == "error":
                        run.errors.append(f"cell {index + 1}: {output.get('ename')}")
                if not record(_expression_snapshot(replies)):
                    take_snapshot(STARTUP_ALLOWANCE / 4)
            except CellTimeoutError:
                run.status = "timeout"
                run.detail = f"cell {index + 1} ran past the {timeout:g} s limit"
                client.km.interrupt_kernel()
                with contextlib.suppress(CellTimeoutError, DeadKernelError):
                    take_snapshot(5)
                break
            except DeadKernelError:
                run.status, run.detail = "kernel died", f"the kernel died in cell {index + 1}"
                break


def _report(run: Run) -> None:
    """One line to the grader: the Run so far (the last line read wins)."""
    sys.__stdout__.write(MARKER + json.dumps(run.__dict__) + "\n")
    sys.__stdout__.flush()


#: Optional modules the worker never needs but would import anyway (blocked before nbclient):
#: jsonschema >= 4.24, imported by nbformat, loads every format checker it finds, and
#: rfc3987_syntax builds some 35 Earley parsers on import (about 2 s of CPU,
#: python-jsonschema/jsonschema#1428) for the "iri" formats, which no notebook schema uses. It
#: was most of a submission's grading overhead over a plain nbclient run. (binder/requirements.txt
#: now pins a jsonschema without it; this keeps grading fast wherever a newer one is installed.)
_UNNEEDED_IMPORTS = ("rfc3987_syntax",)


def _worker_main(argv: list[str]) -> int:
    """``python -m tcpedu.teach.grade --worker NOTEBOOK TIMEOUT VAR...``: print the Run as JSON."""
    for name in _UNNEEDED_IMPORTS:
        sys.modules.setdefault(name, None)  # type: ignore[arg-type]  (None: "not installed")
    path, timeout, *variables = argv
    run = run_notebook(path, variables, float(timeout))
    run.finished = True
    _report(run)
    return 0


# -- the grader: one worker per submission ------------------------------------------------------

def _run_worker(path: Path, variables: Sequence[str], timeout: float,
                limits: sandbox.Limits | None = None,
                support: dict[str, Path] | None = None) -> Run:
    """Run one worker on ``path``: inside a sandbox with ``limits`` (and the lab's ``support``
    files beside the notebook), or unconfined when ``limits`` is None."""
    worker = [sys.executable, "-m", "tcpedu.teach.grade", "--worker"]
    tail = [str(timeout), *variables]
    if limits is None:
        cmd, env = [*worker, str(path), *tail], None
    else:
        files: dict[str, str | Path] = {**(support or {}), "submission.ipynb": path}
        cmd = sandbox.wrap([*worker, f"{sandbox.HOME}/submission.ipynb", *tail], files=files,
                           limits=limits)
        env = {"PATH": os.environ.get("PATH", "/usr/bin:/bin")}  # bwrap clears the rest anyway
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            start_new_session=True, cwd=tempfile.gettempdir(), env=env)
    try:
        out, err = proc.communicate(timeout=timeout + STARTUP_ALLOWANCE)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGTERM)
        try:
            out, err = proc.communicate(timeout=10)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            out, err = proc.communicate()
        run = _last_report(out) or Run()
        run.status, run.detail = "timeout", "the grading worker had to be stopped"
        return run
    run = _last_report(out)
    if run is not None and run.finished:
        return run
    last = err.strip().splitlines()[-1] if err.strip() else f"exit status {proc.returncode}"
    if run is None:
        return Run(status="grader error", detail=last[:200])
    run.status = "worker died"  # e.g. the submission killed it: graded on its last report
    run.detail = f"the grading worker ended early ({last[:160]})"
    return run


def _last_report(out: str) -> Run | None:
    for line in reversed(out.splitlines()):
        if line.startswith(MARKER):
            try:
                found = json.loads(line[len(MARKER):])
                return Run(**{k: v for k, v in found.items() if k in Run.__dataclass_fields__})
            except (ValueError, TypeError):
                continue
    return None


def lab_support_files(lab_id: str) -> dict[str, Path]:
    """Files a lab gives its students beside the notebook (its folder in the course, minus
    notebooks and the instructor's folder): what a sandboxed submission may see."""
    import tcpedu

    folder = Path(tcpedu.__file__).resolve().parent.parent / "course" / "labs" / lab_id
    if not folder.is_dir():
        return {}
    return {p.name: p for p in sorted(folder.iterdir())
            if p.suffix != ".ipynb" and not p.name.startswith(".")
            and p.name not in ("instructor", "submission.ipynb")}


def notebook_lab(path: Path) -> str | None:
    """The lab id a notebook declares in its metadata (``metadata.tcpedu.lab``), if any."""
    try:
        meta = json.loads(path.read_text(encoding="utf-8")).get("metadata", {})
    except (OSError, ValueError, AttributeError):
        return None
    lab = meta.get("tcpedu", {}).get("lab") if isinstance(meta, dict) else None
    return lab if isinstance(lab, str) else None


def submissions(directory: str | Path) -> list[Path]:
    """Every ``*.ipynb`` under ``directory`` (checkpoints skipped), sorted."""
    root = Path(directory)
    if not root.is_dir():
        raise ParameterError(f"{directory} is not a directory of submitted notebooks")
    return sorted(p for p in root.rglob("*.ipynb") if ".ipynb_checkpoints" not in p.parts)


def grade_one(path: Path, lab: str | None = None, timeout: float = 120.0,
              name: str | None = None,
              limits: sandbox.Limits | None = None) -> GradedSubmission:
    """Run and judge one submission (``lab`` overrides the notebook's own metadata); ``name`` is
    how the CSV calls it (default: the file name). ``limits``: run it in a sandbox with these
    limits (None: unconfined)."""
    from .exercises import lab_spec, start

    name = name or path.name
    lab_id = lab or notebook_lab(path)
    if lab_id is None:
        try:
            json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return GradedSubmission(name, "", "", "unreadable", "not a notebook (invalid JSON)",
                                    [])
        return GradedSubmission(name, "", "", "error", "no lab id in the notebook's metadata; "
                                "pass --lab", [])
    try:
        spec = lab_spec(lab_id)
    except ParameterError as exc:
        return GradedSubmission(name, str(lab_id), "", "error", str(exc), [])
    support = lab_support_files(lab_id) if limits is not None else None
    run = _run_worker(path, [q.variable for q in spec.questions], timeout, limits, support)
    answers = {name: _from_json(value) for name, value in run.answers.items()}
    student = run.student if isinstance(run.student, (str, int)) else None
    session = start(lab_id, student)
    feedback = session.evaluate(answers)
    detail = run.detail or ("; ".join(run.errors[:3]) if run.errors else "")
    return GradedSubmission(name, lab_id, session.variant.student, run.status, detail, feedback)


def _from_json(value: Any) -> Any:
    from .exercises import UngradableValue, ____

    if isinstance(value, dict):
        return ____ if value.get("blank") else UngradableValue(str(value.get("ungradable")))
    return value


#: Memory set aside per notebook graded at once when choosing the default number of jobs (a
#: course kernel and its worker use about 200 MB; this leaves room for a hungry submission).
MEMORY_PER_JOB = 1024 * 1024 * 1024


def default_jobs() -> int:
    """How many notebooks to grade at a time by default: one per usable core, fewer if the
    available memory holds fewer than one :data:`MEMORY_PER_JOB` each."""
    try:
        cores = len(os.sched_getaffinity(0))
    except AttributeError:  # not Linux
        cores = os.cpu_count() or 1
    try:
        memory = os.sysconf("SC_AVPHYS_PAGES") * os.sysconf("SC_PAGE_SIZE")
    except (ValueError, OSError, AttributeError):
        return max(1, cores)
    return max(1, min(cores, memory // MEMORY_PER_JOB))


def grade_directory(directory: str | Path, *, lab: str | None = None, timeout: float = 120.0,
                    jobs: int | None = None, sandboxed: bool = True,
                    memory_mb: int | None = None) -> list[GradedSubmission]:
    """Grade every notebook under ``directory``, ``jobs`` at a time (default:
    :func:`default_jobs`), each in a sandbox (refused with :class:`~tcpedu.errors.PermissionNeeded`
    where none can be made) unless ``sandboxed`` is False; ``memory_mb`` caps each sandboxed
    process's address space."""
    if jobs is None:
        jobs = default_jobs()
    if timeout <= 0:
        raise ParameterError(f"timeout must be > 0 seconds, not {timeout}")
    if jobs < 1:
        raise ParameterError(f"jobs must be >= 1, not {jobs}")
    if memory_mb is not None and memory_mb < 256:
        raise ParameterError(f"memory must be >= 256 MiB, not {memory_mb}")
    # Only looked for (the workers import them): importing nbformat here costs seconds.
    missing = [name for name in ("nbclient", "nbformat") if importlib.util.find_spec(name) is None]
    if missing:  # jupyterlab brings both; say so clearly if one is missing
        raise TcpeduError(f"tcpedu grade needs nbclient and nbformat ({missing[0]} is missing): "
                          "pip install nbclient nbformat")
    if lab is not None:
        from .exercises import lab_spec

        lab_spec(lab)  # unknown lab id: one clear error before running anything
    root = Path(directory)
    paths = submissions(root)
    if not paths:
        raise ParameterError(f"no .ipynb files under {directory}")
    limits = None
    if sandboxed:
        sandbox.require()
        limits = sandbox.Limits(cpu_seconds=int(timeout + STARTUP_ALLOWANCE) + 1,
                                memory_mb=memory_mb or sandbox.Limits.memory_mb)
    # Private copies first: a submission that deletes or rewrites files in SUBMISSIONS_DIR
    # cannot touch the notebooks graded after it.
    with tempfile.TemporaryDirectory(prefix="tcpedu-submissions-") as private:
        copies = []
        for index, path in enumerate(paths):
            copy = Path(private) / f"{index:05d}.ipynb"
            shutil.copyfile(path, copy)
            copies.append((copy, str(path.relative_to(root))))
        with ThreadPoolExecutor(max_workers=jobs) as pool:
            return list(pool.map(lambda c: grade_one(c[0], lab, timeout, c[1], limits), copies))


def write_csv(results: Sequence[GradedSubmission], out: Any) -> None:
    """Scores and per-question feedback, one row per submission, to a text stream."""
    width = max((len(r.feedback) for r in results), default=0)
    header = ["file", "student", "lab", "score", "max_score", "status", "detail"]
    for n in range(1, width + 1):
        header += [f"q{n}", f"q{n}_feedback"]
    writer = csv.writer(out)
    writer.writerow(header)
    for r in results:
        row: list[Any] = [r.file, r.student, r.lab, f"{r.score:g}", f"{r.max_score:g}", r.status,
                          r.detail]
        for f in r.feedback:
            row += [f"{f.points:g}", f"{f.outcome}: {f.message}" if f.message else f.outcome]
        writer.writerow(row)


if __name__ == "__main__":
    if sys.argv[1:2] == ["--worker"]:
        raise SystemExit(_worker_main(sys.argv[2:]))
    raise SystemExit("usage: tcpedu grade SUBMISSIONS_DIR (this module's own entry is internal)")
