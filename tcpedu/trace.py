"""The record of what happened: the one data model the reading layer reads for every view.

A :class:`Trace` holds the hosts of a conversation and a time-ordered list of records: segments
sent (by an endpoint, an attacker, or seen in a capture), dropped or delivered by the network, state
changes, timers, application calls and snapshots of each endpoint's variables. Simulations
(:mod:`tcpedu.sim.network`) and real captures (:mod:`tcpedu.reading.analysis`) both produce one.
It holds records only: what they *mean* (streams, tags, marks, fates, JSON) is worked out in
:mod:`tcpedu.reading`; exports live in :mod:`tcpedu.capture.export` (pcap) and
:mod:`tcpedu.reading.jsonl` (JSON Lines).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from .model.fastinit import quick_init
from .model.segment import Segment
from .model.snapshot import Snapshot
from .model.states import State


@dataclass(frozen=True, slots=True)
class Host:
    """A participant: its role name (``"client"``, ``"server"``, ``"attacker"``), IP and port."""

    name: str
    ip: str
    port: int

    @property
    def address(self) -> str:
        """``ip:port`` (``[ip]:port`` for IPv6), as in the JSON Lines schema."""
        return f"[{self.ip}]:{self.port}" if ":" in self.ip else f"{self.ip}:{self.port}"


#: What a simulated sender can know about a segment it sends (:attr:`SegmentSent.known`), and
#: what each means. Wireshark can only infer these from the wire (see :mod:`tcpedu.reading`).
KNOWN: dict[str, str] = {
    "rto-retransmission": "resent because the retransmission timer fired (RFC 6298)",
    "fast-retransmission": "resent on duplicate ACKs or a SACK hole (RFC 5681, RFC 6675)",
    "window-retransmission": "a refused zero-window probe byte sent again once the window opened",
    "zero-window-probe": "one byte sent into a zero window to learn when it opens (RFC 9293 "
                         "§3.8.6.1)",
    "challenge-ack": "an ACK answering a suspicious RST or SYN (RFC 5961)",
    "injected": "forged by another host and put on the wire",
    "duplicate": "a copy the network made of a segment sent once",
}


@quick_init
@dataclass(frozen=True, slots=True)
class SegmentSent:
    """A segment put on the wire by ``src`` for ``dst`` (or seen there, in a capture).

    ``id`` is unique in the trace and joins this record to its :class:`SegmentDropped` or
    :class:`SegmentDelivered`. ``note`` says why it was sent when that is worth telling
    (``"retransmission"``, ``"injected"``, ``"zero-window probe"``...); ``tags`` are
    Wireshark-style analysis tags (``"dup-ack"``...); ``frame`` is the capture's frame number.
    ``spoofed_as`` names the node whose address a forged segment claims (its IP goes on the wire).
    ``known`` holds what the simulator knows about it (names from :data:`KNOWN`), beside the
    ``tags`` a capture's analysis infers.
    """

    time: float
    id: int
    src: str
    dst: str
    segment: Segment
    note: str = ""
    tags: tuple[str, ...] = ()
    frame: int | None = None
    spoofed_as: str = ""
    known: tuple[str, ...] = ()


@quick_init
@dataclass(frozen=True, slots=True)
class SegmentDropped:
    """The network lost segment ``id`` (``reason`` says which rule or probability did it)."""

    time: float
    id: int
    reason: str = ""


@quick_init
@dataclass(frozen=True, slots=True)
class SegmentDelivered:
    """Segment ``id`` reached its destination endpoint."""

    time: float
    id: int


@quick_init
@dataclass(frozen=True, slots=True)
class StateChanged:
    """``node`` moved from ``old`` to ``new`` along a transition-table edge."""

    time: float
    node: str
    old: State
    new: State
    trigger: str = ""
    rfc: str = ""


@quick_init
@dataclass(frozen=True, slots=True)
class TimerEvent:
    """A timer of ``node`` was ``"armed"``, ``"cancelled"`` or ``"fired"``."""

    time: float
    node: str
    timer: str
    action: str
    deadline: float | None = None


@quick_init
@dataclass(frozen=True, slots=True)
class AppEvent:
    """An application call or notification at ``node``: connect, send, data received, close..."""

    time: float
    node: str
    action: str
    detail: str = ""
    data: bytes = b""


@dataclass(frozen=True, slots=True)
class FrameCounts:
    """What reading a capture file made of its frames: ``frames`` in all, ``tcp`` segments,
    frames ``without_tcp``, IP ``fragments`` reassembled into a later frame, and the frames that
    could not be read as ``(reason, frames)`` pairs (``("link type 147 not supported", 12)``)."""

    frames: int = 0
    tcp: int = 0
    without_tcp: int = 0
    fragments: int = 0
    unreadable: tuple[tuple[str, int], ...] = ()

    def __str__(self) -> str:
        """One line: ``120 frames read: 100 TCP, 8 without TCP, 12 not readable (...)``."""
        bad = sum(n for _, n in self.unreadable)
        text = (f"{self.frames} frames read: {self.tcp} TCP, {self.without_tcp} without TCP"
                + (f", {self.fragments} IP fragments reassembled" if self.fragments else "")
                + f", {bad} not readable")
        if self.unreadable:
            text += " (" + "; ".join(f"{reason}: {n} frame{'s' * (n != 1)}"
                                     for reason, n in self.unreadable) + ")"
        return text


Record = (SegmentSent | SegmentDropped | SegmentDelivered | StateChanged | TimerEvent | AppEvent
          | Snapshot)


@dataclass
class Trace:
    """Hosts plus time-ordered records, with queries.

    Build one with :meth:`add` (records must come in time order). ``meta`` carries the scenario
    name, its parameters and a description, or the capture file and stream number.
    """

    hosts: dict[str, Host]
    records: list[Record] = field(default_factory=list)
    meta: dict[str, Any] = field(default_factory=dict)
    #: For a trace read from a capture: what was read of the file's frames.
    frame_counts: FrameCounts | None = None

    def add(self, record: Record) -> None:
        """Append a record (no earlier than the last one)."""
        self.records.append(record)

    def __len__(self) -> int:
        return len(self.records)

    def __iter__(self) -> Iterator[Record]:
        return iter(self.records)

    # -- queries ---------------------------------------------------------------------------
    def of_type(self, kind: type) -> list:
        """Every record of one type, in order."""
        return [r for r in self.records if isinstance(r, kind)]

    def segments(self, src: str | None = None) -> list[SegmentSent]:
        """Segments put on the wire, optionally only those sent by ``src``."""
        return [r for r in self.records
                if isinstance(r, SegmentSent) and (src is None or r.src == src)]

    def fate(self, segment_id: int) -> str:
        """``"delivered"``, ``"dropped"``, ``"in flight"`` (never resolved) or ``"captured"``."""
        for r in self.records:
            if isinstance(r, SegmentDropped) and r.id == segment_id:
                return "dropped"
            if isinstance(r, SegmentDelivered) and r.id == segment_id:
                return "delivered"
        sent = next((r for r in self.records
                     if isinstance(r, SegmentSent) and r.id == segment_id), None)
        if sent is None:
            raise KeyError(segment_id)
        return "captured" if sent.frame is not None else "in flight"

    def state_changes(self, node: str | None = None) -> list[StateChanged]:
        """State changes, optionally of one node."""
        return [r for r in self.records
                if isinstance(r, StateChanged) and (node is None or r.node == node)]

    def states(self, node: str) -> list[State]:
        """The states ``node`` went through, starting with the first one it left."""
        changes = self.state_changes(node)
        return ([changes[0].old] + [c.new for c in changes]) if changes else []

    def final_state(self, node: str) -> State:
        """``node``'s state at the end of the trace (CLOSED if it never changed)."""
        changes = self.state_changes(node)
        return changes[-1].new if changes else State.CLOSED

    def state_at(self, node: str, time: float) -> State:
        """``node``'s state just after ``time``."""
        state = State.CLOSED
        for c in self.state_changes(node):
            if c.time > time:
                break
            state = c.new
        return state

    def app_data(self, node: str) -> bytes:
        """All bytes delivered to ``node``'s application, in order."""
        return b"".join(r.data for r in self.records
                        if isinstance(r, AppEvent) and r.node == node and r.action == "received")

    def snapshots(self, node: str) -> list[Snapshot]:
        """``node``'s variable snapshots in order."""
        return [r for r in self.records if isinstance(r, Snapshot) and r.node == node]

    @property
    def duration(self) -> float:
        """Time from the first record to the last."""
        return self.records[-1].time - self.records[0].time if self.records else 0.0

    def __repr__(self) -> str:
        name = self.meta.get("scenario") or self.meta.get("capture") or "trace"
        return (f"<Trace {name}: {len(self.segments())} segments, {len(self.records)} records, "
                f"{self.duration:.3f} s, hosts {', '.join(self.hosts)}>")
