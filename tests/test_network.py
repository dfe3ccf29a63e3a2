"""The simulator's machinery (links, fault rules, taps, injection, timers, scripting), driven by a
tiny fake endpoint so that only the network is under test."""

from __future__ import annotations

import pytest

from tcpedu.errors import ParameterError
from tcpedu.model.events import (
    DataReceived,
    PeerClosed,
    Retransmitted,
    StateChange,
    TimerArmed,
    TimerFired,
)
from tcpedu.model.segment import Segment
from tcpedu.model.states import State
from tcpedu.sim.network import (
    Drop,
    DropNth,
    DropWhere,
    Duplicate,
    HoldBack,
    Network,
    Packet,
    segment_kinds,
)
from tcpedu.trace import (
    AppEvent,
    SegmentDelivered,
    SegmentDropped,
    SegmentSent,
    StateChanged,
    TimerEvent,
)


class FakeEndpoint:
    """Sends each send() as one segment; resends it after ``rto`` until some segment arrives."""

    def __init__(self, name: str, local_port: int, rto: float | None = None) -> None:
        self.name, self.local_port, self.rto = name, local_port, rto
        self.state = State.CLOSED
        self.seq = 1000
        self.out: list[Segment] = []
        self.events: list[object] = []
        self.received: list[tuple[float, Segment]] = []
        self.timer: float | None = None
        self.last: Segment | None = None
        self.remote_port = 0

    def _move(self, new: State, trigger: str) -> None:
        self.events.append(StateChange(self.state, new, trigger, "§test"))
        self.state = new

    def listen(self, now: float) -> None:
        self._move(State.LISTEN, "passive OPEN")

    def connect(self, now: float, remote_port: int, remote_ip: str = "") -> None:
        self.remote_port = remote_port
        self._move(State.ESTABLISHED, "fake open")

    def send(self, now: float, data: bytes) -> None:
        seg = Segment(self.local_port, self.remote_port or 40000, seq=self.seq, ack=1,
                      flags="PA", payload=data)
        self.seq += len(data)
        self.out.append(seg)
        self.last = seg
        if self.rto is not None:
            self.timer = now + self.rto
            self.events.append(TimerArmed("rexmt", self.timer))

    def close(self, now: float) -> None:
        self.out.append(Segment(self.local_port, self.remote_port, seq=self.seq, ack=1, flags="FA"))
        self.seq += 1
        self._move(State.CLOSED, "CLOSE")

    def abort(self, now: float) -> None:
        self._move(State.CLOSED, "ABORT")

    def receive(self, now: float, segment: Segment, src_ip: str | None = None) -> None:
        self.received.append((now, segment))
        self.remote_port = segment.src_port
        if self.state is State.LISTEN:
            self._move(State.ESTABLISHED, "fake accept")
        self.timer = None
        if segment.payload:
            self.events.append(DataReceived(segment.payload))
        if segment.flags & 0x01:
            self.events.append(PeerClosed())

    def get_timer(self) -> float | None:
        return self.timer

    def handle_timer(self, now: float) -> None:
        self.events.append(TimerFired("rexmt"))
        assert self.last is not None
        self.events.append(Retransmitted(self.last.seq, "rto"))  # the network never guesses
        self.out.append(self.last)
        self.timer = now + (self.rto or 1.0)

    def segments_to_send(self) -> list[Segment]:
        out, self.out = self.out, []
        return out

    def next_event(self) -> object | None:
        return self.events.pop(0) if self.events else None

    def snapshot_values(self) -> tuple:
        return (self.state, 1000, None, 1000, self.seq, 65535, None, 65535, 1460, 65535, None,
                1.0, (), 0)


def fake_net(**options: object) -> tuple[Network, FakeEndpoint, FakeEndpoint]:
    net = Network(**options)  # type: ignore[arg-type]
    client, server = FakeEndpoint("client", 40000), FakeEndpoint("server", 80)
    net.add_endpoint("client", client, "10.0.0.1")
    net.add_endpoint("server", server, "10.0.0.2")
    net.at(0.0, "client", "connect")
    return net, client, server


def send_chunks(net: Network, count: int, gap: float = 0.01, size: int = 10) -> list[bytes]:
    chunks = [bytes([65 + i % 26]) * size for i in range(count)]
    for i, chunk in enumerate(chunks):
        net.at(0.1 + i * gap, "client", "send", chunk)
    return chunks


def arrivals(server: FakeEndpoint) -> list[bytes]:
    return [seg.payload for _, seg in server.received]


def test_delivery_takes_the_link_delay_and_is_recorded() -> None:
    net, _client, server = fake_net(delay=0.25)
    send_chunks(net, 1)
    trace = net.run()
    assert server.received[0][0] == pytest.approx(0.35)
    (sent,) = trace.segments("client")
    delivered = trace.of_type(SegmentDelivered)
    assert [d.id for d in delivered] == [sent.id] and delivered[0].time == pytest.approx(0.35)
    assert trace.fate(sent.id) == "delivered"
    assert trace.app_data("server") == b"A" * 10


def test_bandwidth_serialises_segments_one_after_another() -> None:
    net, _client, server = fake_net(delay=0.1, bandwidth=15_000)
    net.at(0.1, "client", "send", b"x" * 1460)
    net.at(0.1, "client", "send", b"y" * 1460)
    net.run()
    times = [t for t, _ in server.received]
    assert times == pytest.approx([0.1 + 0.1 + 0.1, 0.1 + 0.2 + 0.1])


def test_full_queue_drops_the_tail() -> None:
    net, _client, server = fake_net(delay=0.1, bandwidth=10_400, queue=2000)
    for i in range(5):
        net.at(0.1, "client", "send", bytes([65 + i]) * 1000)  # 1040 bytes on the link each
    trace = net.run()
    assert arrivals(server) == [b"A" * 1000, b"B" * 1000]
    assert [t for t, _ in server.received] == pytest.approx([0.3, 0.4])
    drops = trace.of_type(SegmentDropped)
    assert len(drops) == 3 and all("queue full" in d.reason for d in drops)
    assert all(d.time == pytest.approx(0.1) for d in drops)


def test_per_direction_link_overrides_the_default() -> None:
    net, client, server = fake_net(delay=0.1)
    net.set_link("server", "client", delay=0.5)
    net.at(0.1, "client", "send", b"ping")
    net.at(0.1, "server", "send", b"pong")
    net.run()
    assert server.received[0][0] == pytest.approx(0.2)
    assert client.received[0][0] == pytest.approx(0.6)


def test_drop_nth_loses_exactly_that_segment() -> None:
    net, _client, server = fake_net(rules=[DropNth(src="client", kind="data", n=3)])
    chunks = send_chunks(net, 5)
    trace = net.run()
    assert arrivals(server) == chunks[:2] + chunks[3:]
    (dropped,) = trace.of_type(SegmentDropped)
    lost = next(s for s in trace.segments() if s.id == dropped.id)
    assert lost.segment.payload == chunks[2]
    assert "drop #3 data from client" in dropped.reason
    assert trace.fate(lost.id) == "dropped"


def test_drop_where_predicate_and_times_cap() -> None:
    rule = DropWhere(lambda p: p.segment.payload.startswith(b"B") or p.segment.payload[:1] == b"C",
                     times=1, reason="custom")
    net, _client, server = fake_net(rules=[rule])
    chunks = send_chunks(net, 4)
    trace = net.run()
    assert arrivals(server) == [chunks[0], chunks[2], chunks[3]]
    assert [d.reason for d in trace.of_type(SegmentDropped)] == ["custom"]


def test_rules_filter_by_destination_and_kind() -> None:
    net, client, server = fake_net(rules=[Drop(dst="client")])
    send_chunks(net, 2)
    net.at(0.5, "server", "send", b"reply")
    net.at(0.6, "server", "close")
    net.run()
    assert len(server.received) == 2 and client.received == []
    fin = Segment(1, 2, flags="FA")
    assert segment_kinds(fin) == {"any", "fin"}
    assert segment_kinds(Segment(1, 2, flags="PA", payload=b"x")) == {"any", "data"}
    assert segment_kinds(Segment(1, 2, flags="A")) == {"any", "ack"}
    assert segment_kinds(Segment(1, 2, flags="SA")) == {"any", "synack"}


def test_hold_back_reorders_a_segment_behind_the_next() -> None:
    net, _client, server = fake_net(delay=0.05, rules=[HoldBack(src="client", n=2, extra=0.1)])
    chunks = send_chunks(net, 4, gap=0.02)
    net.run()
    assert arrivals(server) == [chunks[0], chunks[2], chunks[3], chunks[1]]


def test_duplicate_delivers_a_second_copy_recorded_as_its_own_segment() -> None:
    net, _client, server = fake_net(rules=[Duplicate(kind="data", n=1)])
    chunks = send_chunks(net, 2)
    trace = net.run()
    assert arrivals(server) == [chunks[0], chunks[0], chunks[1]]
    notes = [s.note for s in trace.segments("client")]
    assert notes == ["", "duplicate", ""]
    assert len(trace.of_type(SegmentDelivered)) == 3


def test_random_faults_are_deterministic_for_a_seed() -> None:
    def run(seed: int) -> list[tuple[str, ...]]:
        net, _c, _s = fake_net(seed=seed, loss=0.3, duplicate=0.2, reorder=0.2)
        send_chunks(net, 60, gap=0.005)
        trace = net.run()
        return [(type(r).__name__, str(r.time), str(getattr(r, "id", ""))) for r in trace]

    assert run(7) == run(7)
    assert run(7) != run(8)
    net, _c, server = fake_net(seed=7, loss=0.3)
    send_chunks(net, 200, gap=0.001)
    trace = net.run()
    drops = trace.of_type(SegmentDropped)
    assert 30 < len(drops) < 90
    assert all(d.reason == "random loss (p=0.3)" for d in drops)
    assert len(server.received) == 200 - len(drops)


def test_records_come_in_time_order() -> None:
    net, _c, _s = fake_net(seed=3, loss=0.2, reorder=0.3, bandwidth=20_000)
    send_chunks(net, 40, gap=0.003, size=100)
    trace = net.run()
    times = [r.time for r in trace]
    assert times == sorted(times)


def test_tap_sees_every_segment_and_inject_spoofs_the_client() -> None:
    net, _client, server = fake_net()
    net.add_host("attacker", "10.0.0.66")
    seen: list[SegmentSent] = []

    def watch(n: Network, now: float, sent: SegmentSent) -> None:
        seen.append(sent)
        if sent.src == "client" and sent.segment.payload == b"A" * 10:
            forged = sent.segment.replace(seq=sent.segment.seq + 10, payload=b"EVIL")
            n.inject(now + 0.001, "attacker", "server", forged, spoof_as="client")

    net.tap(watch)
    send_chunks(net, 1)
    trace = net.run()
    assert arrivals(server) == [b"A" * 10, b"EVIL"]
    injected = [s for s in trace.segments("attacker")]
    assert len(injected) == 1 and injected[0].note == "injected"
    assert injected[0].spoofed_as == "client"
    assert [s.id for s in seen] == [s.id for s in trace.segments()]


def test_timers_fire_resend_and_superseded_timers_are_ignored() -> None:
    net = Network(delay=0.1, rules=[DropNth(kind="data", n=1)])
    client, server = FakeEndpoint("client", 40000, rto=0.5), FakeEndpoint("server", 80)
    net.add_endpoint("client", client, "10.0.0.1")
    net.add_endpoint("server", server, "10.0.0.2")
    net.at(0.0, "client", "connect")
    net.at(0.0, "client", "send", b"first")
    net.at(0.2, "client", "send", b"second")  # re-arms the timer to 0.7: the 0.5 one is stale
    trace = net.run(until=5.0)
    fired = [e for e in trace.of_type(TimerEvent) if e.action == "fired"]
    assert fired[0].time == pytest.approx(0.7)
    resent = trace.segments("client")[2]
    assert resent.note == "retransmission" and resent.segment.payload == b"second"
    assert resent.known == ("rto-retransmission",)
    assert [s.note for s in trace.segments("client")[:2]] == ["", ""]


def test_run_until_stops_and_continues() -> None:
    net, _c, server = fake_net(delay=0.1)
    send_chunks(net, 3, gap=1.0)
    net.run(until=1.5)
    assert len(server.received) == 2 and net.now == 1.5 and net.pending == 1
    net.run()
    assert len(server.received) == 3


def test_state_changes_app_events_and_snapshots_are_recorded() -> None:
    net, _client, _server = fake_net()
    net.at(0.0, "server", "listen")
    send_chunks(net, 2)
    net.close_on_eof("server", after=0.01)
    net.at(0.5, "client", "close")
    trace = net.run()
    assert trace.states("client") == [State.CLOSED, State.ESTABLISHED, State.CLOSED]
    assert isinstance(trace.state_changes("server")[0], StateChanged)
    actions = [(e.node, e.action) for e in trace.of_type(AppEvent)]
    assert ("server", "eof") in actions and ("client", "connect") in actions
    eof = next(e for e in trace.of_type(AppEvent) if e.action == "eof")
    server_close = next(e for e in trace.of_type(AppEvent)
                        if e.node == "server" and e.action == "close")
    assert server_close.time == pytest.approx(eof.time + 0.01)
    # A snapshot only when something changed: the client's seq moves with each send.
    client_snaps = trace.snapshots("client")
    keys = [(s.state, s.snd_nxt) for s in client_snaps]
    assert len(keys) == len(set(keys))


def test_close_on_eof_skips_a_connection_that_is_already_gone() -> None:
    net, client, server = fake_net()
    net.at(0.0, "server", "listen")
    net.close_on_eof("server", after=1.0)
    net.at(0.2, "client", "close")       # the server sees EOF at 0.25 and would close at 1.25
    net.at(0.5, "server", "abort")       # but by then it has aborted
    trace = net.run()
    assert [e.action for e in trace.of_type(AppEvent) if e.node == "server"] == [
        "listen", "eof", "abort"]


def test_runaway_script_is_stopped_with_a_clear_error() -> None:
    net = Network(rules=[Drop(kind="data")])
    client, server = FakeEndpoint("client", 40000, rto=0.1), FakeEndpoint("server", 80)
    net.add_endpoint("client", client, "10.0.0.1")
    net.add_endpoint("server", server, "10.0.0.2")
    net.at(0.0, "client", "send", b"never arrives")
    with pytest.raises(ParameterError, match="did not settle within max_events=500"):
        net.run(max_events=500)


@pytest.mark.parametrize("call, message", [
    (lambda n: n.at(0.0, "client", "dance"), "action='dance'"),
    (lambda n: n.at(0.0, "nobody", "listen"), "no endpoint named 'nobody'"),
    (lambda n: n.at(-1.0, "client", "listen"), "time=-1.0"),
    (lambda n: n.at(0.0, "client", "send", "text"), "send needs exactly one bytes"),
    (lambda n: n.set_link("client", "server", loss=2), "loss=2"),
    (lambda n: n.set_link("client", "server", colour="red"), "colour"),
    (lambda n: n.add_host("client", "10.0.0.9"), "already exists"),
    (lambda n: n.add_host("x", "10.0.0.300"), "10.0.0.300"),
    (lambda n: n.inject(0.0, "client", "server", b"raw"), "needs a Segment"),
    (lambda n: n.add_rule("drop it"), "not a fault rule"),
])
def test_bad_parameters_raise_parameter_error_naming_them(call: object, message: str) -> None:
    net, _c, _s = fake_net()
    with pytest.raises(ParameterError, match=message):
        call(net)  # type: ignore[operator]


@pytest.mark.parametrize("make, message", [
    (lambda: DropNth(kind="datagram", n=1), "kind='datagram'"),
    (lambda: DropNth(n=0), "n=0"),
    (lambda: HoldBack(extra=-1), "extra=-1"),
    (lambda: Duplicate(copies=0), "copies=0"),
    (lambda: Network(delay=-0.1), "delay=-0.1"),
    (lambda: Network(bandwidth=0), "bandwidth=0"),
    (lambda: Network(queue=-5), "queue=-5"),
    (lambda: Network(seed="x"), "seed='x'"),
])
def test_bad_rule_and_link_values_are_refused(make: object, message: str) -> None:
    with pytest.raises(ParameterError, match=message):
        make()  # type: ignore[operator]


def test_pair_builds_real_endpoints_and_refuses_unknown_options() -> None:
    net = Network.pair(delay=0.01)
    assert repr(net) == "<Network t=0.000 s, 0 pending events, nodes client, server>"
    assert net.endpoint("server").local_port == 80
    with pytest.raises(ParameterError, match="Network.pair: .*'latency'"):
        Network.pair(latency=0.2)


def test_packet_exposes_kinds_and_sender_state_to_predicates() -> None:
    seen: list[Packet] = []

    def spy(packet: Packet) -> bool:
        seen.append(packet)
        return False

    net, _c, _s = fake_net(rules=[DropWhere(spy)])
    send_chunks(net, 1)
    net.run()
    assert seen[0].sender_state is State.ESTABLISHED and "data" in seen[0].kinds


class ScriptedTimer:
    """An endpoint whose one timer is set by send(): the bytes give the deadline."""

    def __init__(self, log: list[tuple[str, float]]) -> None:
        self.name, self.local_port, self.state = "client", 40000, State.ESTABLISHED
        self.timer: float | None = None
        self.log = log

    def send(self, now: float, data: bytes) -> None:
        self.timer = float(data)

    def handle_timer(self, now: float) -> None:
        self.timer = None
        self.log.append(("fired", now))

    def receive(self, now: float, segment: Segment, src_ip: str | None = None) -> None:
        pass

    def segments_to_send(self) -> list[Segment]:
        return []

    def next_event(self) -> None:
        return None

    def get_timer(self) -> float | None:
        return self.timer


def test_a_timer_back_at_an_earlier_deadline_fires_where_it_was_first_armed() -> None:
    # The deadline goes 1.0 -> 0.5 (a shorter timer) -> 1.0 again, and an event for t = 1.0 is
    # queued in between: the timer fires first, from the place it took when first armed at 1.0.
    log: list[tuple[str, float]] = []
    net = Network(snapshots=False)
    net.add_endpoint("client", ScriptedTimer(log), "10.0.0.1")
    net.at(0.0, "client", "send", b"1.0")
    net.at(0.1, "client", "send", b"0.5")
    net.at(0.2, lambda n, now: n.at(1.0, lambda _n, t: log.append(("marker", t))))
    net.at(0.3, "client", "send", b"1.0")
    net.run()
    assert log == [("fired", 1.0), ("marker", 1.0)]


def test_forgetting_passed_timer_deadlines_changes_no_record(monkeypatch: pytest.MonkeyPatch,
                                                            ) -> None:
    from tcpedu.sim import network
    from tcpedu.sim.scenarios import run

    params = {"size": 150_000, "loss": 0.03, "seed": 3, "snapshots": False, "delay": 0.02}
    expected = [repr(r) for r in run("transfer", **params).records]
    forgot = []
    forget = network._TimerSlot.forget_passed

    def counting(slot: network._TimerSlot, now: float) -> None:
        forgot.append(now)
        forget(slot, now)

    monkeypatch.setattr(network._TimerSlot, "FORGET_AT", 4)
    monkeypatch.setattr(network._TimerSlot, "forget_passed", counting)
    assert [repr(r) for r in run("transfer", **params).records] == expected
    assert len(forgot) >= 3  # it did forget, several times
