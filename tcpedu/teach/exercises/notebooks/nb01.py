"""01 · Segment anatomy: ports from bytes, what a FIN consumes, the checksum, header length."""

from __future__ import annotations

from typing import Any

from ..core import Expected, LabSpec, QuestionSpec
from ..detectors import Mistake, forgot_syn_fin
from ..forms import Choice, Count, SeqNumber

#: The bytes the learner decodes (the prompt shows the first four: ``d4 31 00 16``).
MYSTERY = "d431 0016 00000001 00000000 5002 ffff 0000 0000"
#: What the checksum question offers.
PARTS = ("source port", "destination IP", "payload", "MAC address")
IPS = ("10.0.0.1", "10.0.0.2")


def build(_variant: Any) -> dict[str, Any]:
    from ....model.segment import Options, Segment

    return {
        "mystery": Segment.from_bytes(bytes.fromhex(MYSTERY)),
        "last": Segment(80, 50000, seq=5000, ack=1101, flags="FA", payload=bytes(100)),
        "small_syn": Segment(50000, 80, seq=1, flags="S", options=Options(mss=1460, wscale=7)),
        "sample": Segment(50000, 80, seq=1, ack=1, flags="PA", payload=b"hello"),
    }


def _destination_port(facts: dict[str, Any]) -> Expected:
    seg = facts["mystery"]
    misread = int(f"{seg.dst_port:x}")  # the hex digits read as if they were decimal
    return Expected(seg.dst_port, Count(described="a port number"), (
        Mistake(seg.src_port, "Swapped pair: that is bytes 0–1, the source port. The "
                              "destination is bytes 2–3.", "swapped"),
        Mistake(misread, f"0x{seg.dst_port:x} is hexadecimal: convert it to decimal."),
    ), why="Port 22 is SSH." if seg.dst_port == 22 else "", code="mystery.dst_port")


def _next_seq(facts: dict[str, Any]) -> Expected:
    seg = facts["last"]
    right = seg.seq + seg.seg_len
    return Expected(right, SeqNumber(), (
        forgot_syn_fin(right, "FIN"),
        Mistake(seg.seq + 1, "Payload bytes each take one sequence number too, not only the "
                             "FIN."),
        Mistake(seg.seq, "That is this segment's own number; the next one comes after its bytes "
                         "and its FIN."),
    ), why=f"{len(seg.payload)} payload bytes + 1 for the FIN.", code="last.seq + last.seg_len")


def covered_by_checksum(sample: Any) -> dict[str, bool]:
    """Whether changing each part changes the TCP checksum (computed on the model's bytes)."""
    def checksum(seg: Any, src: str = IPS[0], dst: str = IPS[1]) -> bytes:
        return seg.to_bytes(src, dst)[16:18]

    before = checksum(sample)
    changed = {
        "source port": checksum(sample.replace(src_port=sample.src_port + 1)),
        "destination IP": checksum(sample, dst="10.0.0.3"),
        "payload": checksum(sample.replace(payload=sample.payload[::-1] + b"!")),
        # The MAC address lives in the Ethernet frame: nothing TCP computes ever sees it.
        "MAC address": checksum(sample),
    }
    return {part: value != before for part, value in changed.items()}


def _not_covered(facts: dict[str, Any]) -> Expected:
    covered = covered_by_checksum(facts["sample"])
    (right,) = [part for part in PARTS if not covered[part]]
    return Expected(right, Choice(PARTS), (
        Mistake("destination IP", "It is covered, through the pseudo-header: that is why the "
                                  "'wrong host' sum above is not 0."),
        Mistake("payload", "The payload is covered: the sum runs over the whole segment."),
        Mistake("source port", "The ports are part of the TCP header, which is covered."),
    ), why="The MAC address belongs to the link layer, below IP; each hop rewrites it.",
           code="covered_by_checksum(sample)")


def _header_bytes(facts: dict[str, Any]) -> Expected:
    syn = facts["small_syn"]
    right = len(syn.to_bytes(*IPS)) - len(syn.payload)
    options = len(syn.options.to_bytes())
    return Expected(right, Count(described="a number of bytes"), (
        Mistake(right - 1, "Don't forget the NOP in front of window scale."),
        Mistake(right - options, "That is the header without options."),
        Mistake(options, "That is the options alone; the fixed header adds 20 bytes."),
    ), why=f"20 fixed + 4 MSS + 1 NOP + 3 window scale = {right}, already a multiple of 4.",
           code="len(small_syn.to_bytes(src_ip, dst_ip))")


SPEC = LabSpec("01-segment-anatomy", "Segment anatomy", build, (
    QuestionSpec("destination_port", "Which port is the segment going to?", _destination_port,
                 hints=("Bytes 2–3, big-endian.", "0x0016 in decimal.")),
    QuestionSpec("next_seq", "Which sequence number will this side use next?", _next_seq,
                 hints=("Count payload bytes, then add one for FIN.",)),
    QuestionSpec("not_covered", "Which part does the TCP checksum not cover?", _not_covered,
                 hints=("Which one is not TCP and not in the pseudo-header?",)),
    QuestionSpec("header_bytes", "How many bytes long is this SYN's TCP header?", _header_bytes,
                 hints=("20 + the options, padded to a multiple of 4.",)),
))
