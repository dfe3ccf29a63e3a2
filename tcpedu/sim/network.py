"""A discrete-event simulator joining sans-I/O endpoints by links with delay, loss and reordering.

The network keeps a virtual clock and a heap of events (deliveries, timers, scripted application
calls). Nothing reads a real clock; the same seed and the same script give the same :class:`Trace`.

Faults are small rule objects, applied in order to every segment put on the wire::

    net = Network.pair(delay=0.05, rules=[DropNth(src="client", kind="data", n=3)])
    net.at(0.0, "server", "listen")
    net.at(0.0, "client", "connect")
    net.at(0.2, "client", "send", b"hello")
    net.close_on_eof("server")
    trace = net.run()

A rule matches on sender, receiver, segment kind (:data:`KINDS`), the n-th match and/or a
predicate on the :class:`Packet`; :class:`Drop` loses it, :class:`HoldBack` delays it (reordering),
:class:`Duplicate` delivers extra copies. An on-path attacker watches with :meth:`Network.tap`
and forges segments with :meth:`Network.inject`.
"""

from __future__ import annotations

import gc
import heapq
import itertools
import random
from collections import deque
from collections.abc import Callable, Iterable
from dataclasses import dataclass, fields
from typing import Any

from ..errors import ParameterError
from ..model import events as ev_
from ..model.fastinit import maker
from ..model.segment import Flags, Segment
from ..model.states import State
from ..trace import (
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

#: The kinds a rule can match: a segment may be of several (data with FIN is "data" and "fin").
KINDS: frozenset[str] = frozenset({"any", "syn", "synack", "ack", "data", "fin", "rst"})

#: Header bytes counted on a link besides the payload (IPv4 20 + TCP 20).
HEADER_BYTES = 40

#: The default hosts of :meth:`Network.pair`.
CLIENT = ("client", "10.0.0.1", 40000)
SERVER = ("server", "10.0.0.2", 80)

_kinds_cache: dict[tuple[int, bool], frozenset[str]] = {}


def segment_kinds(segment: Segment) -> frozenset[str]:
    """The kinds of a segment: ``syn``, ``synack``, ``rst``, ``fin``, ``data`` or a pure ``ack``."""
    key = (int(segment.flags), bool(segment.payload))
    kinds = _kinds_cache.get(key)
    if kinds is None:
        f, found = segment.flags, {"any"}
        if f & Flags.RST:
            found.add("rst")
        if f & Flags.SYN:
            found.add("synack" if f & Flags.ACK else "syn")
        if f & Flags.FIN:
            found.add("fin")
        if segment.payload:
            found.add("data")
        if len(found) == 1 and f & Flags.ACK:
            found.add("ack")
        kinds = _kinds_cache[key] = frozenset(found)
    return kinds


@dataclass(frozen=True, slots=True)
class Packet:
    """A segment on the wire as fault rules and taps see it."""

    id: int
    time: float
    src: str
    dst: str
    segment: Segment
    note: str = ""
    sender_state: State | None = None

    @property
    def kinds(self) -> frozenset[str]:
        """See :func:`segment_kinds`."""
        return segment_kinds(self.segment)


# -- fault rules ----------------------------------------------------------------------------------


class Rule:
    """Matches packets by sender, receiver, kind, predicate and position among the matches.

    ``n`` picks the n-th matching packet (1-based; an int or a collection of ints; ``None``: every
    match); ``times`` caps how often the rule acts. Each rule object counts its own matches, so
    give every network fresh rule objects.
    """

    def __init__(self, *, src: str | None = None, dst: str | None = None, kind: str = "any",
                 n: int | Iterable[int] | None = None, where: Callable[[Packet], bool] | None = None,
                 times: int | None = None) -> None:
        if kind not in KINDS:
            raise ParameterError(f"kind={kind!r}: choose one of {', '.join(sorted(KINDS))}")
        if n is not None:
            wanted = {n} if isinstance(n, int) else set(n)
            if not wanted or not all(isinstance(i, int) and i >= 1 for i in wanted):
                raise ParameterError(f"n={n!r}: give a positive integer (1 = the first match)")
            n = frozenset(wanted)
        if times is not None and (not isinstance(times, int) or times < 1):
            raise ParameterError(f"times={times!r}: give a positive integer or None")
        if where is not None and not callable(where):
            raise ParameterError(f"where={where!r} is not callable")
        self.src, self.dst, self.kind, self.n, self.where, self.times = src, dst, kind, n, where, times
        self.matched = 0
        self.acted = 0

    def matches(self, packet: Packet) -> bool:
        """Whether the rule acts on this packet (counts the match)."""
        if self.src is not None and packet.src != self.src:
            return False
        if self.dst is not None and packet.dst != self.dst:
            return False
        if self.kind != "any" and self.kind not in segment_kinds(packet.segment):
            return False
        if self.where is not None and not self.where(packet):
            return False
        self.matched += 1
        if self.n is not None and self.matched not in self.n:
            return False
        if self.times is not None and self.acted >= self.times:
            return False
        self.acted += 1
        return True

    def describe(self) -> str:
        """Short text naming what the rule matches, used as the drop reason."""
        parts = [self.kind if self.kind != "any" else "segment"]
        if self.src:
            parts.append(f"from {self.src}")
        if self.dst:
            parts.append(f"to {self.dst}")
        if self.n:
            parts.insert(0, "#" + ",".join(map(str, sorted(self.n))))
        if self.where is not None:
            parts.append("matching " + getattr(self.where, "__name__", "predicate"))
        return " ".join(parts)

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.describe()})"


class Drop(Rule):
    """Lose the matching packets; ``reason`` is recorded in the trace."""

    def __init__(self, *, reason: str = "", **match: Any) -> None:
        super().__init__(**match)
        self.reason = reason or f"rule: drop {self.describe()}"


class DropNth(Drop):
    """Lose the n-th packet of a kind: ``DropNth(src="client", kind="data", n=3)``."""

    def __init__(self, *, n: int | Iterable[int], **match: Any) -> None:
        super().__init__(n=n, **match)


class DropWhere(Drop):
    """Lose the packets a predicate picks: ``DropWhere(lambda p: p.segment.seq == 1001)``."""

    def __init__(self, where: Callable[[Packet], bool], **match: Any) -> None:
        super().__init__(where=where, **match)


class HoldBack(Rule):
    """Delay the matching packets by ``extra`` seconds, so later ones overtake them (reordering)."""

    def __init__(self, *, extra: float = 0.1, **match: Any) -> None:
        super().__init__(**match)
        if not isinstance(extra, (int, float)) or extra < 0:
            raise ParameterError(f"extra={extra!r}: give a delay in seconds >= 0")
        self.extra = float(extra)


class Duplicate(Rule):
    """Deliver ``copies`` extra copies of the matching packets."""

    def __init__(self, *, copies: int = 1, **match: Any) -> None:
        super().__init__(**match)
        if not isinstance(copies, int) or copies < 1:
            raise ParameterError(f"copies={copies!r}: give a positive integer")
        self.copies = copies


# -- links ----------------------------------------------------------------------------------------


@dataclass(slots=True)
class Link:
    """One direction of a path: propagation ``delay`` (s), ``bandwidth`` (bytes/s, None = no
    serialization time), and probabilities of ``loss``, ``duplicate`` and ``reorder`` (a reordered
    segment arrives ``reorder_delay`` seconds late; default: one more ``delay``). With a
    ``bandwidth``, a segment that finds more than ``queue`` bytes waiting ahead of it is dropped
    (a drop-tail router buffer; None = the queue never fills)."""

    delay: float = 0.05
    bandwidth: float | None = None
    loss: float = 0.0
    duplicate: float = 0.0
    reorder: float = 0.0
    reorder_delay: float | None = None
    queue: int | None = None

    def __post_init__(self) -> None:
        for name in ("loss", "duplicate", "reorder"):
            value = getattr(self, name)
            if not isinstance(value, (int, float)) or not 0.0 <= value <= 1.0:
                raise ParameterError(f"{name}={value!r}: give a probability between 0 and 1")
        if not isinstance(self.delay, (int, float)) or self.delay < 0:
            raise ParameterError(f"delay={self.delay!r}: give seconds >= 0")
        if self.bandwidth is not None and (
                not isinstance(self.bandwidth, (int, float)) or self.bandwidth <= 0):
            raise ParameterError(f"bandwidth={self.bandwidth!r}: give bytes per second > 0")
        if self.reorder_delay is not None and (
                not isinstance(self.reorder_delay, (int, float)) or self.reorder_delay < 0):
            raise ParameterError(f"reorder_delay={self.reorder_delay!r}: give seconds >= 0")
        if self.queue is not None and (not isinstance(self.queue, int) or self.queue < 0):
            raise ParameterError(f"queue={self.queue!r}: give a number of bytes >= 0")


# -- the simulator --------------------------------------------------------------------------------

_DELIVER, _TIMER, _APP, _CALLBACK, _DROP, _INJECT = range(6)
_heappush = heapq.heappush
AppCallback = Callable[["Network", float, AppEvent], Any]


class Network:
    """The simulator: hosts, endpoints, links, fault rules, a virtual clock and the trace.

    ``delay``, ``bandwidth``, ``loss``, ``duplicate``, ``reorder``, ``reorder_delay`` and
    ``queue`` set the default :class:`Link`
    of every direction (change one with :meth:`set_link`); ``rules`` are fault rules applied in
    order; ``seed`` makes random faults repeatable; ``snapshots=False`` skips recording endpoint
    variables (faster, for big transfers).
    """

    def __init__(self, *, seed: int = 0, delay: float = 0.05, bandwidth: float | None = None,
                 loss: float = 0.0, duplicate: float = 0.0, reorder: float = 0.0,
                 reorder_delay: float | None = None, queue: int | None = None,
                 rules: Iterable[Rule] = (), snapshots: bool = True) -> None:
        if not isinstance(seed, int):
            raise ParameterError(f"seed={seed!r}: give an integer")
        self.default_link = Link(delay, bandwidth, loss, duplicate, reorder, reorder_delay, queue)
        self.rules: list[Rule] = []
        for rule in rules:
            self.add_rule(rule)
        self.trace = Trace(hosts={}, meta={"seed": seed})
        self._current: tuple = (0.0, -1)  # the heap entry being processed (time, order, ...)
        self.snapshots = snapshots
        self._rng = random.Random(seed)
        self._endpoints: dict[str, Any] = {}
        self._nodes: dict[str, _Node] = {}  # what _settle needs of each endpoint, in one place
        self._ips: dict[str, str] = {}  # each node's IP, as in trace.hosts (read per delivery)
        self._peers: dict[str, str] = {}
        self._links: dict[tuple[str, str], Link] = {}
        self._busy: dict[tuple[str, str], list[float]] = {}
        self._heap: list[tuple[float, int, int, Any, Any]] = []
        self._order = itertools.count()
        self._ids = itertools.count(1)
        # What an endpoint said about the segments it is about to send (from its events):
        # node -> {seq: known}, and the nodes whose next segment is a challenge ACK.
        self._known_pending: dict[str, dict[int, str]] = {}
        self._challenge_pending: set[str] = set()
        self._callbacks: dict[tuple[str, str], list[tuple[AppCallback, float]]] = {}
        self._taps: list[Callable[[Network, float, SegmentSent], Any]] = []
        self.events_processed = 0

    # -- building the network -------------------------------------------------------------------
    @classmethod
    def pair(cls, client_config: Any = None, server_config: Any = None, *,
             client_ip: str = CLIENT[1], server_ip: str = SERVER[1],
             client_port: int = CLIENT[2], server_port: int = SERVER[2],
             **network_options: Any) -> Network:
        """A client and a server endpoint (``tcpedu.model.endpoint``) joined by the default link."""
        from ..model.endpoint import Config, Endpoint

        try:
            net = cls(**network_options)
        except TypeError as exc:
            raise ParameterError(f"Network.pair: {exc}") from None
        net.add_endpoint("client", Endpoint(name="client", local_port=client_port,
                                            config=client_config or Config(),
                                            local_ip=client_ip), client_ip)
        net.add_endpoint("server", Endpoint(name="server", local_port=server_port,
                                            config=server_config or Config(),
                                            local_ip=server_ip), server_ip)
        return net

    def add_endpoint(self, name: str, endpoint: Any, ip: str, port: int | None = None,
                     peer: str | None = None) -> Host:
        """Attach a sans-I/O endpoint as node ``name`` at ``ip``; its segments go to ``peer``
        (default: the one other endpoint)."""
        port = getattr(endpoint, "local_port", None) if port is None else port
        host = self.add_host(name, ip, port if port is not None else 0)
        self._endpoints[name] = endpoint
        queue = getattr(endpoint, "event_queue", None)
        self._nodes[name] = _Node(name, endpoint, queue if isinstance(queue, deque) else None,
                                  _TimerSlot())
        if peer is not None:
            self._peers[name] = peer
        return host

    def add_host(self, name: str, ip: str, port: int = 0) -> Host:
        """A node without an endpoint, e.g. an ``"attacker"`` that only taps and injects."""
        if not isinstance(name, str) or not name:
            raise ParameterError(f"node name {name!r}: give a non-empty string")
        if name in self.trace.hosts:
            raise ParameterError(f"node {name!r} already exists")
        import ipaddress

        try:
            ipaddress.ip_address(ip)
        except ValueError:
            raise ParameterError(f"ip={ip!r} is not an IPv4 or IPv6 address") from None
        if not isinstance(port, int) or not 0 <= port <= 0xFFFF:
            raise ParameterError(f"port={port!r}: give an integer 0..65535")
        host = Host(name, ip, port)
        self.trace.hosts[name] = host
        self._ips[name] = ip
        return host

    def endpoint(self, name: str) -> Any:
        """The endpoint of node ``name``."""
        try:
            return self._endpoints[name]
        except KeyError:
            raise ParameterError(f"no endpoint named {name!r} (have {', '.join(self._endpoints)})"
                                 ) from None

    def set_link(self, src: str, dst: str, **changes: Any) -> Link:
        """Change the direction ``src -> dst`` (e.g. ``delay=0.2`` or ``loss=0.1``)."""
        self._check_node(src)
        self._check_node(dst)
        base = self._links.get((src, dst), self.default_link)
        try:
            link = Link(**{f.name: getattr(base, f.name) for f in fields(Link)} | changes)
        except TypeError as exc:
            raise ParameterError(f"set_link: {exc}") from None
        self._links[(src, dst)] = link
        return link

    def link(self, src: str, dst: str) -> Link:
        """The link carrying ``src -> dst``."""
        return self._links.get((src, dst), self.default_link)

    def add_rule(self, rule: Rule) -> None:
        """Append a fault rule (rules act in the order they were added)."""
        if not isinstance(rule, Rule):
            raise ParameterError(f"{rule!r} is not a fault rule (Drop, DropNth, HoldBack...)")
        self.rules.append(rule)

    def tap(self, callback: Callable[[Network, float, SegmentSent], Any]) -> None:
        """Call ``callback(net, now, sent)`` for every segment put on the wire (an on-path view)."""
        self._taps.append(callback)

    # -- scripting the applications ------------------------------------------------------------
    def at(self, time: float, node: str | Callable[[Network, float], Any], action: str = "",
           *args: Any) -> None:
        """At ``time``, make ``node``'s application call ``action`` (listen, connect, send, close,
        abort, pause_reading, resume_reading; ``send`` takes the bytes), or call
        ``node(net, now)`` when it is a callable."""
        time = self._check_time(time)
        if callable(node):
            self._push(time, _CALLBACK, node, None)
            return
        self._check_endpoint(node)
        if action not in _APP_CALLS:
            raise ParameterError(f"action={action!r}: choose one of {', '.join(_APP_CALLS)}")
        if action == "send" and (len(args) != 1 or not isinstance(args[0], (bytes, bytearray))):
            raise ParameterError("send needs exactly one bytes argument")
        self._push(time, _APP, node, (action, args))

    def on(self, node: str, action: str, callback: AppCallback, after: float = 0.0) -> None:
        """Call ``callback(net, now, event)`` ``after`` seconds after each AppEvent ``action``
        (``connected``, ``received``, ``eof``, ``reset``, ``closed``) at ``node``."""
        self._check_endpoint(node)
        self._callbacks.setdefault((node, action), []).append((callback, float(after)))

    def close_on_eof(self, node: str, after: float = 0.0) -> None:
        """Close ``node`` once its peer has closed (the usual server behaviour); nothing happens
        if by then the connection is already gone (e.g. reset) or closing."""
        def close(net: Network, now: float, _event: AppEvent) -> None:
            if getattr(net.endpoint(node), "state", None) in _CLOSE_ON_EOF_STATES:
                net.call(now, node, "close")
        self.on(node, "eof", close, after)

    def call(self, now: float, node: str, action: str, *args: Any) -> None:
        """Make ``node``'s application call ``action`` right now (from a callback)."""
        self._check_endpoint(node)
        self._app_call(now, node, action, args)

    def inject(self, now: float, src: str, dst: str, segment: Segment,
               spoof_as: str | None = None) -> None:
        """At ``now``, host ``src`` puts a forged ``segment`` on the wire towards ``dst``,
        claiming to be ``spoof_as`` (its IP address) when given."""
        now = self._check_time(now)
        self._check_node(src)
        self._check_endpoint(dst)
        if spoof_as is not None:
            self._check_node(spoof_as)
        if not isinstance(segment, Segment):
            raise ParameterError(f"inject needs a Segment, got {type(segment).__name__}")
        self._push(now, _INJECT, (src, dst, spoof_as), segment)

    # -- running ---------------------------------------------------------------------------------
    def run(self, until: float | None = None, max_events: int = 5_000_000) -> Trace:
        """Process events in time order until none are left (or ``until``); returns the trace.

        Can be called again to continue. Raises ParameterError if ``max_events`` events pass
        without the simulation settling (a script that never ends).

        Python's cyclic garbage collector is paused while it runs (and restored after): a run
        builds tens of thousands of records that form no cycles, and the collector would
        otherwise walk them again and again (5-10 % of a large transfer's time). They outlive
        the run, so they are then handed to the collector's oldest generation at once
        (``gc.freeze()`` then ``gc.unfreeze()``, unless the program froze objects of its own):
        else the first collection after the run walks them all (another 8 %), and the next
        one again.
        """
        collecting = gc.isenabled()
        if collecting:
            gc.disable()
        try:
            budget = self._process(until, max_events)
        finally:
            if collecting:
                if not gc.get_freeze_count():
                    gc.freeze()  # everything tracked to the permanent generation...
                    gc.unfreeze()  # ...and back into the oldest: no young collection walks it
                gc.enable()
        self.events_processed += max_events - budget
        if until is not None and until > self.now:
            self.now = until
        return self.trace

    def _process(self, until: float | None, max_events: int) -> int:
        """The event loop of :meth:`run`; returns the budget of events left."""
        heap, pop = self._heap, heapq.heappop
        handlers = self._handlers
        budget = max_events
        while heap:
            if until is not None and heap[0][0] > until:
                break
            entry = self._current = pop(heap)
            time, _order, code, a, b = entry
            handlers[code](self, time, a, b)
            budget -= 1
            if not budget:
                raise ParameterError(f"the simulation did not settle within max_events="
                                     f"{max_events} events (at t={time:.3f} s); pass until= "
                                     "or a larger max_events")
        return budget

    def __repr__(self) -> str:
        return (f"<Network t={self.now:.3f} s, {len(self._heap)} pending events, "
                f"nodes {', '.join(self.trace.hosts) or 'none'}>")

    @property
    def now(self) -> float:
        """The virtual clock: the time of the event being (or last) processed, or ``until``."""
        return self._current[0]

    @now.setter
    def now(self, time: float) -> None:
        self._current = (time, -1)

    @property
    def pending(self) -> int:
        """Events still waiting in the queue."""
        return len(self._heap)

    # -- event handlers --------------------------------------------------------------------------
    def _on_deliver(self, now: float, sent: SegmentSent, _unused: Any) -> None:
        self.trace.records.append(_new_delivered(now, sent.id))
        node = self._nodes.get(sent.dst)
        if node is not None:
            node.endpoint.receive(now, sent.segment, self._ips[sent.src])
            self._settle(now, node)

    def _on_drop(self, now: float, sent: SegmentSent, reason: str) -> None:
        self.trace.records.append(_new_dropped(now, sent.id, reason))

    def _on_timer(self, now: float, node: str, key: tuple[float, int]) -> None:
        state = self._nodes[node]
        slot = state.slot
        slot.queued.remove(key)
        if key != slot.key or slot.deadline is None:
            # Superseded: the endpoint re-armed or cancelled its timer since. If its timer is
            # armed, the entry that fires it goes into the heap now (see _TimerSlot).
            live = slot.key
            if live is not None and slot.deadline is not None and (
                    not slot.queued or live < min(slot.queued)):
                heapq.heappush(self._heap, (live[0], live[1], _TIMER, node, live))
                slot.queued.append(live)
            return
        slot.deadline = slot.key = None
        state.endpoint.handle_timer(now)
        self._settle(now, state)

    def _on_app(self, now: float, node: str, call: tuple[str, tuple]) -> None:
        self._app_call(now, node, call[0], call[1])

    def _on_callback(self, now: float, callback: Callable, event: AppEvent | None) -> None:
        if event is None:
            callback(self, now)
        else:
            callback(self, now, event)

    def _on_inject(self, now: float, who: tuple[str, str, str | None], segment: Segment) -> None:
        src, dst, spoof_as = who
        self._transmit(now, src, dst, segment, _INJECTED, spoof_as or "")

    _handlers: tuple[Callable[..., None], ...] = (
        _on_deliver, _on_timer, _on_app, _on_callback, _on_drop, _on_inject)

    # -- the endpoint side -----------------------------------------------------------------------
    def _app_call(self, now: float, node: str, action: str, args: tuple) -> None:
        endpoint = self._endpoints[node]
        detail, data = "", b""
        if action == "send":
            data = bytes(args[0])
            detail = f"{len(data)} bytes"
        elif action == "connect":
            peer = self._peer(node)
            detail = f"to {self.trace.hosts[peer].address}"
        self.trace.records.append(AppEvent(now, node, action, detail, data))
        _APP_CALLS[action](self, endpoint, now, node, args)
        self._settle(now, self._nodes[node])

    def _settle(self, now: float, state: _Node) -> None:
        """Record what the endpoint reports, send what it queued, re-arm its timer.

        A documented hot path (after every delivery, timer and call): the events of an
        endpoint with an ``event_queue`` are read from it in place, and the three most frequent
        (timers armed and cancelled, data received) are recorded inline, as their
        :data:`_RECORDERS` entries would; the others go through the table (no recorder calls
        back into the endpoint, so the queue does not change while it is read)."""
        records = self.trace.records
        node, endpoint, events = state.name, state.endpoint, state.events
        if events is not None:
            for event in events:
                cls = event.__class__
                if cls is _TimerArmed:  # the model's timer names are str already
                    records.append(_new_timer_event(now, node, event.timer, "armed",
                                                    event.deadline))
                elif cls is _TimerCancelled:
                    records.append(_new_timer_event(now, node, event.timer, "cancelled", None))
                elif cls is _DataReceived:  # _received and _record_app, inline
                    data = event.data
                    detail = _BYTES_TEXT.get(len(data)) or _bytes_text(len(data))
                    app = _new_app_event(now, node, "received", detail,
                                         data if data.__class__ is bytes else bytes(data))
                    records.append(app)
                    if self._callbacks and (node, "received") in self._callbacks:
                        for callback, after in self._callbacks[(node, "received")]:
                            self._push(now + after, _CALLBACK, callback, app)
                else:
                    (_RECORDERS.get(cls) or _recorder_for(cls))(self, now, node, event)
            events.clear()
        else:
            next_event = endpoint.next_event
            event = next_event()
            while event is not None:
                handler = _RECORDERS.get(event.__class__) or _recorder_for(event.__class__)
                handler(self, now, node, event)
                event = next_event()
        segments = endpoint.segments_to_send()
        if segments:
            peer = self._peers.get(node) or self._peer(node)
            if self._known_pending or self._challenge_pending:
                self._transmit_known(now, node, peer, segments)
            else:  # nothing known about them (most segments)
                for segment in segments:
                    self._transmit(now, node, peer, segment, (), "")
        deadline = endpoint.get_timer()
        slot = state.slot
        if deadline != slot.deadline:
            slot.deadline = deadline
            if deadline is not None:
                self._rearm(now, node, slot, deadline)
        if self.snapshots:
            values = endpoint.snapshot_values()
            if state.last_snapshot != values:
                state.last_snapshot = values
                records.append(_tuple_new(Snapshot, (now, node) + values))

    def _transmit_known(self, now: float, node: str, peer: str, segments: list[Segment]) -> None:
        """Send ``segments`` with what ``node`` said about them in its events: which are resent
        and why (by sequence number), and which bare ACK is a challenge ACK."""
        pending = self._known_pending.pop(node, None) if self._known_pending else None
        challenge = node in self._challenge_pending
        for segment in segments:
            known: tuple[str, ...] = ()
            if pending:
                cause = pending.pop(segment.seq, None)
                if cause is not None:
                    known = (cause,)
            elif challenge and not segment.payload:
                known = _CHALLENGE
                challenge = False
                self._challenge_pending.discard(node)
            self._transmit(now, node, peer, segment, known, "")

    def _record_app(self, now: float, node: str, action: str, detail: str = "",
                    data: bytes = b"") -> None:
        event = _new_app_event(now, node, action, detail, data)
        self.trace.records.append(event)
        if self._callbacks:
            for callback, after in self._callbacks.get((node, action), ()):
                self._push(now + after, _CALLBACK, callback, event)

    # -- the wire --------------------------------------------------------------------------------
    def _transmit(self, now: float, src: str, dst: str, segment: Segment,
                  known: tuple[str, ...], spoofed_as: str) -> None:
        note = NOTE_OF_KNOWN[known[0]] if known else ""
        sent = _new_sent(now, next(self._ids), src, dst, segment, note, (), None, spoofed_as, known)
        self.trace.records.append(sent)
        if self._taps:
            for tap in self._taps:
                tap(self, now, sent)
        key = (src, dst)
        link = self._links.get(key, self.default_link) if self._links else self.default_link
        extra, copies = 0.0, 0
        if self.rules:
            endpoint = self._endpoints.get(src)
            packet = Packet(sent.id, now, src, dst, segment, note,
                            endpoint.state if endpoint is not None else None)
            for rule in self.rules:
                if rule.matches(packet):
                    if isinstance(rule, Drop):
                        self._push(now + link.delay / 2, _DROP, sent, rule.reason)
                        return
                    if isinstance(rule, HoldBack):
                        extra += rule.extra
                    elif isinstance(rule, Duplicate):
                        copies += rule.copies
        rng = self._rng
        loss = link.loss
        if loss and rng.random() < loss:
            self._push(now + link.delay / 2, _DROP, sent, f"random loss (p={loss:g})")
            return
        if link.duplicate and rng.random() < link.duplicate:
            copies += 1
        if link.reorder and rng.random() < link.reorder:
            extra += link.delay if link.reorder_delay is None else link.reorder_delay
        departure = now
        bandwidth = link.bandwidth
        if bandwidth:
            busy = self._busy.get(key)  # [when the direction's last segment is sent]:
            if busy is None:  # updated in place, one dict lookup (not two) per segment
                busy = self._busy[key] = [0.0]
            start = busy[0]
            if start < now:
                start = now
            if link.queue is not None and (start - now) * bandwidth > link.queue + 1e-6:
                self._push(now, _DROP, sent, f"queue full: {link.queue} bytes waiting (drop-tail)")
                return
            departure = start + (len(segment.payload) + HEADER_BYTES) / bandwidth
            busy[0] = departure
        arrival = departure + link.delay + extra
        _heappush(self._heap, (arrival, next(self._order), _DELIVER, sent, None))
        if copies:
            for _ in range(copies):
                copy = SegmentSent(now, next(self._ids), src, dst, segment, "duplicate",
                                   spoofed_as=spoofed_as, known=(*known, "duplicate"))
                self.trace.records.append(copy)
                self._push(arrival, _DELIVER, copy, None)

    # -- helpers -----------------------------------------------------------------------------------
    def _rearm(self, now: float, node: str, slot: _TimerSlot, deadline: float) -> None:
        """The endpoint's timer now ends at ``deadline``: the heap entry an eager simulator would
        push gets its key (time, order number) now, but goes into the heap only if no earlier
        entry of the node's is there (see :class:`_TimerSlot`)."""
        key = (deadline if deadline > now else now, next(self._order))
        born = slot.born
        seen = born.get(deadline)
        if seen is None:
            born[deadline] = live = key
            if len(born) > slot.limit:
                slot.forget_passed(now)
        else:
            # The timer is back at a deadline it had: its first entry not yet passed fires it.
            keys = seen if type(seen) is list else [seen]
            keys.append(key)
            born[deadline] = keys
            current = self._current[:2]  # (now, the order number of the event being processed)
            live = next(k for k in keys if k > current)
        slot.key = live
        queued = slot.queued
        for k in queued:  # live < min(queued), without min()'s call (one entry, mostly)
            if not live < k:
                return
        heapq.heappush(self._heap, (live[0], live[1], _TIMER, node, live))
        queued.append(live)

    def _push(self, time: float, code: int, a: Any, b: Any) -> None:
        heapq.heappush(self._heap, (time, next(self._order), code, a, b))

    def _peer(self, node: str) -> str:
        peer = self._peers.get(node)
        if peer is None:
            others = [name for name in self._endpoints if name != node]
            if len(others) != 1:
                raise ParameterError(f"node {node!r} has {len(others)} possible peers; "
                                     "pass peer= to add_endpoint")
            peer = self._peers[node] = others[0]
        return peer

    def _check_node(self, name: str) -> None:
        if name not in self.trace.hosts:
            raise ParameterError(f"no node named {name!r} (have {', '.join(self.trace.hosts)})")

    def _check_endpoint(self, name: str) -> None:
        if name not in self._endpoints:
            raise ParameterError(f"no endpoint named {name!r} "
                                 f"(have {', '.join(self._endpoints) or 'none'})")

    def _check_time(self, time: float) -> float:
        if not isinstance(time, (int, float)) or time != time or time < self.now:
            raise ParameterError(f"time={time!r}: give seconds no earlier than now ({self.now})")
        return float(time)


class _Node:
    """What :meth:`Network._settle` reads of an endpoint node, found with one lookup."""

    __slots__ = ("name", "endpoint", "events", "slot", "last_snapshot")

    def __init__(self, name: str, endpoint: Any, events: deque[Any] | None,
                 slot: _TimerSlot) -> None:
        self.name = name
        self.endpoint = endpoint
        self.events = events  # the endpoint's event_queue, if it has one (read in place)
        self.slot = slot
        self.last_snapshot: tuple | None = None  # the snapshot_values() last recorded


class _TimerSlot:
    """A node's retransmission-style timer as the event loop sees it, kept lazily.

    An eager simulator pushes a heap entry (time, order number) each time the endpoint's earliest
    deadline changes, and skips the superseded ones when they come out: during a transfer that
    is one push and one stale pop per ACK (the retransmission timer restarts). Here each change
    still takes its order number at once (so every event keeps its place among equal times), but
    the entry goes into the heap only when it is earlier than the node's entries already there;
    when one of those comes out superseded, the live one goes in, and it comes out exactly where
    the eager entry would have (nothing between the two keys has been processed). ``born`` keeps
    every deadline's keys, so a deadline that comes back (a shorter timer cancelled) fires at
    its first entry not yet passed, as the eager one would. It holds one key per change of the
    deadline, as the trace holds one record; those already passed are dropped only when it
    grows large (the scan costs more than the memory).
    """

    __slots__ = ("deadline", "key", "queued", "born", "limit")

    #: How many deadlines ``born`` holds before those already passed are dropped.
    FORGET_AT = 65_536

    def __init__(self) -> None:
        self.deadline: float | None = None  # the endpoint's earliest deadline, as last read
        self.key: tuple[float, int] | None = None  # the entry that fires it
        self.queued: list[tuple[float, int]] = []  # the node's entries in the heap
        # deadline -> the key of its entry, or the keys of its entries (a deadline that came back)
        self.born: dict[float, tuple[float, int] | list[tuple[float, int]]] = {}
        self.limit = self.FORGET_AT

    def forget_passed(self, now: float) -> None:
        """Drop the deadlines whose entries all lie before ``now`` (kept: those at ``now``, which
        may be still to come among its events)."""
        self.born = {d: seen for d, seen in self.born.items()
                     if (seen[-1] if type(seen) is list else seen)[0] >= now}
        self.limit = max(2 * len(self.born), self.FORGET_AT)


# -- tables: application calls and endpoint events ---------------------------------------------------

#: States in which :meth:`Network.close_on_eof` still has something to close.
_CLOSE_ON_EOF_STATES = frozenset({State.CLOSE_WAIT, State.ESTABLISHED, State.SYN_RECEIVED})


def _connect(net: Network, ep: Any, now: float, node: str, _args: tuple) -> None:
    peer = net.trace.hosts[net._peer(node)]
    ep.connect(now, remote_port=peer.port, remote_ip=peer.ip)


_APP_CALLS: dict[str, Callable[[Network, Any, float, str, tuple], None]] = {
    "listen": lambda net, ep, now, node, args: ep.listen(now),
    "connect": _connect,
    "send": lambda net, ep, now, node, args: ep.send(now, bytes(args[0])),
    "close": lambda net, ep, now, node, args: ep.close(now),
    "abort": lambda net, ep, now, node, args: ep.abort(now),
    "pause_reading": lambda net, ep, now, node, args: ep.pause_reading(),
    "resume_reading": lambda net, ep, now, node, args: ep.resume_reading(now),
}


def _state_change(net: Network, now: float, node: str, ev: ev_.StateChange) -> None:
    net.trace.records.append(StateChanged(now, node, ev.old, ev.new, str(ev.trigger), ev.rfc))


def _timer(action: str) -> Callable[[Network, float, str, Any], None]:
    def record(net: Network, now: float, node: str, ev: Any) -> None:
        net.trace.records.append(TimerEvent(now, node, str(ev.timer), action,
                                            getattr(ev, "deadline", None)))
    return record


#: "N bytes", the detail of a "received" AppEvent, by N (most segments have one size).
_BYTES_TEXT: dict[int, str] = {}


def _bytes_text(n: int) -> str:
    """The detail of a "received" AppEvent of ``n`` bytes (kept in :data:`_BYTES_TEXT`)."""
    text = _BYTES_TEXT.get(n)
    if text is not None:
        return text
    text = f"{n} bytes"
    if len(_BYTES_TEXT) < 4096:
        _BYTES_TEXT[n] = text
    return text


def _received(net: Network, now: float, node: str, ev: ev_.DataReceived) -> None:
    net._record_app(now, node, "received", _bytes_text(len(ev.data)), bytes(ev.data))


#: What the sender knows about a resent segment, by the endpoint's ``Retransmitted.reason``.
KNOWN_OF_RESEND: dict[str, str] = {"rto": "rto-retransmission", "fast": "fast-retransmission",
                                   "probe": "zero-window-probe",
                                   "window": "window-retransmission"}

#: The short note a segment gets in the trace, by what its sender knew (first fact).
NOTE_OF_KNOWN: dict[str, str] = {
    "rto-retransmission": "retransmission", "fast-retransmission": "retransmission",
    "window-retransmission": "retransmission", "zero-window-probe": "zero-window probe",
    "challenge-ack": "challenge ACK", "injected": "injected", "duplicate": "duplicate",
}

_CHALLENGE = ("challenge-ack",)
_TimerArmed, _TimerCancelled, _DataReceived = ev_.TimerArmed, ev_.TimerCancelled, ev_.DataReceived
# Positional factories of the records built once or more per segment (see tcpedu.model.fastinit).
_new_sent, _new_delivered, _new_dropped = maker(SegmentSent), maker(SegmentDelivered), maker(
    SegmentDropped)
_new_timer_event, _new_app_event = maker(TimerEvent), maker(AppEvent)
_tuple_new = tuple.__new__  # Snapshot, a named tuple: (time, node) + snapshot_values()
_INJECTED = ("injected",)


def _retransmitted(net: Network, now: float, node: str, ev: ev_.Retransmitted) -> None:
    known = KNOWN_OF_RESEND.get(ev.reason, "rto-retransmission")
    net._known_pending.setdefault(node, {})[ev.seq & 0xFFFFFFFF] = known


def _challenge_ack(net: Network, now: float, node: str, ev: ev_.ChallengeAckSent) -> None:
    net._challenge_pending.add(node)


def _ignored(net: Network, now: float, node: str, ev: ev_.SegmentIgnored) -> None:
    net.trace.records.append(AppEvent(now, node, "segment-ignored", str(ev.reason)))


def _unknown_event(net: Network, now: float, node: str, ev: Any) -> None:
    """An event of a type the table does not know (a custom endpoint's): kept, named by type."""
    net.trace.records.append(AppEvent(now, node, type(ev).__name__.lower()))


def _recorder_for(event_type: type) -> Callable[[Network, float, str, Any], None]:
    """The recorder of an event type not in the table: its nearest registered base class's, or
    :func:`_unknown_event`; cached by type."""
    handler = next((_RECORDERS[base] for base in event_type.__mro__[1:] if base in _RECORDERS
                    and base is not ev_.Event), _unknown_event)
    _RECORDERS[event_type] = handler
    return handler


#: How each endpoint event (by type) is written into the trace: instrumentation (state changes,
#: timers) as records of their own; application notifications as AppEvents; what the sender
#: knows about its next segments (resends, challenge ACKs) as ``known`` on those segments.
_RECORDERS: dict[type, Callable[[Network, float, str, Any], None]] = {
    ev_.StateChange: _state_change,
    ev_.TimerArmed: _timer("armed"),
    ev_.TimerCancelled: _timer("cancelled"),
    ev_.TimerFired: _timer("fired"),
    ev_.Connected: lambda net, now, node, ev: net._record_app(now, node, "connected"),
    ev_.DataReceived: _received,
    ev_.PeerClosed: lambda net, now, node, ev: net._record_app(now, node, "eof"),
    ev_.ConnectionReset: lambda net, now, node, ev: net._record_app(now, node, "reset",
                                                                    str(ev.reason)),
    ev_.ConnectionClosed: lambda net, now, node, ev: net._record_app(now, node, "closed",
                                                                     str(ev.reason)),
    ev_.Retransmitted: _retransmitted,
    ev_.ChallengeAckSent: _challenge_ack,
    ev_.SegmentIgnored: _ignored,
}
