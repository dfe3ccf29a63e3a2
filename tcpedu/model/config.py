"""How an endpoint behaves: :class:`Config`, frozen, every field checked against one table."""

from __future__ import annotations

from dataclasses import dataclass, fields
from typing import Any

from ..errors import ParameterError
from .congestion import CONTROLLERS
from .isn import ISN_MODES

__all__ = ["Config", "RECEIVERS"]

#: Receiver behaviours: ``"tcp"`` buffers out-of-order data; ``"gbn"`` (Go-Back-N) discards it.
RECEIVERS = ("tcp", "gbn")


def _positive(v: Any) -> bool:
    return isinstance(v, (int, float)) and not isinstance(v, bool) and v > 0


def _optional_positive(v: Any) -> bool:
    return v is None or _positive(v)


def _count(v: Any) -> bool:
    return isinstance(v, int) and not isinstance(v, bool) and v >= 0


def _flag(v: Any) -> bool:
    return isinstance(v, bool)


# field -> (check, what a good value looks like). Config.__post_init__ walks this table.
_CONFIG_RULES: dict[str, tuple[Any, str]] = {
    "mss": (lambda v: _count(v) and 1 <= v <= 65495, "an integer in 1..65495"),
    "rcv_buffer": (lambda v: _count(v) and 1 <= v <= 1 << 30, "an integer in 1..2**30"),
    "isn": (lambda v: v is None or (_count(v) and v < 1 << 32), "None or an integer in 0..2**32-1"),
    "isn_mode": (lambda v: v in ISN_MODES, "one of " + ", ".join(ISN_MODES)),
    "seed": (lambda v: isinstance(v, (int, str)) and not isinstance(v, bool), "an int or str"),
    "rto_initial": (_positive, "a positive number of seconds"),
    "rto_min": (_positive, "a positive number of seconds"),
    "rto_max": (lambda v: _positive(v) and v >= 60,
                "a number of seconds >= 60 (RFC 6298 §2.5: a maximum, if any, of at least 60 s)"),
    "clock_granularity": (lambda v: _positive(v) or v == 0, "a number of seconds >= 0"),
    "max_retries": (lambda v: _count(v) and v >= 1, "an integer >= 1"),
    "syn_retries": (lambda v: v is None or (_count(v) and v >= 1), "None or an integer >= 1"),
    "syn_timeout": (_positive, "a positive number of seconds (RFC 1122 §4.2.3.5: at least 180)"),
    "delayed_ack": (lambda v: v is None or (_positive(v) and v <= 0.5),
                    "None or seconds in (0, 0.5] (RFC 9293 §3.8.6.3)"),
    "sack": (_flag, "True or False"),
    "wscale": (lambda v: v is None or (_count(v) and v <= 14), "None or an integer in 0..14"),
    "msl": (_positive, "a positive number of seconds"),
    "receiver": (lambda v: v in RECEIVERS, "one of " + ", ".join(RECEIVERS)),
    "congestion": (lambda v: v in CONTROLLERS, "one of the registered controllers"),
    "initial_cwnd": (lambda v: v is None or (_count(v) and 1 <= v <= 1000),
                     "None or a number of segments in 1..1000"),
    "challenge_ack": (_flag, "True or False"),
    "challenge_ack_limit": (lambda v: _count(v) and v >= 1,
                            "an integer >= 1 (challenge ACKs per second, RFC 5961 §7)"),
    "send_buffer": (lambda v: v is None or (_count(v) and v >= 1), "None or an integer >= 1"),
    "app_read_rate": (_optional_positive, "None or a positive number of bytes per second"),
    "dupack_threshold": (lambda v: _count(v) and v >= 1, "an integer >= 1"),
    "secret": (lambda v: v is None or (isinstance(v, bytes) and 1 <= len(v) <= 64),
               "None or 1..64 bytes"),
    "nodelay": (_flag, "True or False"),
    "sws_override": (_positive, "a positive number of seconds (RFC 9293 §3.8.6.2.1: 0.1-1 s)"),
}


@dataclass(frozen=True, slots=True)
class Config:
    """How an endpoint behaves. Frozen; bad values raise ParameterError naming the field.

    Times are seconds of the caller's clock. ``initial_cwnd`` counts segments (None: RFC 5681's
    initial window). ISNs: ``isn`` fixes the initial sequence number (for teaching); otherwise
    ``isn_mode`` picks ``"rfc6528"`` (the default: a 4 µs clock plus a keyed hash of the
    connection's addresses, keyed by ``secret`` or, when None, by a key drawn from ``seed`` and
    the endpoint's name, so a run is reproducible) or ``"random"`` (seeded, by explicit choice).
    ``nodelay`` turns Nagle's algorithm off (RFC 9293 §3.7.4, on by default with Minshall's
    refinement as in Linux: a short segment waits while an earlier short one is unacknowledged;
    like ``TCP_NODELAY``). ``sws_override`` is the sender's silly-window override timeout.
    ``syn_timeout`` is how long SYNs are retried before giving up (RFC 9293 §3.8.3 MUST-23,
    RFC 1122 §4.2.3.5: at least 3 minutes; a lecture may configure less); ``syn_retries``, if
    set, also caps the number of retransmissions. ``app_read_rate`` (bytes/s) makes the
    application read slowly so the window can close; ``Endpoint.pause_reading()`` does the same
    by hand.
    """

    mss: int = 1460
    rcv_buffer: int = 65535
    isn: int | None = None
    isn_mode: str = "rfc6528"
    seed: int | str = 0
    rto_initial: float = 1.0
    rto_min: float = 1.0
    rto_max: float = 60.0
    clock_granularity: float = 0.001
    max_retries: int = 15
    syn_retries: int | None = None
    syn_timeout: float = 180.0
    delayed_ack: float | None = None
    sack: bool = False
    wscale: int | None = None
    msl: float = 30.0
    receiver: str = "tcp"
    congestion: str = "reno"
    initial_cwnd: int | None = None
    challenge_ack: bool = True
    challenge_ack_limit: int = 1000
    send_buffer: int | None = None
    app_read_rate: float | None = None
    dupack_threshold: int = 3
    secret: bytes | None = None
    nodelay: bool = False
    sws_override: float = 0.2

    def __post_init__(self) -> None:
        for f in fields(self):
            check, wanted = _CONFIG_RULES[f.name]
            value = getattr(self, f.name)
            if not check(value):
                raise ParameterError(f"Config {f.name}={value!r}: expected {wanted}")
        if self.rto_min > self.rto_max:
            raise ParameterError(f"Config rto_min={self.rto_min} is above rto_max={self.rto_max}")
        if self.isn_mode == "fixed" and self.isn is None:
            raise ParameterError("Config isn_mode='fixed' needs isn=<an integer in 0..2**32-1>")
