"""What an :class:`~tcpedu.model.endpoint.Endpoint` tells its caller, drained by ``next_event()``.

Frozen, slotted dataclasses in the h11 style: each says one thing that happened.
"""

from __future__ import annotations

from dataclasses import dataclass

from .fastinit import quick_init
from .states import State


@quick_init
@dataclass(frozen=True, slots=True)
class Event:
    """Base class of every endpoint event."""


@quick_init
@dataclass(frozen=True, slots=True)
class StateChange(Event):
    """The connection moved along an edge of the transition table."""

    old: State
    new: State
    trigger: str
    rfc: str


@quick_init
@dataclass(frozen=True, slots=True)
class Connected(Event):
    """The handshake finished: the connection is ESTABLISHED."""


@quick_init
@dataclass(frozen=True, slots=True)
class DataReceived(Event):
    """In-order bytes handed to the application."""

    data: bytes


@quick_init
@dataclass(frozen=True, slots=True)
class PeerClosed(Event):
    """The peer's FIN arrived in order: end of the byte stream from the peer (EOF)."""


@quick_init
@dataclass(frozen=True, slots=True)
class ConnectionReset(Event):
    """The connection was reset: by the peer's RST, or refused."""

    reason: str = "connection reset by peer"


@quick_init
@dataclass(frozen=True, slots=True)
class ConnectionClosed(Event):
    """The connection reached CLOSED; ``reason`` says how (closed, reset, aborted, timed out)."""

    reason: str = "closed"


@quick_init
@dataclass(frozen=True, slots=True)
class TimerArmed(Event):
    """A timer (``"rto"``, ``"delayed-ack"``, ``"persist"``, ``"time-wait"``, ``"app-read"``) was set."""

    timer: str
    deadline: float


@quick_init
@dataclass(frozen=True, slots=True)
class TimerCancelled(Event):
    """A timer was stopped before it fired."""

    timer: str


@quick_init
@dataclass(frozen=True, slots=True)
class TimerFired(Event):
    """A timer's deadline passed and it did its job."""

    timer: str


@quick_init
@dataclass(frozen=True, slots=True)
class Retransmitted(Event):
    """The next outgoing segment starting at ``seq`` resends data, and why.

    ``reason``: ``"rto"`` (timeout, RFC 6298), ``"fast"`` (three duplicate ACKs, a NewReno
    partial ACK or a SACK hole), ``"probe"`` (a zero-window probe), ``"window"`` (a refused probe
    byte sent again once the window opened).
    """

    seq: int
    reason: str = "rto"


@quick_init
@dataclass(frozen=True, slots=True)
class SegmentIgnored(Event):
    """An arriving segment was discarded; ``reason`` says which RFC rule did it."""

    seq: int
    reason: str


@quick_init
@dataclass(frozen=True, slots=True)
class ChallengeAckSent(Event):
    """A challenge ACK answered a suspicious RST or SYN (RFC 5961)."""

    reason: str
