"""Segments leaving: what the windows allow (RFC 9293 §3.8.6), Nagle's algorithm (§3.7.4),
sender silly-window avoidance (§3.8.6.2.1), SYNs, retransmissions and owed ACKs.

A mixin of :class:`tcpedu.model.endpoint.Endpoint`; the connection variables live there.
"""

from __future__ import annotations

from ._common import (
    ACK_STATES,
    F_ACK,
    F_FIN_ACK,
    F_FIN_PSH_ACK,
    F_PSH_ACK,
    F_SYN,
    F_SYN_ACK,
    FIN_STATES,
    MASK,
    NO_OPTIONS,
    SENDING_STATES,
)
from .events import Retransmitted
from .fastinit import maker
from .segment import Flags, Options, Segment
from .seq import HALF, seq_add, seq_diff, seq_gt, seq_lt

__all__ = ["Sending"]

#: Segment's positional factory, without its field checks: every segment ``_emit`` builds has
#: ports checked by the Endpoint, sequence numbers masked to 32 bits, a window clamped to 16 bits,
#: Flags and bytes (the property tests check what goes on the wire).
_segment = maker(Segment)


class Sending:
    """Building and sending segments; the state lives on the Endpoint."""

    __slots__ = ()

    def _ack_sent(self) -> None:
        """A segment carrying our ACK left: no ACK is owed, none is delayed (a delayed-ACK timer
        is only armed with a segment unacknowledged)."""
        self._ack_now = False
        if self._unacked_segs:
            self._unacked_segs = 0
            if "delayed-ack" in self._timers:
                self._cancel("delayed-ack")

    def _window_field(self) -> int:
        """The window field of a segment sent now: the free receive buffer, scaled, at most 16
        bits (remembered as the window last advertised)."""
        shift = self.rcv_wscale
        window = (self.config.rcv_buffer - len(self._unread)) >> shift
        if window > 0xFFFF:
            window = 0xFFFF
        self._last_adv = window << shift
        return window

    def _emit(self, seq: int, flags: Flags, payload: bytes = b"",
              options: Options = NO_OPTIONS) -> None:
        """Queue one outgoing segment with the ACK bit (``flags`` has it: every segment but a RST
        or a SYN, which are built where they are sent) and the receive window; it carries the
        ACK owed, so no delayed ACK is pending after it. A hot path (once per segment sent)."""
        if self.sack_enabled and self._rcvq.ooo_bytes:  # agreed on SYNs: the queue exists
            options = Options(sack=self._rcvq.sack_blocks())
        window = self._window_field()
        self._out.append(_segment(self.local_port, self.remote_port, seq, self.rcv_nxt, flags,
                                  window, options, payload, 0))
        self._ack_sent()

    def _send_syn(self, now: float, ack: bool) -> None:
        """Send (or resend) our SYN or SYN,ACK; its window is never scaled (RFC 7323 §2.2)."""
        cfg = self.config
        if ack:
            peer = self._syn_options
            options = Options(mss=cfg.mss,
                              wscale=cfg.wscale if peer.wscale is not None else None,
                              sack_permitted=cfg.sack and peer.sack_permitted)
        else:
            options = Options(mss=cfg.mss, wscale=cfg.wscale, sack_permitted=cfg.sack)
        self._out.append(Segment(self.local_port, self.remote_port, self.iss,
                                 self.rcv_nxt if ack else 0, F_SYN_ACK if ack else F_SYN,
                                 min(cfg.rcv_buffer, 0xFFFF), options))
        self._ack_now = False
        first = self.snd_max == self.iss
        self.snd_nxt = self.snd_max = seq_add(self.iss, 1)
        if first:
            self.recovery.time_segment(self.snd_nxt, now)
        else:
            self.recovery.rtt_seq = None  # Karn: an ACK of a resent SYN is ambiguous
        self._arm("rto", now + self.rtt.rto)

    def _output(self, now: float) -> None:
        """Send what the windows allow, then a bare ACK if one is owed (RFC 9293 §3.8.6)."""
        state = self.state  # sending data never changes the state
        if state in SENDING_STATES:
            if self._sndbuf.size or self._fin_queued:
                self._send_data(now)
            elif "persist" in self._timers:  # nothing to send (a receiver's common case)
                self._cancel("persist")
        if self._ack_now and state in ACK_STATES:
            # A bare ACK carries the next *new* sequence number, even while going back after a
            # timeout (as BSD does): SND.NXT may point into already-sent data then.
            self._emit(self.snd_max, F_ACK)

    def _send_data(self, now: float) -> None:
        """Send queued data and the FIN as far as the windows allow.

        A documented hot path (once per arriving ACK of a transfer), so it reads plain
        attributes and ints. New data obeys sender silly-window avoidance (§3.8.6.2.1: send a
        full segment, everything queued, or at least half the largest window the peer offered;
        else wait for the override timer) and Nagle's algorithm (§3.7.4, with Minshall's
        refinement as in Linux: a short segment waits while an earlier short one is
        unacknowledged; ``Config.nodelay`` turns it off). In SACK recovery the flight is
        RFC 6675's pipe.
        """
        buf = self._sndbuf  # not empty, or our FIN is queued (``_output`` checked)
        una = self.snd_una
        if una == self.iss:
            return  # nothing may follow a SYN that is not acknowledged yet
        mss = self.mss
        cc = self.cc
        wnd = self.snd_wnd
        cwnd = cc.cwnd
        if cwnd < wnd:
            wnd = cwnd  # min(SND.WND, cwnd), without min()'s call
        # What the windows leave past the flight (in SACK recovery RFC 6675's pipe counts, not
        # the flight: ``reduction`` is how much less than the flight it is).
        room = wnd + (self.recovery.pipe_reduction(una, self.snd_max) if cc.in_recovery else 0)
        buf_seq = self._buf_seq
        nxt = self.snd_nxt
        sent = waiting = False
        while True:
            off = (nxt - buf_seq) & MASK  # never negative once the SYN is acknowledged
            avail = buf.size - off
            if avail > 0:
                usable = room - ((nxt - una) & MASK)
                if usable <= 0:
                    break
                if mss < avail and mss <= usable and nxt == self.snd_max:
                    # Full segments of new data, short of the end of what is queued, as many
                    # as the window takes: the steps below would send each as it is.
                    count = (usable if usable < avail else avail - 1) // mss
                    nxt = self._send_run(now, nxt, off, count)
                    sent = True
                    if usable == count * mss:
                        break  # the window is full (as the next round would find)
                    continue
                n = mss if mss < avail else avail
                if usable < n:
                    if usable < self.max_snd_wnd >> 1:
                        waiting = True  # silly-window avoidance: wait for a fuller window
                        break
                    n = usable
                elif n < mss and not self.config.nodelay and self._nagle_holds(nxt, una):
                    break  # Nagle: a short segment waits for the earlier short one's ACK
                nxt = self._send_new(now, nxt, off, n)
                sent = True
                continue
            if self._fin_queued and avail == 0 and self.state in FIN_STATES:
                self._send_fin(nxt)
                sent = True
            break
        timers = self._timers
        if "rto" not in timers or not self.snd_wnd or waiting or "persist" in timers:
            self._after_send(now, sent, waiting)  # else it would arm or cancel nothing

    def _nagle_holds(self, nxt: int, una: int) -> bool:
        """New short data waits while an earlier short segment is unacknowledged."""
        small = self._small_end
        return nxt == self.snd_max and small is not None and seq_gt(small, una)

    def _send_new(self, now: float, nxt: int, off: int, n: int) -> int:
        """One data segment of ``n`` bytes at ``nxt`` (new, or resent after going back); the last
        bytes queued carry PSH, and our FIN if it is queued (a hot path: once per segment).
        Returns the new SND.NXT."""
        buf = self._sndbuf
        end = off + n
        new_nxt = data_end = (nxt + n) & MASK
        if end != buf.size:
            flags = F_ACK
        elif self._fin_queued and self.state in FIN_STATES:
            flags = F_FIN_PSH_ACK
            new_nxt = (data_end + 1) & MASK
        else:
            flags = F_PSH_ACK
        snd_max = self.snd_max
        if nxt != snd_max and (nxt - snd_max) & MASK >= HALF:  # seq_lt(nxt, snd_max)
            self._events.append(Retransmitted(nxt, self._rexmit_reason))
        elif self.recovery.rtt_seq is None:
            self.recovery.time_segment(data_end, now)
        if n < self.mss:
            self._small_end = data_end
        self._emit(nxt, flags, buf.slice(off, end))
        self.snd_nxt = new_nxt
        ahead = (new_nxt - snd_max) & MASK
        if 0 < ahead < HALF:  # seq_gt(new_nxt, snd_max)
            self.bytes_sent += ahead
            self.snd_max = new_nxt
        return new_nxt

    def _send_run(self, now: float, nxt: int, off: int, count: int) -> int:
        """``count`` full-sized segments of new data from ``nxt`` = SND.MAX (``off`` in the send
        buffer), none reaching the end of what is queued. A documented hot path (most data
        segments of a transfer), kept in step with :meth:`_send_new` and :meth:`_emit` for
        each segment, which reduce to this: no PSH or FIN, nothing resent, the first one timed
        if none is, the same window field and SACK blocks for all, the owed ACK settled once.
        Returns the new SND.NXT (and SND.MAX)."""
        mss = self.mss
        if self.recovery.rtt_seq is None:
            self.recovery.time_segment((nxt + mss) & MASK, now)
        options = NO_OPTIONS
        if self.sack_enabled and self._rcvq.ooo_bytes:
            options = Options(sack=self._rcvq.sack_blocks())
        window = self._window_field()
        out = self._out
        local_port, remote_port, rcv_nxt = self.local_port, self.remote_port, self.rcv_nxt
        for payload in self._sndbuf.slices(off, mss, count):
            out.append(_segment(local_port, remote_port, nxt, rcv_nxt, F_ACK, window, options,
                                payload, 0))
            nxt = (nxt + mss) & MASK
        self.snd_nxt = self.snd_max = nxt
        self.bytes_sent += count * mss
        self._ack_sent()
        return nxt

    def _send_fin(self, nxt: int) -> None:
        if seq_lt(nxt, self.snd_max):
            self._events.append(Retransmitted(nxt, self._rexmit_reason))
        self._emit(nxt, F_FIN_ACK)
        self.snd_nxt = seq_add(nxt, 1)
        if seq_gt(self.snd_nxt, self.snd_max):
            self.snd_max = self.snd_nxt

    def _after_send(self, now: float, sent: bool, waiting: bool) -> None:
        """Arm the retransmission, persist or silly-window override timer as the case needs."""
        timers = self._timers
        if sent and "rto" not in timers:
            self._arm("rto", now + self.rtt.rto)
        if self.snd_wnd == 0:
            if ("persist" not in timers and "rto" not in timers
                    and (self.unsent > 0 or self.snd_max != self.snd_una)):
                self._arm("persist", now + self._persist_interval())
            return
        if waiting and self.snd_max == self.snd_una:
            # Nothing outstanding will bring an ACK: the override timeout sends what the small
            # window allows (§3.8.6.2.1, fourth case).
            if "persist" not in timers:
                self._arm("persist", now + self.config.sws_override)
            return
        if "persist" in timers:
            self._cancel("persist")
            self._persist_backoff = 0
        if self.snd_max != self.snd_una and "rto" not in timers:
            self._arm("rto", now + self.rtt.rto)  # e.g. a probe byte still unacknowledged

    def _send_override(self, now: float) -> None:
        """The silly-window override timeout: send what the small window allows now."""
        una = self.snd_una
        nxt = self.snd_nxt
        off = seq_diff(nxt, self._buf_seq)
        usable = min(self.snd_wnd, self.cc.cwnd) - seq_diff(nxt, una)
        n = min(len(self._sndbuf) - off, usable, self.mss)
        if n > 0:
            self._send_new(now, nxt, off, n)
            if "rto" not in self._timers:
                self._arm("rto", now + self.rtt.rto)

    def _retransmit(self, now: float, seq: int, limit: int, reason: str) -> None:
        """Resend up to ``limit`` bytes (at most one MSS) starting at ``seq``."""
        off = seq_diff(seq, self._buf_seq)
        sent_data_end = min(seq_diff(self.snd_max, self._buf_seq), len(self._sndbuf))
        n = max(min(self.mss, limit, sent_data_end - off), 0)
        fin_sent = self._fin_queued and seq_gt(self.snd_max, self._fin_seq)
        fin = fin_sent and off + n == len(self._sndbuf)
        if n == 0 and not fin:
            return
        self._events.append(Retransmitted(seq, reason))
        self.recovery.rtt_seq = None
        if off + n == len(self._sndbuf):
            flags = F_FIN_PSH_ACK if fin else F_PSH_ACK
        else:
            flags = F_FIN_ACK if fin else F_ACK
        self._emit(seq, flags, self._sndbuf.slice(off, off + n))
        if "rto" not in self._timers:
            self._arm("rto", now + self.rtt.rto)



