"""Captures → Traces: Wireshark-compatible streams, relative numbers, expert tags and states.

One set of rules (:class:`Analyzer`) serves every output: :func:`analyze` (a :class:`Trace` per
stream, so every plot and player works on real traffic), :func:`summarize` (per-stream counts for
``tcpedu analyze``), :func:`json_lines` (the fast streaming path) and :func:`segment_records`
(any sequence of segments, e.g. a simulated trace, in the same schema).

**Streams** are numbered like Wireshark's ``tcp.stream``: 0-based, in order of first segment; a
new SYN with another initial sequence number on the same addresses and ports starts a new stream.
**Relative numbers** follow Wireshark's default: SEQ counts from the direction's ISN (from one
before the first seen SEQ when the SYN was not captured), ACK from the other direction's ISN
(from one before the first ACK seen when that direction's SYN is missing); ``ack`` is 0 when the
ACK flag is off.

**Tags** follow ``tcp_analyze_sequence_number`` in Wireshark's ``epan/dissectors/packet-tcp.c``,
in its order (zero-window-probe, zero-window, lost-segment, keep-alive, window-update,
window-full, keep-alive-ack, zero-window-probe-ack, dup-ack, ack-lost-segment; then for segments
that carry data, SYN or FIN: spurious-retransmission, fast-retransmission (before out-of-order,
Wireshark's default), out-of-order (within the handshake RTT, or 3 ms without one),
retransmission). A fast or spurious retransmission also carries ``retransmission``, as Wireshark's
expert info does. ``reused-ports`` marks a SYN (or SYN-ACK) with a new ISN on ports seen before.
Where tshark 4.0 behaves in a surprising way the analysis does too, so that the two agree segment
for segment: a next sequence number or ACK of exactly 0 counts as "not seen yet", the duplicate-
ACK counter is unsigned (after an ACKed-unseen segment it passes the fast-retransmission test),
a repeated SYN resets the next expected number, times of 0 mean "no handshake RTT". The tests
check this on crafted, random and real captures (``tests/test_tshark_agreement.py``).

**States** are inferred per side from RFC 9293's transition table (:data:`tcpedu.model.states.TRANSITIONS`):
a segment changes its sender's state when it is sent (SYN → SYN-SENT, FIN → FIN-WAIT-1 or
LAST-ACK, RST → CLOSED) and its receiver's state when it arrives, which the analysis takes to
be just before the next segment of the stream: the state reported with a segment is the one while
it is in flight. An ACK of a FIN followed by that same FIN again never arrived (it was lost:
the FIN's sender stays in LAST-ACK or CLOSING until the answer to its resent FIN). The *client* is the side that sent the first SYN (the receiver of a SYN-ACK seen
first), or else the sender of the first segment seen; both sides start ESTABLISHED when the
handshake was not captured.

**JSON Lines** (``tcpedu analyze --json``, ``tcpedu simulate --json``): one object per TCP
segment in capture order, these keys in this order::

    {"frame": 1, "stream": 0, "src": "10.0.0.1:40001", "dst": "10.0.0.2:80", "flags": "S",
     "seq": 0, "ack": 0, "len": 0, "analysis": [], "state": {"client": "SYN-SENT",
     "server": "LISTEN"}, "known": [], "marks": []}

``frame`` is the 1-based packet number in the file (non-TCP packets count), ``src``/``dst``
``ip:port`` (``[ip]:port`` for IPv6), ``flags`` the letters F S R P A U E C, ``seq``/``ack``
relative, ``len`` the TCP payload length, ``analysis`` the sorted tags, ``state`` each side's
state after the segment; ``known`` what a simulated sender knew about it (names from
:data:`tcpedu.trace.KNOWN`; always empty for a capture) and ``marks`` the badges every view draws
(see :mod:`tcpedu.reading.marks`). Simulated traces are read by :mod:`tcpedu.reading.segments`.

Segment states are inferred from what was captured: they say what each side must have done,
not what its kernel really holds (a segment lost before the capture point, or TIME-WAIT ending,
leaves no trace).
"""

from __future__ import annotations

import heapq
import json
import struct
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field, replace
from typing import IO, Any

from ..capture.pcapio import CaptureReader, CaptureStats, PathOrFile, ip_text
from ..errors import ParameterError, SegmentError
from ..model.segment import Flags, Options, Segment
from ..model.states import TRANSITIONS, State, Transition, Trigger, arrival_transitions
from ..trace import FrameCounts, Host, SegmentSent, StateChanged, Trace
from .marks import marks_of

_M = 0xFFFFFFFF
_HALF = 1 << 31
FIN, SYN, RST, PSH, ACK = 0x01, 0x02, 0x04, 0x08, 0x10
_SFR = SYN | FIN | RST
_ESTABLISHED = State.ESTABLISHED

# -- expert tags, as bits ------------------------------------------------------------------
RETRANSMISSION = 1 << 0
FAST_RETRANSMISSION = 1 << 1
SPURIOUS_RETRANSMISSION = 1 << 2
OUT_OF_ORDER = 1 << 3
LOST_SEGMENT = 1 << 4
ACK_LOST_SEGMENT = 1 << 5
DUP_ACK = 1 << 6
ZERO_WINDOW = 1 << 7
ZERO_WINDOW_PROBE = 1 << 8
ZERO_WINDOW_PROBE_ACK = 1 << 9
KEEP_ALIVE = 1 << 10
KEEP_ALIVE_ACK = 1 << 11
WINDOW_UPDATE = 1 << 12
WINDOW_FULL = 1 << 13
REUSED_PORTS = 1 << 14

#: tag bit -> name (the ``tcp.analysis.*`` field with ``_`` written ``-``, shortened for two).
TAG_NAMES: dict[int, str] = {
    RETRANSMISSION: "retransmission",
    FAST_RETRANSMISSION: "fast-retransmission",
    SPURIOUS_RETRANSMISSION: "spurious-retransmission",
    OUT_OF_ORDER: "out-of-order",
    LOST_SEGMENT: "lost-segment",
    ACK_LOST_SEGMENT: "ack-lost-segment",
    DUP_ACK: "dup-ack",
    ZERO_WINDOW: "zero-window",
    ZERO_WINDOW_PROBE: "zero-window-probe",
    ZERO_WINDOW_PROBE_ACK: "zero-window-probe-ack",
    KEEP_ALIVE: "keep-alive",
    KEEP_ALIVE_ACK: "keep-alive-ack",
    WINDOW_UPDATE: "window-update",
    WINDOW_FULL: "window-full",
    REUSED_PORTS: "reused-ports",
}

#: Wireshark display-filter field of each tag (for comparing with tshark).
WIRESHARK_FIELDS: dict[str, str] = {
    "retransmission": "tcp.analysis.retransmission",
    "fast-retransmission": "tcp.analysis.fast_retransmission",
    "spurious-retransmission": "tcp.analysis.spurious_retransmission",
    "out-of-order": "tcp.analysis.out_of_order",
    "lost-segment": "tcp.analysis.lost_segment",
    "ack-lost-segment": "tcp.analysis.ack_lost_segment",
    "dup-ack": "tcp.analysis.duplicate_ack",
    "zero-window": "tcp.analysis.zero_window",
    "zero-window-probe": "tcp.analysis.zero_window_probe",
    "zero-window-probe-ack": "tcp.analysis.zero_window_probe_ack",
    "keep-alive": "tcp.analysis.keep_alive",
    "keep-alive-ack": "tcp.analysis.keep_alive_ack",
    "window-update": "tcp.analysis.window_update",
    "window-full": "tcp.analysis.window_full",
    "reused-ports": "tcp.analysis.reused_ports",
}

# Tags that also make Wireshark add its "retransmission" expert info.
_ALSO_RETRANSMISSION = FAST_RETRANSMISSION | SPURIOUS_RETRANSMISSION
_MAX_UNACKED = 10000          # Wireshark stops tracking unacked segments past this many
_OOO_DEFAULT = 0.003          # out-of-order window without a handshake RTT (3 ms)
_FAST_RT_WINDOW = 0.020       # a fast retransmission follows the dup ACKs within 20 ms
_FOREVER = float("inf")

_tag_cache: dict[int, tuple[str, ...]] = {}


def tag_names(mask: int) -> tuple[str, ...]:
    """The sorted tag names of a tag bit mask."""
    names = _tag_cache.get(mask)
    if names is None:
        if mask & _ALSO_RETRANSMISSION:
            mask |= RETRANSMISSION
        names = tuple(sorted(name for bit, name in TAG_NAMES.items() if mask & bit))
        _tag_cache[mask] = names
    return names


_tag_json_cache: dict[int, str] = {}


def _tags_json(mask: int) -> str:
    """``"analysis": [...], "state"`` head and the ``"known": [], "marks": [...]`` tail parts of a
    capture's JSON object for a tag mask: ``analysis`` JSON, then ``marks`` JSON."""
    text = _tag_json_cache.get(mask)
    if text is None:
        names = tag_names(mask)
        text = _tag_json_cache[mask] = json.dumps(list(names))
        _marks_json_cache[mask] = json.dumps(sorted(marks_of(names, ())))
    return text


_marks_json_cache: dict[int, str] = {}


# -- states: which triggers a segment fires ---------------------------------------------------
# On sending: (flag test, triggers tried in order). A non-SYN segment from a side still in
# SYN-SENT proves it received the SYN-ACK the capture missed; a SYN-ACK from a side in LISTEN
# proves it received a SYN the capture missed.
_SEND_RULES: tuple[tuple[Callable[[int], bool], tuple[Trigger, ...]], ...] = (
    (lambda f: f & RST != 0, (Trigger.ABORT,)),
    (lambda f: f & (SYN | ACK) == SYN, (Trigger.ACTIVE_OPEN,)),
    (lambda f: f & (SYN | ACK) == SYN | ACK, (Trigger.RCV_SYN,)),
    (lambda f: f & SYN == 0 and f & ACK != 0, (Trigger.RCV_SYN_ACK,)),
)
_SEND_FIN = (Trigger.CLOSE,)


def _send_triggers(flags: int) -> tuple[Trigger, ...]:
    for test, triggers in _SEND_RULES:
        if test(flags):
            return triggers + (_SEND_FIN if flags & FIN and not flags & RST else ())
    return _SEND_FIN if flags & FIN else ()


_SEND_CACHE = {f: _send_triggers(f) for f in range(256)}


class _Flow:
    """One direction of a conversation: Wireshark's per-flow analysis variables."""

    __slots__ = ("base_seq", "base_set", "nextseq", "nextseq_time", "lastack", "lastack_time",
                 "maxseqtobeacked", "window", "win_scale", "is_first_ack", "lastflags",
                 "dupacknum", "unacked", "state", "fin_end", "packets", "payload", "address",
                 "ip", "port", "json_head")

    def __init__(self, ip: str, port: int) -> None:
        self.base_seq = 0
        self.base_set = False
        self.nextseq = 0
        self.nextseq_time = 0.0
        self.lastack = 0
        self.lastack_time = 0.0
        self.maxseqtobeacked = 0
        self.window = _M
        self.win_scale = -1
        self.is_first_ack = False
        self.lastflags = 0
        self.dupacknum = 0
        self.unacked: list[int] = []      # heap of unacked segment ends, relative to base_seq
        self.state = State.ESTABLISHED
        self.fin_end: int | None = None
        self.packets = 0
        self.payload = 0
        self.ip = ip
        self.port = port
        self.address = f"[{ip}]:{port}" if ":" in ip else f"{ip}:{port}"
        self.json_head = ""        # '"stream": N, "src": "...", "dst": "..."' of this direction


class Conversation:
    """One TCP stream: both directions' analysis state, inferred states and counts."""

    __slots__ = ("stream", "flows", "client", "mru_syn", "first_rtt", "first_time", "last_time",
                 "tag_counts", "pending", "changes", "initial", "state_json")

    def __init__(self, stream: int, flows: tuple[_Flow, _Flow], client: int, time: float) -> None:
        self.stream = stream
        self.flows = flows
        self.client = client           # index of the client's flow (0 or 1)
        self.mru_syn = 0.0
        self.first_rtt = 0.0
        self.first_time = time
        self.last_time = time
        self.tag_counts: dict[int, int] = {}
        # The segment in flight: (direction, flags, ack, seq, payload length).
        self.pending: tuple[int, int, int, int, int] | None = None
        self.changes: list[StateChanged] | None = None
        self.initial: tuple[State, State] = (State.ESTABLISHED, State.ESTABLISHED)
        self.state_json = ""       # '{"client": "...", "server": "..."}', kept up to date

    @property
    def client_flow(self) -> _Flow:
        """The client's direction."""
        return self.flows[self.client]

    @property
    def server_flow(self) -> _Flow:
        """The server's direction."""
        return self.flows[1 - self.client]

    def update_state_json(self) -> None:
        """Refresh :attr:`state_json`, the ``state`` object of the JSON Lines."""
        self.state_json = (f'{{"client": "{self.client_flow.state.value}", '
                           f'"server": "{self.server_flow.state.value}"}}')

    def role(self, direction: int) -> str:
        """``"client"`` or ``"server"`` for a flow index."""
        return "client" if direction == self.client else "server"

    def tags(self) -> dict[str, int]:
        """How many segments carried each tag."""
        counts: dict[str, int] = {}
        for mask, n in self.tag_counts.items():
            for name in tag_names(mask):
                counts[name] = counts.get(name, 0) + n
        return dict(sorted(counts.items()))


#: What the analysis says about one segment: ``(conversation, direction, seq, ack, tags)`` with
#: relative numbers and the tag bit mask (a plain tuple: this is the per-packet fast path).
Result = tuple[Conversation, int, int, int, int]


class Analyzer:
    """Feed segments in capture order; get each one's stream, relative numbers, tags and states.

    ``record_states=True`` keeps :class:`StateChanged` records per conversation (for Traces).
    """

    def __init__(self, *, record_states: bool = False) -> None:
        self.conversations: list[Conversation] = []
        self._by_key: dict[Any, tuple[Conversation, int]] = {}
        self._record = record_states

    # -- conversations -------------------------------------------------------------------------
    def _new(self, key: tuple[Any, int, Any, int], src: str | bytes, sport: int, dst: str | bytes, dport: int,
             flags: int, time: float) -> tuple[Conversation, int]:
        rkey = _reverse_key(key)
        if src.__class__ is bytes:
            src, dst = ip_text(src), ip_text(dst)  # type: ignore[arg-type]
        client = 1 if flags & (SYN | ACK) == SYN | ACK else 0
        conv = Conversation(len(self.conversations), (_Flow(src, sport), _Flow(dst, dport)),
                            client, time)
        if self._record:
            conv.changes = []
        if flags & SYN:
            conv.flows[client].state = State.CLOSED if client == 0 else State.SYN_SENT
            conv.flows[1 - client].state = State.LISTEN
        conv.initial = (conv.flows[0].state, conv.flows[1].state)
        a, b = conv.flows
        a.json_head = f'"stream": {conv.stream}, "src": "{a.address}", "dst": "{b.address}"'
        b.json_head = f'"stream": {conv.stream}, "src": "{b.address}", "dst": "{a.address}"'
        conv.update_state_json()
        self.conversations.append(conv)
        self._by_key[key] = (conv, 0)
        self._by_key[rkey] = (conv, 1)
        return conv, 0

    # -- one segment ---------------------------------------------------------------------------
    def feed(self, key: tuple[Any, int, Any, int], src: str | bytes, sport: int, dst: str | bytes, dport: int,
             time: float, seq: int, ack: int, flags: int, window: int, seglen: int,
             wscale: int | None) -> Result:
        """Analyse one segment. ``key`` is ``(src, sport, dst, dport)``;
        ``src``/``dst`` are text or packed addresses; ``wscale`` is the SYN's window-scale
        shift (None if absent). Returns a :data:`Result`.

        A documented hot path (once per segment of a capture), one straight run in Wireshark's
        order: find the conversation (a SYN reusing its ports with another ISN starts a new
        one), tag the segment from what both flows saw before (``tcp_analyze_sequence_number``),
        remember what the segments to come are compared with, then follow the endpoints'
        states. Split into a call per part, it read the same and ran ~10 % slower."""
        found = self._by_key.get(key)
        tags = 0
        if found is None:
            conv, direction = self._new(key, src, sport, dst, dport, flags, time)
        else:
            conv, direction = found
            fwd = conv.flows[direction]
            if flags & (SYN | ACK) == SYN and fwd.base_set:
                if seq != fwd.base_seq:           # a new connection on the same ports
                    self._settle(conv)
                    conv, direction = self._new(key, src, sport, dst, dport, flags, time)
                    tags = REUSED_PORTS
                else:                             # the SYN again: back to the highest ACKable
                    fwd.nextseq = fwd.maxseqtobeacked
            elif flags & (SYN | ACK) == SYN | ACK and fwd.base_set and seq != fwd.base_seq:
                fwd.base_seq = seq
                tags = REUSED_PORTS
        flows = conv.flows
        fwd = flows[direction]
        rev = flows[1 - direction]
        # Wireshark's sequence analysis (tcp_analyze_sequence_number), in its order.
        if not fwd.base_set:
            fwd.base_seq = seq if flags & SYN else (seq - 1) & _M
            fwd.base_set = True
        if not rev.base_set and flags & ACK:
            rev.base_seq = (ack - 1) & _M
            rev.base_set = True

        nextseq = fwd.nextseq
        plain = not flags & _SFR                  # no SYN, FIN or RST
        if seglen == 1 and seq == nextseq and rev.window == 0:
            tags |= ZERO_WINDOW_PROBE
        else:
            if window == 0 and plain:
                tags |= ZERO_WINDOW
            if nextseq and 0 < (seq - nextseq) & _M < _HALF and not flags & RST:
                tags |= LOST_SEGMENT
            if seglen <= 1 and seq == (nextseq - 1) & _M and plain:
                tags |= KEEP_ALIVE
            same = seglen == 0 and seq == nextseq and ack == fwd.lastack and plain
            if same and window and window != fwd.window:
                tags |= WINDOW_UPDATE
            if seglen > 0 and rev.win_scale != -1 and plain:
                shift = 0 if rev.is_first_ack or rev.win_scale == -2 else rev.win_scale
                if (seq + seglen) & _M == (rev.lastack + ((rev.window << shift) & _M)) & _M:
                    tags |= WINDOW_FULL
            if same and window and window == fwd.window and rev.lastflags & KEEP_ALIVE:
                tags |= KEEP_ALIVE_ACK
            elif same and window == 0 and fwd.window == 0 and rev.lastflags & ZERO_WINDOW_PROBE:
                tags |= ZERO_WINDOW_PROBE_ACK
            elif same and window and window == fwd.window:
                fwd.dupacknum = 1 if fwd.dupacknum == -1 else fwd.dupacknum + 1
                tags |= DUP_ACK

        if ack != fwd.lastack:
            fwd.dupacknum = 0

        if (rev.maxseqtobeacked and 0 < (ack - rev.maxseqtobeacked) & _M < _HALF
                and flags & ACK):
            # Report each unseen stretch once (what tshark 4.0 does, tested on crafted gaps).
            if rev.maxseqtobeacked < rev.nextseq:
                rev.maxseqtobeacked = rev.nextseq
                tags |= ACK_LOST_SEGMENT
            else:
                if rev.dupacknum == 0:
                    tags |= ACK_LOST_SEGMENT
                rev.dupacknum = -1

        if (seglen > 0 or flags & (SYN | FIN)) and not tags & KEEP_ALIVE:
            not_advanced = nextseq != 0 and (seq - nextseq) & _M >= _HALF
            if seglen > 1 and (nextseq - 1) & _M == seq:
                not_advanced = False
            if seglen > 0 and rev.lastack and ((rev.lastack - seq - seglen) & _M) < _HALF:
                tags |= SPURIOUS_RETRANSMISSION
            elif not_advanced:
                # Wireshark's time differences and thresholds are unsigned: a negative gap (a
                # timestamp that went backwards) is never "soon", a negative first RTT makes
                # every gap "soon".
                first_rtt = conv.first_rtt
                ooo_window = (_OOO_DEFAULT if first_rtt == 0.0 else
                              first_rtt if first_rtt > 0.0 else _FOREVER)
                # dupacknum is unsigned in Wireshark: its -1 ("ACKed unseen") counts as >= 2 here.
                if ((rev.dupacknum >= 2 or rev.dupacknum < 0) and rev.lastack == seq
                        and 0.0 <= time - rev.lastack_time < _FAST_RT_WINDOW):
                    tags |= FAST_RETRANSMISSION
                elif (0.0 <= time - fwd.nextseq_time < ooo_window
                      and nextseq != (seq + seglen + (1 if flags & (SYN | FIN) else 0)) & _M):
                    tags |= OUT_OF_ORDER
                else:
                    tags |= RETRANSMISSION

        end = (seq + seglen) & _M
        if (seglen or flags & (SYN | FIN)) and len(fwd.unacked) < _MAX_UNACKED:
            if flags & (SYN | FIN):
                end = (end + 1) & _M
            heapq.heappush(fwd.unacked, (end - fwd.base_seq) & _M)
        if (not nextseq or 0 < (end - nextseq) & _M < _HALF) and not tags & ZERO_WINDOW_PROBE:
            fwd.nextseq = end
            fwd.nextseq_time = time
        if (seq == fwd.maxseqtobeacked or not fwd.maxseqtobeacked) and not tags & ZERO_WINDOW_PROBE:
            fwd.maxseqtobeacked = fwd.nextseq

        fwd.window = window
        fwd.lastack = ack
        fwd.lastack_time = time
        fwd.lastflags = tags

        # Forget the other direction's segments this ACK covers (Wireshark's unacked list).
        unacked = rev.unacked
        if unacked:
            acked = (ack - rev.base_seq) & _M
            while unacked and (acked - unacked[0]) & _M < _HALF:
                heapq.heappop(unacked)

        # Bookkeeping Wireshark does after the analysis, for later segments.
        if flags & SYN:
            if not flags & ACK:
                conv.mru_syn = time
            fwd.is_first_ack = True
            if wscale is not None:
                fwd.win_scale = min(wscale, 14)
            if fwd.win_scale == -1:
                fwd.win_scale = rev.win_scale = -2
            elif flags & ACK and rev.win_scale == -2:
                fwd.win_scale = -2
        elif flags & ACK:
            if conv.mru_syn != 0.0 and conv.first_rtt == 0.0:
                conv.first_rtt = time - conv.mru_syn
            fwd.is_first_ack = False

        # States: the previous segment arrives before this one is sent, unless this one comes
        # from its receiver and does not acknowledge its SYN or FIN (then they crossed, as in a
        # simultaneous open or close). Plain segments between ESTABLISHED sides change nothing.
        pending = conv.pending
        crossed = False
        if pending is not None:
            p_flags = pending[1]
            if (p_flags & (SYN | FIN) and pending[0] != direction and not (
                    flags & ACK and (ack - pending[3] - pending[4] - (p_flags & SYN) // SYN
                                     - (p_flags & FIN)) & _M < _HALF)):
                crossed = True
            elif (pending[0] != direction and flags & FIN and p_flags & ACK
                  and fwd.fin_end == (seq + seglen + 1) & _M
                  and (pending[2] - fwd.fin_end) & _M < _HALF):
                pass  # its receiver resends the FIN it acknowledged: that ACK was lost on the way
            elif p_flags & _SFR or flows[1 - pending[0]].state is not _ESTABLISHED:
                self._deliver(conv, time)
        if flags & _SFR or fwd.state is not _ESTABLISHED:
            self._send(conv, direction, flags, seq, seglen, time)
        if crossed:
            self._deliver(conv, time)
        conv.pending = (direction, flags, ack, seq, seglen)
        fwd.packets += 1
        fwd.payload += seglen
        conv.last_time = time
        if tags:
            conv.tag_counts[tags] = conv.tag_counts.get(tags, 0) + 1
        return (conv, direction, (seq - fwd.base_seq) & _M,
                (ack - rev.base_seq) & _M if flags & ACK else 0, tags)

    def finish(self) -> None:
        """Deliver the last segment of every conversation (final states)."""
        for conv in self.conversations:
            self._settle(conv)

    # -- states --------------------------------------------------------------------------------
    def _settle(self, conv: Conversation) -> None:
        if conv.pending is not None:
            self._deliver(conv, conv.last_time)
            conv.pending = None

    def _apply(self, conv: Conversation, flow: _Flow, direction: int,
               triggers: tuple[Trigger, ...], time: float) -> None:
        for trigger in triggers:
            edge = TRANSITIONS.get((flow.state, trigger))
            if edge is not None:
                self._take(conv, flow, direction, edge, time)

    def _take(self, conv: Conversation, flow: _Flow, direction: int, edge: Transition,
              time: float) -> None:
        if conv.changes is not None:
            conv.changes.append(StateChanged(time, conv.role(direction), flow.state,
                                             edge.target, str(edge.trigger), edge.rfc))
        flow.state = edge.target
        conv.update_state_json()

    def _send(self, conv: Conversation, direction: int, flags: int, seq: int, seglen: int,
              time: float) -> None:
        flow = conv.flows[direction]
        if flags & FIN:
            flow.fin_end = (seq + seglen + 1 + (1 if flags & SYN else 0)) & _M
        triggers = _SEND_CACHE[flags & 0xFF]
        if triggers:
            self._apply(conv, flow, direction, triggers, time)

    def _deliver(self, conv: Conversation, time: float) -> None:
        direction, flags, ack, _seq, _seglen = conv.pending  # type: ignore[misc]
        receiver = 1 - direction
        flow = conv.flows[receiver]
        if flow.state is State.ESTABLISHED and not flags & (FIN | RST | SYN):
            return
        fin_end = flow.fin_end
        acks_fin = bool(flags & ACK and fin_end is not None
                        and (ack - fin_end) & _M < _HALF)
        # The table's own choice of trigger (model.states.arrival_transitions), as the endpoint's.
        for edge in arrival_transitions(flow.state, syn=bool(flags & SYN), ack=bool(flags & ACK),
                                        fin=bool(flags & FIN), rst=bool(flags & RST),
                                        acks_fin=acks_fin,
                                        passive=conv.initial[receiver] is State.LISTEN):
            self._take(conv, flow, receiver, edge, time)


# ----------------------------------------------------------------------------------------------
# Captures
# ----------------------------------------------------------------------------------------------

_TCP_HEADER = struct.Struct("!HHIIBBH")


def _wscale(tcp: bytes, hlen: int) -> int | None:
    """The window-scale shift in a SYN's options, if present and captured."""
    i, end = 20, min(hlen, len(tcp))
    while i < end:
        kind = tcp[i]
        if kind == 0:
            return None
        if kind == 1:
            i += 1
            continue
        if i + 1 >= end:
            return None
        length = tcp[i + 1]
        if length < 2:
            return None
        if kind == 3 and length == 3 and i + 2 < end:
            return tcp[i + 2]
        i += length
    return None


@dataclass
class StreamSummary:
    """Per-stream figures for ``tcpedu analyze``."""

    stream: int
    client: str
    server: str
    packets: tuple[int, int]        # client→server, server→client
    payload: tuple[int, int]
    start: float
    end: float
    tags: dict[str, int]
    final: tuple[State, State]      # client, server

    @property
    def duration(self) -> float:
        """Seconds from the first segment to the last."""
        return self.end - self.start


@dataclass
class CaptureSummary:
    """What :func:`summarize` found in a capture."""

    name: str
    frames: int
    tcp: int
    skipped: int
    malformed: int
    damage: str
    streams: list[StreamSummary] = field(default_factory=list)
    counts: FrameCounts = field(default_factory=FrameCounts)


def frame_counts(stats: CaptureStats) -> FrameCounts:
    """A reader's statistics as the :class:`FrameCounts` a Trace and a summary carry."""
    return FrameCounts(stats.frames, stats.tcp, stats.not_tcp,
                       stats.fragments - stats.fragments_incomplete,
                       tuple(stats.unreadable().items()))


def stream_summary(conv: Conversation) -> StreamSummary:
    """The figures of one analysed conversation."""
    c, s = conv.client_flow, conv.server_flow
    return StreamSummary(conv.stream, c.address, s.address, (c.packets, s.packets),
                         (c.payload, s.payload), conv.first_time, conv.last_time, conv.tags(),
                         (c.state, s.state))


def _reverse_key(key: tuple[Any, int, Any, int]) -> tuple[Any, int, Any, int]:
    """The key of the other direction: keys are ``(src, sport, dst, dport)`` tuples (addresses
    packed from captures, text from :func:`segment_records`)."""
    return (key[2], key[3], key[0], key[1])


def analysed_segments(reader: CaptureReader, analyzer: Analyzer,
                      ) -> Iterator[tuple[Any, ...]]:
    """Run ``analyzer`` over a capture: ``(frame, time, tcp, flags, seglen, result)`` per TCP
    segment (``result`` is a :data:`Result`: conversation, direction, seq, ack, tags)."""
    feed = analyzer.feed
    for (frame, time, src, dst, sport, dport, seq, ack, flags, window, seglen,
         tcp) in reader.headers():
        wscale = _wscale(tcp, (tcp[12] >> 4) * 4) if flags & SYN and tcp[12] > 0x5F else None
        yield frame, time, tcp, flags, seglen, feed(
            (src, sport, dst, dport), src, sport, dst, dport, time, seq, ack, flags, window,
            seglen, wscale)


def summarize(capture: PathOrFile) -> CaptureSummary:
    """Per-stream summary of a capture (endpoints, packets, bytes, duration, tags, final states)."""
    reader = CaptureReader(capture)
    analyzer = Analyzer()
    for _ in analysed_segments(reader, analyzer):
        pass
    analyzer.finish()
    st = reader.stats
    return CaptureSummary(reader.name, st.frames, st.tcp, st.skipped, st.malformed, st.damage,
                          [stream_summary(c) for c in analyzer.conversations], frame_counts(st))


_LETTERS = tuple(Flags(i).letters for i in range(256))


def json_lines(capture: PathOrFile, out: IO[str], *, stream: int | None = None) -> CaptureSummary:
    """Write the JSON Lines of a capture to ``out`` (streaming, bounded memory).

    With ``stream`` only that stream's segments are written. Returns the capture's summary.
    """
    reader = CaptureReader(capture)
    analyzer = Analyzer()
    write = out.write
    lines: list[str] = []
    letters = _LETTERS
    tags_json = _tags_json
    tag_text = _tag_json_cache
    marks_text = _marks_json_cache
    for frame, _time, _tcp, flags, seglen, (conv, direction, seq, ack, tags) in analysed_segments(
            reader, analyzer):
        if stream is not None and conv.stream != stream:
            continue
        lines.append(
            f'{{"frame": {frame}, {conv.flows[direction].json_head}, '
            f'"flags": "{letters[flags]}", "seq": {seq}, "ack": {ack}, "len": {seglen}, '
            f'"analysis": {tag_text.get(tags) or tags_json(tags)}, '
            f'"state": {conv.state_json}, "known": [], "marks": {marks_text[tags]}}}\n')
        if len(lines) >= 4096:
            write("".join(lines))
            lines.clear()
    write("".join(lines))
    analyzer.finish()
    st = reader.stats
    return CaptureSummary(reader.name, st.frames, st.tcp, st.skipped, st.malformed, st.damage,
                          [stream_summary(c) for c in analyzer.conversations], frame_counts(st))


def _segment_of(tcp: bytes, seq: int, ack: int, seglen: int,
                sack_base: int = 0) -> tuple[Segment, str]:
    """A Segment with relative numbers (SACK blocks too, counted from ``sack_base``, the other
    side's base, as Wireshark shows them); zeros stand in for payload bytes not captured."""
    sport, dport, _s, _a, off, flags, window = _TCP_HEADER.unpack_from(tcp)
    hlen = (off >> 4) * 4
    note = ""
    try:
        options = Options.from_bytes(tcp[20:hlen]) if hlen > 20 else Options()
    except SegmentError:
        options, note = Options(), "options malformed"
    if options.sack:
        options = replace(options, sack=tuple(((left - sack_base) & _M, (right - sack_base) & _M)
                                              for left, right in options.sack))
    payload = tcp[hlen:hlen + seglen]
    if len(payload) < seglen:
        note = note or f"{seglen - len(payload)} payload bytes not captured (zeros stand in)"
        payload = payload + bytes(seglen - len(payload))
    urgent = int.from_bytes(tcp[18:20], "big")
    return Segment(sport, dport, seq, ack, Flags(flags), window, options, payload, urgent), note


def analyze_all(capture: PathOrFile) -> list[Trace]:
    """Every stream of a capture as a :class:`Trace` (hosts ``client``/``server``); times are
    seconds since the capture's first TCP segment.

    Segments carry Wireshark's relative numbers; ``meta["base_seq"]`` holds each side's base
    (absolute = relative + base, mod 2**32). Memory grows with the capture: for big files use
    :func:`summarize` or :func:`json_lines`, or :func:`analyze` with one stream.
    """
    return _traces(capture, None)


def analyze_capture(capture: PathOrFile) -> list[Trace]:
    """Every stream of a capture as a Trace, in stream order (same as :func:`analyze_all`)."""
    return _traces(capture, None)


def analyze(capture: PathOrFile, stream: int = 0, *, max_segments: int | None = None) -> Trace:
    """One stream (default the first) of a capture as a :class:`Trace`.

    ``max_segments`` stops after that many of the stream's segments (``meta["truncated"]`` is
    then True): enough for a picture of the start of a long transfer, in little memory.
    """
    if not isinstance(stream, int) or stream < 0:
        raise ParameterError(f"stream={stream!r}: give a stream number 0, 1, 2...")
    if max_segments is not None and (not isinstance(max_segments, int) or max_segments < 1):
        raise ParameterError(f"max_segments={max_segments!r}: give a positive number or None")
    traces = _traces(capture, stream, max_segments)
    if not traces:
        raise ParameterError(f"{_name(capture)} has no TCP stream {stream}")
    return traces[0]


def _name(capture: PathOrFile) -> str:
    return str(getattr(capture, "name", capture))


def _traces(capture: PathOrFile, only: int | None,
            max_segments: int | None = None) -> list[Trace]:
    reader = CaptureReader(capture)
    analyzer = Analyzer(record_states=True)
    traces: dict[int, Trace] = {}
    truncated = False
    count = 0
    origin: float | None = None     # Trace times count from the first segment, as Wireshark's do
    for frame, time, tcp, _flags, seglen, (conv, direction, seq, ack, tags) in analysed_segments(
            reader, analyzer):
        if origin is None:
            origin = time
        if only is not None and conv.stream != only:
            continue
        if max_segments is not None and count >= max_segments:
            truncated = True
            break
        count += 1
        trace = traces.get(conv.stream)
        if trace is None:
            trace = traces[conv.stream] = _empty_trace(reader.name, conv, origin)
        _flush_changes(trace, conv, origin)
        segment, note = _segment_of(tcp, seq, ack, seglen, conv.flows[1 - direction].base_seq)
        trace.add(SegmentSent(time - origin, len(trace.records), conv.role(direction),
                              conv.role(1 - direction), segment, note=note,
                              tags=tag_names(tags), frame=frame))
    reader.close()
    if not truncated:
        analyzer.finish()
    for conv in analyzer.conversations:
        if conv.stream in traces:
            trace = traces[conv.stream]
            _flush_changes(trace, conv, origin or 0.0)
            trace.meta["base_seq"] = {"client": conv.client_flow.base_seq,
                                      "server": conv.server_flow.base_seq}
            trace.meta["tags"] = conv.tags()
            trace.meta["time_origin"] = origin or 0.0
    trace_list = [traces[k] for k in sorted(traces)]
    counts = frame_counts(reader.stats)
    for trace in trace_list:
        trace.meta["skipped"] = reader.stats.skipped
        trace.meta["truncated"] = truncated
        trace.frame_counts = counts
    return trace_list


def _empty_trace(name: str, conv: Conversation, origin: float) -> Trace:
    c, s = conv.client_flow, conv.server_flow
    hosts = {"client": Host("client", c.ip, c.port), "server": Host("server", s.ip, s.port)}
    # The inferred starting states, stated once before any change: a server that answers a SYN
    # was listening (passive OPEN); without a handshake both sides start ESTABLISHED.
    initial = []
    for role, state in (("client", conv.initial[conv.client]),
                        ("server", conv.initial[1 - conv.client])):
        edge = TRANSITIONS.get((State.CLOSED, Trigger.PASSIVE_OPEN))
        if state == State.LISTEN and edge is not None:
            initial.append(StateChanged(conv.first_time - origin, role, State.CLOSED, state,
                                        str(edge.trigger), edge.rfc))
        elif state not in (State.CLOSED, State.LISTEN):
            initial.append(StateChanged(conv.first_time - origin, role, State.CLOSED, state,
                                        "capture starts"))
    trace = Trace(hosts, meta={"capture": name, "stream": conv.stream, "relative": True})
    for record in initial:
        trace.add(record)
    return trace


def _flush_changes(trace: Trace, conv: Conversation, origin: float) -> None:
    """Move the conversation's state changes into its trace, times counted from ``origin``
    (the analysis itself runs on capture times: Wireshark's heuristics read a time of 0 as
    "none")."""
    if conv.changes:
        for change in conv.changes:
            trace.add(replace(change, time=change.time - origin))
        conv.changes.clear()


# ----------------------------------------------------------------------------------------------
# Any segments (e.g. a simulated trace) in the same schema
# ----------------------------------------------------------------------------------------------

def segment_records(segments: Iterable[tuple[float, str, str, Segment]],
                    ) -> Iterator[dict[str, Any]]:
    """JSON Lines dicts (the schema above) for ``(time, src_ip, dst_ip, Segment)`` items.

    ``frame`` counts the items from 1. The same rules as for captures decide streams, relative
    numbers, tags and states, so ``tcpedu simulate --json`` and ``tcpedu analyze --json`` agree.
    """
    analyzer = Analyzer()
    for frame, (time, src_ip, dst_ip, seg) in enumerate(segments, 1):
        key = (src_ip, seg.src_port, dst_ip, seg.dst_port)
        seglen = len(seg.payload)
        flags = int(seg.flags)
        conv, direction, rel_seq, rel_ack, tags = analyzer.feed(
            key, src_ip, seg.src_port, dst_ip, seg.dst_port, float(time),
                          seg.seq, seg.ack, flags, seg.window, seglen,
                          seg.options.wscale if flags & SYN else None)
        fwd, rev = conv.flows[direction], conv.flows[1 - direction]
        names = tag_names(tags)
        yield {"frame": frame, "stream": conv.stream, "src": fwd.address, "dst": rev.address,
               "flags": _LETTERS[flags], "seq": rel_seq, "ack": rel_ack, "len": seglen,
               "analysis": list(names),
               "state": {"client": conv.client_flow.state.value,
                         "server": conv.server_flow.state.value},
               "known": [], "marks": sorted(marks_of(names, ()))}
