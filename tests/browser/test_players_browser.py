"""Players in a real JupyterLab at 1280×720, in a saved notebook without a kernel and in an
exported page, driven through Chromium.

The player steps in the browser (static/player.js): these tests click, drag and type as a
learner would and read what the page shows.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import nbformat
import pytest
from _lab import (
    VIEWPORT,
    WAIT_MS,
    app_ready,
    close_notebooks,
    collect_errors,
    get_notebook,
    open_notebook,
    phase,
    put_notebook,
    run_all,
    sessions,
    settled,
    shut_down_kernels,
    wait_until,
)

HERE = Path(__file__).resolve().parent
NOTEBOOK = HERE / "notebooks" / "players.ipynb"
#: The handshake player, the 300-segment player and the one inside the scenario lab.
PLAYERS_IN_NOTEBOOK = 3


def narration(player) -> str:
    return player.locator(".tcpedu-narration").first.inner_text()


def counter(player) -> tuple[int, int]:
    m = re.search(r"step (\d+) of (\d+)", narration(player))
    assert m, narration(player)
    return int(m.group(1)), int(m.group(2))


def head_states(player) -> list[str]:
    return [t.text_content() for t in player.locator(".tcpedu-node-state").all()]


def press(page, player, key: str, times: int = 1) -> None:
    """Focus the player (``player`` is the player or holds one) and press ``key`` (``times``
    times: the focus stays on the player)."""
    player.evaluate("el => (el.matches('.tcpedu-player') ? el"
                    " : el.querySelector('.tcpedu-player')).focus()")
    for _ in range(times):
        page.keyboard.press(key)


def current_step_visible(page, player) -> bool:
    """The current step's band lies inside the ladder and inside the window."""
    return page.evaluate(
        """el => { const band = el.querySelector('.tcpedu-current-band');
        const svg = el.querySelector('.tcpedu-ladder'); if (!band || !svg) return false;
        const b = band.getBoundingClientRect(), s = svg.getBoundingClientRect();
        return b.top >= s.top - 1 && b.bottom <= s.bottom + 1 && b.top >= 0
          && b.bottom <= window.innerHeight; }""", player.element_handle())


@pytest.fixture(scope="module")
def lab_page(lab_app, kernels, artifacts):
    """The players notebook opened in the session's JupyterLab page (1280×720, nothing else
    open) with every cell run. ``page.players_errors`` lists the console and uncaught errors logged since it was opened."""
    page = lab_app
    close_notebooks(page)
    first_error = len(page.console_errors)
    page.players_errors = lambda: page.console_errors[first_error:]
    code_cells = sum(c.cell_type == "code" for c in nbformat.read(NOTEBOOK, 4).cells)
    open_notebook(page, NOTEBOOK.name)
    run_all(page, code_cells)
    page.wait_for_function(
        f"() => document.querySelectorAll('.tcpedu-player .tcpedu-ladder').length >= "
        f"{PLAYERS_IN_NOTEBOOK}", timeout=WAIT_MS)
    page.screenshot(path=str(artifacts / "lab-after-run-all.png"))
    yield page
    close_notebooks(page)
    kernels.shut_down(NOTEBOOK.name)


def player_n(page, n: int):
    return page.locator(".jp-OutputArea-output").filter(
        has=page.locator(".tcpedu-player")).nth(n)


def test_every_widget_renders_without_error(lab_page) -> None:
    text = lab_page.locator("body").inner_text()
    assert "Error displaying widget" not in text
    assert lab_page.locator(".tcpedu-player").count() == PLAYERS_IN_NOTEBOOK
    for selector in (".tcpedu-lab", ".tcpedu-builder", ".tcpedu-quiz"):
        assert lab_page.locator(selector).count() == 1, selector
    assert lab_page.locator(".tcpedu-lab .tcpedu-player").count() == 1


def test_buttons_slider_and_keys_step_in_the_browser(lab_page, artifacts) -> None:
    player = player_n(lab_page, 0)
    player.scroll_into_view_if_needed()
    press(lab_page, player, "Home")
    assert counter(player)[0] == 1
    before_states = head_states(player)
    player.locator(".tcpedu-step").click()
    wait_until(lab_page, lambda: counter(player)[0] == 2, "step 2")
    assert head_states(player) != before_states  # the client went CLOSED -> SYN-SENT
    assert player.locator(".tcpedu-slider").input_value() == "2"  # counts from 1, like the text
    player.screenshot(path=str(artifacts / "player-after-step.png"))
    player.locator(".tcpedu-back").click()
    wait_until(lab_page, lambda: counter(player)[0] == 1, "back to step 1")
    press(lab_page, player, "End")
    last, total = counter(player)
    assert last == total
    assert current_step_visible(lab_page, player)
    player.screenshot(path=str(artifacts / "player-last-step.png"))
    press(lab_page, player, "ArrowLeft")
    assert counter(player)[0] == total - 1
    player.locator(".tcpedu-slider").fill("3")
    wait_until(lab_page, lambda: counter(player)[0] == 3, "slider to step 3")
    press(lab_page, player, "ArrowRight")
    assert counter(player)[0] == 4
    press(lab_page, player, " ")  # space: play
    assert "Pause" in player.locator(".tcpedu-play").inner_text()
    press(lab_page, player, " ")  # and pause
    assert "Play" in player.locator(".tcpedu-play").inner_text()


def test_segments_only_mode_skips_application_events(lab_page) -> None:
    player = player_n(lab_page, 0)
    press(lab_page, player, "Home")
    player.locator(".tcpedu-mode").select_option("segments")
    seen = []
    for _ in range(4):
        player.locator(".tcpedu-step").click()
        seen.append(narration(player))
    assert all(re.search(r"\b(sends|receives|lost|arrives)\b", t) for t in seen), seen
    player.locator(".tcpedu-mode").select_option("all")


def test_the_state_diagram_highlights_both_sides_and_the_edge_taken(lab_page, artifacts) -> None:
    player = player_n(lab_page, 0)
    press(lab_page, player, "Home")
    player.locator(".tcpedu-tab-diagram").click()
    press(lab_page, player, "ArrowRight")  # an application call or a SYN: the client moves
    wait_until(lab_page, lambda: player.locator(".tcpedu-edge.tcpedu-taken").count() >= 1
               or counter(player)[0] > 3, "a state change")
    while player.locator(".tcpedu-edge.tcpedu-taken").count() == 0:
        press(lab_page, player, "ArrowRight")
    assert player.locator(".tcpedu-box.tcpedu-at-client").count() == 1
    assert player.locator(".tcpedu-box.tcpedu-at-server").count() == 1
    assert "→" in player.locator(".tcpedu-caption").inner_text()
    player.screenshot(path=str(artifacts / "player-diagram.png"))


def test_hovering_a_segment_shows_its_fields(lab_page, artifacts) -> None:
    player = player_n(lab_page, 0)
    press(lab_page, player, "End")
    player.locator(".tcpedu-seg .tcpedu-hit").first.hover(force=True)
    popover = player.locator(".tcpedu-popover")
    popover.wait_for(state="visible", timeout=WAIT_MS)
    text = popover.inner_text()
    assert "Acknowledgment number" in text and "Checksum" in text
    player.screenshot(path=str(artifacts / "player-explain.png"))
    lab_page.mouse.move(2, 2)


def test_a_300_segment_player_stays_windowed_and_keeps_the_current_step_in_view(
        lab_page, artifacts) -> None:
    player = player_n(lab_page, 1)
    player.scroll_into_view_if_needed()
    press(lab_page, player, "End")
    last, total = counter(player)
    assert last == total and total > 600
    assert current_step_visible(lab_page, player)
    drawn = player.locator(".tcpedu-seg").count()
    assert 0 < drawn < 60  # a window of rows, never 300 arrows smeared together
    press(lab_page, player, "Home")
    press(lab_page, player, "ArrowRight", times=30)
    assert counter(player)[0] == 31 and current_step_visible(lab_page, player)
    player.screenshot(path=str(artifacts / "player-300-segments.png"))


def test_what_if_a_data_segment_is_lost_it_is_retransmitted(lab_page, artifacts) -> None:
    lab = lab_page.locator(".tcpedu-lab")
    lab.scroll_into_view_if_needed()
    player = lab  # the lab shows its run in one player
    press(lab_page, player, "Home")  # the focus stays on the player as it steps
    while player.locator(".tcpedu-seg-data").count() == 0:
        lab_page.keyboard.press("ArrowRight")
    data_arrow = player.locator(".tcpedu-seg-data").first
    label = data_arrow.get_attribute("aria-label")
    seg_id = data_arrow.get_attribute("data-seg")
    data_arrow.locator(".tcpedu-hit").click(force=True)
    player.locator(".tcpedu-lose").click()
    banner = player.locator(".tcpedu-variant")
    banner.get_by_text("What if", exact=False).wait_for(timeout=WAIT_MS)
    assert f"segment {seg_id}" in banner.inner_text()
    lost = player.locator(f'.tcpedu-seg[data-seg="{seg_id}"]')
    words = re.search(r"(seq=\d+ len=\d+)", label).group(1)
    again = player.locator(".tcpedu-seg-retransmission").filter(
        has=lab_page.locator("text", has_text=words))
    press(lab_page, player, "Home")
    total = counter(player)[1]
    for _ in range(total):  # walk the new run until the resent segment is on the ladder
        if again.count():
            break
        lab_page.keyboard.press("ArrowRight")
    assert again.count() >= 1, f"no retransmission of {words} in the what-if run"
    assert lost.count() == 0 or "dropped" in lost.get_attribute("aria-label")
    lab.screenshot(path=str(artifacts / "what-if-lost.png"))
    banner.locator(".tcpedu-original").click()
    assert "original" in banner.inner_text()


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
    before = summary.inner_text()
    lab.locator("select").nth(1).select_option("gbn")  # receiver: Go-Back-N
    wait_until(lab_page, lambda: summary.inner_text() != before, "a new summary")
    assert lab.locator(".tcpedu-player .tcpedu-ladder").count() == 1
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
    assert lab_page.players_errors() == []


# -- a saved notebook, its kernel gone -----------------------------------------------------------

@pytest.fixture(scope="module")
def side_page(browser, lab_url):
    """A second JupyterLab page at 1280×720 (its own workspace, reset) for the saved notebook and
    lecture mode: JupyterLab loads once for both. ``page.page_errors`` lists uncaught errors."""
    page = browser.new_page(viewport=VIEWPORT)
    page.page_errors = collect_errors(page, console=False)
    with phase("second JupyterLab page loads"):
        page.goto(f"{lab_url}/lab/workspaces/side?reset")
        app_ready(page)
    yield page
    page.close()


@pytest.fixture(scope="module")
def saved_name(lab_url, kernels) -> str:
    """A notebook of the imports and the handshake player (the saved-notebook test's), its kernel
    booting while the second page loads."""
    name = "players-saved.ipynb"
    nb = nbformat.read(NOTEBOOK, 4)
    nb.cells = nb.cells[:3]  # imports, the handshake player
    put_notebook(lab_url, name, json.loads(nbformat.writes(nb)))
    kernels.ahead(name)
    return name


def test_a_saved_notebook_steps_without_its_kernel(saved_name, kernels, side_page, lab_url,
                                                   artifacts) -> None:
    """Run, save (the shipped settings save widget state), close, shut the kernel down, reopen
    and shut down the kernel JupyterLab starts for it: the player still steps with its buttons,
    slider and keys."""
    page, name = side_page, saved_name
    first_error = len(page.page_errors)
    try:
        kernels.ready(name)
        open_notebook(page, name)
        run_all(page, 2)
        page.evaluate("window.jupyterapp.commands.execute('docmanager:save')")
        wait_until(page, lambda: _saved_state(lab_url, name), "widget state in the file")
        close_notebooks(page, name)
        assert shut_down_kernels(lab_url, name) == 1
        with phase("saved notebook: reopened, the kernel JupyterLab starts idle"):
            notebook = open_notebook(page, name)
            notebook.locator(".tcpedu-player .tcpedu-ladder").first.wait_for(timeout=WAIT_MS)
        with phase("saved notebook: kernel shut down"):
            assert shut_down_kernels(lab_url, name) == 1  # ... is gone: none has this notebook
            page.evaluate("() => window.jupyterapp.serviceManager.sessions.refreshRunning()")
            page.wait_for_function("() => !window.jupyterapp.shell.currentWidget.sessionContext"
                                   ".session", timeout=WAIT_MS)
        assert sessions(lab_url, name) == []
        player = notebook.locator(".jp-OutputArea-output").filter(
            has=page.locator(".tcpedu-player")).first
        assert "Error displaying widget" not in notebook.inner_text()
        assert counter(player)[0] == 1
        player.locator(".tcpedu-step").click()
        wait_until(page, lambda: counter(player)[0] == 2, "the Step button")
        player.locator(".tcpedu-slider").fill("5")
        wait_until(page, lambda: counter(player)[0] == 5, "the slider")
        press(page, player, "End")
        last, total = counter(player)
        assert last == total
        press(page, player, "Home")
        assert counter(player)[0] == 1
        page.screenshot(path=str(artifacts / "saved-notebook-no-kernel.png"))
        assert page.page_errors[first_error:] == []
    finally:
        close_notebooks(page, name)
        kernels.shut_down(name)


def _saved_state(lab_url: str, name: str) -> bool:
    state = get_notebook(lab_url, name).get("metadata", {}).get("widgets", {})
    return "anywidget" in json.dumps(state)


# -- exported page, no kernel, no network ----------------------------------------------------------

def test_exported_page_steps_offline(browser, tmp_path, artifacts) -> None:
    from tcpedu import scenarios
    from tcpedu.views.widgets import export_html

    out = export_html(scenarios.run("loss_fast_retransmit"), tmp_path / "player.html")
    page = browser.new_page(viewport=VIEWPORT)
    errors: list[str] = []
    requests: list[str] = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.on("request", lambda r: requests.append(r.url))
    page.route(re.compile(r"^https?://"), lambda route: route.abort())
    page.goto(out.as_uri())
    page.wait_for_selector(".tcpedu-player .tcpedu-ladder", timeout=WAIT_MS)
    player = page.locator("#tcpedu-player")
    assert counter(player)[0] == 1
    page.keyboard.press("ArrowRight")
    assert counter(player)[0] == 2
    player.locator(".tcpedu-step").click()
    assert counter(player)[0] == 3
    page.keyboard.press("End")
    last, total = counter(player)
    assert last == total
    assert current_step_visible(page, player)
    page.screenshot(path=str(artifacts / "exported-last-step.png"))
    assert errors == []
    assert all(u.startswith(("file:", "blob:", "data:")) for u in requests), requests
    page.close()


#: The players on each page exported by conftest's ``exported_pages`` (`jupyter nbconvert --to
#: tcpedu-html --execute`): a course notebook (one player) and the players notebook (a
#: handshake, 300 segments, a player in a lab).
EXPORTED = {"02-three-way-handshake": 1, "players": PLAYERS_IN_NOTEBOOK}


@pytest.mark.parametrize("name", sorted(EXPORTED))
def test_exported_notebook_steps_offline(browser, exported_pages, artifacts, name) -> None:
    """nbconvert's own HTML fetches require.js, the widget manager and anywidget from CDNs; the
    tcpedu-html page fetches nothing, and its players step with buttons, slider and keys."""
    page = browser.new_page(viewport=VIEWPORT)
    errors = collect_errors(page)
    fetched: list[str] = []

    def refuse(route) -> None:
        fetched.append(route.request.url)
        route.abort()

    page.route(re.compile(r"^(?!file:)"), refuse)  # every request that is not the page's file
    page.goto(exported_pages[name].as_uri())
    players = EXPORTED[name]
    page.wait_for_function(f"() => document.querySelectorAll('.tcpedu-player .tcpedu-ladder')"
                           f".length === {players}", timeout=WAIT_MS)
    assert page.locator(".tcpedu-static:visible").count() == 0  # drawn: the picture steps aside
    for n in range(players):
        player = page.locator(".tcpedu-player").nth(n)
        player.scroll_into_view_if_needed()
        assert counter(player)[0] == 1
        player.locator(".tcpedu-step").click()
        assert counter(player)[0] == 2
        press(page, player, "ArrowRight")
        assert counter(player)[0] == 3
        press(page, player, "ArrowLeft")
        assert counter(player)[0] == 2
        player.locator(".tcpedu-slider").fill("4")
        assert counter(player)[0] == 4
        press(page, player, "End")
        last, total = counter(player)
        assert last == total
        assert current_step_visible(page, player)
    page.screenshot(path=str(artifacts / f"exported-notebook-{name}.png"))
    assert fetched == []
    assert errors == []
    page.close()


def test_exported_notebook_without_javascript_shows_the_whole_ladder(
        browser, exported_pages, artifacts) -> None:
    """Where the player cannot run at all, each player is a static SVG of every step."""
    context = browser.new_context(viewport=VIEWPORT, java_script_enabled=False)
    page = context.new_page()
    page.goto(exported_pages["players"].as_uri())
    pictures = page.locator(".tcpedu-static svg")
    assert pictures.count() == PLAYERS_IN_NOTEBOOK
    assert page.locator(".tcpedu-player").count() == 0
    for n in range(PLAYERS_IN_NOTEBOOK):
        title = pictures.nth(n).locator("title").first.text_content()
        steps = int(re.search(r"(\d+) steps", title).group(1))
        rows = pictures.nth(n).evaluate("svg => svg.viewBox.baseVal.height")
        assert steps > 3 and rows > steps * 20  # a row per step: the whole ladder
    pictures.first.scroll_into_view_if_needed()
    page.screenshot(path=str(artifacts / "exported-notebook-no-javascript.png"))
    context.close()


# -- lecture mode: projector look, light and dark ---------------------------------------------------

#: Relative luminance contrast of every drawn colour against the player's background, the
#: smallest font, the thinnest line, and whether the player fits the notebook's view.
MEASURE = """el => {
  const rgb = (c) => (c.match(/[\\d.]+/g) || []).slice(0, 3).map(Number);
  const lum = ([r, g, b]) => { const f = (v) => { v /= 255;
    return v <= 0.03928 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4; };
    return 0.2126 * f(r) + 0.7152 * f(g) + 0.0722 * f(b); };
  const ratio = (a, b) => { const [x, y] = [lum(a), lum(b)].sort((p, q) => q - p);
    return (x + 0.05) / (y + 0.05); };
  const bg = rgb(getComputedStyle(el).backgroundColor);
  let contrast = 99, worst = '', font = 99, thinnest = 99;
  for (const node of el.querySelectorAll('.tcpedu-seg, .tcpedu-lifeline, text, button, td')) {
    if (node.closest('[hidden], .tcpedu-sr-only')) continue;
    const box = node.getBoundingClientRect(); if (!box.width && !box.height) continue;
    const style = getComputedStyle(node);
    const c = ratio(rgb(style.color), bg);
    if (c < contrast) { contrast = c; worst = node.className.baseVal || node.className || node.tagName; }
    if (node.matches('text, button, td')) font = Math.min(font, parseFloat(style.fontSize));
  }
  for (const line of el.querySelectorAll('.tcpedu-arrow, .tcpedu-lifeline')) {
    thinnest = Math.min(thinnest, parseFloat(getComputedStyle(line).strokeWidth));
  }
  const view = el.closest('.jp-WindowedPanel-outer, .jp-Notebook').getBoundingClientRect();
  const r = el.getBoundingClientRect();
  return {contrast, worst, font, thinnest, dark: lum(bg) < 0.2,
          fits: r.height <= view.height && el.scrollWidth <= el.clientWidth + 1};
}"""


@pytest.fixture(scope="module")
def lecture_player(side_page, lab_url, kernels):
    """The player of a notebook showing lecture(scenarios.run('loss_rto')), run once in the
    second page with the file browser folded away (unfolded, and the theme put back to Light,
    after)."""
    page, name = side_page, "lecture.ipynb"
    first_error = len(page.page_errors)
    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(
        "from tcpedu import scenarios\nfrom tcpedu.views.widgets import lecture\n"
        "lecture(scenarios.run('loss_rto'))")], metadata=nbformat.read(NOTEBOOK, 4).metadata)
    put_notebook(lab_url, name, json.loads(nbformat.writes(nb)))
    folded = False
    try:
        notebook = open_notebook(page, name)
        run_all(page, 1)
        if page.locator(".jp-SideBar.jp-mod-left .lm-mod-current").count():
            page.evaluate("window.jupyterapp.commands.execute('application:toggle-left-area')")
            folded = True
        player = notebook.locator(".tcpedu-player").first
        player.wait_for(timeout=WAIT_MS)
        player.errors = lambda: page.page_errors[first_error:]
        yield player
    finally:
        page.evaluate("window.jupyterapp.commands.execute('apputils:change-theme', "
                      "{theme: 'JupyterLab Light'})")
        if folded:
            page.evaluate("window.jupyterapp.commands.execute('application:toggle-left-area')")
        close_notebooks(page, name)
        kernels.shut_down(name)


@pytest.mark.parametrize("theme", ["JupyterLab Light", "JupyterLab Dark"])
def test_lecture_mode_is_legible_on_a_projector(side_page, lecture_player, artifacts,
                                                 theme) -> None:
    """lecture(): text >= 28 px, lines >= 3 px, colours >= 3:1 against the background, in
    JupyterLab's light and dark themes; with the file browser folded away it fits 1280×720."""
    page, player = side_page, lecture_player
    page.evaluate(f"window.jupyterapp.commands.execute('apputils:change-theme', "
                  f"{{theme: '{theme}'}})")
    page.wait_for_function("t => document.body.dataset.jpThemeName === t", arg=theme,
                           timeout=WAIT_MS)
    player.locator(".tcpedu-tab-ladder").click()
    press(page, player, "Home")
    player.evaluate("el => el.scrollIntoView({block: 'start'})")
    settled(page, player)  # the theme's CSS and the width without the file browser
    press(page, player, "ArrowRight", times=12)
    assert counter(player)[0] == 13
    got = player.evaluate(MEASURE)
    page.screenshot(path=str(artifacts / f"lecture-{theme.split()[-1].lower()}.png"))
    assert got["dark"] == (theme == "JupyterLab Dark"), got
    assert got["font"] >= 28, got
    assert got["thinnest"] >= 3, got
    assert got["contrast"] >= 3, got
    assert got["fits"], got
    press(page, player, "End")
    assert current_step_visible(page, player)
    player.locator(".tcpedu-tab-diagram").click()
    assert player.evaluate(MEASURE)["font"] >= 28
    page.screenshot(path=str(artifacts / f"lecture-{theme.split()[-1].lower()}-diagram.png"))
    assert player.errors() == []


def test_keyboard_focus_is_visible_and_the_narration_is_announced(lab_page) -> None:
    player = player_n(lab_page, 0)
    player.scroll_into_view_if_needed()
    player.locator(".tcpedu-play").focus()
    lab_page.keyboard.press("Tab")  # to Step ▶, by keyboard: the focus ring must show
    focused = lab_page.evaluate(
        "() => { const e = document.activeElement; const s = getComputedStyle(e);"
        " return {cls: e.className, outline: s.outlineStyle, width: parseFloat(s.outlineWidth)}; }")
    assert "tcpedu-" in focused["cls"] and focused["outline"] != "none" and focused["width"] >= 2
    live = player.locator(".tcpedu-narration")
    assert live.get_attribute("aria-live") == "polite"
    desc = player.locator(".tcpedu-ladder").get_attribute("aria-labelledby")
    assert "Ladder diagram" in lab_page.locator(f"#{desc}").text_content()
