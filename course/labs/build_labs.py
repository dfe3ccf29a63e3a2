"""Write every lab's three notebooks from its one MyST source, by cell tags.

    .venv/bin/python course/labs/build_labs.py          # rewrite the notebooks
    .venv/bin/python course/labs/build_labs.py --check  # exit 1 if any notebook is stale
    .venv/bin/python course/labs/build_labs.py --release DIR [--graded]  # student copies only

Each lab ``NN-name/`` has one source, ``source.md``: a MyST Markdown notebook (JupyterLab opens it
with jupytext; Jupyter Book builds it). A cell without a version tag goes into every version; a
cell tagged ``student``, ``solution`` or ``testing`` only into that one:

- ``lab.ipynb`` — the student version: ``answer = ____`` cells with ``qN.check()``; no answers.
- ``instructor/solution.ipynb`` — the same lab answered by reading the model (never released).
- ``instructor/testing.ipynb`` — learntools-style proof of the checks: ``qN.self_test()`` runs
  the engine's own lists (the right answer in every accepted form, every recognised mistake).

The cell tagged ``setup`` opens the lab (``start(...)``); a graded release adds ``graded=True``
there. Answers are never written here: the checks compute them from the model for the student's
variant (``tcpedu/teach/exercises/labs/``).
"""

from __future__ import annotations

import copy
import sys
from pathlib import Path

import jupytext
import nbformat

HERE = Path(__file__).resolve().parent
VERSIONS = ("student", "solution", "testing")
KERNEL = {"display_name": "Python 3", "language": "python", "name": "python3"}
GRADED = ("namespace=globals())", "namespace=globals(), graded=True)")


def lab_folders() -> list[Path]:
    """Every lab folder (one with a ``source.md``), in order."""
    return sorted(p.parent for p in HERE.glob("[0-9][0-9]-*/source.md"))


def build(folder: Path, version: str, graded: bool = False) -> nbformat.NotebookNode:
    """One version of the lab in ``folder`` as a notebook (no outputs, no tags left)."""
    if version not in VERSIONS:
        raise SystemExit(f"version {version!r}: choose one of {', '.join(VERSIONS)}")
    source = jupytext.read(folder / "source.md")
    cells = []
    for cell in source.cells:
        tags = set(cell.metadata.get("tags", ()))
        if tags & set(VERSIONS) and version not in tags:
            continue
        cell = copy.deepcopy(cell)
        cell.metadata.pop("tags", None)
        if "setup" in tags and graded:
            if GRADED[0] not in cell.source:
                raise SystemExit(f"{folder.name}: the setup cell does not call start(..., "
                                 f"{GRADED[0]}")
            cell.source = cell.source.replace(*GRADED)
        cells.append(cell)
    nb = nbformat.v4.new_notebook(cells=cells)
    for index, cell in enumerate(nb.cells):
        cell["id"] = f"{version}-{index:02d}"
        if cell.cell_type == "code":
            cell.outputs, cell.execution_count = [], None
    nb.metadata = {"kernelspec": KERNEL, "language_info": {"name": "python"},
                   "tcpedu": {"lab": folder.name, "version": version}}
    nbformat.validate(nb)
    return nb


def _text(nb: nbformat.NotebookNode) -> str:
    text = nbformat.writes(nb)
    return text if text.endswith("\n") else text + "\n"


def outputs() -> dict[Path, str]:
    """Every lab notebook path and its text."""
    files = {}
    for folder in lab_folders():
        for version, path in (("student", folder / "lab.ipynb"),
                              ("solution", folder / "instructor" / "solution.ipynb"),
                              ("testing", folder / "instructor" / "testing.ipynb")):
            files[path] = _text(build(folder, version))
    return files


def release(dest: Path, graded: bool) -> list[Path]:
    """Write the student version of every lab to ``dest/NN-name.ipynb`` (what students get)."""
    dest.mkdir(parents=True, exist_ok=True)
    written = []
    for folder in lab_folders():
        path = dest / f"{folder.name}.ipynb"
        path.write_text(_text(build(folder, "student", graded)), encoding="utf-8")
        written.append(path)
    return written


def main(argv: list[str]) -> int:
    if "--release" in argv:
        dest = Path(argv[argv.index("--release") + 1])
        for path in release(dest, graded="--graded" in argv):
            print(path)
        return 0
    stale = []
    for path, text in outputs().items():
        if path.exists() and path.read_text(encoding="utf-8") == text:
            continue
        stale.append(path)
        if "--check" not in argv:
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(text, encoding="utf-8")
    if "--check" in argv and stale:
        print("stale lab notebooks (run course/labs/build_labs.py):",
              *[str(p.relative_to(HERE)) for p in stale], sep="\n  ")
        return 1
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
