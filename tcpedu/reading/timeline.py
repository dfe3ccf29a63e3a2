"""A Trace cut into steps a learner can walk through, with the numbering and marks views share.

A *step* is one thing worth a sentence: a segment sent, delivered or lost, a timer firing, an
application call. The state changes, snapshots and timer bookkeeping that happen at the same
moment ride along with it. The ladder, the players, the narration and the exports all walk the
same :class:`Timeline`, so they always agree on what "step 7" is.
"""

from __future__ import annotations

from dataclasses import dataclass

from ..errors import ParameterError
from ..model.segment import Flags
from ..model.seq import relative, seq_add
from ..model.states import TRANSITIONS, State, Transition
from ..trace import (
    AppEvent,
    Record,
    SegmentDelivered,
    SegmentDropped,
    SegmentSent,
    Snapshot,
    StateChanged,
    TimerEvent,
    Trace,
)
from .segments import SegmentReading, read_segments

#: Record types that open a new step (a TimerEvent only when it fires).
_STEP_OPENERS = (SegmentSent, SegmentDelivered, SegmentDropped, AppEvent)

@dataclass(frozen=True, slots=True)
class ReceiveBuffer:
    """A receiver's view of the peer's bytes, as sequence numbers (end exclusive).

    ``first``..``rcv_nxt`` arrived in order (handed to the application); ``ooo`` are ranges
    held out of order beyond a hole; ``window_end`` is RCV.NXT + RCV.WND.
    """

    first: int
    rcv_nxt: int
    ooo: tuple[tuple[int, int], ...]
    window_end: int

    @property
    def holes(self) -> tuple[tuple[int, int], ...]:
        """The missing ranges between RCV.NXT and the out-of-order ranges."""
        gaps, edge = [], self.rcv_nxt
        for lo, hi in self.ooo:
            if lo > edge:
                gaps.append((edge, lo))
            edge = max(edge, hi)
        return tuple(gaps)


@dataclass(frozen=True, slots=True)
class Step:
    """One step: its position, time and the records it groups (the opening record first)."""

    index: int
    time: float
    records: tuple[Record, ...]

    @property
    def primary(self) -> Record:
        """The record that opened this step."""
        return self.records[0]

    def of_type(self, kind: type) -> list:
        """The step's records of one type."""
        return [r for r in self.records if isinstance(r, kind)]


class Timeline:
    """Steps of a Trace plus per-step states, variables, segment fates and marks.

    ``relative=True`` counts each side's sequence numbers from its ISN (Wireshark's relative
    numbers); the ISN is the sequence number of the side's SYN, or its first segment in a capture
    that starts mid-stream.
    """

    def __init__(self, trace: Trace, relative: bool = True) -> None:
        if not isinstance(trace, Trace):
            raise ParameterError(f"expected a tcpedu Trace, got {type(trace).__name__}")
        #: Each segment as read once (:func:`tcpedu.reading.segments.read_segments`): its
        #: Wireshark tags, what its sender knew, its marks, its JSON Lines fields.
        self.reading: dict[int, SegmentReading] = read_segments(trace)
        #: The trace the steps come from: ``trace`` itself, or a copy with the states the
        #: analysis infers for a side whose trace records none (Linux, in an interop trace).
        self.trace = _with_inferred_states(trace, self.reading)
        trace = self.trace
        self.relative = relative
        self.nodes: list[str] = _ordered_nodes(trace)
        self.steps: list[Step] = _split(trace.records)
        self.sent: dict[int, SegmentSent] = {r.id: r for r in trace.segments()}
        self.base: dict[str, int] = _isns(trace)
        self._index_steps()
        self.marks: dict[int, frozenset[str]] = {i: r.marks for i, r in self.reading.items()}
        #: Nodes that have a TCP state (an attacker that only injects has none).
        self.stateful: set[str] = {"client", "server"} | {c.node for c in trace.state_changes()}
        #: Segments whose ACK number differs from the one their sender sent before.
        self.new_ack: set[int] = set()
        last: dict[str, int] = {}
        for r in trace.segments():
            if r.segment.flags & Flags.ACK:
                if last.get(r.src) != r.segment.ack:
                    self.new_ack.add(r.id)
                last[r.src] = r.segment.ack

    # -- per-step lookups --------------------------------------------------------------------
    def _index_steps(self) -> None:
        self.sent_step: dict[int, int] = {}
        self.end_step: dict[int, int] = {}
        self.fate: dict[int, str] = {}
        states = {n: State.CLOSED for n in self.nodes}
        for change in self.trace.state_changes():
            states.setdefault(change.node, change.old)
        for node in self.nodes:
            first = next((c for c in self.trace.state_changes(node)), None)
            if first is not None:
                states[node] = first.old
        self.initial_states = dict(states)
        snaps: dict[str, Snapshot] = {}
        self.states_after: list[dict[str, State]] = []
        self.snaps_after: list[dict[str, Snapshot]] = []
        self.change_at: list[list[StateChanged]] = []
        for step in self.steps:
            changes = []
            for r in step.records:
                if isinstance(r, SegmentSent):
                    self.sent_step[r.id] = step.index
                    self.fate.setdefault(r.id, "captured" if r.frame is not None else "in flight")
                elif isinstance(r, SegmentDelivered):
                    self.end_step[r.id] = step.index
                    self.fate[r.id] = "delivered"
                elif isinstance(r, SegmentDropped):
                    self.end_step[r.id] = step.index
                    self.fate[r.id] = "dropped"
                elif isinstance(r, StateChanged):
                    states[r.node] = r.new
                    changes.append(r)
                elif isinstance(r, Snapshot):
                    snaps[r.node] = r
            self.states_after.append(dict(states))
            self.snaps_after.append(dict(snaps))
            self.change_at.append(changes)

    def __len__(self) -> int:
        return len(self.steps)

    def check_step(self, index: int) -> int:
        """``index`` if it names a step (negative counts from the end), else ParameterError."""
        n = len(self.steps)
        if not isinstance(index, int) or isinstance(index, bool):
            raise ParameterError(f"step must be an integer, got {index!r}")
        if not -n <= index < n:
            raise ParameterError(f"step {index} is outside 0..{n - 1} ({n} steps in this trace)")
        return index % n

    def states_at(self, index: int) -> dict[str, State]:
        """Each node's state just after step ``index`` (-1: before the first step)."""
        if index < 0:
            return dict(self.initial_states)
        return self.states_after[self.check_step(index)]

    def snapshot_at(self, index: int, node: str) -> Snapshot | None:
        """``node``'s latest variables at step ``index`` (None when the trace has none)."""
        if index < 0:
            return None
        return self.snaps_after[self.check_step(index)].get(node)

    def settled_snapshot(self, index: int, node: str) -> Snapshot | None:
        """``node``'s variables once it has handled step ``index``: the simulator records the
        snapshot a moment later (same time, before anything else reaches ``node``)."""
        index = self.check_step(index)
        found = None
        time = self.steps[index].time
        for step in self.steps[index + 1:]:
            if step.time != time or _touches(step.primary, node, self.sent):
                break
            for r in step.records:
                if isinstance(r, Snapshot) and r.node == node:
                    found = r
        return found or self.snapshot_at(index, node)

    def segment_of(self, index: int) -> SegmentSent | None:
        """The segment step ``index`` is about (sent, delivered or lost), if any."""
        primary = self.steps[self.check_step(index)].primary
        if isinstance(primary, SegmentSent):
            return primary
        if isinstance(primary, (SegmentDelivered, SegmentDropped)):
            return self.sent.get(primary.id)
        return None

    @property
    def is_capture(self) -> bool:
        """True for traces read from a capture (segments carry frame numbers, none delivered)."""
        return bool(self.sent) and all(s.frame is not None for s in self.sent.values()) \
            and not self.trace.of_type(SegmentDelivered)

    def receive_buffer(self, node: str, index: int) -> ReceiveBuffer:
        """What ``node`` holds of its peer's byte stream just after step ``index``.

        Taken from ``node``'s snapshot when the trace has one, else worked out from the
        segments that reached it (in a capture: every segment seen going to it).
        """
        if node not in self.nodes:
            raise ParameterError(f"no node {node!r} in this trace (nodes: {', '.join(self.nodes)})")
        index = self.check_step(index)
        peer = self.peer(node)
        base = self.base.get(peer, 0)
        snap = self.settled_snapshot(index, node)
        window = next((s.segment.window for s in reversed(self.trace.segments(node))
                       if self.sent_step[s.id] <= index), 0)
        if snap is not None and snap.rcv_nxt is not None:
            nxt = relative(snap.rcv_nxt, base)
            ooo = [(relative(a, base), relative(b, base)) for a, b in snap.ooo]
            window = snap.rcv_wnd
        else:  # worked out in numbers relative to the peer's ISN (no wraparound there)
            ranges = []
            for sid, sent in self.sent.items():
                arrived = self.end_step.get(
                    sid, self.sent_step[sid] if sent.frame is not None else None)
                if sent.dst != node or arrived is None or arrived > index or \
                        self.fate[sid] == "dropped" or not sent.segment.payload:
                    continue
                start = relative(sent.segment.seq, base) + (
                    1 if sent.segment.flags & Flags.SYN else 0)
                ranges.append((start, start + len(sent.segment.payload)))
            nxt, ooo = 1, []
            for lo, hi in sorted(ranges):
                if lo <= nxt:
                    nxt = max(nxt, hi)
                elif ooo and lo <= ooo[-1][1]:
                    ooo[-1] = (ooo[-1][0], max(ooo[-1][1], hi))
                else:
                    ooo.append((lo, hi))
            ooo = [(max(a, nxt), b) for a, b in ooo if b > nxt]

        def shown(rel: int) -> int:
            return rel if self.relative else seq_add(base, rel)

        return ReceiveBuffer(shown(1), shown(nxt), tuple((shown(a), shown(b)) for a, b in ooo),
                             shown(nxt + window))

    # -- numbering ---------------------------------------------------------------------------
    def peer(self, node: str) -> str:
        """The other end of a two-party conversation (``"attacker"`` talks to the server)."""
        if node == "attacker":
            return "server"
        others = [n for n in self.nodes if n != node and n != "attacker"]
        return others[0] if others else node

    def seq(self, src: str, value: int) -> int:
        """A sequence number sent by ``src``, relative to its ISN when numbering is relative."""
        return self._rel(_seq_owner(src), value)

    def ack(self, src: str, value: int) -> int:
        """An acknowledgment number sent by ``src`` (it counts the peer's bytes)."""
        return self._rel(self.peer(_seq_owner(src)), value)

    def _rel(self, owner: str, value: int) -> int:
        if not self.relative or owner not in self.base:
            return value
        return relative(value, self.base[owner])

    def label(self, sent: SegmentSent) -> str:
        """Short ladder label: ``"SYN seq=0"``, ``"ACK ack=1 win=64240"``, ``"PSH,ACK seq=1 len=100"``
        (a data segment shows its ACK number only when it changed)."""
        seg = sent.segment
        flags = seg.flags
        src = sender_of(sent)
        parts = [flags.names.replace(" ", "") if flags else "(no flags)"]
        carries_data = bool(seg.payload)
        if flags & (Flags.SYN | Flags.FIN | Flags.RST) or carries_data or not flags & Flags.ACK:
            parts.append(f"seq={self.seq(src, seg.seq)}")
        if flags & Flags.ACK and (sent.id in self.new_ack or not carries_data):
            parts.append(f"ack={self.ack(src, seg.ack)}")
        if carries_data:
            parts.append(f"len={len(seg.payload)}")
        elif flags == Flags.ACK:
            parts.append(f"win={seg.window}")
        return " ".join(parts)


def find_transition(old: State, new: State, trigger: str = "") -> Transition | None:
    """The table edge a recorded state change took: matched by trigger text when several edges
    join the two states; None when the table has no such edge (or cannot tell which)."""
    candidates = [t for t in TRANSITIONS.values() if t.source == old and t.target == new]
    key = trigger.strip().lower()
    for t in candidates:
        if key and key in (str(t.trigger).lower(), t.trigger.name.lower()):
            return t
    return candidates[0] if len(candidates) == 1 else None


#: Application calls (as opposed to notifications): each starts something new at its node.
APP_CALLS = frozenset({"listen", "connect", "send", "close", "abort", "pause_reading",
                       "resume_reading"})


def _touches(record: Record, node: str, sent: dict[int, SegmentSent]) -> bool:
    """Whether ``record`` makes ``node`` do something new (a call, a timer, an arrival)."""
    if isinstance(record, AppEvent):
        return record.node == node and record.action in APP_CALLS
    if isinstance(record, TimerEvent):
        return record.node == node
    if isinstance(record, SegmentDelivered):
        return record.id in sent and sent[record.id].dst == node
    return False


def sender_of(sent: SegmentSent) -> str:
    """Whose numbers a segment carries: the node it claims to come from (forged) or its sender."""
    return getattr(sent, "spoofed_as", "") or sent.src


def _seq_owner(src: str) -> str:
    """Whose sequence space a sender writes in (an attacker forges the client's)."""
    return "client" if src == "attacker" else src


def _ordered_nodes(trace: Trace) -> list[str]:
    names = list(trace.hosts)
    for r in trace.segments():
        for n in (r.src, r.dst):
            if n not in names:
                names.append(n)
    # Client first, server last, anyone else (an on-path attacker) in between.
    rank = {"client": 0, "server": 2}
    return sorted(names, key=lambda n: (rank.get(n, 1), names.index(n)))


def _split(records: list[Record]) -> list[Step]:
    groups: list[list[Record]] = []
    for r in records:
        opens = isinstance(r, _STEP_OPENERS) or (
            isinstance(r, TimerEvent) and r.action == "fired")
        same_moment = bool(groups) and groups[-1][0].time == r.time
        if opens or not same_moment:
            groups.append([r])
        else:
            groups[-1].append(r)
    return [Step(i, g[0].time, tuple(g)) for i, g in enumerate(groups)]


def _isns(trace: Trace) -> dict[str, int]:
    base: dict[str, int] = {}
    for r in trace.segments():
        if r.segment.flags & Flags.SYN:
            base.setdefault(_seq_owner(sender_of(r)), r.segment.seq)
    for r in trace.segments():
        base.setdefault(_seq_owner(sender_of(r)), r.segment.seq)
    return base


#: The trigger text of a state the analysis inferred from the segments (no record said so).
INFERRED = "inferred from the segments"


def _with_inferred_states(trace: Trace, reading: dict[int, SegmentReading]) -> Trace:
    """``trace``, or a copy with a StateChanged wherever the analysis infers that the client or
    the server changed state, for the side(s) with no state change recorded at all."""
    recorded = {c.node for c in trace.state_changes()}
    missing = [n for n in ("client", "server") if n in trace.hosts and n not in recorded]
    if not missing or not reading:
        return trace
    out = Trace(dict(trace.hosts), meta=dict(trace.meta))
    out.frame_counts = trace.frame_counts
    current = {n: State.CLOSED for n in missing}
    for record in trace.records:
        out.add(record)
        if type(record) is SegmentSent and record.id in reading:
            inferred = dict(reading[record.id].state)
            for node in missing:
                new = State(inferred[node])
                if new is not current[node]:
                    out.add(StateChanged(record.time, node, current[node], new, INFERRED))
                    current[node] = new
    return out
