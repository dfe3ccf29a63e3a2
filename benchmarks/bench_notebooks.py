"""Execution time of each course notebook and of the whole course (target: all eleven <= 60 s).

Each notebook runs in a fresh kernel with nbclient, as nbval does; the figure includes kernel
start-up, which a learner pays too. Printed, never asserted.
"""

from __future__ import annotations

import time
from pathlib import Path

NOTEBOOKS = Path(__file__).resolve().parent.parent / "notebooks"
TARGET_SECONDS = 60.0


def run_notebook(path: Path) -> float:
    """Execute one notebook top to bottom in a new kernel; return the wall-clock seconds."""
    import nbformat
    from nbclient import NotebookClient

    nb = nbformat.read(path, as_version=4)
    start = time.perf_counter()
    NotebookClient(nb, timeout=120, kernel_name="python3",
                   resources={"metadata": {"path": str(path.parent)}}).execute()
    return time.perf_counter() - start


def main() -> None:
    paths = sorted(NOTEBOOKS.glob("[0-9][0-9]-*.ipynb"))
    total = 0.0
    for path in paths:
        try:
            seconds = run_notebook(path)
        except Exception as exc:  # report and go on: one broken notebook must not hide the rest
            print(f"{path.stem:34s}  FAILED: {type(exc).__name__}: {str(exc).splitlines()[0][:80]}")
            continue
        total += seconds
        print(f"{path.stem:34s} {seconds:6.2f} s")
    verdict = "within" if total <= TARGET_SECONDS else "OVER"
    print(f"{'whole course (' + str(len(paths)) + ' notebooks)':34s} {total:6.2f} s  "
          f"({verdict} the {TARGET_SECONDS:.0f} s target)")


if __name__ == "__main__":
    main()
