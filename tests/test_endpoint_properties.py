"""Hypothesis properties of two endpoints on a faulty link: the byte stream survives anything."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st
from pair import ConnectionPair

from tcpedu.model.endpoint import Config
from tcpedu.model.events import StateChange
from tcpedu.model.states import TRANSITIONS, State, Trigger

# One fault per emitted segment, in order: deliver, drop, hold back (reorder), duplicate.
FAULTS = st.sampled_from([(0.0,), (), (0.03,), (0.0, 0.002)])
SCHEDULES = st.lists(st.one_of(st.just((0.0,)), FAULTS), max_size=60)

CONFIGS = st.fixed_dictionaries({
    "mss": st.sampled_from([50, 100, 536]),
    "sack": st.booleans(),
    "delayed_ack": st.sampled_from([None, 0.04]),
    "receiver": st.sampled_from(["tcp", "gbn"]),
    "wscale": st.sampled_from([None, 0, 3]),
    "congestion": st.sampled_from(["reno", "cubic", "none"]),
    "nodelay": st.booleans(),
    "rcv_buffer": st.sampled_from([400, 4000, 65535]),
    "app_read_rate": st.sampled_from([None, None, 20_000.0]),
})
ISNS = st.sampled_from([0, 1000, 2**32 - 1000, 2**32 - 1, 2**31])


def _config(isn: int, params: dict) -> Config:
    return Config(isn=isn, rto_initial=0.3, rto_min=0.2, msl=1.0, **params)


def _check_edges(pair: ConnectionPair) -> None:
    for name in ("client", "server"):
        for ev in pair.of_type(name, StateChange):
            edge = TRANSITIONS[(ev.old, Trigger(ev.trigger))]
            assert edge.target is ev.new, ev


def _fault_from(schedule: list[tuple[float, ...]], max_losses_in_a_row: int = 3):
    """Faults by emission order; loss is bounded: never more than a few drops in a row per side
    (so no retry limit is reached and the connection must survive)."""
    in_a_row = {"client": 0, "server": 0}

    def fault(src: str, seg, index: int) -> tuple[float, ...]:
        delays = schedule[index - 1] if index <= len(schedule) else (0.0,)
        if not delays:
            in_a_row[src] += 1
            if in_a_row[src] > max_losses_in_a_row:
                delays = (0.0,)
        if delays:
            in_a_row[src] = 0
        return delays
    return fault


@settings(max_examples=60, deadline=None)
@given(a=st.binary(max_size=3000), b=st.binary(max_size=1500), schedule=SCHEDULES,
       client_params=CONFIGS, server_params=CONFIGS, client_isn=ISNS, server_isn=ISNS,
       server_closes_first=st.booleans())
def test_any_fault_schedule_delivers_each_byte_once_in_order(
        a, b, schedule, client_params, server_params, client_isn, server_isn,
        server_closes_first):
    pair = ConnectionPair(_config(client_isn, client_params), _config(server_isn, server_params),
                          delay=0.01, fault=_fault_from(schedule))
    pair.server.listen(pair.now)
    pair.client.connect(pair.now, 80)
    pair.client.send(pair.now, a)
    pair.pump()
    pair.run_until(lambda: pair.server.state is not State.LISTEN
                   and pair.server.state is not State.SYN_RECEIVED)
    pair.send("server", b)
    first, second = ("server", "client") if server_closes_first else ("client", "server")
    pair.close(first)
    pair.advance(0.05)
    pair.run_until(lambda: pair.nodes[second].state in (State.ESTABLISHED, State.CLOSE_WAIT))
    pair.close(second)
    pair.run()
    assert bytes(pair.received["server"]) == a
    assert bytes(pair.received["client"]) == b
    assert pair.client.state in (State.CLOSED, State.TIME_WAIT)
    assert pair.server.state in (State.CLOSED, State.TIME_WAIT)
    _check_edges(pair)


@settings(max_examples=40, deadline=None)
@given(a=st.binary(min_size=1, max_size=5000), drops=st.lists(st.integers(0, 80), max_size=8),
       sack=st.booleans(), isn=ISNS)
def test_dropped_data_segments_are_recovered_by_retransmission(a, drops, sack, isn):
    dropped = set(drops)

    def fault(src, seg, index):
        return () if src == "client" and index in dropped else (0.0,)

    cfg = Config(isn=isn, mss=100, sack=sack, rto_initial=0.3, rto_min=0.2, msl=1.0)
    pair = ConnectionPair(cfg, Config(isn=7, mss=100, sack=sack, rto_min=0.2, msl=1.0),
                          delay=0.01, fault=fault)
    pair.connect()
    pair.send("client", a)
    pair.close("client")
    pair.run_until(lambda: pair.server.state is State.CLOSE_WAIT)
    pair.close("server")
    pair.run()
    assert bytes(pair.received["server"]) == a
    assert pair.client.state is State.CLOSED and pair.server.state is State.CLOSED
    _check_edges(pair)


RANDOM_SEGMENTS = st.lists(st.tuples(
    st.sampled_from(["client", "server"]),
    st.integers(0, 2**32 - 1), st.integers(0, 2**32 - 1),
    st.integers(0, 0x3F), st.integers(0, 0xFFFF), st.binary(max_size=30),
    st.booleans()), max_size=12)


@settings(max_examples=80, deadline=None)
@given(junk=RANDOM_SEGMENTS, close_at=st.integers(0, 12), near=st.booleans())
def test_arbitrary_segments_never_crash_the_endpoint(junk, close_at, near):
    from tcpedu.model.segment import Flags, Segment

    pair = ConnectionPair(Config(isn=2**32 - 10, rto_min=0.2, rto_initial=0.3, msl=1.0),
                          Config(isn=77, rto_min=0.2, rto_initial=0.3, msl=1.0), delay=0.01)
    pair.connect()
    pair.send("client", b"abc" * 100)
    for i, (dst, seq, ack, flags, window, payload, right_ports) in enumerate(junk):
        if i == close_at:
            for name in ("client", "server"):
                if pair.nodes[name].state in (State.ESTABLISHED, State.CLOSE_WAIT):
                    pair.close(name)
        ep = pair.nodes[dst]
        peer = pair.nodes[pair.peer[dst]]
        if near:  # close to the numbers in use, so some pass the window checks
            seq = (ep.rcv_nxt + seq % 200 - 100) % 2**32
            ack = (ep.snd_una + ack % 200 - 100) % 2**32
        src_port = peer.local_port if right_ports else 1234
        pair.inject(dst, Segment(src_port, ep.local_port, seq, ack, Flags(flags), window,
                                 payload=payload))
        pair.advance(0.02)
    pair.run()
    for name in ("client", "server"):
        assert pair.nodes[name].state in (State.CLOSED, State.ESTABLISHED, State.CLOSE_WAIT,
                                          State.FIN_WAIT_2, State.TIME_WAIT)
    _check_edges(pair)
