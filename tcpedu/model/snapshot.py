"""An endpoint's connection variables at one moment: a plain value the model hands out and a
Trace records (:mod:`tcpedu.trace` imports it from here; the model imports nothing above it)."""

from __future__ import annotations

from dataclasses import dataclass

from .fastinit import quick_init
from .states import State

__all__ = ["Snapshot"]


@quick_init
@dataclass(frozen=True, slots=True)
class Snapshot:
    """``node``'s connection variables (RFC 9293 §3.3.1 names) after something changed them.

    ``ooo`` lists out-of-order byte ranges held in the receive buffer as ``(start, end)`` sequence
    numbers, end exclusive.
    """

    time: float
    node: str
    state: State
    iss: int
    irs: int | None
    snd_una: int
    snd_nxt: int
    snd_wnd: int
    rcv_nxt: int | None
    rcv_wnd: int
    cwnd: int
    ssthresh: int
    srtt: float | None
    rto: float
    ooo: tuple[tuple[int, int], ...] = ()
    bytes_delivered: int = 0
