"""tcpedu: learn TCP by watching it and touching it.

``import tcpedu`` is light: the model, the views, scapy, matplotlib and ipywidgets load on first
use of a name below.
"""

from __future__ import annotations

import importlib
from typing import Any

__version__ = "0.1.0"

# name -> module that defines it; loaded on first attribute access.
_EXPORTS: dict[str, str] = {
    "TcpeduError": "errors",
    "ParameterError": "errors",
    "LocalProtocolError": "errors",
    "RemoteProtocolError": "errors",
    "SegmentError": "errors",
    "CaptureError": "errors",
    "PermissionNeeded": "errors",
    "Segment": "segment",
    "Flags": "segment",
    "Options": "segment",
    "State": "states",
    "Trigger": "states",
    "TRANSITIONS": "states",
    "Endpoint": "endpoint",
    "Config": "endpoint",
    "Trace": "trace",
    "Host": "trace",
    "analyze": "analysis",
    "analyze_capture": "analysis",
    "summarize": "analysis",
    "segment_records": "analysis",
    "CaptureReader": "pcapio",
    "write_pcap": "pcapio",
    "Network": "network",
    "Link": "network",
    "Drop": "network",
    "DropNth": "network",
    "DropWhere": "network",
    "HoldBack": "network",
    "Duplicate": "network",
    "run_scenario": "scenarios",
    "SCENARIOS": "scenarios",
    "Timeline": "timeline",
    "plot_ladder": "plot",
    "plot_state_diagram": "plot",
    "plot_seq_time": "plot",
    "plot_receive_buffer": "plot",
    "plot_cwnd": "plot",
    "TracePlayer": "widgets",
    "ScenarioLab": "widgets",
    "SegmentBuilder": "widgets",
    "Quiz": "widgets",
    "ack_quiz": "widgets",
    "lecture": "widgets",
    "export_gif": "widgets",
    "export_html": "widgets",
}

__all__ = sorted(_EXPORTS)


def __getattr__(name: str) -> Any:
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module 'tcpedu' has no attribute {name!r}")
    value = getattr(importlib.import_module(f".{module}", __name__), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(_EXPORTS))
