"""JSON Lines of a Trace: one object per segment on the wire, in the schema of
``tcpedu analyze --json`` (see :mod:`tcpedu.reading.analysis`), read by
:func:`tcpedu.reading.segments.read_segments` so that the JSON and every view agree."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

from ..trace import Trace
from .segments import read_segments

__all__ = ["trace_records", "trace_to_jsonl"]


def trace_records(trace: Trace) -> Iterator[dict[str, Any]]:
    """The JSON Lines objects of a Trace's segments, in wire order."""
    for reading in read_segments(trace).values():
        yield reading.json()


def trace_to_jsonl(trace: Trace) -> str:
    """JSON Lines text, one object per segment (keys ``frame, stream, src, dst, flags, seq, ack,
    len, analysis, state`` as for captures, plus ``known`` and ``marks``)."""
    return "".join(json.dumps(row) + "\n" for row in trace_records(trace))
