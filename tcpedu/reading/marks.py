"""The marks views draw on a segment, read from Wireshark's tags and the sender's knowledge.

Two tables, no string matching: :data:`MARK_OF_TAG` (what an analysis tag shows as) and
:data:`MARK_OF_KNOWN` (what a simulated sender's own fact, :data:`tcpedu.trace.KNOWN`, shows as).
"""

from __future__ import annotations

__all__ = ["MARKS", "MARK_OF_KNOWN", "MARK_OF_TAG", "marks_of"]

#: The badges a view can draw on a segment, in drawing order.
MARKS: tuple[str, ...] = ("retransmission", "dup-ack", "out-of-order", "zero-window", "injected")

#: Wireshark tag -> the mark it shows as (tags not listed show no mark).
MARK_OF_TAG: dict[str, str] = {
    "retransmission": "retransmission",
    "fast-retransmission": "retransmission",
    "spurious-retransmission": "retransmission",
    "dup-ack": "dup-ack",
    "out-of-order": "out-of-order",
    "zero-window": "zero-window",
    "zero-window-probe": "zero-window",
}

#: What the sender knew (:data:`tcpedu.trace.KNOWN`) -> the mark it shows as.
MARK_OF_KNOWN: dict[str, str] = {
    "rto-retransmission": "retransmission",
    "fast-retransmission": "retransmission",
    "window-retransmission": "retransmission",
    "zero-window-probe": "zero-window",
    "injected": "injected",
}


def marks_of(analysis: tuple[str, ...], known: tuple[str, ...]) -> frozenset[str]:
    """The marks of a segment from Wireshark's tags and the sender's knowledge."""
    return frozenset([MARK_OF_TAG[t] for t in analysis if t in MARK_OF_TAG]
                     + [MARK_OF_KNOWN[k] for k in known if k in MARK_OF_KNOWN])
