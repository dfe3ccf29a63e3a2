"""A Trace "captured on the wire": its segments as a pcap (every segment put on the wire at its send
time, dropped ones included, as a capture at the sender would see them, so tshark marks the
resends as retransmissions)."""

from __future__ import annotations

import os
from collections.abc import Iterator
from typing import IO

from ..errors import ParameterError
from ..model.segment import Flags, Segment
from ..trace import SegmentSent, Trace

__all__ = ["trace_to_pcap", "wire_packets"]


def wire_packets(trace: Trace) -> Iterator[tuple[SegmentSent, float, str, str, Segment]]:
    """``(record, time, src_ip, dst_ip, segment)`` per segment put on the wire, in order, with the
    numbers and times the wire carried (a capture's relative numbers and times are undone with
    ``meta["base_seq"]`` and ``meta["time_origin"]``). A forged segment carries the address of
    the node it claims to be."""
    hosts = trace.hosts
    meta = trace.meta
    base = meta.get("base_seq") if meta.get("relative") else None
    origin = float(meta.get("time_origin", 0.0))
    for record in trace.records:
        if type(record) is not SegmentSent:
            continue
        sender = record.spoofed_as or record.src
        src, dst = hosts.get(sender), hosts.get(record.dst)
        if src is None or dst is None:
            missing = sender if src is None else record.dst
            raise ParameterError(f"segment {record.id}: the trace has no host {missing!r}")
        seg = record.segment
        if base:
            own, peer = base.get(sender, 0), base.get(record.dst, 0)
            seg = seg.replace(seq=(seg.seq + own) & 0xFFFFFFFF,
                              ack=(seg.ack + peer) & 0xFFFFFFFF if seg.flags & Flags.ACK else 0)
        yield record, record.time + origin, src.ip, dst.ip, seg



def trace_to_pcap(trace: Trace, path: str | os.PathLike[str] | IO[bytes]) -> int:
    """Write ``trace`` as an Ethernet pcap at ``path``; returns the number of packets."""
    from .pcapio import write_pcap

    if not isinstance(trace, Trace):
        raise ParameterError(f"expected a tcpedu Trace, got {type(trace).__name__}")
    try:
        return write_pcap(path, ((t, src, dst, seg) for _r, t, src, dst, seg in wire_packets(trace)))
    except OSError as exc:
        raise ParameterError(f"cannot write the pcap {path}: {exc.strerror or exc}") from None
