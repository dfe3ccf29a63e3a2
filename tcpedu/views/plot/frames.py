"""Frames for the GIF export: the ladder up to a step (optionally with its narration), rendered to
PNG with Agg. (Players draw in the browser: ``tcpedu/views/widgets/static/player.js``.)

One figure is built per renderer and reused: a frame only changes artists' visibility, arrow
ends, the window and a caption, so a redraw costs tens of milliseconds even for long traces.
"""

from __future__ import annotations

import io
import textwrap

from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from PIL import Image

from ...reading.timeline import Timeline
from .ladder import Ladder, ladder_figure
from .palette import NODE_COLORS, OKABE_ITO, Theme, theme

#: Default number of ladder rows a GIF frame shows at once (it scrolls beyond).
PLAYER_ROWS = 22


class LadderFrames:
    """Renders ``timeline`` step by step: ``png(i)``, ``image(i)`` (a Pillow image)."""

    def __init__(self, timeline: Timeline, *, rows: int = PLAYER_ROWS, y: str = "step",
                 look: str | Theme = "notebook", caption: bool = False,
                 narration: list[str] | None = None) -> None:
        self.timeline = timeline
        self.rows = min(rows, max(len(timeline), 1))
        self.theme = theme(look)
        self.figure: Figure = ladder_figure(self.rows, self.theme, legend=True, caption=caption)
        self.canvas = FigureCanvasAgg(self.figure)
        self.ladder = Ladder(self.figure.axes[0], timeline, y=y, look=self.theme)
        self.ladder.legend()
        self.narration = narration
        self.caption = None
        if caption:
            self.caption = self.figure.text(0.02, 0.01, "", ha="left", va="bottom",
                                            fontsize=self.theme.font_size * 1.05, wrap=False)
        self.step_text = self.figure.text(0.99, 0.995, "", ha="right", va="top",
                                          fontsize=self.theme.font_size, color="#444444")
        # Blitting: draw everything that never changes once, then only the changing artists.
        self.ladder.hide_all()
        self.step_text.set_visible(False)
        if self.caption is not None:
            self.caption.set_visible(False)
        self.canvas.draw()
        self.background = self.canvas.copy_from_bbox(self.figure.bbox)
        # (window, ids of settled artists drawn, pixels): the layer later frames build on.
        self._layer: tuple | None = None
        self.step_text.set_visible(True)
        if self.caption is not None:
            self.caption.set_visible(True)

    def draw(self, step: int) -> None:
        """Bring the figure to ``step``."""
        step = self.timeline.check_step(step)
        self.ladder.show(step, rows=self.rows)
        self.step_text.set_text(f"step {step + 1} of {len(self.timeline)}")
        if self.caption is not None and self.narration is not None:
            width = int(self.theme.width * 72 / (self.theme.font_size * 1.05 * 0.6) * 0.95)
            lines = textwrap.wrap(self.narration[step], width)[:3]
            self.caption.set_text("\n".join(lines))
        renderer = self.canvas.get_renderer()
        window = self.ladder.window(step, self.rows)
        settled = self.ladder.settled_artists()
        ids = {id(a) for a in settled}
        if self._layer is not None and self._layer[0] == window and self._layer[1] <= ids:
            # Stepping on in the same window: add only what appeared since the last frame.
            self.canvas.restore_region(self._layer[2])
            new = [a for a in settled if id(a) not in self._layer[1]]
        else:
            self.canvas.restore_region(self.background)
            new = settled
        for artist in new:
            artist.draw(renderer)
        self._layer = (window, ids, self.canvas.copy_from_bbox(self.figure.bbox))
        for patch in self.ladder.in_flight:
            patch.draw(renderer)
        self.step_text.draw(renderer)
        if self.caption is not None:
            self.caption.draw(renderer)

    def image(self, step: int) -> Image.Image:
        """The frame as an RGB Pillow image."""
        self.draw(step)
        return Image.frombuffer("RGBA", self.canvas.get_width_height(),
                                self.canvas.buffer_rgba(), "raw", "RGBA", 0, 1).convert("RGB")

    def png(self, step: int) -> bytes:
        """The frame as PNG bytes."""
        return to_png(self.image(step))


def _fixed_palette() -> Image.Image:
    """A palette image holding every colour the views use, each blended towards white in
    steps (for anti-aliased edges), and a grey ramp."""
    colours = [*OKABE_ITO.values(), *NODE_COLORS.values(), "#222222", "#444444", "#555555",
               "#666666", "#777777", "#BBBBBB"]
    rgb: list[tuple[int, int, int]] = []
    for colour in colours:
        r, g, b = (int(colour[i:i + 2], 16) for i in (1, 3, 5))
        for t in (0.0, 0.25, 0.5, 0.75):
            rgb.append(tuple(round(c + (255 - c) * t) for c in (r, g, b)))
    rgb = [(255, 255, 255)] + rgb + [(v, v, v) for v in range(0, 240, 12)]
    unique = list(dict.fromkeys(rgb))[:256]
    palette = Image.new("P", (1, 1))
    palette.putpalette([c for colour in unique for c in colour])
    return palette


_PALETTE = _fixed_palette()


def to_png(image: Image.Image) -> bytes:
    """PNG bytes of a frame: mapped to the views' fixed palette (no dithering), which makes
    encoding several times faster and the file about three times smaller."""
    out = io.BytesIO()
    image.convert("RGB").quantize(palette=_PALETTE, dither=Image.Dither.NONE).save(
        out, format="PNG", compress_level=1)
    return out.getvalue()
