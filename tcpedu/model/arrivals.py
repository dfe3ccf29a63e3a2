"""Segments arriving: RFC 9293 §3.10.7 in its order (sequence number, RST, SYN, ACK, text, FIN),
with RFC 5961's challenge ACKs (rate-limited, §7) and RFC 7323's unscaled SYN windows.

A mixin of :class:`tcpedu.model.endpoint.Endpoint`: it reads and writes the endpoint's connection
variables; loss recovery's decisions come from :mod:`tcpedu.model.recovery`.
"""

from __future__ import annotations

from ..errors import ParameterError
from ._common import (
    ACK,
    F_RST,
    F_RST_ACK,
    FIN,
    MASK,
    RST,
    S_CLOSED,
    S_FIN_WAIT_1,
    S_LISTEN,
    S_SYN_RECEIVED,
    S_TIME_WAIT,
    SYN,
    SYNCHRONIZED_STATES,
    TEXT_STATES,
)
from .events import ChallengeAckSent, ConnectionReset, DataReceived, PeerClosed, SegmentIgnored
from .fastinit import maker
from .receive_buffer import ReassemblyQueue
from .segment import Flags, Segment
from .seq import HALF, seq_add, seq_diff, seq_ge, seq_gt, seq_in_window, seq_lt
from .states import State, Trigger

#: At most one ACK per this many seconds answers unacceptable bare ACKs (no ACK wars).
OUT_OF_WINDOW_ACK_INTERVAL = 0.5

_data_received = maker(DataReceived)  # once per in-order data segment

#: The control bits that take a segment off the data receiver's common path (ACK must be set).
_CONTROL = SYN | RST | FIN | ACK

#: Default MSS when the peer's SYN carries no MSS option (RFC 9293 §3.7.1, IPv4).
DEFAULT_PEER_MSS = 536


class Arrivals:
    """Processing of arriving segments (RFC 9293 §3.10.7); the state lives on the Endpoint."""

    __slots__ = ()

    def receive(self, now: float, segment: Segment, src_ip: str | None = None) -> None:
        """A segment arrived from the network: process it as RFC 9293 §3.10.7 says.

        ``src_ip`` is the IP address it came from (a listening endpoint learns its peer's
        address from it, which RFC 6528's ISN needs).

        A documented hot path (every segment of a transfer comes here): in a synchronized state
        the two common cases of §3.10.7.4, an ACK segment at RCV.NXT with no SYN, RST or FIN
        and no text from the peer's SYN waiting, take a short path kept in step with
        :meth:`_on_synchronized`'s steps: a data receiver's text (:meth:`_next_text`) and a
        data sender's bare ACK (acceptable whatever the window, nothing to trim: the steps
        reduce to the ACK field and, if it acknowledges our FIN, the eighth step).
        """
        if not isinstance(segment, Segment):
            raise ParameterError(f"receive() takes a Segment, not {type(segment).__name__}")
        self._now = now
        state = self.state
        if (state in SYNCHRONIZED_STATES and segment.dst_port == self.local_port
                and segment.src_port == self.remote_port):
            payload = segment.payload
            if (segment.flags._value_ & _CONTROL != ACK or segment.seq != self.rcv_nxt
                    or self._syn_queued is not None):
                self._on_synchronized(now, segment)
            elif payload:
                if (segment.ack == self.snd_una and state in TEXT_STATES
                        and len(payload) <= self.config.rcv_buffer - len(self._unread)
                        and not (self.sack_enabled and segment.options.sack)):
                    self._next_text(now, segment, payload)  # the data receiver's common case
                else:
                    self._on_synchronized(now, segment)
            elif state is S_SYN_RECEIVED:
                self._on_synchronized(now, segment)
            elif not self._fin_queued:  # the data sender's common case: a bare ACK
                self._process_ack(now, segment)
            else:  # ... after our CLOSE: did it acknowledge our FIN?
                fin_was_acked = 0 < (self.snd_una - self._fin_seq) & MASK < HALF
                if (self._process_ack(now, segment) and not fin_was_acked
                        and 0 < (self.snd_una - self._fin_seq) & MASK < HALF):
                    self._text_and_fin(now, segment.seq, payload, False, True)
        elif segment.dst_port != self.local_port or state is S_CLOSED:
            self._answer_no_connection(segment, "no connection on this port (§3.10.7.1)")
        elif state is S_LISTEN:
            self._on_listen(now, segment, src_ip)
        elif segment.src_port != self.remote_port:
            self._answer_no_connection(segment, "segment for another connection (§3.10.7.1)")
        else:  # SYN-SENT, the one state left
            self._on_syn_sent(now, segment)
        self._output(now)  # sends what the windows allow and an ACK if one is owed

    def _ignore(self, seg: Segment, reason: str) -> None:
        self._events.append(SegmentIgnored(seg.seq, reason))

    def _answer_no_connection(self, seg: Segment, reason: str) -> None:
        """§3.10.7.1: anything but a RST to a non-existent connection is answered by a RST."""
        self._ignore(seg, reason)
        if seg.flags._value_ & RST:
            return
        if seg.flags._value_ & ACK:
            rst = Segment(seg.dst_port, seg.src_port, seg.ack, 0, F_RST, 0)
        else:
            rst = Segment(seg.dst_port, seg.src_port, 0, seq_add(seg.seq, seg.seg_len),
                          F_RST_ACK, 0)
        self._out.append(rst)

    def _reset_to(self, seg: Segment) -> None:
        """<SEQ=SEG.ACK><CTL=RST>: refuse an unacceptable ACK (§3.10.7.2, §3.10.7.3)."""
        self._out.append(Segment(self.local_port, seg.src_port, seg.ack, 0, F_RST, 0))

    # -- opening --------------------------------------------------------------------------
    def _learn_peer_syn(self, seg: Segment) -> None:
        cfg = self.config
        opts = seg.options
        self._syn_options = opts
        self.irs = seg.seq
        self._rcvq = ReassemblyQueue(seq_add(seg.seq, 1))
        self.rcv_nxt = self._rcvq.rcv_nxt
        self.mss = min(cfg.mss, opts.mss if opts.mss else DEFAULT_PEER_MSS)
        self.cc.set_mss(self.mss)
        self.recovery.mss = self.mss
        if cfg.wscale is not None and opts.wscale is not None:
            self.rcv_wscale, self.snd_wscale = cfg.wscale, min(opts.wscale, 14)
        else:
            self.rcv_wscale = self.snd_wscale = 0
        self.sack_enabled = self.recovery.sack = cfg.sack and opts.sack_permitted
        self.snd_wnd = self.max_snd_wnd = seg.window  # a SYN's window is never scaled (RFC 7323)
        self.snd_wl1 = seg.seq
        # Text or a FIN on a SYN is queued until the connection is ESTABLISHED (§3.10.7.2-3).
        if seg.payload or seg.flags._value_ & FIN:
            self._syn_queued = seg

    def _on_listen(self, now: float, seg: Segment, src_ip: str | None) -> None:
        """§3.10.7.2: LISTEN ignores RST, refuses ACK, answers SYN with SYN,ACK."""
        flags = seg.flags._value_
        want = self._listen_remote
        if flags & RST:
            self._ignore(seg, "RST in LISTEN is ignored (§3.10.7.2)")
        elif flags & ACK:
            self._ignore(seg, "ACK in LISTEN is refused with a RST (§3.10.7.2)")
            self._reset_to(seg)
        elif not flags & SYN:
            self._ignore(seg, "segment without SYN in LISTEN (§3.10.7.2)")
        elif want is not None and (seg.src_port != want[1] or (want[0] and src_ip
                                                               and src_ip != want[0])):
            self._answer_no_connection(seg, "SYN from another peer than listen() named (§3.10.7.1)")
        else:
            self.remote_port = seg.src_port
            if src_ip is not None:
                self.remote_ip = src_ip
            elif want is not None:
                self.remote_ip = want[0]
            self._learn_peer_syn(seg)
            self._choose_iss(now)
            self._arrive(syn=True)
            self._syn_start = now
            self._send_syn(now, ack=True)

    def _on_syn_sent(self, now: float, seg: Segment) -> None:
        """§3.10.7.3: SYN-SENT checks the ACK, then RST, then SYN."""
        flags = seg.flags._value_
        ack_ok = False
        if flags & ACK:
            if not (seq_gt(seg.ack, self.iss) and seq_ge(self.snd_max, seg.ack)):
                self._ignore(seg, "ACK does not acknowledge our SYN (§3.10.7.3)")
                if not flags & RST:
                    self._reset_to(seg)
                return
            ack_ok = True
        if flags & RST:
            if ack_ok:
                self._reset("connection refused")
            else:
                self._ignore(seg, "RST without an acceptable ACK in SYN-SENT (§3.10.7.3)")
            return
        if not flags & SYN:
            self._ignore(seg, "neither SYN nor RST in SYN-SENT (§3.10.7.3)")
            return
        self._learn_peer_syn(seg)
        if ack_ok:
            self.snd_una = seg.ack
            self.snd_wl2 = seg.ack
            self._cancel("rto")
            self.recovery.take_sample(seg.ack, now)
            self.retries = 0
            self._arrive(syn=True, ack=True)
            self._ack_now = True  # the third segment of the handshake (data may ride on it)
            self._process_queued_syn_text(now)  # §3.10.7.3: continue at the sixth step
        else:
            self._arrive(syn=True)  # simultaneous open (§3.5, Figure 8)
            self._cancel("rto")
            self._send_syn(now, ack=True)

    def _process_queued_syn_text(self, now: float) -> None:
        """The text and FIN that came on the peer's SYN, now that we are ESTABLISHED."""
        seg = self._syn_queued
        if seg is None:
            return
        self._syn_queued = None
        fin = bool(seg.flags._value_ & FIN)
        payload = seg.payload[: self.rcv_wnd]
        self._text_and_fin(now, seq_add(seg.seq, 1), payload,
                           fin and len(payload) == len(seg.payload), self._our_fin_acked())

    def _syn_in_syn_received(self, now: float, seg: Segment) -> Segment | None:
        """A SYN while ours is unacknowledged: a repeat (resend our SYN,ACK), the SYN,ACK of a
        simultaneous open (go on without its SYN bit), or a new SYN in the window (§3.10.7.4
        fourth: back to LISTEN after a passive OPEN). None when the segment was handled."""
        flags = seg.flags._value_
        if seg.seq == self.irs:
            if flags & ACK and seq_gt(seg.ack, self.snd_una) and seq_ge(self.snd_max, seg.ack):
                return seg.replace(seq=seq_add(seg.seq, 1), flags=Flags(flags & ~SYN))
            self._ignore(seg, "repeated SYN: our SYN,ACK is sent again")
            self._send_syn(now, ack=True)
            return None
        if self._passive and self._acceptable(seg.seq, seg.seg_len, self.rcv_wnd):
            self._ignore(seg, "SYN in SYN-RECEIVED after a passive OPEN: back to LISTEN "
                              "(§3.10.7.4)")
            self._change(Trigger.RCV_SYN_IN_WINDOW)
            self._back_to_listen()
            return None
        return seg

    def _back_to_listen(self) -> None:
        listen_remote = self._listen_remote
        self._cancel_all()
        self._new_tcb()
        self._passive = True
        self._listen_remote = listen_remote

    # -- synchronized states --------------------------------------------------------------
    def _acceptable(self, seq: int, seg_len: int, wnd: int) -> bool:
        """The four cases of §3.10.7.4's sequence-number test."""
        rcv_nxt = self.rcv_nxt
        if seg_len == 0:
            return seq == rcv_nxt if wnd == 0 else seq_in_window(seq, rcv_nxt, wnd)
        if wnd == 0:
            return False
        return (seq_in_window(seq, rcv_nxt, wnd)
                or seq_in_window(seq_add(seq, seg_len - 1), rcv_nxt, wnd))

    def _challenge_ack(self, now: float, seg: Segment, why: str) -> None:
        """RFC 5961 §3-5 challenge ACK, at most ``challenge_ack_limit`` per second (§7)."""
        second = int(now)
        if second != self._challenge_window:
            self._challenge_window, self._challenges = second, 0
        if self._challenges >= self.config.challenge_ack_limit:
            self._ignore(seg, "challenge ACK not sent: rate limit reached (RFC 5961 §7)")
            return
        self._challenges += 1
        self._events.append(ChallengeAckSent(why))
        self._ack_now = True

    def _on_synchronized(self, now: float, seg: Segment) -> None:
        """§3.10.7.4 for SYN-RECEIVED onwards, every step (:meth:`receive` takes the common
        cases a shorter way); the rare cases are handed to the helpers below."""
        state = self.state
        flags = seg.flags._value_
        payload = seg.payload
        scale = None
        if flags & SYN and state is S_SYN_RECEIVED and not flags & RST:
            handled = self._syn_in_syn_received(now, seg)
            if handled is None:
                return
            if handled is not seg:
                seg, scale = handled, 0  # the SYN,ACK's window is not scaled (RFC 7323 §2.2)
                flags = seg.flags._value_
        if state is S_TIME_WAIT and flags & FIN and not flags & RST and self._fin_in_time_wait(
                now, seg):
            return
        seq = seg.seq
        wnd = self.config.rcv_buffer - len(self._unread)
        rcv_nxt = self.rcv_nxt
        if seq != rcv_nxt or not wnd:
            seg_len = len(payload) + (1 if flags & SYN else 0) + (1 if flags & FIN else 0)
            if not self._acceptable(seq, seg_len, wnd):
                self._unacceptable(now, seg, flags, wnd)
                return
        fin = bool(flags & FIN)
        if payload and (seq != rcv_nxt or len(payload) > wnd):  # trim the text to the window
            right = seq_diff(seq_add(rcv_nxt, wnd), seq)
            if right < len(payload):
                payload = payload[:max(right, 0)]
                fin = False
        if flags & (RST | SYN):
            self._rst_or_syn(now, seg, flags)
            return
        if not flags & ACK:
            self._ignore(seg, "segment without ACK (§3.10.7.4, fifth)")
            return
        if state is S_SYN_RECEIVED and not self._ack_of_syn(now, seg):
            return
        # Our FIN acknowledged by this very segment? (seq_gt(SND.UNA, FIN) before and after the
        # ACK field, inline.)
        fin_was_acked = self._fin_queued and 0 < (self.snd_una - self._fin_seq) & MASK < HALF
        if self._process_ack(now, seg, scale):
            if self._syn_queued is not None:  # the peer's SYN carried text (§3.10.7.2)
                self._process_queued_syn_text(now)
            fin_acked_now = (not fin_was_acked and self._fin_queued
                             and 0 < (self.snd_una - self._fin_seq) & MASK < HALF)
            if payload or fin or fin_acked_now:  # else a bare ACK: nothing for steps 7 and 8
                self._text_and_fin(now, seq, payload, fin, fin_acked_now)

    def _next_text(self, now: float, seg: Segment, payload: bytes) -> None:
        """:meth:`_on_synchronized` for the segment a data receiver gets most: text at RCV.NXT
        that fits the window, an ACK of nothing new (SEG.ACK = SND.UNA), no SYN, RST or FIN, no
        SACK blocks, in a state that takes text. The general path's steps reduce to these (a
        documented hot path, kept in step with it): the ACK field only updates the send window
        (§3.10.7.4 fifth: not a duplicate ACK, since the segment carries text; the window step
        of :meth:`_process_ack`, with SEG.ACK = SND.UNA), then the text (seventh: with no gap
        held and the application reading, :meth:`_accept_text` reduces to delivering it all);
        the FIN step only matters if the text reaches a FIN that came earlier."""
        sseq = seg.seq
        ack = seg.ack
        self._update_window(sseq, ack, seg.window << self.snd_wscale, ack, 0)  # SEG.ACK = SND.UNA
        q = self._rcvq
        cfg = self.config
        if q.ooo_bytes or self.reading_paused or cfg.app_read_rate:  # type: ignore[union-attr]
            fin_now = self._accept_text(now, sseq, payload, False)  # a gap, or a slow reader
        else:
            fin_now = q.add_next(len(payload))  # type: ignore[union-attr]
            self.rcv_nxt = q.rcv_nxt  # type: ignore[union-attr]
            self.bytes_delivered += len(payload)
            self._events.append(_data_received(payload))
            self._owe_ack(now, fin_now)
        if fin_now:
            self._text_and_fin_after(now, self.state, True, False)

    def _fin_in_time_wait(self, now: float, seg: Segment) -> bool:
        """TIME-WAIT: a retransmitted FIN is acknowledged and restarts 2 MSL (§3.10.7.4)."""
        if seq_add(seg.seq, seg.seg_len) != self.rcv_nxt:
            return False
        self._ignore(seg, "retransmitted FIN in TIME-WAIT: ACK it again, restart 2 MSL")
        self._ack_now = True
        self._arm("time-wait", now + 2 * self.config.msl)
        return True

    def _unacceptable(self, now: float, seg: Segment, flags: int, wnd: int) -> None:
        """§3.10.7.4 first step: an unacceptable segment is answered by an ACK (unless a RST)."""
        if flags & RST:
            self._ignore(seg, "RST outside the window (§3.10.7.4)")
            return
        if wnd == 0 and seg.seq == self.rcv_nxt and flags & ACK and not flags & SYN:
            # Zero window: keep taking ACKs (and window updates), not text (§3.10.7.4).
            self._ignore(seg, "zero receive window: text dropped, ACK processed")
            self._ack_now = True
            self._process_ack(now, seg)
            return
        if not seg.seg_len and now - self._last_oow_ack < OUT_OF_WINDOW_ACK_INTERVAL:
            # Answering every unacceptable bare ACK with an ACK can start an "ACK war";
            # like Linux (tcp_invalid_ratelimit) answer at most one per interval.
            self._ignore(seg, "unacceptable bare ACK: answer rate-limited (§3.10.7.4)")
            return
        self._last_oow_ack = now
        self._ignore(seg, "unacceptable sequence number: answered by an ACK (§3.10.7.4)")
        self._ack_now = True

    def _rst_or_syn(self, now: float, seg: Segment, flags: int) -> None:
        """§3.10.7.4 second and fourth steps, with RFC 5961 §3 and §4."""
        if flags & RST:
            if seg.seq == self.rcv_nxt or not self.config.challenge_ack:
                self._reset("connection reset by peer")
            else:
                self._ignore(seg, "in-window RST not at RCV.NXT: challenge ACK (RFC 5961 §3)")
                self._challenge_ack(now, seg, "RST in window but not exact (RFC 5961 §3.2)")
            return
        self._ignore(seg, "SYN in a synchronized state: challenge ACK (RFC 5961 §4)")
        self._challenge_ack(now, seg, "SYN in a synchronized state (RFC 5961 §4.2)")

    def _ack_of_syn(self, now: float, seg: Segment) -> bool:
        """SYN-RECEIVED: an ACK of our SYN,ACK establishes the connection; others get a RST."""
        if not (seq_gt(seg.ack, self.snd_una) and seq_ge(self.snd_max, seg.ack)):
            self._ignore(seg, "ACK does not acknowledge our SYN,ACK: RST (§3.10.7.4)")
            self._reset_to(seg)
            return False
        self._arrive(ack=True)
        self.snd_wl1 = seq_add(seg.seq, -1)  # let this segment set the (scaled) window
        return True

    def _text_and_fin(self, now: float, seq: int, payload: bytes, fin: bool,
                      fin_acked_now: bool) -> None:
        """After the ACK field: our FIN acknowledged (``fin_acked_now``: by this segment), then
        text (seventh step) and FIN (eighth)."""
        if not (payload or fin or fin_acked_now):
            return  # a bare ACK: nothing for the seventh and eighth steps (the common case)
        state = self.state
        if fin_acked_now and state not in TEXT_STATES:  # CLOSING, LAST-ACK: nothing more comes
            self._arrive(ack=True, acks_fin=True)
            if self.state is S_CLOSED:
                self._closed("closed")
            return
        fin_now = False
        if state in TEXT_STATES and (payload or fin):
            fin_now = self._accept_text(now, seq, payload, fin)
        if fin_now or fin_acked_now:
            self._text_and_fin_after(now, state, fin_now, fin_acked_now)

    def _text_and_fin_after(self, now: float, state: State, fin_now: bool,
                            fin_acked_now: bool) -> None:
        """The eighth step once the text is taken: the peer's FIN came in order (``fin_now``)
        and/or ours was acknowledged; ``state``: the state the segment arrived in."""
        if fin_now:
            if self._unread:
                self._eof_pending = True  # EOF reaches the application after the data
            else:
                self._events.append(PeerClosed())
            self._ack_now = True
        if fin_now or fin_acked_now:
            self._arrive(ack=True, fin=fin_now,
                         acks_fin=fin_acked_now or (state is S_FIN_WAIT_1 and self._our_fin_acked()))

    def _our_fin_acked(self) -> bool:
        return self._fin_queued and seq_gt(self.snd_una, self._fin_seq)

    def _reset(self, reason: str) -> None:
        syn_rcvd = self.state is S_SYN_RECEIVED
        passive = syn_rcvd and self._passive
        if syn_rcvd and not passive:
            reason = "connection refused"  # an active OPEN that met a RST (§3.10.7.4)
        self._events.append(ConnectionReset(reason))
        self._arrive(rst=True, passive=passive or not syn_rcvd)
        if passive:
            self._back_to_listen()
        else:
            self._closed("reset")

    # -- the ACK field (§3.10.7.4 fifth) --------------------------------------------------
    def _process_ack(self, now: float, seg: Segment, scale: int | None = None) -> bool:
        """§3.10.7.4 fifth (ACK field) with RFC 5961 §5; False when the segment must be dropped.
        ``scale``: the window shift to use (0 for a SYN,ACK; None: the connection's). A hot path
        (once per ACK a sender gets): sequence comparisons are inline."""
        ack = seg.ack
        una = self.snd_una
        if 0 < (ack - self.snd_max) & MASK < HALF:  # seq_gt(ack, SND.MAX)
            self._ignore(seg, "ACK for data never sent: answered by an ACK (§3.10.7.4)")
            self._ack_now = True
            return False
        acked = (ack - una) & MASK
        if acked >= HALF:  # seq_lt(ack, SND.UNA)
            if self.config.challenge_ack and seq_lt(ack, seq_add(una, -self.max_snd_wnd)):
                self._ignore(seg, "ACK too old: challenge ACK (RFC 5961 §5.2)")
                self._challenge_ack(now, seg, "ACK below SND.UNA - MAX.SND.WND (RFC 5961 §5.2)")
                return False
            return True  # an old duplicate ACK: ignore the field, keep the text
        new_wnd = seg.window << (self.snd_wscale if scale is None else scale)
        if self.sack_enabled and seg.options.sack:
            self.recovery.update_scoreboard(seg.options.sack, una, self.snd_max)
        if acked:
            self._on_new_ack(now, ack, acked)
        elif (not seg.payload and not seg.flags._value_ & (SYN | FIN) and new_wnd == self.snd_wnd
              and self.snd_max != una and self.snd_wnd > 0):
            self._on_dup_ack(now)
        self._update_window(seg.seq, ack, new_wnd, una, acked)
        return True

    def _update_window(self, sseq: int, ack: int, new_wnd: int, una: int, acked: int) -> None:
        """The window update of §3.10.7.4 (fifth step): only from a segment newer than the last
        one that set it (seq_lt(SND.WL1, SEG.SEQ) or SND.WL1 = SEG.SEQ and
        seq_ge(SEG.ACK, SND.WL2), inline). ``una``: SND.UNA before this segment's ACK, which
        acknowledged ``acked`` bytes."""
        wl1 = self.snd_wl1
        if (wl1 == sseq and (ack - self.snd_wl2) & MASK < HALF) or (wl1 - sseq) & MASK >= HALF:
            if new_wnd and not self.snd_wnd and "persist" in self._timers:
                # The window opened while we were probing: resend from SND.UNA, so a probe
                # byte the receiver refused goes out again with the data (as BSD retracts
                # snd_nxt), instead of waiting for a timeout.
                if not acked:
                    self.snd_nxt = una
                self._rexmit_reason = "window"
            self.snd_wnd = new_wnd
            self.snd_wl1 = sseq
            self.snd_wl2 = ack
            if new_wnd > self.max_snd_wnd:
                self.max_snd_wnd = new_wnd

    def _on_new_ack(self, now: float, ack: int, acked: int) -> None:
        """SND.UNA advances to ``ack``, ``acked`` bytes on (the caller checked SND.UNA < ack)."""
        buf_seq = self._buf_seq
        k = (ack - buf_seq) & MASK  # seq_diff(ack, buf_seq) when below HALF
        data_acked = 0
        if 0 < k < HALF:
            data_acked = self._sndbuf.consume(k)  # past the buffer: our FIN
            self._buf_seq = (buf_seq + data_acked) & MASK
        self.snd_una = ack
        if (self.snd_nxt - ack) & MASK >= HALF:  # seq_lt(SND.NXT, ack)
            self.snd_nxt = ack
        self.retries = 0
        snd_max = self.snd_max  # resending below does not move it
        resend = self.recovery.on_new_ack(now, ack, acked, data_acked, snd_max)
        if resend is not None:
            self._retransmit(now, resend[0], resend[1], "fast")
        elif self.sack_enabled and self.cc.in_recovery:
            self._sack_recovery(now)
        if snd_max == ack:
            self._cancel("rto")
        else:
            self._arm("rto", now + self.rtt.rto)  # RFC 6298 §5.3

    def _on_dup_ack(self, now: float) -> None:
        una = self.snd_una
        resend = self.recovery.on_dup_ack(now, una, self.snd_max, self.flight_size)
        if resend is not None:
            self._retransmit(now, resend[0], resend[1], "fast")
        if self.sack_enabled and self.cc.in_recovery:
            self._sack_recovery(now)

    def _sack_recovery(self, now: float) -> None:
        """RFC 6675 §5 (C): resend holes while the congestion window leaves room past pipe."""
        for start, length in self.recovery.sack_sends(self.snd_una, self.snd_max):
            self._retransmit(now, start, length, "fast")

    # -- text (§3.10.7.4 seventh) and what the application reads --------------------------
    def _accept_text(self, now: float, seq: int, payload: bytes, fin: bool) -> bool:
        """Seventh and eighth steps of §3.10.7.4; returns True when the FIN came in order."""
        q = self._rcvq
        assert q is not None
        cfg = self.config
        if cfg.receiver == "gbn" and seq_gt(seq, self.rcv_nxt):
            self._events.append(SegmentIgnored(seq, "Go-Back-N receiver discards out-of-order "
                                                    "data"))
            self._ack_now = True
            return False
        had_gap = q.ooo_bytes
        data, fin_now = q.add(seq, payload, fin)
        self.rcv_nxt = q.rcv_nxt
        if not data:
            self._ack_now = True  # out of order or a duplicate: ACK at once
            return fin_now
        if self.reading_paused or cfg.app_read_rate:
            self._deliver(now, data)
        else:  # _deliver's common case, inline
            self.bytes_delivered += len(data)
            self._events.append(_data_received(data))
        self._owe_ack(now, bool(had_gap or q.ooo_bytes or fin_now))  # gap filled, out of order, FIN
        return fin_now

    def _owe_ack(self, now: float, at_once: bool) -> None:
        """One more segment of text taken: ACK it at once if ``at_once``, else every second
        segment, else when the delayed-ACK timer fires (§3.8.6.3). The timer is armed only for
        the first segment not acknowledged, so none is armed here yet: the ACK that resets the
        count cancels it (``Sending._ack_sent``)."""
        self._unacked_segs = unacked = self._unacked_segs + 1
        delayed_ack = self.config.delayed_ack
        if at_once or unacked >= 2 or delayed_ack is None:
            self._ack_now = True
        else:
            self._arm("delayed-ack", now + delayed_ack)

    def _deliver(self, now: float, data: bytes) -> None:
        if self.reading_paused or self.config.app_read_rate:
            self._unread += data
            self._arm_app_read(now)
        else:
            self.bytes_delivered += len(data)
            self._events.append(_data_received(data))

    def _deliver_unread(self, n: int) -> None:
        if n <= 0:
            return
        data = bytes(self._unread[:n])
        del self._unread[:n]
        self.bytes_delivered += n
        self._events.append(DataReceived(data))
        if self._eof_pending and not self._unread:
            self._eof_pending = False
            self._events.append(PeerClosed())

    def _maybe_window_update(self, now: float) -> None:
        """After the application read: tell the peer if the window grew enough (§3.8.6.2.2)."""
        if not self.state.synchronized or (self._rcvq is not None and self._rcvq.fin_received):
            return  # after the peer's FIN no more data comes: a window update would be noise
        grown = self.rcv_wnd - self._last_adv
        half = self.config.rcv_buffer // 2
        small = self._last_adv < self.mss  # the peer may be stuck probing a closed window
        if grown >= min(self.mss if small else 2 * self.mss, half):
            self._ack_now = True


__all__ = ["Arrivals", "DEFAULT_PEER_MSS", "OUT_OF_WINDOW_ACK_INTERVAL"]
