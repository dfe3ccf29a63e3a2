"""How tcpedu's figures show themselves in Jupyter: drawn once.

JupyterLab's inline backend prints a Figure with ``bbox_inches="tight"``, which draws it twice
(once to measure, once to paint): most of a course notebook's run time after its imports. A
:class:`CourseFigure` is drawn once on Agg, cropped to the same tight box (padding
``savefig.pad_inches``) and encoded as PNG; when something lies outside the canvas it is drawn
once more, on the box just measured (the same picture as matplotlib's tight save, which would draw
twice more). Only tcpedu's figures are affected, and only while the inline
backend prints plain PNG: a user's other settings (``retina``, SVG) are left to IPython.
"""

from __future__ import annotations

import io
import math
import sys
from functools import partial
from typing import Any

import numpy as np
from matplotlib import rcParams
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure


def png_bytes(fig: Figure) -> bytes:
    """The figure as PNG, cropped to its tight box, from a single draw."""
    canvas = FigureCanvasAgg(fig)
    canvas.draw()
    pad = rcParams["savefig.pad_inches"]
    box = fig.get_tightbbox(canvas.get_renderer()).padded(pad if isinstance(pad, float) else 0.1)
    width, height = canvas.get_width_height()
    x0, y0, x1, y1 = (v * fig.dpi for v in box.extents)
    if x0 < -1 or y0 < -1 or x1 > width + 1 or y1 > height + 1:  # drawn beyond the canvas
        out = io.BytesIO()  # one more draw, on the box just measured (as the tight save would)
        fig.savefig(out, format="png", bbox_inches=box)
        return out.getvalue()
    from PIL import Image

    rows = slice(max(0, math.floor(height - y1)), min(height, math.ceil(height - y0)))
    cols = slice(max(0, math.floor(x0)), min(width, math.ceil(x1)))
    out = io.BytesIO()
    Image.fromarray(np.asarray(canvas.buffer_rgba())[rows, cols]).save(out, format="png")
    return out.getvalue()


def _is_plain_png(printer: Any) -> bool:
    """Whether IPython's PNG printer for Figures is the inline backend's plain one."""
    from IPython.core.pylabtools import print_figure

    return (isinstance(printer, partial) and printer.func is print_figure
            and printer.keywords.get("fmt") == "png")


def _show(fig: Figure, png: Any, svg: Any) -> bytes | str | None:
    theirs = png.type_printers.get(Figure)
    if theirs is not None and not _is_plain_png(theirs):
        return theirs(fig)  # e.g. retina: as the user asked
    if theirs is None and Figure in svg.type_printers:
        return None  # the user prints figures as SVG only
    return png_bytes(fig)


_REGISTERED: set[int] = set()


def _register() -> None:
    """Print CourseFigures with :func:`png_bytes` in the running IPython, if any (once)."""
    if "IPython" not in sys.modules:
        return
    from IPython import get_ipython

    shell = get_ipython()
    formatter = getattr(shell, "display_formatter", None)
    if formatter is None or id(shell) in _REGISTERED:
        return
    png = formatter.formatters.get("image/png")
    svg = formatter.formatters.get("image/svg+xml")
    if png is None or svg is None:
        return
    png.for_type(CourseFigure, partial(_show, png=png, svg=svg))
    _REGISTERED.add(id(shell))


class CourseFigure(Figure):
    """A matplotlib Figure that a notebook shows after one draw (see the module's docstring)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        _register()

    def _repr_png_(self) -> bytes:
        return png_bytes(self)
