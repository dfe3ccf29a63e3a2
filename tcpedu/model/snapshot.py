"""An endpoint's connection variables at one moment: a plain value the model hands out and a
Trace records (:mod:`tcpedu.trace` imports it from here; the model imports nothing above it)."""

from __future__ import annotations

from typing import NamedTuple

from .states import State

__all__ = ["Snapshot"]


class Snapshot(NamedTuple):
    """``node``'s connection variables (RFC 9293 §3.3.1 names) after something changed them.

    ``ooo`` lists out-of-order byte ranges held in the receive buffer as ``(start, end)`` sequence
    numbers, end exclusive.

    A named tuple (immutable, fields by name), not a dataclass like the other records: the
    simulator records one after nearly every event an endpoint handles, and builds it in one step
    from ``(time, node) + Endpoint.snapshot_values()``.
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
