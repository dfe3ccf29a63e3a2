"""TCP Reno with NewReno's partial-ACK rule (RFC 5681, RFC 6582), and "none" (flow control only)."""

from __future__ import annotations

from .base import UNLIMITED, CongestionControl, LossKind, initial_window, loss_kind


class NoCongestionControl(CongestionControl):
    """Flow control only: the sender is limited by the receiver's window, never by the network."""

    name = "none"

    def __init__(self, mss: int, initial_cwnd: int | None = None) -> None:
        super().__init__(mss, initial_cwnd)
        self.cwnd = UNLIMITED


class Reno(CongestionControl):
    """TCP Reno with NewReno's partial-ACK rule: slow start, congestion avoidance, fast recovery."""

    name = "reno"

    def __init__(self, mss: int, initial_cwnd: int | None = None) -> None:
        super().__init__(mss, initial_cwnd)
        self._explicit_iw = initial_cwnd is not None
        self._ca_acked = 0  # bytes acked since cwnd last grew in congestion avoidance

    def set_mss(self, mss: int) -> None:
        if self.mss != mss:
            # Keep the initial window's segment count for the MSS the handshake settled on.
            self.cwnd = (self.cwnd // self.mss) * mss if self._explicit_iw else initial_window(mss)
        self.mss = mss

    @property
    def slow_start(self) -> bool:
        """True while cwnd < ssthresh (RFC 5681 §3.1)."""
        return self.cwnd < self.ssthresh

    def on_ack(self, acked: int, now: float) -> None:
        if self.cwnd < self.ssthresh:
            # Slow start: grow by at most one MSS per ACK (RFC 5681 eq. 2).
            mss = self.mss
            self.cwnd += acked if acked < mss else mss  # min(acked, mss), without the call
        else:
            self.congestion_avoidance(acked, now)

    def congestion_avoidance(self, acked: int, now: float) -> None:
        """About one MSS per RTT, counted in bytes (RFC 5681 §3.1)."""
        self._ca_acked += acked
        if self._ca_acked >= self.cwnd:
            self._ca_acked -= self.cwnd
            self.cwnd += self.mss

    def on_dup_ack(self, now: float) -> None:
        if self.in_recovery:
            self.cwnd += self.mss  # RFC 5681 §3.2 step 4: inflate for each segment that left

    def reduced_ssthresh(self, flight: int, now: float) -> int:
        """The slow-start threshold after a loss: half the flight (RFC 5681 eq. 4)."""
        return max(flight // 2, 2 * self.mss)

    def on_loss(self, kind: LossKind | str, flight: int, now: float) -> None:
        kind = loss_kind(kind)
        self.ssthresh = self.reduced_ssthresh(flight, now)
        self._ca_acked = 0
        if kind is LossKind.DUPACK:
            self.cwnd = self.ssthresh + 3 * self.mss  # RFC 5681 §3.2 step 2-3
            self.in_recovery = True
        else:
            self.cwnd = self.mss  # loss window (RFC 5681 §3.1)
            self.in_recovery = False

    def on_repeated_timeout(self, now: float) -> None:
        self.cwnd = self.mss
        self._ca_acked = 0
        self.in_recovery = False

    def on_partial_ack(self, acked: int, now: float) -> None:
        # RFC 6582 §3.2 step 5: deflate by the amount acked, add back one MSS if that much was acked.
        self.cwnd = max(self.cwnd - acked + (self.mss if acked >= self.mss else 0), self.mss)

    def on_recovery_end(self, flight: int, now: float) -> None:
        # RFC 6582 §3.2 step 6, option 1: min(ssthresh, FlightSize + SMSS).
        self.cwnd = min(self.ssthresh, max(flight, self.mss) + self.mss)
        self.in_recovery = False
