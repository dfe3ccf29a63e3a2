"""06 · Connection teardown: the last ACK, CLOSE-WAIT, how long TIME-WAIT lasts, and how long
the TIME-WAIT side of a real capture had to wait (time-wait.pcap)."""

from __future__ import annotations

from typing import Any

from ..core import Expected, LabSpec, QuestionSpec
from ..detectors import Mistake, forgot_syn_fin
from ..forms import Seconds, SeqNumber, StateName

ISNS = {"client_isn": 0, "server_isn": 0}


def build(_variant: Any) -> dict[str, Any]:
    from ....capture import live
    from ....reading.analysis import analyze
    from ....sim import scenarios

    return {"close": scenarios.run("teardown", order="client", **ISNS),
            "half": scenarios.run("teardown", order="half-close", **ISNS),
            "lost_ack": scenarios.run("teardown", order="lost-final-ack", **ISNS),
            "real": analyze(live.shipped_capture("time-wait"))}


def _final_ack(facts: dict[str, Any]) -> Expected:
    right = facts["close"].segments("client")[-1].segment.ack
    slip = forgot_syn_fin(right, "FIN")
    return Expected(right, SeqNumber(), (
        Mistake(slip.value, "Forgot that the FIN consumes a sequence number: the server's FIN "
                            f"used {slip.value}, so the client acknowledges {right}.", "syn-fin"),
        Mistake(right + 1, "Only the server's FIN counts here; the client's own FIN is in the "
                           "client's sequence space."),
    ), why=f"The server's FIN used number {right - 1}, so the next expected number is {right}.",
           code="close.segments('client')[-1].segment.ack")


def _state_while_sending(facts: dict[str, Any]) -> Expected:
    half = facts["half"]
    response = next(s for s in half.segments("server") if s.segment.payload)
    return Expected(half.state_at("server", response.time), StateName(), (
        Mistake("ESTABLISHED", "The client's FIN has already arrived: the server left "
                               "ESTABLISHED."),
        Mistake("LAST-ACK", "LAST-ACK comes only after the server's own FIN."),
        Mistake("FIN-WAIT-1", "FIN-WAIT-1 is the state of the side that sent the *first* FIN."),
        Mistake("FIN-WAIT-2", "FIN-WAIT-2 is the state of the side that sent the *first* FIN."),
    ), why="CLOSE-WAIT: the peer has finished sending, this side has not.",
           code="half.state_at('server', response.time)")


def _closed_at(facts: dict[str, Any]) -> Expected:
    trace = facts["lost_ack"]
    msl = trace.meta.get("params", {}).get("msl", 30.0)
    right = round(trace.state_changes("client")[-1].time, 2)
    acks = [s.time for s in trace.segments("client") if s.segment.has("A")
            and not s.segment.payload and not s.segment.has("F")]
    first, last = acks[-2], acks[-1]
    return Expected(right, Seconds(tolerance=0.001), (
        Mistake(round(first + 2 * msl, 2), f"TIME-WAIT restarted when the retransmitted FIN "
                                           f"arrived: {last:.2f} + {2 * msl:g}."),
        Mistake(round(last + msl, 2), f"TIME-WAIT lasts 2×MSL = {2 * msl:g} s, not one MSL."),
        Mistake(2 * msl, "Count from the moment of the last ACK the client sent, not from 0."),
    ), why=f"The client re-ACKed the FIN at {last:.2f} s and waited 2 × {msl:g} s more: "
           f"{right:.2f} s.", code="lost_ack.state_changes('client')[-1].time")


def _still_there(facts: dict[str, Any]) -> Expected:
    real = facts["real"]
    fins = [s for s in real.segments("server") if s.segment.has("F")]
    first_ack = next(s for s in real.segments("client") if s.time > fins[0].time)
    right = round(fins[1].time - first_ack.time, 3)
    rtt = round(real.segments()[2].time - real.segments()[0].time, 3)
    return Expected(right, Seconds(tolerance=0.02), (
        Mistake(round(fins[1].time, 3), "That is when the FIN came again, counted from the start "
                                        "of the capture; count from the client's first ACK of "
                                        "the FIN."),
        Mistake(rtt, "That is one round trip, enough for an ACK to arrive; but the server first "
                     "waited for its retransmission timer before resending its FIN."),
    ), why=f"The first ACK left at {first_ack.time:.3f} s and the FIN came back at "
           f"{fins[1].time:.3f} s: the client had to be there {right:.3f} s later, and it was "
           f"(in TIME-WAIT).", code="resent FIN's time − the client's first ACK of the FIN")


SPEC = LabSpec("06-connection-teardown", "Connection teardown", build, (
    QuestionSpec("final_ack", "The ACK number of the client's final ACK?", _final_ack,
                 hints=("A FIN consumes one sequence number, like a SYN.",)),
    QuestionSpec("server_state_while_sending", "The server's state while it sends its response?",
                 _state_while_sending,
                 hints=("It has received a FIN and has not closed yet.",)),
    QuestionSpec("client_closed_at", "When did the client reach CLOSED?", _closed_at,
                 hints=("2×MSL after the last ACK the client sent.",)),
    QuestionSpec("still_there_after", "How long after its ACK did the client have to answer?",
                 _still_there,
                 hints=("Subtract the time of the client's first ACK of the server's FIN from "
                        "the time the FIN came again.",)),
))
