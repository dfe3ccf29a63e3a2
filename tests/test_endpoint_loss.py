"""Loss recovery: RTO (RFC 6298), Karn's rule, backoff, fast retransmit, NewReno partial ACKs."""

from __future__ import annotations

import pytest
from pair import ConnectionPair

from tcpedu.model.endpoint import Config
from tcpedu.model.events import ConnectionClosed, Retransmitted, StateChange
from tcpedu.model.rto import RttEstimator
from tcpedu.model.states import State


def _pair(**client) -> ConnectionPair:
    cfg = {"isn": 1000, "mss": 100, "rto_initial": 1.0, "rto_min": 1.0} | client
    pair = ConnectionPair(Config(**cfg), Config(isn=5000), delay=0.05)
    pair.connect()
    pair.run()
    return pair


def _resent(pair: ConnectionPair) -> list[tuple[int, str]]:
    return [(e.seq, e.reason) for e in pair.events["client"] if isinstance(e, Retransmitted)]


def _times_sent(pair: ConnectionPair, seq: int) -> list[float]:
    return [t for t, a, n, s in pair.wire.log
            if a == "sent" and n == "client" and s.seq == seq and s.payload]


def test_rto_estimator_follows_rfc6298_formulas():
    est = RttEstimator(rto_initial=1.0, rto_min=0.1, rto_max=60.0, granularity=0.001)
    assert est.rto == 1.0 and est.srtt is None
    est.sample(0.2)
    assert est.srtt == 0.2 and est.rttvar == 0.1 and est.rto == pytest.approx(0.6)
    est.sample(0.4)
    assert est.rttvar == pytest.approx(0.75 * 0.1 + 0.25 * 0.2)
    assert est.srtt == pytest.approx(0.875 * 0.2 + 0.125 * 0.4)
    assert est.rto == pytest.approx(est.srtt + 4 * est.rttvar)


def test_rto_is_clamped_to_the_configured_minimum_and_maximum():
    est = RttEstimator(rto_initial=1.0, rto_min=1.0, rto_max=4.0)
    est.sample(0.01)
    assert est.rto == 1.0
    for _ in range(5):
        est.back_off()
    assert est.rto == 4.0 and est.backoffs == 5


def test_lost_tail_segment_is_resent_when_the_rto_expires():
    pair = _pair()
    start = pair.now
    pair.drop("client", when=lambda s: bool(s.payload))
    pair.send("client", b"only one")
    pair.run()
    assert _resent(pair) == [(1001, "rto")]
    times = _times_sent(pair, 1001)
    assert times[1] - times[0] == pytest.approx(pair.client.rtt.rto_min) and times[0] == start
    assert pair.received["server"] == b"only one"


def test_rto_backs_off_exponentially_while_the_loss_repeats():
    pair = _pair()
    pair.drop("client", count=3, when=lambda s: bool(s.payload))
    pair.send("client", b"x")
    pair.run()
    times = _times_sent(pair, 1001)
    gaps = [round(b - a, 6) for a, b in zip(times, times[1:], strict=False)]
    assert gaps == [1.0, 2.0, 4.0]
    assert pair.received["server"] == b"x"


def test_karns_rule_takes_no_rtt_sample_from_a_retransmitted_segment():
    pair = _pair()
    assert pair.client.srtt == pytest.approx(0.1)  # measured on the SYN
    pair.drop("client", when=lambda s: bool(s.payload))
    pair.send("client", b"x")
    pair.run()
    assert pair.client.srtt == pytest.approx(0.1)  # the 1.1 s ACK was not sampled
    pair.send("client", b"y")
    pair.run()
    assert pair.client.srtt == pytest.approx(0.1)  # a fresh segment samples 0.1 again
    assert pair.client.rto == pytest.approx(1.0)


def test_karns_rule_ignores_a_retransmitted_syn():
    pair = ConnectionPair(Config(isn=1, rto_initial=1.0), Config(isn=2), delay=0.05)
    pair.drop("client")
    pair.connect()
    assert pair.client.srtt is None


def test_retransmission_gives_up_after_max_retries():
    pair = _pair(max_retries=3)
    pair.drop("client", count=100, when=lambda s: bool(s.payload))
    pair.send("client", b"doomed")
    pair.run()
    assert pair.client.state is State.CLOSED
    assert ConnectionClosed("timed out") in pair.events["client"]
    last = [e for e in pair.events["client"] if isinstance(e, StateChange)][-1]
    assert last.trigger == "retransmission limit" and last.rfc == "§3.8.3"
    assert len(_times_sent(pair, 1001)) == 4


def test_three_duplicate_acks_trigger_fast_retransmit():
    pair = _pair(initial_cwnd=10)
    pair.drop("client", when=lambda s: s.seq == 1201)
    pair.send("client", b"f" * 800)
    pair.run(until=pair.now + 0.2)
    assert _resent(pair) == [(1201, "fast")]
    times = _times_sent(pair, 1201)
    assert times[1] - times[0] < pair.client.rto  # well before any timeout
    assert pair.client.ssthresh == 300  # half of the 600 bytes in flight from the hole on
    pair.run()
    assert pair.received["server"] == b"f" * 800


def test_two_duplicate_acks_are_not_enough():
    pair = _pair(initial_cwnd=10)
    pair.drop("client", when=lambda s: s.seq == 1201)
    pair.send("client", b"f" * 400)  # only two segments follow the hole
    pair.run()
    assert _resent(pair) == [(1201, "rto")]


def test_newreno_partial_ack_resends_the_next_hole_without_a_timeout():
    pair = _pair(initial_cwnd=10)
    pair.drop("client", count=2, when=lambda s: s.seq in (1201, 1501) and len(s.payload) > 0)
    pair.send("client", b"n" * 1000)
    pair.run()
    assert _resent(pair) == [(1201, "fast"), (1501, "fast")]
    assert pair.received["server"] == b"n" * 1000
    assert not pair.client.in_recovery


def test_recovery_ends_on_the_ack_covering_recover():
    pair = _pair(initial_cwnd=10)
    pair.drop("client", when=lambda s: s.seq == 1201)
    pair.send("client", b"f" * 1000)
    pair.run(until=pair.now + 0.12)
    assert pair.client.in_recovery and pair.client.recover == 2001
    pair.run()
    assert not pair.client.in_recovery
    assert pair.client.ssthresh == 400
    # RFC 6582 §3.2 step 6: min(ssthresh, max(FlightSize, SMSS) + SMSS), nothing left in flight.
    assert pair.client.cwnd == 200


def test_timeout_collapses_cwnd_to_one_segment_and_goes_back():
    pair = _pair(initial_cwnd=4)
    pair.drop("client", count=4, when=lambda s: bool(s.payload))
    pair.send("client", b"g" * 400)
    pair.run(until=pair.now + 1.01)
    assert pair.client.cwnd == 100 and pair.client.ssthresh == 200
    assert _resent(pair) == [(1001, "rto")]
    pair.run()
    assert pair.received["server"] == b"g" * 400


def test_a_second_timeout_of_the_same_segment_keeps_ssthresh_rfc5681_3_1():
    """RFC 5681 §3.1 (and §7): ssthresh is set from the flight on the first timeout only; when
    the same segment times out again cwnd stays at the loss window and ssthresh is kept."""
    pair = _pair(initial_cwnd=8)
    pair.drop("client", count=9, when=lambda s: bool(s.payload))
    pair.send("client", b"h" * 800)
    pair.run(until=pair.now + 1.01)
    first = pair.client.ssthresh
    assert first == 400 and pair.client.cwnd == 100
    pair.run(until=pair.now + 2.0)  # the retransmission is lost and times out again
    assert len(_times_sent(pair, 1001)) == 3
    assert pair.client.ssthresh == first and pair.client.cwnd == 100
    pair.run()
    assert pair.received["server"] == b"h" * 800


def _bytes_in_network(pair: ConnectionPair) -> int:
    """Client payload bytes sent and not yet delivered or dropped: what the wire holds now."""
    held = 0
    for _, action, src, seg in pair.wire.log:
        if src == "client" and seg.payload:
            held += len(seg.payload) if action == "sent" else -len(seg.payload)
    return held


def test_sack_recovery_keeps_the_network_within_cwnd_even_with_duplicated_acks_rfc6675_5():
    """RFC 6675 §5 and RFC 5681 §3.2: in SACK recovery hole retransmissions are sent only while
    cwnd - pipe >= 1 SMSS. ACKs duplicated by the network bring no news, so they must not clock
    out more segments: the bytes in the network stay within cwnd (= ssthresh in recovery)."""
    pair = ConnectionPair(Config(isn=1000, mss=100, initial_cwnd=30, sack=True),
                          Config(isn=5000, sack=True), delay=0.05)
    pair.connect()
    pair.run()
    lost = {1001 + 100 * i for i in (0, 2, 4, 6, 8, 10, 12)}
    pair.drop("client", count=len(lost), when=lambda s: s.seq in lost and bool(s.payload))
    pair.duplicate("server", count=10**6, when=lambda s: not s.payload)
    pair.send("client", b"z" * 9000)
    recovering = []
    while pair.step():
        if pair.client.in_recovery:
            recovering.append(_bytes_in_network(pair) - pair.client.ssthresh)
    assert recovering and max(recovering) <= 0
    assert pair.received["server"] == b"z" * 9000
