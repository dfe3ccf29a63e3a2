"""04 · Reliable delivery: the first RTO, duplicate ACKs and fast retransmit, reading SACK."""

from __future__ import annotations

from typing import Any

from ..core import Expected, LabSpec, QuestionSpec
from ..detectors import Mistake, acked_out_of_order, inclusive_edge
from ..forms import Seconds, SeqNumber, Tuple

#: The RTT sample and the minimum RTO of the first question.
SAMPLE, RTO_MIN = 0.1, 0.2


def build(_variant: Any) -> dict[str, Any]:
    from ....model.rto import RttEstimator
    from ....sim import scenarios

    fresh = RttEstimator(rto_min=RTO_MIN)
    fresh.sample(SAMPLE)
    return {"fresh": fresh, "initial_rto": RttEstimator().rto,
            "fast": scenarios.run("loss_fast_retransmit", client_isn=0, server_isn=0),
            "sacked": scenarios.run("loss_fast_retransmit", sack=True, client_isn=0,
                                    server_isn=0)}


def _first_rto(facts: dict[str, Any]) -> Expected:
    fresh = facts["fresh"]
    right = round(fresh.rto, 3)
    return Expected(right, Seconds(tolerance=0.001), (
        Mistake(SAMPLE, "The RTO adds a safety margin: 4 × RTTVAR."),
        Mistake(RTO_MIN, f"{RTO_MIN:g} s is only the floor; SRTT + 4·RTTVAR is larger here."),
        Mistake(round(SAMPLE * 1.5, 3), f"On the first sample RTTVAR = R/2 = {SAMPLE / 2:g}, and "
                                        "the margin is 4 × RTTVAR."),
    ), why=f"SRTT = {fresh.srtt:g}, RTTVAR = {fresh.rttvar:g}, RTO = {fresh.srtt:g} + 4 × "
           f"{fresh.rttvar:g} = {right:g} s.", code="RttEstimator(rto_min=0.2); .sample(0.1); .rto")


def _dup_acks(facts: dict[str, Any]) -> Expected:
    fast = facts["fast"]
    client = [s for s in fast.segments("client") if s.segment.payload]
    resent = next(s for s in client if s.note == "retransmission")
    lost = next(s for s in client if s.segment.seq == resent.segment.seq)
    dups = [s.segment.ack for s in fast.segments("server") if not s.segment.payload]
    after = next(s.segment for s in client if s.segment.seq > lost.segment.seq)
    right = (dups[1], round(resent.time, 3))
    form = Tuple((SeqNumber(), Seconds(tolerance=0.001)), names=("ack", "time"))
    return Expected(right, form, (
        Mistake((after.seq, right[1]), f"{after.seq} is the start of the data *after* the hole; "
                                       "the ACK names the first missing byte."),
        acked_out_of_order((after.seq + len(after.payload), right[1])),
        Mistake((right[0], round(lost.time + facts["initial_rto"], 3)),
                "That would be the timer. Here the third duplicate ACK arrives long before the "
                "RTO."),
    ), why=f"Every duplicate ACK says 'I still need byte {right[0]}'; the third arrives at "
           f"{right[1]:g} s and the sender resends at once.",
           code="(duplicate ACK number, time of the segment noted 'retransmission')")


def _hole(facts: dict[str, Any]) -> Expected:
    last = [s.segment for s in facts["sacked"].segments("server") if s.segment.options.sack][-1]
    left, right_edge = last.options.sack[0]
    right = (last.ack, left)
    form = Tuple((SeqNumber(), SeqNumber()), names=("first missing", "first after the hole"))
    return Expected(right, form, (
        Mistake((last.ack, right_edge), f"The block {left}-{right_edge} *arrived*; the hole is "
                                        "between the ACK and the block's left edge."),
        Mistake((left, right_edge), "That is the block the receiver holds, not the hole."),
        inclusive_edge((last.ack, left - 1)),
    ), why=f"Bytes {last.ack}..{left - 1} are missing: exactly one segment to resend.",
           code="(ack, sack[0][0]) of the last duplicate ACK")


SPEC = LabSpec("04-reliable-delivery", "Reliable delivery", build, (
    QuestionSpec("first_rto", "The RTO after a first RTT sample of 0.1 s?", _first_rto,
                 hints=("First sample: SRTT = R, RTTVAR = R/2, RTO = SRTT + 4·RTTVAR.",)),
    QuestionSpec("dup_ack_and_resend", "The duplicate ACKs' number, and when the client resends?",
                 _dup_acks, hints=("The ACK number is the first byte the receiver is missing.",
                                   "Fast retransmit waits for the third duplicate ACK.")),
    QuestionSpec("hole", "Which byte range is missing?", _hole,
                 hints=("The hole runs from the ACK number to the left edge of the first "
                        "block.",)),
))
