"""How tcpedu's figures show themselves in Jupyter: drawn once.

JupyterLab's inline backend prints a Figure with ``bbox_inches="tight"``, which draws it twice
(once to measure, once to paint): most of a course notebook's run time after its imports. A
:class:`CourseFigure` is drawn once on Agg, cropped to the same tight box (padding
``savefig.pad_inches``; where the padding reaches past the canvas it is the figure's background,
as in the tight save) and encoded as PNG. Only when something is drawn past the canvas is the
figure drawn once more, on the box just measured (the same picture as matplotlib's tight save,
which would draw twice more). Only tcpedu's figures are affected, and only while the inline
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
from matplotlib.colors import to_rgba
from matplotlib.figure import Figure


def png_bytes(fig: Figure) -> bytes:
    """The figure as PNG, cropped to its tight box, from a single draw."""
    canvas = FigureCanvasAgg(fig)
    canvas.draw()
    pad = rcParams["savefig.pad_inches"]
    tight = fig.get_tightbbox(canvas.get_renderer())
    box = tight.padded(pad if isinstance(pad, float) else 0.1)
    width, height = canvas.get_width_height()
    if (min(tight.x0, tight.y0) * fig.dpi < -1 or tight.x1 * fig.dpi > width + 1
            or tight.y1 * fig.dpi > height + 1):  # something was drawn beyond the canvas
        out = io.BytesIO()  # one more draw, on the box just measured (as the tight save would)
        fig.savefig(out, format="png", bbox_inches=box)
        return out.getvalue()
    from PIL import Image

    # rows and columns of the padded box, in the canvas's pixels (top row first); where the
    # padding reaches past the canvas it is the figure's background, as in the tight save
    top, bottom = math.floor(height - box.y1 * fig.dpi), math.ceil(height - box.y0 * fig.dpi)
    left, right = math.floor(box.x0 * fig.dpi), math.ceil(box.x1 * fig.dpi)
    drawn = np.asarray(canvas.buffer_rgba())[max(0, top):bottom, max(0, left):right]
    if drawn.shape[:2] != (bottom - top, right - left):
        picture = np.empty((bottom - top, right - left, 4), dtype=np.uint8)
        picture[...] = np.round(np.multiply(to_rgba(fig.get_facecolor()), 255))
        picture[max(0, -top):max(0, -top) + drawn.shape[0],
                max(0, -left):max(0, -left) + drawn.shape[1]] = drawn
        drawn = picture
    out = io.BytesIO()
    Image.fromarray(drawn).save(out, format="png")
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
