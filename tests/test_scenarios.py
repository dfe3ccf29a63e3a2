"""Each named scenario shows what it promises (the facts a learner is meant to see)."""

from __future__ import annotations

import pytest

from tcpedu import scenarios
from tcpedu.errors import ParameterError
from tcpedu.model.segment import Flags
from tcpedu.model.states import TRANSITIONS, State, Trigger
from tcpedu.sim.scenarios import FORGED, REQUEST, SCENARIOS, payload, run
from tcpedu.trace import AppEvent, SegmentDropped, SegmentSent, TimerEvent, Trace

S = State


def data_segments(trace: Trace, src: str) -> list[SegmentSent]:
    return [s for s in trace.segments(src) if s.segment.payload]


def fired(trace: Trace, node: str, timer: str) -> list[TimerEvent]:
    return [e for e in trace.of_type(TimerEvent)
            if e.node == node and e.timer == timer and e.action == "fired"]


def app_events(trace: Trace, node: str, action: str) -> list[AppEvent]:
    return [e for e in trace.of_type(AppEvent) if e.node == node and e.action == action]


def test_registry_lists_every_required_scenario_with_descriptions() -> None:
    assert set(SCENARIOS) >= {"handshake", "transfer", "loss_rto", "loss_fast_retransmit",
                              "reorder", "teardown", "syn_loss", "reset", "zero_window",
                              "wraparound", "hijack"}
    for sc in SCENARIOS.values():
        assert sc.description and "\n" not in sc.description
        assert all(p.help for p in sc.params)
    listing = scenarios.describe_all()
    assert "order=client [client | server | simultaneous | half-close | lost-final-ack]" in listing


def test_handshake_numbers_follow_the_isns() -> None:
    trace = run("handshake", client_isn=1000, server_isn=5000)
    syn, ack = (s.segment for s in trace.segments("client"))
    (synack,) = (s.segment for s in trace.segments("server"))
    assert syn.flags == Flags.SYN and syn.seq == 1000 and syn.ack == 0 and not syn.payload
    assert synack.flags == Flags.SYN | Flags.ACK and synack.seq == 5000 and synack.ack == 1001
    assert ack.flags == Flags.ACK and (ack.seq, ack.ack) == (1001, 5001)
    assert trace.states("client") == [S.CLOSED, S.SYN_SENT, S.ESTABLISHED]
    assert trace.states("server") == [S.CLOSED, S.LISTEN, S.SYN_RECEIVED, S.ESTABLISHED]
    assert syn.dst_port == 80 and trace.hosts["server"].ip == "10.0.0.2"


def test_handshake_then_the_client_speaks_first() -> None:
    trace = run("handshake", request=True)
    first_data = next(s for s in trace.segments() if s.segment.payload)
    assert first_data.src == "client"
    assert trace.app_data("server") == REQUEST


@pytest.mark.parametrize("delayed_ack", [True, False])
def test_transfer_delivers_every_byte_in_mss_sized_segments(delayed_ack: bool) -> None:
    trace = run("transfer", size=12_345, mss=1000, delayed_ack=delayed_ack)
    assert trace.app_data("server") == payload(12_345)
    sizes = [len(s.segment.payload) for s in data_segments(trace, "client")]
    assert max(sizes) == 1000 and sum(sizes) == 12_345
    pure_acks = [s for s in trace.segments("server") if s.segment.flags == Flags.ACK]
    if delayed_ack:
        assert len(pure_acks) < len(sizes)
    else:
        assert len(pure_acks) >= len(sizes)
    assert trace.final_state("client") is S.CLOSED and trace.final_state("server") is S.CLOSED
    assert S.TIME_WAIT in trace.states("client")


def test_transfer_bandwidth_spreads_segments_over_time() -> None:
    fast = run("transfer", size=20_000, mss=1000)
    slow = run("transfer", size=20_000, mss=1000, bandwidth=10_000.0)
    last = {name: max(s.time for s in data_segments(t, "client"))
            for name, t in (("fast", fast), ("slow", slow))}
    assert last["slow"] > last["fast"] + 1.0
    assert slow.app_data("server") == payload(20_000)


def test_transfer_through_a_small_bottleneck_queue_loses_and_backs_off() -> None:
    trace = run("transfer", size=200_000, mss=1000, bandwidth=125_000.0, queue=12_000,
                delay=0.02)
    drops = trace.of_type(SegmentDropped)
    assert drops and all("queue full" in d.reason for d in drops)
    assert trace.app_data("server") == payload(200_000)
    cwnd = [s.cwnd for s in trace.snapshots("client")]
    peak = cwnd.index(max(cwnd))
    assert min(cwnd[peak:]) <= max(cwnd) // 2  # Reno halves its window after the loss


def test_loss_rto_resends_after_the_timer_not_after_duplicate_acks() -> None:
    trace = run("loss_rto", segments=3, lose=2, mss=1000, client_isn=0)
    (drop,) = trace.of_type(SegmentDropped)
    lost = next(s for s in trace.segments() if s.id == drop.id)
    assert lost.segment.seq == 1001
    resend = next(s for s in data_segments(trace, "client")
                  if s.note == "retransmission" and s.segment.seq == 1001)
    rto = fired(trace, "client", "rto")
    assert rto and rto[0].time == resend.time
    assert resend.time - lost.time >= 1.0  # RFC 6298's minimum RTO of one second
    assert trace.app_data("server") == payload(3000)


def test_loss_fast_retransmit_resends_on_the_third_duplicate_ack() -> None:
    trace = run("loss_fast_retransmit", segments=8, lose=2, mss=1000, client_isn=0)
    resend = next(s for s in data_segments(trace, "client") if s.note == "retransmission")
    assert resend.segment.seq == 1001
    dupacks = [s for s in trace.segments("server")
               if s.time <= resend.time and s.segment.ack == 1001 and not s.segment.payload
               and s.segment.flags == Flags.ACK]
    assert len(dupacks) >= 4  # the first ACK of 1001, then three duplicates
    assert not [e for e in fired(trace, "client", "rto") if e.time <= resend.time]
    assert trace.app_data("server") == payload(8000)


def test_reorder_go_back_n_resends_more_than_tcp() -> None:
    resent: dict[str, int] = {}
    for receiver in ("tcp", "gbn"):
        trace = run("reorder", receiver=receiver, segments=6, hold=2)
        assert trace.app_data("server") == payload(6000)
        resent[receiver] = sum(len(s.segment.payload) for s in data_segments(trace, "client")
                               if s.note == "retransmission")
        if receiver == "tcp":
            assert any(s.ooo for s in trace.snapshots("server"))
        else:
            assert app_events(trace, "server", "segment-ignored")
    assert resent["gbn"] > resent["tcp"]


def test_teardown_client_first_goes_through_time_wait() -> None:
    trace = run("teardown", order="client", msl=1.0)
    assert trace.states("client")[-5:] == [S.ESTABLISHED, S.FIN_WAIT_1, S.FIN_WAIT_2,
                                           S.TIME_WAIT, S.CLOSED]
    assert trace.states("server")[-4:] == [S.ESTABLISHED, S.CLOSE_WAIT, S.LAST_ACK, S.CLOSED]
    entered = next(c for c in trace.state_changes("client") if c.new is S.TIME_WAIT)
    left = next(c for c in trace.state_changes("client") if c.old is S.TIME_WAIT)
    assert left.time - entered.time == pytest.approx(2.0)  # 2 MSL


def test_teardown_server_first_mirrors_the_roles() -> None:
    trace = run("teardown", order="server", msl=1.0)
    assert S.TIME_WAIT in trace.states("server") and S.CLOSE_WAIT in trace.states("client")
    assert S.TIME_WAIT not in trace.states("client")


def test_teardown_simultaneous_passes_through_closing_on_both_sides() -> None:
    trace = run("teardown", order="simultaneous", msl=1.0)
    for node in ("client", "server"):
        states = trace.states(node)
        assert S.CLOSING in states and S.TIME_WAIT in states
        assert trace.final_state(node) is S.CLOSED


def test_teardown_half_close_still_receives_after_its_fin() -> None:
    trace = run("teardown", order="half-close", msl=1.0)
    client_fin = next(s for s in trace.segments("client") if s.segment.flags & Flags.FIN)
    server_data = data_segments(trace, "server")
    assert server_data and all(s.time > client_fin.time for s in server_data)
    assert trace.app_data("client").startswith(b"HTTP/1.1 200 OK")
    assert len(trace.app_data("client")) > 1500
    assert trace.state_at("server", server_data[0].time) is S.CLOSE_WAIT


def test_teardown_lost_final_ack_is_answered_again_from_time_wait() -> None:
    trace = run("teardown", order="lost-final-ack", msl=1.0)
    (drop,) = trace.of_type(SegmentDropped)
    lost = next(s for s in trace.segments() if s.id == drop.id)
    assert lost.src == "client" and lost.segment.flags == Flags.ACK
    assert trace.state_at("client", lost.time) is S.TIME_WAIT
    fins = [s for s in trace.segments("server") if s.segment.flags & Flags.FIN]
    assert len(fins) == 2 and fins[1].note == "retransmission"
    reack = next(s for s in trace.segments("client") if s.time > fins[1].time)
    assert reack.segment.flags == Flags.ACK and reack.segment.ack == lost.segment.ack
    assert trace.state_at("client", reack.time) is S.TIME_WAIT
    last = trace.state_changes("server")[-1]
    assert last.new is S.CLOSED and last.trigger == "rcv ACK of FIN" and last.time > reack.time


def test_syn_loss_backs_off_and_then_connects() -> None:
    trace = run("syn_loss", lose=2)
    syns = [s for s in trace.segments("client") if s.segment.flags == Flags.SYN]
    assert len(syns) == 3 and [s.note for s in syns] == ["", "retransmission", "retransmission"]
    gaps = [b.time - a.time for a, b in zip(syns, syns[1:], strict=False)]
    assert gaps[1] == pytest.approx(2 * gaps[0])
    assert trace.final_state("client") is S.ESTABLISHED


def test_syn_loss_beyond_the_retry_limit_gives_up() -> None:
    trace = run("syn_loss", lose=5, syn_retries=3)
    last = trace.state_changes("client")[-1]
    assert (last.old, last.new, last.trigger) == (S.SYN_SENT, S.CLOSED, "retransmission limit")
    assert len([s for s in trace.segments("client") if s.segment.flags == Flags.SYN]) == 4


def test_syn_ack_loss_is_recovered_too() -> None:
    trace = run("syn_loss", lose=1, which="synack")
    dropped = {d.id for d in trace.of_type(SegmentDropped)}
    assert [s.segment.flags for s in trace.segments() if s.id in dropped] == [
        Flags.SYN | Flags.ACK]
    assert trace.final_state("client") is S.ESTABLISHED
    assert trace.final_state("server") is S.ESTABLISHED


def test_reset_abort_sends_rst_and_the_peer_is_told() -> None:
    trace = run("reset", kind="abort")
    rst = [s for s in trace.segments("client") if s.segment.flags & Flags.RST]
    assert len(rst) == 1
    assert app_events(trace, "server", "reset")
    assert trace.final_state("client") is S.CLOSED and trace.final_state("server") is S.CLOSED
    assert trace.state_changes("server")[-1].trigger == "rcv RST"


def test_reset_closed_port_refuses_the_syn() -> None:
    trace = run("reset", kind="closed-port", client_isn=77)
    (answer,) = trace.segments("server")
    assert answer.segment.flags == Flags.RST | Flags.ACK and answer.segment.ack == 78
    assert app_events(trace, "client", "reset")
    assert trace.states("client") == [S.CLOSED, S.SYN_SENT, S.CLOSED]


def test_zero_window_closes_probes_and_reopens() -> None:
    trace = run("zero_window", size=6000, rcv_buffer=2000, read_at=2.0)
    zero = [s for s in trace.segments("server") if s.segment.window == 0]
    assert zero
    sent_while_closed = [s for s in trace.segments("client")
                         if zero[0].time < s.time < 2.0 and s.segment.payload]
    assert sent_while_closed, "the sender should probe the zero window"
    assert sent_while_closed[0].note == "zero-window probe"
    assert len(sent_while_closed[0].segment.payload) == 1
    assert trace.app_data("server") == payload(6000)
    reopened = [s for s in trace.segments("server") if s.time >= 2.0 and s.segment.window > 0]
    assert reopened


@pytest.mark.parametrize("rcv_buffer", [1, 1000])
def test_zero_window_with_a_buffer_no_bigger_than_a_segment_still_finishes(
        rcv_buffer: int) -> None:
    trace = run("zero_window", size=3000, rcv_buffer=rcv_buffer, mss=1000)
    assert trace.app_data("server") == payload(3000)
    assert trace.final_state("client") is S.CLOSED


def test_wraparound_crosses_zero_and_delivers_everything() -> None:
    trace = run("wraparound", size=5000, mss=1000)
    seqs = [s.segment.seq for s in data_segments(trace, "client")]
    assert max(seqs) > 2**32 - 2500 and min(seqs) < 5000
    assert trace.app_data("server") == payload(5000)


def test_hijack_in_window_data_is_accepted_and_desynchronises_the_client() -> None:
    trace = run("hijack", attack="data")
    (forged,) = trace.segments("attacker")
    assert forged.note == "injected" and forged.spoofed_as == "client"
    assert FORGED in trace.app_data("server")
    assert b"logout" not in trace.app_data("server")  # the real client is cut off
    assert trace.final_state("server") is S.ESTABLISHED


@pytest.mark.parametrize("attack", ["data-out-of-window", "data-blind-guess"])
def test_hijack_wrong_sequence_number_is_refused(attack: str) -> None:
    trace = run("hijack", attack=attack)
    assert FORGED not in trace.app_data("server")
    assert b"logout" in trace.app_data("server")
    assert [e for e in app_events(trace, "server", "segment-ignored")
            if e.time > trace.segments("attacker")[0].time]


@pytest.mark.parametrize("attack, challenge_ack, survives", [
    ("rst-exact", True, False),
    ("rst-in-window", True, True),
    ("rst-in-window", False, False),
])
def test_hijack_rst_and_rfc5961_challenge_ack(attack: str, challenge_ack: bool,
                                              survives: bool) -> None:
    trace = run("hijack", attack=attack, challenge_ack=challenge_ack)
    (forged,) = trace.segments("attacker")
    assert forged.segment.flags == Flags.RST
    final = trace.final_state("server")
    assert (final is S.ESTABLISHED) == survives
    challenges = [s for s in trace.segments("server") if s.note == "challenge ACK"]
    assert bool(challenges) == (attack == "rst-in-window" and challenge_ack)


@pytest.mark.parametrize("name", sorted(SCENARIOS))
def test_every_scenario_is_deterministic_and_seed_dependent(name: str) -> None:
    first, again = run(name, seed=3), run(name, seed=3)
    assert first.records == again.records and first.hosts == again.hosts
    other = run(name, seed=4)
    assert [s.segment.seq for s in other.segments()] != [s.segment.seq for s in first.segments()]
    assert first.meta["scenario"] == name and first.meta["params"] == {"seed": 3}
    times = [r.time for r in first]
    assert times == sorted(times) and times[0] >= 0
    for change in first.state_changes():
        edge = TRANSITIONS.get((change.old, Trigger(change.trigger)))
        assert edge is not None and edge.target is change.new and edge.rfc == change.rfc


@pytest.mark.parametrize("name, params, message", [
    ("nosuch", {}, "no scenario named 'nosuch'"),
    ("teardown", {"order": "sideways"}, "order='sideways': choose one of"),
    ("transfer", {"size": -1}, "size=-1: must be at least 0"),
    ("transfer", {"mss": "lots"}, "mss='lots': expected int"),
    ("transfer", {"colour": 1}, "has no parameter 'colour'"),
    ("transfer", {"queue": 5000}, "queue=5000: a queue only fills on a link with a bandwidth"),
    ("loss_rto", {"segments": 3, "lose": 4}, "lose=4: there are only 3"),
    ("handshake", {"client_isn": 2**32}, "client_isn=4294967296: must be at most"),
    ("handshake", {"delay": "slow"}, "delay='slow': expected float"),
    ("hijack", {"challenge_ack": "maybe"}, "challenge_ack='maybe': expected bool"),
    ("hijack", {"delay": 0.5, "duration": 1.0}, "duration=1.0: the attack comes at"),
])
def test_bad_parameters_raise_parameter_error_naming_them(name: str, params: dict,
                                                          message: str) -> None:
    with pytest.raises(ParameterError, match=message.replace("(", r"\(").replace("*", r"\*")):
        run(name, **params)


def test_text_parameters_are_converted_like_the_cli_gives_them() -> None:
    trace = run("transfer", size="3000", mss="0x3e8", delayed_ack="no", delay="0.01")
    assert trace.meta["params"] == {"size": 3000, "mss": 1000, "delayed_ack": False,
                                    "delay": 0.01}
    assert trace.app_data("server") == payload(3000)
    assert run("handshake", client_isn="random").meta["params"] == {"client_isn": None}
    assert run("transfer", size=100, bandwidth="unlimited").meta["params"]["bandwidth"] is None
    assert "bandwidth=unlimited: link bandwidth" in scenarios.describe_all()


def test_transfer_with_cubic_on_the_client_delivers_everything_rfc9438():
    """The course can show Linux's default controller: ``transfer(congestion="cubic")``."""
    from tcpedu.trace import Snapshot

    reno = run("transfer", size=300_000, loss=0.02, seed=3, bandwidth=1e6)
    cubic = run("transfer", size=300_000, loss=0.02, seed=3, bandwidth=1e6, congestion="cubic")
    assert cubic.app_data("server") == reno.app_data("server") and len(cubic.app_data("server")) == 300_000
    cuts = [s for s in cubic.of_type(Snapshot) if s.node == "client" and s.ssthresh < 1 << 31]
    assert cuts  # a loss made CUBIC reduce its window
    assert [s.cwnd for s in cubic.of_type(Snapshot)] != [s.cwnd for s in reno.of_type(Snapshot)]


# -- the course's and the labs' stories ----------------------------------------------------------

def test_greeting_server_speaks_first_and_conversation_follows_its_style() -> None:
    first = next(s for s in run("greeting").segments() if s.segment.payload)
    assert first.src == "server"
    for style, speaker in (("http", "client"), ("smtp", "server")):
        trace = run("conversation", style=style, request=150, response=700)
        data = [s for s in trace.segments() if s.segment.payload]
        assert data[0].src == speaker
        assert len(trace.app_data("server")) == 150 and len(trace.app_data("client")) == 700


def test_simultaneous_open_and_closing_together_pass_the_rare_states() -> None:
    both = run("simultaneous_open", close=True)
    assert S.SYN_RECEIVED in both.states("client") and S.SYN_RECEIVED in both.states("server")
    closing = run("closing_together")
    assert S.CLOSING in closing.states("client") and S.CLOSING in closing.states("server")


def test_upload_loss_gbn_resends_everything_after_the_hole_tcp_only_the_hole() -> None:
    counts = {r: sum(s.note == "retransmission" for s in run("upload_loss", receiver=r, lose=4)
                     .segments("client")) for r in ("tcp", "gbn")}
    assert counts == {"tcp": 1, "gbn": 3}


def test_burst_loses_or_holds_one_segment_and_exchange_close_can_leak() -> None:
    lost = run("burst", segments=6, lose=2)
    assert sum(s.note == "retransmission" for s in lost.segments("client")) == 1
    held = run("burst", segments=6, hold=5, extra=0.05)
    assert sum(s.note == "retransmission" for s in held.segments("client")) == 0
    assert held.app_data("server") == payload(6 * 1000)
    leak = run("exchange_close", passive_closes=False, msl=1.0)
    assert leak.final_state("server") is S.CLOSE_WAIT
    clean = run("exchange_close", closer="server", msl=1.0)
    assert S.TIME_WAIT in clean.states("server") and clean.final_state("client") is S.CLOSED


def test_request_response_piggybacks_and_congestion_halves_then_times_out() -> None:
    web = run("request_response", client_isn=1000, server_isn=5000)
    answer = next(s.segment for s in web.segments("server") if s.segment.payload)
    assert answer.ack == 1001 + 37 and len(answer.payload) == 323
    timeout = run("congestion", lose_again=0, lose_retransmission=True, size=150_000)
    assert [s.note for s in timeout.segments("client") if s.note] == ["retransmission"] * 2
    assert any(snap.cwnd == 1000 for snap in timeout.snapshots("client"))


def test_a_story_rejects_a_malformed_script() -> None:
    from tcpedu.sim.scenarios import story

    with pytest.raises(ParameterError, match="each step is"):
        story([(0.0, "server")])
    with pytest.raises(ParameterError, match="a story is a list"):
        story("listen")
