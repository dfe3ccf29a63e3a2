"""Views: the player drawn in the browser. Figures, never asserted.

- creating a player for a 43-step trace in the kernel (target <= 50 ms): the payload, sent once;
- a step redrawn in the browser for a 300-segment trace (target <= 16 ms), timed with
  performance.now() in Debian's Chromium around a key press, layout included;
- what-if on a 50-segment scenario (target <= 200 ms): the re-simulation and new payload in the
  kernel plus drawing the new run in the browser;
- the whole course under nbval (target <= 20 s) is measured by bench_notebooks.py.

The reference is the player it replaced: pre-rendering one matplotlib frame per step.
"""

from __future__ import annotations

import os
import statistics
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
TARGETS = {"player creation (43 steps)": 0.050, "browser step (300 segments)": 0.016,
           "what-if (50 segments)": 0.200}


def _report(name: str, seconds: float, extra: str = "") -> None:
    target = TARGETS.get(name)
    verdict = "" if target is None else (
        f" (target <= {target * 1000:.0f} ms: {'ok' if seconds <= target else 'over target'})"
        if target < 1 else f" (target <= {target:.0f} s: "
        f"{'ok' if seconds <= target else 'over target'})")
    shown = f"{seconds * 1000:.1f} ms" if seconds < 1 else f"{seconds:.1f} s"
    print(f"   {name}: {shown}{verdict}{extra}", flush=True)


def _median(fn, repeat: int) -> float:
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def kernel_side() -> None:
    from tcpedu import scenarios
    from tcpedu.views.widgets import TracePlayer

    trace = scenarios.run("loss_rto")
    TracePlayer(trace)  # warm imports
    steps = len(TracePlayer(trace).timeline)
    creation = _median(lambda: TracePlayer(trace), 15)
    reference = ""
    try:
        from tcpedu.reading.timeline import Timeline
        from tcpedu.views.plot.frames import LadderFrames

        frames = LadderFrames(Timeline(trace))
        start = time.perf_counter()
        for i in range(steps):
            frames.png(i)
        old = time.perf_counter() - start
        reference = f"; pre-rendering its {steps} matplotlib frames (the old player) {old:.2f} s"
    except Exception as exc:  # the reference is optional
        reference = f"; (old-player reference unavailable: {exc})"
    _report("player creation (43 steps)", creation, f" [{steps} steps]{reference}")


def browser_side() -> None:
    from playwright.sync_api import sync_playwright

    from tcpedu import scenarios
    from tcpedu.views.widgets import TracePlayer, export_html

    big = scenarios.run("transfer", size=150_000, delayed_ack=False)
    medium = scenarios.run("transfer", size=22_000, delayed_ack=False, client_isn=1000,
                           server_isn=5000)
    player = TracePlayer(medium)
    data_seg = next(s.id for s in medium.segments("client") if s.segment.payload)
    start = time.perf_counter()
    player.what_if(lose=data_seg)
    what_if_kernel = time.perf_counter() - start
    with tempfile.TemporaryDirectory() as tmp, sync_playwright() as p:
        browser = p.chromium.launch(executable_path="/usr/bin/chromium", args=["--no-sandbox"])
        page = browser.new_page(viewport={"width": 1280, "height": 720})
        page.goto(export_html(big, Path(tmp) / "big.html").as_uri())
        page.wait_for_selector(".tcpedu-ladder")
        per_step = page.evaluate(
            """() => { const el = document.querySelector('.tcpedu-player'); const t = [];
            for (let i = 0; i < 300; i++) { const s = performance.now();
              el.dispatchEvent(new KeyboardEvent('keydown', {key: 'ArrowRight', bubbles: true}));
              void el.offsetHeight; t.push(performance.now() - s); }
            t.sort((a, b) => a - b); return [t[150], t[285]]; }""")
        segments = len(big.segments())
        _report("browser step (300 segments)", per_step[0] / 1000,
                f" median, 95th percentile {per_step[1]:.1f} ms [{segments} segments]")
        page.goto(export_html(player.alternative, Path(tmp) / "alt.html").as_uri())
        page.wait_for_selector(".tcpedu-ladder")
        draw_new = page.evaluate(
            """async () => { const src = document.getElementById('tcpedu-esm').textContent;
            const mod = await import(URL.createObjectURL(new Blob([src], {type: 'text/javascript'})));
            const text = JSON.parse(document.querySelector('script.tcpedu-state').textContent).data;
            const model = {get: (k) => ({data: text, alt: '', showing: 'original', step: 0,
              look: 'notebook', rows: 0})[k], set() {}, on() {}, off() {}, save_changes() {},
              send() {}};
            const el = document.createElement('div'); document.body.append(el);
            const s = performance.now(); mod.default.render({model, el}); void el.offsetHeight;
            return performance.now() - s; }""")
        browser.close()
    _report("what-if (50 segments)", what_if_kernel + draw_new / 1000,
            f" = re-simulation + payload {what_if_kernel * 1000:.1f} ms in the kernel + new run "
            f"drawn {draw_new:.1f} ms in Chromium [{len(medium.segments())} segments]")


def main() -> None:
    """Print the player's figures."""
    print(f"   (load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores: figures scale "
          "with it)")
    kernel_side()
    if Path("/usr/bin/chromium").exists():
        browser_side()
    else:
        print("   browser figures skipped: /usr/bin/chromium is missing")
    print("   course under nbval: see bench_notebooks")


if __name__ == "__main__":
    main()
