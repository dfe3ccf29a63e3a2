#!/usr/bin/env python3
"""Keep the course notebooks' pairs in step, and generate the course map and navigation from them.

Each notebook is a jupytext pair: ``NN-title.md`` (a MyST Markdown notebook, the text you edit and
review) beside ``NN-title.ipynb`` (stored without outputs), paired as ``ipynb,md:myst``. Edit either
side and run this script (or ``jupytext --sync``): the side changed last wins, as with jupytext.

Then, like PythonDataScienceHandbook's ``tools/add_navigation.py``: each notebook's title (its first
``# `` heading) and the first sentence of its Overview become one line of the course map, which is
written into README.md (between ``<!-- course-map:start -->`` and ``<!-- course-map:end -->``) and
into the cell of ``00-start-here`` that holds ``<!-- course-map -->``. Every notebook gets a
``< previous | contents | next >`` cell right after its title cell and as its last cell.

    python scripts/build_course_map.py           # sync the pairs, rewrite what is out of date
    python scripts/build_course_map.py --check   # exit 1 if anything would change
"""

from __future__ import annotations

import argparse
import re
import shutil
import sys
import tempfile
from pathlib import Path

import jupytext
import nbformat

ROOT = Path(__file__).resolve().parent.parent
NOTEBOOKS = ROOT / "notebooks"
README = ROOT / "README.md"
MAP_MARK = "<!-- course-map -->"
NAV_MARK = "<!-- navigation -->"
README_START, README_END = "<!-- course-map:start -->", "<!-- course-map:end -->"
CONTENTS = "00-start-here.ipynb"
#: How every notebook is paired (jupytext's ``formats`` metadata).
FORMATS = "ipynb,md:myst"
TEXT_FORMAT = "md:myst"


def notebook_files(folder: Path = NOTEBOOKS) -> list[Path]:
    """The course notebooks in order (the .ipynb side of each pair)."""
    stems = {p.stem for p in folder.glob("[0-9][0-9]-*.ipynb")}
    stems |= {p.stem for p in folder.glob("[0-9][0-9]-*.md")}
    return [folder / f"{stem}.ipynb" for stem in sorted(stems)]


def text_of(path: Path) -> Path:
    """The MyST Markdown side of the pair ``path`` belongs to."""
    return path.with_suffix(".md")


def read_pair(path: Path) -> nbformat.NotebookNode:
    """The notebook of the pair ``path``: the side changed last wins (as ``jupytext --sync``).

    Outputs are never kept (the notebooks are stored clean), so the text side carries everything.
    """
    md = text_of(path)
    sides = [p for p in (path, md) if p.exists()]
    newest = max(sides, key=lambda p: (p.stat().st_mtime, p.suffix == ".md"))
    nb = jupytext.read(newest)
    nb.metadata.setdefault("jupytext", {})["formats"] = FORMATS
    nb.metadata["jupytext"].pop("text_representation", None)
    nb.metadata.setdefault("language_info", {"name": "python"})
    return nb


def write_pair(nb: nbformat.NotebookNode, path: Path) -> bool:
    """Write both sides of the pair from ``nb``; return whether either file changed."""
    for cell in nb.cells:
        if cell.cell_type == "code":
            cell.outputs, cell.execution_count = [], None
    _stable_ids(nb, path.stem)
    ipynb = nbformat.writes(nb)
    ipynb += "" if ipynb.endswith("\n") else "\n"
    text = jupytext.writes(nb, fmt=TEXT_FORMAT)
    changed = False
    for target, content in ((path, ipynb), (text_of(path), text)):
        if not target.exists() or target.read_text(encoding="utf-8") != content:
            target.write_text(content, encoding="utf-8")
            changed = True
    return changed


def pair_in_sync(path: Path) -> bool:
    """Whether the .md is exactly what jupytext writes from the .ipynb (and both exist)."""
    md = text_of(path)
    if not (path.exists() and md.exists()):
        return False
    nb = nbformat.read(path, as_version=4)
    return (nb.metadata.get("jupytext", {}).get("formats") == FORMATS
            and jupytext.writes(nb, fmt=TEXT_FORMAT) == md.read_text(encoding="utf-8"))


def title_and_overview(nb: nbformat.NotebookNode) -> tuple[str, str]:
    """The notebook's ``# `` title and the first sentence of its Overview section."""
    text = "\n\n".join(c.source for c in nb.cells if c.cell_type == "markdown")
    title = re.search(r"^# (.+)$", text, re.M)
    overview = re.search(r"^## Overview\s*\n+(.+?)(?:\n\n|\n#|$)", text, re.M | re.S)
    if not title or not overview:
        raise SystemExit("a notebook lacks a '# title' or an '## Overview' paragraph")
    first = re.split(r"(?<=[.!?])\s", " ".join(overview.group(1).split()), maxsplit=1)[0]
    return title.group(1).strip(), first


LABS = ROOT / "course" / "labs"


def lab_titles() -> list[tuple[str, str]]:
    """``(folder name, title)`` of every lab, from the ``# `` heading of its MyST source."""
    found = []
    for source in sorted(LABS.glob("[0-9][0-9]-*/source.md")):
        title = re.search(r"^# (.+)$", source.read_text(encoding="utf-8"), re.M)
        if not title:
            raise SystemExit(f"{source} lacks a '# title'")
        found.append((source.parent.name, title.group(1).strip()))
    return found


def course_map(notebooks: dict[Path, nbformat.NotebookNode], prefix: str = "",
               course: str = "../course/") -> str:
    """Markdown: one linked line per notebook, then the labs and the learner's guides."""
    lines = []
    for path, nb in notebooks.items():
        title, overview = title_and_overview(nb)
        lines.append(f"- [{title}]({prefix}{path.name}): {overview}")
    lines += ["", "**Labs** (graded assignments: each learner gets their own numbers; the "
                  "notebooks they build on are named in each lab):", ""]
    lines += [f"- [{title}]({course}labs/{name}/lab.ipynb)" for name, title in lab_titles()]
    lines += ["", f"**Look up:** the [glossary]({course}glossary.md) (every term, with its Korean "
                  f"equivalent) and [common simplifications]({course}misconceptions.md) and "
                  "what the course shows instead."]
    return "\n".join(lines)


def navigation(files: list[Path], index: int) -> str:
    """The ``< previous | contents | next >`` line for notebook ``index``."""
    parts = []
    if index > 0:
        prev = files[index - 1]
        parts.append(f"[< {_short(prev)}]({prev.name})")
    parts.append(f"[Contents]({CONTENTS}#The-map-of-the-course)")
    if index + 1 < len(files):
        nxt = files[index + 1]
        parts.append(f"[{_short(nxt)} >]({nxt.name})")
    return f"{NAV_MARK}\n" + " | ".join(parts)


def _short(path: Path) -> str:
    number, _, words = path.stem.partition("-")
    return f"{number} {words.replace('-', ' ')}"


def _nav_cell(text: str) -> nbformat.NotebookNode:
    cell = nbformat.v4.new_markdown_cell(text)
    cell.pop("id", None)
    return cell


def add_navigation(nb: nbformat.NotebookNode, files: list[Path], index: int,
                   map_text: str) -> None:
    """Put the navigation cells (and, in 00, the map) into ``nb``."""
    nb.cells = [c for c in nb.cells if not c.source.startswith(NAV_MARK)]
    nav = navigation(files, index)
    nb.cells.insert(1, _nav_cell(nav))
    nb.cells.append(_nav_cell(nav))
    for cell in nb.cells:
        if cell.cell_type == "markdown" and MAP_MARK in cell.source:
            head = cell.source.split(MAP_MARK)[0]
            cell.source = f"{head}{MAP_MARK}\n{map_text}"


def _stable_ids(nb: nbformat.NotebookNode, stem: str) -> None:
    """Cell ids derived from position, so regenerating never changes them needlessly."""
    for i, cell in enumerate(nb.cells):
        cell["id"] = f"{stem[:2]}-{i:03d}"


def update_readme(map_text: str, readme: Path = README) -> bool:
    """Replace the README's map between its markers; return whether it changed."""
    text = readme.read_text(encoding="utf-8")
    if README_START not in text or README_END not in text:
        raise SystemExit(f"{readme} lacks the {README_START} … {README_END} markers")
    head, rest = text.split(README_START, 1)
    _, tail = rest.split(README_END, 1)
    new = f"{head}{README_START}\n{map_text}\n{README_END}{tail}"
    if new != text:
        readme.write_text(new, encoding="utf-8")
        return True
    return False


def _build(files: list[Path], readme: Path) -> list[str]:
    notebooks = {p: read_pair(p) for p in files}
    map_nb = course_map(notebooks)
    changed = []
    for i, (path, nb) in enumerate(notebooks.items()):
        add_navigation(nb, files, i, map_nb)
        if write_pair(nb, path):
            changed.append(path.stem)
    if update_readme(course_map(notebooks, "notebooks/", "course/"), readme):
        changed.append("README.md")
    return changed


def build(check: bool = False, folder: Path = NOTEBOOKS, readme: Path = README) -> list[str]:
    """Sync every pair and regenerate map and navigation; with ``check``, change nothing and
    list what is out of date (a pair out of sync counts)."""
    files = notebook_files(folder)
    if not check:
        return _build(files, readme)
    stale = [p.stem for p in files if not pair_in_sync(p)]
    with tempfile.TemporaryDirectory() as tmp:
        copies = []
        for path in files:
            for side in (path, text_of(path)):
                if side.exists():
                    shutil.copy2(side, tmp)
            copies.append(Path(tmp) / path.name)
        changed = _build(copies, Path(shutil.copy(readme, tmp)))
    return sorted(set(stale) | set(changed), key=lambda s: (s == "README.md", s))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="change nothing; exit 1 if stale")
    args = parser.parse_args(argv)
    changed = build(check=args.check)
    for name in changed:
        print(("stale: " if args.check else "updated: ") + name)
    return 1 if (args.check and changed) else 0


if __name__ == "__main__":
    sys.exit(main())
