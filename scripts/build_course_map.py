#!/usr/bin/env python3
"""Generate the course map and the navigation cells from the notebooks themselves.

Like PythonDataScienceHandbook's ``tools/add_navigation.py``: each notebook's title (its first
``# `` heading) and the first sentence of its Overview become one line of the course map, which is
written into README.md (between ``<!-- course-map:start -->`` and ``<!-- course-map:end -->``) and
into the cell of ``00-start-here.ipynb`` that holds ``<!-- course-map -->``. Every notebook gets a
``< previous | contents | next >`` cell right after its title cell and as its last cell.

    python scripts/build_course_map.py           # rewrite what is out of date
    python scripts/build_course_map.py --check   # exit 1 if anything would change
"""

from __future__ import annotations

import argparse
import re
import sys
from pathlib import Path

import nbformat

ROOT = Path(__file__).resolve().parent.parent
NOTEBOOKS = ROOT / "notebooks"
README = ROOT / "README.md"
MAP_MARK = "<!-- course-map -->"
NAV_MARK = "<!-- navigation -->"
README_START, README_END = "<!-- course-map:start -->", "<!-- course-map:end -->"
CONTENTS = "00-start-here.ipynb"


def notebook_files(folder: Path = NOTEBOOKS) -> list[Path]:
    """The course notebooks in order."""
    return sorted(folder.glob("[0-9][0-9]-*.ipynb"))


def title_and_overview(nb: nbformat.NotebookNode) -> tuple[str, str]:
    """The notebook's ``# `` title and the first sentence of its Overview section."""
    text = "\n\n".join(c.source for c in nb.cells if c.cell_type == "markdown")
    title = re.search(r"^# (.+)$", text, re.M)
    overview = re.search(r"^## Overview\s*\n+(.+?)(?:\n\n|\n#|$)", text, re.M | re.S)
    if not title or not overview:
        raise SystemExit("a notebook lacks a '# title' or an '## Overview' paragraph")
    first = re.split(r"(?<=[.!?])\s", " ".join(overview.group(1).split()), maxsplit=1)[0]
    return title.group(1).strip(), first


def course_map(files: list[Path], prefix: str = "") -> str:
    """Markdown list: one linked line per notebook."""
    lines = []
    for path in files:
        title, overview = title_and_overview(nbformat.read(path, as_version=4))
        lines.append(f"- [{title}]({prefix}{path.name}): {overview}")
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


def update_notebook(path: Path, files: list[Path], index: int, map_text: str) -> bool:
    """Refresh one notebook's navigation cells (and the map in 00); return whether it changed."""
    nb = nbformat.read(path, as_version=4)
    before = nbformat.writes(nb)
    nb.cells = [c for c in nb.cells if not c.source.startswith(NAV_MARK)]
    nav = navigation(files, index)
    nb.cells.insert(1, _nav_cell(nav))
    nb.cells.append(_nav_cell(nav))
    for cell in nb.cells:
        if cell.cell_type == "markdown" and MAP_MARK in cell.source:
            head = cell.source.split(MAP_MARK)[0]
            cell.source = f"{head}{MAP_MARK}\n{map_text}"
    _stable_ids(nb, path.stem)
    after = nbformat.writes(nb)
    if after != before:
        path.write_text(after + ("" if after.endswith("\n") else "\n"), encoding="utf-8")
        return True
    return False


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


def build(check: bool = False) -> list[str]:
    """Regenerate everything; with ``check``, change nothing and list what is out of date."""
    files = notebook_files()
    changed = []
    if check:
        import shutil
        import tempfile

        with tempfile.TemporaryDirectory() as tmp:
            copies = [Path(shutil.copy(p, tmp)) for p in files]
            readme = Path(shutil.copy(README, tmp))
            map_nb = course_map(copies)
            for i, p in enumerate(copies):
                if update_notebook(p, copies, i, map_nb):
                    changed.append(files[i].name)
            if update_readme(course_map(files, "notebooks/"), readme):
                changed.append("README.md")
        return changed
    map_nb = course_map(files)
    for i, p in enumerate(files):
        if update_notebook(p, files, i, map_nb):
            changed.append(p.name)
    if update_readme(course_map(files, "notebooks/")):
        changed.append("README.md")
    return changed


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
