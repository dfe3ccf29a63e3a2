"""Players and labs for notebooks (ipywidgets; the player is an anywidget drawn in the browser).

- :class:`TracePlayer` — step through any Trace (simulated or captured), what-if re-runs;
- :func:`lecture` — the same in the projector look; :func:`export_html` (a page that steps
  offline), :func:`export_gif` (matplotlib, loaded only there);
- :class:`ScenarioLab` — controls that re-simulate and redraw at once;
- :class:`SegmentBuilder` — craft a segment, see it in scapy and bytes, send it to an endpoint.

(The quiz widgets, :class:`~tcpedu.teach.quiz.Quiz` and :func:`~tcpedu.teach.quiz.ack_quiz`, judge
with the exercise engine and so live in :mod:`tcpedu.teach.quiz`.)
"""

from __future__ import annotations

import importlib
from typing import Any

_NAMES = {
    "TracePlayer": "player",
    "lecture": "player",
    "export_gif": "export",
    "export_html": "export",
    "ScenarioLab": "lab",
    "SegmentBuilder": "builder",
}

__all__ = sorted(_NAMES)


def __getattr__(name: str) -> Any:
    module = _NAMES.get(name)
    if module is None:
        raise AttributeError(f"module 'tcpedu.views.widgets' has no attribute {name!r}")
    return getattr(importlib.import_module(f".{module}", __name__), name)
