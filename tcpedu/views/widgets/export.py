"""Exports of a player for slides and pages: an animated GIF (Pillow) and a self-contained HTML
animation (frames inlined as data URIs, a few lines of JavaScript, no kernel, no network)."""

from __future__ import annotations

import base64
import html
import json
from pathlib import Path
from typing import Any

from ...errors import ParameterError
from ...reading.timeline import Timeline
from ...trace import Trace
from ..narrate import Narrator
from ..plot.frames import PLAYER_ROWS, LadderFrames, to_png
from ..plot.palette import Theme


def _frames(source: Any, look: str | Theme, rows: int) -> tuple[LadderFrames, list[str]]:
    """Captioned ladder frames and narration for a Trace or a TracePlayer."""
    trace = getattr(source, "trace", source)
    if not isinstance(trace, Trace):
        raise ParameterError(f"export needs a Trace or a TracePlayer, got {type(source).__name__}")
    relative = getattr(getattr(source, "timeline", None), "relative", True)
    timeline = Timeline(trace, relative=relative)
    if not len(timeline):
        raise ParameterError("this trace has no records to export")
    narration = Narrator(timeline).all()
    return LadderFrames(timeline, rows=rows, look=look, caption=True,
                        narration=narration), narration


def _steps(count: int, steps: Any) -> list[int]:
    if steps is None:
        return list(range(count))
    chosen = list(steps)
    bad = [s for s in chosen if not isinstance(s, int) or not 0 <= s < count]
    if bad or not chosen:
        raise ParameterError(f"steps must be step numbers in 0..{count - 1}; got {bad or chosen}")
    return chosen


def _target(path: str | Path, suffix: str) -> Path:
    out = Path(path)
    if out.suffix.lower() != suffix:
        raise ParameterError(f"{out}: the file name should end in {suffix}")
    if not out.parent.exists():
        raise ParameterError(f"{out.parent} does not exist")
    return out


def export_gif(source: Any, path: str | Path, *, seconds_per_step: float = 1.2,
               look: str | Theme = "projector", rows: int = PLAYER_ROWS,
               steps: Any = None) -> Path:
    """Write an animated GIF of a Trace or TracePlayer, one frame per step with its narration."""
    if not isinstance(seconds_per_step, (int, float)) or not 0.02 <= seconds_per_step <= 60:
        raise ParameterError(f"seconds_per_step={seconds_per_step!r}: give 0.02..60 seconds")
    out = _target(path, ".gif")
    frames, _ = _frames(source, look, rows)
    chosen = _steps(len(frames.timeline), steps)
    images = [frames.image(i).quantize(colors=64) for i in chosen]
    images[0].save(out, save_all=True, append_images=images[1:], loop=0,
                   duration=int(seconds_per_step * 1000), optimize=False)
    return out


_PAGE = """<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>{title}</title>
<style>
body {{font-family: sans-serif; margin: 1em; background: #fff; color: #000}}
#frame {{max-width: 100%; border: 1px solid #ccc}}
#narration {{font-size: 1.3em; max-width: 60em; border-left: 6px solid #0072B2;
  padding: .3em .7em; background: #F2F7FB; min-height: 3.5em}}
button {{font-size: 1.1em; margin-right: .4em}}
</style></head><body>
<h2>{title}</h2>
<div class="controls">
<button id="back" title="previous step (←)">◀ Back</button>
<button id="play" title="play / pause (space)">▶ Play</button>
<button id="step" title="next step (→)">Step ▶</button>
<input id="slider" type="range" min="0" max="{last}" value="0" style="width: 30em">
<span id="counter"></span>
</div>
<p id="narration"></p>
<img id="frame" alt="ladder diagram frame">
<script>
const frames = {frames};
const narration = {narration};
let step = 0, timer = null;
const img = document.getElementById("frame"), slider = document.getElementById("slider");
function show(i) {{
  step = Math.max(0, Math.min(frames.length - 1, i));
  img.src = "data:image/png;base64," + frames[step];
  slider.value = step;
  document.getElementById("narration").textContent = narration[step];
  document.getElementById("counter").textContent = "step " + (step + 1) + " of " + frames.length;
}}
function toggle() {{
  const button = document.getElementById("play");
  if (timer) {{ clearInterval(timer); timer = null; button.textContent = "▶ Play"; return; }}
  button.textContent = "❚❚ Pause";
  timer = setInterval(() => {{ if (step >= frames.length - 1) toggle(); else show(step + 1); }},
                      {interval});
}}
document.getElementById("back").onclick = () => show(step - 1);
document.getElementById("step").onclick = () => show(step + 1);
document.getElementById("play").onclick = toggle;
slider.oninput = () => show(Number(slider.value));
document.addEventListener("keydown", (e) => {{
  if (e.key === "ArrowRight") show(step + 1);
  else if (e.key === "ArrowLeft") show(step - 1);
  else if (e.key === " ") {{ e.preventDefault(); toggle(); }}
}});
show(0);
</script></body></html>
"""


def export_html(source: Any, path: str | Path, *, seconds_per_step: float = 1.2,
                look: str | Theme = "projector", rows: int = PLAYER_ROWS,
                steps: Any = None, title: str | None = None) -> Path:
    """Write a self-contained HTML animation (Back / Play / Step, slider, arrow keys)."""
    if not isinstance(seconds_per_step, (int, float)) or not 0.02 <= seconds_per_step <= 60:
        raise ParameterError(f"seconds_per_step={seconds_per_step!r}: give 0.02..60 seconds")
    out = _target(path, ".html")
    frames, narration = _frames(source, look, rows)
    chosen = _steps(len(frames.timeline), steps)
    pngs = [base64.b64encode(to_png(frames.image(i).quantize(colors=64))).decode("ascii")
            for i in chosen]
    trace = frames.timeline.trace
    name = title or str(trace.meta.get("scenario") or trace.meta.get("capture") or "TCP trace")
    page = _PAGE.format(title=html.escape(name), last=len(pngs) - 1,
                        frames=json.dumps(pngs),
                        narration=json.dumps([narration[i] for i in chosen]).replace("</", "<\\/"),
                        interval=int(seconds_per_step * 1000))
    out.write_text(page, encoding="utf-8")
    return out
