"""Test helper: two endpoints joined by a fake link with a virtual clock (like h11's ConnectionPair
and aioquic's client_and_server()/transfer()/drop()).

Every segment an endpoint emits goes through ``fault`` (default: deliver once after ``delay``);
``drop()``, ``reorder()`` and ``duplicate()`` queue one-shot faults for the next matching
segments. ``run()`` advances the clock event by event (arrivals and timers) until nothing is left.
"""

from __future__ import annotations

import heapq
from collections.abc import Callable
from dataclasses import dataclass, field

from tcpedu.model.endpoint import Config, Endpoint
from tcpedu.model.events import DataReceived, Event, StateChange
from tcpedu.model.segment import Segment
from tcpedu.model.states import State

Predicate = Callable[[Segment], bool]


@dataclass
class _Fault:
    src: str
    predicate: Predicate
    delays: tuple[float, ...]  # () drops; (d,) delays by d extra; (0, d) duplicates
    count: int


@dataclass
class Wire:
    """What happened on the link: ``(time, action, src, segment)`` with action sent/dropped/delivered."""

    log: list[tuple[float, str, str, Segment]] = field(default_factory=list)

    def sent(self, src: str | None = None) -> list[Segment]:
        return [s for _, a, n, s in self.log if a == "sent" and (src is None or n == src)]

    def delivered(self, src: str | None = None) -> list[Segment]:
        return [s for _, a, n, s in self.log if a == "delivered" and (src is None or n == src)]


class ConnectionPair:
    """A client and a server endpoint on one virtual link."""

    def __init__(self, client_config: Config | None = None, server_config: Config | None = None,
                 *, delay: float = 0.05, client_port: int = 40000, server_port: int = 80,
                 fault: Callable[[str, Segment, int], tuple[float, ...]] | None = None) -> None:
        self.client = Endpoint("client", client_port, client_config or Config(isn=1000))
        self.server = Endpoint("server", server_port, server_config or Config(isn=5000))
        self.nodes = {"client": self.client, "server": self.server}
        self.peer = {"client": "server", "server": "client"}
        self.now = 0.0
        self.delay = delay
        self.fault = fault
        self.wire = Wire()
        self.events: dict[str, list[Event]] = {"client": [], "server": []}
        self.received: dict[str, bytearray] = {"client": bytearray(), "server": bytearray()}
        self._faults: list[_Fault] = []
        self._queue: list[tuple[float, int, str, Segment]] = []
        self._counter = 0
        self._emitted = 0
        self.steps = 0

    # -- faults ---------------------------------------------------------------------------
    def drop(self, src: str, count: int = 1, when: Predicate | None = None) -> None:
        """Lose the next ``count`` segments from ``src`` (that match ``when``)."""
        self._faults.append(_Fault(src, when or (lambda s: True), (), count))

    def reorder(self, src: str, extra: float, count: int = 1, when: Predicate | None = None) -> None:
        """Hold the next ``count`` matching segments from ``src`` back by ``extra`` seconds."""
        self._faults.append(_Fault(src, when or (lambda s: True), (extra,), count))

    def duplicate(self, src: str, count: int = 1, when: Predicate | None = None) -> None:
        """Deliver the next ``count`` matching segments from ``src`` twice."""
        self._faults.append(_Fault(src, when or (lambda s: True), (0.0, 0.001), count))

    def _delays(self, src: str, seg: Segment) -> tuple[float, ...]:
        for f in self._faults:
            if f.src == src and f.count > 0 and f.predicate(seg):
                f.count -= 1
                if f.count == 0:
                    self._faults.remove(f)
                return f.delays
        if self.fault is not None:
            self._emitted += 1
            return self.fault(src, seg, self._emitted)
        return (0.0,)

    # -- moving things --------------------------------------------------------------------
    def pump(self) -> None:
        """Collect every endpoint's output segments and events."""
        for name, ep in self.nodes.items():
            for seg in ep.segments_to_send():
                self.wire.log.append((self.now, "sent", name, seg))
                delays = self._delays(name, seg)
                if not delays:
                    self.wire.log.append((self.now, "dropped", name, seg))
                for extra in delays:
                    self._counter += 1
                    heapq.heappush(self._queue, (self.now + self.delay + extra, self._counter,
                                                 name, seg))
            while (ev := ep.next_event()) is not None:
                self.events[name].append(ev)
                if isinstance(ev, DataReceived):
                    self.received[name] += ev.data

    def inject(self, dst: str, seg: Segment) -> None:
        """Deliver ``seg`` to ``dst`` right now (an attacker, or a hand-made segment)."""
        self.nodes[dst].receive(self.now, seg)
        self.pump()

    def next_time(self) -> float | None:
        times = [t for t in (ep.get_timer() for ep in self.nodes.values()) if t is not None]
        if self._queue:
            times.append(self._queue[0][0])
        return min(times) if times else None

    def step(self) -> bool:
        """Handle the next arrival or timer; False when nothing is left."""
        self.pump()
        t = self.next_time()
        if t is None:
            return False
        self.now = max(self.now, t)
        self.steps += 1
        if self._queue and self._queue[0][0] <= t:
            _, _, src, seg = heapq.heappop(self._queue)
            dst = self.peer[src]
            self.wire.log.append((self.now, "delivered", src, seg))
            self.nodes[dst].receive(self.now, seg)
        else:
            for ep in self.nodes.values():
                deadline = ep.get_timer()
                if deadline is not None and deadline <= self.now:
                    ep.handle_timer(self.now)
        self.pump()
        return True

    def run(self, until: float | None = None, max_steps: int = 200_000) -> None:
        """Advance until nothing is pending (or the clock would pass ``until``)."""
        for _ in range(max_steps):
            t = self.next_time()
            if t is None or (until is not None and t > until):
                if until is not None:
                    self.now = max(self.now, until)
                return
            self.step()
        raise AssertionError(f"ConnectionPair.run did not settle in {max_steps} steps")

    def advance(self, seconds: float) -> None:
        """Run for ``seconds`` of virtual time."""
        self.run(until=self.now + seconds)

    # -- scripts ----------------------------------------------------------------------------
    def connect(self, run: bool = True) -> None:
        """Server listens, client connects; optionally run until the handshake settles."""
        self.server.listen(self.now)
        self.client.connect(self.now, self.server.local_port)
        self.pump()
        if run:
            self.run_until(lambda: self.client.state is State.ESTABLISHED
                           and self.server.state is State.ESTABLISHED)

    def run_until(self, condition: Callable[[], bool], max_steps: int = 200_000) -> None:
        """Step until ``condition()`` holds."""
        for _ in range(max_steps):
            if condition():
                return
            if not self.step():
                break
        if not condition():
            raise AssertionError("condition never held; "
                                 f"client={self.client!r} server={self.server!r}")

    def send(self, src: str, data: bytes) -> None:
        self.nodes[src].send(self.now, data)
        self.pump()

    def close(self, src: str) -> None:
        self.nodes[src].close(self.now)
        self.pump()

    # -- looking ----------------------------------------------------------------------------
    def states(self, name: str) -> list[State]:
        """States ``name`` went through, from its first one."""
        changes = [e for e in self.events[name] if isinstance(e, StateChange)]
        return [changes[0].old, *(c.new for c in changes)] if changes else []

    def of_type(self, name: str, kind: type) -> list:
        return [e for e in self.events[name] if isinstance(e, kind)]
