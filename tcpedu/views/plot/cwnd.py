"""cwnd and ssthresh over time, from an endpoint's snapshots (a simulation records them; a
capture cannot)."""

from __future__ import annotations

from matplotlib.figure import Figure

from ...errors import ParameterError
from ...reading.timeline import Timeline
from ...trace import Trace
from .display import CourseFigure
from .palette import LINE_STYLES, Theme, theme

#: ssthresh values at or above this mean "not yet set" (RFC 5681 allows arbitrarily high).
_UNSET = 1 << 30


def plot_cwnd(trace: Trace | Timeline, node: str = "client", *, mss: int | None = None,
              look: str | Theme = "notebook") -> Figure:
    """``node``'s congestion window and slow-start threshold (bytes, or segments with ``mss``)."""
    tl = trace if isinstance(trace, Timeline) else Timeline(trace)
    snaps = tl.trace.snapshots(node)
    if not snaps:
        where = "a capture records no endpoint variables" if tl.is_capture else \
            f"no Snapshot records of {node!r}"
        raise ParameterError(f"cannot draw cwnd of {node!r}: {where}; use a simulated scenario")
    if mss is not None and (not isinstance(mss, int) or mss <= 0):
        raise ParameterError(f"mss={mss!r} must be a positive integer")
    scale = float(mss or 1)
    unit = "segments" if mss else "bytes"
    th = theme(look)
    fig = CourseFigure(figsize=(th.width, th.width * 0.45), dpi=th.dpi, facecolor="white")
    ax = fig.add_subplot()
    t0 = tl.steps[0].time
    times = [1000 * (s.time - t0) for s in snaps]
    st = LINE_STYLES["cwnd"]
    ax.step(times, [s.cwnd / scale for s in snaps], where="post", color=st.color,
            marker=st.marker, ms=3 * th.line_scale, lw=st.linewidth * th.line_scale,
            label=st.legend)
    thresholds = [(t, s.ssthresh / scale) for t, s in zip(times, snaps, strict=True) if s.ssthresh < _UNSET]
    if thresholds:
        st = LINE_STYLES["ssthresh"]
        ax.step([t for t, _ in thresholds], [v for _, v in thresholds], where="post",
                color=st.color, linestyle=st.linestyle, lw=st.linewidth * th.line_scale,
                label=st.legend)
    segments = tl.trace.segments()
    if segments:  # stop at the last segment: a long TIME-WAIT would squash the picture
        end = 1000 * (segments[-1].time - t0)
        ax.set_xlim(-0.02 * end - 1, end * 1.05 + 1)
    ax.set_xlabel("time (ms)", fontsize=th.font_size)
    ax.set_ylabel(f"window ({unit})", fontsize=th.font_size)
    ax.set_title(f"{node}: congestion window and slow-start threshold",
                 fontsize=th.font_size * 1.2)
    ax.tick_params(labelsize=th.font_size * 0.9)
    ax.grid(True, color="#DDDDDD", lw=0.6)
    ax.legend(fontsize=th.font_size * 0.9)
    fig.tight_layout()
    return fig
