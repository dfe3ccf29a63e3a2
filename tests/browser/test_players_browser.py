"""Players in a real JupyterLab and in a kernel-less exported page, driven through Chromium."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import nbformat
import pytest

HERE = Path(__file__).resolve().parent
NOTEBOOK = HERE / "notebooks" / "players.ipynb"
PLAYERS_IN_NOTEBOOK = 2
#: Seconds to wait for a kernel round trip or a render (generous: this machine has 2 cores).
WAIT_MS = 60_000


def narration(player) -> str:
    return player.locator(".tcpedu-narration").first.inner_text()


def states(player) -> list[str]:
    return [c.inner_text() for c in player.locator(".tcpedu-state").all()]


def wait_until_changed(page, read, before: str) -> str:
    """Poll ``read()`` until it differs from ``before`` (or fail after WAIT_MS)."""
    deadline = WAIT_MS / 250
    for _ in range(int(deadline)):
        now = read()
        if now != before:
            return now
        page.wait_for_timeout(250)
    raise AssertionError(f"still showing {before!r}")


def rewind(page, player) -> None:
    """Bring a player back to its first step with the keyboard (tests may run in any order)."""
    if "step 1 of" in narration(player):
        return
    player.locator(".tcpedu-slider .noUi-handle").focus()
    page.keyboard.press("Home")
    for _ in range(int(WAIT_MS / 250)):
        if "step 1 of" in narration(player):
            return
        page.wait_for_timeout(250)
    raise AssertionError("the player did not go back to step 1")


@pytest.fixture(scope="module")
def lab_page(browser, lab_url, artifacts):
    """The players notebook opened in JupyterLab with every cell run."""
    page = browser.new_page(viewport={"width": 1500, "height": 1100})
    errors: list[str] = []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: errors.append(f"page error: {e}"))
    page.goto(f"{lab_url}/lab/tree/{NOTEBOOK.name}")
    page.wait_for_function(
        "() => { const w = window.jupyterapp && window.jupyterapp.shell.currentWidget;"
        " const k = w && w.sessionContext && w.sessionContext.session"
        " && w.sessionContext.session.kernel; return k && k.status === 'idle'; }",
        timeout=WAIT_MS * 2)
    page.evaluate("window.jupyterapp.commands.execute('notebook:run-all-cells')")
    code_cells = sum(c.cell_type == "code" for c in nbformat.read(NOTEBOOK, 4).cells)
    page.wait_for_function(
        "n => { const p = [...document.querySelectorAll('.jp-CodeCell .jp-InputPrompt')]"
        ".map(e => e.textContent.trim()); return p.length === n"
        " && p.every(t => /\\[\\d+\\]/.test(t)); }", arg=code_cells, timeout=WAIT_MS * 3)
    page.wait_for_selector(".tcpedu-player .tcpedu-narration", timeout=WAIT_MS)
    page.screenshot(path=str(artifacts / "lab-after-run-all.png"), full_page=True)
    page.console_errors = errors
    yield page
    page.screenshot(path=str(artifacts / "lab-at-end.png"), full_page=True)
    page.close()


def test_every_widget_renders_without_error(lab_page) -> None:
    text = lab_page.locator("body").inner_text()
    assert "Error displaying widget" not in text
    assert lab_page.locator(".tcpedu-player").count() == PLAYERS_IN_NOTEBOOK
    for selector in (".tcpedu-lab", ".tcpedu-builder", ".tcpedu-quiz"):
        assert lab_page.locator(selector).count() == 1, selector
    for player in lab_page.locator(".tcpedu-player").all():
        assert player.locator("img").first.is_visible()


def test_clicking_step_changes_state_and_narration(lab_page, artifacts) -> None:
    player = lab_page.locator(".tcpedu-player").nth(0)
    player.scroll_into_view_if_needed()
    rewind(lab_page, player)
    before_text, before_states = narration(player), states(player)
    assert "step 1 of" in before_text
    player.locator(".tcpedu-step").click()
    after_text = wait_until_changed(lab_page, lambda: narration(player), before_text)
    assert "step 2 of" in after_text
    assert states(player) != before_states  # the client went CLOSED -> SYN-SENT
    player.screenshot(path=str(artifacts / "player-after-step.png"))
    player.locator(".tcpedu-back").click()
    assert "step 1 of" in wait_until_changed(lab_page, lambda: narration(player), after_text)


def test_keyboard_moves_the_slider_to_the_last_frame_and_back(lab_page, artifacts) -> None:
    player = lab_page.locator(".tcpedu-player").nth(0)
    rewind(lab_page, player)
    handle = player.locator(".tcpedu-slider .noUi-handle")
    handle.focus()
    before = narration(player)
    lab_page.keyboard.press("End")
    last = wait_until_changed(lab_page, lambda: narration(player), before)
    total = re.search(r"step (\d+) of (\d+)", last)
    assert total and total.group(1) == total.group(2)  # the last frame
    assert player.locator(".tcpedu-slider .widget-readout").inner_text().strip() == str(
        int(total.group(2)) - 1)
    player.screenshot(path=str(artifacts / "player-last-frame.png"))
    lab_page.keyboard.press("ArrowLeft")
    back = wait_until_changed(lab_page, lambda: narration(player), last)
    assert f"step {int(total.group(2)) - 1} of" in back


def test_live_player_steps_through_the_kernel(lab_page) -> None:
    player = lab_page.locator(".tcpedu-player").nth(1)
    player.scroll_into_view_if_needed()
    rewind(lab_page, player)
    before = narration(player)
    player.locator(".tcpedu-step").click()
    assert "step 2 of" in wait_until_changed(lab_page, lambda: narration(player), before)


def test_segment_builder_answers_in_the_page(lab_page, artifacts) -> None:
    builder = lab_page.locator(".tcpedu-builder")
    builder.scroll_into_view_if_needed()
    builder.get_by_role("button", name=re.compile("Send to the endpoint")).click()
    answer = lab_page.locator(".tcpedu-answer")
    answer.get_by_text("SYN,ACK", exact=False).first.wait_for(timeout=WAIT_MS)
    builder.screenshot(path=str(artifacts / "segment-builder.png"))


def test_lab_control_resimulates_in_the_page(lab_page, artifacts) -> None:
    lab = lab_page.locator(".tcpedu-lab")
    lab.scroll_into_view_if_needed()
    summary = lab.locator(".tcpedu-lab-summary")
    picture = lab.locator("img").first.get_attribute("src")
    before = summary.inner_text()
    lab.locator("select").nth(1).select_option("gbn")  # receiver: Go-Back-N
    after = wait_until_changed(lab_page, summary.inner_text, before)
    assert after != before
    wait_until_changed(lab_page, lambda: lab.locator("img").first.get_attribute("src"), picture)
    lab.screenshot(path=str(artifacts / "scenario-lab-gbn.png"))


def test_quiz_gives_feedback_in_the_page(lab_page) -> None:
    quiz = lab_page.locator(".tcpedu-quiz")
    quiz.scroll_into_view_if_needed()
    box = quiz.locator("input").first
    box.fill("1000")
    quiz.get_by_role("button", name="Check").click()
    feedback = quiz.locator(".tcpedu-feedback")
    feedback.get_by_text("SEQ of the segment", exact=False).wait_for(timeout=WAIT_MS)
    box.fill("1001")
    quiz.get_by_role("button", name="Check").click()
    feedback.get_by_text("Right: 1001", exact=False).wait_for(timeout=WAIT_MS)


def test_no_console_errors(lab_page) -> None:
    assert lab_page.console_errors == []


# -- exported HTML, no kernel --------------------------------------------------------------------

@pytest.fixture(scope="module")
def exported_page(tmp_path_factory, widget_embed, artifacts) -> Path:
    """The players notebook executed with nbclient (widget state stored), exported to HTML."""
    from nbclient import NotebookClient
    from nbconvert import HTMLExporter

    out = tmp_path_factory.mktemp("export")
    nb = nbformat.read(NOTEBOOK, 4)
    nb.cells = nb.cells[:3]  # imports + the pre-rendered handshake player
    NotebookClient(nb, kernel_name="python3", timeout=600, store_widget_state=True,
                   resources={"metadata": {"path": str(out)}}).execute()
    for item in (widget_embed / "html-manager" / "dist").iterdir():
        if item.suffix != ".map":
            shutil.copy(item, out / item.name)
    shutil.copy(widget_embed / "requirejs" / "require.js", out / "require.js")
    exporter = HTMLExporter(template_name="lab", widget_renderer_url="embed-amd.js",
                            require_js_url="require.js", mathjax_url="")
    body, _ = exporter.from_notebook_node(nb)
    page = out / "players.html"
    page.write_text(body, encoding="utf-8")
    shutil.copy(page, artifacts / "players-exported.html")
    return page


def test_exported_page_steps_without_a_kernel(browser, exported_page, artifacts) -> None:
    page = browser.new_page(viewport={"width": 1400, "height": 1000})
    errors: list[str] = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.route(re.compile(r"^https?://"), lambda route: route.abort())  # prove: no network
    page.goto(exported_page.as_uri())
    page.wait_for_selector(".tcpedu-player .tcpedu-narration", timeout=WAIT_MS)
    player = page.locator(".tcpedu-player").first
    first_img = player.locator("img").first.get_attribute("src")
    before = narration(player)
    assert "step 1 of" in before
    player.locator(".tcpedu-slider .noUi-handle").focus()
    page.keyboard.press("ArrowRight")
    after = wait_until_changed(page, lambda: narration(player), before)
    assert "step 2 of" in after
    assert player.locator("img").first.get_attribute("src") != first_img  # another frame
    page.keyboard.press("End")
    last = wait_until_changed(page, lambda: narration(player), after)
    m = re.search(r"step (\d+) of (\d+)", last)
    assert m and m.group(1) == m.group(2)
    page.screenshot(path=str(artifacts / "exported-last-frame.png"), full_page=True)
    assert "Error displaying widget" not in page.locator("body").inner_text()
    assert errors == []
    page.close()
