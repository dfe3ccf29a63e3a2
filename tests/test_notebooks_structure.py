"""The course notebooks follow the template, are stored clean, are jupytext pairs in sync, lint
clean with ruff, and the map lists them all."""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
from pathlib import Path

import jupytext
import nbformat
import pytest
from _course_support import ROOT

sys.path.insert(0, str(ROOT / "scripts"))
import build_course_map  # noqa: E402

EXPECTED = [
    "00-start-here", "01-segment-anatomy", "02-three-way-handshake", "03-data-transfer-seq-ack",
    "04-reliable-delivery", "05-ordering-and-reassembly", "06-connection-teardown",
    "07-state-machine", "08-session-hijacking", "09-real-traffic",
    "10-flow-and-congestion-control",
]
PATHS = [ROOT / "notebooks" / f"{name}.ipynb" for name in EXPECTED]
OPENING = ["## Overview", "## Prerequisites", "## Time to learn"]
CLOSING = ["## Summary", "## What's next"]


def headings(nb) -> list[str]:
    return [line.strip() for c in nb.cells if c.cell_type == "markdown"
            for line in c.source.splitlines() if line.startswith("#")]


def test_the_course_has_exactly_the_eleven_notebooks():
    found = sorted(p.stem for p in (ROOT / "notebooks").glob("*.ipynb"))
    assert found == EXPECTED


@pytest.mark.parametrize("path", PATHS, ids=EXPECTED)
def test_notebook_is_stored_without_outputs(path):
    nb = nbformat.read(path, as_version=4)
    nbformat.validate(nb)
    for cell in nb.cells:
        if cell.cell_type == "code":
            assert cell.outputs == [] and cell.execution_count is None, cell.source[:60]


@pytest.mark.parametrize("path", PATHS, ids=EXPECTED)
def test_notebook_opens_and_closes_with_the_template_sections(path):
    heads = headings(nbformat.read(path, as_version=4))
    assert heads[0].startswith("# "), "the first heading is the title"
    positions = [heads.index(h) for h in OPENING + CLOSING]
    assert positions == sorted(positions), f"sections out of order: {heads}"
    assert heads[-2:] == CLOSING, "Summary and What's next close the notebook"


@pytest.mark.parametrize("path", PATHS, ids=EXPECTED)
def test_notebook_has_two_to_four_checked_exercises(path):
    nb = nbformat.read(path, as_version=4)
    cells = nb.cells
    tries = [i for i, c in enumerate(cells) if c.cell_type == "markdown"
             for _ in re.findall(r"^### Try it", c.source, re.M)]
    assert 2 <= len(tries) <= 4, f"{len(tries)} 'Try it' exercises"
    for i in tries:
        section = []
        for cell in cells[i + 1:]:
            if cell.cell_type == "markdown" and re.search(r"^#", cell.source, re.M):
                break
            section.append(cell)
        assert any(c.cell_type == "code" and re.search(r"^q\d+\.check\(\)$", c.source, re.M)
                   for c in section), f"exercise at cell {i} is not checked in the notebook"


@pytest.mark.parametrize("path", PATHS, ids=EXPECTED)
def test_notebook_is_a_myst_pair_in_sync(path):
    """The .md is exactly what jupytext writes from the .ipynb, and reads back to the same cells."""
    md = path.with_suffix(".md")
    assert md.exists(), f"{md.name} is missing: run python scripts/build_course_map.py"
    nb = nbformat.read(path, as_version=4)
    assert nb.metadata["jupytext"]["formats"] == "ipynb,md:myst"
    assert build_course_map.pair_in_sync(path), \
        f"{path.stem}: .md and .ipynb differ; run python scripts/build_course_map.py"
    text = jupytext.read(md)
    assert [(c.cell_type, c.source) for c in text.cells] == \
        [(c.cell_type, c.source) for c in nb.cells]


def test_only_paired_notebooks_in_the_folder():
    folder = ROOT / "notebooks"
    assert sorted(p.stem for p in folder.glob("*.md")) == EXPECTED
    assert not (ROOT / "scripts" / "notebooks_src").exists()


def _ruff() -> str:
    found = shutil.which("ruff", path=str(Path(sys.executable).parent)) or shutil.which("ruff")
    assert found, "ruff is part of the test extra"
    return found


def test_ruff_lints_the_notebook_code_and_finds_it_clean():
    shown = subprocess.run([_ruff(), "check", "--show-files", "notebooks", "course"], cwd=ROOT,
                           capture_output=True, text=True).stdout
    labs = sorted((ROOT / "course" / "labs").glob("*/**/*.ipynb"))
    assert len(labs) >= 15
    for path in [*PATHS, *labs]:
        assert str(path) in shown, f"ruff does not read {path.name}"
    run = subprocess.run([_ruff(), "check", "--no-cache", "--output-format", "concise",
                          "notebooks", "course", "scripts"], cwd=ROOT, capture_output=True,
                         text=True)
    assert run.returncode == 0, run.stdout[-3000:]


def test_course_map_and_navigation_are_up_to_date():
    assert build_course_map.build(check=True) == [], \
        "run: python scripts/build_course_map.py"


def test_readme_and_start_here_list_every_notebook():
    readme = (ROOT / "README.md").read_text()
    start = "\n".join(c.source for c in nbformat.read(PATHS[0], as_version=4).cells)
    for name in EXPECTED:
        assert f"(notebooks/{name}.ipynb)" in readme
        assert f"]({name}.ipynb)" in start


def test_every_notebook_links_to_its_neighbours():
    for i, path in enumerate(PATHS):
        nb = nbformat.read(path, as_version=4)
        nav = [c.source for c in nb.cells if c.source.startswith(build_course_map.NAV_MARK)]
        assert len(nav) == 2 and nav[0] == nav[1]
        if i:
            assert f"({EXPECTED[i - 1]}.ipynb)" in nav[0]
        if i + 1 < len(PATHS):
            assert f"({EXPECTED[i + 1]}.ipynb)" in nav[0]
