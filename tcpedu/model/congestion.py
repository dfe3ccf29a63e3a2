"""Congestion control behind a small interface: Reno (RFC 5681 + RFC 6582) and "none".

The endpoint decides *when* something happened (a new ACK, a duplicate ACK, a loss found by
three duplicate ACKs or by a timeout, a partial ACK during recovery); the controller decides what
that does to ``cwnd`` and ``ssthresh``. Sizes are in bytes.
"""

from __future__ import annotations

from ..errors import ParameterError

#: A window too large to ever limit sending (the "none" controller).
UNLIMITED = 1 << 31


def initial_window(mss: int) -> int:
    """RFC 5681 §3.1 initial window: 2, 3 or 4 segments depending on the MSS."""
    if mss > 2190:
        return 2 * mss
    if mss > 1095:
        return 3 * mss
    return 4 * mss


class CongestionControl:
    """Base class: holds ``cwnd``/``ssthresh``/``in_recovery`` and never changes them."""

    name = "base"

    def __init__(self, mss: int, initial_cwnd: int | None = None) -> None:
        if mss <= 0:
            raise ParameterError(f"mss={mss!r} must be a positive number of bytes")
        self.mss = mss
        self.cwnd = initial_cwnd if initial_cwnd is not None else initial_window(mss)
        self.ssthresh = UNLIMITED
        self.in_recovery = False

    def set_mss(self, mss: int) -> None:
        """The effective MSS became known (after the handshake): rescale the initial window."""
        self.mss = mss

    def on_ack(self, acked: int, now: float) -> None:
        """``acked`` new bytes were cumulatively acknowledged outside recovery."""

    def on_dup_ack(self, now: float) -> None:
        """A further duplicate ACK arrived during fast recovery."""

    def on_loss(self, kind: str, flight: int, now: float) -> None:
        """Loss detected: ``kind`` is ``"fast"`` (3 duplicate ACKs) or ``"rto"`` (timeout)."""

    def on_partial_ack(self, acked: int, now: float) -> None:
        """During recovery, an ACK covered ``acked`` new bytes but not everything (RFC 6582)."""

    def on_recovery_end(self, flight: int, now: float) -> None:
        """A full ACK ended fast recovery."""
        self.in_recovery = False


class NoCongestionControl(CongestionControl):
    """Flow control only: the sender is limited by the receiver's window, never by the network."""

    name = "none"

    def __init__(self, mss: int, initial_cwnd: int | None = None) -> None:
        super().__init__(mss, initial_cwnd)
        self.cwnd = UNLIMITED

    def on_loss(self, kind: str, flight: int, now: float) -> None:
        self.in_recovery = kind == "fast"


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
            self.cwnd += min(acked, self.mss)
        else:
            # Congestion avoidance: about one MSS per RTT, counted in bytes (RFC 5681 §3.1).
            self._ca_acked += acked
            if self._ca_acked >= self.cwnd:
                self._ca_acked -= self.cwnd
                self.cwnd += self.mss

    def on_dup_ack(self, now: float) -> None:
        if self.in_recovery:
            self.cwnd += self.mss  # RFC 5681 §3.2 step 4: inflate for each segment that left

    def on_loss(self, kind: str, flight: int, now: float) -> None:
        self.ssthresh = max(flight // 2, 2 * self.mss)  # RFC 5681 eq. 4
        self._ca_acked = 0
        if kind == "fast":
            self.cwnd = self.ssthresh + 3 * self.mss
            self.in_recovery = True
        else:
            self.cwnd = self.mss  # loss window (RFC 5681 §3.1)
            self.in_recovery = False

    def on_partial_ack(self, acked: int, now: float) -> None:
        # RFC 6582 §3.2 step 5: deflate by the amount acked, add back one MSS if that much was acked.
        self.cwnd = max(self.cwnd - acked + (self.mss if acked >= self.mss else 0), self.mss)

    def on_recovery_end(self, flight: int, now: float) -> None:
        # RFC 6582 §3.2 step 6, option 1: min(ssthresh, FlightSize + SMSS).
        self.cwnd = min(self.ssthresh, max(flight, self.mss) + self.mss)
        self.in_recovery = False


#: Controllers by the name ``Config.congestion`` uses.
CONTROLLERS: dict[str, type[CongestionControl]] = {"reno": Reno, "none": NoCongestionControl}


def make_controller(name: str, mss: int, initial_cwnd: int | None = None) -> CongestionControl:
    """A fresh controller by name; ParameterError for an unknown name."""
    try:
        cls = CONTROLLERS[name]
    except KeyError:
        raise ParameterError(
            f"congestion={name!r} is not known; choose one of {', '.join(CONTROLLERS)}") from None
    return cls(mss, initial_cwnd)
