"""A real JupyterLab (from .venv, token-less, on a free loopback port, in a temporary root) and
Debian's Chromium driven by Playwright. One server and one browser per test session.

Skips, saying why, only when the browser cannot be had (no /usr/bin/chromium, no playwright).
Screenshots go to ``test-artifacts/browser/``.
"""

from __future__ import annotations

import json
import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run"]
HERE = Path(__file__).resolve().parent
REPO = HERE.parent.parent
ARTIFACTS = REPO / "test-artifacts" / "browser"


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        if HERE in Path(str(item.fspath)).parents:
            item.add_marker(pytest.mark.browser)


def _skip(reason: str) -> None:
    print(f"\nbrowser tests skipped: {reason}", file=sys.stderr)
    pytest.skip(reason)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="session")
def artifacts() -> Path:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    return ARTIFACTS


@pytest.fixture(scope="session")
def notebook_root(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("lab-root")
    for nb in (HERE / "notebooks").glob("*.ipynb"):
        shutil.copy(nb, root / nb.name)
    # The course itself, with its data, as a learner opens it.
    shutil.copytree(REPO / "notebooks", root / "course",
                    ignore=shutil.ignore_patterns(".ipynb_checkpoints"))
    return root


@pytest.fixture(scope="session")
def lab_url(notebook_root: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """Start ``jupyter lab`` and yield its base URL; stop it at the end of the session."""
    port = _free_port()
    home = tmp_path_factory.mktemp("jupyter-home")
    env = dict(os.environ, JUPYTER_CONFIG_DIR=str(home / "config"),
               JUPYTER_RUNTIME_DIR=str(home / "runtime"), IPYTHONDIR=str(home / "ipython"),
               JUPYTERLAB_SETTINGS_DIR=str(home / "settings"),
               JUPYTERLAB_WORKSPACES_DIR=str(home / "workspaces"), MPLBACKEND="Agg")
    # The settings the course ships (binder/overrides.json, also used by `make lab`): widget
    # state saved with the notebook, no news or update checks (no network here).
    overrides = json.loads((REPO / "binder" / "overrides.json").read_text())
    for plugin, values in overrides.items():
        package, name = plugin.split(":")
        (home / "settings" / package).mkdir(parents=True, exist_ok=True)
        (home / "settings" / package / f"{name}.jupyterlab-settings").write_text(json.dumps(values))
    # No "build needed?" check on each page load (it runs node three times on the server).
    (home / "config" / "labconfig").mkdir(parents=True, exist_ok=True)
    (home / "config" / "labconfig" / "page_config.json").write_text(
        json.dumps({"buildCheck": False, "buildAvailable": False}))
    jupyter = Path(sys.executable).with_name("jupyter")
    log = (ARTIFACTS.parent / "jupyter-lab.log")
    log.parent.mkdir(parents=True, exist_ok=True)
    with open(log, "wb") as out:
        proc = subprocess.Popen(
            [str(jupyter), "lab", "--no-browser", f"--ServerApp.port={port}",
             "--ServerApp.ip=127.0.0.1", "--ServerApp.token=", "--ServerApp.password=",
             "--ServerApp.open_browser=False", f"--ServerApp.root_dir={notebook_root}",
             "--ServerApp.disable_check_xsrf=True", "--LabApp.expose_app_in_browser=True",
             "--LabApp.news_url=None", "--ServerApp.port_retries=0", "--allow-root",
             "--LabApp.extension_manager=readonly"],
            stdout=out, stderr=subprocess.STDOUT, env=env, cwd=notebook_root)
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 90
        while True:
            try:
                with urllib.request.urlopen(f"{url}/api/status", timeout=2):
                    break
            except OSError:
                if proc.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError(f"jupyter lab did not start; see {log}") from None
                time.sleep(0.3)
        yield url
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            proc.kill()


@pytest.fixture(scope="session")
def browser() -> Iterator[object]:
    if not CHROMIUM.exists():
        _skip(f"{CHROMIUM} is missing (Debian package 'chromium'; `make test` installs it as root)")
    try:
        from playwright.sync_api import sync_playwright
    except ImportError as exc:
        _skip(f"python playwright is not installed ({exc})")
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield browser
        browser.close()
