"""The endpoint's public API: misuse errors, Config validation, timers, events, snapshots."""

from __future__ import annotations

import dataclasses

import pytest
from pair import ConnectionPair

from tcpedu.errors import LocalProtocolError, ParameterError
from tcpedu.model.endpoint import Config, Endpoint
from tcpedu.model.events import (
    Connected,
    DataReceived,
    StateChange,
    TimerArmed,
    TimerCancelled,
    TimerFired,
)
from tcpedu.model.segment import Flags, Segment
from tcpedu.model.states import CALL_ALLOWED, TRANSITIONS, State, Trigger


def _established() -> ConnectionPair:
    pair = ConnectionPair()
    pair.connect()
    pair.run()
    return pair


def test_send_after_close_names_the_call_and_the_state():
    pair = _established()
    pair.client.close(pair.now)
    with pytest.raises(LocalProtocolError,
                       match=r"^cannot send\(\) in state FIN-WAIT-1: the connection was closed "
                             r"for sending$"):
        pair.client.send(pair.now, b"late")


@pytest.mark.parametrize("call, state_text", [
    ("connect twice", "SYN-SENT"),
    ("close twice", "FIN-WAIT-1"),
    ("send before open", "CLOSED"),
    ("abort before open", "CLOSED"),
    ("listen after connect", "SYN-SENT"),
    ("send while listening", "LISTEN"),
])
def test_misused_calls_raise_local_protocol_error(call, state_text):
    ep = Endpoint("client", 40000, Config(isn=1))
    actions = {
        "connect twice": lambda: (ep.connect(0, 80), ep.connect(0, 80)),
        "close twice": lambda: (ep.connect(0, 80), ep.receive(0, Segment(
            80, 40000, seq=9, ack=2, flags="SA")), ep.close(0), ep.close(0)),
        "send before open": lambda: ep.send(0, b"x"),
        "abort before open": lambda: ep.abort(0),
        "listen after connect": lambda: (ep.connect(0, 80), ep.listen(0)),
        "send while listening": lambda: (ep.listen(0), ep.send(0, b"x")),
    }
    with pytest.raises(LocalProtocolError, match=f"in state {state_text}:"):
        actions[call]()


def test_an_endpoint_can_connect_again_once_closed():
    ep = Endpoint("client", 40000, Config(isn=1))
    ep.connect(0, 80)
    ep.close(0)
    ep.connect(1, 80)
    assert ep.state is State.SYN_SENT


@pytest.mark.parametrize("field, value", [
    ("mss", 0), ("mss", "big"), ("rcv_buffer", -1), ("isn", 2**32), ("isn_mode", "clock"),
    ("rto_min", 0), ("rto_max", -1.0), ("max_retries", 0), ("delayed_ack", 0.7),
    ("wscale", 15), ("receiver", "selective"), ("congestion", "vegas"), ("initial_cwnd", 1460),
    ("sack", "yes"), ("send_buffer", 0), ("app_read_rate", -5), ("msl", 0), ("secret", b""), ("nodelay", 1), ("syn_timeout", 0), ("challenge_ack_limit", 0),
])
def test_bad_config_values_raise_parameter_error_naming_the_field(field, value):
    with pytest.raises(ParameterError, match=f"^Config {field}="):
        Config(**{field: value})


def test_rto_min_above_rto_max_is_refused():
    with pytest.raises(ParameterError, match="rto_min"):
        Config(rto_min=90.0, rto_max=60.0)


def test_rto_cap_below_60_seconds_is_refused_rfc6298_section_2_5():
    with pytest.raises(ParameterError, match="at least 60 s"):
        Config(rto_max=10.0)


def test_config_is_frozen():
    with pytest.raises(dataclasses.FrozenInstanceError):
        Config().mss = 5  # type: ignore[misc]


def test_bad_arguments_raise_parameter_error():
    with pytest.raises(ParameterError):
        Endpoint("x", 70000)
    with pytest.raises(ParameterError):
        Endpoint("x", 1, config={"mss": 5})  # type: ignore[arg-type]
    ep = Endpoint("x", 1)
    with pytest.raises(ParameterError):
        ep.receive(0.0, b"\x00" * 20)  # type: ignore[arg-type]
    with pytest.raises(ParameterError):
        ep.connect(0.0, 0)
    ep.connect(0.0, 80)
    with pytest.raises(ParameterError):
        ep.send(0.0, "text")  # type: ignore[arg-type]


def test_every_state_change_is_an_edge_of_the_table_and_cites_the_rfc():
    pair = _established()
    pair.send("client", b"x")
    pair.close("client")
    pair.run_until(lambda: pair.server.state is State.CLOSE_WAIT)
    pair.close("server")
    pair.run()
    changes = pair.of_type("client", StateChange) + pair.of_type("server", StateChange)
    assert len(changes) == 12  # six edges on each side
    for ev in changes:
        edge = TRANSITIONS[(ev.old, Trigger(ev.trigger))]
        assert edge.target is ev.new and ev.rfc == edge.rfc and ev.rfc.startswith("§")


def test_timers_are_reported_armed_fired_and_cancelled():
    pair = ConnectionPair(Config(isn=1, rto_initial=1.0))
    pair.drop("client")
    pair.connect()
    events = pair.events["client"]
    assert TimerArmed("rto", 1.0) in events
    assert TimerFired("rto") in events
    assert TimerCancelled("rto") in events


def test_handle_timer_before_the_deadline_does_nothing():
    ep = Endpoint("client", 40000, Config(isn=1, rto_initial=1.0))
    ep.connect(0.0, 80)
    ep.segments_to_send()
    assert ep.get_timer() == 1.0
    ep.handle_timer(0.5)
    assert ep.segments_to_send() == [] and ep.get_timer() == 1.0


def test_events_are_frozen_slotted_values():
    ev = DataReceived(b"x")
    with pytest.raises(dataclasses.FrozenInstanceError):
        ev.data = b"y"  # type: ignore[misc]
    assert not hasattr(ev, "__dict__")
    assert Connected() == Connected()


def test_snapshot_carries_the_connection_variables():
    pair = ConnectionPair(Config(isn=1000, mss=100), Config(isn=5000))
    pair.connect()
    pair.reorder("client", extra=1.0, when=lambda s: s.seq == 1001)
    pair.send("client", b"a" * 300)
    pair.run(until=pair.now + 0.2)
    snap = pair.server.snapshot(pair.now)
    assert snap.node == "server" and snap.state is State.ESTABLISHED
    assert snap.iss == 5000 and snap.irs == 1000 and snap.rcv_nxt == 1001
    assert snap.ooo == ((1101, 1301),)
    c = pair.client.snapshot(pair.now)
    assert c.snd_una == 1001 and c.snd_nxt == 1301 and c.cwnd == pair.client.cwnd
    assert c.srtt == pytest.approx(0.1) and c.rto == pair.client.rto
    assert c.ssthresh == pair.client.ssthresh and c.rcv_wnd == 65535
    listen = Endpoint("server", 80)
    listen.listen(0.0)
    assert listen.snapshot(0.0).irs is None and listen.snapshot(0.0).rcv_nxt is None


def test_exported_from_the_package():
    import tcpedu

    assert tcpedu.Endpoint is Endpoint and tcpedu.Config is Config


def test_send_in_listen_with_the_foreign_socket_given_opens_actively_rfc9293_3_10_2():
    """§3.10.2 SEND in LISTEN: with the foreign socket specified, the connection turns active:
    a SYN goes out and the state is SYN-SENT (the LISTEN --SEND--> SYN-SENT edge of Figure 5)."""
    pair = ConnectionPair()
    pair.server.listen(0.0)
    pair.client.listen(0.0, remote_port=80, remote_ip="10.0.0.2")
    pair.client.send(0.0, b"hello")
    pair.pump()
    assert pair.client.state is State.SYN_SENT
    change = pair.of_type("client", StateChange)[-1]
    assert (change.old, change.new, change.trigger) == (State.LISTEN, State.SYN_SENT, "SEND")
    (syn,) = pair.wire.sent("client")
    assert syn.flags == Flags.SYN and syn.dst_port == 80
    pair.run()
    assert pair.received["server"] == b"hello"


def test_every_call_is_refused_exactly_where_call_allowed_says_rfc9293_3_10():
    """One table (states.CALL_REFUSALS / CALL_ALLOWED) decides; the endpoint agrees in every
    state a connection goes through, and state-changing calls are allowed exactly where the
    transition table has an edge for them."""
    edges = {"connect": Trigger.ACTIVE_OPEN, "listen": Trigger.PASSIVE_OPEN,
             "close": Trigger.CLOSE, "abort": Trigger.ABORT}
    for call, trigger in edges.items():
        assert CALL_ALLOWED[call] == {s for (s, t) in TRANSITIONS if t is trigger}, call
    calls = {"connect": lambda ep, now: ep.connect(now, 80),
             "listen": lambda ep, now: ep.listen(now),
             "send": lambda ep, now: ep.send(now, b"x"),
             "close": lambda ep, now: ep.close(now),
             "abort": lambda ep, now: ep.abort(now)}
    seen: dict[tuple[str, State], bool] = {}
    for stop in range(0, 30):
        for call, do in calls.items():
            pair = _closing_pair(stop)
            for ep in (pair.client, pair.server):
                state = ep.state
                try:
                    do(ep, pair.now)
                    seen[(call, state)] = True
                except LocalProtocolError:
                    seen[(call, state)] = False
    for (call, state), allowed in seen.items():
        if (call, state) == ("send", State.LISTEN):
            assert not allowed  # allowed only once listen() was given the foreign socket
            continue
        assert allowed == (state in CALL_ALLOWED[call]), (call, state)
    assert len({state for _, state in seen}) >= 8


def _closing_pair(steps: int) -> ConnectionPair:
    """A pair ``steps`` events into a handshake, a little data and both sides closing."""
    pair = ConnectionPair()
    pair.server.listen(0.0)
    if steps == 0:
        return pair
    pair.client.connect(0.0, 80)
    pair.pump()
    pair.send("client", b"data")
    for _ in range(steps):
        if pair.client.state is State.ESTABLISHED and pair.received["server"]:
            pair.close("client")
        if pair.server.state is State.CLOSE_WAIT:
            pair.close("server")
        if not pair.step():
            break
    return pair
