"""A notebook exported as one offline page (``jupyter nbconvert --to tcpedu-html``, ``tcpedu
export``): players carried as their saved state and drawn by the inlined module, other widgets
as their static fallback, nothing fetched. (Stepping it in Chromium: tests/browser/.)"""

from __future__ import annotations

import html
import json
import re
import subprocess
import sys
from pathlib import Path

import nbformat
import pytest
from nbclient import NotebookClient
from nbconvert.exporters import HTMLExporter, get_exporter
from nbformat.v4 import new_code_cell, new_notebook

from tcpedu.cli import main as cli
from tcpedu.views.widgets.notebook_html import (
    WIDGET_VIEW,
    OfflineHTMLExporter,
    export_notebook_html,
)

CELLS = [
    "from tcpedu import scenarios\n"
    "from tcpedu.views.widgets import ScenarioLab, SegmentBuilder, TracePlayer\n"
    "trace = scenarios.run('handshake', seed=7)",
    "TracePlayer(trace)",
    "ScenarioLab('loss_fast_retransmit')",
    "SegmentBuilder(flags='S', seq=1000)",
]
#: Addresses an exported page may contain without fetching them: the SVG namespace name and the
#: links in the comments of JupyterLab's own CSS.
NOT_FETCHED = re.compile(r"http://www\.w3\.org/2000/svg|https://(meyerweb\.com|github\.com|"
                         r"material-components-web\.appspot\.com)/")


@pytest.fixture(scope="module")
def executed(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A small notebook with a player, a scenario lab and a segment builder, run by nbclient
    (which saves the widget state, as `tcpedu export` and `nbconvert --execute` do)."""
    nb = new_notebook(cells=[new_code_cell(c) for c in CELLS])
    NotebookClient(nb, timeout=300, kernel_name="python3").execute()
    path = tmp_path_factory.mktemp("nb") / "widgets.ipynb"
    nbformat.write(nb, path)
    return path


def fetched_urls(page: str) -> set[str]:
    """Every http(s) address in the page that something could fetch."""
    return {u for u in re.findall(r"https?://[^\s\"'`<>)]+", page) if not NOT_FETCHED.match(u)}


def states(page: str) -> list[dict]:
    return [json.loads(s) for s in
            re.findall(r'<script[^>]*class="tcpedu-state"[^>]*>(.*?)</script>', page, re.S)]


def test_the_exporter_is_registered_with_nbconvert() -> None:
    assert get_exporter("tcpedu-html") is OfflineHTMLExporter


def test_plain_nbconvert_html_loads_scripts_from_cdns(executed: Path) -> None:
    """Why the exporter exists: nbconvert's own page fetches require.js, the widget manager
    and MathJax."""
    page, _ = HTMLExporter().from_filename(str(executed))
    assert {"cdn.jsdelivr.net", "cdnjs.cloudflare.com"} & {
        u.split("/")[2] for u in fetched_urls(page)}


def test_exported_page_fetches_nothing_and_carries_every_player(executed: Path) -> None:
    page, _ = OfflineHTMLExporter().from_filename(str(executed))
    assert fetched_urls(page) == set()
    assert "<script src" not in page and "<link" not in page
    assert WIDGET_VIEW not in page and "widget-state+json" not in page
    found = states(page)
    assert len(found) == 2  # the player and the one inside the scenario lab
    steps = [len(json.loads(s["data"])["steps"]) for s in found]
    assert all(n > 3 for n in steps)
    assert found[0]["look"] == "notebook" and found[0]["step"] == 0
    assert page.count("export default { render }") == 1  # the module, inlined once
    assert "The controls need a running kernel" in page  # the lab says what is missing


def test_each_player_keeps_its_static_ladder_for_pages_without_javascript(executed: Path) -> None:
    page, _ = OfflineHTMLExporter().from_filename(str(executed))
    pictures = re.findall(r'<div class="tcpedu-static">(<svg.*?</svg>)</div>', page, re.S)
    assert len(pictures) == 2
    data = json.loads(states(page)[0]["data"])
    assert f"{len(data['steps'])} steps" in pictures[0]  # the whole ladder, not a crop
    assert all(html.escape(s["label"]) in pictures[0] for s in data["segments"].values())


def test_other_widgets_keep_their_static_fallback(executed: Path) -> None:
    page, _ = OfflineHTMLExporter().from_filename(str(executed))
    assert "<summary>scapy: <code>IP / TCP 10.0.0.1:40000 &gt; 10.0.0.2:http S</code>" in page
    assert "&lt;SegmentBuilder" not in page  # its HTML picture, not its repr


def test_without_widget_state_plain_nbconvert_shows_the_whole_ladder_as_svg(
        executed: Path) -> None:
    """Where widgets cannot render at all (no saved state), the picture is the SVG fallback."""
    nb = nbformat.read(executed, as_version=4)
    nb.metadata.pop("widgets")
    page, _ = HTMLExporter().from_notebook_node(nb)
    assert "jp-RenderedSVG" in page
    svg = nb.cells[1].outputs[0]["data"]["image/svg+xml"]
    assert "10 steps" in svg and "SYN" in svg


def test_nbconvert_command_line_writes_the_offline_page(executed: Path, tmp_path: Path) -> None:
    done = subprocess.run([sys.executable, "-m", "nbconvert", "--to", "tcpedu-html",
                           "--output-dir", str(tmp_path), str(executed)],
                          capture_output=True, text=True)
    assert done.returncode == 0, done.stderr[-500:]
    page = (tmp_path / "widgets.html").read_text()
    assert fetched_urls(page) == set() and len(states(page)) == 2


def test_tcpedu_export_uses_the_saved_outputs_or_says_what_is_wrong(
        executed: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert cli(["export", "--saved", "-o", str(tmp_path), str(executed)]) == 0
    assert len(states((tmp_path / "widgets.html").read_text())) == 2
    assert cli(["export", str(tmp_path / "widgets.html")]) == 2
    assert "not a notebook file" in capsys.readouterr().err
    assert cli(["export", "-o", str(tmp_path / "widgets.html"), str(executed)]) == 2
    assert cli(["export", "--saved", "-o", str(tmp_path / "new" / "dir"), str(executed)]) == 0
    assert (tmp_path / "new" / "dir" / "widgets.html").is_file()


def test_export_runs_a_stored_notebook_first(tmp_path: Path) -> None:
    nb = new_notebook(cells=[new_code_cell(CELLS[0]), new_code_cell(CELLS[1])])
    src = tmp_path / "bare.ipynb"
    nbformat.write(nb, src)
    page = export_notebook_html(src).read_text()
    assert len(states(page)) == 1
