"""Lab 5: analysing a real capture with tcpedu and explaining what went wrong in it.

The capture (shipped in ``tcpedu/exercises/data/``) is a real Linux bulk transfer between two
network namespaces whose receiver dropped 10 % of the packets it got. tcpedu's analysis gives the
Trace (Wireshark-compatible relative numbers and expert tags); every answer is read from it. The
variant picks which retransmission and which duplicate ACK the learner must find.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from ....model.seq import SEQ_SPACE
from ....model.states import State
from ..core import Expected, LabSpec, Mistake, QuestionSpec
from ..forms import Choice, Count, SeqNumber, StateName
from ..variants import Variant

LAB_ID = "05-capture"
CAPTURE = Path(__file__).resolve().parent.parent / "data" / "lab05-bulk-transfer.pcap"

#: What a capture's expert tags say went wrong, checked in this order (first match wins).
DIAGNOSES: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("reset", ("rst",)),
    ("zero window", ("zero-window",)),
    ("loss", ("retransmission", "fast-retransmission", "lost-segment")),
    ("reordering", ("out-of-order",)),
    ("nothing", ()),
)


def build(variant: Variant) -> dict[str, Any]:
    """Analyse the shipped capture; draw the retransmission and duplicate ACK to ask about."""
    from ....reading.analysis import analyze

    trace = analyze(str(CAPTURE))
    rng = variant.rng()
    retransmissions = [s for s in trace.segments() if "retransmission" in s.tags]
    dup_acks = [s for s in trace.segments() if "dup-ack" in s.tags]
    return {"trace": trace, "capture": str(CAPTURE),
            "retransmission_number": rng.randrange(1, len(retransmissions) + 1),
            "dup_ack_number": rng.randrange(1, len(dup_acks) + 1)}


def _tagged(facts: dict[str, Any], tag: str) -> list[Any]:
    return [s for s in facts["trace"].segments() if tag in s.tags]


def _data_sender(facts: dict[str, Any]) -> Expected:
    sent = {node: sum(len(s.segment.payload) for s in facts["trace"].segments(node))
            for node in ("client", "server")}
    right = max(sent, key=sent.__getitem__)
    other = "server" if right == "client" else "client"
    return Expected(right, Choice(("client", "server")), (
        Mistake(other, f"count the payload bytes: the {other} sent only {sent[other]} bytes"),
    ), why=f"The {right} sent {sent[right]} payload bytes; the {other} {sent[other]}.",
           code="sum(len(s.segment.payload) for s in lab.trace.segments('client'))")


def _retransmissions(facts: dict[str, Any]) -> Expected:
    right = len(_tagged(facts, "retransmission"))
    fast = len(_tagged(facts, "fast-retransmission"))
    ooo = len(_tagged(facts, "out-of-order"))
    return Expected(right, Count(described="a number of segments"), (
        Mistake(right + fast, "a fast retransmission is tagged 'retransmission' as well: do not "
                              "count it twice"),
        Mistake(fast, "that counts only the fast retransmission(s)"),
        Mistake(ooo, "'out-of-order' is a different tag: those segments came in below the "
                     "highest SEQ seen but were not judged resends"),
    ), why=f"{right} segments carry the 'retransmission' tag ({fast} of them fast "
           f"retransmissions), as in Wireshark's expert info.",
           code="sum('retransmission' in s.tags for s in lab.trace.segments())")


def _kth_retransmission(facts: dict[str, Any]) -> Expected:
    k = facts["retransmission_number"]
    sent = _tagged(facts, "retransmission")[k - 1]
    base = facts["trace"].meta["base_seq"][sent.src]
    right = (sent.segment.seq + base) % SEQ_SPACE
    return Expected(right, SeqNumber(base=base), (
        Mistake(sent.frame, "that is the frame number; give the segment's SEQ"),
        Mistake((right + len(sent.segment.payload)) % SEQ_SPACE,
                "that is where the segment ends; give its first SEQ"),
    ), why=f"Retransmission #{k} is frame {sent.frame}: relative SEQ {sent.segment.seq} "
           f"(absolute {right}).",
           code=f"[s for s in lab.trace.segments() if 'retransmission' in s.tags][{k - 1}]"
                ".segment.seq")


def _kth_dup_ack(facts: dict[str, Any]) -> Expected:
    k = facts["dup_ack_number"]
    sent = _tagged(facts, "dup-ack")[k - 1]
    return Expected(sent.frame, Count(described="a frame number"), (
        Mistake(k, f"{k} is which duplicate ACK to find; give the frame number it has in the "
                   f"capture"),
    ), why=f"Duplicate ACK #{k} is frame {sent.frame} (it repeats ACK {sent.segment.ack}).",
           code=f"[s for s in lab.trace.segments() if 'dup-ack' in s.tags][{k - 1}].frame")


def _diagnosis(facts: dict[str, Any]) -> Expected:
    trace = facts["trace"]
    seen = set(trace.meta.get("tags", {}))
    if any(s.segment.has("R") for s in trace.segments()):
        seen.add("rst")
    right = next(name for name, tags in DIAGNOSES if not tags or seen & set(tags))
    options = tuple(name for name, _ in DIAGNOSES)
    return Expected(right, Choice(options, aliases=(("packet loss", "loss"),
                                                    ("lost packets", "loss"))), (
        Mistake("reordering", "the out-of-order segments are the resent data filling holes, and "
                              "the sender had to retransmit: data was lost on the way"),
        Mistake("nothing", "look at the expert tags: retransmissions and duplicate ACKs mean "
                           "something went wrong"),
        Mistake("zero window", "no segment advertises a zero window here"),
    ), why=f"Tags seen: {', '.join(sorted(seen))}. Retransmissions and duplicate ACKs: the network "
           f"lost segments ({right}).", code="lab.trace.meta['tags']")


def _client_final(facts: dict[str, Any]) -> Expected:
    right = facts["trace"].final_state("client")
    return Expected(right, StateName(), (
        Mistake(State.CLOSED, "the capture ends right after the last ACK; the side that closed "
                              "first is still waiting 2 × MSL"),
        Mistake(State.CLOSE_WAIT, "CLOSE-WAIT is the side that received the first FIN"),
        Mistake(State.FIN_WAIT_2, "the client got the server's FIN too, and acknowledged it"),
    ), why=f"The client sent the first FIN and acknowledged the server's: it is in {right.value}.",
           code="lab.trace.final_state('client')")


def given(facts: dict[str, Any]) -> str:
    """The capture and the numbers this variant asks about."""
    return (f"capture: {Path(facts['capture']).name} (a real Linux bulk transfer)\n"
            f"find retransmission number {facts['retransmission_number']} and duplicate ACK "
            f"number {facts['dup_ack_number']} (counting from 1)")

SPEC = LabSpec(LAB_ID, "Reading a real capture: what went wrong?", build, (
    QuestionSpec("data_sender", "Which side ('client' or 'server') sent the bulk of the data?",
                 _data_sender, hints=("Add up the payload lengths of each side.",)),
    QuestionSpec("retransmissions", "How many segments does the analysis tag as "
                 "retransmissions?", _retransmissions,
                 hints=("Each SegmentSent has `tags`; look for 'retransmission'.",)),
    QuestionSpec("retransmission_seq", "What is the SEQ of the retransmission whose number "
                 "lab.given() printed (counting from 1)?", _kth_retransmission,
                 hints=("Relative (as Wireshark shows) or absolute numbers are both fine.",)),
    QuestionSpec("dup_ack_frame", "What is the frame number of the duplicate ACK whose number "
                 "lab.given() printed (counting from 1)?", _kth_dup_ack,
                 hints=("SegmentSent.frame is the capture's frame number.",)),
    QuestionSpec("diagnosis", "What went wrong in this transfer? One of 'reset', 'zero window', "
                 "'loss', 'reordering', 'nothing'.", _diagnosis,
                 hints=("lab.trace.meta['tags'] counts every expert tag.",)),
    QuestionSpec("client_final_state", "In which state is the client at the end of the capture?",
                 _client_final, hints=("Who sent the first FIN?",)),
), given=given)
