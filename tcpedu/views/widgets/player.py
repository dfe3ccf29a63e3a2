"""TracePlayer: step through a Trace — ladder, both endpoints' variables, the segment decoded,
the state diagram and one or two sentences of narration per step.

Short traces are pre-rendered: every panel is a Stack whose ``selected_index`` is linked in the
browser (``jslink``) to the slider and the Play button, so a notebook saved with widget state
still plays in a static page without a kernel. Long traces render each frame on demand.
"""

from __future__ import annotations

import base64
import html
from typing import Any

import ipywidgets as W

from ...errors import ParameterError
from ...model.segment import Flags
from ...model.states import State
from ...reading.timeline import Timeline, sender_of
from ...trace import Trace
from ..narrate import Narrator
from ..plot.frames import PLAYER_ROWS, DiagramFrames, LadderFrames
from ..plot.palette import Theme, theme

#: Traces with at most this many steps are pre-rendered (client-side stepping, static export).
PRERENDER_LIMIT = 120

#: Milliseconds per step when playing (the speed slider changes it in the browser).
PLAY_INTERVAL = 900

#: Endpoint variables shown per step: (label, Snapshot attribute, how it is numbered).
VARIABLES: tuple[tuple[str, str, str], ...] = (
    ("SND.UNA", "snd_una", "seq"), ("SND.NXT", "snd_nxt", "seq"), ("RCV.NXT", "rcv_nxt", "ack"),
    ("SND.WND", "snd_wnd", ""), ("RCV.WND", "rcv_wnd", ""), ("cwnd", "cwnd", ""),
    ("ssthresh", "ssthresh", ""), ("RTO (s)", "rto", ""),
)

#: States whose sequence variables are not yet meaningful.
_NO_NUMBERS_YET = frozenset({State.CLOSED, State.LISTEN})

_CSS = """<style>
.tcpedu-player .tcpedu-narration {border-left: 5px solid #0072B2; background: #F2F7FB;
  padding: 6px 10px; margin: 4px 0; line-height: 1.35}
.tcpedu-player table {border-collapse: collapse; margin: 4px 0}
.tcpedu-player td, .tcpedu-player th {border: 1px solid #BBB; padding: 2px 6px}
.tcpedu-player .tcpedu-explain td {font-size: 90%}
.tcpedu-projector {font-size: 150%}
</style>"""


class TracePlayer:
    """Play a Trace step by step. Display it (last expression of a cell) or use ``.widget``.

    ``frames``: ``"auto"`` pre-renders traces up to :data:`PRERENDER_LIMIT` steps, ``True``
    always, ``False`` never. ``look="projector"`` is lecture mode (large, high contrast, wide).
    """

    def __init__(self, trace: Trace, *, relative: bool = True, rows: int = PLAYER_ROWS,
                 look: str | Theme = "notebook", diagram: bool = True,
                 frames: bool | str = "auto", start: int = 0, title: str | None = None) -> None:
        if not isinstance(trace, Trace):
            raise ParameterError(f"TracePlayer needs a tcpedu Trace, got {type(trace).__name__}")
        if not isinstance(rows, int) or rows < 3:
            raise ParameterError(f"rows={rows!r}: give an integer of at least 3")
        if frames not in ("auto", True, False):
            raise ParameterError(f"frames={frames!r}: choose 'auto', True or False")
        self.trace = trace
        self.theme = theme(look)
        self.timeline = Timeline(trace, relative=relative)
        n = len(self.timeline)
        if n == 0:
            raise ParameterError("this trace has no records to play")
        self.narration = Narrator(self.timeline).all()
        self.ladder_frames = LadderFrames(self.timeline, rows=rows, look=self.theme)
        self.diagram_frames = DiagramFrames(self.timeline, look=self.theme) if diagram else None
        self.prerendered = frames is True or (frames == "auto" and n <= PRERENDER_LIMIT)
        self.title = title or _title(trace, n)
        self._build_controls(n, self.timeline.check_step(start))
        self._build_panels(n)
        self.widget = self._layout()

    # -- widgets ---------------------------------------------------------------------------
    def _build_controls(self, n: int, start: int) -> None:
        self.play = W.Play(value=start, min=0, max=n - 1, step=1, interval=PLAY_INTERVAL,
                           description="play", show_repeat=False)
        self.slider = W.IntSlider(value=start, min=0, max=n - 1, description="step",
                                  continuous_update=True, readout=True,
                                  layout=W.Layout(width="420px"))
        self.slider.add_class("tcpedu-slider")
        self.back = W.Button(description="◀ Back", tooltip="previous step",
                             layout=W.Layout(width="90px"))
        self.forward = W.Button(description="Step ▶", tooltip="next step",
                                layout=W.Layout(width="90px"))
        self.back.add_class("tcpedu-back")
        self.forward.add_class("tcpedu-step")
        self.speed = W.IntSlider(value=PLAY_INTERVAL, min=100, max=3000, step=100,
                                 description="ms/step", readout=True,
                                 layout=W.Layout(width="260px"))
        # Client-side links: these keep working in a saved page without a kernel.
        self._links = [W.jslink((self.play, "value"), (self.slider, "value")),
                       W.jslink((self.speed, "value"), (self.play, "interval"))]
        self.back.on_click(lambda _b: self.go(self.slider.value - 1))
        self.forward.on_click(lambda _b: self.go(self.slider.value + 1))

    def _build_panels(self, n: int) -> None:
        width, _ = self.ladder_frames.canvas.get_width_height()
        keep_shape = {"width": f"{width}px", "min_width": f"{width}px", "height": "auto",
                      "object_fit": "contain"}
        if self.prerendered:
            self.ladder_view = W.Stack([W.Image(value=self.ladder_frames.png(i), format="png",
                                                layout=W.Layout(**keep_shape))
                                        for i in range(n)], selected_index=self.slider.value)
            self.info_view = W.Stack([W.HTML(self.step_html(i)) for i in range(n)],
                                     selected_index=self.slider.value)
            panels = [self.ladder_view, self.info_view]
            if self.diagram_frames is not None:
                self.diagram_view = W.Stack(
                    [W.Image(value=self.diagram_frames.png(i), format="png") for i in range(n)],
                    selected_index=self.slider.value)
                panels.append(self.diagram_view)
            self._links += [W.jslink((self.slider, "value"), (p, "selected_index"))
                            for p in panels]
        else:
            self.ladder_view = W.Image(format="png", layout=W.Layout(**keep_shape))
            self.info_view = W.HTML()
            if self.diagram_frames is not None:
                self.diagram_view = W.Image(format="png")
            self.slider.observe(lambda change: self._render(change["new"]), names="value")
            self._render(self.slider.value)

    def _layout(self) -> W.Widget:
        projector = self.theme.name == "projector"
        header = W.HTML(f"{_CSS}<b>{html.escape(self.title)}</b> — Step ▶ / ◀ Back, the "
                        "slider (click it, then ← →) or play.")
        controls = W.HBox([self.back, self.forward, self.play, self.slider, self.speed],
                          layout=W.Layout(flex_flow="row wrap"))
        side = [self.info_view]
        if self.diagram_frames is not None:
            side.append(self.diagram_view)
        if projector:
            body = W.VBox([self.ladder_view, W.HBox(side)])
        else:
            body = W.HBox([self.ladder_view, W.VBox(side, layout=W.Layout(max_width="560px"))])
        box = W.VBox([header, controls, body])
        box.add_class("tcpedu-player")
        if projector:
            box.add_class("tcpedu-projector")
        return box

    # -- stepping --------------------------------------------------------------------------
    @property
    def step(self) -> int:
        """The step shown now."""
        return self.slider.value

    def go(self, step: int) -> None:
        """Show ``step`` (clamped to the trace)."""
        self.slider.value = max(0, min(len(self.timeline) - 1, int(step)))

    def _render(self, step: int) -> None:
        self.ladder_view.value = self.ladder_frames.png(step)
        self.info_view.value = self.step_html(step)
        if self.diagram_frames is not None:
            self.diagram_view.value = self.diagram_frames.png(step)

    # -- content ---------------------------------------------------------------------------
    def step_html(self, step: int) -> str:
        """The side panel of one step: narration, both endpoints' variables, the segment."""
        tl = self.timeline
        when = 1000 * (tl.steps[step].time - tl.steps[0].time)
        parts = [f"<div class='tcpedu-narration'><small>step {step + 1} of {len(tl)} · "
                 f"t = {when:.1f} ms</small><br>{html.escape(self.narration[step])}</div>",
                 self._variables_html(step)]
        sent = tl.segment_of(step)
        if sent is not None:
            parts.append(self._segment_html(sent))
        return "".join(parts)

    def _variables_html(self, step: int) -> str:
        tl = self.timeline
        nodes = [n for n in tl.nodes if n in ("client", "server")] or tl.nodes
        states = tl.states_at(step)
        head = "".join(f"<th>{html.escape(n)}</th>" for n in nodes)
        rows = ["<tr><td>state</td>" + "".join(
            f"<td class='tcpedu-state'><b>{states.get(n, '—')}</b></td>" for n in nodes)
            + "</tr>"]
        snaps = {n: tl.settled_snapshot(step, n) for n in nodes}
        if any(snaps.values()):
            for label, attr, numbering in VARIABLES:
                cells = []
                for n in nodes:
                    snap = snaps[n]
                    value = getattr(snap, attr) if snap is not None else None
                    if numbering and snap is not None and snap.state in _NO_NUMBERS_YET:
                        value = None  # no connection yet: the numbers mean nothing
                    if value is not None and numbering:
                        value = tl.seq(n, value) if numbering == "seq" else tl.ack(n, value)
                    if attr == "ssthresh" and value is not None and value >= 1 << 30:
                        value = "∞ (not set)"
                    if isinstance(value, float):
                        value = f"{value:g}"
                    cells.append(f"<td>{'—' if value is None else value}</td>")
                rows.append(f"<tr><td>{label}</td>{''.join(cells)}</tr>")
        else:
            rows.append(f"<tr><td colspan='{len(nodes) + 1}'><small>a capture shows no "
                        "endpoint variables</small></td></tr>")
        return (f"<table class='tcpedu-states'><tr><th></th>{head}</tr>{''.join(rows)}</table>")

    def _segment_html(self, sent: Any) -> str:
        tl = self.timeline
        hosts = tl.trace.hosts
        src, dst = sender_of(sent), sent.dst
        src_ip = hosts[src].ip if src in hosts else "10.0.0.1"
        dst_ip = hosts[dst].ip if dst in hosts else "10.0.0.2"
        isn = tl.base.get(src) if tl.relative else None
        peer_isn = tl.base.get(tl.peer(src)) if tl.relative else None
        if peer_isn is not None and not sent.segment.flags & Flags.ACK:
            peer_isn = None
        try:
            table = sent.segment.explain(src_ip, dst_ip, isn, peer_isn)._repr_html_()
        except Exception as exc:  # noqa: BLE001 - the decode must not break the player
            table = f"<pre>{html.escape(str(sent.segment))}\n({html.escape(str(exc))})</pre>"
        return (f"<details open><summary>segment {sent.id}: "
                f"{html.escape(tl.label(sent))}</summary>{table}</details>")

    # -- display ---------------------------------------------------------------------------
    def static_png(self, step: int = -1) -> bytes:
        """A picture of one step (default: the last), for pages without widgets."""
        return self.ladder_frames.png(self.timeline.check_step(step))

    def _repr_mimebundle_(self, include: Any = None, exclude: Any = None) -> dict[str, Any]:
        bundle = self.widget._repr_mimebundle_(include=include, exclude=exclude) or {}
        bundle = dict(bundle)
        bundle["image/png"] = base64.b64encode(self.static_png()).decode("ascii")
        bundle["text/plain"] = repr(self)
        return bundle

    def __repr__(self) -> str:
        mode = "pre-rendered" if self.prerendered else "live"
        return f"<TracePlayer {self.title} ({mode})>"


def _title(trace: Trace, steps: int) -> str:
    meta = trace.meta
    name = meta.get("scenario") or meta.get("capture") or "trace"
    return f"{name}: {len(trace.segments())} segments, {steps} steps"


def lecture(trace: Trace, **options: Any) -> TracePlayer:
    """Lecture mode: a TracePlayer in the projector preset (large fonts, thick lines, wide
    layout). Export it for slides with ``export_gif`` / ``export_html``."""
    options.setdefault("look", "projector")
    options.setdefault("rows", 16)
    return TracePlayer(trace, **options)
