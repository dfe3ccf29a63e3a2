"""Hand-made Traces for the view tests: they do not depend on the simulator, so the pictures,
narration and players are tested against records whose every number we chose."""

from __future__ import annotations

from tcpedu.model.segment import Flags, Segment
from tcpedu.model.states import State
from tcpedu.trace import (
    AppEvent,
    Host,
    SegmentDelivered,
    SegmentDropped,
    SegmentSent,
    Snapshot,
    StateChanged,
    TimerEvent,
    Trace,
)

CLIENT_ISN = 1000
SERVER_ISN = 5000
DELAY = 0.010
PORTS = {"client": 40000, "server": 80}


class _Build:
    def __init__(self, scenario: str) -> None:
        self.trace = Trace({"client": Host("client", "10.0.0.1", 40000),
                            "server": Host("server", "10.0.0.2", 80)},
                           meta={"scenario": scenario})
        self.next_id = 1
        self.t = 0.0

    def add(self, record) -> None:
        self.trace.add(record)

    def send(self, src: str, flags: str, seq: int, ack: int = 0, payload: bytes = b"",
             window: int = 64240, note: str = "", tags: tuple[str, ...] = ()) -> int:
        dst = "server" if src == "client" else "client"
        seg = Segment(PORTS[src], PORTS[dst], seq, ack, Flags.parse(flags), window,
                      payload=payload)
        sid = self.next_id
        self.next_id += 1
        # What the simulated sender knew: a resend says so (tcpedu.trace.KNOWN).
        known = ("rto-retransmission",) if note == "retransmission" else ()
        self.add(SegmentSent(self.t, sid, src, dst, seg, note, tags, known=known))
        return sid

    def deliver(self, sid: int) -> None:
        self.add(SegmentDelivered(self.t, sid))

    def drop(self, sid: int) -> None:
        self.add(SegmentDropped(self.t, sid, "rule: drop segment"))

    def state(self, node: str, old: State, new: State, trigger: str, rfc: str = "") -> None:
        self.add(StateChanged(self.t, node, old, new, trigger, rfc))

    def snap(self, node: str, state: State, una: int, nxt: int, rcv_nxt: int | None,
             ooo: tuple[tuple[int, int], ...] = (), delivered: int = 0, cwnd: int = 1460,
             ssthresh: int = 65535) -> None:
        iss = CLIENT_ISN if node == "client" else SERVER_ISN
        irs = SERVER_ISN if node == "client" else CLIENT_ISN
        self.add(Snapshot(self.t, node, state, iss, irs if rcv_nxt is not None else None, una,
                          nxt, 64240, rcv_nxt, 64240, cwnd, ssthresh, 0.02, 1.0, ooo,
                          delivered))

    def tick(self, dt: float = DELAY) -> None:
        self.t = round(self.t + dt, 6)


def _handshake(b: _Build) -> None:
    c, s = CLIENT_ISN, SERVER_ISN
    b.add(AppEvent(b.t, "server", "listen"))
    b.state("server", State.CLOSED, State.LISTEN, "passive OPEN", "§3.10.1")
    b.tick(0.001)
    b.add(AppEvent(b.t, "client", "connect"))
    b.state("client", State.CLOSED, State.SYN_SENT, "active OPEN", "§3.10.1")
    b.snap("client", State.SYN_SENT, c, c + 1, None)
    syn = b.send("client", "S", c)
    b.tick()
    b.deliver(syn)
    b.state("server", State.LISTEN, State.SYN_RECEIVED, "rcv SYN", "§3.10.7.2")
    b.snap("server", State.SYN_RECEIVED, s, s + 1, c + 1)
    synack = b.send("server", "SA", s, c + 1)
    b.tick()
    b.deliver(synack)
    b.state("client", State.SYN_SENT, State.ESTABLISHED, "rcv SYN,ACK", "§3.10.7.3")
    b.snap("client", State.ESTABLISHED, c + 1, c + 1, s + 1)
    ack = b.send("client", "A", c + 1, s + 1)
    b.tick()
    b.deliver(ack)
    b.state("server", State.SYN_RECEIVED, State.ESTABLISHED, "rcv ACK of SYN", "§3.10.7.4")
    b.snap("server", State.ESTABLISHED, s + 1, s + 1, c + 1)


def handshake() -> Trace:
    """The 3-way handshake: SYN seq=1000, SYN,ACK seq=5000 ack=1001, ACK ack=5001."""
    b = _Build("handshake")
    _handshake(b)
    return b.trace


def transfer_with_loss() -> Trace:
    """Handshake, then three 100-byte segments; the first is lost, the second and third arrive
    out of order (two duplicate ACKs), the timer fires and the first is retransmitted."""
    b = _Build("loss")
    _handshake(b)
    c, s = CLIENT_ISN + 1, SERVER_ISN + 1
    b.tick(0.001)
    b.add(AppEvent(b.t, "client", "send", "300 bytes", b"x" * 300))
    ids = []
    for i in range(3):
        ids.append(b.send("client", "PA", c + 100 * i, s, bytes([65 + i]) * 100))
        if i == 0:
            b.add(TimerEvent(b.t, "client", "retransmission", "armed", b.t + 0.2))
    b.snap("client", State.ESTABLISHED, c, c + 300, s)
    b.tick(0.004)
    b.drop(ids[0])
    b.tick(0.006)
    for k, sid in enumerate(ids[1:]):
        b.deliver(sid)
        ooo = ((c + 100, c + 200 + 100 * k),)
        b.snap("server", State.ESTABLISHED, s, s, c, ooo)
        b.send("server", "A", s, c)
        b.tick(0.0005)
    b.tick(0.2)
    b.add(TimerEvent(b.t, "client", "retransmission", "fired"))
    retx = b.send("client", "PA", c, s, b"A" * 100, note="retransmission")
    b.tick()
    b.deliver(retx)
    b.snap("server", State.ESTABLISHED, s, s, c + 300, (), 300)
    b.add(AppEvent(b.t, "server", "received", "300 bytes", b"A" * 100 + b"B" * 100 + b"C" * 100))
    ack = b.send("server", "A", s, c + 300)
    b.tick()
    b.deliver(ack)
    b.snap("client", State.ESTABLISHED, c + 300, c + 300, s, cwnd=2920)
    return b.trace


def teardown() -> Trace:
    """Handshake, then the 4-way teardown: client FIN, server ACK (CLOSE-WAIT), server FIN,
    client ACK (TIME-WAIT), and the 2MSL timer closing the client."""
    b = _Build("teardown")
    _handshake(b)
    c, s = CLIENT_ISN + 1, SERVER_ISN + 1
    b.tick(0.001)
    b.add(AppEvent(b.t, "client", "close"))
    b.state("client", State.ESTABLISHED, State.FIN_WAIT_1, "CLOSE", "§3.10.4")
    fin = b.send("client", "FA", c, s)
    b.tick()
    b.deliver(fin)
    b.state("server", State.ESTABLISHED, State.CLOSE_WAIT, "rcv FIN", "§3.10.7.4")
    ack = b.send("server", "A", s, c + 1)
    b.tick()
    b.deliver(ack)
    b.state("client", State.FIN_WAIT_1, State.FIN_WAIT_2, "rcv ACK of FIN", "§3.10.7.4")
    b.tick(0.005)
    b.add(AppEvent(b.t, "server", "close"))
    b.state("server", State.CLOSE_WAIT, State.LAST_ACK, "CLOSE", "§3.10.4")
    fin2 = b.send("server", "FA", s, c + 1)
    b.tick()
    b.deliver(fin2)
    b.state("client", State.FIN_WAIT_2, State.TIME_WAIT, "rcv FIN", "§3.10.7.4")
    last = b.send("client", "A", c + 1, s + 1)
    b.tick()
    b.deliver(last)
    b.state("server", State.LAST_ACK, State.CLOSED, "rcv ACK of FIN", "§3.10.7.4")
    b.tick(0.24)
    b.add(TimerEvent(b.t, "client", "time-wait", "fired"))
    b.state("client", State.TIME_WAIT, State.CLOSED, "Timeout=2MSL", "§3.10.8")
    return b.trace


def bulk(segments: int = 300, size: int = 1000) -> Trace:
    """Handshake then ``segments`` data segments, each acknowledged (a long, dense trace)."""
    b = _Build("bulk")
    _handshake(b)
    c, s = CLIENT_ISN + 1, SERVER_ISN + 1
    for i in range(segments):
        b.tick(0.001)
        sid = b.send("client", "PA", c + size * i, s, b"d" * size)
        b.tick()
        b.deliver(sid)
        b.snap("server", State.ESTABLISHED, s, s, c + size * (i + 1), (), size * (i + 1))
        ack = b.send("server", "A", s, c + size * (i + 1))
        b.tick()
        b.deliver(ack)
        b.snap("client", State.ESTABLISHED, c + size * (i + 1), c + size * (i + 1), s,
               cwnd=1460 * min(i + 2, 40), ssthresh=65535)
    return b.trace


def as_capture(trace: Trace) -> Trace:
    """The same conversation as a capture shows it: frames, no deliveries, drops or snapshots."""
    out = Trace(dict(trace.hosts), meta={"capture": "hand-made.pcap", "stream": 0})
    frame = 0
    for r in trace.records:
        if isinstance(r, SegmentSent):
            frame += 1
            out.add(SegmentSent(r.time, r.id, r.src, r.dst, r.segment, "", r.tags, frame))
        elif isinstance(r, StateChanged):
            out.add(r)
    return out
