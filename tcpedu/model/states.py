"""The TCP connection states and THE transition table (RFC 9293 §3.3.2, Figure 5, and §3.10).

Every state change an endpoint makes goes through :func:`transition`; nothing else decides a
state. The state diagram in the views is drawn from :data:`TRANSITIONS` as well, so the picture and
the behaviour cannot disagree.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass

from ..errors import LocalProtocolError


class State(str, enum.Enum):
    """The eleven states of a TCP connection, named as in RFC 9293 §3.3.2."""

    CLOSED = "CLOSED"
    LISTEN = "LISTEN"
    SYN_SENT = "SYN-SENT"
    SYN_RECEIVED = "SYN-RECEIVED"
    ESTABLISHED = "ESTABLISHED"
    FIN_WAIT_1 = "FIN-WAIT-1"
    FIN_WAIT_2 = "FIN-WAIT-2"
    CLOSE_WAIT = "CLOSE-WAIT"
    CLOSING = "CLOSING"
    LAST_ACK = "LAST-ACK"
    TIME_WAIT = "TIME-WAIT"

    def __str__(self) -> str:
        return self.value

    @property
    def synchronized(self) -> bool:
        """True once both sequence numbers are known (RFC 9293 §3.5.3)."""
        return self not in (State.CLOSED, State.LISTEN, State.SYN_SENT)


class Trigger(str, enum.Enum):
    """What makes a connection change state: a user call, an arriving segment, or a timer."""

    PASSIVE_OPEN = "passive OPEN"
    ACTIVE_OPEN = "active OPEN"
    SEND = "SEND"
    CLOSE = "CLOSE"
    ABORT = "ABORT"
    RCV_SYN = "rcv SYN"
    RCV_SYN_ACK = "rcv SYN,ACK"
    RCV_ACK_OF_SYN = "rcv ACK of SYN"
    RCV_FIN = "rcv FIN"
    RCV_ACK_OF_FIN = "rcv ACK of FIN"
    RCV_FIN_AND_ACK_OF_FIN = "rcv FIN,ACK of FIN"
    RCV_RST = "rcv RST"
    RCV_RST_ACTIVE_OPEN = "rcv RST after active OPEN"
    RCV_SYN_IN_WINDOW = "rcv SYN in window"
    TIMEOUT_2MSL = "Timeout=2MSL"
    GIVE_UP = "retransmission limit"

    def __str__(self) -> str:
        return self.value


@dataclass(frozen=True, slots=True)
class Transition:
    """One edge of the state diagram: where it goes, what is sent, and where the RFC says so."""

    source: State
    trigger: Trigger
    target: State
    action: str
    rfc: str

    def label(self) -> str:
        """The edge label as RFC 9293's Figure 5 writes it: ``trigger / action``."""
        return f"{self.trigger} / {self.action}" if self.action else str(self.trigger)


S, T = State, Trigger

# (source, trigger, target, action, RFC 9293 section). The first block is Figure 5; the rest are
# edges the figure leaves to the text (resets, aborts, timeouts, FIN+ACK arriving together).
_EDGES: tuple[tuple[State, Trigger, State, str, str], ...] = (
    (S.CLOSED, T.PASSIVE_OPEN, S.LISTEN, "create TCB", "§3.10.1"),
    (S.CLOSED, T.ACTIVE_OPEN, S.SYN_SENT, "snd SYN", "§3.10.1"),
    (S.LISTEN, T.RCV_SYN, S.SYN_RECEIVED, "snd SYN,ACK", "§3.10.7.2"),
    (S.LISTEN, T.SEND, S.SYN_SENT, "snd SYN", "§3.10.2"),
    (S.LISTEN, T.CLOSE, S.CLOSED, "delete TCB", "§3.10.4"),
    (S.SYN_SENT, T.RCV_SYN, S.SYN_RECEIVED, "snd SYN,ACK", "§3.10.7.3"),
    (S.SYN_SENT, T.RCV_SYN_ACK, S.ESTABLISHED, "snd ACK", "§3.10.7.3"),
    (S.SYN_SENT, T.CLOSE, S.CLOSED, "delete TCB", "§3.10.4"),
    (S.SYN_RECEIVED, T.RCV_ACK_OF_SYN, S.ESTABLISHED, "", "§3.10.7.4"),
    (S.SYN_RECEIVED, T.CLOSE, S.FIN_WAIT_1, "snd FIN", "§3.10.4"),
    (S.ESTABLISHED, T.CLOSE, S.FIN_WAIT_1, "snd FIN", "§3.10.4"),
    (S.ESTABLISHED, T.RCV_FIN, S.CLOSE_WAIT, "snd ACK", "§3.10.7.4"),
    (S.FIN_WAIT_1, T.RCV_ACK_OF_FIN, S.FIN_WAIT_2, "", "§3.10.7.4"),
    (S.FIN_WAIT_1, T.RCV_FIN, S.CLOSING, "snd ACK", "§3.10.7.4"),
    (S.FIN_WAIT_2, T.RCV_FIN, S.TIME_WAIT, "snd ACK", "§3.10.7.4"),
    (S.CLOSE_WAIT, T.CLOSE, S.LAST_ACK, "snd FIN", "§3.10.4"),
    (S.CLOSING, T.RCV_ACK_OF_FIN, S.TIME_WAIT, "", "§3.10.7.4"),
    (S.LAST_ACK, T.RCV_ACK_OF_FIN, S.CLOSED, "delete TCB", "§3.10.7.4"),
    (S.TIME_WAIT, T.TIMEOUT_2MSL, S.CLOSED, "delete TCB", "§3.10.8"),
    # Figure 5's note 1: only after a passive OPEN.
    (S.SYN_RECEIVED, T.RCV_RST, S.LISTEN, "", "§3.10.7.4"),
    # Edges in the text rather than the figure.
    (S.FIN_WAIT_1, T.RCV_FIN_AND_ACK_OF_FIN, S.TIME_WAIT, "snd ACK", "§3.10.7.4"),
    (S.SYN_RECEIVED, T.RCV_SYN_IN_WINDOW, S.LISTEN, "", "§3.10.7.4"),
    (S.SYN_RECEIVED, T.RCV_RST_ACTIVE_OPEN, S.CLOSED, "delete TCB", "§3.10.7.4"),
    (S.SYN_SENT, T.RCV_RST, S.CLOSED, "delete TCB", "§3.10.7.3"),
    (S.ESTABLISHED, T.RCV_RST, S.CLOSED, "delete TCB", "§3.10.7.4"),
    (S.FIN_WAIT_1, T.RCV_RST, S.CLOSED, "delete TCB", "§3.10.7.4"),
    (S.FIN_WAIT_2, T.RCV_RST, S.CLOSED, "delete TCB", "§3.10.7.4"),
    (S.CLOSE_WAIT, T.RCV_RST, S.CLOSED, "delete TCB", "§3.10.7.4"),
    (S.CLOSING, T.RCV_RST, S.CLOSED, "delete TCB", "§3.10.7.4"),
    (S.LAST_ACK, T.RCV_RST, S.CLOSED, "delete TCB", "§3.10.7.4"),
    (S.TIME_WAIT, T.RCV_RST, S.CLOSED, "delete TCB", "§3.10.7.4"),
    (S.LISTEN, T.ABORT, S.CLOSED, "delete TCB", "§3.10.5"),
    (S.SYN_SENT, T.ABORT, S.CLOSED, "delete TCB", "§3.10.5"),
    (S.SYN_RECEIVED, T.ABORT, S.CLOSED, "snd RST", "§3.10.5"),
    (S.ESTABLISHED, T.ABORT, S.CLOSED, "snd RST", "§3.10.5"),
    (S.FIN_WAIT_1, T.ABORT, S.CLOSED, "snd RST", "§3.10.5"),
    (S.FIN_WAIT_2, T.ABORT, S.CLOSED, "snd RST", "§3.10.5"),
    (S.CLOSE_WAIT, T.ABORT, S.CLOSED, "snd RST", "§3.10.5"),
    (S.CLOSING, T.ABORT, S.CLOSED, "delete TCB", "§3.10.5"),
    (S.LAST_ACK, T.ABORT, S.CLOSED, "delete TCB", "§3.10.5"),
    (S.TIME_WAIT, T.ABORT, S.CLOSED, "delete TCB", "§3.10.5"),
    (S.SYN_SENT, T.GIVE_UP, S.CLOSED, "delete TCB", "§3.8.3"),
    (S.SYN_RECEIVED, T.GIVE_UP, S.CLOSED, "delete TCB", "§3.8.3"),
    (S.ESTABLISHED, T.GIVE_UP, S.CLOSED, "delete TCB", "§3.8.3"),
    (S.FIN_WAIT_1, T.GIVE_UP, S.CLOSED, "delete TCB", "§3.8.3"),
    (S.CLOSE_WAIT, T.GIVE_UP, S.CLOSED, "delete TCB", "§3.8.3"),
    (S.CLOSING, T.GIVE_UP, S.CLOSED, "delete TCB", "§3.8.3"),
    (S.LAST_ACK, T.GIVE_UP, S.CLOSED, "delete TCB", "§3.8.3"),
)

del S, T

#: The transition table: ``(state, trigger) -> Transition``.
TRANSITIONS: dict[tuple[State, Trigger], Transition] = {
    (src, trig): Transition(src, trig, dst, action, rfc) for src, trig, dst, action, rfc in _EDGES
}

#: The edges of RFC 9293's Figure 5 (the classic diagram), in the order above.
FIGURE_5: tuple[Transition, ...] = tuple(TRANSITIONS[(e[0], e[1])] for e in _EDGES[:20])


def transition(state: State, trigger: Trigger) -> Transition:
    """The edge leaving ``state`` on ``trigger``; raises LocalProtocolError if there is none."""
    try:
        return TRANSITIONS[(state, trigger)]
    except KeyError:
        raise LocalProtocolError(f"no transition from {state} on {trigger!s}") from None


def has_transition(state: State, trigger: Trigger) -> bool:
    """Whether ``state`` has an edge for ``trigger``."""
    return (state, trigger) in TRANSITIONS


def is_edge(source: State, target: State) -> bool:
    """Whether any trigger takes ``source`` to ``target`` (for checking recorded traces)."""
    return any(t.source == source and t.target == target for t in TRANSITIONS.values())


# -- which trigger an arriving segment fires ----------------------------------------------------
# The receive-side triggers in the order §3.10.7 handles a segment's parts: the SYN (§3.10.7.2-3),
# the ACK of our SYN (§3.10.7.4 fifth), the FIN and the ACK of our FIN together, the ACK of our
# FIN, then the FIN (§3.10.7.4 eighth). Each applies from the state the previous one left.
_ARRIVAL_ORDER: tuple[tuple[str, Trigger], ...] = (
    ("syn_ack", Trigger.RCV_SYN_ACK),
    ("syn", Trigger.RCV_SYN),
    ("ack", Trigger.RCV_ACK_OF_SYN),
    ("fin_and_acks_fin", Trigger.RCV_FIN_AND_ACK_OF_FIN),
    ("acks_fin", Trigger.RCV_ACK_OF_FIN),
    ("fin", Trigger.RCV_FIN),
)

_arrival_cache: dict[tuple[State, bool, bool, bool, bool, bool, bool], tuple[Transition, ...]] = {}


def arrival_transitions(state: State, *, syn: bool = False, ack: bool = False, fin: bool = False,
                        rst: bool = False, acks_fin: bool = False,
                        passive: bool = True) -> tuple[Transition, ...]:
    """The edges an acceptable arriving segment takes from ``state``, in order (RFC 9293 §3.10.7).

    The ONE place that chooses a state-change trigger from an arriving segment: the capture
    analysis (:mod:`tcpedu.reading.analysis`) infers a receiver's states with it, and the
    endpoint (:mod:`tcpedu.model.endpoint`) chooses its own triggers with it.

    The caller says what the segment carries once its own checks passed: ``syn``, ``ack`` (an
    acceptable ACK; in SYN-RECEIVED one that acknowledges our SYN), ``fin`` (a FIN taken in
    order), ``rst`` (an acceptable RST), ``acks_fin`` (it acknowledges our FIN) and, for a RST
    in SYN-RECEIVED, whether the connection was ``passive`` (came from LISTEN: back to LISTEN)
    or active (CLOSED, §3.10.7.4). A RST fires only a reset; a SYN that arrives in a synchronized
    state fires nothing (RFC 5961 answers it). Several edges may follow one another: an ACK of
    our SYN carrying a FIN goes SYN-RECEIVED → ESTABLISHED → CLOSE-WAIT.
    """
    key = (state, syn, ack, fin, rst, acks_fin, passive)
    found = _arrival_cache.get(key)
    if found is not None:
        return found
    if rst:
        trigger = (Trigger.RCV_RST_ACTIVE_OPEN if state is State.SYN_RECEIVED and not passive
                   else Trigger.RCV_RST)
        edge = TRANSITIONS.get((state, trigger))
        found = (edge,) if edge is not None else ()
    else:
        facts = {"syn_ack": syn and ack, "syn": syn and not ack,
                 "ack": ack and state is State.SYN_RECEIVED,
                 "fin_and_acks_fin": fin and acks_fin, "acks_fin": acks_fin, "fin": fin}
        if syn and ack and state is State.SYN_RECEIVED:   # simultaneous open: the SYN,ACK
            facts["syn_ack"] = False                        # acknowledges our SYN (§3.10.7.4)
        edges: list[Transition] = []
        for fact, trigger in _ARRIVAL_ORDER:
            edge = TRANSITIONS.get((state, trigger)) if facts[fact] else None
            if edge is not None:
                edges.append(edge)
                state = edge.target
        found = tuple(edges)
    _arrival_cache[key] = found
    return found


def arrival_triggers(state: State, **facts: bool) -> tuple[Trigger, ...]:
    """The triggers of :func:`arrival_transitions` (same arguments), in order."""
    return tuple(edge.trigger for edge in arrival_transitions(state, **facts))


# User calls refused per state, with the reason the error message gives (RFC 9293 §3.10). A call
# changing state is refused where the table has no edge for it; these add the calls that do not
# change state (SEND) and give the reasons. The endpoint refuses exactly these.
_NO_CONNECTION = "the connection does not exist"
_EXISTS = "the connection already exists"
_CLOSING = "the connection is already closing"
_SEND_CLOSED = "the connection was closed for sending"

#: ``call -> {state: why the call is refused there}`` (RFC 9293 §3.10.1-3.10.5).
CALL_REFUSALS: dict[str, dict[State, str]] = {
    "connect": {s: _EXISTS for s in State if s is not State.CLOSED},
    "listen": {s: _EXISTS for s in State if s is not State.CLOSED},
    "send": {
        State.CLOSED: _NO_CONNECTION + "; call connect() first",
        State.FIN_WAIT_1: _SEND_CLOSED, State.FIN_WAIT_2: _SEND_CLOSED,
        State.CLOSING: _SEND_CLOSED, State.LAST_ACK: _SEND_CLOSED, State.TIME_WAIT: _SEND_CLOSED,
    },
    "close": {
        State.CLOSED: _NO_CONNECTION, State.FIN_WAIT_1: _CLOSING, State.FIN_WAIT_2: _CLOSING,
        State.CLOSING: _CLOSING, State.LAST_ACK: _CLOSING, State.TIME_WAIT: _CLOSING,
    },
    "abort": {State.CLOSED: _NO_CONNECTION},
}

#: The states in which each user call is accepted (the complement of :data:`CALL_REFUSALS`).
#: SEND in LISTEN needs the foreign socket to have been given to ``listen()`` (§3.10.2).
CALL_ALLOWED: dict[str, frozenset[State]] = {
    call: frozenset(s for s in State if s not in refused) for call, refused in CALL_REFUSALS.items()
}
