"""32-bit sequence-number arithmetic (RFC 9293 §3.4), safe across wraparound.

Sequence numbers live on a circle of 2**32 values. ``a`` is "before" ``b`` when the
short way round from ``a`` to ``b`` goes forward, i.e. when ``(b - a) mod 2**32`` is in
``1 .. 2**31 - 1``.
"""

from __future__ import annotations

SEQ_SPACE = 1 << 32
_MASK = SEQ_SPACE - 1
_HALF = HALF = 1 << 31


def seq_add(a: int, n: int) -> int:
    """``a + n`` on the sequence circle."""
    return (a + n) & _MASK


def seq_diff(a: int, b: int) -> int:
    """Signed distance ``a - b`` on the circle, in ``-2**31 .. 2**31 - 1``."""
    d = (a - b) & _MASK
    return d - SEQ_SPACE if d >= _HALF else d


def seq_lt(a: int, b: int) -> bool:
    """``a`` comes strictly before ``b``."""
    return (a - b) & _MASK >= _HALF  # seq_diff(a, b) < 0, without the call (a hot path)


def seq_le(a: int, b: int) -> bool:
    """``a`` comes before ``b`` or equals it."""
    d = (a - b) & _MASK
    return d == 0 or d >= _HALF


def seq_gt(a: int, b: int) -> bool:
    """``a`` comes strictly after ``b``."""
    return 0 < (a - b) & _MASK < _HALF


def seq_ge(a: int, b: int) -> bool:
    """``a`` comes after ``b`` or equals it."""
    return (a - b) & _MASK < _HALF


def seq_max(a: int, b: int) -> int:
    """The later of two sequence numbers."""
    return a if seq_ge(a, b) else b


def seq_min(a: int, b: int) -> int:
    """The earlier of two sequence numbers."""
    return a if seq_le(a, b) else b


def seq_in_window(x: int, start: int, size: int) -> bool:
    """``start <= x < start + size`` on the circle (an empty window holds nothing)."""
    return ((x - start) & _MASK) < size


def seq_between(lo: int, x: int, hi: int) -> bool:
    """``lo <= x <= hi`` on the circle, e.g. RFC 9293's ``SND.UNA < SEG.ACK =< SND.NXT`` test."""
    return ((x - lo) & _MASK) <= ((hi - lo) & _MASK)


def relative(x: int, base: int) -> int:
    """``x`` counted from ``base`` (Wireshark's relative numbers), ``0 .. 2**32 - 1``."""
    return (x - base) & _MASK
