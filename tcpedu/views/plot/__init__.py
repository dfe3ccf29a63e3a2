"""Pictures of a Trace (matplotlib, Agg-safe; figures are built without pyplot).

One module per picture: :mod:`.ladder`, :mod:`.statediagram`, :mod:`.seqtime`, :mod:`.buffer`,
:mod:`.cwnd`; colours and sizes in :mod:`.palette`; GIF frames in :mod:`.frames`. The names below
load their module (and matplotlib) on first use, so ``import tcpedu.views.plot.palette`` or a
player never pays for matplotlib.
"""

from __future__ import annotations

import importlib
from typing import Any

_NAMES = {
    "plot_receive_buffer": "buffer", "plot_cwnd": "cwnd", "Ladder": "ladder",
    "plot_ladder": "ladder", "OKABE_ITO": "palette", "THEMES": "palette", "Theme": "palette",
    "plot_seq_time": "seqtime", "StateDiagram": "statediagram",
    "find_transition": "statediagram", "plot_state_diagram": "statediagram",
}

__all__ = sorted(_NAMES)


def __getattr__(name: str) -> Any:
    module = _NAMES.get(name)
    if module is None:
        raise AttributeError(f"module 'tcpedu.views.plot' has no attribute {name!r}")
    return getattr(importlib.import_module(f".{module}", __name__), name)


def __dir__() -> list[str]:
    return sorted([*globals(), *_NAMES])
