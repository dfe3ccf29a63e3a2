"""The course's run time: the whole course under nbval (target <= 20 s), and where each
notebook's time goes. Figures, never asserted.

1. ``pytest --nbval-lax -n N --dist loadfile`` over every course notebook, N = NBVAL_JOBS, by
   default one worker per core (each worker keeps one kernel busy: on 2 cores, -n 3 took 39 s and
   32 CPU-s where -n 2 took 35 s and 26 CPU-s, three runs each, side by side at load 5-7; a third
   worker only adds its own start-up and a third kernel competing for two cores). The wall-clock
   time, with the load average before and after (the machine is shared: the figure scales with
   it), and the CPU seconds of the whole run (pytest, its workers and every kernel: steadier than
   wall-clock under load).
2. Each notebook alone, in a fresh kernel with nbclient (as nbval does), cell by cell: kernel
   start-up, the first cell (imports: matplotlib, tcpedu), the costliest other cell, the whole
   notebook; wall-clock and the kernel's CPU seconds (steadier than wall-clock under load).

``python benchmarks/bench_notebooks.py 05 09`` profiles only the notebooks whose names hold a
word given (skipping the nbval run).
"""

from __future__ import annotations

import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
NOTEBOOKS = ROOT / "notebooks"
TARGET_SECONDS = 20.0


def _cpu_seconds(pid: int) -> float:
    """User + system CPU seconds of a process so far (Linux /proc)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def profile_notebook(path: Path) -> dict:
    """Run one notebook in a new kernel; wall and kernel-CPU seconds of the start and each cell."""
    import nbformat
    from nbclient import NotebookClient

    from tcpedu.teach.grade import kernel_manager

    nb = nbformat.read(path, as_version=4)
    cells = []
    with tempfile.TemporaryDirectory(prefix="tcpedu-bench-") as sockets:  # as nbval's kernels
        client = NotebookClient(nb, km=kernel_manager(sockets), timeout=300,
                                resources={"metadata": {"path": str(path.parent)}})
        start = time.perf_counter()
        with client.setup_kernel(cleanup_kc=True):  # the manager is ours: shut it down
            pid = client.km.provisioner.process.pid
            ready = time.perf_counter()
            started_cpu = cpu = _cpu_seconds(pid)
            for index, cell in enumerate(nb.cells):
                if cell.cell_type != "code":
                    continue
                t = time.perf_counter()
                client.execute_cell(cell, index)
                now = _cpu_seconds(pid)
                first_line = next((ln for ln in cell.source.splitlines() if ln.strip()
                                   and not ln.startswith(("%", "#"))), "")
                cells.append((time.perf_counter() - t, now - cpu, first_line[:48]))
                cpu = now
            total = time.perf_counter() - start  # the kernel's shutdown is not the notebook's
    return {"total": total, "start": ready - start,
            "start_cpu": started_cpu, "cpu": cpu, "cells": cells}


def _bytecode_note() -> str:
    """Why every process may compile more than it would on a learner's machine."""
    if not os.environ.get("PYTHONDONTWRITEBYTECODE"):
        return ""
    return ("; PYTHONDONTWRITEBYTECODE is set: no process caches tcpedu's bytecode or pytest's "
            "rewritten plugins (~1 CPU-s more per pytest process)")


def course_under_nbval(notebooks: list[Path]) -> float:
    """Wall-clock seconds of nbval over ``notebooks`` with NBVAL_JOBS xdist workers (default: one
    per core)."""
    jobs = int(os.environ.get("NBVAL_JOBS") or os.cpu_count() or 2)
    load = os.getloadavg()
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    done = subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:randomly",
                           "-p", "no:cacheprovider", "-n", str(jobs), "--dist", "loadfile",
                           "--nbval-lax", *map(str, notebooks)],
                          cwd=ROOT, capture_output=True, text=True)
    seconds = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime + after.ru_stime) - (before.ru_utime + before.ru_stime)
    summary = [ln for ln in done.stdout.splitlines() if " passed" in ln or " failed" in ln]
    verdict = "ok" if seconds <= TARGET_SECONDS else "over target"
    print(f"   course under nbval ({len(notebooks)} notebooks, -n {jobs}): {seconds:.1f} s "
          f"(target <= {TARGET_SECONDS:.0f} s: {verdict}) [{(summary or ['?'])[-1].strip('= ')}; "
          f"load average {load[0]:.1f} before, {os.getloadavg()[0]:.1f} after, on "
          f"{os.cpu_count()} cores]", flush=True)
    print(f"   its CPU time (pytest, its workers, the kernels): {cpu:.1f} CPU-s{_bytecode_note()}",
          flush=True)
    return seconds


def main(argv: list[str] | None = None) -> None:
    """Print the course's figures."""
    words = sys.argv[1:] if argv is None else argv
    paths = sorted(NOTEBOOKS.glob("*.ipynb"))  # the whole course, as make test hands it to nbval
    if words:
        paths = [p for p in paths if any(w in p.stem for w in words)]
    else:
        course_under_nbval(paths)
    print(f"   each notebook alone (wall s; kernel CPU s in brackets), load average "
          f"{os.getloadavg()[0]:.1f}:")
    print(f"   {'notebook':32s} {'total':>12s} {'kernel start':>14s} {'first cell':>12s}   "
          "costliest other cell")
    totals = [0.0, 0.0]
    for path in paths:
        try:
            p = profile_notebook(path)
        except Exception as exc:  # report and go on: one broken notebook must not hide the rest
            print(f"   {path.stem:32s} FAILED: {type(exc).__name__}: "
                  f"{str(exc).splitlines()[0][:80]}")
            continue
        first = p["cells"][0] if p["cells"] else (0.0, 0.0, "")
        other = max(p["cells"][1:], default=(0.0, 0.0, ""))
        totals[0] += p["total"]
        totals[1] += p["cpu"]
        print(f"   {path.stem:32s} {p['total']:5.2f} [{p['cpu']:4.2f}] {p['start']:6.2f} "
              f"[{p['start_cpu']:4.2f}] {first[0]:5.2f} [{first[1]:4.2f}]   {other[0]:.2f} "
              f"[{other[1]:.2f}] {other[2]}", flush=True)
    print(f"   {'one after another':32s} {totals[0]:5.1f} [{totals[1]:4.1f}]")


if __name__ == "__main__":
    main()
