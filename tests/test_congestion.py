"""Congestion control: Reno (RFC 5681, RFC 6582), CUBIC (RFC 9438), "none", and the registry."""

from __future__ import annotations

import pytest
from pair import ConnectionPair

from tcpedu.errors import ParameterError
from tcpedu.model.congestion import (
    UNLIMITED,
    LossKind,
    NoCongestionControl,
    Reno,
    initial_window,
    make_controller,
)
from tcpedu.model.endpoint import Config


@pytest.mark.parametrize("mss, segments", [(536, 4), (1095, 4), (1460, 3), (2190, 3), (4000, 2)])
def test_initial_window_follows_rfc5681(mss, segments):
    assert initial_window(mss) == segments * mss


def test_slow_start_grows_one_mss_per_ack_then_avoidance_one_mss_per_window():
    cc = Reno(100)
    cc.ssthresh = 600
    assert cc.cwnd == 400 and cc.slow_start
    cc.on_ack(100, 0.0)
    cc.on_ack(500, 0.0)  # one ACK grows slow start by at most one MSS
    assert cc.cwnd == 600 and not cc.slow_start
    for _ in range(5):
        cc.on_ack(100, 0.0)
    assert cc.cwnd == 600
    cc.on_ack(100, 0.0)  # a full window of bytes acked: +1 MSS
    assert cc.cwnd == 700


def test_fast_loss_halves_and_inflates_then_deflates():
    cc = Reno(100, initial_cwnd=1000)
    cc.on_loss(LossKind.DUPACK, flight=1000, now=0.0)
    assert cc.ssthresh == 500 and cc.cwnd == 800 and cc.in_recovery
    cc.on_dup_ack(0.0)
    assert cc.cwnd == 900
    cc.on_partial_ack(300, 0.0)
    assert cc.cwnd == 900 - 300 + 100
    cc.on_recovery_end(flight=200, now=0.0)
    assert cc.cwnd == 300 and not cc.in_recovery


def test_timeout_drops_cwnd_to_one_segment():
    cc = Reno(100, initial_cwnd=1000)
    cc.on_loss(LossKind.TIMEOUT, flight=1000, now=0.0)
    assert cc.cwnd == 100 and cc.ssthresh == 500 and not cc.in_recovery


def test_ssthresh_never_falls_below_two_segments():
    cc = Reno(100)
    cc.on_loss(LossKind.TIMEOUT, flight=50, now=0.0)
    assert cc.ssthresh == 200


def test_none_controller_never_limits():
    cc = NoCongestionControl(100)
    cc.on_loss(LossKind.DUPACK, 1000, 0.0)
    cc.on_loss(LossKind.TIMEOUT, 1000, 0.0)
    assert cc.cwnd == UNLIMITED


def test_unknown_controller_is_a_parameter_error():
    with pytest.raises(ParameterError, match="congestion='vegas'"):
        make_controller("vegas", 100)


def test_transfer_shows_slow_start_then_congestion_avoidance_in_snapshots():
    pair = ConnectionPair(Config(isn=1, mss=100, initial_cwnd=1), Config(isn=2), delay=0.05)
    pair.connect()
    pair.client.cc.ssthresh = 800
    cwnds = []
    pair.send("client", b"c" * 6000)
    while pair.step():
        cwnds.append(pair.client.snapshot(pair.now).cwnd)
    assert cwnds[0] == 100 and 800 in cwnds
    growth = [b - a for a, b in zip(cwnds, cwnds[1:], strict=False) if b != a]
    assert set(growth[:7]) == {100}  # +1 MSS per ACK in slow start
    assert max(cwnds) < 800 + 6000 // 8  # linear afterwards
    assert pair.received["server"] == b"c" * 6000


def test_initial_cwnd_counts_segments_of_the_negotiated_mss():
    pair = ConnectionPair(Config(isn=1, mss=1000, initial_cwnd=3), Config(isn=2, mss=500))
    pair.connect()
    assert pair.client.mss == 500 and pair.client.cwnd == 1500
    default = ConnectionPair(Config(isn=1, mss=1460), Config(isn=2, mss=536))
    default.connect()
    assert default.client.cwnd == 4 * 536  # RFC 5681 IW for a 536-byte MSS


def test_cwnd_limits_the_bytes_in_flight():
    pair = ConnectionPair(Config(isn=1, mss=100, initial_cwnd=2), Config(isn=2), delay=0.05)
    pair.connect()
    pair.send("client", b"w" * 1000)
    assert pair.client.flight_size == 200
    assert len([s for s in pair.wire.sent("client") if s.payload]) == 2


def test_none_controller_sends_a_whole_receive_window_at_once():
    pair = ConnectionPair(Config(isn=1, mss=100, congestion="none"),
                          Config(isn=2, rcv_buffer=1000), delay=0.05)
    pair.connect()
    pair.send("client", b"w" * 3000)
    assert pair.client.flight_size == 1000
