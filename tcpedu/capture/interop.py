"""The tcpedu endpoint talking to the real Linux TCP stack, over a TUN device.

Inside a private network namespace (:class:`~tcpedu.capture.netns.NetworkNamespace`), a TUN device
``tcpedu0`` gives Linux the address 192.0.2.1 and routes 192.0.2.2 to us. The model
(:class:`~tcpedu.model.endpoint.Endpoint`, sans-I/O) is 192.0.2.2: this driver wraps its segments in IPv4
and writes them to the TUN, reads Linux's packets back and feeds them in, and passes the clock
(``time.monotonic()``) — the wall clock is the driver's business, never the model's. Linux's side
is an ordinary ``socket`` in a thread.

Each scenario (:data:`SCENARIOS`) checks what both sides saw (bytes, states, errors) and keeps
every segment exchanged; :func:`run` writes them all to one pcap (one TCP stream per scenario;
a segment the driver "lost" on purpose is in it, as a capture at its sender would show it). Nothing leaves
the namespace, and the namespace, the TUN device and the sockets vanish when the run ends,
however it ends. Needs root (``CAP_NET_ADMIN``).
"""

from __future__ import annotations

import contextlib
import os
import socket
import struct
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from ..errors import ParameterError, TcpeduError
from ..model.endpoint import Config, Endpoint
from ..model.events import (
    ConnectionReset,
    DataReceived,
    Event,
    PeerClosed,
    Retransmitted,
    SegmentIgnored,
    StateChange,
)
from ..model.segment import Segment
from ..model.seq import seq_add, seq_le
from ..model.states import State
from ..trace import Host, SegmentSent, StateChanged, Trace
from .ipv4 import PROTO_TCP, unwrap, wrap

LINUX_IP = "192.0.2.1"
TCPEDU_IP = "192.0.2.2"
LINUX_PORT = 80
TUN_NAME = "tcpedu0"
_STEP_TIMEOUT = 10.0  # seconds a scenario may wait for one thing to happen
_TCP_INFO_STATES = {1: "ESTABLISHED", 2: "SYN-SENT", 3: "SYN-RECEIVED", 4: "FIN-WAIT-1",
                    5: "FIN-WAIT-2", 6: "TIME-WAIT", 7: "CLOSED", 8: "CLOSE-WAIT", 9: "LAST-ACK",
                    10: "LISTEN", 11: "CLOSING"}


def model_config(**changes: Any) -> Config:
    """The endpoint's configuration for interop: Linux-like options (SACK, window scaling)."""
    return Config(**{"mss": 1460, "rcv_buffer": 256 * 1024, "sack": True, "wscale": 7,
                     "rto_min": 0.2, "rto_initial": 1.0, "msl": 30.0} | changes)


@dataclass(frozen=True, slots=True)
class Exchanged:
    """One segment on the TUN: when, which way (``"tcpedu"`` or ``"linux"`` sent it), raw packet."""

    time: float
    sender: str
    segment: Segment
    packet: bytes


@dataclass
class ScenarioResult:
    """What one scenario showed: each check (text, passed, detail), the segments exchanged, and
    why the model ignored any of Linux's segments (``ignored``: a sign the two disagree), apart
    from ``duplicates``: wholly old segments, which the model rightly ACKs and drops — data Linux
    resent spuriously (its tail loss probe, when this driver is slow) or keep-alive probes."""

    name: str
    description: str
    checks: list[tuple[str, bool, str]] = field(default_factory=list)
    segments: list[Exchanged] = field(default_factory=list)
    ignored: list[str] = field(default_factory=list)
    duplicates: int = 0
    error: str = ""
    #: the model's own state changes, with the (wall-clock) time it made them
    state_changes: list[tuple[float, StateChange]] = field(default_factory=list)

    @property
    def passed(self) -> bool:
        return not self.error and bool(self.checks) and all(ok for _, ok, _ in self.checks)

    def check(self, text: str, ok: bool, detail: str = "") -> None:
        self.checks.append((text, bool(ok), detail))

    def trace(self) -> Trace:
        """The conversation as a :class:`~tcpedu.trace.Trace` of records, like a capture's: every
        segment seen on the TUN (``frame`` numbers from 1, times from the first record) and the
        model's own state changes. Roles are RFC 9293's: the ``client`` sent the first SYN
        (``meta["sides"]`` says which of tcpedu and Linux is which). What the records mean
        (relative numbers, tags, Linux's inferred states) is read by :mod:`tcpedu.reading`, so
        it plays in the player and analyses like a capture."""
        syn = next((x for x in self.segments if x.segment.flags & 0x12 == 0x02), None)
        first = syn or (self.segments[0] if self.segments else None)
        client = first.sender if first is not None else "tcpedu"
        other = {"tcpedu": "linux", "linux": "tcpedu"}
        role = {client: "client", other[client]: "server"}
        ips = {"tcpedu": TCPEDU_IP, "linux": LINUX_IP}
        ports = {"tcpedu": 0, "linux": 0}
        for x in self.segments:
            ports[x.sender] = ports[x.sender] or x.segment.src_port
            ports[other[x.sender]] = ports[other[x.sender]] or x.segment.dst_port
        hosts = {role[s]: Host(role[s], ips[s], ports[s]) for s in ("tcpedu", "linux")}
        hosts = dict(sorted(hosts.items()))
        timed: list[tuple[float, int, Any]] = []
        for frame, x in enumerate(self.segments, 1):
            timed.append((x.time, frame, (x.sender, x.segment)))
        for when, change in self.state_changes:
            timed.append((when, 0, change))
        timed.sort(key=lambda item: (item[0], item[1] == 0, item[1]))
        origin = timed[0][0] if timed else 0.0
        trace = Trace(hosts, meta={"interop": self.name, "description": self.description,
                                   "sides": {r: s for s, r in role.items()},
                                   "time_origin": origin})
        for when, frame, what in timed:
            if frame:
                sender, seg = what
                trace.add(SegmentSent(when - origin, frame, role[sender], role[other[sender]],
                                      seg, frame=frame))
            else:
                trace.add(StateChanged(when - origin, role["tcpedu"], what.old, what.new,
                                       str(what.trigger), what.rfc))
        return trace


class Driver:
    """Moves segments between one Endpoint and the TUN device, with the real clock."""

    def __init__(self, tun: Any, endpoint: Endpoint, result: ScenarioResult) -> None:
        self.tun, self.ep, self.result = tun, endpoint, result
        self.log = result.segments
        self.events: list[Event] = []
        self.received = bytearray()
        self.ident = 0
        #: data segments to lose, numbered 1, 2... per sender in the order sent
        self.lose: dict[str, set[int]] = {"tcpedu": set(), "linux": set()}
        self._data_count = {"tcpedu": 0, "linux": 0}

    def _lost(self, sender: str, seg: Segment) -> bool:
        if not seg.payload:
            return False
        self._data_count[sender] += 1
        return self._data_count[sender] in self.lose[sender]

    def _flush(self, incoming: Segment | None = None, rcv_nxt: int = 0) -> None:
        """Send what the endpoint queued; collect its events (``incoming``: the segment just fed
        to it, with RCV.NXT before it, to tell an old duplicate from a real disagreement)."""
        for seg in self.ep.segments_to_send():
            self.ident += 1
            packet = wrap(TCPEDU_IP, LINUX_IP, seg.to_bytes(TCPEDU_IP, LINUX_IP), ident=self.ident)
            self.log.append(Exchanged(time.time(), "tcpedu", seg, packet))
            if not self._lost("tcpedu", seg):
                self.tun.write(packet)
        while (event := self.ep.next_event()) is not None:
            self.events.append(event)
            if isinstance(event, StateChange):
                self.result.state_changes.append((time.time(), event))
            elif isinstance(event, DataReceived):
                self.received += event.data
            elif isinstance(event, SegmentIgnored):
                if incoming is not None and seq_le(
                        seq_add(incoming.seq, max(incoming.seg_len, 1)), rcv_nxt):
                    # wholly old: data Linux resent, or a keep-alive probe (SEQ = RCV.NXT - 1)
                    self.result.duplicates += 1
                else:
                    self.result.ignored.append(f"{event.reason}: {incoming}")

    def run_until(self, done: Callable[[], bool], what: str, timeout: float = _STEP_TIMEOUT) -> None:
        """Pump packets and timers until ``done()``; raises InteropError after ``timeout``."""
        deadline = time.monotonic() + timeout
        while True:
            now = time.monotonic()
            timer = self.ep.get_timer()
            if timer is not None and now >= timer:
                self.ep.handle_timer(now)
            self._flush()
            if done():
                return
            if now > deadline:
                raise InteropError(f"timed out after {timeout} s waiting for {what} "
                                   f"(tcpedu is {self.ep.state})")
            wait = 0.01 if timer is None else min(0.01, max(0.0, timer - now))
            packet = self.tun.read(wait)
            if packet is None or packet[0] >> 4 != 4:
                continue  # nothing, or IPv6 chatter (router solicitations)
            ip = unwrap(packet)
            if ip.protocol != PROTO_TCP or ip.dst != TCPEDU_IP:
                continue
            seg = Segment.from_bytes(ip.payload)
            if seg.dst_port != self.ep.local_port:
                continue  # for an endpoint of an earlier scenario, long gone
            self.log.append(Exchanged(time.time(), "linux", seg, packet))
            if not self._lost("linux", seg):
                rcv_nxt = self.ep.rcv_nxt
                self.ep.receive(time.monotonic(), seg, LINUX_IP)
                self._flush(seg, rcv_nxt)


class InteropError(TcpeduError):
    """A scenario could not go on (a side waited in vain)."""


class _Linux:
    """Linux's side of a scenario: a function run in a thread, its result or error kept."""

    def __init__(self, func: Callable[[], Any]) -> None:
        self.result: Any = None
        self.error: BaseException | None = None
        self.thread = threading.Thread(target=self._run, args=(func,), daemon=True)
        self.thread.start()

    def _run(self, func: Callable[[], Any]) -> None:
        try:
            self.result = func()
        except BaseException as exc:  # reported as a failed check
            self.error = exc

    @property
    def done(self) -> bool:
        return not self.thread.is_alive()


def _tcp_state(sock: socket.socket) -> str:
    """Linux's own name for the socket's state (TCP_INFO's first byte)."""
    try:
        info = sock.getsockopt(socket.IPPROTO_TCP, socket.TCP_INFO, 8)
    except OSError:
        return "CLOSED"
    return _TCP_INFO_STATES.get(info[0], f"state {info[0]}")


def _linux_state_of(ctx: _Context, tcpedu_port: int) -> str:
    """The state Linux reports in ``/proc/net/tcp`` for its end of the connection with us.

    Unlike TCP_INFO on the user's socket, this shows TIME-WAIT: Linux moves a connection in
    TIME-WAIT to a small "timewait socket" and marks the user's socket CLOSED.
    """
    with ctx.ns.inside(), open("/proc/thread-self/net/tcp") as table:
        rows = [line.split() for line in table.read().splitlines()[1:]]
    wanted = f"{socket.inet_aton(TCPEDU_IP)[::-1].hex().upper()}:{tcpedu_port:04X}"
    states = [_TCP_INFO_STATES.get(int(row[3], 16), row[3]) for row in rows if row[2] == wanted]
    return states[0] if states else "gone"


def _recv_exactly(sock: socket.socket, count: int) -> bytes:
    data = bytearray()
    while len(data) < count:
        chunk = sock.recv(65536)
        if not chunk:
            break
        data += chunk
    return bytes(data)


def _payload(size: int, label: bytes) -> bytes:
    return (label * (size // len(label) + 1))[:size]


class _Context:
    """What a scenario gets: the namespace, the TUN, a fresh port, and Linux sockets and threads
    that :meth:`close` ends whatever happened (shutdown wakes any thread blocked on them)."""

    def __init__(self, ns: Any, tun: Any, port: int) -> None:
        self.ns, self.tun, self.port = ns, tun, port
        self.sockets: list[socket.socket] = []
        self.threads: list[_Linux] = []
        self.listener = self.linux_socket(listen=(LINUX_IP, LINUX_PORT))

    def linux_state(self) -> str:
        """Linux's state for the connection with this scenario's tcpedu port."""
        return _linux_state_of(self, self.port)

    def linux_socket(self, listen: tuple[str, int] | None = None,
                     rcvbuf: int | None = None) -> socket.socket:
        """A Linux TCP socket inside the namespace (listening on ``listen`` if given)."""
        with self.ns.inside():
            sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self.sockets.append(sock)
        sock.settimeout(_STEP_TIMEOUT)
        if rcvbuf is not None:
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, rcvbuf)  # before listen()
        if listen is not None:
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            sock.bind(listen)
            sock.listen(4)
        return sock

    def accept(self, listener: socket.socket | None = None) -> _Linux:
        """Linux accepts the next connection, in a thread."""
        def accepting() -> socket.socket:
            conn, _ = (listener or self.listener).accept()
            self.sockets.append(conn)
            conn.settimeout(_STEP_TIMEOUT)
            return conn

        return self.linux(accepting)

    def linux(self, func: Callable[[], Any]) -> _Linux:
        """Run ``func`` (Linux's side: blocking socket calls) in a thread."""
        thread = _Linux(func)
        self.threads.append(thread)
        return thread

    def close(self) -> None:
        for sock in self.sockets:
            with contextlib.suppress(OSError):
                sock.shutdown(socket.SHUT_RDWR)
            sock.close()
        for thread in self.threads:
            thread.thread.join(_STEP_TIMEOUT)


def _open_from_tcpedu(ctx: _Context, result: ScenarioResult,
                      config: Config | None = None) -> tuple[Driver, _Linux]:
    """tcpedu connects (active open), Linux accepts; both must reach ESTABLISHED."""
    ep = Endpoint("client", ctx.port, config or model_config(), local_ip=TCPEDU_IP)
    drv = Driver(ctx.tun, ep, result)
    accepted = ctx.accept()
    ep.connect(time.monotonic(), LINUX_PORT, LINUX_IP)
    drv.run_until(lambda: ep.state is State.ESTABLISHED and accepted.done, "the handshake")
    if accepted.error:
        raise InteropError(f"Linux accept() failed: {accepted.error}")
    result.check("tcpedu reached ESTABLISHED (active open)", ep.state is State.ESTABLISHED)
    result.check("Linux accept() returned an ESTABLISHED socket",
                 _tcp_state(accepted.result) == "ESTABLISHED", _tcp_state(accepted.result))
    return drv, accepted


def _teardown(drv: Driver, conn: socket.socket, result: ScenarioResult) -> None:
    """Linux closes, tcpedu answers with its own close: both ends finished, nothing left over."""
    conn.close()
    ep = drv.ep
    drv.run_until(lambda: any(isinstance(e, PeerClosed) for e in drv.events), "Linux's FIN")
    ep.close(time.monotonic())
    drv.run_until(lambda: ep.state is State.CLOSED, "the ACK of tcpedu's FIN")
    result.check("closed cleanly afterwards (Linux first)", ep.state is State.CLOSED)


def _scenario_handshake(ctx: _Context, result: ScenarioResult) -> None:
    drv, accepted = _open_from_tcpedu(ctx, result)
    syn = result.segments[0].segment
    synack = next(x.segment for x in result.segments if x.sender == "linux")
    result.check("Linux answered SYN with SYN,ACK acknowledging ISN+1",
                 synack.has("SA") and synack.ack == (syn.seq + 1) % 2**32, str(synack))
    result.check("options agreed: MSS, SACK permitted, window scale",
                 synack.options.mss is not None and synack.options.sack_permitted
                 and synack.options.wscale is not None and drv.ep.sack_enabled,
                 synack.options.describe())
    _teardown(drv, accepted.result, result)


def _scenario_passive_open(ctx: _Context, result: ScenarioResult) -> None:
    ep = Endpoint("server", ctx.port, model_config(), local_ip=TCPEDU_IP)
    ep.listen(time.monotonic())
    drv = Driver(ctx.tun, ep, result)
    client = ctx.linux_socket()
    request, reply = _payload(20_000, b"linux asks "), _payload(30_000, b"tcpedu answers ")

    def linux_side() -> bytes:
        client.connect((TCPEDU_IP, ctx.port))
        client.sendall(request)
        return _recv_exactly(client, len(reply))

    linux = ctx.linux(linux_side)
    drv.run_until(lambda: len(drv.received) >= len(request), "Linux's connect() and request")
    result.check("tcpedu went LISTEN → SYN-RECEIVED → ESTABLISHED (passive open)",
                 _states(drv) == ["LISTEN", "SYN-RECEIVED", "ESTABLISHED"], str(_states(drv)))
    result.check("tcpedu received Linux's request", bytes(drv.received) == request,
                 f"{len(drv.received)} of {len(request)} bytes")
    ep.send(time.monotonic(), reply)
    drv.run_until(lambda: linux.done, "Linux to read the reply")
    result.check("Linux received tcpedu's reply", linux.result == reply,
                 f"{len(linux.result or b'')} of {len(reply)} bytes; {linux.error or ''}")
    _teardown(drv, client, result)


def _scenario_data(ctx: _Context, result: ScenarioResult,
                   lose: dict[str, set[int]] | None = None,
                   config: Config | None = None) -> Endpoint:
    drv, accepted = _open_from_tcpedu(ctx, result, config)
    conn = accepted.result
    if lose:
        drv.lose = lose
    up, down = _payload(200_000, b"tcpedu->linux "), _payload(300_000, b"linux->tcpedu ")

    def linux_side() -> bytes:
        got = _recv_exactly(conn, len(up))
        conn.sendall(down)
        return got

    linux = ctx.linux(linux_side)
    drv.ep.send(time.monotonic(), up)
    drv.run_until(lambda: linux.done and len(drv.received) >= len(down), "data both ways")
    result.check("Linux received every byte tcpedu sent, in order", linux.result == up,
                 f"{len(linux.result or b'')} of {len(up)} bytes; {linux.error or ''}")
    result.check("tcpedu received every byte Linux sent, in order", bytes(drv.received) == down,
                 f"{len(drv.received)} of {len(down)} bytes")
    result.check("all tcpedu data acknowledged", drv.ep.snd_una == drv.ep.snd_nxt)
    resent = _retransmissions(result)
    if lose:
        sent = {who: sum(1 for x in result.segments if x.sender == who and x.segment.payload)
                for who in lose}
        expected = {who: len({n for n in lose[who] if n <= sent[who]}) for who in lose}
        result.check("each side resent what was lost", all(
            resent[who] >= expected[who] for who in lose), f"resent {resent}, lost {expected}")
    else:  # Linux may resend spuriously when this driver is slow (tail loss probe): not counted
        fast = sum(1 for e in drv.events if isinstance(e, Retransmitted) and e.reason == "fast")
        result.check("no fast retransmission by tcpedu on a lossless path", fast == 0,
                     f"{fast} fast; resent by each side: {resent}")
    _teardown(drv, conn, result)
    return drv.ep


def _retransmissions(result: ScenarioResult) -> dict[str, int]:
    """Data segments each side sent twice or more (by sequence number)."""
    seen: dict[tuple[str, int], int] = {}
    for x in result.segments:
        if x.segment.payload:
            key = (x.sender, x.segment.seq)
            seen[key] = seen.get(key, 0) + 1
    return {who: sum(n - 1 for (s, _), n in seen.items() if s == who) for who in ("tcpedu", "linux")}


def lossy_data(lose_tcpedu: set[int], lose_linux: set[int], **config: Any
               ) -> Callable[[_Context, ScenarioResult], None]:
    """The "data" scenario with the given data segments lost (numbered 1, 2... per sender);
    ``config`` changes tcpedu's side (e.g. ``congestion="cubic"``)."""
    def scenario(ctx: _Context, result: ScenarioResult) -> None:
        ep = _scenario_data(ctx, result, {"tcpedu": set(lose_tcpedu), "linux": set(lose_linux)},
                            model_config(**config))
        if config.get("congestion"):
            cc = ep.cc
            result.check(f"tcpedu's {cc.name} controller reduced its window on the losses",
                         cc.name == config["congestion"] and cc.ssthresh < 1 << 31,
                         f"{cc.name}: ssthresh {cc.ssthresh}")
    return scenario


def _scenario_nagle(ctx: _Context, result: ScenarioResult) -> None:
    """tcpedu writes 40 small pieces at once with Nagle on (the default, RFC 9293 §3.7.4):
    they leave as a few coalesced segments, and Linux reads every byte in order."""
    drv, accepted = _open_from_tcpedu(ctx, result)
    conn = accepted.result
    pieces = [b"key %02d;" % i for i in range(40)]
    total = b"".join(pieces)
    linux = ctx.linux(lambda: _recv_exactly(conn, len(total)))
    for piece in pieces:
        drv.ep.send(time.monotonic(), piece)
    drv.run_until(lambda: linux.done and drv.ep.snd_una == drv.ep.snd_nxt, "Linux to read")
    sent = [x.segment for x in result.segments if x.sender == "tcpedu" and x.segment.payload]
    result.check("Linux received every byte, in order", linux.result == total,
                 f"{len(linux.result or b'')} of {len(total)} bytes; {linux.error or ''}")
    result.check("Nagle coalesced the 40 small writes into a few segments",
                 1 < len(sent) < len(pieces), f"{len(sent)} data segments")
    _teardown(drv, conn, result)


def _scenario_zero_window(ctx: _Context, result: ScenarioResult) -> None:
    """Linux's application stops reading: its window closes, tcpedu probes, then it reads."""
    small = ctx.linux_socket(listen=(LINUX_IP, LINUX_PORT + 1), rcvbuf=4096)
    ep = Endpoint("client", ctx.port, model_config(), local_ip=TCPEDU_IP)
    drv = Driver(ctx.tun, ep, result)
    accepted = ctx.accept(small)
    ep.connect(time.monotonic(), LINUX_PORT + 1, LINUX_IP)
    drv.run_until(lambda: ep.state is State.ESTABLISHED and accepted.done, "the handshake")
    conn = accepted.result
    data = _payload(100_000, b"zero window ")
    ep.send(time.monotonic(), data)
    drv.run_until(lambda: ep.snd_wnd == 0 and ep.flight_size == 0, "Linux's window to close")
    def probes() -> int:
        return sum(1 for e in drv.events if isinstance(e, Retransmitted) and e.reason == "probe")

    drv.run_until(lambda: probes() >= 2, "two zero-window probes")
    result.check("tcpedu probed the closed window (persist timer)", probes() >= 2, str(probes()))
    reader = ctx.linux(lambda: _recv_exactly(conn, len(data)))
    drv.run_until(lambda: reader.done and ep.snd_una == ep.snd_nxt, "the rest of the data")
    result.check("Linux received every byte after reopening its window", reader.result == data,
                 f"{len(reader.result or b'')} of {len(data)} bytes; {reader.error or ''}")
    _teardown(drv, conn, result)


def _scenario_keepalive(ctx: _Context, result: ScenarioResult) -> None:
    """Linux probes an idle connection (SO_KEEPALIVE, 1 s); tcpedu answers each probe with an ACK."""
    drv, accepted = _open_from_tcpedu(ctx, result)
    conn = accepted.result
    conn.setsockopt(socket.SOL_SOCKET, socket.SO_KEEPALIVE, 1)
    conn.setsockopt(socket.IPPROTO_TCP, socket.TCP_KEEPIDLE, 1)
    conn.setsockopt(socket.IPPROTO_TCP, socket.TCP_KEEPINTVL, 1)
    conn.setsockopt(socket.IPPROTO_TCP, socket.TCP_KEEPCNT, 2)

    def probes() -> list[int]:
        """Indexes of Linux's keep-alive probes: no data, SEQ one below what it sent before."""
        found, top = [], None
        for i, x in enumerate(result.segments):
            if x.sender != "linux":
                continue
            seg = x.segment
            if top is not None and not seg.payload and seg.seq == (top - 1) % 2**32:
                found.append(i)
            else:
                end = seq_add(seg.seq, seg.seg_len)
                top = end if top is None or seq_le(top, end) else top
        return found

    drv.run_until(lambda: len(probes()) >= 2 and result.segments[-1].sender == "tcpedu",
                  "two keep-alive probes and their answers")
    answered = [i for i in probes() if i + 1 < len(result.segments)
                and result.segments[i + 1].sender == "tcpedu"
                and result.segments[i + 1].segment.ack == drv.ep.rcv_nxt]
    result.check("tcpedu answered every keep-alive probe with an ACK of RCV.NXT",
                 answered == probes(), f"probes at {probes()}, answered {answered}")
    result.check("Linux kept the connection (probes answered)", ctx.linux_state() == "ESTABLISHED",
                 ctx.linux_state())
    _teardown(drv, conn, result)


def _scenario_tcpedu_closes_first(ctx: _Context, result: ScenarioResult) -> None:
    drv, accepted = _open_from_tcpedu(ctx, result)
    conn, ep = accepted.result, drv.ep

    def linux_side() -> str:
        data = conn.recv(100)  # EOF: tcpedu's FIN
        state = _tcp_state(conn)
        time.sleep(0.05)  # the application takes a moment: Linux ACKs the FIN on its own first
        conn.close()
        return f"{data!r} {state}"

    linux = ctx.linux(linux_side)
    ep.close(time.monotonic())
    drv.run_until(lambda: ep.state is State.TIME_WAIT and linux.done, "the 4-way teardown")
    result.check("Linux read end-of-file in CLOSE-WAIT", linux.result == "b'' CLOSE-WAIT",
                 str(linux.result or linux.error))
    result.check("tcpedu went FIN-WAIT-1 → FIN-WAIT-2 → TIME-WAIT",
                 _states(drv) == ["FIN-WAIT-1", "FIN-WAIT-2", "TIME-WAIT"], str(_states(drv)))
    drv.run_until(lambda: ctx.linux_state() != "LAST-ACK", "Linux to leave LAST-ACK")
    result.check("Linux's LAST-ACK ended: it got the last ACK and forgot the connection",
                 ctx.linux_state() == "gone", ctx.linux_state())


def _scenario_linux_closes_first(ctx: _Context, result: ScenarioResult) -> None:
    drv, accepted = _open_from_tcpedu(ctx, result)
    conn, ep = accepted.result, drv.ep
    conn.shutdown(socket.SHUT_WR)  # Linux's FIN; keep the socket to read tcpedu's FIN
    drv.run_until(lambda: any(isinstance(e, PeerClosed) for e in drv.events), "Linux's FIN")
    result.check("tcpedu saw end-of-file and went to CLOSE-WAIT", ep.state is State.CLOSE_WAIT,
                 str(ep.state))
    result.check("Linux is in FIN-WAIT-2 (its FIN acknowledged)",
                 ctx.linux_state() == "FIN-WAIT-2", ctx.linux_state())
    linux = ctx.linux(lambda: conn.recv(100))
    ep.close(time.monotonic())
    drv.run_until(lambda: ep.state is State.CLOSED and linux.done, "the passive close")
    result.check("tcpedu went CLOSE-WAIT → LAST-ACK → CLOSED", _states(drv)[-2:] == ["LAST-ACK",
                 "CLOSED"], str(_states(drv)))
    result.check("Linux read end-of-file", linux.result == b"", str(linux.result or linux.error))
    result.check("Linux is in TIME-WAIT", ctx.linux_state() == "TIME-WAIT", ctx.linux_state())
    conn.close()


def _scenario_simultaneous_close(ctx: _Context, result: ScenarioResult) -> None:
    drv, accepted = _open_from_tcpedu(ctx, result)
    conn, ep = accepted.result, drv.ep
    conn.shutdown(socket.SHUT_WR)  # Linux's FIN is already on its way when...
    ep.close(time.monotonic())  # ...tcpedu's FIN leaves: the two cross
    drv.run_until(lambda: ep.state is State.TIME_WAIT, "both FINs to be acknowledged")
    result.check("tcpedu went FIN-WAIT-1 → CLOSING → TIME-WAIT",
                 _states(drv) == ["FIN-WAIT-1", "CLOSING", "TIME-WAIT"], str(_states(drv)))
    result.check("Linux is in TIME-WAIT too", ctx.linux_state() == "TIME-WAIT", ctx.linux_state())
    conn.close()


def _scenario_simultaneous_open(ctx: _Context, result: ScenarioResult) -> None:
    """Both sides connect to each other at once (RFC 9293 Figure 8): SYN, SYN crossing."""
    linux_port = LINUX_PORT + 2
    sock = ctx.linux_socket()
    sock.bind((LINUX_IP, linux_port))
    sock.setblocking(False)
    with contextlib.suppress(BlockingIOError):
        sock.connect((TCPEDU_IP, ctx.port))  # Linux's SYN waits in the TUN...
    ep = Endpoint("client", ctx.port, model_config(), local_ip=TCPEDU_IP)
    drv = Driver(ctx.tun, ep, result)
    ep.connect(time.monotonic(), linux_port, LINUX_IP)  # ...as tcpedu's SYN leaves
    drv.run_until(lambda: ep.state is State.ESTABLISHED and ctx.linux_state() == "ESTABLISHED",
                  "both sides to be ESTABLISHED")
    result.check("tcpedu went SYN-SENT → SYN-RECEIVED → ESTABLISHED",
                 _states(drv) == ["SYN-SENT", "SYN-RECEIVED", "ESTABLISHED"], str(_states(drv)))
    result.check("Linux is ESTABLISHED", _tcp_state(sock) == "ESTABLISHED", _tcp_state(sock))
    sock.setblocking(True)
    sock.settimeout(_STEP_TIMEOUT)
    _teardown(drv, sock, result)


def _scenario_tcpedu_resets(ctx: _Context, result: ScenarioResult) -> None:
    drv, accepted = _open_from_tcpedu(ctx, result)
    conn, ep = accepted.result, drv.ep
    ep.send(time.monotonic(), b"a few bytes, then an abort")
    drv.run_until(lambda: ep.snd_una == ep.snd_nxt, "the data to be acknowledged")
    ep.abort(time.monotonic())
    drv.run_until(lambda: True, "the RST to leave")

    def linux_side() -> str:
        conn.recv(100)  # the bytes
        try:
            conn.recv(100)
        except ConnectionResetError:
            return "reset"
        return "no reset"

    linux = ctx.linux(linux_side)
    drv.run_until(lambda: linux.done, "Linux to notice the RST")
    result.check("tcpedu sent RST and is CLOSED", ep.state is State.CLOSED
                 and result.segments[-1].segment.has("R"), str(result.segments[-1].segment))
    result.check("Linux's recv() raised ConnectionResetError", linux.result == "reset",
                 str(linux.result or linux.error))
    conn.close()


def _scenario_linux_resets(ctx: _Context, result: ScenarioResult) -> None:
    drv, accepted = _open_from_tcpedu(ctx, result)
    conn, ep = accepted.result, drv.ep
    conn.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    conn.close()  # abort: RST
    drv.run_until(lambda: ep.state is State.CLOSED, "Linux's RST")
    result.check("tcpedu accepted Linux's RST: ConnectionReset, CLOSED",
                 any(isinstance(e, ConnectionReset) for e in drv.events), str(ep.state))


def _scenario_refused(ctx: _Context, result: ScenarioResult) -> None:
    ep = Endpoint("client", ctx.port, model_config(), local_ip=TCPEDU_IP)
    drv = Driver(ctx.tun, ep, result)
    ep.connect(time.monotonic(), 9, LINUX_IP)  # nobody listens on port 9 (discard)
    drv.run_until(lambda: ep.state is State.CLOSED, "Linux's RST")
    rst = result.segments[-1].segment
    result.check("Linux refused with RST,ACK acknowledging the SYN", rst.has("RA") and
                 rst.ack == (result.segments[0].segment.seq + 1) % 2**32, str(rst))
    result.check("tcpedu reported the connection refused",
                 any(isinstance(e, ConnectionReset) for e in drv.events), str(drv.events[-3:]))


def _states(drv: Driver) -> list[str]:
    return [str(e.new) for e in drv.events if isinstance(e, StateChange)][-3:]


#: name -> (what it shows, function). Each uses its own tcpedu port, so each is one TCP stream.
SCENARIOS: dict[str, tuple[str, Callable[[_Context, ScenarioResult], None]]] = {
    "handshake": ("tcpedu connects to a Linux listener: SYN, SYN-ACK, ACK with options",
                  _scenario_handshake),
    "passive-open": ("Linux connects to a listening tcpedu: 20 kB request, 30 kB reply",
                     _scenario_passive_open),
    "data": ("200 kB tcpedu→Linux, then 300 kB Linux→tcpedu", _scenario_data),
    "data-loss": ("the same, losing tcpedu's data segments 5 and 40 and Linux's 8, 30 and 31",
                  lossy_data({5, 40}, {8, 30, 31})),
    "zero-window": ("Linux stops reading: window 0, tcpedu's persist probes, then it reads",
                    _scenario_zero_window),
    "keepalive": ("Linux's keep-alive probes on an idle connection, each answered by tcpedu",
                  _scenario_keepalive),
    "tcpedu-closes-first": ("tcpedu sends FIN first: FIN-WAIT-1, FIN-WAIT-2, TIME-WAIT",
                            _scenario_tcpedu_closes_first),
    "linux-closes-first": ("Linux sends FIN first: tcpedu CLOSE-WAIT, LAST-ACK, CLOSED",
                           _scenario_linux_closes_first),
    "simultaneous-close": ("both send FIN at once: FIN-WAIT-1, CLOSING, TIME-WAIT on both sides",
                           _scenario_simultaneous_close),
    "simultaneous-open": ("both connect at once: SYNs cross, SYN-RECEIVED on both sides",
                          _scenario_simultaneous_open),
    "tcpedu-resets": ("tcpedu aborts: RST, Linux's recv() fails", _scenario_tcpedu_resets),
    "linux-resets": ("Linux aborts (SO_LINGER 0): tcpedu gets the RST", _scenario_linux_resets),
    "refused": ("tcpedu connects to a closed port: RST,ACK", _scenario_refused),
    "nagle": ("40 small writes from tcpedu with Nagle on: coalesced, all read by Linux",
              _scenario_nagle),
    "cubic-loss": ("the data-loss scenario with CUBIC (RFC 9438) on tcpedu's side",
                   lossy_data({5, 40}, {8, 30, 31}, congestion="cubic")),
}


def run(names: list[str] | None = None, pcap: str | os.PathLike[str] | None = None
        ) -> list[ScenarioResult]:
    """Run the scenarios (default: all) against Linux; optionally write every segment to ``pcap``.

    Raises :class:`~tcpedu.errors.PermissionNeeded` without root.
    """
    from .netns import NetworkNamespace, Tun

    chosen = list(SCENARIOS) if names is None else list(names)
    unknown = [n for n in chosen if n not in SCENARIOS]
    if unknown or not chosen:
        raise ParameterError(f"unknown scenario {unknown[0] if unknown else '(none)'}; "
                             f"choose from {', '.join(SCENARIOS)}")
    results: list[ScenarioResult] = []
    try:
        with NetworkNamespace() as ns, contextlib.ExitStack() as cleanup:
            with ns.inside():
                tun = cleanup.enter_context(Tun(TUN_NAME, LINUX_IP))
            for i, name in enumerate(chosen):
                description, func = SCENARIOS[name]
                result = ScenarioResult(name, description)
                results.append(result)
                ctx = _Context(ns, tun, 40001 + i)
                try:
                    func(ctx, result)
                except Exception as exc:  # the model or Linux failed: a FAIL, never a traceback
                    result.error = f"{type(exc).__name__}: {exc}"
                finally:
                    ctx.close()
                _drain(tun, result)
    finally:
        if pcap is not None:
            from .pcapio import write_frames

            write_frames(os.fspath(pcap), [(x.time, x.packet) for r in results for x in r.segments],
                         linktype=101, nanoseconds=True)
    return results


def _drain(tun: Any, result: ScenarioResult) -> None:
    """Record what Linux still sends for this stream in the next moment (e.g. a last ACK)."""
    if not result.segments:
        return
    ports = {result.segments[0].segment.src_port, result.segments[0].segment.dst_port}
    deadline = time.monotonic() + 0.05
    while (left := deadline - time.monotonic()) > 0:
        packet = tun.read(left)
        if packet is None:
            break
        with contextlib.suppress(TcpeduError):
            ip = unwrap(packet)
            if ip.protocol == PROTO_TCP and ip.dst == TCPEDU_IP:
                seg = Segment.from_bytes(ip.payload)
                if {seg.src_port, seg.dst_port} == ports:
                    result.segments.append(Exchanged(time.time(), "linux", seg, packet))
