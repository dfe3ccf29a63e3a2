"""Every course notebook that shows a widget, run whole in a real JupyterLab through Chromium.

nbval proves the notebooks execute; this proves their widgets render for a learner: no "Error
displaying widget", every tcpedu widget on the page, no console errors, and a player that steps.
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
    page = browser.new_page(viewport={"width": 1500, "height": 1100})
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
        if players.count():
            player = players.first
            player.scroll_into_view_if_needed()
            narration = player.locator(".tcpedu-narration").first
            before = narration.inner_text()
            player.locator(".tcpedu-step").click()
            for _ in range(WAIT_MS // 250):
                if narration.inner_text() != before:
                    break
                page.wait_for_timeout(250)
            assert narration.inner_text() != before, "Step did not change the narration"
        assert errors == []
    finally:
        page.close()
        _shut_down_kernels(lab_url, f"course/{name}")


def _shut_down_kernels(lab_url: str, path: str) -> None:
    """Free the CPU for the next notebook: end the sessions this test opened."""
    with urllib.request.urlopen(f"{lab_url}/api/sessions", timeout=10) as response:
        sessions = json.load(response)
    for session in sessions:
        if session.get("path") == path:
            request = urllib.request.Request(f"{lab_url}/api/sessions/{session['id']}",
                                             method="DELETE")
            urllib.request.urlopen(request, timeout=10).close()
