"""The colour-blind-safe palette (Okabe & Ito) and the style of every kind of mark.

Every colour is doubled by a line style, a marker or a word in the label, so a picture still reads
in greyscale on a poor projector.
"""

from __future__ import annotations

from dataclasses import dataclass

#: Okabe & Ito (2008), "Color Universal Design": distinguishable with every common colour-vision
#: deficiency.
OKABE_ITO: dict[str, str] = {
    "black": "#000000",
    "orange": "#E69F00",
    "sky blue": "#56B4E9",
    "bluish green": "#009E73",
    "yellow": "#F0E442",
    "blue": "#0072B2",
    "vermillion": "#D55E00",
    "reddish purple": "#CC79A7",
}


@dataclass(frozen=True, slots=True)
class Style:
    """How one kind of mark is drawn: colour, line style, width, marker and its legend word."""

    color: str
    linestyle: str
    linewidth: float
    marker: str
    legend: str


_C = OKABE_ITO

#: Segment kinds on the ladder and the sequence graph (first matching kind wins; see
#: :func:`segment_kind`).
SEGMENT_STYLES: dict[str, Style] = {
    "rst": Style(_C["black"], "-", 2.4, "s", "RST (reset)"),
    "lost": Style(_C["vermillion"], "-", 1.8, "X", "lost ✕"),
    "retransmission": Style(_C["vermillion"], "-.", 2.0, "D", "retransmission ↻"),
    "dup-ack": Style(_C["reddish purple"], ":", 1.8, "v", "duplicate ACK"),
    "injected": Style(_C["black"], (0, (1, 1)), 2.0, "*", "injected (attacker)"),
    "handshake": Style(_C["orange"], "-", 1.6, "^", "SYN / FIN"),
    "data": Style(_C["blue"], "-", 1.8, "o", "data"),
    "ack": Style(_C["bluish green"], "--", 1.4, ">", "ACK only"),
}

#: Lines in the sequence-vs-time and cwnd graphs.
LINE_STYLES: dict[str, Style] = {
    "ack": Style(_C["bluish green"], "-", 1.6, "", "ACK (cumulative)"),
    "window": Style(_C["sky blue"], "--", 1.4, "", "receive window edge"),
    "cwnd": Style(_C["blue"], "-", 2.0, "o", "cwnd"),
    "ssthresh": Style(_C["vermillion"], "--", 1.6, "", "ssthresh"),
    "delivered": Style(_C["bluish green"], "-", 1.0, "", "delivered to the application"),
    "buffered": Style(_C["sky blue"], "-", 1.0, "", "buffered out of order"),
    "hole": Style(_C["vermillion"], "--", 1.4, "", "hole (missing bytes)"),
}

#: Hatches that double the buffer view's colours.
HATCHES: dict[str, str] = {"delivered": "///", "buffered": "...", "hole": ""}

#: How each node is shown (client on the left, server on the right).
NODE_COLORS: dict[str, str] = {"client": _C["orange"], "server": _C["sky blue"],
                               "attacker": _C["reddish purple"]}


def segment_kind(flags_names: str, payload: bool, marks: frozenset[str], lost: bool) -> str:
    """The :data:`SEGMENT_STYLES` key for a segment, by this precedence table."""
    table = (
        ("rst", "RST" in flags_names),
        ("lost", lost),
        ("retransmission", "retransmission" in marks),
        ("dup-ack", "dup-ack" in marks),
        ("injected", "injected" in marks),
        ("handshake", "SYN" in flags_names or "FIN" in flags_names),
        ("data", payload),
    )
    return next((kind for kind, applies in table if applies), "ack")


@dataclass(frozen=True, slots=True)
class Theme:
    """Sizes for one setting: the notebook default or a projector (large, high contrast)."""

    name: str
    font_size: float
    line_scale: float
    dpi: int
    width: float
    row_height: float
    label_color: str
    lifeline_color: str


#: The presets: ``"notebook"`` and ``"projector"`` (lecture mode).
THEMES: dict[str, Theme] = {
    "notebook": Theme("notebook", 8.0, 1.0, 80, 7.5, 0.24, "#222222", "#555555"),
    "projector": Theme("projector", 13.0, 1.7, 80, 11.0, 0.38, "#000000", "#000000"),
}


def theme(name: str | Theme = "notebook") -> Theme:
    """A theme by name (or the theme itself)."""
    from ...errors import ParameterError

    if isinstance(name, Theme):
        return name
    try:
        return THEMES[name]
    except (KeyError, TypeError):
        raise ParameterError(f"unknown theme {name!r}; choose one of {', '.join(THEMES)}") from None
