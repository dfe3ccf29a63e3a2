"""Binder's set-up is the tested set-up: exact pins, no local references, and a fresh venv built
from ``binder/`` alone (requirements, then postBuild) runs every notebook under nbval.

The last test is SLOW (about two minutes: a new venv with JupyterLab, then the whole course). It
installs only from a local wheelhouse (``~/.cache/tcpedu/wheelhouse``, or ``$TCPEDU_WHEELHOUSE``),
filled from PyPI the first time.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
import venv
from importlib import metadata

import pytest
import tomllib
from _course_support import (
    BUILD_TOOLS,
    ROOT,
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


@pytest.mark.binder
def test_a_fresh_binder_environment_runs_every_notebook(tmp_path):
    # SLOW: builds a venv the way Binder does, from binder/ alone, then runs nbval in it.
    house = wheelhouse([*requirement_lines(), *harness_pins(), *BUILD_TOOLS])
    clone = clean_copy(tmp_path / "repo")
    env_dir = tmp_path / "venv"
    venv.create(env_dir, with_pip=True)
    bin_dir = env_dir / "bin"
    env = offline_pip_env(house)
    env["PATH"] = f"{bin_dir}{os.pathsep}{env['PATH']}"
    env["VIRTUAL_ENV"] = str(env_dir)

    def run(*cmd: str, cwd=clone) -> subprocess.CompletedProcess:
        done = subprocess.run(list(cmd), cwd=cwd, env=env, capture_output=True, text=True)
        assert done.returncode == 0, f"{' '.join(cmd)} failed:\n{done.stdout[-3000:]}\n{done.stderr[-3000:]}"
        return done

    run(str(bin_dir / "python"), "-m", "pip", "install", "-q", "-r", "binder/requirements.txt")
    run("bash", "binder/postBuild")
    where = run(str(bin_dir / "python"), "-c",
                "import tcpedu.teach.course as c; print(c.notebooks_dir())", cwd=tmp_path).stdout
    assert "site-packages" in where and "course_data" in where  # the installed copy, not the clone
    run(str(bin_dir / "python"), "-m", "pip", "install", "-q", *harness_pins())
    notebooks = sorted(str(p) for p in (clone / "notebooks").glob("[0-9][0-9]-*.ipynb"))
    assert len(notebooks) == 11
    done = run(str(bin_dir / "python"), "-m", "pytest", "-q", "-p", "no:cacheprovider",
               "--nbval-lax", *notebooks, cwd=clone / "notebooks")
    assert re.search(r"\b\d+ passed\b", done.stdout) and " failed" not in done.stdout
