"""Pictures of a Trace (matplotlib, Agg-safe; figures are built without pyplot).

One module per picture: :mod:`.ladder`, :mod:`.statediagram`, :mod:`.seqtime`, :mod:`.buffer`,
:mod:`.cwnd`; colours and sizes in :mod:`.palette`; player frames in :mod:`.frames`.
"""

from __future__ import annotations

from .buffer import plot_receive_buffer
from .cwnd import plot_cwnd
from .ladder import Ladder, plot_ladder
from .palette import OKABE_ITO, THEMES, Theme
from .seqtime import plot_seq_time
from .statediagram import StateDiagram, find_transition, plot_state_diagram

__all__ = ["OKABE_ITO", "THEMES", "Ladder", "StateDiagram", "Theme", "find_transition",
           "plot_cwnd", "plot_ladder", "plot_receive_buffer", "plot_seq_time",
           "plot_state_diagram"]
