"""The simulator's fast paths build the same values as the slow, checked ones.

``tcpedu.model.fastinit`` gives frozen dataclasses a faster ``__init__`` and positional factories
(:func:`~tcpedu.model.fastinit.maker`) that skip ``__post_init__``; the endpoint hands its events
over in bulk (``drain_events``, or its ``event_queue`` read in place by the network). These
tests pin that none of it changes a value.
"""

from __future__ import annotations

import dataclasses
import pickle

import pytest
from conversations import converse
from hypothesis import given, settings
from hypothesis import strategies as st

from tcpedu.errors import SegmentError
from tcpedu.model.endpoint import Config, Endpoint
from tcpedu.model.events import DataReceived, StateChange, TimerArmed, TimerCancelled
from tcpedu.model.fastinit import maker
from tcpedu.model.flags import Flags
from tcpedu.model.segment import Options, Segment
from tcpedu.model.send_buffer import SendBuffer
from tcpedu.model.snapshot import Snapshot
from tcpedu.model.states import State
from tcpedu.sim.network import Network
from tcpedu.sim.scenarios import SCENARIOS, payload, run
from tcpedu.trace import AppEvent, SegmentDelivered, SegmentDropped, SegmentSent, TimerEvent

SNAPSHOT = (1.5, "client", State.ESTABLISHED, 1, 2, 3, 4, 5, 6, 7, 8, 9, 0.25, 1.0, ((10, 20),), 11)
SEGMENT = Segment(40000, 80, 7, 9, Flags.PSH | Flags.ACK, 512, Options(sack=((1, 2),)), b"hi")
VALUES = [
    (Segment, (1, 2, 3, 4, Flags.ACK, 5, Options(), b"xy", 0)),
    (SegmentSent, (0.5, 3, "client", "server", SEGMENT, "retransmission", ("dup-ack",), None,
                   "", ("rto-retransmission",))),
    (SegmentDelivered, (0.5, 3)),
    (SegmentDropped, (0.5, 3, "random loss (p=0.01)")),
    (TimerEvent, (0.5, "server", "delayed-ack", "armed", 0.7)),
    (AppEvent, (0.5, "server", "received", "2 bytes", b"hi")),
    (TimerArmed, ("rto", 2.0)),
    (TimerCancelled, ("rto",)),
    (DataReceived, (b"hi",)),
    (StateChange, (State.LISTEN, State.SYN_RECEIVED, "rcv SYN", "§3.10.7.2")),
]


@pytest.mark.parametrize(("cls", "values"), VALUES, ids=[c.__name__ for c, _ in VALUES])
def test_maker_builds_an_equal_frozen_instance_of_the_class(cls: type, values: tuple) -> None:
    made, built = maker(cls)(*values), cls(*values)
    assert type(made) is cls
    assert made == built and hash(made) == hash(built) and repr(made) == repr(built)
    assert pickle.loads(pickle.dumps(made)) == built
    name = dataclasses.fields(cls)[0].name
    with pytest.raises(dataclasses.FrozenInstanceError):
        setattr(made, name, values[0])
    assert dataclasses.replace(made) == built


def test_a_snapshot_built_from_the_network_tuple_is_the_snapshot() -> None:
    """The network builds a Snapshot as ``tuple.__new__(Snapshot, (time, node) + values)``: the
    same value as the constructor's, immutable, with its fields by name."""
    built = Snapshot(*SNAPSHOT)
    made = tuple.__new__(Snapshot, SNAPSHOT[:2] + SNAPSHOT[2:])
    assert type(made) is Snapshot and made == built and hash(made) == hash(built)
    assert repr(made) == repr(built) and repr(made).startswith("Snapshot(time=1.5, node='client'")
    assert (made.state, made.cwnd, made.ooo, made.bytes_delivered) == (
        State.ESTABLISHED, 8, ((10, 20),), 11)
    assert Snapshot(*SNAPSHOT[:-2]).ooo == () and Snapshot(*SNAPSHOT[:-2]).bytes_delivered == 0
    assert pickle.loads(pickle.dumps(made)) == built
    with pytest.raises(AttributeError):
        made.cwnd = 3  # type: ignore[misc]


def test_quick_init_keeps_the_checks_and_the_defaults() -> None:
    assert Segment(1, 2) == Segment(1, 2, 0, 0, Flags(0), 65535, Options(), b"", 0)
    assert Segment(1, 2, flags="SA", payload=bytearray(b"x")).payload == b"x"
    with pytest.raises(SegmentError, match="seq=-1"):
        Segment(1, 2, seq=-1)
    with pytest.raises(TypeError):
        Segment(1)  # type: ignore[call-arg]


def _traces() -> list:
    traces = [run(name) for name in SCENARIOS]
    traces += [run("transfer", size=200_000, loss=0.03, seed=seed) for seed in range(3)]
    for cfg in ({"sack": True}, {"sack": True, "wscale": 3, "rcv_buffer": 200_000},
                {"app_read_rate": 20_000.0, "rcv_buffer": 8000}):
        net = Network.pair(Config(isn=2**32 - 5000, **cfg), Config(**cfg), loss=0.03,
                           reorder=0.02, seed=3)
        net.at(0.0, "server", "listen")
        net.at(0.0, "client", "connect")
        net.at(0.5, "client", "send", payload(100_000))
        net.at(0.5, "client", "close")
        net.close_on_eof("server")
        traces.append(net.run())
    return traces


def test_every_segment_an_endpoint_builds_passes_the_segment_checks() -> None:
    """The endpoint builds segments with :func:`maker` (no ``__post_init__``): each must be one
    that ``Segment(...)`` accepts unchanged (ints in range, real Flags and bytes)."""
    checked = 0
    for trace in _traces():
        for record in trace.records:
            if isinstance(record, SegmentSent):
                seg = record.segment
                assert type(seg.flags) is Flags and type(seg.payload) is bytes
                assert Segment(*(getattr(seg, f.name) for f in dataclasses.fields(seg))) == seg
                checked += 1
    assert checked > 1000


def test_drain_events_hands_over_what_next_event_would_in_order() -> None:
    def handshake(drain: bool) -> list:
        client = Endpoint("client", 40000, Config(isn=100))
        client.connect(0.0, remote_port=80)
        server = Endpoint("server", 80, Config(isn=300))
        server.listen(0.0)
        for seg in client.segments_to_send():
            server.receive(0.1, seg)
        if drain:
            return [*client.drain_events(), *server.drain_events(), *server.drain_events()]
        events = []
        for ep in (client, server):
            while (event := ep.next_event()) is not None:
                events.append(event)
        return events

    drained, one_by_one = handshake(True), handshake(False)
    assert drained == one_by_one and any(isinstance(e, TimerArmed) for e in drained)


@given(st.lists(st.one_of(
    st.tuples(st.just("append"), st.binary(max_size=40)),
    st.tuples(st.just("consume"), st.integers(-3, 60)),
    st.tuples(st.just("slice"), st.integers(-10, 90), st.integers(-10, 90)),
    st.tuples(st.just("clear")),
), max_size=40))
@settings(max_examples=300, deadline=None)
def test_send_buffer_behaves_as_the_bytearray_it_replaces(ops: list[tuple]) -> None:
    """``SendBuffer`` keeps chunks and an offset; every read must equal a plain bytearray's."""
    buf, model = SendBuffer(), bytearray()
    for op, *args in ops:
        if op == "append":
            buf.append(args[0])
            model += args[0]
        elif op == "consume":
            buf.consume(args[0])
            del model[:max(args[0], 0)]
        elif op == "slice":
            assert buf.slice(*args) == bytes(model[args[0]:args[1]])
        else:
            buf.clear()
            model.clear()
        assert len(buf) == buf.size == len(model) and bytes(buf) == bytes(model)
        assert bool(buf) == bool(model)


@pytest.mark.parametrize("enabled", [True, False])
def test_network_run_restores_the_garbage_collector(enabled: bool) -> None:
    """``Network.run`` pauses Python's cyclic collector while it runs, and leaves it as it was,
    also when the run raises."""
    import gc

    from tcpedu.errors import ParameterError

    was = gc.isenabled()
    try:
        gc.enable() if enabled else gc.disable()
        run("handshake")
        assert gc.isenabled() is enabled
        net = Network.pair()
        net.at(0.0, "server", "listen")
        net.at(0.0, "client", "connect")
        with pytest.raises(ParameterError, match="max_events"):
            net.run(max_events=3)
        assert gc.isenabled() is enabled
    finally:
        gc.enable() if was else gc.disable()


def test_a_runs_records_are_left_to_the_collectors_oldest_generation() -> None:
    """After ``Network.run`` the records (long-lived, acyclic) are in no young generation, so no
    young collection walks them; objects the program froze itself stay frozen."""
    import gc

    was = gc.isenabled()
    try:
        gc.enable()
        trace = run("transfer", size=20_000)
        young = {id(o) for generation in (0, 1) for o in gc.get_objects(generation)}
        assert not any(id(record) in young for record in trace.records)
        mine = [object()]
        gc.freeze()
        run("handshake")
        assert not any(o is mine for o in gc.get_objects())  # still in the permanent generation
    finally:
        gc.unfreeze()
        gc.enable() if was else gc.disable()


class _OneByOne:
    """An Endpoint seen without ``event_queue``: the network takes its events one by one
    through ``next_event`` and records each through the table."""

    event_queue = None

    def __init__(self, endpoint: Endpoint) -> None:
        self._ep = endpoint

    def __getattr__(self, name: str) -> object:
        return getattr(self._ep, name)


def test_events_recorded_inline_equal_the_table_recording() -> None:
    """``Network._settle`` records the frequent events inline for an endpoint with
    an ``event_queue``; the records must be those the ``_RECORDERS`` table writes."""
    def trace(wrap: bool) -> list:
        net = Network(seed=2, loss=0.05, delay=0.01)
        for name, port, ip in (("client", 40000, "10.0.0.1"), ("server", 80, "10.0.0.2")):
            ep = Endpoint(name, port, Config(isn=7, delayed_ack=0.2), local_ip=ip)
            net.add_endpoint(name, _OneByOne(ep) if wrap else ep, ip)
            assert (net._nodes[name].events is None) is wrap  # the path taken is the one meant
        return converse(net, 60_000)

    inline, table = trace(False), trace(True)
    assert inline == table and any(isinstance(r, TimerEvent) for r in inline)


@pytest.mark.parametrize(("name", "params"), [
    ("transfer", {"size": 150_000, "loss": 0.03, "seed": 2, "rcv_buffer": 8000}),
    ("transfer", {"size": 100_000, "loss": 0.02, "seed": 5, "bandwidth": 1e6, "queue": 6000}),
    ("upload_loss", {"sack": True, "lose": 3}),
    ("zero_window", {"size": 20_000, "rcv_buffer": 1000}),
])
def test_arrivals_fast_paths_equal_the_general_path(monkeypatch: pytest.MonkeyPatch, name: str,
                                                    params: dict) -> None:
    """The common cases of an arriving segment (text at RCV.NXT for the receiver, a bare ACK at
    RCV.NXT for the sender) skip most of §3.10.7.4's steps; with them turned off (no segment
    matches ``_CONTROL`` = 0), every segment takes the general path: the same trace."""
    from tcpedu.model import arrivals

    fast = run(name, **params).records
    monkeypatch.setattr(arrivals, "_CONTROL", 0)

    def not_taken(*_args: object) -> None:
        raise AssertionError("the receiver's fast path was taken")

    monkeypatch.setattr(arrivals.Arrivals, "_next_text", not_taken)
    slow = run(name, **params).records
    assert slow == fast and len(fast) > 50
