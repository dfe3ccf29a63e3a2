"""Exports of a :class:`~tcpedu.trace.Trace`: a pcap "captured on the wire" and JSON Lines.

The pcap holds every :class:`~tcpedu.trace.SegmentSent` at its send time, dropped ones included
(as a capture at the sender would see them), so tshark marks the resends as retransmissions.
JSON Lines reuse :mod:`tcpedu.reading.analysis` so that ``tcpedu simulate --json`` and
``tcpedu analyze --json`` share one schema.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from typing import IO

from ..errors import ParameterError
from ..model.segment import Segment
from ..trace import SegmentSent, Trace


def wire_packets(trace: Trace) -> Iterator[tuple[float, str, str, Segment]]:
    """``(time, src_ip, dst_ip, segment)`` for each segment put on the wire, in order."""
    hosts = trace.hosts
    for record in trace.records:
        if type(record) is SegmentSent:
            src = hosts.get(record.spoofed_as or record.src)
            dst = hosts.get(record.dst)
            if src is None or dst is None:
                missing = record.spoofed_as or record.src if src is None else record.dst
                raise ParameterError(f"segment {record.id}: the trace has no host {missing!r}")
            yield record.time, src.ip, dst.ip, record.segment


def trace_to_pcap(trace: Trace, path: str | os.PathLike[str] | IO[bytes]) -> int:
    """Write ``trace`` as an Ethernet pcap at ``path``; returns the number of packets."""
    from ..capture.pcapio import write_pcap

    try:
        return write_pcap(path, wire_packets(trace))
    except OSError as exc:
        raise ParameterError(f"cannot write the pcap {path}: {exc.strerror or exc}") from None


def trace_to_jsonl(trace: Trace) -> str:
    """JSON Lines, one object per segment on the wire, in the schema of ``tcpedu analyze --json``
    (computed by :func:`tcpedu.reading.analysis.segment_records`, the one source of that schema)."""
    import json

    from .analysis import segment_records

    return "".join(json.dumps(row) + "\n" for row in segment_records(wire_packets(trace)))
