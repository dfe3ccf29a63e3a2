"""The sequence-vs-time graph (Stevens / tcptrace): what one side sent, and what came back.

Each data segment is a vertical bar from its first to its last sequence number at the time it
was sent; the peer's cumulative ACK is a step line and the receive-window edge (ACK + window) a
dashed step line above it. Retransmissions and lost segments get their own colour *and* marker.
"""

from __future__ import annotations

from matplotlib.figure import Figure
from matplotlib.lines import Line2D

from ...errors import ParameterError
from ...model.segment import Flags
from ...reading.timeline import Timeline
from ...trace import Trace
from .display import CourseFigure
from .palette import LINE_STYLES, SEGMENT_STYLES, Theme, theme


def busiest_sender(timeline: Timeline) -> str:
    """The node that sent the most payload bytes (the usual subject of the graph)."""
    totals: dict[str, int] = {}
    for s in timeline.sent.values():
        totals[s.src] = totals.get(s.src, 0) + len(s.segment.payload)
    if not totals:
        raise ParameterError("this trace has no segments to draw")
    return max(totals, key=lambda n: (totals[n], n == "client"))


def plot_seq_time(trace: Trace | Timeline, sender: str | None = None, *,
                  relative: bool = True, look: str | Theme = "notebook") -> Figure:
    """Sequence numbers sent by ``sender`` (default: the busiest sender) against time."""
    tl = trace if isinstance(trace, Timeline) else Timeline(trace, relative=relative)
    sender = sender or busiest_sender(tl)
    if sender not in tl.nodes:
        raise ParameterError(f"no node {sender!r} in this trace (nodes: {', '.join(tl.nodes)})")
    th = theme(look)
    fig = CourseFigure(figsize=(th.width, th.width * 0.6), dpi=th.dpi, facecolor="white")
    ax = fig.add_subplot()
    t0 = tl.steps[0].time if tl.steps else 0.0
    bars: dict[str, list[tuple[float, int, int]]] = {}  # kind -> (time, first, last) per segment
    for sid, s in tl.sent.items():
        seg = s.segment
        if s.src != sender or not seg.seg_len:
            continue
        lo = tl.seq(s.src, seg.seq)
        marks = tl.marks[sid]
        kind = ("lost" if tl.fate[sid] == "dropped" else
                "retransmission" if "retransmission" in marks else
                "handshake" if seg.flags & (Flags.SYN | Flags.FIN) else "data")
        bars.setdefault(kind, []).append((1000 * (s.time - t0), lo, lo + seg.seg_len))
    kinds_seen = set(bars)
    # One collection of bars and one line of markers per kind (cheap to draw even for
    # thousands of segments); the rarer kinds (lost, retransmitted) drawn last, on top.
    order = [k for k in reversed(SEGMENT_STYLES) if k in bars]
    for rank, kind in enumerate(order):
        st = SEGMENT_STYLES[kind]
        xs, los, his = zip(*bars[kind], strict=True)
        ax.vlines(xs, los, his, color=st.color, capstyle="butt", zorder=2 + rank / 100,
                  lw=st.linewidth * th.line_scale * 1.4)
        ax.plot(xs, his, linestyle="none", marker=st.marker, color=st.color, zorder=3 + rank / 100,
                ms=5 * th.line_scale, mec="black", mew=0.5)
    ack_t, ack_v, win_v = [], [], []
    for s in tl.sent.values():
        if s.src == sender or not s.segment.flags & Flags.ACK:
            continue
        if tl.fate[s.id] == "dropped":
            continue
        arrive = tl.end_step.get(s.id)
        when = tl.steps[arrive].time if arrive is not None else s.time
        ack_t.append(1000 * (when - t0))
        ack_v.append(tl.ack(s.src, s.segment.ack))
        win_v.append(ack_v[-1] + s.segment.window)
    order = sorted(range(len(ack_t)), key=ack_t.__getitem__)
    ack_t = [ack_t[i] for i in order]
    ack_v = [ack_v[i] for i in order]
    win_v = [win_v[i] for i in order]
    handles = [Line2D([], [], color=SEGMENT_STYLES[k].color, marker=SEGMENT_STYLES[k].marker,
                      lw=2, label=f"{sender}: {SEGMENT_STYLES[k].legend}")
               for k in SEGMENT_STYLES if k in kinds_seen]
    for values, key in ((ack_v, "ack"), (win_v, "window")):
        if values:
            st = LINE_STYLES[key]
            (line,) = ax.step(ack_t, values, where="post", color=st.color,
                              linestyle=st.linestyle, lw=st.linewidth * th.line_scale,
                              label=st.legend)
            handles.append(line)
    tops = [tl.seq(s.src, s.segment.seq) + s.segment.seg_len for s in tl.sent.values()
            if s.src == sender] + ack_v
    top = max(tops) if tops else 1
    if win_v and max(win_v) > top * 1.5:
        ax.set_ylim(min(tops + [0]) - top * 0.05, top * 1.3)
        ax.text(0.99, 0.98, f"receive window edge up to {max(win_v)} (above the plot)",
                transform=ax.transAxes, ha="right", va="top", fontsize=th.font_size * 0.9)
    ax.set_xlabel("time (ms)", fontsize=th.font_size)
    numbering = "relative" if tl.relative else "absolute"
    ax.set_ylabel(f"sequence number ({numbering})", fontsize=th.font_size)
    ax.set_title(f"Sequence numbers sent by {sender} over time", fontsize=th.font_size * 1.2)
    ax.tick_params(labelsize=th.font_size * 0.9)
    ax.grid(True, color="#DDDDDD", lw=0.6)
    if handles:
        ax.legend(handles=handles, fontsize=th.font_size * 0.85, loc="upper left",
                  bbox_to_anchor=(1.01, 1.0))
    fig.tight_layout()
    return fig
