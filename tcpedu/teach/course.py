"""The course as files: where the notebooks and the labs are, and copying them out.

The notebooks and the labs' student versions ship inside the wheel as ``tcpedu/course_data``
(``setup.py`` copies ``notebooks/`` there, and each ``course/labs/NN-name/lab.ipynb`` to
``course_data/labs/``, at build time); in a source checkout or an editable install they are read
from the repository's ``notebooks/`` and ``course/labs/``. (The notebooks' "try it" questions
live in :mod:`tcpedu.teach.exercises`.)
"""

from __future__ import annotations

import shutil
from pathlib import Path

from ..errors import ParameterError, TcpeduError

_PACKAGED = Path(__file__).resolve().parents[1] / "course_data"
_CHECKOUT = Path(__file__).resolve().parents[2] / "notebooks"
_CHECKOUT_LABS = Path(__file__).resolve().parents[2] / "course" / "labs"
_SKIP = shutil.ignore_patterns(".ipynb_checkpoints", "__pycache__", "*.pyc")


def notebooks_dir() -> Path:
    """The folder holding the course notebooks (packaged copy first, then a source checkout)."""
    for candidate in (_PACKAGED, _CHECKOUT):
        if any(candidate.glob("[0-9][0-9]-*.ipynb")):
            return candidate
    raise TcpeduError("the course notebooks are not installed (no tcpedu/course_data and no "
                      "notebooks/ next to the package); reinstall tcpedu from a wheel")


def notebook_paths(folder: Path | None = None) -> list[Path]:
    """The course notebooks in course order (``00-…`` first)."""
    return sorted((folder or notebooks_dir()).glob("[0-9][0-9]-*.ipynb"))


def lab_paths() -> list[Path]:
    """The labs' student notebooks (``NN-name/lab.ipynb``), in order; none if not installed."""
    for candidate in (_PACKAGED / "labs", _CHECKOUT_LABS):
        found = sorted(candidate.glob("[0-9][0-9]-*/lab.ipynb"))
        if found:
            return found
    return []


def copy_course(dest: str | Path, *, overwrite: bool = False) -> list[Path]:
    """Copy every notebook, the ``data/`` folder and the labs' student notebooks (as
    ``labs/NN-name/lab.ipynb``) into ``dest``; return the notebooks written.

    ``dest`` is created if missing. Existing notebooks are kept unless ``overwrite`` is true, so a
    learner's edited copy is never lost by accident.
    """
    source = notebooks_dir()
    dest = Path(dest).expanduser()
    if dest.exists() and not dest.is_dir():
        raise ParameterError(f"{dest} exists and is not a folder")
    notebooks = notebook_paths(source)
    labs = {lab: Path("labs") / lab.parent.name / lab.name for lab in lab_paths()}
    targets = [nb.name for nb in notebooks] + [str(rel) for rel in labs.values()]
    clashes = [name for name in targets if (dest / name).exists()]
    if clashes and not overwrite:
        raise ParameterError(f"{dest} already holds {clashes[0]} (and {len(clashes) - 1} more); "
                             "choose an empty folder or pass --overwrite")
    try:
        dest.mkdir(parents=True, exist_ok=True)
        written = []
        for nb in notebooks:
            shutil.copyfile(nb, dest / nb.name)
            written.append(dest / nb.name)
        for lab, rel in labs.items():
            (dest / rel).parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(lab, dest / rel)
            written.append(dest / rel)
        if (source / "data").is_dir():
            shutil.copytree(source / "data", dest / "data", ignore=_SKIP, dirs_exist_ok=True)
    except OSError as exc:
        raise ParameterError(f"cannot write the course into {dest}: {exc.strerror or exc}") from exc
    return written
