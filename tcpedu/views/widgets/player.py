"""TracePlayer: step through a Trace in the browser — the ladder, both sides' states, the state
diagram, the variables and one or two sentences per step.

The kernel sends the steps once (:func:`~.payload.build_payload`); ``static/player.js`` draws them
and steps on the client, so stepping needs no kernel: a saved notebook (widget state saved) and
an exported page step too. With a live kernel, :meth:`TracePlayer.what_if` (or "lose it" /
"delay it" on a segment) re-runs the same scenario with that segment lost or delayed.

No matplotlib, numpy or PIL here: the player runs in Pyodide as well.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import anywidget
import traitlets

from ...errors import ParameterError
from ...reading.timeline import Timeline
from ...trace import Trace
from ..narrate import Narrator
from ..plot.palette import Theme, theme
from .payload import build_payload
from .svg import ladder_svg

STATIC = Path(__file__).with_name("static")

#: How long "delay it" holds a segment back by default (seconds).
WHAT_IF_DELAY = 0.2


class PlayerWidget(anywidget.AnyWidget):
    """The browser half: the payload as JSON, the step shown, the look, a what-if run."""

    _esm = STATIC / "player.js"
    _css = STATIC / "player.css"
    data = traitlets.Unicode("").tag(sync=True)
    alt = traitlets.Unicode("").tag(sync=True)
    showing = traitlets.Unicode("original").tag(sync=True)
    step = traitlets.Int(0).tag(sync=True)
    look = traitlets.Unicode("notebook").tag(sync=True)
    rows = traitlets.Int(0).tag(sync=True)


class TracePlayer:
    """Play a Trace step by step. Display it (last expression of a cell) or use ``.widget``.

    ``look="projector"`` is lecture mode (text >= 28 px, thick lines); ``rows`` caps the ladder's
    visible rows (default: as many as fit); ``start`` is the first step shown (0-based).
    """

    def __init__(self, trace: Trace, *, relative: bool = True, look: str | Theme = "notebook",
                 rows: int | None = None, start: int = 0, title: str | None = None) -> None:
        if not isinstance(trace, Trace):
            raise ParameterError(f"TracePlayer needs a tcpedu Trace, got {type(trace).__name__}")
        if rows is not None and (not isinstance(rows, int) or rows < 3):
            raise ParameterError(f"rows={rows!r}: give an integer of at least 3")
        self.theme = theme(look)
        self.relative = relative
        self.widget = PlayerWidget(look=self.theme.name, rows=rows or 0)
        self.widget.add_class("tcpedu-player-widget")
        self.widget.on_msg(self._on_message)
        self._title = title
        self.alternative: Trace | None = None
        self.load(trace, start=start)

    # -- data ------------------------------------------------------------------------------------
    def load(self, trace: Trace, *, start: int = 0) -> None:
        """Show another trace in the same widget (the Scenario lab does this on every change)."""
        if not isinstance(trace, Trace):
            raise ParameterError(f"TracePlayer needs a tcpedu Trace, got {type(trace).__name__}")
        timeline = Timeline(trace, relative=self.relative)
        if not len(timeline):
            raise ParameterError("this trace has no records to play")
        start = timeline.check_step(start)
        self.trace, self.timeline = trace, timeline
        self.narration = Narrator(timeline).all()
        self.title = self._title or _title(trace, len(timeline))
        self.payload = build_payload(timeline, self.narration, title=self.title,
                                     can_what_if=_scenario_of(trace) is not None)
        self.alternative = None
        with self.widget.hold_sync():
            self.widget.alt = ""
            self.widget.showing = "original"
            self.widget.data = _json(self.payload)
            self.widget.step = start

    # -- stepping ----------------------------------------------------------------------------------
    @property
    def step(self) -> int:
        """The step shown now (0-based; the page shows it as step ``step + 1``)."""
        return self.widget.step

    def go(self, step: int) -> None:
        """Show ``step`` (0-based, clamped to the trace)."""
        self.widget.step = max(0, min(len(self.timeline) - 1, int(step)))

    # -- what if -----------------------------------------------------------------------------------
    def what_if(self, *, lose: int | None = None, delay: int | None = None,
                by: float = WHAT_IF_DELAY) -> Trace:
        """Re-run this trace's scenario with segment ``lose`` lost (or ``delay`` held back ``by``
        seconds) and show the new run; :meth:`original` goes back. Returns the new Trace."""
        from ...sim import scenarios
        from ...sim.network import Drop, HoldBack

        if (lose is None) == (delay is None):
            raise ParameterError("what_if: give exactly one of lose=SEGMENT or delay=SEGMENT")
        name = _scenario_of(self.trace)
        if name is None:
            raise ParameterError("what_if needs a trace from a named scenario (tcpedu.run(...)); "
                                 "a capture cannot be re-run")
        seg = lose if lose is not None else delay
        if not isinstance(seg, int) or seg not in self.timeline.sent:
            raise ParameterError(f"what_if: no segment {seg!r} in this trace (segments are "
                                 f"numbered {min(self.timeline.sent)}..{max(self.timeline.sent)})")
        if not isinstance(by, (int, float)) or not 0 < by <= 60:
            raise ParameterError(f"by={by!r}: give a delay in seconds, 0 < by <= 60")

        def same_segment(packet: Any) -> bool:
            return packet.id == seg  # the re-run is identical up to this segment

        label = self.timeline.label(self.timeline.sent[seg])
        if lose is not None:
            rule: Any = Drop(where=same_segment, times=1, reason=f"what if: segment {seg} is lost")
            words = f"segment {seg} ({label}) were lost"
        else:
            rule = HoldBack(where=same_segment, times=1, extra=float(by))
            words = f"segment {seg} ({label}) were delayed {by:g} s"
        params = dict(self.trace.meta.get("params") or {})
        new = scenarios.run(name, faults=[rule], **params)
        timeline = Timeline(new, relative=self.relative)
        self.alternative = new
        with self.widget.hold_sync():
            self.widget.alt = _json(build_payload(timeline, title=self.title, variant=words))
            self.widget.showing = "alt"
        return new

    def original(self) -> None:
        """Show the original run again (after :meth:`what_if`)."""
        self.widget.showing = "original"

    def _on_message(self, _widget: Any, content: Any, _buffers: Any) -> None:
        request = content.get("what_if") if isinstance(content, dict) else None
        if not isinstance(request, dict):
            return
        try:
            self.what_if(**{k: int(v) for k, v in request.items() if k in ("lose", "delay")})
        except ParameterError:
            self.widget.showing = "original"

    # -- display -----------------------------------------------------------------------------------
    def static_svg(self) -> str:
        """The whole ladder as one SVG (no matplotlib), for pages that cannot run widgets."""
        return ladder_svg(self.payload, look=self.theme.name)

    def _repr_mimebundle_(self, include: Any = None,
                          exclude: Any = None) -> tuple[dict[str, Any], dict[str, Any]]:
        return widget_bundle(self.widget, repr(self), self.static_svg())

    def __repr__(self) -> str:
        return f"<TracePlayer {self.title}>"


def widget_bundle(widget: Any, text: str, svg: str = "") -> tuple[dict[str, Any], dict[str, Any]]:
    """A display bundle: the widget view, a static SVG where widgets cannot run, the text."""
    shown = widget._repr_mimebundle_()
    data, metadata = shown if isinstance(shown, tuple) else (shown or {}, {})
    data = dict(data)
    if svg:
        data["image/svg+xml"] = svg
    data["text/plain"] = text
    return data, dict(metadata)


def _json(payload: dict[str, Any]) -> str:
    return json.dumps(payload, ensure_ascii=False, separators=(",", ":"))


def _scenario_of(trace: Trace) -> str | None:
    """The registered scenario a trace came from (it can be re-run), if any."""
    name = trace.meta.get("scenario")
    if not isinstance(name, str):
        return None
    from ...sim import scenarios

    return name if name in scenarios.SCENARIOS else None


def _title(trace: Trace, steps: int) -> str:
    meta = trace.meta
    name = meta.get("scenario") or meta.get("capture") or "trace"
    return f"{name}: {len(trace.segments())} segments, {steps} steps"


def lecture(trace: Trace, **options: Any) -> TracePlayer:
    """Lecture mode: a TracePlayer in the projector look (text >= 28 px, thick lines). Export
    it for slides with ``export_html`` (steps offline) or ``export_gif``."""
    options.setdefault("look", "projector")
    return TracePlayer(trace, **options)
