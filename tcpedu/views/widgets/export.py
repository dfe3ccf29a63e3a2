"""Exports of a player for slides and pages.

- :func:`export_html`: one self-contained page (the player's own ES module and CSS inlined, the
  steps as JSON, no CDN, no kernel) that steps offline exactly as the notebook player does;
- :func:`export_gif`: an animated GIF, one captioned ladder frame per step (matplotlib + Pillow,
  loaded only here).
"""

from __future__ import annotations

import html
import json
from pathlib import Path
from typing import Any

from ...errors import ParameterError
from ...reading.timeline import Timeline
from ...trace import Trace
from ..narrate import Narrator
from ..plot.palette import Theme, theme
from .payload import build_payload

STATIC = Path(__file__).with_name("static")


def _source(source: Any) -> tuple[Trace, bool]:
    trace = getattr(source, "trace", source)
    if not isinstance(trace, Trace):
        raise ParameterError(f"export needs a Trace or a TracePlayer, got {type(source).__name__}")
    relative = getattr(getattr(source, "timeline", None), "relative", True)
    return trace, relative


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


def _check_seconds(seconds_per_step: Any) -> None:
    if not isinstance(seconds_per_step, (int, float)) or not 0.02 <= seconds_per_step <= 60:
        raise ParameterError(f"seconds_per_step={seconds_per_step!r}: give 0.02..60 seconds")


def export_gif(source: Any, path: str | Path, *, seconds_per_step: float = 1.2,
               look: str | Theme = "projector", rows: int | None = None,
               steps: Any = None) -> Path:
    """Write an animated GIF of a Trace or TracePlayer, one frame per step with its narration."""
    from ..plot.frames import PLAYER_ROWS, LadderFrames

    _check_seconds(seconds_per_step)
    out = _target(path, ".gif")
    trace, relative = _source(source)
    timeline = Timeline(trace, relative=relative)
    if not len(timeline):
        raise ParameterError("this trace has no records to export")
    narration = Narrator(timeline).all()
    frames = LadderFrames(timeline, rows=rows or PLAYER_ROWS, look=look, caption=True,
                          narration=narration)
    chosen = _steps(len(timeline), steps)
    images = [frames.image(i).quantize(colors=64) for i in chosen]
    images[0].save(out, save_all=True, append_images=images[1:], loop=0,
                   duration=int(seconds_per_step * 1000), optimize=False)
    return out


_PAGE = """<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{title}</title>
<style>
body {{ margin: 12px; background: #fff; color: #111; font-family: system-ui, sans-serif; }}
@media (prefers-color-scheme: dark) {{ body {{ background: #161616; color: #f2f2f2; }} }}
.tcpedu-offline > .tcpedu-static[hidden] {{ display: none; }}
{css}
</style></head><body class="tcpedu-standalone">
<main id="tcpedu-player">{player}</main>
<script type="text/plain" id="tcpedu-esm">{esm}</script>
<script type="module">{mount}</script></body></html>
"""

#: Draws every ``[data-tcpedu-player]`` element of a page from its JSON state with the player's
#: ES module (the ``#tcpedu-esm`` script's text): a stand-in for the widget model, so the same
#: module renders without Jupyter, with no kernel and no network. The static SVG inside each
#: element stays for pages without JavaScript.
_MOUNT = """
const source = document.getElementById("tcpedu-esm").textContent;
const mod = await import(URL.createObjectURL(new Blob([source], { type: "text/javascript" })));
function model(state) {
  const listeners = {};
  return {
    get: (k) => state[k],
    set: (k, v) => { state[k] = v; },
    on: (event, fn) => { (listeners[event] = listeners[event] || []).push(fn); },
    off: (event, fn) => { listeners[event] = (listeners[event] || []).filter((f) => f !== fn); },
    save_changes: () => {},
    send: () => { throw new Error("no kernel in an exported page"); },
  };
}
for (const box of document.querySelectorAll("[data-tcpedu-player]")) {
  const state = JSON.parse(box.querySelector("script.tcpedu-state").textContent);
  const el = document.createElement("div");
  el.className = "tcpedu-live";
  box.prepend(el);
  try {
    mod.default.render({ model: model(state), el });
  } catch (error) {  // the static picture stays
    el.remove();
    console.error("tcpedu player:", error);
    continue;
  }
  const fallback = box.querySelector(".tcpedu-static");
  if (fallback) fallback.hidden = true;
}
"""


def mount_script(*, focus_first: bool = True) -> str:
    """The module script that draws a page's players (see :data:`_MOUNT`); ``focus_first``
    gives the first player the keyboard (a page holding one player)."""
    focus = 'document.querySelector(".tcpedu-player")?.focus();\n' if focus_first else ""
    return script_text(_MOUNT + focus)


#: The synced traits the player's ES module reads (a page stands in for the widget model).
PLAYER_TRAITS = ("data", "alt", "showing", "step", "look", "rows")


def player_html(model: dict[str, Any], fallback_svg: str = "") -> str:
    """One player as page markup: its state as JSON (drawn by :func:`~.export.mount_script`)
    and, shown until it is drawn (or for good without JavaScript), the static SVG."""
    state = {k: model.get(k) for k in PLAYER_TRAITS}
    static = (f'<div class="tcpedu-static">{fallback_svg}</div>' if fallback_svg else "")
    return ('<div class="tcpedu-offline" data-tcpedu-player>'
            '<script type="application/json" class="tcpedu-state">'
            f'{script_text(json.dumps(state, ensure_ascii=False, separators=(",", ":")))}'
            f'</script>{static}</div>')


def script_text(text: str) -> str:
    """Text safe inside a <script> element."""
    return text.replace("</", "<\\/")


def export_html(source: Any, path: str | Path, *, look: str | Theme = "notebook",
                steps: Any = None, title: str | None = None, start: int = 0) -> Path:
    """Write a self-contained page with the player (Back / Play / Step, slider, keys, the state
    diagram, the fields of each segment): no network, no kernel. ``steps`` keeps only some steps."""
    out = _target(path, ".html")
    trace, relative = _source(source)
    chosen_look = theme(look).name
    timeline = Timeline(trace, relative=relative)
    if not len(timeline):
        raise ParameterError("this trace has no records to export")
    name = title or getattr(source, "title", None) or str(
        trace.meta.get("scenario") or trace.meta.get("capture") or "TCP trace")
    payload = build_payload(timeline, title=name)
    chosen = _steps(len(timeline), steps)
    if steps is not None:
        payload["steps"] = [payload["steps"][i] for i in chosen]
        renumber = {old: new for new, old in enumerate(chosen)}
        payload["segments"] = {k: {**g, "sent": renumber[g["sent"]],
                                   "end": renumber.get(g["end"]) if g["end"] is not None else None}
                               for k, g in payload["segments"].items() if g["sent"] in renumber}
    if not 0 <= start < len(payload["steps"]):
        raise ParameterError(f"start={start!r}: outside 0..{len(payload['steps']) - 1}")
    from .svg import ladder_svg

    state = {"data": json.dumps(payload, ensure_ascii=False, separators=(",", ":")), "alt": "",
             "showing": "original", "step": int(start), "look": chosen_look, "rows": 0}
    page = _PAGE.format(
        title=html.escape(name), css=(STATIC / "player.css").read_text(encoding="utf-8"),
        player=player_html(state, ladder_svg(payload, chosen_look)),
        esm=script_text((STATIC / "player.js").read_text(encoding="utf-8")), mount=mount_script())
    out.write_text(page, encoding="utf-8")
    return out
