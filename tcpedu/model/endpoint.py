"""A sans-I/O TCP endpoint (RFC 9293): segments in, segments and events out, time passed in.

The caller (a test, :mod:`tcpedu.sim.network`, a notebook) owns the clock and the wire::

    ep = Endpoint("client", 40000, Config(isn=0))
    ep.connect(now, remote_port=80)
    for seg in ep.segments_to_send(): ...      # put them on a link
    ep.receive(now, segment)                   # a segment arrived
    ep.handle_timer(now)                       # when now >= ep.get_timer()
    while (event := ep.next_event()) is not None: ...

Every state change goes through :func:`tcpedu.model.states.transition`. Arriving segments are checked as
RFC 9293 §3.10.7 says, in its order (sequence number, RST, SYN, ACK, text, FIN), with RFC 5961's
challenge ACKs; loss recovery follows RFC 6298 (RTO), RFC 5681 (fast retransmit/recovery), RFC 6582
(NewReno partial ACKs) and RFC 2018 (SACK); congestion control lives in :mod:`tcpedu.model.congestion`.
"""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass, fields
from typing import Any

from ..errors import LocalProtocolError, ParameterError
from ..trace import Snapshot
from .congestion import CONTROLLERS, CongestionControl, make_controller
from .events import (
    ChallengeAckSent,
    Connected,
    ConnectionClosed,
    ConnectionReset,
    DataReceived,
    Event,
    PeerClosed,
    Retransmitted,
    SegmentIgnored,
    StateChange,
    TimerArmed,
    TimerCancelled,
    TimerFired,
)
from .isn import ISN_MODES, IsnChooser
from .receive_buffer import ReassemblyQueue
from .rto import RttEstimator
from .segment import Flags, Options, Segment
from .seq import seq_add, seq_diff, seq_ge, seq_gt, seq_in_window, seq_lt
from .states import State, Trigger, has_transition, transition

__all__ = ["Config", "Endpoint", "RECEIVERS"]

# The states as module constants: ``State.X`` is an attribute lookup on the enum class.
_S_CLOSED = State.CLOSED
_S_CLOSE_WAIT = State.CLOSE_WAIT
_S_CLOSING = State.CLOSING
_S_ESTABLISHED = State.ESTABLISHED
_S_FIN_WAIT_1 = State.FIN_WAIT_1
_S_FIN_WAIT_2 = State.FIN_WAIT_2
_S_LAST_ACK = State.LAST_ACK
_S_LISTEN = State.LISTEN
_S_SYN_RECEIVED = State.SYN_RECEIVED
_S_SYN_SENT = State.SYN_SENT
_S_TIME_WAIT = State.TIME_WAIT

_ACK, _SYN, _FIN, _RST, _PSH = Flags.ACK, Flags.SYN, Flags.FIN, Flags.RST, Flags.PSH
_SYN_ACK, _FIN_ACK, _PSH_ACK, _RST_ACK = _SYN | _ACK, _FIN | _ACK, _PSH | _ACK, _RST | _ACK
_FIN_PSH_ACK = _FIN | _PSH | _ACK
_MASK = 0xFFFFFFFF
# The same bits as plain ints: tests on the hot path avoid enum arithmetic (20x slower).
FIN, SYN, RST, PSH, ACK = 0x01, 0x02, 0x04, 0x08, 0x10
_NO_OPTIONS = Options()

#: Receiver behaviours: ``"tcp"`` buffers out-of-order data; ``"gbn"`` (Go-Back-N) discards it.
RECEIVERS = ("tcp", "gbn")

#: Default MSS when the peer's SYN carries no MSS option (RFC 9293 §3.7.1, IPv4).
DEFAULT_PEER_MSS = 536

#: At most one ACK per this many seconds answers unacceptable bare ACKs (no ACK wars).
OUT_OF_WINDOW_ACK_INTERVAL = 0.5


def _positive(v: Any) -> bool:
    return isinstance(v, (int, float)) and not isinstance(v, bool) and v > 0


def _optional_positive(v: Any) -> bool:
    return v is None or _positive(v)


def _count(v: Any) -> bool:
    return isinstance(v, int) and not isinstance(v, bool) and v >= 0


# field -> (check, what a good value looks like). Config.__post_init__ walks this table.
_CONFIG_RULES: dict[str, tuple[Any, str]] = {
    "mss": (lambda v: _count(v) and 1 <= v <= 65495, "an integer in 1..65495"),
    "rcv_buffer": (lambda v: _count(v) and 1 <= v <= 1 << 30, "an integer in 1..2**30"),
    "isn": (lambda v: v is None or (_count(v) and v < 1 << 32), "None or an integer in 0..2**32-1"),
    "isn_mode": (lambda v: v in ISN_MODES, "one of " + ", ".join(ISN_MODES)),
    "seed": (lambda v: isinstance(v, (int, str)) and not isinstance(v, bool), "an int or str"),
    "rto_initial": (_positive, "a positive number of seconds"),
    "rto_min": (_positive, "a positive number of seconds"),
    "rto_max": (_positive, "a positive number of seconds"),
    "clock_granularity": (lambda v: _positive(v) or v == 0, "a number of seconds >= 0"),
    "max_retries": (lambda v: _count(v) and v >= 1, "an integer >= 1"),
    "syn_retries": (lambda v: _count(v) and v >= 1, "an integer >= 1"),
    "delayed_ack": (lambda v: v is None or (_positive(v) and v <= 0.5),
                    "None or seconds in (0, 0.5] (RFC 9293 §3.8.6.3)"),
    "sack": (lambda v: isinstance(v, bool), "True or False"),
    "wscale": (lambda v: v is None or (_count(v) and v <= 14), "None or an integer in 0..14"),
    "msl": (_positive, "a positive number of seconds"),
    "receiver": (lambda v: v in RECEIVERS, "one of " + ", ".join(RECEIVERS)),
    "congestion": (lambda v: v in CONTROLLERS, "one of " + ", ".join(CONTROLLERS)),
    "initial_cwnd": (lambda v: v is None or (_count(v) and 1 <= v <= 1000),
                     "None or a number of segments in 1..1000"),
    "challenge_ack": (lambda v: isinstance(v, bool), "True or False"),
    "send_buffer": (lambda v: v is None or (_count(v) and v >= 1), "None or an integer >= 1"),
    "app_read_rate": (_optional_positive, "None or a positive number of bytes per second"),
    "dupack_threshold": (lambda v: _count(v) and v >= 1, "an integer >= 1"),
    "secret": (lambda v: isinstance(v, bytes) and 1 <= len(v) <= 64, "1..64 bytes"),
}


@dataclass(frozen=True, slots=True)
class Config:
    """How an endpoint behaves. Frozen; bad values raise ParameterError naming the field.

    Times are seconds of the caller's clock. ``initial_cwnd`` counts segments (None: RFC 5681's
    initial window). ``isn`` fixes the initial sequence number (for teaching); otherwise
    ``isn_mode`` picks ``"random"`` (seeded by ``seed`` and the endpoint's name) or
    ``"rfc6528"`` (a clock plus a keyed hash of the addresses, keyed by ``secret``).
    ``app_read_rate`` (bytes/s) makes the application read slowly so the window can close;
    ``Endpoint.pause_reading()`` does the same by hand.
    """

    mss: int = 1460
    rcv_buffer: int = 65535
    isn: int | None = None
    isn_mode: str = "random"
    seed: int | str = 0
    rto_initial: float = 1.0
    rto_min: float = 1.0
    rto_max: float = 60.0
    clock_granularity: float = 0.001
    max_retries: int = 15
    syn_retries: int = 6
    delayed_ack: float | None = None
    sack: bool = False
    wscale: int | None = None
    msl: float = 30.0
    receiver: str = "tcp"
    congestion: str = "reno"
    initial_cwnd: int | None = None
    challenge_ack: bool = True
    send_buffer: int | None = None
    app_read_rate: float | None = None
    dupack_threshold: int = 3
    secret: bytes = b"tcpedu-rfc6528-key"

    def __post_init__(self) -> None:
        for f in fields(self):
            check, wanted = _CONFIG_RULES[f.name]
            value = getattr(self, f.name)
            if not check(value):
                raise ParameterError(f"Config {f.name}={value!r}: expected {wanted}")
        if self.rto_min > self.rto_max:
            raise ParameterError(f"Config rto_min={self.rto_min} is above rto_max={self.rto_max}")
        if self.isn_mode == "fixed" and self.isn is None:
            raise ParameterError("Config isn_mode='fixed' needs isn=<an integer in 0..2**32-1>")


# User calls refused per state, with the reason the error message gives (RFC 9293 §3.10).
_NO_CONNECTION = "the connection does not exist"
_CLOSING = "the connection is already closing"
_SEND_CLOSED = "the connection was closed for sending"
_CALL_REFUSALS: dict[str, dict[State, str]] = {
    "connect": {s: "the connection already exists" for s in State if s is not _S_CLOSED},
    "listen": {s: "the connection already exists" for s in State if s is not _S_CLOSED},
    "send": {
        _S_CLOSED: _NO_CONNECTION + "; call connect() first",
        _S_LISTEN: "a listening endpoint has no peer yet (foreign socket unspecified)",
        _S_FIN_WAIT_1: _SEND_CLOSED, _S_FIN_WAIT_2: _SEND_CLOSED,
        _S_CLOSING: _SEND_CLOSED, _S_LAST_ACK: _SEND_CLOSED, _S_TIME_WAIT: _SEND_CLOSED,
    },
    "close": {
        _S_CLOSED: _NO_CONNECTION, _S_FIN_WAIT_1: _CLOSING, _S_FIN_WAIT_2: _CLOSING,
        _S_CLOSING: _CLOSING, _S_LAST_ACK: _CLOSING, _S_TIME_WAIT: _CLOSING,
    },
    "abort": {_S_CLOSED: _NO_CONNECTION},
}

#: Close (user CLOSE call) is answered by a transition in these states.
_CLOSE_TRIGGERS = {_S_LISTEN, _S_SYN_SENT, _S_SYN_RECEIVED, _S_ESTABLISHED,
                   _S_CLOSE_WAIT}
#: States in which arriving text is accepted (RFC 9293 §3.10.7.4, seventh).
_TEXT_STATES = frozenset({_S_ESTABLISHED, _S_FIN_WAIT_1, _S_FIN_WAIT_2})
#: States in which queued data and the FIN may be (re)sent.
_SENDING_STATES = frozenset({_S_ESTABLISHED, _S_CLOSE_WAIT, _S_FIN_WAIT_1,
                             _S_CLOSING, _S_LAST_ACK})
#: States that send a bare ACK when one is owed (synchronized, past SYN-RECEIVED).
_ACK_STATES = frozenset(s for s in State if s.synchronized and s is not _S_SYN_RECEIVED)
#: States after our FIN is queued.
_FIN_STATES = frozenset({_S_FIN_WAIT_1, _S_FIN_WAIT_2, _S_CLOSING, _S_LAST_ACK,
                         _S_TIME_WAIT})
#: Where an arriving FIN leads (RFC 9293 §3.10.7.4, eighth); FIN-WAIT-1 is decided separately.
_FIN_TRIGGERS = {_S_ESTABLISHED: Trigger.RCV_FIN, _S_FIN_WAIT_2: Trigger.RCV_FIN}


class Endpoint:
    """One end of a TCP connection, driven by calls; never touches a socket or a clock."""

    __slots__ = (
        "name", "local_port", "remote_port", "local_ip", "remote_ip", "config", "state",
        "iss", "irs", "snd_una", "snd_nxt", "snd_max", "snd_wnd", "snd_wl1", "snd_wl2",
        "max_snd_wnd", "rcv_nxt", "mss", "snd_wscale", "rcv_wscale", "sack_enabled",
        "cc", "rtt", "dupacks", "recover", "retries", "bytes_sent", "bytes_delivered",
        "reading_paused", "_isn", "_out", "_events", "_timers", "_sndbuf", "_buf_seq",
        "_fin_queued", "_fin_seq", "_rcvq", "_unread", "_ack_now", "_unacked_segs",
        "_last_adv", "_rtt_seq", "_rtt_start", "_rexmit_reason", "_scoreboard", "_high_rxt",
        "_persist_backoff", "_passive", "_last_read", "_syn_options", "_now", "_last_oow_ack",
        "_eof_pending",
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
        self.state = _S_CLOSED
        self._isn = IsnChooser(config.isn_mode, config.isn, config.seed, name, config.secret)
        self._out: list[Segment] = []
        self._events: deque[Event] = deque()
        self._timers: dict[str, float] = {}
        self._now = 0.0
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
        self.dupacks = 0
        self.recover: int | None = None
        self.retries = 0
        self.bytes_sent = 0
        self.bytes_delivered = 0
        self.reading_paused = False
        self._sndbuf = bytearray()
        self._buf_seq = 0
        self._fin_queued = False
        self._fin_seq = 0
        self._rcvq: ReassemblyQueue | None = None
        self._unread = bytearray()
        self._eof_pending = False
        self._ack_now = False
        self._unacked_segs = 0
        self._last_adv = 0
        self._rtt_seq: int | None = None
        self._rtt_start = 0.0
        self._rexmit_reason = "rto"
        self._scoreboard: list[tuple[int, int]] = []
        self._high_rxt = 0
        self._persist_backoff = 0
        self._passive = False
        self._last_read = 0.0
        self._syn_options = _NO_OPTIONS
        self._last_oow_ack = -OUT_OF_WINDOW_ACK_INTERVAL

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
        ``time`` and ``node``: cheap to compare, so a simulator records only changes."""
        irs = self.irs
        cc = self.cc
        return (self.state, self.iss, irs, self.snd_una, self.snd_nxt, self.snd_wnd,
                self.rcv_nxt if irs is not None else None, self.rcv_wnd, cc.cwnd, cc.ssthresh,
                self.rtt.srtt, self.rtt.rto, self.ooo_ranges, self.bytes_delivered)

    def snapshot(self, now: float) -> Snapshot:
        """The connection variables now, as a trace record."""
        return Snapshot(now, self.name, *self.snapshot_values())

    # ------------------------------------------------------------------ draining
    def segments_to_send(self) -> list[Segment]:
        """Outgoing segments since the last call, in order."""
        out, self._out = self._out, []
        return out

    def next_event(self) -> Event | None:
        """The oldest undelivered event, or None."""
        return self._events.popleft() if self._events else None

    def get_timer(self) -> float | None:
        """The earliest deadline of any armed timer, or None."""
        return min(self._timers.values()) if self._timers else None

    # ------------------------------------------------------------------ user calls
    def _refuse(self, call: str) -> None:
        reason = _CALL_REFUSALS[call].get(self.state)
        if reason is not None:
            raise LocalProtocolError(f"cannot {call}() in state {self.state}: {reason}")

    def listen(self, now: float) -> None:
        """Passive OPEN: wait for a SYN (RFC 9293 §3.10.1)."""
        self._refuse("listen")
        self._now = now
        self._new_tcb()
        self._passive = True
        self._change(Trigger.PASSIVE_OPEN)

    def connect(self, now: float, remote_port: int, remote_ip: str = "10.0.0.2") -> None:
        """Active OPEN: send a SYN to ``remote_port`` (RFC 9293 §3.10.1)."""
        self._refuse("connect")
        self._now = now
        if not isinstance(remote_port, int) or not 0 < remote_port <= 0xFFFF:
            raise ParameterError(f"remote_port={remote_port!r} is not a port number in 1..65535")
        self._new_tcb()
        self.remote_port = remote_port
        self.remote_ip = remote_ip
        self._choose_iss(now)
        self._change(Trigger.ACTIVE_OPEN)
        self._send_syn(now, ack=False)

    def send(self, now: float, data: bytes) -> int:
        """Queue ``data`` for sending; returns how many bytes the send buffer took."""
        self._refuse("send")
        self._now = now
        if not isinstance(data, (bytes, bytearray, memoryview)):
            raise ParameterError(f"send() takes bytes, not {type(data).__name__}")
        data = bytes(data)
        limit = self.config.send_buffer
        if limit is not None:
            data = data[: max(limit - len(self._sndbuf), 0)]
        self._sndbuf += data
        if self.state in _SENDING_STATES:
            self._output(now)
        return len(data)

    def close(self, now: float) -> None:
        """CLOSE: no more data from us; a FIN follows whatever is queued (RFC 9293 §3.10.4)."""
        self._refuse("close")
        self._now = now
        old = self.state
        self._change(Trigger.CLOSE)
        if self.state is _S_CLOSED:
            self._closed("closed")
            return
        self._fin_queued = True
        self._fin_seq = seq_add(self._buf_seq, len(self._sndbuf))
        if old is not _S_SYN_RECEIVED:
            self._output(now)

    def abort(self, now: float) -> None:
        """ABORT: drop everything and send a RST where the RFC says so (§3.10.5)."""
        self._refuse("abort")
        self._now = now
        edge = transition(self.state, Trigger.ABORT)
        if "snd RST" in edge.action:
            self._out.append(Segment(self.local_port, self.remote_port, self.snd_nxt, 0, _RST, 0))
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

    # ------------------------------------------------------------------ timers
    def handle_timer(self, now: float) -> None:
        """Fire every timer whose deadline is at or before ``now``."""
        self._now = now
        handlers = self._TIMER_HANDLERS
        while self._timers:
            name, deadline = min(self._timers.items(), key=lambda item: item[1])
            if deadline > now:
                break
            del self._timers[name]
            self._events.append(TimerFired(name))
            handlers[name](self, now)
        if self.state in _SENDING_STATES or self._ack_now:
            self._output(now)

    def _arm(self, name: str, deadline: float) -> None:
        self._timers[name] = deadline
        self._events.append(TimerArmed(name, deadline))

    def _cancel(self, name: str) -> None:
        if self._timers.pop(name, None) is not None:
            self._events.append(TimerCancelled(name))

    def _cancel_all(self) -> None:
        for name in list(self._timers):
            self._cancel(name)

    def _on_rto(self, now: float) -> None:
        state = self.state
        self.retries += 1
        handshake = self.snd_una == self.iss  # our SYN is not acknowledged yet
        limit = self.config.syn_retries if handshake else self.config.max_retries
        if self.retries > limit:
            if has_transition(state, Trigger.GIVE_UP):
                self._change(Trigger.GIVE_UP)
                self._closed("timed out")
            return
        self.rtt.back_off()
        self._rtt_seq = None  # Karn: never time a retransmitted segment
        if handshake:
            self._events.append(Retransmitted(self.iss, "rto"))
            self._send_syn(now, ack=state is not _S_SYN_SENT)
            return
        if self.snd_max == self.snd_una:
            return
        self.cc.on_loss("rto", self.flight_size, now)
        self.recover = self.snd_max  # RFC 6582 §3.2 step 1 after a timeout
        self.dupacks = 0
        self._scoreboard.clear()  # RFC 2018 §8: forget SACK information after a timeout
        self.snd_nxt = self.snd_una  # go back: resend from the first unacknowledged byte
        self._rexmit_reason = "rto"
        self._output(now)
        if "rto" not in self._timers and "persist" not in self._timers:
            self._arm("rto", now + self.rtt.rto)

    def _on_delayed_ack(self, now: float) -> None:
        self._ack_now = True

    def _on_persist(self, now: float) -> None:
        if self.snd_wnd > 0 or self.state not in _SENDING_STATES:
            self._persist_backoff = 0
            return
        una = self.snd_una
        if self.snd_nxt == una:
            off = seq_diff(una, self._buf_seq)
            if off >= len(self._sndbuf):
                return
            self.snd_nxt = seq_add(una, 1)
            if seq_gt(self.snd_nxt, self.snd_max):
                self.snd_max = self.snd_nxt
        # A zero-window probe: one byte at SND.UNA, sent although the window is closed.
        off = seq_diff(una, self._buf_seq)
        self._events.append(Retransmitted(una, "probe"))
        self._emit(una, _ACK, bytes(self._sndbuf[off:off + 1]))
        self._persist_backoff += 1
        self._arm("persist", now + self._persist_interval())

    def _persist_interval(self) -> float:
        return min(self.rtt.rto * (1 << min(self._persist_backoff, 16)), self.config.rto_max)

    def _on_time_wait(self, now: float) -> None:
        self._change(Trigger.TIMEOUT_2MSL)
        self._closed("closed")

    def _on_app_read(self, now: float) -> None:
        if self.reading_paused:
            return  # resume_reading() starts the reader again
        rate = self.config.app_read_rate or 0.0
        n = int(rate * (now - self._last_read))
        if n <= 0:
            n = 1
        self._deliver_unread(min(n, len(self._unread)))
        self._last_read = now
        self._maybe_window_update(now)
        self._arm_app_read(now)

    def _arm_app_read(self, now: float) -> None:
        rate = self.config.app_read_rate
        if rate and self._unread and "app-read" not in self._timers and not self.reading_paused:
            self._last_read = now
            self._arm("app-read", now + min(len(self._unread), self.mss) / rate)

    _TIMER_HANDLERS = {"rto": _on_rto, "delayed-ack": _on_delayed_ack, "persist": _on_persist,
                       "time-wait": _on_time_wait, "app-read": _on_app_read}

    # ------------------------------------------------------------------ state changes
    def _change(self, trigger: Trigger) -> None:
        edge = transition(self.state, trigger)
        old = self.state
        self.state = edge.target
        self._events.append(StateChange(old, edge.target, str(trigger), edge.rfc))
        if edge.target is _S_ESTABLISHED:
            self._events.append(Connected())
        elif edge.target is _S_TIME_WAIT:
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
        self._high_rxt = self.iss

    # ------------------------------------------------------------------ sending
    def _window_field(self) -> int:
        adv = self.config.rcv_buffer - len(self._unread)
        value = min(adv >> self.rcv_wscale, 0xFFFF)
        self._last_adv = value << self.rcv_wscale
        return value

    def _emit(self, seq: int, flags: Flags, payload: bytes = b"",
              options: Options = _NO_OPTIONS) -> None:
        """Queue one outgoing segment; every segment but a RST or first SYN carries the ACK."""
        has_ack = flags._value_ & ACK
        if has_ack and self.sack_enabled and self._rcvq is not None and self._rcvq.ooo_bytes:
            options = Options(sack=self._rcvq.sack_blocks())
        self._out.append(Segment(self.local_port, self.remote_port, seq,
                                 self.rcv_nxt if has_ack else 0, flags,
                                 self._window_field(), options, payload))
        if has_ack:
            self._ack_now = False
            self._unacked_segs = 0
            if "delayed-ack" in self._timers:
                self._cancel("delayed-ack")

    def _send_syn(self, now: float, ack: bool) -> None:
        cfg = self.config
        if ack:
            peer = self._syn_options
            options = Options(mss=cfg.mss,
                              wscale=cfg.wscale if peer.wscale is not None else None,
                              sack_permitted=cfg.sack and peer.sack_permitted)
        else:
            options = Options(mss=cfg.mss, wscale=cfg.wscale, sack_permitted=cfg.sack)
        self._out.append(Segment(self.local_port, self.remote_port, self.iss,
                                 self.rcv_nxt if ack else 0, _SYN_ACK if ack else _SYN,
                                 min(cfg.rcv_buffer, 0xFFFF), options))
        self._ack_now = False
        self.snd_nxt = self.snd_max = seq_add(self.iss, 1)
        if self.retries == 0:
            self._rtt_seq, self._rtt_start = self.snd_nxt, now
        self._arm("rto", now + self.rtt.rto)

    def _output(self, now: float) -> None:
        """Send what the windows allow, then a bare ACK if one is owed (RFC 9293 §3.8.6)."""
        if self.state in _SENDING_STATES:
            self._send_data(now)
        if self._ack_now and self.state in _ACK_STATES:
            # A bare ACK carries the next *new* sequence number, even while going back after a
            # timeout (as BSD does): SND.NXT may point into already-sent data then.
            self._emit(self.snd_max, _ACK)

    def _send_data(self, now: float) -> None:
        buf = self._sndbuf
        if not buf and not self._fin_queued:
            if "persist" in self._timers:
                self._cancel("persist")
            return  # nothing to send (the common case on the receiving side)
        if self.snd_una == self.iss:
            return  # nothing may follow a SYN that is not acknowledged yet
        mss = self.mss
        wnd = min(self.snd_wnd, self.cc.cwnd)
        sent = False
        while True:
            nxt = self.snd_nxt
            off = (nxt - self._buf_seq) & _MASK  # never negative once the SYN is acknowledged
            avail = len(buf) - off
            if avail > 0:
                flight = (nxt - self.snd_una) & _MASK
                usable = wnd - flight
                if usable <= 0:
                    break
                n = mss if mss < avail else avail
                if usable < n:
                    if flight > 0 and usable < self.max_snd_wnd // 2:
                        break  # sender SWS avoidance: wait for a fuller window (§3.8.6.2.1)
                    n = usable
                end = off + n
                last = end == len(buf)
                fin = last and self._fin_queued and self.state in _FIN_STATES
                flags = (_FIN_PSH_ACK if fin else _PSH_ACK) if last else _ACK
                if seq_lt(nxt, self.snd_max):
                    self._events.append(Retransmitted(nxt, self._rexmit_reason))
                elif self._rtt_seq is None:
                    self._rtt_seq, self._rtt_start = seq_add(nxt, n), now
                self._emit(nxt, flags, bytes(buf[off:end]))
                new_nxt = seq_add(nxt, n + 1 if fin else n)
                self.snd_nxt = new_nxt
                if seq_gt(new_nxt, self.snd_max):
                    self.bytes_sent += seq_diff(new_nxt, self.snd_max)
                    self.snd_max = new_nxt
                sent = True
                continue
            if self._fin_queued and avail == 0 and self.state in _FIN_STATES:
                if seq_lt(nxt, self.snd_max):
                    self._events.append(Retransmitted(nxt, self._rexmit_reason))
                self._emit(nxt, _FIN_ACK)
                self.snd_nxt = seq_add(nxt, 1)
                if seq_gt(self.snd_nxt, self.snd_max):
                    self.snd_max = self.snd_nxt
                sent = True
            break
        if sent and "rto" not in self._timers:
            self._arm("rto", now + self.rtt.rto)
        if self.snd_wnd == 0:
            if ("persist" not in self._timers and "rto" not in self._timers
                    and (self.unsent > 0 or self.snd_max != self.snd_una)):
                self._arm("persist", now + self._persist_interval())
        else:
            if "persist" in self._timers:
                self._cancel("persist")
                self._persist_backoff = 0
            if self.snd_max != self.snd_una and "rto" not in self._timers:
                self._arm("rto", now + self.rtt.rto)  # e.g. a probe byte still unacknowledged

    def _retransmit(self, now: float, seq: int, limit: int, reason: str) -> None:
        """Resend up to ``limit`` bytes (at most one MSS) starting at ``seq``."""
        off = seq_diff(seq, self._buf_seq)
        sent_data_end = min(seq_diff(self.snd_max, self._buf_seq), len(self._sndbuf))
        n = max(min(self.mss, limit, sent_data_end - off), 0)
        fin_sent = self._fin_queued and seq_gt(self.snd_max, self._fin_seq)
        fin = fin_sent and off + n == len(self._sndbuf)
        if n == 0 and not fin:
            return
        self._events.append(Retransmitted(seq, reason))
        self._rtt_seq = None
        if off + n == len(self._sndbuf):
            flags = _FIN_PSH_ACK if fin else _PSH_ACK
        else:
            flags = _FIN_ACK if fin else _ACK
        self._emit(seq, flags, bytes(self._sndbuf[off:off + n]))
        if "rto" not in self._timers:
            self._arm("rto", now + self.rtt.rto)

    # ------------------------------------------------------------------ receiving
    def receive(self, now: float, segment: Segment) -> None:
        """A segment arrived from the network: process it as RFC 9293 §3.10.7 says."""
        if not isinstance(segment, Segment):
            raise ParameterError(f"receive() takes a Segment, not {type(segment).__name__}")
        self._now = now
        state = self.state
        if segment.dst_port != self.local_port or state is _S_CLOSED:
            self._answer_no_connection(segment, "no connection on this port (§3.10.7.1)")
        elif state is _S_LISTEN:
            self._on_listen(now, segment)
        elif segment.src_port != self.remote_port:
            self._answer_no_connection(segment, "segment for another connection (§3.10.7.1)")
        elif state is _S_SYN_SENT:
            self._on_syn_sent(now, segment)
        else:
            self._on_synchronized(now, segment)
        if self._ack_now or self.state in _SENDING_STATES:
            self._output(now)

    def _ignore(self, seg: Segment, reason: str) -> None:
        self._events.append(SegmentIgnored(seg.seq, reason))

    def _answer_no_connection(self, seg: Segment, reason: str) -> None:
        """§3.10.7.1: anything but a RST to a non-existent connection is answered by a RST."""
        self._ignore(seg, reason)
        if seg.flags._value_ & RST:
            return
        if seg.flags._value_ & ACK:
            rst = Segment(seg.dst_port, seg.src_port, seg.ack, 0, _RST, 0)
        else:
            rst = Segment(seg.dst_port, seg.src_port, 0, seq_add(seg.seq, seg.seg_len), _RST_ACK, 0)
        self._out.append(rst)

    def _reset_to(self, seg: Segment) -> None:
        """<SEQ=SEG.ACK><CTL=RST>: refuse an unacceptable ACK (§3.10.7.2, §3.10.7.3)."""
        self._out.append(Segment(self.local_port, seg.src_port, seg.ack, 0, _RST, 0))

    def _learn_peer_syn(self, seg: Segment) -> None:
        cfg = self.config
        opts = seg.options
        self._syn_options = opts
        self.irs = seg.seq
        self._rcvq = ReassemblyQueue(seq_add(seg.seq, 1))
        self.rcv_nxt = self._rcvq.rcv_nxt
        self.mss = min(cfg.mss, opts.mss if opts.mss else DEFAULT_PEER_MSS)
        self.cc.set_mss(self.mss)
        if cfg.wscale is not None and opts.wscale is not None:
            self.rcv_wscale, self.snd_wscale = cfg.wscale, min(opts.wscale, 14)
        else:
            self.rcv_wscale = self.snd_wscale = 0
        self.sack_enabled = cfg.sack and opts.sack_permitted
        self.snd_wnd = self.max_snd_wnd = seg.window  # a SYN's window is never scaled
        self.snd_wl1 = seg.seq

    def _on_listen(self, now: float, seg: Segment) -> None:
        """§3.10.7.2: LISTEN ignores RST, refuses ACK, answers SYN with SYN,ACK."""
        flags = seg.flags._value_
        if flags & RST:
            self._ignore(seg, "RST in LISTEN is ignored (§3.10.7.2)")
        elif flags & ACK:
            self._ignore(seg, "ACK in LISTEN is refused with a RST (§3.10.7.2)")
            self._reset_to(seg)
        elif flags & SYN:
            self.remote_port = seg.src_port
            self._learn_peer_syn(seg)
            self._choose_iss(now)
            self._change(Trigger.RCV_SYN)
            self._send_syn(now, ack=True)
        else:
            self._ignore(seg, "segment without SYN in LISTEN (§3.10.7.2)")

    def _on_syn_sent(self, now: float, seg: Segment) -> None:
        """§3.10.7.3: SYN-SENT checks the ACK, then RST, then SYN."""
        flags = seg.flags._value_
        ack_ok = False
        if flags & ACK:
            if not (seq_gt(seg.ack, self.iss) and seq_ge(self.snd_max, seg.ack)):
                self._ignore(seg, "ACK does not acknowledge our SYN (§3.10.7.3)")
                if not flags & RST:
                    self._reset_to(seg)
                return
            ack_ok = True
        if flags & RST:
            if ack_ok:
                self._reset("connection refused")
            else:
                self._ignore(seg, "RST without an acceptable ACK in SYN-SENT (§3.10.7.3)")
            return
        if not flags & SYN:
            self._ignore(seg, "neither SYN nor RST in SYN-SENT (§3.10.7.3)")
            return
        self._learn_peer_syn(seg)
        if ack_ok:
            self.snd_una = seg.ack
            self.snd_wl2 = seg.ack
            self._cancel("rto")
            self._take_rtt_sample(now, seg.ack)
            self.retries = 0
            self._change(Trigger.RCV_SYN_ACK)
            self._ack_now = True  # the third segment of the handshake (data may ride on it)
        else:
            self._change(Trigger.RCV_SYN)  # simultaneous open (§3.5, Figure 8)
            self._cancel("rto")
            self._send_syn(now, ack=True)

    def _acceptable(self, seq: int, seg_len: int, wnd: int) -> bool:
        """The four cases of §3.10.7.4's sequence-number test."""
        rcv_nxt = self.rcv_nxt
        if seg_len == 0:
            return seq == rcv_nxt if wnd == 0 else seq_in_window(seq, rcv_nxt, wnd)
        if wnd == 0:
            return False
        return (seq_in_window(seq, rcv_nxt, wnd)
                or seq_in_window(seq_add(seq, seg_len - 1), rcv_nxt, wnd))

    def _challenge_ack(self, why: str) -> None:
        self._events.append(ChallengeAckSent(why))
        self._ack_now = True

    def _on_synchronized(self, now: float, seg: Segment) -> None:
        state = self.state
        flags = seg.flags._value_
        seq = seg.seq
        # A repeat of the peer's SYN while ours is unacknowledged: answer with our SYN,ACK again,
        # or, in a simultaneous open, take its ACK as the ACK of our SYN.
        if state is _S_SYN_RECEIVED and flags & SYN and seq == self.irs and not flags & RST:
            if flags & ACK and seq_gt(seg.ack, self.snd_una) and seq_ge(self.snd_max, seg.ack):
                flags &= ~SYN
                seg = seg.replace(seq=seq_add(seq, 1), flags=Flags(flags))
                seq = seg.seq
            else:
                self._ignore(seg, "repeated SYN: our SYN,ACK is sent again")
                self._send_syn(now, ack=True)
                return
        # TIME-WAIT: a retransmitted FIN is acknowledged and restarts the 2 MSL timer (§3.10.7.4).
        payload = seg.payload
        seg_len = len(payload) + (1 if flags & SYN else 0) + (1 if flags & FIN else 0)
        if (state is _S_TIME_WAIT and flags & FIN and not flags & RST
                and seq_add(seq, seg_len) == self.rcv_nxt):
            self._ignore(seg, "retransmitted FIN in TIME-WAIT: ACK it, restart 2 MSL")
            self._ack_now = True
            self._arm("time-wait", now + 2 * self.config.msl)
            return
        wnd = self.config.rcv_buffer - len(self._unread)
        rcv_nxt = self.rcv_nxt
        if (seq != rcv_nxt or not wnd) and not self._acceptable(seq, seg_len, wnd):
            if flags & RST:
                self._ignore(seg, "RST outside the window (§3.10.7.4)")
                return
            if wnd == 0 and seq == rcv_nxt and flags & ACK and not flags & SYN:
                # Zero window: keep taking ACKs (and window updates), not text (§3.10.7.4).
                self._ignore(seg, "zero receive window: text dropped, ACK processed")
                self._ack_now = True
                self._process_ack(now, seg)
                return
            if seg_len == 0 and now - self._last_oow_ack < OUT_OF_WINDOW_ACK_INTERVAL:
                # Answering every unacceptable bare ACK with an ACK can start an "ACK war";
                # like Linux (tcp_invalid_ratelimit) answer at most one per interval.
                self._ignore(seg, "unacceptable bare ACK: answer rate-limited (§3.10.7.4)")
                return
            self._last_oow_ack = now
            self._ignore(seg, "unacceptable sequence number: answered by an ACK (§3.10.7.4)")
            self._ack_now = True
            return
        # Trim the text to the window.
        fin = bool(flags & FIN)
        if payload and (seq != rcv_nxt or len(payload) > wnd):
            right = seq_diff(seq_add(rcv_nxt, wnd), seq)
            if right < len(payload):
                payload = payload[:max(right, 0)]
                fin = False
        if flags & RST:
            if seq == rcv_nxt or not self.config.challenge_ack:
                self._reset("connection reset by peer")
            else:
                self._ignore(seg, "in-window RST not at RCV.NXT: challenge ACK (RFC 5961 §3)")
                self._challenge_ack("RST in window but not exact (RFC 5961 §3.2)")
            return
        if flags & SYN:
            self._ignore(seg, "SYN in a synchronized state: challenge ACK (RFC 5961 §4)")
            self._challenge_ack("SYN in a synchronized state (RFC 5961 §4.2)")
            return
        if not flags & ACK:
            self._ignore(seg, "segment without ACK (§3.10.7.4, fifth)")
            return
        if state is _S_SYN_RECEIVED:
            if not (seq_gt(seg.ack, self.snd_una) and seq_ge(self.snd_max, seg.ack)):
                self._ignore(seg, "ACK does not acknowledge our SYN,ACK: RST (§3.10.7.4)")
                self._reset_to(seg)
                return
            self._change(Trigger.RCV_ACK_OF_SYN)
            self.snd_wl1 = seq_add(seq, -1)  # let this segment set the (scaled) window
        fin_was_acked = self._our_fin_acked()
        if not self._process_ack(now, seg):
            return
        fin_acked_now = not fin_was_acked and self._our_fin_acked()
        state = self.state
        if fin_acked_now:
            if state is _S_LAST_ACK:
                self._change(Trigger.RCV_ACK_OF_FIN)
                self._closed("closed")
                return
            if state is _S_CLOSING:
                self._change(Trigger.RCV_ACK_OF_FIN)
                return
        fin_now = False
        if state in _TEXT_STATES and (payload or fin):
            fin_now = self._accept_text(now, seq, payload, fin)
        if fin_now:
            if self._unread:
                self._eof_pending = True  # EOF reaches the application after the data
            else:
                self._events.append(PeerClosed())
            self._ack_now = True
            if state is _S_FIN_WAIT_1:
                self._change(Trigger.RCV_FIN_AND_ACK_OF_FIN if fin_acked_now or
                             self._our_fin_acked() else Trigger.RCV_FIN)
            else:
                self._change(_FIN_TRIGGERS[state])
        elif fin_acked_now and state is _S_FIN_WAIT_1:
            self._change(Trigger.RCV_ACK_OF_FIN)

    def _our_fin_acked(self) -> bool:
        return self._fin_queued and seq_gt(self.snd_una, self._fin_seq)

    def _reset(self, reason: str) -> None:
        syn_rcvd = self.state is _S_SYN_RECEIVED
        passive_syn_rcvd = syn_rcvd and self._passive
        if syn_rcvd and not self._passive:
            reason = "connection refused"  # an active OPEN that met a RST (§3.10.7.4)
        self._events.append(ConnectionReset(reason))
        self._change(Trigger.RCV_RST_ACTIVE_OPEN if syn_rcvd and not self._passive
                     else Trigger.RCV_RST)
        if passive_syn_rcvd:
            self._cancel_all()
            self._new_tcb()
            self._passive = True
        else:
            self._closed("reset")

    def _take_rtt_sample(self, now: float, ack: int) -> None:
        if self._rtt_seq is not None and seq_ge(ack, self._rtt_seq):
            self.rtt.sample(now - self._rtt_start)
            self._rtt_seq = None

    def _process_ack(self, now: float, seg: Segment) -> bool:
        """§3.10.7.4 fifth (ACK field) with RFC 5961 §5; False when the segment must be dropped."""
        ack = seg.ack
        una = self.snd_una
        if seq_gt(ack, self.snd_max):
            self._ignore(seg, "ACK for data never sent: answered by an ACK (§3.10.7.4)")
            self._ack_now = True
            return False
        if seq_lt(ack, una):
            if self.config.challenge_ack and seq_lt(ack, seq_add(una, -self.max_snd_wnd)):
                self._ignore(seg, "ACK too old: challenge ACK (RFC 5961 §5.2)")
                self._challenge_ack("ACK below SND.UNA - MAX.SND.WND (RFC 5961 §5.2)")
                return False
            return True  # an old duplicate ACK: ignore the field, keep the text
        new_wnd = seg.window << self.snd_wscale
        if self.sack_enabled and seg.options.sack:
            self._update_scoreboard(seg.options.sack)
        if ack != una:
            self._on_new_ack(now, ack)
        elif (not seg.payload and not seg.flags._value_ & (SYN | FIN) and new_wnd == self.snd_wnd
              and self.snd_max != una and self.snd_wnd > 0):
            self._on_dup_ack(now)
        # Window update (§3.10.7.4): only from a segment newer than the last one that set it.
        wl1 = self.snd_wl1
        if seq_lt(wl1, seg.seq) or (wl1 == seg.seq and seq_ge(ack, self.snd_wl2)):
            if new_wnd and not self.snd_wnd and "persist" in self._timers:
                # The window opened while we were probing: resend from SND.UNA, so a probe
                # byte the receiver refused goes out again with the data (as BSD retracts
                # snd_nxt), instead of waiting for a timeout.
                self.snd_nxt = una if ack == una else self.snd_nxt
                self._rexmit_reason = "window"
            self.snd_wnd = new_wnd
            self.snd_wl1 = seg.seq
            self.snd_wl2 = ack
            if new_wnd > self.max_snd_wnd:
                self.max_snd_wnd = new_wnd
        return True

    def _on_new_ack(self, now: float, ack: int) -> None:
        una = self.snd_una
        acked = seq_diff(ack, una)
        k = seq_diff(ack, self._buf_seq)
        data_acked = 0
        if k > 0:
            data_acked = min(k, len(self._sndbuf))
            del self._sndbuf[:data_acked]
            self._buf_seq = seq_add(self._buf_seq, data_acked)
        self.snd_una = ack
        if seq_lt(self.snd_nxt, ack):
            self.snd_nxt = ack
        self._take_rtt_sample(now, ack)
        self.retries = 0
        self.dupacks = 0
        cc = self.cc
        if cc.in_recovery:
            if self.recover is not None and seq_ge(ack, self.recover):
                cc.on_recovery_end(seq_diff(self.snd_max, ack), now)
            else:
                cc.on_partial_ack(acked, now)  # NewReno (RFC 6582 §3.2 step 5)
                hole = self._next_hole() if self.sack_enabled else None
                if hole is not None:
                    self._retransmit(now, hole[0], hole[1], "fast")
                elif not self.sack_enabled or seq_ge(ack, self._high_rxt):
                    self._retransmit(now, ack, self.mss, "fast")
        elif data_acked:
            cc.on_ack(data_acked, now)
        if self._scoreboard:
            self._prune_scoreboard()
        if seq_lt(self._high_rxt, ack):
            self._high_rxt = ack
        if self.snd_max == ack:
            self._cancel("rto")
        else:
            self._arm("rto", now + self.rtt.rto)  # RFC 6298 §5.3

    def _on_dup_ack(self, now: float) -> None:
        self.dupacks += 1
        cc = self.cc
        if cc.in_recovery:
            cc.on_dup_ack(now)
            if self.sack_enabled:
                hole = self._next_hole()
                if hole is not None:
                    self._retransmit(now, hole[0], hole[1], "fast")
            return
        if self.dupacks != self.config.dupack_threshold:
            return
        if self.recover is not None and seq_lt(self.snd_una, self.recover):
            return  # RFC 6582 §3.2 step 2: no new recovery for losses of the previous window
        self.recover = self.snd_max
        cc.on_loss("fast", self.flight_size, now)
        self._rtt_seq = None
        self._high_rxt = self.snd_una
        self._retransmit(now, self.snd_una, self.mss, "fast")
        self._high_rxt = seq_add(self.snd_una, self.mss)

    # -- SACK scoreboard (RFC 2018 blocks received from the peer) -------------------------
    def _update_scoreboard(self, blocks: tuple[tuple[int, int], ...]) -> None:
        una, top = self.snd_una, seq_diff(self.snd_max, self.snd_una)
        rel = [(seq_diff(s, una), seq_diff(e, una)) for s, e in self._scoreboard]
        for s, e in blocks:
            a, b = seq_diff(s, una), seq_diff(e, una)
            if 0 <= a < b <= top:
                rel.append((a, b))
        rel.sort()
        merged: list[tuple[int, int]] = []
        for a, b in rel:
            if merged and a <= merged[-1][1]:
                if b > merged[-1][1]:
                    merged[-1] = (merged[-1][0], b)
            else:
                merged.append((a, b))
        self._scoreboard = [(seq_add(una, a), seq_add(una, b)) for a, b in merged]

    def _prune_scoreboard(self) -> None:
        una = self.snd_una
        kept = []
        for s, e in self._scoreboard:
            if seq_gt(e, una):
                kept.append((s if seq_gt(s, una) else una, e))
        self._scoreboard = kept

    def _next_hole(self) -> tuple[int, int] | None:
        """The first not-yet-resent gap below the highest SACKed byte: (start, length)."""
        start = self._high_rxt if seq_gt(self._high_rxt, self.snd_una) else self.snd_una
        for s, e in self._scoreboard:
            if seq_lt(start, s):
                length = min(seq_diff(s, start), self.mss)
                self._high_rxt = seq_add(start, length)
                return start, length
            if seq_lt(start, e):
                start = e
        return None

    # -- text and acknowledgements --------------------------------------------------------
    def _accept_text(self, now: float, seq: int, payload: bytes, fin: bool) -> bool:
        """Seventh and eighth steps of §3.10.7.4; returns True when the FIN came in order."""
        q = self._rcvq
        assert q is not None
        if self.config.receiver == "gbn" and seq_gt(seq, self.rcv_nxt):
            self._ignore_gbn(seq)
            return False
        had_gap = q.ooo_bytes > 0
        data, fin_now = q.add(seq, payload, fin)
        self.rcv_nxt = q.rcv_nxt
        if data:
            self._deliver(now, data)
            self._unacked_segs += 1
        if not data or had_gap or q.ooo_bytes or fin_now:
            self._ack_now = True  # out of order, duplicate, gap filled, FIN: ACK at once
        elif self.config.delayed_ack is None or self._unacked_segs >= 2:
            self._ack_now = True
        elif "delayed-ack" not in self._timers:
            self._arm("delayed-ack", now + self.config.delayed_ack)
        return fin_now

    def _ignore_gbn(self, seq: int) -> None:
        self._events.append(SegmentIgnored(seq, "Go-Back-N receiver discards out-of-order data"))
        self._ack_now = True

    def _deliver(self, now: float, data: bytes) -> None:
        if self.reading_paused or self.config.app_read_rate:
            self._unread += data
            self._arm_app_read(now)
        else:
            self.bytes_delivered += len(data)
            self._events.append(DataReceived(data))

    def _deliver_unread(self, n: int) -> None:
        if n <= 0:
            return
        data = bytes(self._unread[:n])
        del self._unread[:n]
        self.bytes_delivered += n
        self._events.append(DataReceived(data))
        if self._eof_pending and not self._unread:
            self._eof_pending = False
            self._events.append(PeerClosed())

    def _maybe_window_update(self, now: float) -> None:
        """After the application read: tell the peer if the window grew enough (RFC 9293 §3.8.6.2.2)."""
        if not self.state.synchronized or (self._rcvq is not None and self._rcvq.fin_received):
            return  # after the peer's FIN no more data comes: a window update would be noise
        grown = self.rcv_wnd - self._last_adv
        half = self.config.rcv_buffer // 2
        small = self._last_adv < self.mss  # the peer may be stuck probing a closed window
        if grown >= min(self.mss if small else 2 * self.mss, half):
            self._ack_now = True
