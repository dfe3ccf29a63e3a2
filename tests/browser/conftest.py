"""A real JupyterLab (from .venv, token-less, on a free loopback port, in a temporary root) and
Debian's Chromium driven by Playwright. One server, one browser and one JupyterLab page per test
session; JupyterLab (and nbconvert making the exported pages) start while Chromium starts.

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
import tempfile
import time
import urllib.request
from collections.abc import Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from pathlib import Path

import pytest
from _lab import PHASES, VIEWPORT, app_ready, collect_errors, phase, shut_down_kernels, start_kernel

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run"]
HERE = Path(__file__).resolve().parent
REPO = HERE.parent.parent
ARTIFACTS = REPO / "test-artifacts" / "browser"
LAB_LOG = ARTIFACTS.parent / "jupyter-lab.log"
NBCONVERT_LOG = ARTIFACTS.parent / "nbconvert.log"
#: Notebooks exported with `jupyter nbconvert --to tcpedu-html --execute` (name: its folder): a
#: course notebook (one player) and the players notebook (a handshake, 300 segments, a lab).
EXPORTED = {"02-three-way-handshake": REPO / "notebooks", "players": HERE / "notebooks"}


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


class Background:
    """What the session starts before its first test needs it, so that it runs while Chromium
    starts and the first tests run: JupyterLab, and nbconvert making the exported pages."""

    def __init__(self, root: Path, home: Path, exports: Path) -> None:
        self.root, self.home, self.exports = root, home, exports
        self.lab: subprocess.Popen | None = None
        self.runtime = ""  # JupyterLab's runtime folder: its kernels' sockets
        self.url = ""
        self.nbconvert: subprocess.Popen | None = None
        #: Whether the selected tests need the exported pages (made once JupyterLab has loaded).
        self.exports_wanted = False
        self._pages: dict[str, Path] | None = None

    def start_lab(self) -> None:
        """Start ``jupyter lab`` (token-less, on a free loopback port); :meth:`lab_url` waits."""
        port = _free_port()
        home = self.home
        # Kernels on Unix sockets, as `make lab` starts them (tests/test_kernel_transport.py):
        # no TCP port another process can take first (jupyter_client#487). They go in the
        # runtime folder, private and short enough for a socket's path (pytest's is too long).
        self.runtime = tempfile.mkdtemp(prefix="tcpedu-browser-", dir="/tmp")
        env = dict(os.environ, JUPYTER_CONFIG_DIR=str(home / "config"),
                   JUPYTER_RUNTIME_DIR=self.runtime, IPYTHONDIR=str(home / "ipython"),
                   JUPYTERLAB_SETTINGS_DIR=str(home / "settings"),
                   JUPYTERLAB_WORKSPACES_DIR=str(home / "workspaces"), MPLBACKEND="Agg")
        # The settings the course ships (binder/overrides.json, also used by `make lab`): widget
        # state saved with the notebook, no news or update checks (no network here).
        overrides = json.loads((REPO / "binder" / "overrides.json").read_text())
        for plugin, values in overrides.items():
            package, name = plugin.split(":")
            (home / "settings" / package).mkdir(parents=True, exist_ok=True)
            (home / "settings" / package / f"{name}.jupyterlab-settings").write_text(
                json.dumps(values))
        # No "build needed?" check on each page load (it runs node three times on the server).
        (home / "config" / "labconfig").mkdir(parents=True, exist_ok=True)
        (home / "config" / "labconfig" / "page_config.json").write_text(
            json.dumps({"buildCheck": False, "buildAvailable": False}))
        jupyter = Path(sys.executable).with_name("jupyter")
        with open(LAB_LOG, "wb") as out:
            self.lab = subprocess.Popen(
                [str(jupyter), "lab", "--no-browser", f"--ServerApp.port={port}",
                 "--ServerApp.ip=127.0.0.1", "--ServerApp.token=", "--ServerApp.password=",
                 "--ServerApp.open_browser=False", f"--ServerApp.root_dir={self.root}",
                 "--ServerApp.disable_check_xsrf=True", "--LabApp.expose_app_in_browser=True",
                 "--LabApp.news_url=None", "--ServerApp.port_retries=0", "--allow-root",
                 "--LabApp.extension_manager=readonly", "--KernelManager.transport=ipc"],
                stdout=out, stderr=subprocess.STDOUT, env=env, cwd=self.root)
        self.url = f"http://127.0.0.1:{port}"

    def lab_url(self) -> str:
        """JupyterLab's base URL once it answers (started now if it was not)."""
        if self.lab is None:
            self.start_lab()
        deadline = time.monotonic() + 90
        with phase("JupyterLab answers (wait left after Chromium's start)"):
            while True:
                try:
                    with urllib.request.urlopen(f"{self.url}/api/status", timeout=2):
                        return self.url
                except OSError:
                    if self.lab.poll() is not None or time.monotonic() > deadline:
                        raise RuntimeError(f"jupyter lab did not start; see {LAB_LOG}") from None
                    time.sleep(0.1)

    def start_exports(self) -> None:
        """Run and export :data:`EXPORTED` with nbconvert's command line (one process)."""
        if self.nbconvert is not None:
            return
        with open(NBCONVERT_LOG, "wb") as out:
            self.nbconvert = subprocess.Popen(
                [sys.executable, "-m", "nbconvert", "--to", "tcpedu-html", "--execute",
                 "--ExecutePreprocessor.timeout=300", "--output-dir", str(self.exports),
                 *(str(folder / f"{name}.ipynb") for name, folder in EXPORTED.items())],
                stdout=out, stderr=subprocess.STDOUT)

    def exported_pages(self) -> dict[str, Path]:
        """Each notebook of :data:`EXPORTED` as its offline page, once nbconvert has finished."""
        if self._pages is None:
            self.start_exports()
            with phase("exported pages (wait left for nbconvert)"):
                self.nbconvert.wait(timeout=600)
            assert self.nbconvert.returncode == 0, NBCONVERT_LOG.read_text()[-1500:]
            self._pages = {name: self.exports / f"{name}.html" for name in EXPORTED}
        return self._pages

    def stop(self) -> None:
        for proc in (self.lab, self.nbconvert):
            if proc is None or proc.poll() is not None:
                continue
            proc.terminate()
            try:
                proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                proc.kill()
        if self.runtime:
            shutil.rmtree(self.runtime, ignore_errors=True)


@pytest.fixture(scope="session", autouse=True)
def background(request: pytest.FixtureRequest, notebook_root: Path,
               tmp_path_factory: pytest.TempPathFactory) -> Iterator[Background]:
    """Start, before the first browser test, what the selected tests will need: JupyterLab
    (Chromium starts meanwhile), and the exported pages once JupyterLab has loaded (they are
    needed last: the CPU goes to the server and the page first)."""
    LAB_LOG.parent.mkdir(parents=True, exist_ok=True)
    PHASES.unlink(missing_ok=True)
    work = Background(notebook_root, tmp_path_factory.mktemp("jupyter-home"),
                      tmp_path_factory.mktemp("exported"))
    needed = {name for item in request.session.items if HERE in Path(str(item.fspath)).parents
              for name in getattr(item, "fixturenames", ())}
    if not CHROMIUM.exists():
        needed = set()  # the browser fixture skips every test, saying why
    if "lab_url" in needed:
        work.start_lab()
    work.exports_wanted = "exported_pages" in needed
    try:
        yield work
    finally:
        with phase("JupyterLab and nbconvert stop"):
            work.stop()


@pytest.fixture(scope="session")
def lab_url(background: Background, browser) -> str:
    """The base URL of the session's ``jupyter lab`` (stopped at the end of the session), once it
    answers: Chromium (which every test of JupyterLab needs) starts first, while it starts."""
    return background.lab_url()


@pytest.fixture(scope="session")
def exported_pages(background: Background) -> dict[str, Path]:
    """Each notebook of :data:`EXPORTED` run and written as an offline page by nbconvert's command
    line (the `tcpedu-html` exporter registered by the package)."""
    return background.exported_pages()


@pytest.fixture(scope="session")
def browser() -> Iterator[object]:
    if not CHROMIUM.exists():
        _skip(f"{CHROMIUM} is missing (Debian package 'chromium'; `make test` installs it as root)")
    try:
        from playwright.sync_api import sync_playwright
    except ImportError as exc:
        _skip(f"python playwright is not installed ({exc})")
    with sync_playwright() as p:
        with phase("Chromium starts"):
            browser = p.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield browser
        with phase("Chromium stops"):
            browser.close()


@pytest.fixture(scope="session")
def lab_app(browser, lab_url: str, background: Background) -> Iterator[object]:
    """One JupyterLab page at 1280×720 (a workspace of its own, reset) in which tests open, run
    and close notebooks: JupyterLab loads once. ``page.console_errors`` lists the console errors
    and uncaught errors so far (a test checks those logged after it began)."""
    page = browser.new_page(viewport=VIEWPORT)
    page.console_errors = collect_errors(page)
    with phase("JupyterLab page loads"):
        page.goto(f"{lab_url}/lab/workspaces/browser-tests?reset")
        app_ready(page)
    if background.exports_wanted:
        background.start_exports()
    yield page
    page.close()


class Kernels:
    """Kernels started ahead (in threads) for notebooks a test will open next, so that a kernel
    boots while the test before runs (JupyterLab joins the session it finds for the path), and
    kernels shut down while the next test runs."""

    def __init__(self, lab_url: str) -> None:
        self.lab_url = lab_url
        self.pool = ThreadPoolExecutor(max_workers=2)
        self.started: dict[str, Future] = {}
        self.ending: list[Future] = []

    def shut_down(self, path: str) -> None:
        """End the sessions on ``path`` (in a thread; :meth:`close` waits for it)."""
        self.ending.append(self.pool.submit(shut_down_kernels, self.lab_url, path))

    def close(self) -> None:
        self.pool.shutdown(wait=True)
        for done in self.ending:
            done.result()

    def ahead(self, path: str) -> None:
        if path not in self.started:
            self.started[path] = self.pool.submit(start_kernel, self.lab_url, path)

    def ready(self, path: str) -> None:
        """Wait for the kernel started ahead for ``path`` (if one was)."""
        if path in self.started:
            with phase(f"kernel started ahead for {path} (wait left)"):
                self.started.pop(path).result()


@pytest.fixture(scope="session")
def kernels(lab_url: str) -> Iterator[Kernels]:
    started = Kernels(lab_url)
    yield started
    started.close()
