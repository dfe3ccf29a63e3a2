"""Lab 2: loss, duplicate ACKs and retransmission.

The variant draws the client's ISN, the MSS, how many segments the client sends and which data
segment the network loses (always early enough for three duplicate ACKs to come back, so the
sender recovers by fast retransmit). Every answer is read from the simulated Trace.
"""

from __future__ import annotations

from typing import Any

from ....model.segment import Flags
from ....model.seq import SEQ_SPACE, seq_ge
from ..core import Expected, LabSpec, Mistake, QuestionSpec
from ..forms import Count, SeqNumber
from ..variants import Variant
from ._common import data_from, delivery_times, draw_isn, dropped_ids, end_of, plural

LAB_ID = "02-loss"


def build(variant: Variant) -> dict[str, Any]:
    """A bulk transfer from client to server with one data segment lost on the way (the scenario
    ``burst``)."""
    from ....sim import scenarios

    rng = variant.rng()
    client_isn, server_isn = draw_isn(rng), draw_isn(rng)
    mss = rng.choice((500, 536, 1000, 1200))
    count = rng.randrange(7, 10)
    lost = rng.randrange(1, count - 3)  # >= 3 segments after it: three duplicate ACKs
    trace = scenarios.run("burst", segments=count, lose=lost, mss=mss, client_isn=client_isn,
                          server_isn=server_isn)
    return {"trace": trace, "mss": mss, "count": count, "lost_index": lost}


def _lost(facts: dict[str, Any]) -> Any:
    trace = facts["trace"]
    gone = dropped_ids(trace)
    return next(s for s in data_from(trace, "client") if s.id in gone)


def _client_isn(facts: dict[str, Any]) -> int:
    return next(s for s in facts["trace"].segments("client") if s.segment.has("S")).segment.seq


def _retransmission(facts: dict[str, Any]) -> Any:
    lost = _lost(facts)
    return next(s for s in data_from(facts["trace"], "client")
                if s.time > lost.time and s.segment.seq == lost.segment.seq)


def _acks_before_retransmission(facts: dict[str, Any]) -> list[Any]:
    """The server's ACKs for the lost segment's start that reached the client before the
    retransmission left (the first one is the original, the others duplicates)."""
    lost, again = _lost(facts), _retransmission(facts)
    arrived = delivery_times(facts["trace"])
    return [s for s in facts["trace"].segments("server")
            if s.segment.flags & Flags.ACK and s.segment.ack == lost.segment.seq
            and not s.segment.payload and arrived.get(s.id, again.time + 1) <= again.time]


def _lost_seq(facts: dict[str, Any]) -> Expected:
    lost = _lost(facts)
    seq, size = lost.segment.seq, len(lost.segment.payload)
    return Expected(seq, SeqNumber(base=_client_isn(facts)), (
        Mistake((seq + size) % SEQ_SPACE, "that is the segment after the lost one: it arrived "
                                          "(out of order)"),
        Mistake((seq - size) % SEQ_SPACE, "that segment arrived fine; look for the one marked "
                                          "lost"),
        Mistake(end_of(lost), "that is where the lost segment ends; give its first SEQ"),
    ), why=f"Segment with SEQ {seq} ({size} bytes) was dropped by the network.",
           code="next(s for s in data if trace.fate(s.id) == 'dropped').segment.seq")


def _dup_ack_number(facts: dict[str, Any]) -> Expected:
    lost = _lost(facts)
    seq, size = lost.segment.seq, len(lost.segment.payload)
    return Expected(seq, SeqNumber(base=_client_isn(facts)), (
        Mistake((seq + 2 * size) % SEQ_SPACE, "you acknowledged the segment that arrived out of "
                                              "order; TCP's ACK is cumulative"),
        Mistake((seq + size) % SEQ_SPACE, "the lost bytes never arrived, so the receiver cannot "
                                          "acknowledge past them: the ACK names the first "
                                          "missing byte"),
        Mistake((seq - 1) % SEQ_SPACE, "one too small: the ACK is the next byte expected, which "
                                       "is the lost segment's first byte", "off-by-one"),
    ), why=f"Every segment after the hole makes the receiver repeat ACK {seq}: the first byte it "
           f"is still missing (a cumulative ACK).",
           code="the ack field of the server's repeated ACKs")


def _dup_acks(facts: dict[str, Any]) -> Expected:
    acks = _acks_before_retransmission(facts)
    duplicates = len(acks) - 1
    return Expected(duplicates, Count(described="a number of duplicate ACKs"), (
        Mistake(duplicates + 1, "you counted the first ACK with that number too: it is the "
                                "original ACK, not a duplicate", "off-by-one"),
        Mistake(duplicates - 1, "count again: every ACK repeating the same number after the "
                                "first one is a duplicate"),
    ), why=f"{plural(duplicates, 'duplicate ACK')} reached the sender before it retransmitted "
           f"(the fast-retransmit threshold is 3).",
           code="len([a for a in server_acks if a.segment.ack == lost_seq]) - 1")


def _retransmitted(facts: dict[str, Any]) -> Expected:
    lost = _lost(facts)
    resent = [s for s in data_from(facts["trace"], "client") if s.note == "retransmission"]
    count = len(resent)
    later = sum(1 for s in data_from(facts["trace"], "client")
                if seq_ge(s.segment.seq, lost.segment.seq) and s.note != "retransmission")
    return Expected(count, Count(described="a number of segments"), (
        Mistake(later, "that is Go-Back-N: TCP resends only the missing segment, because the "
                       "receiver kept the later ones in its buffer"),
        Mistake(0, "the lost segment has to be sent again, once"),
    ), why=f"The sender retransmitted {plural(count, 'segment')}: only the lost one.",
           code="sum(1 for s in data if s.note == 'retransmission')")


def _ack_after(facts: dict[str, Any]) -> Expected:
    again = _retransmission(facts)
    arrived = delivery_times(facts["trace"])
    landed = arrived[again.id]
    answer = next(s for s in facts["trace"].segments("server")
                  if s.time >= landed and s.segment.flags & Flags.ACK)
    right = answer.segment.ack
    return Expected(right, SeqNumber(base=_client_isn(facts)), (
        Mistake(end_of(again), "the receiver had also buffered the segments after the hole, so "
                               "its cumulative ACK jumps past all of them"),
        Mistake(again.segment.seq, "the retransmission filled the hole: the ACK moves on"),
    ), why=f"Once the hole is filled the receiver acknowledges everything it holds: {right}.",
           code="the first server ACK after the retransmission arrived")


def given(facts: dict[str, Any]) -> str:
    """The variant's starting numbers: ISN, MSS, segments sent, which one the network loses."""
    return (f"client ISN: {_client_isn(facts)}\nMSS: {facts['mss']} bytes; the client sends "
            f"{facts['count']} full segments at once\nthe network loses data segment number "
            f"{facts['lost_index']} (counting from 1)")

SPEC = LabSpec(LAB_ID, "Loss, duplicate ACKs and retransmission", build, (
    QuestionSpec("lost_seq", "What is the SEQ of the data segment the network lost?", _lost_seq,
                 hints=("lab.table() marks the lost segment.",)),
    QuestionSpec("dup_ack_number", "Which ACK number do the server's duplicate ACKs carry?",
                 _dup_ack_number,
                 hints=("The receiver acknowledges the first byte it has not received yet.",
                        "Segments that arrive after a hole do not move a cumulative ACK.")),
    QuestionSpec("dup_acks", "How many duplicate ACKs reach the client before it retransmits?",
                 _dup_acks,
                 hints=("The first ACK with a given number is not a duplicate.",
                        "RFC 5681 fast retransmit waits for 3 duplicates.")),
    QuestionSpec("retransmitted", "How many data segments does the client retransmit?",
                 _retransmitted,
                 hints=("Look at the note column: 'retransmission'.",
                        "Would TCP resend segments the receiver already holds?")),
    QuestionSpec("ack_after_retransmit", "What ACK number does the server send when the "
                 "retransmission arrives?", _ack_after,
                 hints=("What did the receiver buffer while the hole was open?",)),
), given=given)
