"""The endpoint's timers: retransmission (RFC 6298), persist and silly-window override
(RFC 9293 §3.8.6.1, §3.8.6.2.1), delayed ACK (§3.8.6.3), TIME-WAIT (§3.10.8) and the slow
application's reads. Deadlines are times of the caller's clock; ``handle_timer(now)`` fires them.

A mixin of :class:`tcpedu.model.endpoint.Endpoint`; the connection variables live there.
"""

from __future__ import annotations

from ._common import F_ACK, S_SYN_SENT, SENDING_STATES
from .events import Retransmitted, TimerArmed, TimerCancelled, TimerFired
from .fastinit import maker
from .seq import seq_add, seq_diff, seq_gt
from .states import Trigger, has_transition

__all__ = ["Timers"]

_timer_armed, _timer_cancelled = maker(TimerArmed), maker(TimerCancelled)  # once per segment or so


class Timers:
    """Arming, cancelling and firing timers; the state lives on the Endpoint."""

    __slots__ = ()

    def handle_timer(self, now: float) -> None:
        """Fire every timer whose deadline is at or before ``now``."""
        self._now = now
        handlers = _TIMER_HANDLERS
        while self._timers:
            name, deadline = min(self._timers.items(), key=lambda item: item[1])
            if deadline > now:
                break
            del self._timers[name]
            self._events.append(TimerFired(name))
            handlers[name](self, now)
        if self.state in SENDING_STATES or self._ack_now:
            self._output(now)

    def _arm(self, name: str, deadline: float) -> None:
        self._timers[name] = deadline
        self._events.append(_timer_armed(name, deadline))

    def _cancel(self, name: str) -> None:
        if self._timers.pop(name, None) is not None:
            self._events.append(_CANCELLED[name])

    def _cancel_all(self) -> None:
        for name in list(self._timers):
            self._cancel(name)

    def _gives_up(self, now: float, handshake: bool) -> bool:
        """Whether the retransmission limit is reached (RFC 9293 §3.8.3: R2; for a SYN at least
        3 minutes, MUST-23 and RFC 1122 §4.2.3.5, unless ``syn_retries`` caps it lower)."""
        cfg = self.config
        if not handshake:
            return self.retries > cfg.max_retries
        if cfg.syn_retries is not None and self.retries > cfg.syn_retries:
            return True
        return now - self._syn_start >= cfg.syn_timeout

    def _on_rto(self, now: float) -> None:
        self.retries += 1
        handshake = self.snd_una == self.iss  # our SYN is not acknowledged yet
        if self._gives_up(now, handshake):
            if has_transition(self.state, Trigger.GIVE_UP):
                self._change(Trigger.GIVE_UP)
                self._closed("timed out")
            return
        self.recovery.back_off(syn=handshake)
        if handshake:
            self._events.append(Retransmitted(self.iss, "rto"))
            self._send_syn(now, ack=self.state is not S_SYN_SENT)
            return
        if self.snd_max == self.snd_una:
            return
        self.recovery.on_timeout(now, self.snd_max, self.flight_size, repeated=self.retries > 1)
        self.snd_nxt = self.snd_una  # go back: resend from the first unacknowledged byte
        self._rexmit_reason = "rto"
        self._output(now)
        if "rto" not in self._timers and "persist" not in self._timers:
            self._arm("rto", now + self.rtt.rto)

    def _on_delayed_ack(self, now: float) -> None:
        self._ack_now = True

    def _on_persist(self, now: float) -> None:
        if self.state not in SENDING_STATES:
            self._persist_backoff = 0
            return
        if self.snd_wnd > 0:
            self._persist_backoff = 0
            self._send_override(now)  # the silly-window override timeout (§3.8.6.2.1)
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
        self._emit(una, F_ACK, self._sndbuf.slice(off, off + 1))
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


_TIMER_HANDLERS = {"rto": Timers._on_rto, "delayed-ack": Timers._on_delayed_ack,
                   "persist": Timers._on_persist, "time-wait": Timers._on_time_wait,
                   "app-read": Timers._on_app_read}

#: One TimerCancelled per timer name, shared (a frozen value; a cancel comes once per segment or
#: so, and there are only these timer names).
_CANCELLED = {name: _timer_cancelled(name) for name in _TIMER_HANDLERS}
