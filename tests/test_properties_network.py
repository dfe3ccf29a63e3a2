"""Properties through the simulator with real endpoints: whatever the payloads and the (bounded)
loss, reordering and duplication, every byte arrives exactly once and in order, both ends finish
cleanly, and every state change is an edge of the transition table."""

from __future__ import annotations

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tcpedu.model.endpoint import Config
from tcpedu.model.states import TRANSITIONS, State, Trigger
from tcpedu.sim.network import Network
from tcpedu.trace import SegmentDelivered, SegmentDropped, SegmentSent, Trace

chunks = st.lists(st.binary(min_size=0, max_size=2500), min_size=0, max_size=4)


def converse(client_chunks: list[bytes], server_chunks: list[bytes], loss: float,
             reorder: float, duplicate: float, seed: int, receiver: str = "tcp") -> Trace:
    options = {"mss": 536, "msl": 1.0, "seed": seed, "delayed_ack": 0.1, "receiver": receiver}
    net = Network.pair(Config(**options), Config(**options), seed=seed, delay=0.02,
                       loss=loss, reorder=reorder, duplicate=duplicate, reorder_delay=0.03)
    net.at(0.0, "server", "listen")
    net.at(0.0, "client", "connect")

    def talk(node: str, data: list[bytes]) -> None:
        def go(n: Network, now: float, _event: object) -> None:
            for chunk in data:
                if chunk:
                    n.call(now, node, "send", chunk)
            if node == "client":
                n.call(now, node, "close")
        net.on(node, "connected", go)

    talk("client", client_chunks)
    talk("server", server_chunks)
    net.close_on_eof("server")
    return net.run(max_events=500_000)


def assert_clean(trace: Trace, client_chunks: list[bytes], server_chunks: list[bytes]) -> None:
    assert trace.app_data("server") == b"".join(client_chunks)
    assert trace.app_data("client") == b"".join(server_chunks)
    for node in ("client", "server"):
        assert trace.final_state(node) in (State.CLOSED, State.TIME_WAIT)
    for change in trace.state_changes():
        edge = TRANSITIONS.get((change.old, Trigger(change.trigger)))
        assert edge is not None and edge.target is change.new, change
    sent = {r.id for r in trace.of_type(SegmentSent)}
    ended = [r.id for r in trace if isinstance(r, (SegmentDelivered, SegmentDropped))]
    assert len(ended) == len(set(ended)) and set(ended) == sent  # each resolved exactly once


@settings(max_examples=35, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(client_chunks=chunks, server_chunks=chunks,
       loss=st.sampled_from([0.0, 0.05, 0.15]), reorder=st.sampled_from([0.0, 0.1, 0.3]),
       duplicate=st.sampled_from([0.0, 0.1]), seed=st.integers(0, 2**16))
def test_bytes_arrive_once_in_order_despite_faults(client_chunks: list[bytes],
                                                   server_chunks: list[bytes], loss: float,
                                                   reorder: float, duplicate: float,
                                                   seed: int) -> None:
    trace = converse(client_chunks, server_chunks, loss, reorder, duplicate, seed)
    assert_clean(trace, client_chunks, server_chunks)


@settings(max_examples=15, deadline=None)
@given(client_chunks=chunks, loss=st.sampled_from([0.0, 0.1]),
       reorder=st.sampled_from([0.0, 0.3]), seed=st.integers(0, 2**16))
def test_go_back_n_receiver_is_reliable_too(client_chunks: list[bytes], loss: float,
                                            reorder: float, seed: int) -> None:
    trace = converse(client_chunks, [], loss, reorder, 0.0, seed, receiver="gbn")
    assert_clean(trace, client_chunks, [])


def test_heavy_faults_example_is_deterministic() -> None:
    data = [bytes(range(256)) * 20, b"tail"]
    first = converse(data, [b"reply" * 300], 0.15, 0.3, 0.1, seed=11)
    again = converse(data, [b"reply" * 300], 0.15, 0.3, 0.1, seed=11)
    assert first.records == again.records
    assert first.of_type(SegmentDropped) and any(
        s.note == "duplicate" for s in first.segments())
    assert_clean(first, data, [b"reply" * 300])
