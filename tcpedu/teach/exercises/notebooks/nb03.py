"""03 · Data transfer: the receiver's ACK, SEQ after a pure ACK, MSS cuts, delayed ACKs."""

from __future__ import annotations

from typing import Any

from ..core import Expected, LabSpec, QuestionSpec
from ..detectors import Mistake, counted_pure_ack, relative_absolute
from ..forms import Count, SeqNumber, Tuple

ISNS = {"client_isn": 1000, "server_isn": 5000}


def build(_variant: Any) -> dict[str, Any]:
    from ....sim import scenarios

    return {
        "trial": scenarios.run("request_response", request=120, response=0, delayed_ack=0.0,
                               until=1.0, **ISNS),
        "more": scenarios.run("request_response", more=50, **ISNS),
        "cut": scenarios.run("transfer", size=3000, mss=1460, delayed_ack=False, client_isn=0,
                             server_isn=0),
        "even": scenarios.run("transfer", size=4000, mss=1000, delayed_ack=True, client_isn=0,
                              server_isn=0),
    }


def _server_ack(facts: dict[str, Any]) -> Expected:
    trial = facts["trial"]
    request = next(s.segment for s in trial.segments("client") if s.segment.payload)
    right = trial.segments("server")[-1].segment.ack
    size = len(request.payload)
    return Expected(right, SeqNumber(), (
        Mistake(right - 1, f"The bytes are numbered {request.seq}..{right - 1}, so the next one "
                           f"expected is {right}."),
        Mistake(right + 1, "Only SYN and FIN add one; plain data adds exactly its length."),
        Mistake(request.seq, "That would mean nothing arrived. ACK = SEQ + payload size."),
        relative_absolute(right, ISNS["client_isn"]),
    ), why=f"{request.seq} + {size} = {right}: the next byte the server expects.",
           code="trial.segments('server')[-1].segment.ack")


def _next_client_seq(facts: dict[str, Any]) -> Expected:
    more = facts["more"]
    fifty = next(s.segment for s in more.segments("client") if len(s.segment.payload) == 50)
    return Expected(fifty.seq, SeqNumber(), (
        counted_pure_ack(fifty.seq + 1, "no +1 for the ACK in between"),
        Mistake(fifty.seq + 50, "That is where the segment *ends*; its SEQ is the number of its "
                                "first byte."),
        Mistake(fifty.ack, "That is the client's ACK number (the server's bytes), not its own "
                           "SEQ."),
        relative_absolute(fifty.seq, ISNS["client_isn"]),
    ), why=f"The pure ACK used seq={fifty.seq} and consumed nothing, so the new data starts at "
           f"{fifty.seq}.", code="the 50-byte segment's .seq")


def _segments_and_last(facts: dict[str, Any]) -> Expected:
    data = [s.segment for s in facts["cut"].segments("client") if s.segment.payload]
    size = sum(len(d.payload) for d in data)
    mss = max(len(d.payload) for d in data)
    right = (len(data), len(data[-1].payload))
    form = Tuple((Count(), Count()), names=("segments", "last size"))
    return Expected(right, form, (
        Mistake((len(data) - 1, mss), f"{len(data) - 1} × {mss} = {(len(data) - 1) * mss} bytes: "
                                      f"{right[1]} bytes are still left for another segment."),
        Mistake((len(data), mss), f"The last segment carries only what is left: {size} − "
                                  f"{len(data) - 1} × {mss}."),
        Mistake((1, size), f"A segment's payload may not exceed the MSS ({mss})."),
    ), why=" + ".join(str(len(d.payload)) for d in data) + f" = {size}.",
           code="[len(s.segment.payload) for s in cut.segments('client') if s.segment.payload]")


def _delayed_acks(facts: dict[str, Any]) -> Expected:
    even = facts["even"]
    data = [s for s in even.segments("client") if s.segment.payload]
    end = max(s.segment.seq + len(s.segment.payload) for s in data)
    acks = [s for s in even.segments("server") if not s.segment.payload
            and not s.segment.has("S") and not s.segment.has("F") and s.segment.ack <= end]
    return Expected(len(acks), Count(described="a number of ACKs"), (
        Mistake(len(data), "That is one ACK per segment: delayed ACK acknowledges every second "
                           "segment."),
        Mistake(1, "A receiver must acknowledge at least every second full-sized segment."),
    ), why=f"{len(data)} segments, one ACK per pair: "
           + " and ".join(f"ack={a.segment.ack}" for a in acks) + ".",
           code="pure ACKs from the server before the FIN")


SPEC = LabSpec("03-data-transfer-seq-ack", "Data transfer: SEQ and ACK", build, (
    QuestionSpec("server_ack", "Which ACK does the server send for 120 bytes at seq=1001?",
                 _server_ack, hints=("ACK = received SEQ + payload size.",)),
    QuestionSpec("next_client_seq", "Which SEQ do the client's next 50 bytes carry?",
                 _next_client_seq,
                 hints=("What SEQ did the last pure ACK carry, and how much did it consume?",)),
    QuestionSpec("segments_and_last", "How many data segments, and how big is the last one?",
                 _segments_and_last,
                 hints=("Divide 3000 by 1460; the remainder is the last segment.",)),
    QuestionSpec("delayed_ack_count", "How many pure ACKs for 4000 bytes with delayed ACKs?",
                 _delayed_acks, hints=("Four segments, acknowledged in pairs.",)),
))
