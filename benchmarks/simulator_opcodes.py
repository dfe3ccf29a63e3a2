"""Where the simulator's time goes, in Python opcodes per segment: deterministic, unlike CPU time
on a shared machine, and close to what ``bench_simulator`` measures (its ratio to the null-endpoint
network follows the ratio of opcodes per segment: 356 / 1,168 = 0.30 when it printed 0.31).

Counts every opcode executed (``sys.settrace`` with ``f_trace_opcodes``) in a 2 MB transfer with 1 %
loss (the benchmark's link), and in the network alone with null endpoints; prints the functions
that execute the most per segment. Not part of ``make bench`` (tracing is ~50x slower)::

    python benchmarks/simulator_opcodes.py [--no-snapshots] [--top N]
"""

from __future__ import annotations

import argparse
import sys
from collections import Counter
from collections.abc import Callable
from pathlib import Path
from types import FrameType
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

import bench_simulator  # noqa: E402 - the benchmark's link and null endpoints

from tcpedu.sim.scenarios import run  # noqa: E402

SIZE = 2_000_000


def count_opcodes(work: Callable[[], Any]) -> tuple[Any, Counter[str]]:
    """Run ``work()`` counting the opcodes each function executes: (its result, the counts)."""
    counts: Counter[str] = Counter()

    def tracer(frame: FrameType, event: str, _arg: Any) -> Any:
        frame.f_trace_opcodes = True
        if event == "opcode":
            code = frame.f_code
            counts[f"{Path(code.co_filename).name}:{code.co_name}"] += 1
        return tracer

    sys.settrace(tracer)
    try:
        result = work()
    finally:
        sys.settrace(None)
    return result, counts


def report(title: str, counts: Counter[str], segments: int, top: int) -> float:
    """Print the ``top`` functions by opcodes per segment; returns the total per segment."""
    total = sum(counts.values()) / segments
    print(f"{title}: {total:,.0f} opcodes per segment ({segments} segments)")
    for name, n in counts.most_common(top):
        print(f"   {n / segments:7.1f}  {100 * n / segments / total:4.1f}%  {name}")
    return total


def main() -> None:
    """Count the transfer and the null-endpoint network; print both and their ratio."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--no-snapshots", action="store_true")
    parser.add_argument("--top", type=int, default=25)
    args = parser.parse_args()
    snapshots = not args.no_snapshots
    run("transfer", size=SIZE // 10, mss=1460, snapshots=snapshots, seed=1, **bench_simulator.LINK)
    trace, counts = count_opcodes(lambda: run("transfer", size=SIZE, mss=1460,
                                              snapshots=snapshots, seed=1, **bench_simulator.LINK))
    segments = len(trace.segments())
    simulation = report(f"2 MB transfer, 1% loss, snapshots {'on' if snapshots else 'off'}",
                        counts, segments, args.top)
    _, core = count_opcodes(bench_simulator.null_network(segments).run)
    network = report("network alone (null endpoints, same segments)", core, segments, 8)
    print(f"ratio (the network alone / the simulation): {network / simulation:.2f}")


if __name__ == "__main__":
    main()
