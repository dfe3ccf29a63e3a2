"""Labs and grading: how long a variant takes to build and check, and what ``tcpedu grade`` costs
per notebook beside plain nbclient execution of the same notebook (the reference)."""

from __future__ import annotations

import json
import re
import statistics
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
STUDENTS = [f"s{n:07d}" for n in range(20)]


def _variants() -> None:
    from tcpedu.teach.exercises import LABS, start

    for lab_id in LABS:
        times = []
        for student in STUDENTS:
            begin = time.perf_counter()
            lab = start(lab_id, student)
            lab.answer_key()  # runs the scenario(s) and solves every question
            times.append(time.perf_counter() - begin)
        print(f"   {lab_id:<14} variant build + answer key: median {statistics.median(times) * 1e3:7.1f} ms"
              f" (max {max(times) * 1e3:.1f} ms, {len(STUDENTS)} students)")


def _grading() -> None:
    import nbformat
    from nbclient import NotebookClient

    from tcpedu.teach.grade import default_jobs, grade_directory, kernel_manager

    source = json.loads((ROOT / "course/labs/01-handshake/instructor/solution.ipynb").read_text())
    for cell in source["cells"]:
        cell["source"] = re.sub(r"^STUDENT = .*$", 'STUDENT = "bench"', "".join(cell["source"]),
                                flags=re.M)
    count = 4
    with tempfile.TemporaryDirectory() as folder:
        for n in range(count):
            Path(folder, f"s{n}.ipynb").write_text(json.dumps(source), encoding="utf-8")
        begin = time.perf_counter()
        nb = nbformat.reads(json.dumps(source), as_version=4)
        NotebookClient(nb, km=kernel_manager(folder), timeout=120,  # on Unix sockets, as grade's
                       resources={"metadata": {"path": folder}}).execute(cleanup_kc=True)
        plain = time.perf_counter() - begin
        begin = time.perf_counter()
        unconfined = grade_directory(folder, timeout=120, jobs=1, sandboxed=False)
        bare = (time.perf_counter() - begin) / count
        begin = time.perf_counter()
        results = grade_directory(folder, timeout=120, jobs=1)
        graded = (time.perf_counter() - begin) / count
        jobs = default_jobs()
        begin = time.perf_counter()
        grade_directory(folder, timeout=120, jobs=jobs)
        parallel = (time.perf_counter() - begin) / count
    assert all(r.score == r.max_score for r in [*results, *unconfined])
    print(f"   plain nbclient run of lab 1 (reference): {plain:.2f} s per notebook")
    print(f"   tcpedu grade --no-sandbox, 1 job: {bare:.2f} s per notebook "
          f"({bare / plain:.2f}x the reference: own process, kernel, snapshots)")
    print(f"   tcpedu grade (sandboxed), 1 job:  {graded:.2f} s per notebook "
          f"({graded / plain:.2f}x the reference, {graded / bare:.2f}x unconfined)")
    print(f"   tcpedu grade (sandboxed), {jobs} jobs (the default here): {parallel:.2f} s per "
          f"notebook ({parallel / plain:.2f}x)")


def main() -> None:
    """Print per-variant build times and grading cost per notebook."""
    _variants()
    _grading()
