"""Helpers shared by the course tests: a clean copy of the source tree and a local wheelhouse."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from importlib import metadata
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
WHEELHOUSE = Path(os.environ.get("TCPEDU_WHEELHOUSE",
                                 Path.home() / ".cache" / "tcpedu" / "wheelhouse"))
#: Build tools an isolated build of tcpedu needs, and the test harness run inside a Binder venv.
BUILD_TOOLS = ("setuptools>=68", "wheel")
HARNESS = ("pytest", "nbval")
_SOURCE = ("pyproject.toml", "setup.py", "MANIFEST.in", "README.md", "tcpedu", "notebooks",
           "binder", "course")
_IGNORE = shutil.ignore_patterns("__pycache__", "*.pyc", ".ipynb_checkpoints", "course_data")


def clean_copy(dest: Path) -> Path:
    """The files a fresh clone would hold for building tcpedu (no .venv, no build leftovers)."""
    dest.mkdir(parents=True, exist_ok=True)
    for name in _SOURCE:
        src = ROOT / name
        if src.is_dir():
            shutil.copytree(src, dest / name, ignore=_IGNORE)
        elif src.exists():
            shutil.copy2(src, dest / name)
    return dest


def harness_pins() -> list[str]:
    """The test harness pinned to the versions this test run uses."""
    return [f"{name}=={metadata.version(name)}" for name in HARNESS]


def wheelhouse(requirements: list[str]) -> Path:
    """A folder of wheels holding ``requirements``; filled from PyPI only when something is missing.

    Installs from it use ``--no-index``, so building a venv never depends on the network once
    the wheelhouse is complete.
    """
    WHEELHOUSE.mkdir(parents=True, exist_ok=True)
    pip = [sys.executable, "-m", "pip", "download", "-q", "-d", str(WHEELHOUSE)]
    offline = subprocess.run([*pip, "--no-index", "--find-links", str(WHEELHOUSE), *requirements],
                             capture_output=True, text=True)
    if offline.returncode != 0:
        online = subprocess.run([*pip, *requirements], capture_output=True, text=True)
        if online.returncode != 0:
            raise RuntimeError("cannot fill the wheelhouse (no package index reachable?):\n"
                               + online.stderr[-2000:])
    return WHEELHOUSE


def offline_pip_env(house: Path) -> dict[str, str]:
    """Environment making every pip call (also inside isolated builds) use only ``house``."""
    env = dict(os.environ)
    env.update(PIP_NO_INDEX="1", PIP_FIND_LINKS=str(house), PIP_DISABLE_PIP_VERSION_CHECK="1")
    env.pop("PYTHONPATH", None)
    env.pop("VIRTUAL_ENV", None)
    return env


def build_wheel(tmp: Path) -> Path:
    """Build tcpedu's wheel from a clean copy of the tree, as pip would; return the .whl path."""
    house = wheelhouse(list(BUILD_TOOLS))
    src = clean_copy(tmp / "src")
    out = tmp / "dist"
    run = subprocess.run([sys.executable, "-m", "pip", "wheel", "-q", "--no-deps", "-w", str(out),
                          str(src)], capture_output=True, text=True, env=offline_pip_env(house))
    assert run.returncode == 0, run.stderr[-3000:]
    (wheel,) = out.glob("tcpedu-*.whl")
    return wheel
