"""10 · Flow and congestion control: the advertised window, halving, after a timeout."""

from __future__ import annotations

from typing import Any

from ..core import Expected, LabSpec, QuestionSpec
from ..detectors import Mistake
from ..forms import Count

MSS = 1000


def build(_variant: Any) -> dict[str, Any]:
    from ....model.congestion import Reno
    from ....sim import scenarios

    halved, timed_out = Reno(mss=MSS), Reno(mss=MSS)
    halved.on_loss("dupack", flight=32 * MSS, now=0.0)
    timed_out.on_loss("timeout", flight=20 * MSS, now=0.0)
    return {"stall": scenarios.run("zero_window", client_isn=0, server_isn=0),
            "halved": halved, "timed_out": timed_out, "initial": Reno(mss=MSS).cwnd // MSS}


def _window(facts: dict[str, Any]) -> Expected:
    stall = facts["stall"]
    syn_ack = stall.segments("server")[0].segment
    first = next(s.segment for s in stall.segments("client") if s.segment.payload)
    end = first.seq + len(first.payload)
    after = next(s.segment for s in stall.segments("server") if s.segment.ack == end)
    return Expected(after.window, Count(described="a window in bytes"), (
        Mistake(syn_ack.window, f"The {len(first.payload)} bytes sit in the buffer until the "
                                f"application reads them: only {after.window} bytes are free."),
        Mistake(0, "That comes after the *second* segment fills the buffer."),
    ), why=f"{syn_ack.window} − {len(first.payload)} unread bytes = {after.window} bytes of room.",
           code="the server's ACK of the first segment: .window")


def _ssthresh(facts: dict[str, Any]) -> Expected:
    right = facts["halved"].ssthresh // MSS
    return Expected(right, Count(described="a number of segments"), (
        Mistake(1, "Setting cwnd to one segment is the reaction to a *timeout*, not to "
                   "duplicate ACKs."),
        Mistake(2 * right, "Reno reacts to the loss: it halves."),
        Mistake(2 * right - 1, "Half of the flight, not one less."),
    ), why=f"ssthresh = max(flight / 2, 2 MSS) = {right} segments.",
           code="Reno(mss=1000).on_loss('dupack', flight=32_000, now=0.0); .ssthresh // 1000")


def _cwnd(facts: dict[str, Any]) -> Expected:
    right = facts["timed_out"].cwnd // MSS
    return Expected(right, Count(described="a number of segments"), (
        Mistake(facts["timed_out"].ssthresh // MSS, "Halving is the answer to duplicate ACKs; a "
                                                    "timeout restarts slow start."),
        Mistake(facts["initial"], "The *initial* window is larger, but after a timeout RFC 5681 "
                                  "sets cwnd to the loss window: 1 segment."),
    ), why="After a timeout cwnd = 1 MSS (the loss window) and slow start begins again up to the "
           "new ssthresh.", code="Reno(mss=1000).on_loss('timeout', ...); .cwnd // 1000")


SPEC = LabSpec("10-flow-and-congestion-control", "Flow and congestion control", build, (
    QuestionSpec("window_after_one", "The window advertised after one 1000-byte segment?",
                 _window, hints=("Buffer size minus the bytes still waiting for the "
                                 "application.",)),
    QuestionSpec("new_ssthresh", "ssthresh after three duplicate ACKs with 32 segments in "
                 "flight?", _ssthresh, hints=("Half of what was in flight.",)),
    QuestionSpec("cwnd_after_timeout", "cwnd right after the retransmission timer fires?", _cwnd,
                 hints=("A timeout means the sender has lost its ACK clock.",)),
))
