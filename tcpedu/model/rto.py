"""The retransmission timeout estimator of RFC 6298 (SRTT, RTTVAR, backoff)."""

from __future__ import annotations


class RttEstimator:
    """Keeps SRTT/RTTVAR and the current RTO; samples must obey Karn's rule (the caller's job)."""

    __slots__ = ("rto_initial", "rto_min", "rto_max", "granularity", "srtt", "rttvar", "rto",
                 "backoffs")

    def __init__(self, rto_initial: float = 1.0, rto_min: float = 1.0, rto_max: float = 60.0,
                 granularity: float = 0.001) -> None:
        self.rto_initial = rto_initial
        self.rto_min = rto_min
        self.rto_max = rto_max
        self.granularity = granularity
        self.srtt: float | None = None
        self.rttvar: float | None = None
        self.rto = min(max(rto_initial, rto_min), rto_max)
        self.backoffs = 0

    def sample(self, rtt: float) -> None:
        """Fold one round-trip measurement in (RFC 6298 §2.2-2.3) and clear any backoff."""
        if self.srtt is None or self.rttvar is None:
            self.srtt = rtt
            self.rttvar = rtt / 2
        else:
            self.rttvar = 0.75 * self.rttvar + 0.25 * abs(self.srtt - rtt)
            self.srtt = 0.875 * self.srtt + 0.125 * rtt
        # min(max(SRTT + max(G, 4 * RTTVAR), rto_min), rto_max), without the calls (once per
        # sample; each picks as min and max do: the first argument unless the other is beyond).
        k = 4 * self.rttvar
        g = self.granularity
        rto = self.srtt + (k if k > g else g)
        if self.rto_min > rto:
            rto = self.rto_min
        if self.rto_max < rto:
            rto = self.rto_max
        self.rto = rto
        self.backoffs = 0

    def back_off(self) -> None:
        """Double the RTO after a timeout (RFC 6298 §5.5), up to ``rto_max``."""
        self.rto = min(self.rto * 2, self.rto_max)
        self.backoffs += 1

    def restart_at(self, rto: float) -> None:
        """Set the RTO to at least ``rto`` with no backoff (RFC 6298 §5.7 after a SYN timeout)."""
        if self.srtt is None:  # no sample yet (Karn's rule refused the handshake's)
            self.rto = min(max(rto, self.rto_min), self.rto_max)
        self.backoffs = 0
