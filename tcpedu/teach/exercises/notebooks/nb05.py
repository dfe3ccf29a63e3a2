"""05 · Ordering and reassembly: the ACK once a hole fills, Go-Back-N vs TCP, ACK and SACK, and
the ACK once a segment overtaken on a real wire arrives (reorder.pcap)."""

from __future__ import annotations

from typing import Any

from ..core import Expected, LabSpec, QuestionSpec
from ..detectors import Mistake, acked_out_of_order, inclusive_edge
from ..forms import Count, SeqNumber, Tuple

SEQ_SPACE = 2**32

#: The lost segment of the Go-Back-N comparison.
LOSE = 4


def build(_variant: Any) -> dict[str, Any]:
    from ....capture import live
    from ....model.receive_buffer import ReassemblyQueue
    from ....reading.analysis import analyze
    from ....sim import scenarios

    queue = ReassemblyQueue(1)
    queue.add(1, bytes(1000))
    queue.add(2001, bytes(3000))
    return {
        "tcp": scenarios.run("reorder", receiver="tcp", segments=3, client_isn=0, server_isn=0),
        "losing": {r: scenarios.run("upload_loss", receiver=r, lose=LOSE, client_isn=0,
                                    server_isn=0) for r in ("gbn", "tcp")},
        "queue": queue,
        "real": analyze(live.shipped_capture("reorder")),
    }


def _ack_after_hole(facts: dict[str, Any]) -> Expected:
    from ....trace import SegmentDelivered

    tcp = facts["tcp"]
    data = [s for s in tcp.segments("client") if s.segment.payload]
    arrived = {r.id: r.time for r in tcp.of_type(SegmentDelivered)}
    held = max(data, key=lambda s: arrived[s.id] - s.time)  # the segment the network held up
    filled = arrived[held.id]
    before = [s.segment.ack for s in tcp.segments("server") if s.time < filled][-1]
    right = next(s.segment.ack for s in tcp.segments("server") if s.time >= filled)
    only = held.segment.seq + len(held.segment.payload)
    return Expected(right, SeqNumber(), (
        Mistake(only, "That would acknowledge only the held-up segment. What arrived early was "
                      "already in the buffer, so the ACK covers it too."),
        Mistake(right - 1, "The FIN also arrived early and consumes one sequence number: add 1.",
                "syn-fin"),
        Mistake(before, "That was the ACK *before* the missing segment arrived."),
    ), why=f"Everything buffered behind the hole is now in order, the FIN included: {right}.",
           code="the server's first ACK after the held segment arrives")


def _resent(facts: dict[str, Any]) -> Expected:
    counts = {r: sum(s.note == "retransmission" for s in t.segments("client"))
              for r, t in facts["losing"].items()}
    right = (counts["gbn"], counts["tcp"])
    form = Tuple((Count(), Count()), names=("gbn", "tcp"))
    return Expected(right, form, (
        Mistake((counts["tcp"], counts["tcp"]), "Go-Back-N threw away the segments that arrived "
                                                "after the hole: they must be sent again."),
        Mistake((LOSE, counts["tcp"]), "Go-Back-N goes back to the lost segment, not to the "
                                       "start."),
        Mistake((counts["gbn"], counts["gbn"]), "TCP buffered the later segments; only the lost "
                                                "segment is resent."),
    ), why=f"Go-Back-N resends the lost segment and all after it ({counts['gbn']}); TCP resends "
           f"only the lost one ({counts['tcp']}).", code="count the 'retransmission' notes")


def _ack_and_block(facts: dict[str, Any]) -> Expected:
    queue = facts["queue"]
    ack, (left, right_edge) = queue.rcv_nxt, queue.sack_blocks()[0]
    right = (ack, (left, right_edge))
    block = Tuple((SeqNumber(), SeqNumber()), names=("left", "right"))
    form = Tuple((SeqNumber(), block), names=("ack", "block"))
    return Expected(right, form, (
        Mistake((right_edge, (ack, left)), "The ACK can't jump past the hole, and SACK lists "
                                           "what *arrived*, not what is missing."),
        Mistake((ack, (ack, left)), f"The ACK is right; the SACK block names bytes that arrived: "
                                    f"{left} up to {right_edge}."),
        acked_out_of_order((right_edge, (left, right_edge))),
        inclusive_edge((ack, (left, right_edge - 1))),
    ), why=f"The cumulative ACK stops at the hole ({ack}); SACK names the block beyond it "
           f"({left}–{right_edge}).", code="(queue.rcv_nxt, queue.sack_blocks()[0])")


def _ack_after_overtaken(facts: dict[str, Any]) -> Expected:
    real = facts["real"]
    late = next(s for s in real.segments("server") if "out-of-order" in s.tags)
    # ACKs are cumulative: the answer to the filled hole is the first one past its start (the
    # client's kernel answers a burst of arrivals together, so times do not tell which is which)
    acks = [s.segment.ack for s in real.segments("client") if s.segment.has("A")]
    right = next(ack for ack in acks if ack > late.segment.seq)
    before = late.segment.seq  # the ACK repeated while the hole was open
    only = late.segment.seq + len(late.segment.payload)
    response_end = max(s.segment.seq + len(s.segment.payload) for s in real.segments("server"))
    base = real.meta["base_seq"]["server"]
    return Expected((right + base) % SEQ_SPACE, SeqNumber(base=base), (
        Mistake(before, "That is the ACK the client repeated while the hole was open (with a "
                        "SACK block for the segment that overtook). Once the hole is filled, "
                        "the ACK moves on."),
        Mistake(only, "That would acknowledge only the overtaken segment. The segment that "
                      "overtook it was already waiting in the receive buffer, so the ACK "
                      "covers it too."),
        Mistake(response_end, "That is the end of the whole response, but the last segments "
                              "had not arrived yet: the ACK covers only what is in order now."),
    ), why=f"The overtaken segment fills the hole; the buffered segment behind it joins the "
           f"stream, and the cumulative ACK jumps to {right} (relative).",
           code="the first client ACK after the out-of-order segment")


SPEC = LabSpec("05-ordering-and-reassembly", "Ordering and reassembly", build, (
    QuestionSpec("ack_after_segment_2", "The ACK when segment 2 finally arrives?", _ack_after_hole,
                 hints=("Once the hole is filled, the ACK covers everything buffered behind "
                        "it.",)),
    QuestionSpec("resent_counts", "Segments resent by Go-Back-N and by TCP?", _resent,
                 hints=("Which segments did each receiver keep?",)),
    QuestionSpec("ack_and_block", "The cumulative ACK and the SACK block?", _ack_and_block,
                 hints=("Two parts: the ACK stops at the first missing byte; the SACK block "
                        "names bytes that *arrived* beyond it.",
                        "The block's left edge is the first byte after the hole; its right edge "
                        "is exclusive: the first byte not received.")),
    QuestionSpec("ack_after_overtaken", "The client's ACK once the overtaken segment arrives?",
                 _ack_after_overtaken,
                 hints=("Which bytes are in order once the overtaken segment is in? The segment "
                        "that overtook it is still in the receive buffer.",)),
))
