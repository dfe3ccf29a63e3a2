"""The receive buffer: bytes delivered in order, bytes held out of order, and the holes between
them — the picture that explains reordering and reassembly."""

from __future__ import annotations

from matplotlib.figure import Figure
from matplotlib.patches import Patch

from ...reading.timeline import Timeline
from ...trace import Trace
from .display import CourseFigure
from .palette import HATCHES, LINE_STYLES, Theme, theme


def plot_receive_buffer(trace: Trace | Timeline, node: str = "server", step: int = -1, *,
                        relative: bool = True, look: str | Theme = "notebook") -> Figure:
    """``node``'s receive buffer just after ``step`` (default: the end of the trace)."""
    tl = trace if isinstance(trace, Timeline) else Timeline(trace, relative=relative)
    buf = tl.receive_buffer(node, step)
    th = theme(look)
    fig = CourseFigure(figsize=(th.width, 1.2 + th.font_size * 0.12), dpi=th.dpi, facecolor="white")
    ax = fig.add_subplot()
    parts = [("delivered", buf.first, buf.rcv_nxt)]
    parts += [("hole", lo, hi) for lo, hi in buf.holes]
    parts += [("buffered", lo, hi) for lo, hi in buf.ooo]
    for kind, lo, hi in parts:
        if hi <= lo:
            continue
        st = LINE_STYLES[kind]
        ax.barh(0, hi - lo, left=lo, height=0.6, color="white" if kind == "hole" else st.color,
                hatch=HATCHES[kind], edgecolor="black" if kind != "hole" else st.color,
                linestyle=st.linestyle, lw=st.linewidth * th.line_scale)
        ax.text((lo + hi) / 2, 0, f"{kind}\n{lo}–{hi - 1}", ha="center", va="center",
                fontsize=th.font_size * 0.9, fontweight="bold",
                bbox={"fc": "white", "ec": "none", "alpha": 0.8, "pad": 1})
    st = LINE_STYLES["window"]
    ax.axvline(buf.rcv_nxt, color="black", lw=2 * th.line_scale)
    ax.text(buf.rcv_nxt, 0.42, f" RCV.NXT={buf.rcv_nxt}", fontsize=th.font_size, va="bottom")
    data_end = max([buf.rcv_nxt] + [hi for _, hi in buf.ooo])
    span = max(data_end - buf.first, 1)
    right = buf.first + span * 1.35
    if buf.window_end <= right:
        ax.axvline(buf.window_end, color=st.color, linestyle=st.linestyle, lw=2 * th.line_scale)
        ax.text(buf.window_end, -0.42, f"window edge={buf.window_end} ", fontsize=th.font_size,
                va="top", ha="right")
    else:
        ax.text(right, -0.42, f"window edge at {buf.window_end} →", fontsize=th.font_size,
                va="top", ha="right", color="black")
    ax.set_xlim(buf.first - span * 0.03, right)
    ax.set_ylim(-0.75, 0.75)
    ax.set_yticks([])
    ax.set_xlabel("sequence number of the peer's bytes", fontsize=th.font_size)
    ax.tick_params(labelsize=th.font_size * 0.9)
    ax.set_title(f"{node}'s receive buffer after step {tl.check_step(step)}",
                 fontsize=th.font_size * 1.1)
    handles = [Patch(facecolor="white" if k == "hole" else LINE_STYLES[k].color,
                     hatch=HATCHES[k], edgecolor="black", label=LINE_STYLES[k].legend)
               for k in ("delivered", "buffered", "hole")]
    ax.legend(handles=handles, fontsize=th.font_size * 0.8, loc="upper center",
              bbox_to_anchor=(0.5, -0.45), ncol=3, frameon=False)
    fig.tight_layout()
    return fig
