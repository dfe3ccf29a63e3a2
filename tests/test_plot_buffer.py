"""The receive-buffer view's data: what a receiver holds, worked out from the segments that
reached it, checked against a byte-by-byte model for random arrival orders and losses."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from tcpedu.model.segment import Flags, Segment
from tcpedu.reading.timeline import Timeline
from tcpedu.trace import Host, SegmentDelivered, SegmentDropped, SegmentSent, Trace

ISN = 4_294_960_000  # close to 2**32: numbering must survive the wrap


def _ranges(covered: list[bool], start: int) -> list[tuple[int, int]]:
    out, i = [], start
    while i < len(covered):
        if covered[i]:
            j = i
            while j < len(covered) and covered[j]:
                j += 1
            out.append((i, j))
            i = j
        else:
            i += 1
    return out


@settings(max_examples=60, deadline=None)
@given(sizes=st.lists(st.integers(1, 300), min_size=1, max_size=8), data=st.data())
def test_buffer_matches_a_byte_model(sizes: list[int], data: st.DataObject) -> None:
    order = data.draw(st.permutations(range(len(sizes))))
    lost = data.draw(st.sets(st.sampled_from(range(len(sizes)))))
    trace = Trace({"client": Host("client", "10.0.0.1", 40000),
                   "server": Host("server", "10.0.0.2", 80)})
    trace.add(SegmentSent(0.0, 1, "client", "server", Segment(40000, 80, ISN, 0, Flags.SYN)))
    trace.add(SegmentDelivered(0.01, 1))
    offsets = [sum(sizes[:i]) for i in range(len(sizes))]
    t, sid = 0.02, 1
    for i in order:
        sid += 1
        seq = (ISN + 1 + offsets[i]) % 2**32
        seg = Segment(40000, 80, seq, 1, Flags.PSH | Flags.ACK, payload=b"x" * sizes[i])
        trace.add(SegmentSent(t, sid, "client", "server", seg))
        t += 0.01
        trace.add(SegmentDropped(t, sid) if i in lost else SegmentDelivered(t, sid))
        t += 0.01
    buf = Timeline(trace).receive_buffer("server", -1)
    covered = [False] * (1 + sum(sizes))  # index = relative sequence number
    for i in set(range(len(sizes))) - lost:
        for b in range(offsets[i], offsets[i] + sizes[i]):
            covered[1 + b] = True
    nxt = 1
    while nxt < len(covered) and covered[nxt]:
        nxt += 1
    assert buf.first == 1
    assert buf.rcv_nxt == nxt
    assert list(buf.ooo) == _ranges(covered, nxt)
    held = sum(hi - lo for lo, hi in buf.ooo) + (buf.rcv_nxt - buf.first)
    assert held == sum(sizes[i] for i in set(range(len(sizes))) - lost)
    for lo, hi in buf.holes:
        assert not any(covered[lo:hi])
