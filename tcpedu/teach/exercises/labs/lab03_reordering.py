"""Lab 3: reordering and reassembly, TCP's receiver against Go-Back-N's.

The variant draws the ISN, MSS, how many segments are sent, and which one is held back by the
network so that the later ones overtake it. The same transfer runs twice: with TCP's receiver
(which buffers out-of-order data) and with a Go-Back-N receiver (which throws it away). Every answer
is read from the two Traces.
"""

from __future__ import annotations

from typing import Any

from ....model.segment import Flags
from ....model.seq import SEQ_SPACE, seq_gt
from ....trace import Snapshot
from ..core import Expected, LabSpec, Mistake, QuestionSpec
from ..forms import Count, SeqNumber
from ..variants import Variant
from ._common import data_from, delivery_times, draw_isn, end_of, plural

LAB_ID = "03-reordering"


def build(variant: Variant) -> dict[str, Any]:
    """The same transfer through a reordering network, to a TCP and to a Go-Back-N receiver."""
    rng = variant.rng()
    params = {
        "client_isn": draw_isn(rng), "server_isn": draw_isn(rng),
        "mss": rng.choice((400, 500, 800, 1000)), "count": rng.randrange(4, 7),
    }
    # hold back one of the last segments: one or two overtake it (fewer than 3 duplicate ACKs)
    params["late"] = params["count"] - rng.choice((1, 2))
    tcp = _run(params, "tcp")
    gbn = _run(params, "gbn")
    return {"trace": tcp, "gbn": gbn, **params}


def _run(params: dict[str, Any], receiver: str) -> Any:
    """The variant's transfer (the scenario ``burst``) with one segment held back."""
    from ....sim import scenarios

    return scenarios.run("burst", segments=params["count"], hold=params["late"], extra=0.05,
                         receiver=receiver, close_at=5.0, mss=params["mss"],
                         client_isn=params["client_isn"], server_isn=params["server_isn"])


def _client_isn(facts: dict[str, Any]) -> int:
    return facts["client_isn"]


def _late(trace: Any, late_index: int) -> Any:
    """The held-back segment (the ``late_index``-th data segment the client sent)."""
    return data_from(trace, "client")[late_index - 1]


def _first_overtaker(trace: Any, late: Any) -> Any:
    """The first data segment that arrived before the held-back one though sent after it."""
    arrived = delivery_times(trace)
    later = [s for s in data_from(trace, "client")
             if seq_gt(s.segment.seq, late.segment.seq)
             and arrived.get(s.id, float("inf")) < arrived[late.id]]
    return min(later, key=lambda s: arrived[s.id])


def _ack_answering(trace: Any, segment: Any) -> Any:
    """The receiver's first ACK sent once ``segment`` had arrived."""
    landed = delivery_times(trace)[segment.id]
    return next(s for s in trace.segments("server")
                if s.time >= landed and s.segment.flags & Flags.ACK)


def _ack_for_ooo(facts: dict[str, Any]) -> Expected:
    trace = facts["trace"]
    late = _late(trace, facts["late"])
    early = _first_overtaker(trace, late)
    right = _ack_answering(trace, early).segment.ack
    return Expected(right, SeqNumber(base=_client_isn(facts)), (
        Mistake(end_of(early), "you acknowledged the segment that arrived out of order; TCP's "
                               "ACK is cumulative", "out-of-order"),
        Mistake(end_of(late), "the late segment has not arrived yet, so it cannot be "
                              "acknowledged"),
        Mistake(early.segment.seq, "that is where the early segment starts; the ACK names the "
                                   "first byte still missing"),
    ), why=f"The receiver still misses the bytes from {late.segment.seq} on, so it repeats ACK "
           f"{right} (the hole's start), even though later bytes arrived.",
           code="the server's ACK sent when the first overtaking segment arrived")


def _buffered(facts: dict[str, Any]) -> Expected:
    trace = facts["trace"]
    late = _late(trace, facts["late"])
    landed = delivery_times(trace)[late.id]
    held = [sum(e - s for s, e in snap.ooo) % SEQ_SPACE for snap in trace.snapshots("server")
            if snap.time < landed and isinstance(snap, Snapshot)]
    right = max(held, default=0)
    size = len(late.segment.payload)
    return Expected(right, Count(described="a number of bytes"), (
        Mistake(0, "TCP's receiver does not throw early segments away (Go-Back-N does): it keeps "
                   "them in its out-of-order queue until the hole is filled"),
        Mistake(right + size, "the late segment is not in the buffer: it is the hole"),
    ), why=f"Just before the late segment arrives, the TCP receiver holds {right} bytes out of "
           f"order (the segments that overtook it).",
           code="max(sum(e - s for s, e in snap.ooo) for snap in lab.trace.snapshots('server'))")


def _ack_after_gap(facts: dict[str, Any]) -> Expected:
    trace = facts["trace"]
    late = _late(trace, facts["late"])
    right = _ack_answering(trace, late).segment.ack
    return Expected(right, SeqNumber(base=_client_isn(facts)), (
        Mistake(end_of(late), "the buffered segments are delivered too, so the cumulative ACK "
                              "jumps past them all"),
        Mistake(late.segment.seq, "the hole is filled now: the ACK moves on"),
    ), why=f"The late segment fills the hole; with the buffered data behind it the receiver now "
           f"acknowledges {right}.", code="the server's ACK sent when the late segment arrived")


def _retransmissions(trace: Any) -> int:
    return sum(1 for s in data_from(trace, "client") if s.note == "retransmission")


def _tcp_retransmissions(facts: dict[str, Any]) -> Expected:
    right = _retransmissions(facts["trace"])
    overtakers = facts["count"] - facts["late"]
    return Expected(right, Count(described="a number of segments"), (
        Mistake(right + 1, "the segment was late, not lost: fewer than three duplicate ACKs came "
                           "back, and the timer did not expire, so nothing is resent"),
        Mistake(right + overtakers + 1, "that is what Go-Back-N costs; TCP kept the early "
                                        "segments"),
    ), why=f"With the TCP receiver the sender retransmitted {plural(right, 'segment')}.",
           code="sum(1 for s in client_data if s.note == 'retransmission')")


def _gbn_retransmissions(facts: dict[str, Any]) -> Expected:
    right = _retransmissions(facts["gbn"])
    return Expected(right, Count(described="a number of segments"), (
        Mistake(0, "the Go-Back-N receiver threw away the segments that overtook the late one, "
                   "so they must be sent again"),
    ), why=f"With the Go-Back-N receiver the sender retransmitted {plural(right, 'segment')}: "
           f"everything the receiver discarded.",
           code="sum(1 for s in lab.facts['gbn'].segments('client') "
                "if s.note == 'retransmission')")


def given(facts: dict[str, Any]) -> str:
    """The variant's starting numbers: ISN, MSS, segments sent, which one arrives late."""
    overtakers = facts["count"] - facts["late"]
    return (f"client ISN: {facts['client_isn']}\nMSS: {facts['mss']} bytes; the client sends "
            f"{facts['count']} full segments\ndata segment number {facts['late']} (counting "
            f"from 1) is held up in the network: {plural(overtakers, 'later segment')} "
            f"overtake{'s' if overtakers == 1 else ''} it")

SPEC = LabSpec(LAB_ID, "Reordering and reassembly: TCP against Go-Back-N", build, (
    QuestionSpec("ack_for_out_of_order", "Which ACK number does the TCP receiver send when the "
                 "first segment that overtook the late one arrives?", _ack_for_ooo,
                 hints=("TCP's ACK is cumulative: it names the first byte not yet received.",)),
    QuestionSpec("buffered_bytes", "How many bytes does the TCP receiver hold out of order just "
                 "before the late segment arrives?", _buffered,
                 hints=("Snapshots of the server list the out-of-order ranges in `ooo`.",
                        "Add up the lengths of the segments that overtook the late one.")),
    QuestionSpec("ack_after_gap", "Which ACK number does the TCP receiver send when the late "
                 "segment finally arrives?", _ack_after_gap,
                 hints=("What was waiting in the buffer behind the hole?",)),
    QuestionSpec("tcp_retransmissions", "How many data segments does the sender retransmit with "
                 "the TCP receiver?", _tcp_retransmissions,
                 hints=("Fast retransmit needs three duplicate ACKs.",)),
    QuestionSpec("gbn_retransmissions", "How many data segments does the sender retransmit with "
                 "the Go-Back-N receiver?", _gbn_retransmissions,
                 hints=("lab.facts['gbn'] is the Go-Back-N trace: print lab.table('gbn').",)),
), given=given)
