"""The ladder (sequence) diagram: one lifeline per endpoint, time downward, a slanted arrow per
segment.

:class:`Ladder` creates every artist once and then only changes visibility, arrow ends and the
visible window, so a player can redraw a frame cheaply and a 300-segment trace scrolls instead of
turning into a smear. :func:`plot_ladder` is the one-call static picture.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.patches import FancyArrowPatch
from matplotlib.text import Text

from ...errors import ParameterError
from ...reading.timeline import Timeline
from ...trace import SegmentSent, Trace
from .display import CourseFigure
from .palette import NODE_COLORS, SEGMENT_STYLES, Theme, segment_kind, theme

#: Rows of the slant given to a captured segment (a capture has no delivery time).
CAPTURE_SLANT = 0.8
#: Arrows spanning more rows than this get their label at the start instead of the middle.
STEEP_ROWS = 2.5
#: Word added to a label for each mark, so the meaning survives without colour.
MARK_LABELS = {"retransmission": "[retx] ", "dup-ack": "[dup ACK] ", "out-of-order": "[ooo] ",
               "zero-window": "[zero win] ", "injected": "[injected] "}


@dataclass
class _Arrow:
    seg_id: int
    first: int          # step where it is sent
    last: int | None    # step where it arrives or is lost (None: never, e.g. a capture)
    start: tuple[float, float]
    end: tuple[float, float]
    patch: FancyArrowPatch
    text: Text
    cross: Line2D | None


class Ladder:
    """A ladder diagram of a :class:`~tcpedu.reading.timeline.Timeline` on one Axes, animatable by step.

    ``y="step"`` gives every step its own row (readable however dense the traffic); ``y="time"``
    places rows at their real times in milliseconds.
    """

    def __init__(self, ax: Axes, timeline: Timeline, *, y: str = "step",
                 look: str | Theme = "notebook", times: bool = True,
                 only_rows: tuple[int, int] | None = None, static: bool = True) -> None:
        if y not in ("step", "time"):
            raise ParameterError(f"y={y!r}: choose 'step' (one row per step) or 'time'")
        self.ax = ax
        self.timeline = timeline
        self.y_mode = y
        self.theme = theme(look)
        self.xs = {node: float(i) for i, node in enumerate(timeline.nodes)}
        self.arrows: list[_Arrow] = []
        self.state_texts: list[tuple[int, Text]] = []
        self.time_texts: list[tuple[int, Text]] = []
        self.kinds: set[str] = set()
        #: segment id -> the marks its label shows (the timeline's: drawn, never inferred here)
        self.drawn_marks: dict[int, frozenset[str]] = {}
        self.times = times
        # Build artists only for steps in this range (a picture that never scrolls needs no more).
        self.only_rows = only_rows
        self._draw_static(static)
        self._draw_segments()
        self._draw_states()
        self.current = len(timeline) - 1

    # -- geometry ----------------------------------------------------------------------------
    def row_y(self, index: int) -> float:
        """The y coordinate of step ``index``."""
        if self.y_mode == "time":
            return 1000.0 * (self.timeline.steps[index].time - self.timeline.steps[0].time)
        return float(index)

    def _slant(self) -> float:
        if self.y_mode == "step":
            return CAPTURE_SLANT
        span = self.row_y(len(self.timeline) - 1) if len(self.timeline) else 1.0
        return max(span, 1.0) * 0.02

    # -- building ----------------------------------------------------------------------------
    def _draw_static(self, lifelines: bool = True) -> None:
        ax, th = self.ax, self.theme
        hosts = self.timeline.trace.hosts
        for node, x in (self.xs.items() if lifelines else ()):
            ax.axvline(x, color=th.lifeline_color, lw=1.2 * th.line_scale, zorder=1)
            host = hosts.get(node)
            name = f"{node}\n{host.address}" if host else node
            ax.text(x, 1.005, name, transform=ax.get_xaxis_transform(), ha="center",
                    va="bottom", fontsize=th.font_size, fontweight="bold", color=th.label_color)
        n = len(self.xs)
        ax.set_xlim(-0.55, n - 1 + 0.55)
        ax.set_xticks([])
        ax.set_yticks([])
        for spine in ax.spines.values():
            spine.set_visible(False)
        unit = "step" if self.y_mode == "step" else "ms"
        ax.set_ylabel(f"time ↓ ({unit})", fontsize=th.font_size)
        for step in self.timeline.steps:
            if not self.times or not self._wanted(step.index, step.index) or \
                    not step.of_type(SegmentSent):
                continue
            t = self.ax.text(-0.53, self.row_y(step.index), f"{1000 * step.time:.1f} ms",
                             fontsize=th.font_size * 0.8, color="#666666", va="center",
                             ha="left", clip_on=True)
            self.time_texts.append((step.index, t))

    def _draw_segments(self) -> None:
        tl, th = self.timeline, self.theme
        for seg_id, sent in tl.sent.items():
            first = tl.sent_step[seg_id]
            fate = tl.fate[seg_id]
            last = tl.end_step.get(seg_id)
            if not self._wanted(first, first if last is None else last):
                continue
            x0, y0 = self.xs[sent.src], self.row_y(first)
            x1 = self.xs.get(sent.dst, x0 + 1.0)
            lost = fate == "dropped"
            if lost:
                x1 = (x0 + x1) / 2
                y1 = max(self.row_y(last), y0 + self._slant() / 2)
            elif last is not None:
                y1 = self.row_y(last)
            else:
                y1 = y0 + self._slant()
            marks = tl.marks[seg_id]
            kind = segment_kind(sent.segment.flags.names, bool(sent.segment.payload), marks, lost)
            self.kinds.add(kind)
            style = SEGMENT_STYLES[kind]
            patch = FancyArrowPatch((x0, y0), (x1, y1), arrowstyle="-" if lost else "-|>",
                                    mutation_scale=10 * th.line_scale, color=style.color,
                                    linestyle=style.linestyle,
                                    linewidth=style.linewidth * th.line_scale, zorder=3,
                                    shrinkA=0, shrinkB=0)
            self.ax.add_artist(patch)  # not add_patch: limits are set by show(), not data
            prefix = "".join(word for mark, word in MARK_LABELS.items() if mark in marks)
            self.drawn_marks[seg_id] = frozenset(m for m in MARK_LABELS if m in marks)
            label = prefix + tl.label(sent) + (" [lost]" if lost else "")
            if self.y_mode == "time" or abs(y1 - y0) <= STEEP_ROWS:
                # A gentle arrow carries its label along its middle.
                text = self.ax.text((x0 + x1) / 2, (y0 + y1) / 2, label, ha="center",
                                    va="bottom", fontsize=th.font_size, color=th.label_color,
                                    zorder=4, rotation=self._angle(x0, y0, x1, y1),
                                    rotation_mode="anchor", transform_rotates_text=True,
                                    clip_on=True)
            else:
                # A steep one (a burst in flight) is labelled at its start, on its own row,
                # so labels of a burst stack up instead of crossing.
                rightward = x1 >= x0
                text = self.ax.text(x0 + (0.02 if rightward else -0.02), y0 - 0.08, label,
                                    ha="left" if rightward else "right", va="bottom",
                                    fontsize=th.font_size, color=th.label_color, zorder=4,
                                    clip_on=True, bbox={"boxstyle": "square,pad=0.05",
                                                        "fc": "white", "ec": "none",
                                                        "alpha": 0.85})
            cross = None
            if lost:
                (cross,) = self.ax.plot([x1], [y1], marker="X", ms=11 * th.line_scale,
                                        color=style.color, mec="black", mew=0.8, zorder=5)
            self.arrows.append(_Arrow(seg_id, first, last, (x0, y0), (x1, y1), patch, text, cross))

    def _wanted(self, first: int, last: int) -> bool:
        return self.only_rows is None or not (last < self.only_rows[0] - 1
                                              or first > self.only_rows[1] + 1)

    def _angle(self, x0: float, y0: float, x1: float, y1: float) -> float:
        # Rotation is given in data coordinates (transform_rotates_text); y grows downward.
        return math.degrees(math.atan2(y0 - y1, x1 - x0)) if x1 >= x0 else \
            math.degrees(math.atan2(y1 - y0, x0 - x1))

    def _draw_states(self) -> None:
        last_x = max(self.xs.values())
        first_changes = {c.node for c in self.timeline.change_at[0]} if self.timeline.steps else set()
        for node, state in self.timeline.initial_states.items():
            if node in self.xs and node not in first_changes and node in self.timeline.stateful:
                self._state_text(-1, node, str(state), last_x)
        for index, changes in enumerate(self.timeline.change_at):
            passed: dict[str, list[str]] = {}  # several changes in one step share one label
            for change in changes:
                passed.setdefault(change.node, []).append(str(change.new))
            for node, names in passed.items():
                if node in self.xs and self._wanted(index, index):
                    self._state_text(index, node, " → ".join(names), last_x)

    def _state_text(self, index: int, node: str, name: str, last_x: float) -> None:
        th = self.theme
        x = self.xs[node]
        right = x == last_x and x > 0
        y = self.row_y(index) if index >= 0 else self.row_y(0) - 0.6
        text = self.ax.text(x + (0.03 if right else -0.03), y, name, ha="left" if right else "right",
                            va="center", fontsize=th.font_size, fontweight="bold", zorder=6,
                            color="black", clip_on=True,
                            bbox={"boxstyle": "round,pad=0.2", "fc": NODE_COLORS.get(node, "#DDDDDD"),
                                  "ec": "black", "lw": 0.6})
        self.state_texts.append((index, text))

    # -- animation ---------------------------------------------------------------------------
    def window(self, step: int, rows: int | None = None,
               first_row: int | None = None) -> tuple[int, int]:
        """The first and last step rows shown for ``step``.

        With ``rows`` the view turns pages: it stays put while the current step moves down it
        and jumps by half a window when the step nears the bottom, so consecutive frames share
        a window (and a player can draw only what changed).
        """
        n = len(self.timeline)
        if rows is None or rows >= n:
            return 0, n - 1
        if first_row is not None:
            lo = max(0, min(first_row, n - 1))
            return lo, min(n - 1, lo + rows - 1)
        usable, page = rows - 3, max(1, rows // 2)
        lo = 0 if step <= usable else ((step - usable) // page + 1) * page
        lo = min(lo, n - rows)
        return lo, lo + rows - 1

    def show(self, step: int, rows: int | None = None, first_row: int | None = None) -> None:
        """Show everything up to ``step`` in a window of ``rows`` steps around it (see
        :meth:`window`; or starting at ``first_row``); None rows shows every step."""
        n = len(self.timeline)
        if n == 0:
            return
        step = self.timeline.check_step(step)
        self.current = step
        lo, hi = self.window(step, rows, first_row)
        self.in_flight: list[FancyArrowPatch] = []
        y_lo, y_hi = self.row_y(lo) - 0.9, self.row_y(hi) + 0.9
        if self.y_mode == "time":
            pad = max(1e-3, (self.row_y(hi) - self.row_y(lo)) * 0.05)
            y_lo, y_hi = self.row_y(lo) - pad, self.row_y(hi) + pad
        self.ax.set_ylim(y_hi, y_lo)
        for a in self.arrows:
            visible = a.first <= step and not (max(a.start[1], a.end[1]) < y_lo
                                               or a.start[1] > y_hi)
            a.patch.set_visible(visible)
            # Only labels anchored in view are drawn (clipping would still rasterise them).
            a.text.set_visible(visible and y_lo - 0.5 <= a.text.get_position()[1] <= y_hi + 0.5)
            if visible:
                end = a.end
                if a.last is not None and a.last > step:  # still in flight: partial arrow
                    self.in_flight.append(a.patch)
                    span = self.row_y(a.last) - self.row_y(a.first)
                    f = (self.row_y(step) - self.row_y(a.first)) / span if span else 1.0
                    f = max(0.15, f)
                    end = (a.start[0] + (a.end[0] - a.start[0]) * f,
                           a.start[1] + (a.end[1] - a.start[1]) * f)
                a.patch.set_positions(a.start, end)
            if a.cross is not None:
                a.cross.set_visible(visible and a.last is not None and a.last <= step)
        for index, text in self.state_texts:
            y = self.row_y(index) if index >= 0 else self.row_y(0) - 0.6
            text.set_visible(index <= step and y_lo <= y <= y_hi)
        for index, text in self.time_texts:
            text.set_visible(index <= step and y_lo <= self.row_y(index) <= y_hi)

    def dynamic_artists(self) -> list:
        """Every artist :meth:`show` may change, visible ones only, in drawing order."""
        found = [a.patch for a in self.arrows] + [a.text for a in self.arrows]
        found += [a.cross for a in self.arrows if a.cross is not None]
        found += [t for _, t in self.state_texts] + [t for _, t in self.time_texts]
        return sorted((a for a in found if a.get_visible()), key=lambda a: a.get_zorder())

    def settled_artists(self) -> list:
        """The visible artists that stay as they are in later frames of the same window (all
        but the arrows still in flight)."""
        moving = set(map(id, getattr(self, "in_flight", ())))
        return [a for a in self.dynamic_artists() if id(a) not in moving]

    def hide_all(self) -> None:
        """Hide every dynamic artist (to draw a static background once)."""
        for a in self.arrows:
            for artist in (a.patch, a.text, a.cross):
                if artist is not None:
                    artist.set_visible(False)
        for _, t in self.state_texts + self.time_texts:
            t.set_visible(False)

    def legend(self, every_kind: bool = False) -> None:
        """A legend of the segment kinds present (or of every kind): colour + line style +
        marker + word."""
        handles = [Line2D([], [], color=s.color, linestyle=s.linestyle, marker=s.marker,
                          lw=s.linewidth * self.theme.line_scale, label=s.legend)
                   for k, s in SEGMENT_STYLES.items() if every_kind or k in self.kinds]
        if handles:
            self.ax.legend(handles=handles, loc="upper center", bbox_to_anchor=(0.5, -0.01),
                           ncol=min(4, len(handles)), fontsize=self.theme.font_size * 0.9,
                           frameon=False)


def ladder_figure(rows: int, look: str | Theme = "notebook", legend: bool = True,
                  caption: bool = False) -> Figure:
    """An empty figure sized for ``rows`` ladder rows."""
    th = theme(look)
    line = th.font_size / 72
    extra = (2 * line * 1.7 + 0.2 if legend else 0.15) + (3 * line * 1.4 + 0.1 if caption else 0.0)
    height = min(14.0, max(2.6, 0.75 + extra + rows * th.row_height))
    fig = CourseFigure(figsize=(th.width, height), dpi=th.dpi, facecolor="white")
    bottom = extra / height
    fig.add_axes((0.04, bottom, 0.94, 1 - bottom - 0.6 / height))
    return fig


def plot_ladder(trace: Trace | Timeline, *, step: int | None = None, start: int = 0,
                rows: int | None = None, max_rows: int = 60, relative: bool = True,
                y: str = "step", look: str | Theme = "notebook") -> Figure:
    """The ladder diagram of a trace as a matplotlib Figure (its :class:`Ladder` is ``fig.ladder``).

    Up to ``step`` (default: the whole trace). A long trace shows ``max_rows`` steps from
    ``start`` and says which part is shown; pass ``start`` to scroll, or use the player.
    """
    timeline = trace if isinstance(trace, Timeline) else Timeline(trace, relative=relative)
    n = len(timeline)
    if n == 0:
        raise ParameterError("this trace has no records to draw")
    if not isinstance(start, int) or not 0 <= start < n:
        raise ParameterError(f"start={start!r} is outside 0..{n - 1}")
    shown = min(rows or max_rows, n - start)
    if shown < 1:
        raise ParameterError(f"rows={rows!r}: give at least 1")
    fig = ladder_figure(shown, look)
    view = Ladder(fig.axes[0], timeline, y=y, look=look)
    last = n - 1 if step is None else timeline.check_step(step)
    if shown >= n and start == 0:
        view.show(last)
    else:
        view.show(last, rows=shown, first_row=start)
        fig.text(0.99, 0.005, f"steps {start + 1}–{start + shown} of {n} shown "
                 f"(scroll with start=…, or use TracePlayer)", ha="right", va="bottom",
                 fontsize=view.theme.font_size * 0.9, style="italic")
    view.legend()
    fig.ladder = view  # the artists, for callers that animate or inspect the picture
    return fig
