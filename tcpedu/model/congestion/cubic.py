"""CUBIC (RFC 9438): the window grows as a cubic function of the time since the last loss.

Slow start, fast retransmit/recovery and the timeout's loss window are Reno's (RFC 9438 §4.1
keeps them); CUBIC changes the multiplicative decrease (β = 0.7, §4.6), the growth in congestion
avoidance (§4.2-4.5, with the Reno-friendly region of §4.3) and remembers W_max with fast
convergence (§4.7). Windows are computed in segments, as the RFC writes them, and kept in bytes.
"""

from __future__ import annotations

from .base import LossKind, loss_kind
from .reno import Reno

#: RFC 9438 §5: C = 0.4 (segments / s^3) and β_cubic = 0.7.
C = 0.4
BETA = 0.7
#: §4.3: α_cubic = 3 (1 - β) / (1 + β), Reno-friendly additive increase.
ALPHA = 3 * (1 - BETA) / (1 + BETA)


class Cubic(Reno):
    """CUBIC congestion control (RFC 9438), Linux's default."""

    name = "cubic"

    def __init__(self, mss: int, initial_cwnd: int | None = None) -> None:
        super().__init__(mss, initial_cwnd)
        self.w_max = 0.0          # segments: the window just before the last reduction
        self.k = 0.0              # seconds until the cubic reaches w_max again
        self.epoch: float | None = None   # when this congestion-avoidance stage began
        self.w_est = 0.0          # segments: the Reno-friendly estimate (§4.3)
        self.cwnd_epoch = 0.0     # segments: cwnd when the epoch began
        self.rtt = 0.1            # seconds: the latest RTT sample (for W_cubic(t + RTT))

    def on_rtt_sample(self, rtt: float, now: float) -> None:
        self.rtt = rtt

    def w_cubic(self, t: float) -> float:
        """RFC 9438 eq. 1: W_cubic(t) = C (t - K)^3 + W_max, in segments."""
        return C * (t - self.k) ** 3 + self.w_max

    def _start_epoch(self, now: float) -> None:
        mss = self.mss
        self.epoch = now
        self.cwnd_epoch = self.cwnd / mss
        self.w_est = self.cwnd_epoch
        if self.w_max < self.cwnd_epoch:
            self.w_max = self.cwnd_epoch  # no loss seen yet, or the window grew past W_max
        # RFC 9438 eq. 2: K = cubic_root((W_max - cwnd_epoch) / C).
        self.k = ((self.w_max - self.cwnd_epoch) / C) ** (1 / 3)

    def congestion_avoidance(self, acked: int, now: float) -> None:
        if self.epoch is None:
            self._start_epoch(now)
        mss = self.mss
        cwnd = self.cwnd / mss
        segments = acked / mss
        # §4.3: the Reno-friendly estimate grows by α_cubic per window of ACKed segments.
        self.w_est += ALPHA * segments / cwnd
        t = now - self.epoch  # type: ignore[operator]
        if self.w_cubic(t) < self.w_est:
            target = self.w_est  # Reno-friendly region (§4.3)
        else:
            # §4.4-4.5: aim for W_cubic(t + RTT), clamped to [cwnd, 1.5 cwnd].
            target = min(max(self.w_cubic(t + self.rtt), cwnd), 1.5 * cwnd)
            target = cwnd + (target - cwnd) / cwnd * segments
        new = int(target * mss)
        if new > self.cwnd:
            self.cwnd = new

    def reduced_ssthresh(self, flight: int, now: float) -> int:
        """§4.6 ssthresh = cwnd · β_cubic; §4.7 fast convergence lowers W_max if the window shrank."""
        mss = self.mss
        cwnd = self.cwnd / mss
        if cwnd < self.w_max:
            self.w_max = cwnd * (1 + BETA) / 2  # fast convergence (§4.7)
        else:
            self.w_max = cwnd
        self.epoch = None
        # During fast recovery cwnd is inflated by the duplicate ACKs: use the flight then
        # (§4.6 allows flight_size in place of cwnd).
        base = min(self.cwnd, flight) if self.in_recovery else self.cwnd
        return max(int(base * BETA), 2 * mss)

    def on_loss(self, kind: LossKind | str, flight: int, now: float) -> None:
        kind = loss_kind(kind)
        super().on_loss(kind, flight, now)
        if kind is LossKind.DUPACK:
            self.cwnd = self.ssthresh + 3 * self.mss

    def on_repeated_timeout(self, now: float) -> None:
        super().on_repeated_timeout(now)
        self.epoch = None
