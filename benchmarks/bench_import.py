"""How long ``python -c "import tcpedu"`` takes (target: median at most 0.15 s)."""

from __future__ import annotations

import statistics
import subprocess
import sys
import time

RUNS = 15
TARGET = 0.15


def _time_command(code: str) -> float:
    start = time.perf_counter()
    subprocess.run([sys.executable, "-c", code], check=True)
    return time.perf_counter() - start


def main() -> None:
    """Print the median import time of tcpedu beside a bare interpreter start."""
    _time_command("import tcpedu")  # warm the file cache
    bare = statistics.median(_time_command("pass") for _ in range(RUNS))
    full = statistics.median(_time_command("import tcpedu") for _ in range(RUNS))
    verdict = "ok" if full <= TARGET else "over target"
    print(f"   python -c 'import tcpedu': median {full:.3f} s over {RUNS} runs "
          f"(target <= {TARGET} s: {verdict})")
    print(f"   bare interpreter start:    median {bare:.3f} s; tcpedu adds {full - bare:.3f} s")
