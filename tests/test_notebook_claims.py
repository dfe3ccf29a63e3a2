"""The facts the notebooks' prose states about the model still hold.

The narrative names times and numbers ("the timer fires at 1.20 s", "nothing was resent"). The
model is developed alongside the course, so each such sentence is checked here against the same
scenario the notebook runs; a failure names the notebook section to rewrite.
"""

from __future__ import annotations

from tcpedu import State, scenarios
from tcpedu.trace import AppEvent


def resent(trace, node="client"):
    return [s for s in trace.segments(node) if s.note == "retransmission"]


def test_02_syn_backoff_sends_at_0_1_3_7():
    times = [s.time for s in scenarios.run("syn_loss", lose=3, seed=7).segments("client")
             if s.segment.has("S")]
    assert times == [0.0, 1.0, 3.0, 7.0]


def test_02_smtp_server_greets_first_with_34_bytes():
    first = next(s for s in scenarios.run("greeting").segments() if s.segment.payload)
    assert first.src == "server" and len(first.segment.payload) == 34


def test_03_upload_sends_four_segments_at_once_with_the_same_ack():
    up = scenarios.run("transfer", size=6000, mss=1000, delayed_ack=False, client_isn=0,
                       server_isn=0)
    burst = [s.segment for s in up.segments("client") if s.segment.payload and s.time == 0.1]
    assert [s.seq for s in burst] == [1, 1001, 2001, 3001] and {s.ack for s in burst} == {1}


def test_04_rto_fires_at_1_20_and_backs_off_to_2_s_without_a_karn_sample():
    trace = scenarios.run("loss_rto", client_isn=0, server_isn=0)
    assert [round(s.time, 2) for s in resent(trace)] == [1.2]
    last = trace.snapshots("client")[-1]
    assert last.rto == 2.0 and last.srtt == 0.1


def test_04_fast_retransmit_at_0_20_after_dup_acks_of_1001():
    trace = scenarios.run("loss_fast_retransmit", client_isn=0, server_isn=0)
    assert [(round(s.time, 2), s.segment.seq) for s in resent(trace)] == [(0.2, 1001)]


def test_05_late_segment_is_not_resent_by_tcp_but_is_by_go_back_n():
    tcp = scenarios.run("reorder", receiver="tcp", segments=3, client_isn=0, server_isn=0)
    gbn = scenarios.run("reorder", receiver="gbn", segments=3, client_isn=0, server_isn=0)
    assert resent(tcp) == [] and len(resent(gbn)) == 1
    assert [s.segment.ack for s in tcp.segments("server")][1:4] == [1001, 1001, 1001]


def test_06_lost_final_ack_is_answered_from_time_wait_but_a_short_wait_gets_rst():
    ok = scenarios.run("teardown", order="lost-final-ack", client_isn=0, server_isn=0)
    assert round(ok.state_changes("server")[-1].time, 2) == 1.45
    assert ok.final_state("server") is State.CLOSED
    short = scenarios.run("teardown", order="lost-final-ack", msl=0.2, client_isn=0, server_isn=0)
    assert short.segments("client")[-1].segment.has("R")
    assert any(e.node == "server" and e.action == "reset" for e in short.of_type(AppEvent))


def test_06_half_close_server_sends_1519_bytes_from_close_wait():
    half = scenarios.run("teardown", order="half-close", client_isn=0, server_isn=0)
    data = [s for s in half.segments("server") if s.segment.payload]
    assert sum(len(s.segment.payload) for s in data) == 1519
    assert {half.state_at("server", s.time) for s in data} == {State.CLOSE_WAIT}


def test_08_injection_is_accepted_and_the_real_logout_is_lost():
    hijack = scenarios.run("hijack", attack="data", client_isn=0, server_isn=0)
    data = hijack.app_data("server")
    assert b"mallory" in data and b"/logout" not in data
    missed = scenarios.run("hijack", attack="data-out-of-window", client_isn=0, server_isn=0)
    assert b"mallory" not in missed.app_data("server") and b"/logout" in missed.app_data("server")


def test_10_window_probe_at_1_20_and_transfer_ends_at_2_25():
    stall = scenarios.run("zero_window", client_isn=0, server_isn=0)
    probes = [s for s in stall.segments("client") if len(s.segment.payload) == 1]
    assert [round(s.time, 2) for s in probes] == [1.2]
    assert round(stall.segments()[-1].time, 2) == 2.25


def test_10_lost_retransmission_ends_in_a_timeout_at_1_67_with_cwnd_one_segment():
    trace = scenarios.run("congestion", lose=60, lose_again=0, lose_retransmission=True,
                          size=150_000, client_isn=0, server_isn=0)
    assert [round(s.time, 2) for s in resent(trace)] == [0.71, 1.67]
    after = next(s for s in trace.snapshots("client") if s.time >= 1.67)
    assert after.cwnd == 1000


def test_10_two_losses_each_halve_reno():
    trace = scenarios.run("congestion", lose=60, lose_again=200, client_isn=0, server_isn=0)
    thresholds = sorted({s.ssthresh for s in trace.snapshots("client")}, reverse=True)
    assert len(resent(trace)) == 2 and len(thresholds) == 3
