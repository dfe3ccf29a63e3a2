"""The course as files: where the notebooks, the labs and the learner's guides are, and copying
them out with the repository's layout (``notebooks/``, ``course/``), so every link between them
works the same in a clone, on Binder and in a copied course.

They ship inside the wheel as ``tcpedu/course_data`` (``setup.py`` copies ``notebooks/`` there,
and ``course/glossary.md``, ``course/misconceptions.md`` and each lab's student version
``course/labs/NN-name/lab.ipynb`` to ``course_data/course/``); in a source checkout or an
editable install they are read from the repository. (The notebooks' "try it" questions live in
:mod:`tcpedu.teach.exercises`.)
"""

from __future__ import annotations

import shutil
from pathlib import Path

from ..errors import ParameterError, TcpeduError

_PACKAGED = Path(__file__).resolve().parents[1] / "course_data"
_CHECKOUT = Path(__file__).resolve().parents[2] / "notebooks"
_CHECKOUT_COURSE = Path(__file__).resolve().parents[2] / "course"
#: What a learner gets from ``course/``: the guides the notebooks link to, and the labs.
GUIDES = ("glossary.md", "misconceptions.md")
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


def course_folder() -> Path:
    """The folder holding the learner's part of ``course/`` (packaged copy first)."""
    for candidate in (_PACKAGED / "course", _CHECKOUT_COURSE):
        if (candidate / GUIDES[0]).is_file():
            return candidate
    raise TcpeduError("the course guides are not installed; reinstall tcpedu from a wheel")


def lab_paths() -> list[Path]:
    """The labs' student notebooks (``NN-name/lab.ipynb``), in order."""
    return sorted((course_folder() / "labs").glob("[0-9][0-9]-*/lab.ipynb"))


def course_files() -> dict[Path, Path]:
    """Every file a learner gets: source path -> path relative to the course folder."""
    notebooks, course = notebooks_dir(), course_folder()
    files = {nb: Path("notebooks") / nb.name for nb in notebook_paths(notebooks)}
    files.update({lab: Path("course") / lab.relative_to(course) for lab in lab_paths()})
    files.update({course / name: Path("course") / name for name in GUIDES})
    return files


def copy_course(dest: str | Path, *, overwrite: bool = False) -> list[Path]:
    """Copy the course into ``dest`` with the repository's layout: ``notebooks/`` (with its
    ``data/``) and ``course/`` (the glossary, the common simplifications and the labs' student
    notebooks); return the notebooks written, the course's first.

    ``dest`` is created if missing. Existing files are kept unless ``overwrite`` is true, so a
    learner's edited copy is never lost by accident.
    """
    dest = Path(dest).expanduser()
    if dest.exists() and not dest.is_dir():
        raise ParameterError(f"{dest} exists and is not a folder")
    files = course_files()
    clashes = [str(rel) for rel in files.values() if (dest / rel).exists()]
    if clashes and not overwrite:
        raise ParameterError(f"{dest} already holds {clashes[0]} (and {len(clashes) - 1} more); "
                             "choose an empty folder or pass --overwrite")
    try:
        for source, rel in files.items():
            (dest / rel).parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(source, dest / rel)
        data = notebooks_dir() / "data"
        if data.is_dir():
            shutil.copytree(data, dest / "notebooks" / "data", ignore=_SKIP, dirs_exist_ok=True)
    except OSError as exc:
        raise ParameterError(f"cannot write the course into {dest}: {exc.strerror or exc}") from exc
    return [dest / rel for rel in files.values() if rel.suffix == ".ipynb"]
