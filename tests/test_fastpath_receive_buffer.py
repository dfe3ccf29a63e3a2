"""``ReassemblyQueue.add_next`` is ``add``'s in-order case for a caller that knows there is no
gap: both queues must end alike whatever arrives (out of order, duplicates, a FIN first)."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from tcpedu.model.receive_buffer import ReassemblyQueue

BASE = 2**32 - 40  # wraps around within the test's offsets


@given(st.lists(st.tuples(st.integers(0, 120), st.integers(0, 30), st.booleans()), max_size=30))
@settings(max_examples=400, deadline=None)
def test_add_next_equals_add_when_nothing_is_held(arrivals: list[tuple[int, int, bool]]) -> None:
    plain, fast = ReassemblyQueue(BASE), ReassemblyQueue(BASE)
    used = 0
    for offset, size, fin in arrivals:
        seq = (BASE + offset) & 0xFFFFFFFF
        data = bytes(range(offset, offset + size)) if offset + size <= 256 else b"x" * size
        got = plain.add(seq, data, fin)
        if seq == fast.rcv_nxt and data and not fin and not fast.ooo_bytes:
            assert got == (data, fast.add_next(len(data)))
            used += 1
        else:
            assert fast.add(seq, data, fin) == got
        assert (fast.rcv_nxt, fast.ranges(), fast.fin_received, fast.ooo_bytes) == (
            plain.rcv_nxt, plain.ranges(), plain.fin_received, plain.ooo_bytes)
        assert fast.sack_blocks() == plain.sack_blocks()


def test_add_next_reaches_a_fin_that_came_first() -> None:
    q = ReassemblyQueue(100)
    assert q.add(110, b"", True) == (b"", False) and not q.ooo_bytes
    assert q.add_next(10) is True and q.rcv_nxt == 111 and q.fin_received
