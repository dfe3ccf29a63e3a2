"""tcpedu's figures in Jupyter: printed as PNG after one draw, cropped as the inline backend's
tight box would be; a user's own figure settings (retina, SVG) are left to IPython."""

from __future__ import annotations

import io

import pytest
import viewtraces as vt
from IPython.core.interactiveshell import InteractiveShell
from IPython.core.pylabtools import select_figure_formats
from matplotlib.figure import Figure
from PIL import Image

from tcpedu.views.plot import plot_cwnd, plot_ladder, plot_state_diagram
from tcpedu.views.plot.display import CourseFigure, png_bytes


def size(png: bytes) -> tuple[int, int]:
    with Image.open(io.BytesIO(png)) as image:
        return image.size


def tight_size(fig: Figure) -> tuple[int, int]:
    out = io.BytesIO()
    fig.savefig(out, format="png", bbox_inches="tight")
    return size(out.getvalue())


@pytest.fixture
def shell() -> InteractiveShell:
    return InteractiveShell.instance()


def count_draws(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    draws: list[int] = []
    original = Figure.draw

    def draw(self, renderer):
        draws.append(1)
        return original(self, renderer)
    monkeypatch.setattr(Figure, "draw", draw)
    return draws


@pytest.mark.parametrize("make", [lambda: plot_ladder(vt.transfer_with_loss()),
                                  lambda: plot_cwnd(vt.transfer_with_loss(), "client")])
def test_png_is_the_tight_picture_from_one_draw(make, monkeypatch) -> None:
    fig = make()
    assert isinstance(fig, CourseFigure)
    expected = tight_size(fig)
    draws = count_draws(monkeypatch)
    got = size(png_bytes(fig))
    assert len(draws) == 1
    assert abs(got[0] - expected[0]) <= 3 and abs(got[1] - expected[1]) <= 3


def test_padding_past_the_canvas_is_background_from_the_same_draw(monkeypatch) -> None:
    fig = plot_state_diagram()  # its tight box, padded, reaches past the canvas on every side
    expected = tight_size(fig)
    draws = count_draws(monkeypatch)
    got = Image.open(io.BytesIO(png_bytes(fig))).convert("RGBA")
    assert len(draws) == 1
    assert abs(got.size[0] - expected[0]) <= 3 and abs(got.size[1] - expected[1]) <= 3
    width, height = got.size
    border = [got.getpixel((x, y)) for x in range(width) for y in (0, height - 1)]
    border += [got.getpixel((x, y)) for y in range(height) for x in (0, width - 1)]
    assert set(border) == {(255, 255, 255, 255)}  # the figure's white, as the tight save pads


def test_a_figure_drawn_beyond_its_canvas_is_drawn_again_on_its_tight_box(monkeypatch) -> None:
    fig = CourseFigure(figsize=(3, 2))
    fig.add_subplot().plot([0, 1])
    fig.text(1.02, 0.5, "a label past the right edge")
    out = io.BytesIO()
    fig.savefig(out, format="png", bbox_inches="tight")
    draws = count_draws(monkeypatch)
    got = png_bytes(fig)
    assert len(draws) == 2  # the canvas, then the tight box measured on it (the tight save: 2 more)
    assert pixels(got) == pixels(out.getvalue())


def pixels(png: bytes) -> tuple[tuple[int, int], bytes]:
    with Image.open(io.BytesIO(png)) as image:
        return image.size, image.convert("RGBA").tobytes()


def test_inline_png_prints_course_figures_once_and_others_as_before(shell, monkeypatch) -> None:
    select_figure_formats(shell, {"png"})
    fig = plot_ladder(vt.handshake())
    draws = count_draws(monkeypatch)
    data, _ = shell.display_formatter.format(fig)
    assert len(draws) == 1 and size(data["image/png"]) == size(png_bytes(fig))
    plain = Figure()
    plain.add_subplot().plot([0, 1])
    draws.clear()
    data, _ = shell.display_formatter.format(plain)
    assert "image/png" in data and len(draws) == 2  # matplotlib's own tight print: two draws


def test_user_figure_settings_are_left_to_ipython(shell) -> None:
    fig = plot_ladder(vt.handshake())
    select_figure_formats(shell, {"retina"})
    data, _ = shell.display_formatter.format(fig)
    assert size_of_b64(data["image/png"])[0] >= 2 * size(png_bytes(fig))[0] - 4
    select_figure_formats(shell, {"svg"})
    data, _ = shell.display_formatter.format(fig)
    assert "image/png" not in data and "image/svg+xml" in data
    select_figure_formats(shell, {"png"})


def size_of_b64(value: str | bytes) -> tuple[int, int]:
    import base64

    return size(base64.b64decode(value) if isinstance(value, str) else value)
