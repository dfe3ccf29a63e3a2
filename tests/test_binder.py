"""Binder's set-up is the tested set-up: exact pins, no local references, and a fresh venv built
from ``binder/`` alone (requirements, then postBuild) runs every notebook under nbval.

The last test is SLOW: it installs only from a local wheelhouse (``~/.cache/tcpedu/wheelhouse``,
or ``$TCPEDU_WHEELHOUSE``, filled from PyPI the first time). The environment of
``binder/requirements.txt`` (plus the test harness) is built once per hash of those pins, in
``~/.cache/tcpedu/binder-env-HASH``; each run then makes a new venv layered on it (a ``.pth``
file), runs ``pip install -r binder/requirements.txt`` there (which must find everything
satisfied), runs ``postBuild`` (tcpedu from a clean copy of the tree) and then every notebook.
"""

from __future__ import annotations

import fcntl
import hashlib
import os
import re
import shutil
import subprocess
import sys
import sysconfig
import venv
from importlib import metadata
from pathlib import Path

import pytest
import tomllib
from _course_support import (
    BUILD_TOOLS,
    ROOT,
    WHEELHOUSE,
    clean_copy,
    harness_pins,
    offline_pip_env,
    wheelhouse,
)

BINDER = ROOT / "binder"
PIN = re.compile(r"^([A-Za-z0-9_.\-]+)==([0-9][A-Za-z0-9.+\-]*)$")


def requirement_lines() -> list[str]:
    lines = (BINDER / "requirements.txt").read_text().splitlines()
    return [ln.split("#")[0].strip() for ln in lines if ln.split("#")[0].strip()]


def test_requirements_are_exact_pins_without_local_references():
    for line in requirement_lines():
        assert PIN.match(line), f"not an exact pin from an index: {line!r}"


def test_requirements_pin_what_the_tests_run_with():
    for line in requirement_lines():
        name, version = PIN.match(line).groups()
        assert metadata.version(name) == version, f"{name}: binder pins {version}"


def test_requirements_cover_every_runtime_dependency():
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    pinned = {PIN.match(ln).group(1).lower() for ln in requirement_lines()}
    for dep in project["dependencies"]:
        name = re.split(r"[<>=!~\[; ]", dep, maxsplit=1)[0].lower()
        assert name in pinned, f"pyproject needs {name} but binder/requirements.txt lacks it"


def test_runtime_is_the_python_the_tests_use():
    runtime = (BINDER / "runtime.txt").read_text().strip()
    assert runtime == f"python-{sys.version_info.major}.{sys.version_info.minor}"


def test_postbuild_stops_on_error_and_installs_tcpedu_alone():
    text = (BINDER / "postBuild").read_text()
    assert text.startswith("#!/bin/bash") and "\nset -e\n" in text
    assert os.access(BINDER / "postBuild", os.X_OK)
    installs = [ln for ln in text.splitlines() if "pip install" in ln]
    assert installs and all("--no-deps" in ln for ln in installs)


def _site_packages(env_dir: Path) -> Path:
    relative = Path(sysconfig.get_path("purelib")).relative_to(sys.prefix)
    return env_dir / relative


def requirements_env() -> Path:
    """The venv holding binder/requirements.txt and the test harness, built once per hash of
    those pins (and of this Python); a lock keeps parallel runs from building it twice."""
    pins = [*requirement_lines(), *harness_pins()]
    key = hashlib.sha256("\n".join([sys.version, *pins]).encode()).hexdigest()[:16]
    cache = WHEELHOUSE.parent / f"binder-env-{key}"
    cache.parent.mkdir(parents=True, exist_ok=True)
    with open(cache.parent / f"binder-env-{key}.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if (cache / ".complete").exists():
            return cache
        shutil.rmtree(cache, ignore_errors=True)  # a build that was interrupted
        house = wheelhouse([*pins, *BUILD_TOOLS])
        venv.create(cache, with_pip=True)
        done = subprocess.run([str(cache / "bin" / "python"), "-m", "pip", "install", "-q", *pins],
                              env=offline_pip_env(house), capture_output=True, text=True)
        assert done.returncode == 0, done.stderr[-3000:]
        (cache / ".complete").write_text("\n".join(pins) + "\n")
    return cache


@pytest.mark.binder
@pytest.mark.timeout(1800)  # the whole course twice over on a busy 2-core machine
def test_a_fresh_binder_environment_runs_every_notebook(tmp_path):
    # SLOW: a venv the way Binder builds it, from binder/ alone, then nbval over the course.
    base = requirements_env()
    house = wheelhouse(list(BUILD_TOOLS))
    clone = clean_copy(tmp_path / "repo")
    env_dir = tmp_path / "venv"
    venv.create(env_dir)  # pip too comes from the cached layer below (ensurepip took ~5 s)
    (_site_packages(env_dir) / "binder-requirements.pth").write_text(
        f"{_site_packages(base)}\n")
    bin_dir = env_dir / "bin"
    env = offline_pip_env(house)
    env["PATH"] = f"{bin_dir}{os.pathsep}{env['PATH']}"
    env["VIRTUAL_ENV"] = str(env_dir)

    def run(*cmd: str, cwd=clone) -> subprocess.CompletedProcess:
        done = subprocess.run(list(cmd), cwd=cwd, env=env, capture_output=True, text=True)
        assert done.returncode == 0, f"{' '.join(cmd)} failed:\n{done.stdout[-3000:]}\n{done.stderr[-3000:]}"
        return done

    installed = run(str(bin_dir / "python"), "-m", "pip", "install", "-r",
                    "binder/requirements.txt").stdout
    assert "Successfully installed" not in installed  # the cached environment is the pinned one
    run("bash", "binder/postBuild")
    where = run(str(bin_dir / "python"), "-c",
                "import tcpedu.teach.course as c; print(c.notebooks_dir())", cwd=tmp_path).stdout
    assert "site-packages" in where and "course_data" in where  # the installed copy, not the clone
    notebooks = sorted(str(p) for p in (clone / "notebooks").glob("[0-9][0-9]-*.ipynb"))
    assert len(notebooks) == 11
    # The harness only: nbval's kernels on Unix sockets, as in the main run (tests/conftest.py).
    plugins = tmp_path / "plugins"
    plugins.mkdir()
    shutil.copy(Path(__file__).with_name("nbval_unix_kernels.py"), plugins)
    env["PYTHONPATH"] = str(plugins)
    done = run(str(bin_dir / "python"), "-m", "pytest", "-q", "-p", "no:cacheprovider",
               "-p", "nbval_unix_kernels", "--nbval-lax", *notebooks, cwd=clone / "notebooks")
    assert re.search(r"\b\d+ passed\b", done.stdout) and " failed" not in done.stdout
