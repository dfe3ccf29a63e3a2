"""The congestion controller's interface and the registry of controllers by name.

The endpoint's loss recovery (:mod:`tcpedu.model.recovery`) decides *when* something happened (a
new ACK, a duplicate ACK, a loss found by duplicate ACKs or by a timeout, a partial ACK during
recovery); the controller decides what that does to ``cwnd`` and ``ssthresh``. Sizes are in bytes.
Controllers register by name (as aioquic's ``congestion/base.py`` does), and ``Config.congestion``
picks one: ``register_congestion_control("mine", Mine)``.
"""

from __future__ import annotations

import enum

from ...errors import ParameterError

#: A window too large to ever limit sending (the "none" controller).
UNLIMITED = 1 << 31


class LossKind(str, enum.Enum):
    """How a loss was found: by duplicate ACKs (RFC 5681 §3.2) or by the retransmission timer
    (RFC 6298 §5, RFC 5681 §3.1)."""

    DUPACK = "dupack"
    TIMEOUT = "timeout"

    def __str__(self) -> str:
        return self.value


def loss_kind(kind: LossKind | str) -> LossKind:
    """``kind`` as a :class:`LossKind`; ParameterError for anything else."""
    try:
        return LossKind(kind)
    except ValueError:
        raise ParameterError(f"loss kind {kind!r} is not known; choose one of "
                             + ", ".join(k.value for k in LossKind)) from None


def initial_window(mss: int) -> int:
    """RFC 5681 §3.1 initial window: 2, 3 or 4 segments depending on the MSS."""
    if mss > 2190:
        return 2 * mss
    if mss > 1095:
        return 3 * mss
    return 4 * mss


class CongestionControl:
    """Base class: holds ``cwnd``/``ssthresh``/``in_recovery``; subclasses override the hooks.

    The base class is a valid controller that never changes the window (its hooks do nothing
    except leave and enter recovery).
    """

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

    def on_rtt_sample(self, rtt: float, now: float) -> None:
        """A round-trip time was measured (Karn's rule already applied)."""

    def on_dup_ack(self, now: float) -> None:
        """A further duplicate ACK arrived during fast recovery."""

    def on_loss(self, kind: LossKind | str, flight: int, now: float) -> None:
        """A loss was found (``kind``: a :class:`LossKind`) with ``flight`` bytes outstanding."""
        self.in_recovery = loss_kind(kind) is LossKind.DUPACK

    def on_repeated_timeout(self, now: float) -> None:
        """The same segment timed out again: back to the loss window, ssthresh unchanged
        (RFC 5681 §3.1: ssthresh is not halved again for a segment already retransmitted)."""

    def on_partial_ack(self, acked: int, now: float) -> None:
        """During recovery, an ACK covered ``acked`` new bytes but not everything (RFC 6582)."""

    def on_recovery_end(self, flight: int, now: float) -> None:
        """A full ACK ended fast recovery."""
        self.in_recovery = False


#: Controllers by the name ``Config.congestion`` uses.
CONTROLLERS: dict[str, type[CongestionControl]] = {}


def register_congestion_control(name: str, cls: type[CongestionControl]) -> None:
    """Make ``cls`` available as ``Config(congestion=name)``."""
    if not (isinstance(cls, type) and issubclass(cls, CongestionControl)):
        raise ParameterError(f"{cls!r} is not a CongestionControl subclass")
    CONTROLLERS[name] = cls


def make_controller(name: str, mss: int, initial_cwnd: int | None = None) -> CongestionControl:
    """A fresh controller by name; ParameterError for an unknown name."""
    try:
        cls = CONTROLLERS[name]
    except KeyError:
        raise ParameterError(
            f"congestion={name!r} is not known; choose one of {', '.join(CONTROLLERS)}") from None
    return cls(mss, initial_cwnd)
