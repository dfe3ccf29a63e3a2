"""How much ``import tcpedu`` adds to a bare interpreter start (issue 13: at most 10 ms, with nothing
heavy loaded; the whole ``python -c "import tcpedu"`` at most 0.15 s).

Starts are timed in pairs (``pass`` then ``import tcpedu``) so that the machine's load, which
varies from second to second on a shared host, hits both alike; the figure is the median of the
paired differences. ``-X importtime``'s own figure for the package is printed beside it.
"""

from __future__ import annotations

import statistics
import subprocess
import sys
import time

RUNS = 21
TARGET = 0.15
ADDED_TARGET = 0.010
HEAVY = ("scapy", "matplotlib", "ipywidgets", "anywidget", "numpy", "IPython")


def _time_command(code: str) -> float:
    start = time.perf_counter()
    subprocess.run([sys.executable, "-c", code], check=True)
    return time.perf_counter() - start


def _importtime() -> float:
    """Seconds ``-X importtime`` reports for ``tcpedu`` itself (cumulative), best of 7."""
    best = float("inf")
    for _ in range(7):
        err = subprocess.run([sys.executable, "-X", "importtime", "-c", "import tcpedu"],
                             capture_output=True, text=True, check=True).stderr
        line = next(x for x in err.splitlines() if x.rstrip().endswith("| tcpedu"))
        best = min(best, int(line.split("|")[1]) / 1e6)
    return best


def main() -> None:
    """Print the median import time of tcpedu beside a bare interpreter start."""
    _time_command("import tcpedu")  # warm the file cache
    bare, full = [], []
    for _ in range(RUNS):
        bare.append(_time_command("pass"))
        full.append(_time_command("import tcpedu"))
    added = statistics.median(f - b for b, f in zip(bare, full, strict=True))
    heavy = subprocess.run([sys.executable, "-c", "import sys, tcpedu; print(' '.join("
                            f"m for m in {HEAVY!r} if m in sys.modules))"],
                           capture_output=True, text=True, check=True).stdout.strip()
    median = statistics.median(full)
    print(f"   python -c 'import tcpedu': median {median:.3f} s over {RUNS} runs "
          f"(target <= {TARGET} s: {'ok' if median <= TARGET else 'over target'})")
    print(f"   bare interpreter start: median {statistics.median(bare):.3f} s; tcpedu adds "
          f"{added * 1000:.1f} ms (median of paired differences; target <= "
          f"{ADDED_TARGET * 1000:.0f} ms: {'ok' if added <= ADDED_TARGET else 'over'}); "
          f"-X importtime: {_importtime() * 1000:.1f} ms; heavy modules loaded: {heavy or 'none'}")
