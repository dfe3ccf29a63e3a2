"""Congestion control: Reno (RFC 5681, RFC 6582), CUBIC (RFC 9438), "none", and the registry."""

from __future__ import annotations

import pytest
from pair import ConnectionPair

from tcpedu.errors import ParameterError
from tcpedu.model.congestion import (
    CONTROLLERS,
    UNLIMITED,
    CongestionControl,
    Cubic,
    LossKind,
    NoCongestionControl,
    Reno,
    initial_window,
    make_controller,
    register_congestion_control,
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


def test_on_loss_dupack_enters_fast_recovery_and_an_unknown_kind_raises_rfc5681_3_2():
    """Loss kinds are an enum (``LossKind``); the string ``"dupack"`` notebook 10 uses is one of
    them and enters fast recovery (RFC 5681 §3.2), not a timeout; anything else raises."""
    cc = Reno(100)
    cc.cwnd = 3200
    cc.on_loss("dupack", flight=3200, now=0.0)
    assert cc.in_recovery and cc.ssthresh == 1600 and cc.cwnd == 1600 + 300
    cc = Reno(100)
    cc.on_loss(LossKind.TIMEOUT, flight=3200, now=0.0)
    assert not cc.in_recovery and cc.cwnd == 100
    with pytest.raises(ParameterError, match="loss kind 'fast' is not known"):
        Reno(100).on_loss("fast", flight=1000, now=0.0)


def test_controllers_register_by_name_behind_the_base_class():
    class Fixed(CongestionControl):
        name = "fixed"

    register_congestion_control("fixed-test", Fixed)
    try:
        assert isinstance(make_controller("fixed-test", 100), Fixed)
        assert Config(congestion="fixed-test").congestion == "fixed-test"
    finally:
        del CONTROLLERS["fixed-test"]
    with pytest.raises(ParameterError, match="not a CongestionControl"):
        register_congestion_control("bad", dict)  # type: ignore[arg-type]
    assert {"reno", "cubic", "none"} <= set(CONTROLLERS)


def test_cubic_reduces_by_beta_0_7_and_remembers_w_max_rfc9438_4_6():
    cc = Cubic(1000, initial_cwnd=100_000)
    cc.ssthresh = 50_000  # in congestion avoidance
    cc.on_loss(LossKind.DUPACK, flight=100_000, now=10.0)
    assert cc.ssthresh == 70_000 and cc.w_max == 100.0
    cc.on_recovery_end(flight=70_000, now=10.1)
    assert cc.cwnd == 70_000
    cc.on_loss(LossKind.DUPACK, flight=70_000, now=11.0)  # below W_max: fast convergence (§4.7)
    assert cc.w_max == pytest.approx(70 * 1.7 / 2)


def test_cubic_window_grows_back_to_w_max_after_k_seconds_rfc9438_4_2():
    """After a reduction to β·W_max the window follows W_cubic(t) = C(t-K)^3 + W_max: concave up
    to W_max at t = K = cbrt(W_max (1-β) / C), then convex beyond it."""
    mss = 1000
    cc = Cubic(mss, initial_cwnd=100 * mss)
    cc.ssthresh = 1
    cc.on_rtt_sample(0.1, 0.0)  # long enough for the cubic to outgrow Reno (§4.3)
    cc.on_loss(LossKind.TIMEOUT, flight=100 * mss, now=0.0)
    cc.cwnd = cc.ssthresh  # straight into congestion avoidance at 70 segments
    k = (100 * 0.3 / 0.4) ** (1 / 3)
    t, step = 0.0, 0.1
    while t < k:
        t += step
        cc.on_ack(cc.cwnd, t)  # one window of ACKs per 100 ms round trip
    assert cc.k == pytest.approx(k)
    assert 97 * mss <= cc.cwnd <= 101 * mss  # back near W_max = 100 segments at t = K
    while t < 2 * k:
        t += step
        cc.on_ack(cc.cwnd, t)
    assert cc.cwnd > 110 * mss  # past W_max the cubic probes upwards


def test_cubic_transfer_with_loss_delivers_every_byte():
    pair = ConnectionPair(Config(isn=1, mss=100, congestion="cubic"), Config(isn=2), delay=0.05,
                          fault=lambda src, seg, n: () if src == "client" and n % 17 == 0
                          else (0.0,))
    pair.connect()
    pair.send("client", bytes(range(256)) * 200)
    pair.run()
    assert bytes(pair.received["server"]) == bytes(range(256)) * 200
    assert pair.client.cc.name == "cubic" and pair.client.ssthresh < 1 << 31
