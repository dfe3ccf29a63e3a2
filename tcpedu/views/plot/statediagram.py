"""The RFC 9293 state diagram, drawn from :data:`tcpedu.model.states.TRANSITIONS` itself.

Nodes sit where Figure 5 of the RFC puts them; every edge comes from the table, so the picture
cannot disagree with the behaviour. The current state of each endpoint and the edge just taken
are highlighted (colour *and* a thick outline, the node's name and a bold label).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping

from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.patches import FancyArrowPatch

from ...errors import ParameterError
from ...model.states import FIGURE_5, TRANSITIONS, State, Transition, Trigger
from ...reading.timeline import find_transition
from .display import CourseFigure
from .palette import NODE_COLORS, OKABE_ITO, Theme, theme

#: Where each state sits, following the layout of RFC 9293 Figure 5 (x right, y up).
LAYOUT: dict[State, tuple[float, float]] = {
    State.CLOSED: (0.0, 7.0),
    State.LISTEN: (0.0, 5.6),
    State.SYN_RECEIVED: (-2.6, 4.4),
    State.SYN_SENT: (2.6, 4.4),
    State.ESTABLISHED: (0.0, 3.3),
    State.FIN_WAIT_1: (-2.6, 2.1),
    State.CLOSE_WAIT: (2.6, 2.1),
    State.FIN_WAIT_2: (-2.6, 0.0),
    State.CLOSING: (0.0, 1.0),
    State.LAST_ACK: (2.6, 0.6),
    State.TIME_WAIT: (0.0, -0.6),
}

#: Figure 5 draws CLOSED twice: edges from these states end at the second CLOSED, bottom right.
LOWER_CLOSED_AT = (2.6, -0.9)
_LOWER_SOURCES = frozenset({State.ESTABLISHED, State.FIN_WAIT_1, State.FIN_WAIT_2,
                            State.CLOSE_WAIT, State.CLOSING, State.LAST_ACK, State.TIME_WAIT})

_EDGE_SETS = {"figure5": FIGURE_5, "all": tuple(TRANSITIONS.values())}


class StateDiagram:
    """The diagram on one Axes; :meth:`highlight` marks current states and the edge just taken."""

    def __init__(self, ax: Axes, *, edges: str | Iterable[Transition] = "figure5",
                 labels: bool = True, look: str | Theme = "notebook") -> None:
        if isinstance(edges, str):
            if edges not in _EDGE_SETS:
                raise ParameterError(f"edges={edges!r}: choose 'figure5' or 'all'")
            edges = _EDGE_SETS[edges]
        self.ax = ax
        self.theme = theme(look)
        self.edges: tuple[Transition, ...] = tuple(edges)
        self.labels = labels
        self.node_boxes = {}
        self.edge_patches: dict[tuple[State, Trigger], FancyArrowPatch] = {}
        self.edge_texts = {}
        self._draw()

    def _draw(self) -> None:
        ax, th = self.ax, self.theme
        places = [(state, xy) for state, xy in LAYOUT.items()]
        if any(t.target == State.CLOSED and t.source in _LOWER_SOURCES for t in self.edges):
            places.append((State.CLOSED, LOWER_CLOSED_AT))
        for state, (x, y) in places:
            self.node_boxes.setdefault(state, []).append(ax.text(
                x, y, str(state), ha="center", va="center", fontsize=th.font_size, zorder=4,
                bbox={"boxstyle": "round,pad=0.35", "fc": "white", "ec": "#444444", "lw": 1.0}))
        grouped: dict[tuple[State, State], list[Transition]] = defaultdict(list)
        for t in self.edges:
            grouped[(t.source, t.target)].append(t)
        for (src, dst), group in grouped.items():
            (x0, y0), (x1, y1) = LAYOUT[src], self._target_xy(src, dst)
            rad = 0.18 if (dst, src) in grouped else 0.08
            for t in group:
                patch = FancyArrowPatch((x0, y0), (x1, y1), arrowstyle="-|>",
                                        connectionstyle=f"arc3,rad={rad}", mutation_scale=9,
                                        color="#777777", lw=0.9, shrinkA=16, shrinkB=16,
                                        zorder=2)
                patch.set_gid(f"{src.name}->{dst.name} on {t.trigger.name}")
                ax.add_patch(patch)
                self.edge_patches[(t.source, t.trigger)] = patch
            if self.labels:
                # The middle of an arc3 curve lies rad/2 of the normal away from the chord.
                ox, oy = (y1 - y0) * rad / 2, -(x1 - x0) * rad / 2
                ha = "left" if ox > 0.02 else "right" if ox < -0.02 else "center"
                text = "\n".join(t.label() for t in group)
                label = ax.text((x0 + x1) / 2 + ox, (y0 + y1) / 2 + oy, text, ha=ha,
                                va="center", fontsize=th.font_size * 0.62, color="#444444",
                                zorder=3)
                for t in group:
                    self.edge_texts[(t.source, t.trigger)] = label
        ax.set_xlim(-3.9, 3.9)
        ax.set_ylim(-1.4, 7.6)
        ax.set_axis_off()

    @staticmethod
    def _target_xy(src: State, dst: State) -> tuple[float, float]:
        return LOWER_CLOSED_AT if dst == State.CLOSED and src in _LOWER_SOURCES else LAYOUT[dst]

    def highlight(self, states: Mapping[str, State] | None = None,
                  edge: Transition | None = None) -> None:
        """Colour each node's current state and the edge just taken; reset everything else."""
        states = dict(states or {})
        for state, boxes in self.node_boxes.items():
            holders = [node for node, s in states.items() if s == state]
            for box in boxes:
                patch = box.get_bbox_patch()
                patch.set_facecolor(NODE_COLORS.get(holders[0], OKABE_ITO["yellow"])
                                    if holders else "white")
                patch.set_linewidth(2.6 * self.theme.line_scale if holders else 1.0)
                patch.set_edgecolor("black" if holders else "#444444")
                box.set_text(f"{state}\n({', '.join(holders)})" if holders else str(state))
                box.set_fontweight("bold" if holders else "normal")
        for key, patch in self.edge_patches.items():
            taken = edge is not None and key == (edge.source, edge.trigger)
            patch.set_color(OKABE_ITO["vermillion"] if taken else "#777777")
            patch.set_linewidth(3.0 * self.theme.line_scale if taken else 0.9)
            patch.set_zorder(3 if taken else 2)
        for text in set(self.edge_texts.values()):
            text.set_fontweight("normal")
            text.set_color("#444444")
        if edge is not None and (edge.source, edge.trigger) in self.edge_texts:
            text = self.edge_texts[(edge.source, edge.trigger)]
            text.set_fontweight("bold")
            text.set_color("black")


def plot_state_diagram(states: Mapping[str, State] | State | None = None,
                       edge: Transition | tuple[State, State] | None = None, *,
                       edges: str = "figure5", labels: bool = True,
                       look: str | Theme = "notebook") -> Figure:
    """RFC 9293's state diagram, from the transition table, with optional highlights.

    ``states`` maps node names to their current state (a single State means ``"you"``);
    ``edge`` is a :class:`~tcpedu.model.states.Transition` or an ``(old, new)`` pair.
    """
    th = theme(look)
    if isinstance(states, State):
        states = {"you": states}
    elif states is not None and not (isinstance(states, Mapping)
                                     and all(isinstance(v, State) for v in states.values())):
        raise ParameterError(f"states={type(states).__name__}: give a State or a mapping of node "
                             "names to States, e.g. {'client': State.ESTABLISHED}")
    if isinstance(edge, tuple):
        found = find_transition(*edge)
        if found is None:
            raise ParameterError(f"no transition from {edge[0]} to {edge[1]} in RFC 9293's table")
        edge = found
    edge_set = _EDGE_SETS.get(edges) if isinstance(edges, str) else None
    if edge_set is None:
        raise ParameterError(f"edges={edges!r}: choose 'figure5' or 'all'")
    if edge is not None and edge not in edge_set:
        edge_set = (*edge_set, edge)
    fig = CourseFigure(figsize=(th.width * 0.9, th.width * 0.8), dpi=th.dpi, facecolor="white")
    ax = fig.add_axes((0, 0, 1, 1))
    diagram = StateDiagram(ax, edges=edge_set, labels=labels, look=th)
    diagram.highlight(states, edge)
    return fig
