"""Every course notebook that shows a widget, run whole in a real JupyterLab through Chromium at
1280×720 (a lecture-hall projector, JupyterLab's default chrome).

nbval proves the notebooks execute; this proves their widgets render for a learner: no "Error
displaying widget", every tcpedu widget on the page, no console errors, and every player steps,
fits the screen (ladder, narration and both sides' states without scrolling the page), keeps the
current step in view at the end, and has text no smaller than its look allows.
"""

from __future__ import annotations

import json
import re
import urllib.request
from pathlib import Path

import nbformat
import pytest

from tcpedu import widgets

REPO = Path(__file__).resolve().parents[2]
COURSE = REPO / "notebooks"
WAIT_MS = 60_000
VIEWPORT = {"width": 1280, "height": 720}
#: Smallest text (CSS px) each look allows.
MIN_FONT = {"notebook": 13, "projector": 28}
#: CSS classes the tcpedu widgets put on their outer box.
WIDGET_SELECTOR = ".tcpedu-player, .tcpedu-lab, .tcpedu-builder, .tcpedu-quiz"
_WIDGET_CALL = re.compile(r"\b(" + "|".join(re.escape(n) for n in widgets.__all__) + r")\(")


def _shows_a_widget(path: Path) -> bool:
    nb = nbformat.read(path, 4)
    return any(c.cell_type == "code" and _WIDGET_CALL.search(c.source) for c in nb.cells)


WIDGET_NOTEBOOKS = sorted(p.name for p in COURSE.glob("*.ipynb") if _shows_a_widget(p))


def test_the_course_has_widget_notebooks_to_check() -> None:
    assert len(WIDGET_NOTEBOOKS) >= 5, WIDGET_NOTEBOOKS


@pytest.mark.parametrize("name", WIDGET_NOTEBOOKS)
def test_course_notebook_widgets_render_and_respond(name, browser, lab_url, artifacts) -> None:
    page = browser.new_page(viewport=VIEWPORT)
    errors: list[str] = []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: errors.append(f"page error: {e}"))
    try:
        # A workspace of its own, so the players test's default workspace is left as it was.
        page.goto(f"{lab_url}/lab/workspaces/course-{Path(name).stem}/tree/course/{name}?reset")
        page.wait_for_function(
            "() => { const w = window.jupyterapp && window.jupyterapp.shell.currentWidget;"
            " const k = w && w.sessionContext && w.sessionContext.session"
            " && w.sessionContext.session.kernel; return k && k.status === 'idle'; }",
            timeout=WAIT_MS * 2)
        page.evaluate("window.jupyterapp.commands.execute('notebook:run-all-cells')")
        code_cells = sum(c.cell_type == "code" for c in nbformat.read(COURSE / name, 4).cells)
        page.wait_for_function(
            "n => { const p = [...document.querySelectorAll('.jp-CodeCell .jp-InputPrompt')]"
            ".map(e => e.textContent.trim()); return p.length === n"
            " && p.every(t => /\\[\\d+\\]/.test(t)); }", arg=code_cells, timeout=WAIT_MS * 3)
        page.wait_for_selector(WIDGET_SELECTOR, timeout=WAIT_MS)
        page.wait_for_timeout(500)  # let the last widget views attach
        page.screenshot(path=str(artifacts / f"course-{Path(name).stem}.png"), full_page=True)

        text = page.locator("body").inner_text()
        assert "Error displaying widget" not in text
        assert "Traceback" not in text, "a cell raised"
        assert page.locator(WIDGET_SELECTOR).count() >= 1

        players = page.locator(".tcpedu-player")
        for i in range(players.count()):
            check_player(page, players.nth(i), artifacts, f"course-{Path(name).stem}-player{i + 1}")
        assert errors == []
    finally:
        page.close()
        _shut_down_kernels(lab_url, f"course/{name}")


def check_player(page, player, artifacts: Path, shot: str) -> None:
    """Steps, fits the notebook's view, shows the last step, and its text is large enough."""
    narration = player.locator(".tcpedu-narration")
    before = narration.inner_text()
    player.locator(".tcpedu-step").click()
    for _ in range(WAIT_MS // 250):
        if narration.inner_text() != before:
            break
        page.wait_for_timeout(250)
    assert narration.inner_text() != before, "Step did not change the narration"
    player.evaluate("el => el.scrollIntoView({block: 'start'})")
    page.wait_for_timeout(100)
    fit = player.evaluate(
        """el => { const view = el.closest('.jp-WindowedPanel-outer, .jp-Notebook')
            .getBoundingClientRect(); const r = el.getBoundingClientRect();
          return {top: r.top, bottom: r.bottom, viewTop: view.top, viewBottom: view.bottom,
                  wide: el.scrollWidth - el.clientWidth}; }""")
    assert fit["bottom"] - fit["top"] <= fit["viewBottom"] - fit["viewTop"], fit
    assert fit["wide"] <= 1, f"the player is wider than its output area: {fit}"
    player.focus()
    page.keyboard.press("End")
    text = narration.inner_text()
    assert re.search(r"step (\d+) of \1\b", text), text
    band = player.evaluate(
        """el => { const b = el.querySelector('.tcpedu-current-band').getBoundingClientRect();
          const s = el.querySelector('.tcpedu-ladder').getBoundingClientRect();
          return b.top >= s.top - 1 && b.bottom <= s.bottom + 1 && b.bottom <= innerHeight; }""")
    assert band, "the last step is not in view"
    look = "projector" if "tcpedu-look-projector" in (player.get_attribute("class") or "") \
        else "notebook"
    page.mouse.move(1, 1)  # no arrow under the pointer: its fields would cover the picture
    page.wait_for_timeout(100)
    smallest = player.evaluate(SMALLEST_TEXT)
    assert smallest["size"] >= MIN_FONT[look], smallest
    player.screenshot(path=str(artifacts / f"{shot}.png"))


#: The smallest rendered font size of any visible text in a player (SVG text scaled by its CTM).
SMALLEST_TEXT = """el => {
  let min = {size: 1e9, text: ''};
  const walk = document.createTreeWalker(el, NodeFilter.SHOW_TEXT);
  while (walk.nextNode()) {
    const node = walk.currentNode, parent = node.parentElement;
    if (!node.textContent.trim() || !parent || parent.closest('[hidden], .tcpedu-sr-only, title'))
      continue;
    const box = parent.getBoundingClientRect();
    if (box.width === 0 || box.height === 0) continue;
    let size = parseFloat(getComputedStyle(parent).fontSize);
    if (parent instanceof SVGElement && parent.getScreenCTM) {
      const m = parent.getScreenCTM(); size *= Math.sqrt(Math.abs(m.a * m.d - m.b * m.c));
    }
    if (size < min.size) min = {size, text: node.textContent.trim().slice(0, 40)};
  }
  return min;
}"""


def _shut_down_kernels(lab_url: str, path: str) -> None:
    """Free the CPU for the next notebook: end the sessions this test opened."""
    with urllib.request.urlopen(f"{lab_url}/api/sessions", timeout=10) as response:
        sessions = json.load(response)
    for session in sessions:
        if session.get("path") == path:
            request = urllib.request.Request(f"{lab_url}/api/sessions/{session['id']}",
                                             method="DELETE")
            urllib.request.urlopen(request, timeout=10).close()
