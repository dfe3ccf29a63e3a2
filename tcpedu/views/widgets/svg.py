"""The whole ladder of a player's payload as one SVG string (no matplotlib): the picture a page
shows where widgets cannot run (GitHub, a static site, a notebook opened without its state).

It draws what :mod:`.payload` says, the same way ``static/player.js`` does, with every step on
its own row and the final states of both sides in the lifelines' heads.
"""

from __future__ import annotations

import math
from html import escape
from typing import Any

#: Colour, dash pattern and glyph of each segment style (Okabe & Ito; >= 3:1 on white).
STYLES: dict[str, tuple[str, str]] = {
    "handshake": ("#000000", ""), "data": ("#0072B2", ""), "ack": ("#009E73", "9 5"),
    "dup-ack": ("#CC79A7", "2 6"), "retransmission": ("#D55E00", "12 4 3 4"),
    "lost": ("#D55E00", ""), "rst": ("#000000", ""), "injected": ("#CC79A7", "1 4"),
}
MARK_GLYPH = {"retransmission": "↻ ", "dup-ack": "dup ", "injected": "⚠ ", "zero-window": "0-win "}

#: Sizes per look: row height, font size, line width, picture width.
SIZES: dict[str, tuple[int, int, float, int]] = {
    "notebook": (24, 14, 2.5, 640), "projector": (46, 28, 4.0, 1100),
}


def _time(ms: float) -> str:
    if ms >= 10000:
        return f"{ms / 1000:.1f} s"
    if ms >= 1000:
        return f"{ms / 1000:.2f} s"
    return f"{ms:.2f} ms" if ms < 10 else f"{ms:.1f} ms"


def ladder_svg(payload: dict[str, Any], look: str = "notebook") -> str:
    """Every step of ``payload`` (see :func:`~.payload.build_payload`) as an SVG ladder."""
    row, font, lw, width = SIZES.get(look, SIZES["notebook"])
    steps, nodes = payload["steps"], payload["nodes"]
    head, gutter = 4 * font + 10, 6 * font
    height = head + row * len(steps) + 10
    left, right = gutter + 14, width - 14
    xs = {n: (left + right) / 2 if len(nodes) == 1 else
          left + (right - left) * i / (len(nodes) - 1) for i, n in enumerate(nodes)}

    def y(r: float) -> float:
        return head + (r + 0.5) * row

    final = steps[-1]["states"] if steps else {}
    out = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
           f'viewBox="0 0 {width} {height}" font-family="DejaVu Sans, sans-serif" '
           f'font-size="{font}" role="img" aria-labelledby="tcpedu-static-title">',
           f'<title id="tcpedu-static-title">{escape(payload.get("title", ""))}: ladder diagram, '
           f'{len(steps)} steps (static picture; run the notebook to step through it)</title>',
           f'<rect width="{width}" height="{height}" fill="#ffffff"/>',
           f'<text x="6" y="{font + 2}" font-weight="bold">{escape(payload.get("title", ""))}</text>',
           f'<text x="6" y="{3 * font + 12}" fill="#3d3d3d">steps ↓ (one row each; time at left)</text>']
    for name, x in xs.items():
        out.append(f'<line x1="{x}" x2="{x}" y1="{head - 4}" y2="{height}" stroke="#6b6b6b" '
                   f'stroke-width="3"/>')
        state = f" ({final[name]} at the end)" if name in final else ""
        anchor = "start" if name == nodes[0] else "end" if name == nodes[-1] else "middle"
        tx = max(4, x - 30) if anchor == "start" else min(width - 4, x + 30) if anchor == "end" else x
        out.append(f'<text x="{tx}" y="{2 * font + 8}" text-anchor="{anchor}" font-weight="bold">'
                   f'{escape(name + state)}</text>')
    previous = None
    for r, s in enumerate(steps):
        if previous is None or previous["t"] != s["t"]:
            label = f"⋯ {_time(s['t'])}" if s.get("gap") else _time(s["t"])
            out.append(f'<text x="{gutter}" y="{y(r) + font * 0.35}" text-anchor="end" '
                       f'fill="#3d3d3d" font-size="{max(13, font - 1)}">{escape(label)}</text>')
        if s.get("gap"):
            out.append(f'<line x1="{left - 10}" x2="{right + 10}" y1="{y(r) - row / 2}" '
                       f'y2="{y(r) - row / 2}" stroke="#3d3d3d" stroke-width="2" '
                       'stroke-dasharray="2 6"/>')
        if s.get("tag") and s.get("node") in xs:
            x = xs[s["node"]]
            on_left = s["node"] != nodes[0]
            out.append(f'<circle cx="{x}" cy="{y(r)}" r="{lw + 2}" fill="#111"/>'
                       f'<text x="{x - 10 if on_left else x + 10}" y="{y(r) + font * 0.35}" '
                       f'text-anchor="{"end" if on_left else "start"}" font-style="italic" '
                       f'fill="#3d3d3d">{escape(s["tag"])}</text>')
        previous = s
    for seg in sorted(payload["segments"].values(), key=lambda g: g["sent"]):
        if seg["src"] not in xs or seg["dst"] not in xs:
            continue
        a = seg["sent"]
        b = seg["end"] if seg["end"] is not None else a + 0.7
        lost = seg["fate"] == "dropped"
        x1, xd = xs[seg["src"]], xs[seg["dst"]]
        x2 = x1 + (xd - x1) * 0.55 if lost else xd
        y1, y2 = y(a), y(b)
        color, dash = STYLES.get(seg["style"], STYLES["data"])
        dashes = f' stroke-dasharray="{dash}"' if dash else ""
        width_ = lw * 1.8 if seg["style"] == "rst" else lw
        out.append(f'<g><title>segment {seg["id"]}: {escape(seg["label"])} ({seg["fate"]})</title>'
                   f'<line x1="{x1}" y1="{y1}" x2="{x2}" y2="{y2}" stroke="{color}" '
                   f'stroke-width="{width_}"{dashes}/>')
        if lost:
            k = lw * 2 + 5
            out.append(f'<path d="M{x2 - k} {y2 - k} L{x2 + k} {y2 + k} M{x2 - k} {y2 + k} '
                       f'L{x2 + k} {y2 - k}" stroke="{color}" stroke-width="{lw + 1}"/>')
        else:
            ang, size = math.atan2(y2 - y1, x2 - x1), lw * 3 + 4

            def p(da: float, ang: float = ang, size: float = size, x2: float = x2,
                  y2: float = y2) -> str:
                return f"{x2 - size * math.cos(ang + da):.1f},{y2 - size * math.sin(ang + da):.1f}"
            out.append(f'<polygon points="{x2},{y2} {p(0.45)} {p(-0.45)}" fill="{color}"/>')
        to_right = xd >= x1
        glyphs = "".join(MARK_GLYPH.get(m, "") for m in seg["marks"])
        out.append(f'<text x="{x1 + 8 if to_right else x1 - 8}" y="{y1 - 5}" '
                   f'text-anchor="{"start" if to_right else "end"}" fill="{color}" '
                   f'stroke="#ffffff" stroke-width="5" paint-order="stroke" '
                   f'stroke-linejoin="round">{escape(glyphs + seg["label"])}'
                   f'{" ✕" if lost else ""}</text></g>')
    out.append("</svg>")
    return "".join(out)
