"""The course as files: where the notebooks are, copying them out, and the checks their "try it"
cells use.

The notebooks ship inside the wheel as ``tcpedu/course_data`` (``setup.py`` copies ``notebooks/``
there at build time); in a source checkout or an editable install they are read from the
repository's ``notebooks/`` folder.
"""

from __future__ import annotations

import shutil
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from ..errors import ParameterError, TcpeduError

_PACKAGED = Path(__file__).resolve().parents[1] / "course_data"
_CHECKOUT = Path(__file__).resolve().parents[2] / "notebooks"
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


def copy_course(dest: str | Path, *, overwrite: bool = False) -> list[Path]:
    """Copy every notebook and the ``data/`` folder into ``dest``; return the notebooks written.

    ``dest`` is created if missing. Existing notebooks are kept unless ``overwrite`` is true, so a
    learner's edited copy is never lost by accident.
    """
    source = notebooks_dir()
    dest = Path(dest).expanduser()
    if dest.exists() and not dest.is_dir():
        raise ParameterError(f"{dest} exists and is not a folder")
    notebooks = notebook_paths(source)
    clashes = [nb.name for nb in notebooks if (dest / nb.name).exists()]
    if clashes and not overwrite:
        raise ParameterError(f"{dest} already holds {clashes[0]} (and {len(clashes) - 1} more); "
                             "choose an empty folder or pass --overwrite")
    try:
        dest.mkdir(parents=True, exist_ok=True)
        written = []
        for nb in notebooks:
            shutil.copyfile(nb, dest / nb.name)
            written.append(dest / nb.name)
        if (source / "data").is_dir():
            shutil.copytree(source / "data", dest / "data", ignore=_SKIP, dirs_exist_ok=True)
    except OSError as exc:
        raise ParameterError(f"cannot write the course into {dest}: {exc.strerror or exc}") from exc
    return written


# -- "try it" checks ----------------------------------------------------------------------------
def check_prediction(answer: Any, actual: Any, *, mistakes: Mapping[Any, str] | None = None,
                     why: str = "", hint: str = "") -> None:
    """Print feedback on a learner's ``answer`` against what the model really did (``actual``).

    ``mistakes`` maps a typical wrong answer to the explanation of that slip, so the feedback says
    what went wrong rather than only "no". ``None`` means "not answered yet": the cell prints how
    to answer and the hint, and never reveals ``actual``. Prints only (a notebook cell then shows
    nothing else); :func:`same_answer` is the comparison it uses.
    """
    if answer is None or answer is ...:
        print("Not answered yet: replace the None with your prediction and run the cell again.")
        if hint:
            print(f"Hint: {hint}")
        return
    if same_answer(answer, actual):
        print(f"Correct: {_show(actual)}." + (f" {why}" if why else ""))
        return
    for wrong, explanation in (mistakes or {}).items():
        if same_answer(answer, wrong):
            print(f"Not quite: {_show(answer)}. {explanation}")
            return
    print(f"Not quite: you said {_show(answer)}." + (f" Hint: {hint}" if hint else ""))


def same_answer(a: Any, b: Any) -> bool:
    """Whether two answers agree: strings and state names ignore case, ``_``/``-`` and commas."""
    if isinstance(a, str) and isinstance(b, str):
        return _norm(a) == _norm(b)
    if isinstance(a, (list, tuple)) and isinstance(b, (list, tuple)):
        return len(a) == len(b) and all(same_answer(x, y) for x, y in zip(a, b, strict=True))
    if isinstance(a, str) or isinstance(b, str):
        return _norm(str(a)) == _norm(str(b))
    return bool(a == b)


def _norm(text: str) -> str:
    return " ".join(text.upper().replace("_", "-").replace(",", " ").split())


def _show(value: Any) -> str:
    return str(value.value) if hasattr(value, "value") and isinstance(value.value, str) else repr(value)
