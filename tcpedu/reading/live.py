"""Real Linux TCP conversations as Traces: staged and captured by :mod:`tcpedu.capture.live`, read
here (capturing is the capture layer's job, reading what was captured the reading layer's).

``from tcpedu import live`` is this module; every name of :mod:`tcpedu.capture.live`
(``capture_file``, ``shipped_capture``, ``CONVERSATIONS``...) is offered through it as well.
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from ..capture import live as _captured
from ..capture.live import capture_file, shipped_capture
from ..errors import CaptureError
from ..trace import Trace
from .analysis import analyze_all

__all__ = ["capture", "capture_file", "load_shipped", "shipped_capture"]


def capture(conversation: str = "transfer", *, via: str = "loopback", size: int = 20000,
            drop: Iterable[int] = (), delay: float = 0.01,
            pcap: str | os.PathLike[str] | None = None, timeout: float = 60.0,
            hold: Iterable[int] = (), lose_last_ack: bool = False, at: str = "server") -> Trace:
    """Stage ``conversation`` on the real kernel and return it as a Trace.

    ``size`` is the response body in bytes; ``drop`` lists which server data segments the wire
    loses (1-based, counted in the order the server sends them, retransmissions included; only
    with ``via="wire"``); ``delay`` is the wire's one-way delay in seconds (loopback has none);
    ``pcap`` keeps the capture file (else a temporary file is used). On the wire, ``hold`` lists
    server data segments that the next one overtakes (reordering), ``lose_last_ack`` loses the
    client's ACK of the server's FIN once, and ``at`` says which end is captured.
    """
    options = {"via": via, "size": size, "drop": drop, "delay": delay, "timeout": timeout,
               "hold": hold, "lose_last_ack": lose_last_ack, "at": at}
    if pcap is not None:
        capture_file(pcap, conversation, **options)
        return _trace(pcap)
    with tempfile.TemporaryDirectory(prefix="tcpedu-live-") as tmp:
        path = Path(tmp) / f"{conversation}.pcap"
        capture_file(path, conversation, **options)
        return _trace(path)


def load_shipped(name: str) -> Trace:
    """A shipped capture as a Trace (the offline twin of :func:`capture`)."""
    return _trace(shipped_capture(name))


def _trace(path: str | os.PathLike[str]) -> Trace:
    """The one TCP conversation of a staged capture as a Trace."""
    traces = analyze_all(path)
    if len(traces) != 1:
        raise CaptureError(f"expected one TCP conversation in {path}, found {len(traces)}")
    return traces[0]


def __getattr__(name: str) -> Any:
    """The capture layer's names (``live.SHIPPED``, ``live.capture_file``...)."""
    try:
        return getattr(_captured, name)
    except AttributeError:
        raise AttributeError(f"module 'tcpedu.live' has no attribute {name!r}") from None
