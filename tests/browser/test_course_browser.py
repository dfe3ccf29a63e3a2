"""Every course notebook that shows a widget, run whole in a real JupyterLab through Chromium at
1280×720 (a lecture-hall projector, JupyterLab's default chrome).

nbval proves the notebooks execute; this proves their widgets render for a learner: no "Error
displaying widget", every tcpedu widget on the page, no console errors, and every player steps,
fits the screen (ladder, narration and both sides' states without scrolling the page), keeps the
current step in view at the end, and has text no smaller than its look allows.
"""

from __future__ import annotations

import re
from pathlib import Path

import nbformat
import pytest
from _lab import WAIT_MS, close_notebooks, open_notebook, phase, run_all, settled, wait_until

from tcpedu import widgets

REPO = Path(__file__).resolve().parents[2]
COURSE = REPO / "notebooks"
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


@pytest.fixture(scope="module")
def course_order(request: pytest.FixtureRequest, kernels) -> list[str]:
    """The notebooks the selected tests open, in order; the first one's kernel boots while
    JupyterLab loads."""
    order = [item.callspec.params["name"] for item in request.session.items
             if getattr(item, "originalname", "") == "test_course_notebook_widgets_render_and_respond"]
    kernels.ahead(f"course/{order[0]}")
    return order


@pytest.mark.parametrize("name", WIDGET_NOTEBOOKS)
def test_course_notebook_widgets_render_and_respond(name, course_order, kernels, lab_app,
                                                    artifacts) -> None:
    """Opened in the session's JupyterLab page (a notebook of its own, a kernel of its own: the
    next notebook's kernel boots meanwhile), run whole, checked, closed."""
    page, path = lab_app, f"course/{name}"
    errors_before = len(page.console_errors)
    kernels.ready(path)
    following = course_order.index(name) + 1
    if following < len(course_order):
        kernels.ahead(f"course/{course_order[following]}")
    try:
        close_notebooks(page)
        notebook = open_notebook(page, path)
        code_cells = sum(c.cell_type == "code" for c in nbformat.read(COURSE / name, 4).cells)
        run_all(page, code_cells)
        notebook.locator(WIDGET_SELECTOR).first.wait_for(timeout=WAIT_MS)
        page.screenshot(path=str(artifacts / f"course-{Path(name).stem}.png"), full_page=True)

        text = notebook.inner_text()
        assert "Error displaying widget" not in text
        assert "Traceback" not in text, "a cell raised"
        assert notebook.locator(WIDGET_SELECTOR).count() >= 1

        players = notebook.locator(".tcpedu-player")
        for i in range(players.count()):
            with phase(f"check player {i + 1}"):
                check_player(page, players.nth(i), artifacts,
                             f"course-{Path(name).stem}-player{i + 1}")
        assert page.console_errors[errors_before:] == []
    finally:
        close_notebooks(page)
        kernels.shut_down(path)  # frees the CPU for the next notebook


def check_player(page, player, artifacts: Path, shot: str) -> None:
    """Steps, fits the notebook's view, shows the last step, and its text is large enough."""
    narration = player.locator(".tcpedu-narration")
    before = narration.inner_text()
    player.locator(".tcpedu-step").click()
    wait_until(page, lambda: narration.inner_text() != before, "Step to change the narration")
    player.evaluate("el => el.scrollIntoView({block: 'start'})")
    settled(page, player)
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
    player.locator(".tcpedu-popover").wait_for(state="hidden", timeout=WAIT_MS)
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
