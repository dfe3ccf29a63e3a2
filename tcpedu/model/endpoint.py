"""A sans-I/O TCP endpoint (RFC 9293): segments in, segments and events out, time passed in.

The caller (a test, :mod:`tcpedu.sim.network`, a notebook) owns the clock and the wire::

    ep = Endpoint("client", 40000, Config(isn=0))
    ep.connect(now, remote_port=80)
    for seg in ep.segments_to_send(): ...      # put them on a link
    ep.receive(now, segment)                   # a segment arrived
    ep.handle_timer(now)                       # when now >= ep.get_timer()
    while (event := ep.next_event()) is not None: ...

The endpoint is put together from its jobs, one module each: :mod:`.arrivals` (RFC 9293 §3.10.7,
segments in), :mod:`.sending` (§3.8.6, segments out: windows, Nagle, silly-window avoidance),
:mod:`.timers` (retransmission, persist, delayed ACK, TIME-WAIT) and :mod:`.recovery` (RFC 6298,
5681, 6582, 2018/6675). This module holds the user calls (§3.10.1-3.10.5), the connection
variables and the one way a state changes: :func:`tcpedu.model.states.transition`.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Collection

from ..errors import LocalProtocolError, ParameterError
from ._common import (
    F_RST,
    NO_OPTIONS,
    S_CLOSED,
    S_ESTABLISHED,
    S_LISTEN,
    S_SYN_RECEIVED,
    S_TIME_WAIT,
    SENDING_STATES,
)
from .arrivals import DEFAULT_PEER_MSS, OUT_OF_WINDOW_ACK_INTERVAL, Arrivals
from .config import RECEIVERS, Config
from .congestion import CongestionControl, make_controller
from .events import Connected, ConnectionClosed, Event, StateChange
from .isn import IsnChooser
from .receive_buffer import ReassemblyQueue
from .recovery import LossRecovery
from .rto import RttEstimator
from .segment import Segment
from .send_buffer import SendBuffer
from .sending import Sending
from .seq import seq_add, seq_diff
from .snapshot import Snapshot
from .states import CALL_REFUSALS, Transition, Trigger, arrival_transitions, transition
from .timers import Timers

__all__ = ["Config", "DEFAULT_PEER_MSS", "Endpoint", "RECEIVERS"]

class Endpoint(Arrivals, Sending, Timers):
    """One end of a TCP connection, driven by calls; never touches a socket or a clock."""

    __slots__ = (
        "name", "local_port", "remote_port", "local_ip", "remote_ip", "config", "state",
        "iss", "irs", "snd_una", "snd_nxt", "snd_max", "snd_wnd", "snd_wl1", "snd_wl2",
        "max_snd_wnd", "rcv_nxt", "mss", "snd_wscale", "rcv_wscale", "sack_enabled",
        "recovery", "cc", "rtt", "retries", "bytes_sent", "bytes_delivered",
        "reading_paused", "_isn", "_out", "_events", "_timers", "_sndbuf", "_buf_seq",
        "_fin_queued", "_fin_seq", "_rcvq", "_unread", "_ack_now", "_unacked_segs",
        "_last_adv", "_rexmit_reason", "_persist_backoff", "_passive", "_last_read",
        "_syn_options", "_now", "_last_oow_ack", "_eof_pending", "_syn_queued", "_syn_start",
        "_challenges", "_challenge_window", "_small_end", "_listen_remote",
    )

    def __init__(self, name: str = "client", local_port: int = 40000,
                 config: Config | None = None, local_ip: str = "10.0.0.1") -> None:
        if not isinstance(local_port, int) or not 0 < local_port <= 0xFFFF:
            raise ParameterError(f"local_port={local_port!r} is not a port number in 1..65535")
        if config is None:
            config = Config()
        elif not isinstance(config, Config):
            raise ParameterError(f"config={config!r} is not a tcpedu.model.endpoint.Config")
        self.name = name
        self.local_port = local_port
        self.local_ip = local_ip
        self.remote_ip = ""
        self.config = config
        self.state = S_CLOSED
        self._isn = IsnChooser(config.isn_mode, config.isn, config.seed, name, config.secret)
        self._out: list[Segment] = []
        self._events: deque[Event] = deque()
        self._timers: dict[str, float] = {}
        self._now = 0.0
        self._listen_remote: tuple[str, int] | None = None
        self._new_tcb()

    def _new_tcb(self) -> None:
        """Fresh connection variables (a new TCB, RFC 9293 §3.3.1)."""
        cfg = self.config
        self.remote_port = 0
        self.iss = self.snd_una = self.snd_nxt = self.snd_max = 0
        self.irs: int | None = None
        self.snd_wnd = self.snd_wl1 = self.snd_wl2 = self.max_snd_wnd = 0
        self.rcv_nxt = 0
        self.mss = cfg.mss
        self.snd_wscale = self.rcv_wscale = 0
        self.sack_enabled = False
        iw = cfg.initial_cwnd * cfg.mss if cfg.initial_cwnd is not None else None
        self.cc: CongestionControl = make_controller(cfg.congestion, cfg.mss, iw)
        self.rtt = RttEstimator(cfg.rto_initial, cfg.rto_min, cfg.rto_max, cfg.clock_granularity)
        self.recovery = LossRecovery(self.cc, self.rtt, cfg.mss, cfg.dupack_threshold)
        self.retries = 0
        self.bytes_sent = 0
        self.bytes_delivered = 0
        self.reading_paused = False
        self._sndbuf = SendBuffer()
        self._buf_seq = 0
        self._fin_queued = False
        self._fin_seq = 0
        self._rcvq: ReassemblyQueue | None = None
        self._unread = bytearray()
        self._eof_pending = False
        self._ack_now = False
        self._unacked_segs = 0
        self._last_adv = 0
        self._rexmit_reason = "rto"
        self._persist_backoff = 0
        self._passive = False
        self._last_read = 0.0
        self._syn_options = NO_OPTIONS
        self._last_oow_ack = -OUT_OF_WINDOW_ACK_INTERVAL
        self._syn_queued: Segment | None = None
        self._syn_start = 0.0
        self._challenges = 0
        self._challenge_window = -1
        self._small_end: int | None = None

    # ------------------------------------------------------------------ read-only views
    @property
    def cwnd(self) -> int:
        """Congestion window in bytes."""
        return self.cc.cwnd

    @property
    def ssthresh(self) -> int:
        """Slow-start threshold in bytes."""
        return self.cc.ssthresh

    @property
    def in_recovery(self) -> bool:
        """True during fast recovery."""
        return self.cc.in_recovery

    @property
    def dupacks(self) -> int:
        """Duplicate ACKs counted since the last new ACK."""
        return self.recovery.dupacks

    @property
    def recover(self) -> int | None:
        """RFC 6582's ``recover``: SND.MAX when the last recovery began."""
        return self.recovery.recover

    @property
    def srtt(self) -> float | None:
        """Smoothed round-trip time (None before the first sample)."""
        return self.rtt.srtt

    @property
    def rto(self) -> float:
        """Current retransmission timeout."""
        return self.rtt.rto

    @property
    def rcv_wnd(self) -> int:
        """Receive window: free space in the receive buffer."""
        return self.config.rcv_buffer - len(self._unread)

    @property
    def flight_size(self) -> int:
        """Bytes sent and not yet acknowledged."""
        return seq_diff(self.snd_nxt, self.snd_una)

    @property
    def unsent(self) -> int:
        """Bytes queued by send() that have never been sent."""
        return max(len(self._sndbuf) - max(seq_diff(self.snd_max, self._buf_seq), 0), 0)

    @property
    def ooo_ranges(self) -> tuple[tuple[int, int], ...]:
        """Out-of-order ranges held in the receive buffer (sequence numbers, end exclusive)."""
        return self._rcvq.ranges() if self._rcvq is not None else ()

    @property
    def timers(self) -> dict[str, float]:
        """Armed timers and their deadlines (a copy)."""
        return dict(self._timers)

    def __repr__(self) -> str:
        return (f"<Endpoint {self.name} :{self.local_port} {self.state} snd_una={self.snd_una}"
                f" snd_nxt={self.snd_nxt} rcv_nxt={self.rcv_nxt} cwnd={self.cwnd}>")

    def snapshot_values(self) -> tuple:
        """The connection variables as a plain tuple, in :class:`Snapshot` field order after
        ``time`` and ``node``: cheap to compare, so a simulator records only changes (a hot
        path: read once per event the endpoint handles)."""
        irs = self.irs
        cc = self.cc
        rtt = self.rtt
        q = self._rcvq
        return (self.state, self.iss, irs, self.snd_una, self.snd_nxt, self.snd_wnd,
                self.rcv_nxt if irs is not None else None,
                self.config.rcv_buffer - len(self._unread), cc.cwnd, cc.ssthresh, rtt.srtt,
                rtt.rto, q.ranges() if q is not None and q.ooo_bytes else (),
                self.bytes_delivered)

    def snapshot(self, now: float) -> Snapshot:
        """The connection variables now."""
        return Snapshot(now, self.name, *self.snapshot_values())

    # ------------------------------------------------------------------ draining
    def segments_to_send(self) -> list[Segment]:
        """Outgoing segments since the last call, in order."""
        out, self._out = self._out, []
        return out

    def next_event(self) -> Event | None:
        """The oldest undelivered event, or None."""
        return self._events.popleft() if self._events else None

    @property
    def event_queue(self) -> deque[Event]:
        """The queue of undelivered events itself, oldest first: a simulator reads it in place
        and clears it (``next_event()`` and ``drain_events()`` take from the same queue)."""
        return self._events

    def drain_events(self) -> Collection[Event]:
        """Every undelivered event, oldest first, all at once (``next_event()`` in bulk)."""
        events = self._events
        if not events:
            return ()
        drained = tuple(events)  # cheaper than a new deque per drain (a hot path)
        events.clear()
        return drained

    def get_timer(self) -> float | None:
        """The earliest deadline of any armed timer, or None."""
        earliest = None
        for deadline in self._timers.values():  # min(), without its call (one or two timers)
            if earliest is None or deadline < earliest:
                earliest = deadline
        return earliest

    # ------------------------------------------------------------------ user calls
    def _refuse(self, call: str) -> None:
        reason = CALL_REFUSALS[call].get(self.state)
        if reason is not None:
            raise LocalProtocolError(f"cannot {call}() in state {self.state}: {reason}")

    def listen(self, now: float, remote_port: int | None = None,
               remote_ip: str | None = None) -> None:
        """Passive OPEN: wait for a SYN (RFC 9293 §3.10.1).

        Giving the foreign socket (``remote_port``, optionally ``remote_ip``) makes a fully
        specified passive OPEN: only that peer's SYN is taken, and ``send()`` turns it active.
        """
        self._refuse("listen")
        if remote_port is not None and (not isinstance(remote_port, int)
                                        or not 0 < remote_port <= 0xFFFF):
            raise ParameterError(f"remote_port={remote_port!r} is not a port number in 1..65535")
        self._now = now
        self._new_tcb()
        self._passive = True
        self._listen_remote = (remote_ip or "", remote_port) if remote_port is not None else None
        self._change(Trigger.PASSIVE_OPEN)

    def connect(self, now: float, remote_port: int, remote_ip: str = "10.0.0.2") -> None:
        """Active OPEN: send a SYN to ``remote_port`` (RFC 9293 §3.10.1)."""
        self._refuse("connect")
        self._now = now
        if not isinstance(remote_port, int) or not 0 < remote_port <= 0xFFFF:
            raise ParameterError(f"remote_port={remote_port!r} is not a port number in 1..65535")
        self._new_tcb()
        self._open_active(now, remote_port, remote_ip, Trigger.ACTIVE_OPEN)

    def _open_active(self, now: float, remote_port: int, remote_ip: str,
                     trigger: Trigger) -> None:
        self.remote_port = remote_port
        self.remote_ip = remote_ip
        self._passive = False
        self._choose_iss(now)
        self._change(trigger)
        self._syn_start = now
        self._send_syn(now, ack=False)

    def send(self, now: float, data: bytes) -> int:
        """Queue ``data`` for sending; returns how many bytes the send buffer took.

        In LISTEN with the foreign socket given to ``listen()``, SEND opens actively
        (RFC 9293 §3.10.2): a SYN goes out and the data follows the handshake.
        """
        self._refuse("send")
        if not isinstance(data, (bytes, bytearray, memoryview)):
            raise ParameterError(f"send() takes bytes, not {type(data).__name__}")
        if self.state is S_LISTEN:
            if self._listen_remote is None:
                raise LocalProtocolError(
                    f"cannot send() in state {self.state}: a listening endpoint has no peer yet "
                    "(foreign socket unspecified; give it to listen())")
            ip, port = self._listen_remote
            self._open_active(now, port, ip or "10.0.0.2", Trigger.SEND)
        self._now = now
        data = bytes(data)
        limit = self.config.send_buffer
        if limit is not None:
            data = data[: max(limit - len(self._sndbuf), 0)]
        self._sndbuf.append(data)
        if self.state in SENDING_STATES:
            self._output(now)
        return len(data)

    def close(self, now: float) -> None:
        """CLOSE: no more data from us; a FIN follows whatever is queued (RFC 9293 §3.10.4)."""
        self._refuse("close")
        self._now = now
        old = self.state
        self._change(Trigger.CLOSE)
        if self.state is S_CLOSED:
            self._closed("closed")
            return
        self._fin_queued = True
        self._fin_seq = seq_add(self._buf_seq, len(self._sndbuf))
        if old is not S_SYN_RECEIVED:
            self._output(now)

    def abort(self, now: float) -> None:
        """ABORT: drop everything and send a RST where the RFC says so (§3.10.5)."""
        self._refuse("abort")
        self._now = now
        edge = transition(self.state, Trigger.ABORT)
        if "snd RST" in edge.action:
            self._out.append(Segment(self.local_port, self.remote_port, self.snd_nxt, 0, F_RST, 0))
        self._change(Trigger.ABORT)
        self._closed("aborted")

    def pause_reading(self) -> None:
        """The application stops reading: arriving data fills the buffer and the window closes."""
        self.reading_paused = True

    def resume_reading(self, now: float) -> None:
        """The application reads everything buffered; a window update follows if it matters."""
        self.reading_paused = False
        if self._unread:
            self._deliver_unread(len(self._unread))
            self._maybe_window_update(now)
            self._output(now)

    # ------------------------------------------------------------------ state changes
    def _change(self, trigger: Trigger) -> None:
        self._take(transition(self.state, trigger))

    def _arrive(self, **facts: bool) -> None:
        """Take the edges an arriving segment's facts choose: the table's one choice
        (:func:`tcpedu.model.states.arrival_transitions`, shared with the capture analysis)."""
        for edge in arrival_transitions(self.state, **facts):
            self._take(edge)

    def _take(self, edge: Transition) -> None:
        old = self.state
        self.state = edge.target
        self._events.append(StateChange(old, edge.target, str(edge.trigger), edge.rfc))
        if edge.target is S_ESTABLISHED:
            self._events.append(Connected())
            self.recovery.handshake_done()
        elif edge.target is S_TIME_WAIT:
            for name in ("rto", "persist", "delayed-ack"):
                self._cancel(name)  # a slow application may still be reading ("app-read")
            self._arm("time-wait", self._now + 2 * self.config.msl)

    def _closed(self, reason: str) -> None:
        self._cancel_all()
        if reason != "aborted":
            # Bytes already received stay readable, as in a socket's receive queue (even after a
            # RST: Linux returns queued data before reporting the reset).
            self._deliver_unread(len(self._unread))
        self._unread.clear()
        self._eof_pending = False
        self._events.append(ConnectionClosed(reason))

    def _choose_iss(self, now: float) -> None:
        self.iss = self._isn.choose(now, self.local_ip, self.local_port, self.remote_ip,
                                    self.remote_port)
        self.snd_una = self.snd_nxt = self.snd_max = self.iss
        self._buf_seq = seq_add(self.iss, 1)
        self.recovery.high_rxt = self.iss
