"""Loss recovery apart from the connection (as aioquic's ``recovery.py``): RTT timing with Karn's
rule (RFC 6298), duplicate-ACK counting and fast retransmit/recovery (RFC 5681 §3.2, NewReno
RFC 6582), the SACK scoreboard (RFC 2018) with RFC 6675's ``pipe``, and what a timeout does
(RFC 6298 §5, RFC 5681 §3.1). It decides *what* to resend; the endpoint builds the segments.
The congestion controller (:mod:`tcpedu.model.congestion`) is told what happened.
"""

from __future__ import annotations

from .congestion import CongestionControl, LossKind
from .rto import RttEstimator
from .seq import HALF, SEQ_SPACE, seq_add, seq_diff, seq_ge, seq_gt, seq_lt

__all__ = ["LossRecovery"]

#: RFC 6298 §5.7: the RTO used once data flows after a SYN (or SYN,ACK) timed out.
RTO_AFTER_SYN_TIMEOUT = 3.0

_DUPACK, _TIMEOUT = LossKind.DUPACK, LossKind.TIMEOUT
_MASK, _HALF = SEQ_SPACE - 1, HALF

Hole = tuple[int, int]  # (first sequence number, length)


class LossRecovery:
    """The sender's loss-recovery variables and rules for one connection."""

    __slots__ = ("cc", "rtt", "mss", "sack", "dupack_threshold", "dupacks", "recover",
                 "scoreboard", "high_rxt", "rtt_seq", "rtt_start", "syn_timed_out")

    def __init__(self, cc: CongestionControl, rtt: RttEstimator, mss: int,
                 dupack_threshold: int = 3) -> None:
        self.cc = cc
        self.rtt = rtt
        self.mss = mss
        self.sack = False
        self.dupack_threshold = dupack_threshold
        self.dupacks = 0
        self.recover: int | None = None   # RFC 6582 "recover": SND.MAX when recovery began
        self.scoreboard: list[tuple[int, int]] = []  # SACKed ranges above SND.UNA, merged
        self.high_rxt = 0                 # RFC 6675 HighRxt: the highest byte resent
        self.rtt_seq: int | None = None   # the ACK that ends the segment being timed
        self.rtt_start = 0.0
        self.syn_timed_out = False

    # -- RTT timing (RFC 6298, Karn) -------------------------------------------------------
    def time_segment(self, end: int, now: float) -> None:
        """Start timing a segment sent for the first time, ending at ``end``."""
        self.rtt_seq, self.rtt_start = end, now

    def take_sample(self, ack: int, now: float) -> None:
        """Take the RTT sample if ``ack`` covers the timed segment."""
        rtt_seq = self.rtt_seq
        if rtt_seq is not None and (ack - rtt_seq) & _MASK < _HALF:  # seq_ge(ack, rtt_seq)
            rtt = now - self.rtt_start
            self.rtt.sample(rtt)
            self.cc.on_rtt_sample(rtt, now)
            self.rtt_seq = None

    def handshake_done(self) -> None:
        """RFC 6298 §5.7: after a SYN timed out, data starts with an RTO of 3 s."""
        if self.syn_timed_out:
            self.rtt.restart_at(RTO_AFTER_SYN_TIMEOUT)
            self.syn_timed_out = False

    # -- ACKs ------------------------------------------------------------------------------
    def on_new_ack(self, now: float, ack: int, acked: int, data_acked: int, snd_max: int,
                   ) -> Hole | None:
        """SND.UNA advanced to ``ack``; returns a hole to resend at once (NewReno/SACK), if any.
        A hot path (once per new ACK): sequence comparisons are inline."""
        rtt_seq = self.rtt_seq
        if rtt_seq is not None and (ack - rtt_seq) & _MASK < _HALF:  # take_sample, inline
            self.take_sample(ack, now)
        self.dupacks = 0
        cc = self.cc
        resend = None
        if cc.in_recovery:
            recover = self.recover
            if recover is not None and seq_ge(ack, recover):
                cc.on_recovery_end(seq_diff(snd_max, ack), now)
            elif self.sack:
                self._prune(ack)  # RFC 6675: the endpoint then sends what pipe allows
                if seq_lt(self.high_rxt, ack):
                    self.high_rxt = ack
            else:
                cc.on_partial_ack(acked, now)  # NewReno (RFC 6582 §3.2 step 5)
                if seq_ge(ack, self.high_rxt):
                    resend = (ack, self.mss)
        elif data_acked:
            cc.on_ack(data_acked, now)
        if self.scoreboard:
            self._prune(ack)
        if (self.high_rxt - ack) & _MASK >= _HALF:  # seq_lt(self.high_rxt, ack)
            self.high_rxt = ack
        return resend

    def on_dup_ack(self, now: float, una: int, snd_max: int, flight: int) -> Hole | None:
        """A duplicate ACK (RFC 5681 §2); returns the segment fast retransmit resends, if any."""
        self.dupacks += 1
        cc = self.cc
        if cc.in_recovery:
            if not self.sack:
                cc.on_dup_ack(now)  # RFC 5681 §3.2 step 4 (SACK uses pipe instead, RFC 6675)
            return None
        if self.dupacks != self.dupack_threshold:
            return None
        if self.recover is not None and seq_lt(una, self.recover):
            return None  # RFC 6582 §3.2 step 2: no new recovery for losses of the previous window
        self.recover = snd_max
        cc.on_loss(_DUPACK, flight, now)
        if self.sack:
            cc.cwnd = cc.ssthresh  # RFC 6675 §5 step 4.2: no inflation, pipe counts instead
        self.rtt_seq = None
        self.high_rxt = seq_add(una, self.mss)
        return una, self.mss

    # -- timeouts --------------------------------------------------------------------------
    def on_timeout(self, now: float, snd_max: int, flight: int, repeated: bool) -> None:
        """The retransmission timer expired with data outstanding (RFC 6298 §5.4-5.6)."""
        if repeated:
            self.cc.on_repeated_timeout(now)  # RFC 5681 §3.1: ssthresh is not halved again
        else:
            self.cc.on_loss(_TIMEOUT, flight, now)
        self.recover = snd_max  # RFC 6582 §3.2 step 1 after a timeout
        self.dupacks = 0
        self.scoreboard.clear()  # RFC 2018 §8: forget SACK information after a timeout

    def back_off(self, syn: bool) -> None:
        """Double the RTO and stop timing (Karn); remember a SYN timeout for RFC 6298 §5.7."""
        self.rtt.back_off()
        self.rtt_seq = None
        if syn:
            self.syn_timed_out = True

    # -- SACK scoreboard (RFC 2018 blocks received from the peer) ---------------------------
    def update_scoreboard(self, blocks: tuple[tuple[int, int], ...], una: int,
                          snd_max: int) -> None:
        """Merge the peer's SACK blocks that lie between SND.UNA and SND.MAX."""
        top = seq_diff(snd_max, una)
        rel = [(seq_diff(s, una), seq_diff(e, una)) for s, e in self.scoreboard]
        for s, e in blocks:
            a, b = seq_diff(s, una), seq_diff(e, una)
            if 0 <= a < b <= top:
                rel.append((a, b))
        rel.sort()
        merged: list[tuple[int, int]] = []
        for a, b in rel:
            if merged and a <= merged[-1][1]:
                if b > merged[-1][1]:
                    merged[-1] = (merged[-1][0], b)
            else:
                merged.append((a, b))
        self.scoreboard = [(seq_add(una, a), seq_add(una, b)) for a, b in merged]

    def _prune(self, una: int) -> None:
        self.scoreboard = [(s if seq_gt(s, una) else una, e)
                           for s, e in self.scoreboard if seq_gt(e, una)]

    def next_hole(self, una: int) -> Hole | None:
        """The first not-yet-resent gap below the highest SACKed byte: (start, length)."""
        start = self.high_rxt if seq_gt(self.high_rxt, una) else una
        for s, e in self.scoreboard:
            if seq_lt(start, s):
                return start, min(seq_diff(s, start), self.mss)
            if seq_lt(start, e):
                start = e
        return None

    def pipe(self, una: int, snd_max: int) -> int:
        """RFC 6675 §4 SetPipe: bytes thought to be in the network.

        Every byte from SND.UNA to SND.MAX counts, except SACKed ones and ones deemed lost
        (IsLost: more than (DupThresh - 1) SMSS SACKed above them); lost bytes already resent
        (below HighRxt) count again.
        """
        total = seq_diff(snd_max, una)
        board = self.scoreboard
        if not board:
            return total
        sizes = [seq_diff(e, s) for s, e in board]
        sacked_above = sum(sizes)
        pipe = total - sacked_above
        threshold = (self.dupack_threshold - 1) * self.mss
        high_rxt = self.high_rxt
        start = una
        for (s, e), size in zip(board, sizes, strict=True):
            if seq_lt(start, s):
                hole = seq_diff(s, start)
                if sacked_above > threshold:
                    pipe -= hole  # a lost hole
                if seq_gt(high_rxt, start):
                    pipe += min(seq_diff(high_rxt, start), hole)  # resent: in the network again
            sacked_above -= size
            start = e
        return pipe

    def sack_sends(self, una: int, snd_max: int) -> list[Hole]:
        """RFC 6675 §5 (C): holes to resend while ``cwnd - pipe >= 1 SMSS``."""
        cwnd = self.cc.cwnd
        mss = self.mss
        out = []
        while cwnd - self.pipe(una, snd_max) >= mss:
            hole = self.next_hole(una)
            if hole is None:
                if self.scoreboard or not seq_lt(una, snd_max) or seq_lt(una, self.high_rxt):
                    break
                hole = (una, mss)  # no SACK news: the first unSACKed segment (NextSeg rule 3)
            out.append(hole)
            self.high_rxt = seq_add(hole[0], hole[1])
        return out

    def pipe_reduction(self, una: int, snd_max: int) -> int:
        """How much less than the flight the network holds, during SACK recovery (else 0)."""
        if self.sack and self.cc.in_recovery and self.scoreboard:
            return seq_diff(snd_max, una) - self.pipe(una, snd_max)
        return 0
