"""Views: re-drawing a player frame (targets: median <= 50 ms for a 20-segment trace, <= 150 ms
for a 300-segment trace) and re-simulate + redraw after a Scenario-lab control change (target:
median <= 200 ms). The reference is a plain matplotlib redraw (new figure, savefig) of the same
picture, measured in the same run."""

from __future__ import annotations

import io
import os
import statistics
import time
from collections.abc import Callable

import matplotlib

matplotlib.use("Agg")

TARGETS = {"20-segment frame": 0.050, "300-segment frame": 0.150, "lab change": 0.200,
           "20-segment frame (stepping on)": 0.050, "300-segment frame (stepping on)": 0.150}


def _median(fn: Callable[[int], object], args: list[int]) -> float:
    times = []
    for a in args:
        start = time.perf_counter()
        fn(a)
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def _report(name: str, median: float, reference: float | None = None) -> None:
    target = TARGETS.get(name)
    verdict = "" if target is None else (
        f" (target <= {target * 1000:.0f} ms: {'ok' if median <= target else 'over target'})")
    ratio = "" if reference is None else (
        f"; plain matplotlib redraw {reference * 1000:.1f} ms = {reference / median:.1f}x slower")
    print(f"   {name}: median {median * 1000:.1f} ms{verdict}{ratio}")


def _plain_redraw(trace, rows: int) -> Callable[[int], object]:
    from tcpedu.views.plot import plot_ladder

    def draw(step: int) -> bytes:
        fig = plot_ladder(trace, step=step, start=max(0, step - rows + 1), rows=rows)
        out = io.BytesIO()
        fig.savefig(out, format="png")
        return out.getvalue()
    return draw


def main() -> None:
    """Print frame redraw and lab re-simulation medians."""
    load = os.getloadavg()[0]
    print(f"   (load average {load:.1f} on {os.cpu_count()} cores: figures scale with it)")
    from tcpedu import scenarios
    from tcpedu.views.widgets import ScenarioLab, TracePlayer

    for name, trace in (
            ("20-segment frame", scenarios.run("transfer")),
            ("300-segment frame", scenarios.run("transfer", size=150_000, delayed_ack=False))):
        player = TracePlayer(trace, frames=False)
        steps = len(player.timeline)
        picks = list(range(0, steps, max(1, steps // 60)))
        player._render(picks[0])  # warm caches (fonts, diagram pictures)
        jumps = _median(player._render, picks)  # slider jumps: every frame drawn in full
        player._render(0)
        stepping = _median(player._render, list(range(1, min(steps, 120))))  # Step ▶ / play
        reference = _median(_plain_redraw(trace, 22), picks[::4])
        print(f"   {name}: {len(trace.segments())} segments, {steps} steps")
        _report(name + " (stepping on)", stepping)
        _report(name, jumps, reference)

    start = time.perf_counter()
    TracePlayer(scenarios.run("transfer"))
    print(f"   pre-rendering a 20-segment player (every frame): "
          f"{time.perf_counter() - start:.2f} s")

    lab = ScenarioLab("loss_fast_retransmit")
    values = [2, 3, 4, 5, 6, 7, 3, 2, 5, 4, 6, 7]

    def change(value: int) -> None:
        lab.controls["lose"].value = value
    lab.controls["lose"].value = 1
    _report("lab change", _median(change, values))
