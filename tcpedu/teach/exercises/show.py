"""A plain-text table of a Trace's segments, the numbers a lab asks about (absolute by default)."""

from __future__ import annotations

from ...model.seq import relative
from ...reading.segments import read_segments
from ...trace import SegmentDelivered, SegmentDropped, Trace


def segment_table(trace: Trace, relative_to_isn: bool = False,
                  until: float | None = None) -> str:
    """One line per segment on the wire: number, time, direction, flags, SEQ, ACK, length, fate.

    With ``relative_to_isn`` the numbers count from each side's ISN, as Wireshark shows them;
    with ``until``, only segments sent before that time are listed.
    """
    fates = {r.id: "lost ✗" for r in trace.of_type(SegmentDropped)}
    fates.update({r.id: "" for r in trace.of_type(SegmentDelivered) if r.id not in fates})
    segments = [s for s in trace.segments() if until is None or s.time < until]
    marks = {i: r.marks for i, r in read_segments(trace).items()}  # the one reading's marks
    isn: dict[str, int] = {}
    for sent in segments:
        if sent.segment.has("S"):
            isn.setdefault(sent.src, sent.segment.seq)
    lines = [f"{'#':>3} {'time':>7}  {'from → to':<17} {'flags':<6} {'seq':>10} {'ack':>10} "
             f"{'len':>5}  note"]
    for number, sent in enumerate(segments, 1):
        seg = sent.segment
        seq, ack = seg.seq, seg.ack
        if relative_to_isn:
            peer = sent.dst
            seq = relative(seq, isn.get(sent.src, seq))
            ack = relative(ack, isn.get(peer, ack)) if seg.has("A") else 0
        shown = sorted(marks[sent.id])
        notes = " ".join(x for x in (fates.get(sent.id, ""), *shown,
                                     "" if sent.note in shown else sent.note) if x)
        lines.append(f"{number:>3} {sent.time:7.3f}  {sent.src + ' → ' + sent.dst:<17} "
                     f"{seg.flags.letters or '.':<6} {seq:>10} "
                     f"{(str(ack) if seg.has('A') else '-'):>10} {len(seg.payload):>5}  {notes}")
    return "\n".join(lines)

