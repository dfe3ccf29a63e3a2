"""Plain-language narration of each step of a Trace: one or two sentences that say *why*.

"ACK = 1001 = 1000 + 1: a SYN consumes one sequence number." The text depends only on the
Trace (through :class:`~tcpedu.reading.timeline.Timeline`), never on a view, so players, exports and
tests all read the same sentences. The numbers follow the timeline's numbering (relative to
each side's ISN by default, as Wireshark shows them).
"""

from __future__ import annotations

from ..errors import ParameterError
from ..model.segment import Flags
from ..model.seq import seq_add, seq_gt, seq_le, seq_lt
from ..model.states import State
from ..reading.timeline import Timeline, find_transition, sender_of
from ..trace import (
    AppEvent,
    SegmentDelivered,
    SegmentDropped,
    SegmentSent,
    StateChanged,
    TimerEvent,
    Trace,
)

#: What an application call means, by action name.
APP_TEXT: dict[str, str] = {
    "listen": "{node}'s application opens a listening socket (passive OPEN): it waits for a SYN.",
    "connect": "{node}'s application calls connect() (active OPEN): TCP must first open a "
               "connection with the 3-way handshake; no data moves before it.",
    "send": "{node}'s application hands TCP {detail} to send.",
    "close": "{node}'s application calls close(): it has nothing more to send, so TCP will "
             "send a FIN after any data still queued.",
    "abort": "{node}'s application aborts the connection: TCP sends RST and forgets it.",
    "received": "{node}'s application reads {detail}, in order and without gaps.",
    "eof": "{node}'s application sees the end of the peer's data (the FIN arrived).",
    "connected": "{node}'s application is told the connection is open.",
    "closed": "{node}'s application is told the connection is fully closed.",
    "reset": "{node}'s application is told the connection was reset.",
    "segment-ignored": "{node} does not take the segment in as it stands: {detail}.",
    "pause_reading": "{node}'s application stops reading: its receive buffer fills and the "
                     "window it advertises shrinks.",
    "resume_reading": "{node}'s application reads again: the window reopens.",
}

#: Why a state matters, said when a node enters it.
STATE_WHY: dict[State, str] = {
    State.SYN_SENT: "it waits for the peer's SYN,ACK.",
    State.SYN_RECEIVED: "it has answered the SYN and waits for the ACK of its own SYN.",
    State.ESTABLISHED: "the connection is open; data can flow both ways.",
    State.FIN_WAIT_1: "its FIN is on the way; it can still receive data.",
    State.FIN_WAIT_2: "its FIN is acknowledged; it waits for the peer's FIN.",
    State.CLOSE_WAIT: "the peer is done sending, but this side can still send what it has "
                      "left before it closes.",
    State.CLOSING: "both FINs crossed; it waits for the ACK of its own FIN.",
    State.LAST_ACK: "its FIN is sent; it waits for the last ACK.",
    State.TIME_WAIT: "it waits 2×MSL in case its last ACK was lost and the peer's FIN comes "
                     "again.",
    State.CLOSED: "the connection is gone (its TCB is deleted).",
    State.LISTEN: "it waits for a SYN.",
}

#: Why a timer's firing matters, by the timer's exact name (the endpoint's: ``rto``,
#: ``delayed-ack``, ``persist``, ``time-wait``, ``app-read``; ``retransmission`` and ``keepalive``
#: for hand-made traces). Any other name gets a plain sentence.
TIMER_TEXT: dict[str, str] = {
    "rto": "{node}'s retransmission timer (RTO) fires: nothing new was acknowledged in time, "
           "so it resends the oldest unacknowledged segment and doubles the RTO.",
    "retransmission": "{node}'s retransmission timer fires: nothing new was acknowledged in "
                      "time, so it resends the oldest unacknowledged segment.",
    "time-wait": "TIME-WAIT is over (2×MSL): {node} deletes the connection; a late duplicate "
                 "of the peer's FIN would now be answered with RST.",
    "delayed-ack": "{node}'s delayed-ACK timer fires: it sends the ACK it was holding back.",
    "persist": "{node}'s persist timer fires: it probes the peer's zero window.",
    "keepalive": "{node}'s keepalive timer fires: it checks that the peer is still there.",
    "app-read": "{node}'s application reads from its receive buffer.",
}


class Narrator:
    """Sentences for every step of a timeline (see :func:`narrate`)."""

    def __init__(self, trace: Trace | Timeline, relative: bool = True) -> None:
        self.tl = trace if isinstance(trace, Timeline) else Timeline(trace, relative=relative)
        tl = self.tl
        # For each node: segments that reached it, as (step it arrived, segment), in order.
        self.arrivals: dict[str, list[tuple[int, SegmentSent]]] = {n: [] for n in tl.nodes}
        for sid, sent in tl.sent.items():
            step = tl.end_step.get(sid) if tl.fate[sid] == "delivered" else (
                tl.sent_step[sid] if sent.frame is not None else None)
            if step is not None:
                self.arrivals.setdefault(sent.dst, []).append((step, sent))
        for items in self.arrivals.values():
            items.sort(key=lambda item: item[0])
        # For each segment with ACK: the ACK number and window its sender sent before.
        self.previous_ack: dict[int, int | None] = {}
        self.previous_window: dict[int, int | None] = {}
        last: dict[str, int] = {}
        last_window: dict[str, int] = {}
        for sent in tl.trace.segments():
            if sent.segment.flags & Flags.ACK:
                self.previous_ack[sent.id] = last.get(sent.src)
                self.previous_window[sent.id] = last_window.get(sent.src)
                last[sent.src] = sent.segment.ack
                last_window[sent.src] = sent.segment.window
        self._answered: dict[str, dict[int, SegmentSent]] = {}

    def __len__(self) -> int:
        return len(self.tl)

    def __call__(self, index: int) -> str:
        """The narration of step ``index``."""
        index = self.tl.check_step(index)
        step = self.tl.steps[index]
        primary = step.primary
        parts: list[str] = []
        if isinstance(primary, AppEvent):
            parts.append(self._app(primary))
        elif isinstance(primary, SegmentSent):
            parts.extend(self._sent(primary, index))
        elif isinstance(primary, SegmentDelivered):
            parts.extend(self._delivered(primary, index))
        elif isinstance(primary, SegmentDropped):
            parts.append(self._dropped(primary))
        elif isinstance(primary, TimerEvent):
            parts.append(self._timer(primary))
        for change in step.of_type(StateChanged):
            parts.append(self._state(change))
        return " ".join(p for p in parts if p) or "Nothing visible happens on the wire here."

    def all(self) -> list[str]:
        """Narration of every step, in order."""
        return [self(i) for i in range(len(self.tl))]

    # -- sentences -------------------------------------------------------------------------
    def _app(self, ev: AppEvent) -> str:
        detail = ev.detail or (f"{len(ev.data)} bytes" if ev.data else "its data")
        template = APP_TEXT.get(ev.action, "{node}: {action} {detail}.")
        return template.format(node=ev.node.capitalize(), action=ev.action, detail=detail)

    def _sent(self, sent: SegmentSent, index: int) -> list[str]:
        tl, seg = self.tl, sent.segment
        src = sender_of(sent)
        seq = tl.seq(src, seg.seq)
        marks = tl.marks[sent.id]
        who = sent.src.capitalize()
        parts = [f"{who} sends {tl.label(sent)}."]
        if "injected" in marks or sent.src == "attacker":
            parts.append(f"It is forged with {src}'s address: if its numbers are what "
                         f"{sent.dst} expects, {sent.dst} cannot tell it from the real {src}.")
        if seg.flags & Flags.RST:
            parts.append("RST aborts the connection at once: no goodbye, buffered data is "
                         "thrown away.")
            return parts
        if seg.flags & Flags.SYN and not seg.flags & Flags.ACK:
            isn = "" if not tl.relative else f" (shown relative; on the wire it is {seg.seq})"
            parts.append(f"SYN asks to open a connection; seq={seq} is {src}'s initial "
                         f"sequence number (ISN){isn}, the number its byte count starts "
                         "from. The ACK field is not in use yet: the ACK flag is off.")
        elif seg.flags & Flags.SYN:
            parts.append(f"SYN,ACK accepts the request and asks for a connection back; "
                         f"seq={seq} is {src}'s own ISN.")
        # A simulated sender knows what it resends; a capture has only Wireshark's inference.
        reading = tl.reading[sent.id]
        resent = "retransmission" in (reading.inferred_marks if tl.is_capture
                                      else reading.known_marks)
        if "retransmission" in marks and not resent:
            parts.append(f"Wireshark would call this a retransmission ({', '.join(reading.analysis)}):"
                         f" it saw these sequence numbers on the wire before, but {src} sends "
                         "these bytes for the first time.")
        elif resent and not tl.is_capture and "retransmission" not in reading.inferred_marks:
            parts.append(f"{src.capitalize()} knows this is a retransmission "
                         f"({', '.join(reading.known)}), though Wireshark could not tell it "
                         "from the wire.")
        if resent:
            if seg.payload:
                parts.append(f"This is a retransmission: bytes from {seq} were sent before but "
                             "never acknowledged, so they are sent again.")
            else:
                parts.append(f"This is a retransmission: the same {seg.flags.names} was sent "
                             "before and never acknowledged.")
        if seg.flags & Flags.ACK:
            parts.append(self._ack_reason(sent, index))
            parts.append(self._window_reason(sent))
        if seg.payload and not resent and "out-of-order" in marks and tl.is_capture:
            n = len(seg.payload)
            parts.append(f"Its {n} bytes ({seq}–{seq_add(seq, n - 1)}) lie below bytes already "
                         f"seen from {src}: they fill a hole. Wireshark marks it out-of-order, "
                         "as it came less than one round trip after the higher segment: "
                         "overtaken on the way, or a quick resend (the capture alone cannot "
                         "say which).")
        elif seg.payload and not resent:
            parts.append(self._seq_reason(sent, index))
            n = len(seg.payload)
            parts.append(f"It carries {n} bytes numbered {seq}–{seq_add(seq, n - 1)}; the next "
                         f"new byte will be {seq_add(seq, n)}.")
        if seg.flags & Flags.FIN:
            parts.append(f"FIN: {src} has no more data to send; a FIN consumes one sequence "
                         "number.")
        return parts

    def _ack_reason(self, sent: SegmentSent, index: int) -> str:
        tl, seg = self.tl, sent.segment
        src = sender_of(sent)
        ack = tl.ack(src, seg.ack)
        if "dup-ack" in tl.marks[sent.id]:
            return self._dup_ack_reason(sent, index, ack)
        if self.previous_ack.get(sent.id) == seg.ack and seg.options.sack:
            blocks = ", ".join(f"{tl.ack(src, a)}–{seq_add(tl.ack(src, b), -1)}"
                               for a, b in seg.options.sack)
            return (f"ack={ack} is repeated with SACK ({blocks}): those bytes arrived beyond a "
                    f"hole, and byte {ack} is still missing.")
        if self.previous_ack.get(sent.id) == seg.ack and not seg.flags & Flags.SYN:
            return (f"ack={ack} is unchanged: nothing new arrived from {tl.peer(src)}, and a "
                    "side that sends again without receiving keeps its ACK.")
        last = self._last_arrival(sent.src, index, with_length=True)
        if last is None:
            return f"ACK = {ack}: the next byte {src} expects from its peer."
        lseg = last.segment
        lseq = tl.seq(sender_of(last), lseg.seq)
        end = seq_add(lseq, lseg.seg_len)
        if end == ack:
            wrap = (" (counted modulo 2**32: sequence numbers wrap around to 0)"
                    if lseq + lseg.seg_len > 0xFFFFFFFF else "")
            if lseg.flags & Flags.SYN:
                return f"ACK = {ack} = {lseq} + 1{wrap}: a SYN consumes one sequence number."
            if lseg.flags & Flags.FIN and not lseg.payload:
                return f"ACK = {ack} = {lseq} + 1{wrap}: a FIN consumes one sequence number."
            n = len(lseg.payload)
            fin = " + 1 (FIN)" if lseg.flags & Flags.FIN else ""
            return (f"ACK = {ack} = {lseq} + {n}{fin}{wrap}: the received SEQ plus the payload "
                    f"size, i.e. the next byte {src} expects.")
        if seq_gt(ack, end):
            return (f"ACK = {ack}: the hole is filled, so the cumulative ACK now covers bytes "
                    "that had arrived out of order too.")
        got = self._answers(sent.src).get(ack) if tl.is_capture else None
        if got is not None:  # a capture shows this ACK after later segments
            gseq = tl.seq(sender_of(got), got.segment.seq)
            n = got.segment.seg_len
            why = (f"ACK = {ack} = {gseq} + {n}: it answers the segment from {gseq}"
                   if seq_add(gseq, n) == ack else
                   f"ACK = {ack}: the segment from {gseq} filled the hole, so the cumulative ACK "
                   "covers the bytes that had arrived out of order too")
            return (why + f". The capture shows later segments before this ACK: it sees each "
                    f"packet at one point of the path, and {src} answers its arrivals one by one.")
        return (f"ACK = {ack}: {src} still expects byte {ack}; what arrived last ({lseq}–"
                f"{seq_add(end, -1)}) is not the next byte in order.")

    def _answers(self, node: str) -> dict[int, SegmentSent]:
        """ACK number -> the arrival that first brought ``node``'s in-order bytes up to it."""
        found = self._answered.get(node)
        if found is None:
            found = self._answered[node] = {}
            nxt: int | None = None
            waiting: list[tuple[int, int]] = []
            for _step, got in self.arrivals.get(node, []):
                if not got.segment.seg_len:
                    continue
                start = self.tl.seq(sender_of(got), got.segment.seq)
                nxt = start if nxt is None else nxt
                waiting.append((start, seq_add(start, got.segment.seg_len)))
                moved = True
                while moved:
                    moved = False
                    for a, b in waiting:
                        if seq_le(a, nxt) and seq_gt(b, nxt):
                            nxt, moved = b, True
                    waiting = [(a, b) for a, b in waiting if seq_gt(b, nxt)]
                found.setdefault(nxt, got)
        return found

    def _dup_ack_reason(self, sent: SegmentSent, index: int, ack: int) -> str:
        src = sender_of(sent)
        got = self._last_arrival(sent.src, index, with_length=False)
        start = self.tl.seq(sender_of(got), got.segment.seq) if got is not None else ack
        if got is not None and got.segment.seg_len and seq_gt(start, ack):
            return (f"This repeats ACK = {ack} (a duplicate ACK): bytes from {start} arrived "
                    f"but byte {ack} is still missing, so {src} asks again for the first "
                    "missing byte.")
        if (got is not None and got.segment.flags & Flags.FIN and not got.segment.payload
                and seq_lt(start, ack)):
            return (f"This repeats ACK = {ack}: the peer's FIN came again (the ACK of the first "
                    f"one was lost or late), so {src} acknowledges it once more.")
        if got is not None and got.segment.seg_len and seq_lt(start, ack):
            return (f"This repeats ACK = {ack} (a duplicate ACK): the data that arrived had "
                    f"already been received, so {src} says again which byte it expects.")
        return (f"This repeats ACK = {ack} (a duplicate ACK): {src} answers a segment it cannot "
                "accept by restating the byte it expects (RFC 9293 §3.10.7.4).")

    def _last_arrival(self, node: str, index: int, with_length: bool) -> SegmentSent | None:
        for step, got in reversed(self.arrivals.get(node, [])):
            if step <= index and (got.segment.seg_len or not with_length):
                return got
        return None

    def _seq_reason(self, sent: SegmentSent, index: int) -> str:
        last = self._last_arrival(sent.src, index, with_length=False)
        if last is None or not last.segment.flags & Flags.ACK or last.segment.ack != sent.segment.seq:
            return ""
        seq = self.tl.seq(sender_of(sent), sent.segment.seq)
        return (f"seq={seq} is the ACK number {sent.src} last received: the receiver's ACK "
                "becomes the sender's SEQ.")

    def _delivered(self, ev: SegmentDelivered, index: int) -> list[str]:
        tl = self.tl
        sent = tl.sent.get(ev.id)
        if sent is None:
            return [f"Segment {ev.id} arrives."]
        parts = [f"{sent.dst.capitalize()} receives {tl.label(sent)}."]
        seg = sent.segment
        if seg.payload:
            start = tl.seq(sender_of(sent), seg.seq)
            end = seq_add(start, len(seg.payload))
            before = tl.receive_buffer(sent.dst, index - 1) if index > 0 else None
            after = tl.receive_buffer(sent.dst, index)
            if before is not None and seq_gt(start, before.rcv_nxt):
                parts.append(f"It arrived out of order: byte {before.rcv_nxt} is still "
                             "missing, so it is buffered and not given to the application yet.")
            elif before is not None and seq_le(end, before.rcv_nxt):
                parts.append("These bytes had already arrived: a duplicate, dropped by the "
                             "receiver (it will ACK again).")
            elif seq_gt(after.rcv_nxt, end):
                parts.append(f"It fills the hole: bytes up to {seq_add(after.rcv_nxt, -1)} are now in "
                             "order and go to the application together.")
            elif after.rcv_nxt == end:
                parts.append(f"It is the next data in order, so it goes to the application; "
                             f"{sent.dst} now expects byte {end}.")
        return parts

    def _dropped(self, ev: SegmentDropped) -> str:
        sent = self.tl.sent.get(ev.id)
        if sent is None:
            return f"The network loses segment {ev.id}."
        seg = sent.segment
        if not seg.payload and not seg.flags & (Flags.SYN | Flags.FIN | Flags.RST):
            return (f"The network loses {self.tl.label(sent)} from {sent.src}. A pure ACK is "
                    f"never retransmitted: a later ACK covers it, or, if it was the last one, "
                    f"{sent.dst}'s own retransmission (of its FIN, say) brings it again.")
        how = ("from duplicate ACKs or when its retransmission timer fires"
               if seg.payload else "only when its retransmission timer fires: nothing "
               "else will come back to tell it")
        return (f"The network loses {self.tl.label(sent)} from {sent.src}. "
                f"{sent.dst.capitalize()} never sees it; {sent.src} finds out {how}.")

    def _window_reason(self, sent: SegmentSent) -> str:
        """A word on the advertised window when it closes to zero or opens again."""
        before = self.previous_window.get(sent.id)
        window = sent.segment.window
        if window == 0 and before != 0:
            return (f"Window = 0: {sent.src}'s receive buffer is full, so its peer must stop "
                    "sending new data and probe the window from time to time.")
        if before == 0 and window > 0:
            return (f"The window opens again ({window} bytes): a window update, so the peer may "
                    "send again.")
        return ""

    def _timer(self, ev: TimerEvent) -> str:
        template = TIMER_TEXT.get(ev.timer, "{node}'s {timer} timer fires.")
        return template.format(node=ev.node.capitalize(), timer=ev.timer)

    def _state(self, ch: StateChanged) -> str:
        edge = find_transition(ch.old, ch.new, ch.trigger)
        how = ch.trigger or (str(edge.trigger) if edge else "")
        if edge is not None and edge.action:
            how = f"{how} / {edge.action}" if how else edge.action
        rfc = ch.rfc or (edge.rfc if edge else "")
        ref = f"; RFC 9293 {rfc}" if rfc else ""
        why = STATE_WHY.get(ch.new, "")
        return f"{ch.node.capitalize()}: {ch.old} → {ch.new} ({how}{ref}): {why}".rstrip(": ")


def narrate(trace: Trace | Timeline, step: int | None = None, *,
            relative: bool = True) -> str | list[str]:
    """The narration of one step, or of every step when ``step`` is None."""
    if not isinstance(trace, (Trace, Timeline)):
        raise ParameterError(f"narrate() needs a Trace, got {type(trace).__name__}")
    narrator = Narrator(trace, relative=relative)
    return narrator.all() if step is None else narrator(step)
