"""What each segment of a Trace means: the ONE reading every view and the JSON Lines share.

:func:`read_segments` walks a :class:`~tcpedu.trace.Trace`'s segments in wire order through the
capture analysis (:class:`tcpedu.reading.analysis.Analyzer`: Wireshark's streams, relative
numbers, expert tags and inferred states) and returns a :class:`SegmentReading` per segment.

Two kinds of fact sit side by side, so the course can show where they differ:

* ``analysis``: what Wireshark's heuristics *infer* from the wire (``"retransmission"``,
  ``"dup-ack"``, ``"zero-window"``...), for simulated and captured traces alike;
* ``known``: what the simulated sender *knows* it did (:data:`KNOWN`: resent by its retransmission
  timer, a fast retransmission, a zero-window probe, a segment injected by an attacker...),
  recorded by the simulator in :attr:`SegmentSent.known`; empty for captures.

``marks`` are the few badges the views draw (:data:`MARKS`), read from both through two tables
(:data:`MARK_OF_TAG`, :data:`MARK_OF_KNOWN`). The ladder, the terminal ladder, the player, the
narration, the exercises' tables and the JSON Lines all take them from here; none infers.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from ..capture.export import wire_packets
from ..errors import ParameterError
from ..model.segment import Flags
from ..trace import KNOWN, Trace
from .analysis import Analyzer, tag_names
from .marks import MARK_OF_KNOWN, MARK_OF_TAG, MARKS, marks_of

__all__ = ["KNOWN", "MARKS", "MARK_OF_KNOWN", "MARK_OF_TAG", "SegmentReading", "read_segments",
           "wire_packets"]

_LETTERS = tuple(Flags(i).letters for i in range(256))


@dataclass(frozen=True, slots=True)
class SegmentReading:
    """One segment as read: the JSON Lines fields plus its marks.

    ``frame`` is the capture's frame number (for a simulated trace, the segment's position on the
    wire, from 1); ``seq``/``ack`` are Wireshark's relative numbers; ``state`` each side's
    inferred state after the segment (``{"client": ..., "server": ...}``).
    """

    id: int
    frame: int
    stream: int
    src: str
    dst: str
    flags: str
    seq: int
    ack: int
    len: int
    analysis: tuple[str, ...]
    known: tuple[str, ...]
    marks: frozenset[str]
    state: tuple[tuple[str, str], ...]

    @property
    def inferred_marks(self) -> frozenset[str]:
        """The marks Wireshark's tags alone give (what a capture of this segment would show)."""
        return marks_of(self.analysis, ())

    @property
    def known_marks(self) -> frozenset[str]:
        """The marks the sender's own knowledge alone gives (empty for a capture)."""
        return marks_of((), self.known)

    def json(self) -> dict[str, Any]:
        """The JSON Lines object (keys in the schema's order; ``known``/``marks`` added last)."""
        return {"frame": self.frame, "stream": self.stream, "src": self.src, "dst": self.dst,
                "flags": self.flags, "seq": self.seq, "ack": self.ack, "len": self.len,
                "analysis": list(self.analysis), "state": dict(self.state),
                "known": list(self.known), "marks": sorted(self.marks)}


def read_segments(trace: Trace) -> dict[int, SegmentReading]:
    """Every segment of ``trace`` read once, by :attr:`SegmentSent.id`, in wire order."""
    if not isinstance(trace, Trace):
        raise ParameterError(f"expected a tcpedu Trace, got {type(trace).__name__}")
    analyzer = Analyzer()
    stream0 = trace.meta.get("stream", 0) if "capture" in trace.meta else 0
    out: dict[int, SegmentReading] = {}
    for position, (record, time, src_ip, dst_ip, seg) in enumerate(wire_packets(trace), 1):
        flags = int(seg.flags)
        seglen = len(seg.payload)
        conv, direction, rel_seq, rel_ack, tags = analyzer.feed(
            (src_ip, seg.src_port, dst_ip, seg.dst_port), src_ip, seg.src_port, dst_ip,
            seg.dst_port, time, seg.seq, seg.ack, flags, seg.window, seglen,
            seg.options.wscale if flags & 0x02 else None)
        analysis = tag_names(tags)
        known = record.known
        fwd, rev = conv.flows[direction], conv.flows[1 - direction]
        out[record.id] = SegmentReading(
            record.id, record.frame if record.frame is not None else position,
            stream0 + conv.stream, fwd.address, rev.address, _LETTERS[flags & 0xFF], rel_seq,
            rel_ack, seglen, analysis, known, marks_of(analysis, known),
            (("client", conv.client_flow.state.value), ("server", conv.server_flow.state.value)))
    return out
