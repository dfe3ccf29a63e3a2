"""07 · The state machine: CLOSE-WAIT, the simultaneous close, driving an edge not yet seen."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from ..core import Expected, LabSpec, QuestionSpec
from ..detectors import Mistake
from ..forms import Form, StateName, StatePath, Unreadable

#: The stories the notebook tells before its last question (their edges count as seen).
STORIES = (("normal_life", {}), ("closing_together", {}), ("simultaneous_open", {"close": True}))
#: A story the hint suggests (the tests run it as a right answer).
LISTEN_THEN_CLOSE = [(0.0, "server", "listen"), (1.0, "server", "close")]


def _edges(trace: Any) -> set[tuple[Any, Any, Any]]:
    """The (source, trigger, target) of every state change in ``trace``."""
    from ....model.states import Trigger

    return {(c.old, Trigger(c.trigger), c.new) for c in trace.state_changes()}


def missing_edges(traces: list[Any]) -> frozenset[Any]:
    """The edges of RFC 9293's Figure 5 that none of ``traces`` drove."""
    from ....model.states import FIGURE_5

    seen = set().union(*(_edges(t) for t in traces))
    return frozenset(e for e in FIGURE_5 if (e.source, e.trigger, e.target) not in seen)


#: In a read story: it took the two states of a missing edge, but by another trigger.
NEAR = "same states, another trigger"


@dataclass(frozen=True)
class DrivesEdge(Form):
    """A story (a Trace, or a script for :func:`tcpedu.sim.scenarios.story`) read as the set of
    ``missing`` Figure 5 edges it drove; right when it drove at least one. An edge counts only
    with its trigger: an RST that moves LISTEN to CLOSED is not the CLOSE call's edge."""

    missing: frozenset[Any] = frozenset()
    described: str = "a story (a trace from story([...]))"

    def read(self, value: Any) -> frozenset[Any]:
        from ....sim.scenarios import story
        from ....trace import Trace

        if isinstance(value, frozenset):
            return value
        if isinstance(value, (list, tuple)):
            try:
                value = story(value)
            except Exception as exc:  # a learner's script: say what went wrong, in one line
                raise Unreadable(f"that story does not run: {exc}") from None
        if not isinstance(value, Trace):
            raise Unreadable(f"write a story: story([(0.0, 'server', 'listen'), ...]), not a "
                             f"{type(value).__name__}")
        driven = _edges(value)
        hit = frozenset(e for e in self.missing if (e.source, e.trigger, e.target) in driven)
        pairs = {(source, target) for source, _trigger, target in driven}
        near = not hit and any((e.source, e.target) in pairs for e in self.missing)
        return hit | ({NEAR} if near else set())

    def same(self, a: frozenset[Any], b: frozenset[Any]) -> bool:
        hit_a, hit_b = bool(a - {NEAR}), bool(b - {NEAR})
        return hit_a == hit_b and (hit_a or (NEAR in a) == (NEAR in b))

    def show(self, canonical: frozenset[Any]) -> str:
        edges = canonical - {NEAR}
        if not edges:
            return "no new edge" + (f" ({NEAR})" if NEAR in canonical else "")
        return ", ".join(sorted(f"{e.source.value} -> {e.target.value} ({e.trigger.value})"
                                for e in edges))

    def to_json(self, canonical: frozenset[Any]) -> list[str]:
        return [self.show(frozenset([e])) for e in canonical - {NEAR}]

    def alternatives(self, canonical: frozenset[Any]) -> list[Any]:
        return []


def build(_variant: Any) -> dict[str, Any]:
    from ....sim import scenarios

    stories = {name: scenarios.run(name, **params) for name, params in STORIES}
    return {**stories, "missing": missing_edges(list(stories.values()))}


def _waiting_state(facts: dict[str, Any]) -> Expected:
    from ....model.states import State

    states = facts["normal_life"].states("server")
    right = states[states.index(State.ESTABLISHED) + 1]
    return Expected(right, StateName(), (
        Mistake("FIN-WAIT-1", "FIN-WAIT states belong to the side that closes first."),
        Mistake("FIN-WAIT-2", "FIN-WAIT states belong to the side that closes first."),
        Mistake("TIME-WAIT", "TIME-WAIT is for the side that closes first, at the very end."),
        Mistake("LAST-ACK", "LAST-ACK comes only after the server's own close() sends its FIN."),
    ), why="The peer has finished sending; the server may still send until its application "
           "closes.", code="normal.states('server') after ESTABLISHED")


def _client_states(facts: dict[str, Any]) -> Expected:
    from ....model.states import State

    def after(trace: Any) -> tuple[Any, ...]:
        states = trace.states("client")
        return tuple(states[states.index(State.ESTABLISHED):])

    return Expected(after(facts["closing_together"]), StatePath(), (
        Mistake(list(after(facts["normal_life"])),
                "That is the normal close. Here the server's FIN arrives before the ACK of the "
                "client's FIN: FIN-WAIT-1 + FIN leads to CLOSING."),
    ), why="FIN-WAIT-1 receives a FIN (not yet the ACK of its own) and goes to CLOSING, then "
           "TIME-WAIT once its FIN is acknowledged.", code="both_close.states('client')")


def _my_story(facts: dict[str, Any]) -> Expected:
    from ....sim.scenarios import story

    missing = facts["missing"]
    return Expected(missing, DrivesEdge(missing), (
        Mistake(frozenset(), "Your story ran, but it only drove edges we had already seen (an "
                             "edge counts with its trigger). Look at the list of missing "
                             "edges."),
        Mistake(frozenset({NEAR}), "Your story went between the two states of a missing edge, "
                                   "but by another trigger: an RST or a timeout is not the "
                                   "application's CLOSE call. Drive the edge the figure names."),
    ), why="You drove an edge of the figure the other stories never took.",
           examples=(story(LISTEN_THEN_CLOSE), LISTEN_THEN_CLOSE), generic=False)


SPEC = LabSpec("07-state-machine", "The state machine", build, (
    QuestionSpec("server_waiting_state", "The server's state between the client's FIN and its "
                 "own close()?", _waiting_state,
                 hints=("It has received a FIN but not yet called close().",)),
    QuestionSpec("client_states", "The client's states in a simultaneous close?", _client_states,
                 hints=("After FIN-WAIT-1, what arrives first: the ACK of my FIN, or the peer's "
                        "FIN?",)),
    QuestionSpec("my_story", "A story that drives a missing edge of the figure", _my_story,
                 hints=("What does a server in LISTEN do when its application closes it before "
                        "anyone connects?",
                        "A story is a list of (time, node, action) steps; two steps are enough "
                        "here.")),
))
