"""Named, parameterised scenarios: each runs the simulator and returns a :class:`~tcpedu.trace.Trace`.

``run("teardown", order="lost-final-ack")`` runs one; :data:`SCENARIOS` lists them with a
one-line description and their documented parameters (``tcpedu simulate --list`` and the Scenario
lab read it). Same parameters, same trace: every random choice comes from ``seed``.
"""

from __future__ import annotations

import contextvars
import random
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from ..errors import ParameterError
from ..trace import Trace


@dataclass(frozen=True, slots=True)
class Param:
    """One scenario parameter: name, default, help text, type and allowed values."""

    name: str
    default: Any
    help: str
    kind: type = int
    choices: tuple[Any, ...] = ()
    minimum: float | None = None
    maximum: float | None = None
    unset: str = "random"  # what a default of None means, e.g. "random" or "unlimited"

    def coerce(self, value: Any) -> Any:
        """``value`` checked (and converted from text) for this parameter, or ParameterError."""
        if value is None:
            if self.default is None:
                return None
            raise ParameterError(f"{self.name}: a value is required")
        if isinstance(value, str) and self.kind is not str:
            value = self._parse(value)
            if value is None:
                return None
        if self.kind is float and isinstance(value, int) and not isinstance(value, bool):
            value = float(value)
        if not isinstance(value, self.kind) or (self.kind is int and isinstance(value, bool)):
            raise ParameterError(f"{self.name}={value!r}: expected {self.kind.__name__}")
        if self.choices and value not in self.choices:
            raise ParameterError(f"{self.name}={value!r}: choose one of "
                                 + ", ".join(map(str, self.choices)))
        if self.minimum is not None and value < self.minimum:
            raise ParameterError(f"{self.name}={value!r}: must be at least {self.minimum}")
        if self.maximum is not None and value > self.maximum:
            raise ParameterError(f"{self.name}={value!r}: must be at most {self.maximum}")
        return value

    def _parse(self, text: str) -> Any:
        text = text.strip()
        if text.lower() in ("none", self.unset) and self.default is None:
            return None
        try:
            if self.kind is bool:
                return {"true": True, "yes": True, "1": True, "on": True, "false": False,
                        "no": False, "0": False, "off": False}[text.lower()]
            if self.kind is int:
                return int(text, 0)
            return self.kind(text)
        except (KeyError, ValueError):
            raise ParameterError(f"{self.name}={text!r}: expected {self.kind.__name__}") from None

    def describe(self) -> str:
        """``name=default  help (choices)``."""
        choices = f" [{' | '.join(map(str, self.choices))}]" if self.choices else ""
        default = self.unset if self.default is None else self.default
        return f"{self.name}={default}{choices}: {self.help}"


@dataclass(frozen=True, slots=True)
class Scenario:
    """A registered scenario: its name, one-line description, parameters and function."""

    name: str
    description: str
    params: tuple[Param, ...]
    func: Callable[..., Trace]

    def __call__(self, *, faults: Iterable[Any] = (), **params: Any) -> Trace:
        """Run with ``params`` (unknown or bad ones raise ParameterError naming them).

        ``faults``: extra fault rules (``sim.network.Drop``, ``HoldBack``... fresh objects) added
        to the scenario's own network, e.g. "what if segment 7 were lost?"."""
        known = {p.name: p for p in self.params}
        unknown = sorted(set(params) - set(known))
        if unknown:
            raise ParameterError(f"scenario {self.name!r} has no parameter {unknown[0]!r} "
                                 f"(it takes {', '.join(known) or 'none'})")
        values = {name: p.coerce(params[name]) if name in params else p.default
                  for name, p in known.items()}
        faults = tuple(faults)
        token = _EXTRA_RULES.set(faults)
        try:
            trace = self.func(**values)
        finally:
            _EXTRA_RULES.reset(token)
        if faults:
            trace.meta["faults"] = [repr(rule) for rule in faults]
        trace.meta.update(scenario=self.name, description=self.description,
                          params={k: v for k, v in values.items() if k in params})
        return trace


#: Every scenario by name, in the order the course meets them.
SCENARIOS: dict[str, Scenario] = {}


def scenario(name: str, description: str, *params: Param) -> Callable[[Callable[..., Trace]],
                                                                        Callable[..., Trace]]:
    """Register a scenario function under ``name``."""
    def register(func: Callable[..., Trace]) -> Callable[..., Trace]:
        SCENARIOS[name] = Scenario(name, description, params, func)
        return func
    return register


def get(name: str) -> Scenario:
    """The scenario called ``name``, or ParameterError listing the names."""
    try:
        return SCENARIOS[name]
    except KeyError:
        raise ParameterError(f"no scenario named {name!r}; choose one of "
                             f"{', '.join(SCENARIOS)}") from None


def run(name: str, *, faults: Iterable[Any] = (), **params: Any) -> Trace:
    """Run scenario ``name`` with ``params`` (and extra fault rules ``faults``); returns its Trace."""
    return get(name)(faults=faults, **params)


#: Extra fault rules for the scenario being run (set by ``Scenario.__call__``, read by ``_pair``).
_EXTRA_RULES: contextvars.ContextVar[tuple[Any, ...]] = contextvars.ContextVar("extra_rules",
                                                                               default=())


#: ``tcpedu.run_scenario("handshake")``: the same as :func:`run`.
run_scenario = run


def describe_all() -> str:
    """Every scenario with its description and parameters (``tcpedu simulate --list``)."""
    lines = []
    for sc in SCENARIOS.values():
        lines.append(f"{sc.name}: {sc.description}")
        lines.extend(f"    {p.describe()}" for p in sc.params)
    return "\n".join(lines)


# -- helpers ----------------------------------------------------------------------------------------

#: Parameters most scenarios share.
SEED = Param("seed", 0, "seed of every random choice (ISNs, random loss)")
DELAY = Param("delay", 0.05, "one-way link delay in seconds", float, minimum=0.0, maximum=10.0)
CLIENT_ISN = Param("client_isn", None, "client's initial sequence number (RFC 6528 if unset)",
                   minimum=0, maximum=2**32 - 1)
SERVER_ISN = Param("server_isn", None, "server's initial sequence number (RFC 6528 if unset)",
                   minimum=0, maximum=2**32 - 1)
MSS = Param("mss", 1000, "maximum segment size in bytes", minimum=1, maximum=65495)
COMMON = (CLIENT_ISN, SERVER_ISN, DELAY, SEED)

#: What a simulated web client asks and a server answers.
REQUEST = b"GET /index.html HTTP/1.1\r\nHost: example.test\r\n\r\n"
FORGED = b"GET /transfer?to=mallory&amount=1000 HTTP/1.1\r\nHost: example.test\r\n\r\n"


def payload(size: int) -> bytes:
    """``size`` recognisable bytes (a repeating alphabet) to send."""
    pattern = b"abcdefghijklmnopqrstuvwxyz0123456789"
    block = pattern * 1024  # joined in one allocation (megabytes for a big transfer)
    whole, rest = divmod(size, len(block))
    return b"".join([block] * whole + [(pattern * (rest // len(pattern) + 1))[:rest]])


def _pair(client_isn: int | None, server_isn: int | None, delay: float, seed: int,
          client: dict[str, Any] | None = None, server: dict[str, Any] | None = None,
          **network: Any) -> Any:
    """A client and a server endpoint on a Network; the server listens, the client connects."""
    from ..model.endpoint import Config
    from .network import Network

    network["rules"] = [*network.get("rules", ()), *_EXTRA_RULES.get()]
    net = Network.pair(Config(isn=client_isn, seed=seed, **(client or {})),
                       Config(isn=server_isn, seed=seed, **(server or {})),
                       seed=seed, delay=delay, **network)
    net.at(0.0, "server", "listen")
    net.at(0.0, "client", "connect")
    return net


def _send_when_connected(net: Any, node: str, data: bytes, close: bool = True) -> None:
    def go(n: Any, now: float, _event: Any) -> None:
        n.call(now, node, "send", data)
        if close:
            n.call(now, node, "close")
    net.on(node, "connected", go)


def _upload(net: Any, size: int) -> None:
    """The client sends ``size`` bytes and closes; the server closes when it reads the EOF."""
    _send_when_connected(net, "client", payload(size))
    net.close_on_eof("server")


# -- the scenarios ----------------------------------------------------------------------------------


@scenario("handshake", "Three-way handshake: SYN, SYN-ACK, ACK; both sides end ESTABLISHED.",
          *COMMON, Param("request", False, "the client then sends an HTTP request", bool))
def handshake(client_isn: int | None, server_isn: int | None, delay: float, seed: int,
              request: bool) -> Trace:
    net = _pair(client_isn, server_isn, delay, seed)
    if request:
        _send_when_connected(net, "client", REQUEST, close=False)
    return net.run()


@scenario("transfer", "The client uploads bytes in MSS-sized segments, then both close.",
          Param("size", 10_000, "bytes the client sends", minimum=0, maximum=100_000_000),
          MSS,
          Param("delayed_ack", True, "the server delays ACKs (one ACK per two segments)", bool),
          Param("bandwidth", None, "link bandwidth in bytes/s", float, minimum=1.0,
                unset="unlimited"),
          Param("queue", None, "bytes the bottleneck buffer holds (needs bandwidth)", int,
                minimum=0, unset="unlimited"),
          Param("loss", 0.0, "probability each segment is lost", float, minimum=0.0,
                maximum=0.5),
          Param("rcv_buffer", 65535, "server's receive buffer in bytes", minimum=1,
                maximum=1 << 30),
          Param("snapshots", True, "record endpoint variables (off: faster)", bool),
          Param("congestion", "reno", "the client's congestion control", str,
                choices=("reno", "cubic", "none")),
          *COMMON)
def transfer(size: int, mss: int, delayed_ack: bool, bandwidth: float | None,
             queue: int | None, loss: float, rcv_buffer: int, snapshots: bool, congestion: str,
             client_isn: int | None, server_isn: int | None, delay: float, seed: int) -> Trace:
    if queue is not None and bandwidth is None:
        raise ParameterError(f"queue={queue}: a queue only fills on a link with a bandwidth")
    net = _pair(client_isn, server_isn, delay, seed, client={"mss": mss, "congestion": congestion},
                server={"mss": mss, "rcv_buffer": rcv_buffer,
                        "delayed_ack": 0.2 if delayed_ack else None},
                bandwidth=bandwidth, queue=queue, loss=loss, snapshots=snapshots)
    _upload(net, size)
    return net.run()


@scenario("loss_rto", "A data segment is lost with too few followers for 3 duplicate ACKs: "
          "the retransmission timer (RTO) resends it.",
          Param("segments", 3, "data segments the client sends", minimum=1, maximum=50),
          Param("lose", 2, "which data segment the network loses (1 = first)", minimum=1),
          MSS, *COMMON)
def loss_rto(segments: int, lose: int, mss: int, client_isn: int | None, server_isn: int | None,
             delay: float, seed: int) -> Trace:
    from .network import DropNth

    _check_position("lose", lose, segments)
    net = _pair(client_isn, server_isn, delay, seed, client={"mss": mss}, server={"mss": mss},
                rules=[DropNth(src="client", kind="data", n=lose)])
    _upload(net, segments * mss)
    return net.run()


@scenario("loss_fast_retransmit", "A data segment is lost but later ones arrive: three "
          "duplicate ACKs make the sender resend it at once (fast retransmit).",
          Param("segments", 8, "data segments the client sends", minimum=2, maximum=50),
          Param("lose", 2, "which data segment the network loses (1 = first)", minimum=1),
          Param("sack", False, "both sides use SACK (RFC 2018)", bool),
          MSS, *COMMON)
def loss_fast_retransmit(segments: int, lose: int, sack: bool, mss: int,
                         client_isn: int | None, server_isn: int | None, delay: float,
                         seed: int) -> Trace:
    from .network import DropNth

    _check_position("lose", lose, segments)
    options = {"mss": mss, "initial_cwnd": max(10, segments), "sack": sack}
    net = _pair(client_isn, server_isn, delay, seed, client=options,
                server={"mss": mss, "sack": sack},
                rules=[DropNth(src="client", kind="data", n=lose)])
    _upload(net, segments * mss)
    return net.run()


@scenario("reorder", "One segment is overtaken by the next: a TCP receiver buffers it and "
          "repeats its ACK; a Go-Back-N receiver throws the later ones away.",
          Param("receiver", "tcp", "receiver behaviour", str, choices=("tcp", "gbn")),
          Param("segments", 6, "data segments the client sends", minimum=2, maximum=50),
          Param("hold", 2, "which data segment is held back (1 = first)", minimum=1),
          Param("extra", 0.03, "how much later the held segment arrives (s)", float,
                minimum=0.0, maximum=10.0),
          MSS, *COMMON)
def reorder(receiver: str, segments: int, hold: int, extra: float, mss: int,
            client_isn: int | None, server_isn: int | None, delay: float, seed: int) -> Trace:
    from .network import HoldBack

    _check_position("hold", hold, segments)
    net = _pair(client_isn, server_isn, delay, seed,
                client={"mss": mss, "initial_cwnd": max(10, segments)},
                server={"mss": mss, "receiver": receiver},
                rules=[HoldBack(src="client", kind="data", n=hold, extra=extra)])
    _upload(net, segments * mss)
    return net.run()


TEARDOWN_ORDERS = ("client", "server", "simultaneous", "half-close", "lost-final-ack")


@scenario("teardown", "Closing a connection: FIN, ACK, FIN, ACK, and TIME-WAIT on the side that "
          "closed first.",
          Param("order", "client", "who closes first, or a special case", str,
                choices=TEARDOWN_ORDERS),
          Param("msl", 30.0, "maximum segment lifetime (TIME-WAIT lasts 2*msl)", float,
                minimum=0.001, maximum=600.0),
          *COMMON)
def teardown(order: str, msl: float, client_isn: int | None, server_isn: int | None,
             delay: float, seed: int) -> Trace:
    from ..model.states import State
    from .network import DropWhere

    rules = []
    if order == "lost-final-ack":
        def final_ack(packet: Any) -> bool:
            return packet.sender_state is State.TIME_WAIT
        rules.append(DropWhere(final_ack, src="client", kind="ack", times=1,
                               reason="the final ACK is lost"))
    net = _pair(client_isn, server_isn, delay, seed, client={"msl": msl}, server={"msl": msl},
                rules=rules)
    start = 4 * delay + 0.1
    if order in ("client", "lost-final-ack"):
        net.at(start, "client", "close")
        net.close_on_eof("server")
    elif order == "server":
        net.at(start, "server", "close")
        net.close_on_eof("client")
    elif order == "simultaneous":
        net.at(start, "client", "close")
        net.at(start, "server", "close")
    else:  # half-close: the client is done sending but still reads the server's answer
        _send_when_connected(net, "client", REQUEST, close=True)

        net.on("server", "eof", lambda n, now, _e: n.call(
            now, "server", "send", b"HTTP/1.1 200 OK\r\n\r\n" + payload(1500)), after=0.1)
        net.close_on_eof("server", after=0.1 + 4 * delay + 0.1)
    return net.run()


@scenario("syn_loss", "The network loses SYNs (or SYN-ACKs): the opener resends them with a "
          "doubling timeout, and gives up after syn_retries.",
          Param("lose", 1, "how many in a row the network loses", minimum=0, maximum=20),
          Param("which", "syn", "which handshake segment is lost", str,
                choices=("syn", "synack")),
          Param("syn_retries", 6, "how many times the SYN is resent before giving up",
                minimum=1, maximum=20),
          *COMMON)
def syn_loss(lose: int, which: str, syn_retries: int, client_isn: int | None,
             server_isn: int | None, delay: float, seed: int) -> Trace:
    from .network import Drop

    rules = [Drop(kind=which, n=range(1, lose + 1), reason=f"the {which.upper()} is lost")
             ] if lose else []
    net = _pair(client_isn, server_isn, delay, seed, client={"syn_retries": syn_retries},
                server={"syn_retries": syn_retries}, rules=rules)
    return net.run()


@scenario("reset", "A RST ends a connection at once: an application abort, or a SYN to a port "
          "where nothing listens (connection refused).",
          Param("kind", "abort", "what sends the RST", str, choices=("abort", "closed-port")),
          *COMMON)
def reset(kind: str, client_isn: int | None, server_isn: int | None, delay: float,
          seed: int) -> Trace:
    from ..model.endpoint import Config
    from .network import Network

    if kind == "closed-port":
        net = Network.pair(Config(isn=client_isn, seed=seed), Config(isn=server_isn, seed=seed),
                           seed=seed, delay=delay, rules=_EXTRA_RULES.get())
        net.at(0.0, "client", "connect")
        return net.run()
    net = _pair(client_isn, server_isn, delay, seed)
    _send_when_connected(net, "client", REQUEST, close=False)
    net.at(6 * delay + 0.1, "client", "abort")
    return net.run()


@scenario("zero_window", "The server's application stops reading: its window shrinks to 0, the "
          "sender probes the closed window, and a window update lets the data flow again.",
          Param("size", 6000, "bytes the client sends", minimum=1, maximum=1_000_000),
          Param("rcv_buffer", 2000, "server's receive buffer in bytes", minimum=1,
                maximum=65535),
          Param("read_at", 2.0, "when the server's application starts reading (s)", float,
                minimum=0.0, maximum=600.0),
          MSS, *COMMON)
def zero_window(size: int, rcv_buffer: int, read_at: float, mss: int, client_isn: int | None,
                server_isn: int | None, delay: float, seed: int) -> Trace:
    net = _pair(client_isn, server_isn, delay, seed, client={"mss": mss},
                server={"mss": mss, "rcv_buffer": rcv_buffer})
    net.at(0.0, "server", "pause_reading")
    net.at(read_at, "server", "resume_reading")
    _upload(net, size)
    return net.run()


@scenario("wraparound", "Sequence numbers wrap from 2**32-1 to 0 in the middle of a transfer; "
          "nothing breaks, because TCP compares them on a circle.",
          Param("size", 5000, "bytes the client sends", minimum=1, maximum=1_000_000),
          Param("client_isn", 2**32 - 2500, "client's ISN (near 2**32)", minimum=0,
                maximum=2**32 - 1),
          SERVER_ISN, MSS, DELAY, SEED)
def wraparound(size: int, client_isn: int, server_isn: int | None, mss: int, delay: float,
               seed: int) -> Trace:
    net = _pair(client_isn, server_isn, delay, seed, client={"mss": mss}, server={"mss": mss})
    _upload(net, size)
    return net.run()


HIJACK_ATTACKS = ("data", "data-out-of-window", "data-blind-guess", "rst-exact", "rst-in-window")


@scenario("hijack", "An on-path attacker reads SEQ/ACK and injects a segment spoofed as the "
          "client: in-window data is accepted and desynchronises the real client; RFC 5961 "
          "answers an inexact RST with a challenge ACK.",
          Param("attack", "data", "what the attacker injects", str, choices=HIJACK_ATTACKS),
          Param("challenge_ack", True, "the server follows RFC 5961 (challenge ACKs)", bool),
          Param("offset", 1000, "how far from the expected SEQ an inexact guess lands (bytes)",
                minimum=1, maximum=2**31 - 1),
          Param("duration", 3.0, "how long to simulate (s)", float, minimum=0.5, maximum=600.0),
          *COMMON)
def hijack(attack: str, challenge_ack: bool, offset: int, duration: float,
           client_isn: int | None, server_isn: int | None, delay: float, seed: int) -> Trace:
    from ..model.segment import Flags, Segment
    from ..trace import SegmentSent

    net = _pair(client_isn, server_isn, delay, seed, server={"challenge_ack": challenge_ack})
    net.add_host("attacker", "10.0.0.66", 0)
    seen: dict[str, Segment] = {}

    def watch(_net: Any, _now: float, sent: SegmentSent) -> None:
        if sent.src == "client":
            seen["last"] = sent.segment

    net.tap(watch)
    _send_when_connected(net, "client", REQUEST, close=False)
    net.on("server", "received", lambda n, now, _e: n.call(
        now, "server", "send", b"HTTP/1.1 200 OK\r\n\r\nwelcome, alice"))
    attack_at = 8 * delay + 0.2
    if attack_at >= duration:
        raise ParameterError(f"duration={duration}: the attack comes at t={attack_at:g} s; "
                             "simulate longer")

    def strike(n: Any, now: float) -> None:
        last = seen["last"]
        expected = (last.seq + len(last.payload)) & 0xFFFFFFFF
        base = Segment(last.src_port, last.dst_port, seq=expected, ack=last.ack,
                       window=last.window)
        forged = {
            "data": base.replace(flags=Flags.PSH | Flags.ACK, payload=FORGED),
            "data-out-of-window": base.replace(seq=(expected + 2**31) & 0xFFFFFFFF,
                                               flags=Flags.PSH | Flags.ACK, payload=FORGED),
            # An off-path attacker sees nothing and must guess: one try in 2**32.
            "data-blind-guess": base.replace(seq=random.Random(f"guess/{seed}").getrandbits(32),
                                             flags=Flags.PSH | Flags.ACK, payload=FORGED),
            "rst-exact": base.replace(flags=Flags.RST, ack=0),
            "rst-in-window": base.replace(seq=(expected + offset) & 0xFFFFFFFF,
                                          flags=Flags.RST, ack=0),
        }[attack]
        n.inject(now, "attacker", "server", forged, spoof_as="client")

    net.at(attack_at, strike)
    net.at(attack_at + 4 * delay + 0.1, "client", "send", b"GET /logout HTTP/1.1\r\n\r\n")
    trace = net.run(until=duration)
    return trace


def _check_position(name: str, value: int, segments: int) -> None:
    if value > segments:
        raise ParameterError(f"{name}={value}: there are only {segments} data segments")


# -- the course notebooks' own stories ----------------------------------------------------------
#: A server-first protocol's greeting (SMTP's "220"): the server speaks before the client.
GREETING = b"220 mail.example.org ESMTP ready\r\n"


def _http_request(size: int) -> bytes:
    """An HTTP GET of exactly ``size`` bytes (padded with a header; tiny sizes are plain bytes)."""
    head, tail = b"GET / HTTP/1.1\r\nHost: example.org\r\n", b"\r\n"
    if size == len(head) + len(tail):
        return head + tail
    pad = size - len(head) - len(tail) - len(b"X-Pad: \r\n")
    return head + b"X-Pad: " + payload(pad) + b"\r\n" + tail if pad > 0 else payload(size)


def _http_response(size: int) -> bytes:
    """An HTTP 200 response of exactly ``size`` bytes (tiny sizes are plain bytes)."""
    body = size
    for _ in range(3):  # the header's length depends on the digits of the body's
        head = f"HTTP/1.1 200 OK\r\nContent-Length: {body}\r\n\r\n".encode()
        body = size - len(head)
    if body < 0:
        return payload(size)
    return head + b"<p>hello</p>".ljust(body, b" ")[:body]


@scenario("greeting", "A server-first protocol (SMTP, port 25): right after the handshake the "
          "server greets ('220 ...') before the client says anything.",
          Param("seed", 7, "seed of the client's ISN (the server's is seed + 1)"))
def greeting(seed: int) -> Trace:
    from ..model.endpoint import Config
    from .network import Network

    net = Network.pair(Config(seed=seed), Config(seed=seed + 1), server_port=25)
    net.at(0.0, "server", "listen")
    net.at(0.0, "client", "connect")
    net.on("server", "connected", lambda n, now, _e: n.call(now, "server", "send", GREETING))
    return net.run(until=1.0)


@scenario("simultaneous_open", "Both sides call connect() at once: the SYNs cross, and each side "
          "goes through SYN-SENT and SYN-RECEIVED.",
          Param("close", False, "then the client closes at 0.5 s and the server at 0.6 s", bool),
          Param("seed", 7, "seed of the client's ISN (the server's is seed + 1)"))
def simultaneous_open(close: bool, seed: int) -> Trace:
    script: list[tuple[Any, ...]] = [(0.0, "client", "connect"), (0.0, "server", "connect")]
    if close:
        script += [(0.5, "client", "close"), (0.6, "server", "close")]
    return story(script, seed=seed, until=None if close else 1.0)


@scenario("request_response", "A client sends a request and the server answers 10 ms after it "
          "arrives (piggybacking its ACK when delayed ACKs are on); optionally the client sends "
          "more later. Nobody closes.",
          Param("request", 37, "bytes of request", minimum=1, maximum=100_000),
          Param("response", 323, "bytes of response (0: no response)", minimum=0,
                maximum=100_000),
          Param("more", 0, "bytes the client sends at 1.0 s (0: none)", minimum=0,
                maximum=100_000),
          Param("delayed_ack", 0.2, "server's delayed-ACK timer in seconds (0: ACK at once)",
                float, minimum=0.0, maximum=0.5),
          Param("until", 2.0, "how long to simulate (s)", float, minimum=0.5, maximum=600.0),
          *COMMON)
def request_response(request: int, response: int, more: int, delayed_ack: float, until: float,
                     client_isn: int | None, server_isn: int | None, delay: float,
                     seed: int) -> Trace:
    net = _pair(client_isn, server_isn, delay, seed,
                server={"delayed_ack": delayed_ack or None})
    net.at(0.2, "client", "send", _http_request(request))
    if response:
        answer = _http_response(response)
        net.on("server", "received", lambda n, now, _e: n.call(now, "server", "send", answer),
               after=0.01)
    if more:
        net.at(1.0, "client", "send", payload(more))
    return net.run(until=until)


@scenario("upload_loss", "The client uploads in one send(); the network loses one data segment. "
          "A TCP receiver keeps what follows the hole; a Go-Back-N receiver throws it away.",
          Param("receiver", "tcp", "receiver behaviour", str, choices=("tcp", "gbn")),
          Param("lose", 2, "which data segment is lost (1 = first)", minimum=1),
          Param("sack", False, "both sides use SACK (RFC 2018)", bool),
          Param("size", 6000, "bytes the client sends", minimum=1, maximum=1_000_000),
          MSS, *COMMON)
def upload_loss(receiver: str, lose: int, sack: bool, size: int, mss: int,
                client_isn: int | None, server_isn: int | None, delay: float,
                seed: int) -> Trace:
    from .network import DropNth

    _check_position("lose", lose, -(-size // mss))
    net = _pair(client_isn, server_isn, delay, seed, client={"mss": mss, "sack": sack},
                server={"mss": mss, "receiver": receiver, "sack": sack},
                rules=[DropNth(src="client", kind="data", n=lose)])
    net.at(0.1, "client", "send", bytes(size))
    return net.run(until=5.0)


@scenario("congestion", "A long upload over a 500 kB/s bottleneck: slow start, losses, fast "
          "recovery (or a timeout when a retransmission is lost too), congestion avoidance.",
          Param("lose", 60, "the data segment lost first (1 = first)", minimum=1),
          Param("lose_again", 200, "a second data segment lost later (0: none)", minimum=0),
          Param("lose_retransmission", False, "the first loss's retransmission is lost too, so "
                "only the timer recovers", bool),
          Param("size", 300_000, "bytes the client sends", minimum=1, maximum=10_000_000),
          MSS, *COMMON)
def congestion(lose: int, lose_again: int, lose_retransmission: bool, size: int, mss: int,
               client_isn: int | None, server_isn: int | None, delay: float,
               seed: int) -> Trace:
    from ..model.seq import SEQ_SPACE
    from .network import Drop, DropNth

    if lose_retransmission:
        def first_lost(packet: Any) -> bool:
            start = packet.segment.seq - (net.endpoint("client").iss + 1)
            return start % SEQ_SPACE == (lose - 1) * mss
        rule: Any = Drop(src="client", kind="data", times=2, where=first_lost)
    else:
        rule = DropNth(src="client", kind="data", n=[lose, lose_again] if lose_again else lose)
    net = _pair(client_isn, server_isn, delay, seed, client={"mss": mss, "wscale": 4},
                server={"mss": mss, "rcv_buffer": 200_000, "wscale": 4},
                rules=[rule], bandwidth=500_000)
    net.at(0.2, "client", "send", bytes(size))
    return net.run()  # ends when every byte is acknowledged (nobody closes)


def story(script: Any, seed: int = 1, until: float | None = None, **network: Any) -> Trace:
    """Run a scripted conversation: ``script`` lists ``(time, node, action, *args)`` for the
    client's and the server's applications (``listen``, ``connect``, ``send``, ``close``...).

    The client's ISN comes from ``seed``, the server's from ``seed + 1``; ``network`` options go
    to :meth:`Network.pair` (``delay``, ``rules``...). Returns the trace.
    """
    from ..model.endpoint import Config
    from .network import Network

    if isinstance(script, (str, bytes)) or not hasattr(script, "__iter__"):
        raise ParameterError("a story is a list of (time, node, action, ...) steps")
    net = Network.pair(Config(seed=seed), Config(seed=seed + 1), **network)
    for step in script:
        if not isinstance(step, (tuple, list)) or len(step) < 3:
            raise ParameterError(f"{step!r}: each step is (time, node, action, *args)")
        time, node, action, *args = step
        net.at(time, node, action, *args)
    return net.run(until=until) if until is not None else net.run()


@scenario("closing_together", "Both applications call close() at the same moment: the FINs "
          "cross, and each side goes through CLOSING.",
          Param("seed", 1, "seed of the client's ISN (the server's is seed + 1)"))
def closing_together(seed: int) -> Trace:
    return story([(0.0, "server", "listen"), (0.0, "client", "connect"),
                  (0.5, "client", "close"), (0.5, "server", "close")], seed=seed)


@scenario("normal_life", "A connection's normal life: listen, connect, send 'hello', the client "
          "closes, then the server.",
          Param("seed", 1, "seed of the client's ISN (the server's is seed + 1)"))
def normal_life(seed: int) -> Trace:
    return story([(0.0, "server", "listen"), (0.0, "client", "connect"),
                  (0.2, "client", "send", b"hello"), (0.4, "client", "close"),
                  (0.6, "server", "close")], seed=seed)


# -- the labs' stories (each lab variant draws the parameters) -----------------------------------


@scenario("conversation", "A request and a response after the handshake, then the client closes: "
          "HTTP (the client speaks first) or SMTP (the server greets first).",
          Param("style", "http", "who speaks first", str, choices=("http", "smtp")),
          Param("request", 120, "bytes the client sends", minimum=1, maximum=100_000),
          Param("response", 600, "bytes the server sends", minimum=1, maximum=100_000),
          *COMMON)
def conversation(style: str, request: int, response: int, client_isn: int | None,
                 server_isn: int | None, delay: float, seed: int) -> Trace:
    net = _pair(client_isn, server_isn, delay, seed)
    asked = (b"GET / HTTP/1.1\r\n" if style == "http" else b"EHLO client\r\n")
    answer = (b"HTTP/1.1 200 OK\r\n" if style == "http" else b"220 mail ready\r\n")
    asked, answer = (asked + payload(request))[:request], (answer + payload(response))[:response]
    first, second = ("client", "server") if style == "http" else ("server", "client")
    first_data, second_data = (asked, answer) if style == "http" else (answer, asked)
    net.on(first, "connected", lambda n, now, _e: n.call(now, first, "send", first_data))
    net.on(second, "received", lambda n, now, _e: n.call(now, second, "send", second_data),
           after=0.01)
    net.on("client", "received", lambda n, now, _e: n.call(now, "client", "close"), after=0.02)
    net.close_on_eof("server")
    return net.run()


@scenario("burst", "The client sends a burst of full segments through a bottleneck (100 segments "
          "a second): optionally one is lost, or held back so that later ones overtake it; a TCP "
          "or a Go-Back-N receiver.",
          Param("segments", 8, "data segments in the burst", minimum=1, maximum=50),
          Param("lose", 0, "which data segment is lost (1 = first; 0: none)", minimum=0),
          Param("hold", 0, "which data segment is held back (1 = first; 0: none)", minimum=0),
          Param("extra", 0.05, "how much later the held segment arrives (s)", float,
                minimum=0.0, maximum=10.0),
          Param("receiver", "tcp", "receiver behaviour", str, choices=("tcp", "gbn")),
          Param("close_at", 3.0, "when the client closes (s)", float, minimum=0.0,
                maximum=600.0),
          MSS, *COMMON)
def burst(segments: int, lose: int, hold: int, extra: float, receiver: str, close_at: float,
          mss: int, client_isn: int | None, server_isn: int | None, delay: float,
          seed: int) -> Trace:
    from .network import DropNth, HoldBack

    rules: list[Any] = []
    if lose:
        _check_position("lose", lose, segments)
        rules.append(DropNth(src="client", kind="data", n=lose))
    if hold:
        _check_position("hold", hold, segments)
        rules.append(HoldBack(src="client", kind="data", n=hold, times=1, extra=extra))
    net = _pair(client_isn, server_isn, delay, seed,
                client={"mss": mss, "initial_cwnd": segments + 2},
                server={"mss": mss, "receiver": receiver},
                bandwidth=mss * 100.0, rules=rules)
    data = payload(segments * mss)
    net.on("client", "connected", lambda n, now, _e: n.call(now, "client", "send", data))
    net.close_on_eof("server")
    net.at(close_at, "client", "close")
    return net.run()


@scenario("exchange_close", "Both sides exchange a message, then one closes: the other closes "
          "0.2 s after the FIN — or, with a buggy server, never (CLOSE-WAIT forever).",
          Param("closer", "client", "who closes first", str, choices=("client", "server")),
          Param("passive_closes", True, "the other side closes after the FIN", bool),
          Param("size", 300, "bytes each side sends", minimum=1, maximum=100_000),
          Param("msl", 10.0, "maximum segment lifetime (TIME-WAIT lasts 2*msl)", float,
                minimum=0.001, maximum=600.0),
          *COMMON)
def exchange_close(closer: str, passive_closes: bool, size: int, msl: float,
                   client_isn: int | None, server_isn: int | None, delay: float,
                   seed: int) -> Trace:
    net = _pair(client_isn, server_isn, delay, seed, client={"msl": msl}, server={"msl": msl})
    data = payload(size)
    net.on("client", "connected", lambda n, now, _e: n.call(now, "client", "send", data))
    net.on("server", "received", lambda n, now, _e: n.call(now, "server", "send", data),
           after=0.01)
    net.at(0.5, closer, "close")
    if passive_closes:
        net.close_on_eof("server" if closer == "client" else "client", after=0.2)
    return net.run(until=4 * msl + 5)
