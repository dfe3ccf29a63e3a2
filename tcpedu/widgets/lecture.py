"""Lecture mode: the projector preset (large fonts, thick lines, wide layout) for any player."""

from __future__ import annotations

from typing import Any

from ..trace import Trace
from .player import TracePlayer


def lecture(trace: Trace, **options: Any) -> TracePlayer:
    """A TracePlayer in the projector preset; export it with ``export_gif`` / ``export_html``."""
    options.setdefault("look", "projector")
    options.setdefault("rows", 16)
    return TracePlayer(trace, **options)
