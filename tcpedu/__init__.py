"""tcpedu: learn TCP by watching it and touching it.

``import tcpedu`` is light: the model, the views, scapy, matplotlib and ipywidgets load on first
use of a name below.
"""

from __future__ import annotations

import importlib

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
    "Segment": "model.segment",
    "Flags": "model.segment",
    "Options": "model.segment",
    "State": "model.states",
    "Trigger": "model.states",
    "TRANSITIONS": "model.states",
    "Endpoint": "model.endpoint",
    "Config": "model.endpoint",
    "Trace": "trace",
    "Host": "trace",
    "analyze": "reading.analysis",
    "analyze_capture": "reading.analysis",
    "summarize": "reading.analysis",
    "segment_records": "reading.analysis",
    "read_segments": "reading.segments",
    "trace_to_jsonl": "reading.jsonl",
    "trace_records": "reading.jsonl",
    "trace_to_pcap": "capture.export",
    "CaptureReader": "capture.pcapio",
    "write_pcap": "capture.pcapio",
    "Network": "sim.network",
    "Link": "sim.network",
    "Drop": "sim.network",
    "DropNth": "sim.network",
    "DropWhere": "sim.network",
    "HoldBack": "sim.network",
    "Duplicate": "sim.network",
    "run_scenario": "sim.scenarios",
    "SCENARIOS": "sim.scenarios",
    "Timeline": "reading.timeline",
    "plot_ladder": "views.plot",
    "plot_state_diagram": "views.plot",
    "plot_seq_time": "views.plot",
    "plot_receive_buffer": "views.plot",
    "plot_cwnd": "views.plot",
    "TracePlayer": "views.widgets",
    "ScenarioLab": "views.widgets",
    "SegmentBuilder": "views.widgets",
    "Quiz": "teach.quiz",
    "ack_quiz": "teach.quiz",
    "lecture": "views.widgets",
    "export_gif": "views.widgets",
    "export_html": "views.widgets",
}

# modules notebooks use by name (``from tcpedu import scenarios``) -> where they live.
_MODULES: dict[str, str] = {
    "scenarios": "sim.scenarios",
    "live": "reading.live",
    "interop": "capture.interop",
    "exercises": "teach.exercises",
    "plot": "views.plot",
    "widgets": "views.widgets",
}

__all__ = sorted(_EXPORTS)


def __getattr__(name: str) -> object:
    if name in _MODULES:
        value = importlib.import_module(f".{_MODULES[name]}", __name__)
    elif name in _EXPORTS:
        value = getattr(importlib.import_module(f".{_EXPORTS[name]}", __name__), name)
    else:
        raise AttributeError(f"module 'tcpedu' has no attribute {name!r}")
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(_EXPORTS) | set(_MODULES))
