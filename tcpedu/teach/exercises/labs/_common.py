"""Helpers the lab definitions share: drawing variant numbers and reading facts from a Trace."""

from __future__ import annotations

import random
from collections.abc import Callable

from ....errors import TcpeduError
from ....model.seq import SEQ_SPACE
from ....trace import SegmentDelivered, SegmentDropped, SegmentSent, Trace

#: ISNs are drawn away from 0 so that relative and absolute answers can never be confused.
ISN_MARGIN = 1 << 22


def draw_isn(rng: random.Random) -> int:
    """A random ISN for a variant (a full 32-bit value, far from 0 modulo 2**32)."""
    return rng.randrange(ISN_MARGIN, SEQ_SPACE - ISN_MARGIN)


def end_of(sent: SegmentSent) -> int:
    """The sequence number just after what ``sent`` occupies (SEG.SEQ + SEG.LEN)."""
    return (sent.segment.seq + sent.segment.seg_len) % SEQ_SPACE


def find(trace: Trace, what: str, where: Callable[[SegmentSent], bool]) -> SegmentSent:
    """The first segment on the wire matching ``where`` (a TcpeduError naming ``what`` if none)."""
    for sent in trace.segments():
        if where(sent):
            return sent
    raise TcpeduError(f"the lab's scenario produced no {what}; the model may have changed")


def data_from(trace: Trace, src: str) -> list[SegmentSent]:
    """Segments carrying payload sent by ``src``, in order (retransmissions included)."""
    return [s for s in trace.segments(src) if s.segment.payload]


def dropped_ids(trace: Trace) -> set[int]:
    """Ids of the segments the network lost."""
    return {r.id for r in trace.of_type(SegmentDropped)}


def delivery_times(trace: Trace) -> dict[int, float]:
    """When each delivered segment arrived, by id."""
    return {r.id: r.time for r in trace.of_type(SegmentDelivered)}


def rel(value: int, base: int) -> int:
    """``value`` counted from ``base`` (the relative numbers Wireshark shows)."""
    return (value - base) % SEQ_SPACE


def plural(n: int, word: str) -> str:
    return f"{n} {word}{'' if n == 1 else 's'}"

