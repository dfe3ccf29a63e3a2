"""Narration: one or two sentences per step that say why, with numbers that add up."""

from __future__ import annotations

import re

import pytest
import viewtraces as vt
from hypothesis import given, settings
from hypothesis import strategies as st

from tcpedu import scenarios
from tcpedu.errors import ParameterError
from tcpedu.model.segment import Flags, Segment
from tcpedu.model.states import State
from tcpedu.reading.timeline import Timeline
from tcpedu.trace import Host, SegmentDelivered, SegmentSent, Trace
from tcpedu.views.narrate import Narrator, narrate


def step_saying(texts: list[str], fragment: str) -> str:
    hits = [t for t in texts if fragment in t]
    assert hits, f"no step says {fragment!r}"
    return hits[0]


def test_syn_ack_explains_the_plus_one_in_absolute_numbers() -> None:
    texts = narrate(vt.handshake(), relative=False)
    step_saying(texts, "ACK = 1001 = 1000 + 1: a SYN consumes one sequence number")
    step_saying(texts, "ACK = 5001 = 5000 + 1: a SYN consumes one sequence number")
    step_saying(texts, "seq=1000 is client's initial sequence number (ISN)")


def test_relative_numbers_start_at_zero_and_say_what_is_on_the_wire() -> None:
    texts = narrate(vt.handshake())
    step_saying(texts, "ACK = 1 = 0 + 1: a SYN consumes one sequence number")
    step_saying(texts, "on the wire it is 1000")


def test_state_changes_name_the_edge_and_the_rfc_section() -> None:
    texts = narrate(vt.teardown())
    step_saying(texts, "Server: ESTABLISHED → CLOSE-WAIT (rcv FIN / snd ACK; RFC 9293 §3.10.7.4)")
    step_saying(texts, "can still send what it has left")
    step_saying(texts, "Client: FIN-WAIT-2 → TIME-WAIT")
    step_saying(texts, "in case its last ACK was lost")
    step_saying(texts, "ACK = 2 = 1 + 1: a FIN consumes one sequence number")


def test_loss_story_duplicate_acks_buffering_and_the_filled_hole() -> None:
    texts = narrate(vt.transfer_with_loss())
    step_saying(texts, "The network loses PSH,ACK seq=1 len=100 from client")
    step_saying(texts, "It arrived out of order: byte 1 is still missing, so it is buffered")
    step_saying(texts, "This repeats ACK = 1 (a duplicate ACK): bytes from 101 arrived")
    step_saying(texts, "retransmission timer fires")
    step_saying(texts, "This is a retransmission: bytes from 1 were sent before")
    step_saying(texts, "It fills the hole: bytes up to 300 are now in order")
    step_saying(texts, "ACK = 301: the hole is filled, so the cumulative ACK now covers")


def test_data_ack_is_seq_plus_length_and_unchanged_ack_is_explained() -> None:
    texts = narrate(vt.bulk(3))
    step_saying(texts, "ACK = 1001 = 1 + 1000: the received SEQ plus the payload size")
    step_saying(texts, "ACK = 2001 = 1001 + 1000")
    step_saying(texts, "seq=1 is the ACK number client last received")
    step_saying(texts, "It is the next data in order, so it goes to the application")


def test_a_capture_is_narrated_without_deliveries() -> None:
    texts = narrate(vt.as_capture(vt.transfer_with_loss()))
    step_saying(texts, "ACK = 1 = 0 + 1: a SYN consumes one sequence number")
    step_saying(texts, "This repeats ACK = 1 (a duplicate ACK)")
    assert not any("receives" in t for t in texts)


def test_lost_syn_is_found_only_by_the_timer_and_resent_as_the_same_syn() -> None:
    texts = narrate(scenarios.run("syn_loss"))
    lost = step_saying(texts, "The network loses SYN")
    assert "only when its retransmission timer fires" in lost and "duplicate" not in lost
    step_saying(texts, "This is a retransmission: the same SYN was sent before")


def test_zero_window_closes_and_opens_again() -> None:
    texts = narrate(scenarios.run("zero_window"))
    closed = step_saying(texts, "Window = 0")
    assert "win=0" in closed
    step_saying(texts, "The window opens again")
    step_saying(texts, "persist timer fires")


def test_forged_segment_is_called_forged() -> None:
    texts = narrate(scenarios.run("hijack"))
    step_saying(texts, "It is forged with client's address")


@pytest.mark.parametrize("name", sorted(scenarios.SCENARIOS))
def test_every_step_of_every_scenario_is_narrated(name: str) -> None:
    trace = scenarios.run(name)
    texts = narrate(trace)
    assert len(texts) == len(Timeline(trace))
    for text in texts:
        assert text and "None" not in text and "{" not in text
    # Every "ACK = a = b + c" sum is right.
    for text in texts:
        for a, b, c, fin in re.findall(r"ACK = (\d+) = (\d+) \+ (\d+)( \+ 1 \(FIN\))?", text):
            assert int(a) == (int(b) + int(c) + (1 if fin else 0)) % 2**32, text


def test_absolute_numbers_wrap_in_the_wraparound_scenario() -> None:
    texts = narrate(scenarios.run("wraparound"), relative=False)
    wrapped = step_saying(texts, "modulo 2**32")
    a, b, c = map(int, re.search(r"ACK = (\d+) = (\d+) \+ (\d+)", wrapped).groups())
    assert a == (b + c) % 2**32 and b + c >= 2**32
    assert not any(int(n) >= 2**32 for t in texts for n in re.findall(r"\d{10,}", t))


def test_one_step_or_all_and_clear_errors() -> None:
    trace = vt.handshake()
    assert narrate(trace, 2) == narrate(trace)[2]
    assert narrate(trace, -1) == narrate(trace)[-1]
    with pytest.raises(ParameterError, match="outside"):
        narrate(trace, 999)
    with pytest.raises(ParameterError, match="Trace"):
        narrate("a handshake")
    with pytest.raises(ParameterError, match="integer"):
        Narrator(trace)("2")


@settings(max_examples=40, deadline=None)
@given(isn=st.integers(0, 2**32 - 1), sizes=st.lists(st.integers(1, 1460), min_size=1,
                                                      max_size=6))
def test_each_ack_of_in_order_data_is_seq_plus_length(isn: int, sizes: list[int]) -> None:
    trace = Trace({"client": Host("client", "10.0.0.1", 40000),
                   "server": Host("server", "10.0.0.2", 80)})
    t, sid = 0.0, 0

    def wire(src: str, seg: Segment) -> None:
        nonlocal t, sid
        sid += 1
        trace.add(SegmentSent(t, sid, src, "server" if src == "client" else "client", seg))
        t += 0.01
        trace.add(SegmentDelivered(t, sid))

    wire("client", Segment(40000, 80, isn, 0, Flags.SYN))
    wire("server", Segment(80, 40000, 7, (isn + 1) % 2**32, Flags.SYN | Flags.ACK))
    seq = (isn + 1) % 2**32
    for size in sizes:
        wire("client", Segment(40000, 80, seq, 8, Flags.PSH | Flags.ACK, payload=b"x" * size))
        seq = (seq + size) % 2**32
        wire("server", Segment(80, 40000, 8, seq, Flags.ACK))
    texts = narrate(trace, relative=False)
    acks = [t for t in texts if t.startswith("Server sends ACK")]
    assert len(acks) == len(sizes)
    for text in acks:
        a, b, c = map(int, re.search(r"ACK = (\d+) = (\d+) \+ (\d+)", text).groups())
        assert a == (b + c) % 2**32
        assert ("modulo 2**32" in text) == (b + c >= 2**32)


def test_states_after_each_step_follow_the_trace() -> None:
    trace = vt.teardown()
    tl = Timeline(trace)
    assert tl.states_at(-1) == {"client": State.CLOSED, "server": State.CLOSED}
    assert tl.states_at(len(tl) - 1) == {"client": State.CLOSED, "server": State.CLOSED}
    seen = {tl.states_at(i)["client"] for i in range(len(tl))}
    assert State.TIME_WAIT in seen and State.FIN_WAIT_2 in seen


def test_a_lost_pure_ack_is_not_said_to_be_found_by_a_timer() -> None:
    """A pure ACK is never retransmitted (RFC 9293 §3.8.1 retransmits what consumes sequence
    space); narration must not say a retransmission timer finds it."""
    from tcpedu.model.endpoint import Config
    from tcpedu.sim.network import DropNth, Network

    net = Network.pair(Config(isn=100), Config(isn=300),
                       rules=[DropNth(src="client", kind="ack", n=1)])
    net.at(0.0, "server", "listen")
    net.at(0.0, "client", "connect")
    texts = narrate(net.run(until=5.0))
    lost = step_saying(texts, "The network loses")
    assert "never retransmitted" in lost and "timer fires" not in lost


def test_time_wait_re_ack_is_narrated_as_the_peers_fin_again_not_as_data() -> None:
    texts = narrate(scenarios.run("teardown", order="lost-final-ack"))
    again = step_saying(texts, "the peer's FIN came again")
    assert "data that arrived" not in again
    ignored = step_saying(texts, "retransmitted FIN in TIME-WAIT")
    assert "ignores" not in ignored
