"""The classroom on a real JupyterHub (hub/): five students log in at once, each follows the
nbgitpuller link, which pulls the course from a git server into their own server and opens
notebook 02, runs it whole and sees its widgets with no widget error. Each student's kernel
listens on Unix sockets in a private runtime folder of that student's server, not on TCP ports
(tests/test_kernel_transport.py says why).

Needs JupyterHub and nbgitpuller (hub/requirements.txt), configurable-http-proxy (npm, in
hub/node_modules), git, Playwright and Debian's Chromium; ``make test`` installs them (and says
why this skips when one cannot be had).
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import importlib.util
import shutil
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "hub"))
from classroom import NOTEBOOK, PROXY, Classroom  # noqa: E402
from test_kernel_transport import PROBE, assert_private_unix_sockets, socket_facts  # noqa: E402

pytestmark = pytest.mark.browser
CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run"]
STUDENTS = 5
WAIT_MS = 360_000  # five servers and kernels at once on a small, busy machine
#: How often a page checks what it waits for (Playwright's default, every animation frame, kept
#: five renderers drawing 60 frames a second for the whole wait).
POLL_MS = 250
#: Runs code in the notebook's kernel (through the hub's proxy and the server's websocket, as
#: JupyterLab does): its stdout and its result's text.
EXECUTE = """async (code) => {
  const kernel = window.jupyterapp.shell.currentWidget.sessionContext.session.kernel;
  const stdout = []; let result = null;
  const future = kernel.requestExecute({code, store_history: false});
  future.onIOPub = (msg) => {
    const c = msg.content;
    if (msg.header.msg_type === 'stream') stdout.push(c.text);
    else if (msg.header.msg_type === 'execute_result') result = c.data['text/plain'];
    else if (msg.header.msg_type === 'error') stdout.push(`${c.ename}: ${c.evalue}`);
  };
  await future.done;
  return {stdout: stdout.join(''), result};
}"""
ARTIFACTS = ROOT / "test-artifacts" / "hub"


def _needs() -> None:
    missing = [what for what, ok in (
        ("jupyterhub (pip install -r hub/requirements.txt)",
         importlib.util.find_spec("jupyterhub") is not None),
        ("nbgitpuller (pip install -r hub/requirements.txt)",
         importlib.util.find_spec("nbgitpuller") is not None),
        ("configurable-http-proxy (npm install in hub/)", PROXY.exists()),
        ("git", shutil.which("git") is not None),
        ("/usr/bin/chromium (Debian package chromium)", CHROMIUM.exists()),
        ("playwright", importlib.util.find_spec("playwright") is not None)) if not ok]
    if missing:
        pytest.skip("the classroom hub test needs " + ", ".join(missing))


async def _student(browser, room: Classroom, student: str) -> dict:
    context = await browser.new_context(viewport={"width": 1400, "height": 1000})
    page = await context.new_page()
    errors: list[str] = []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: errors.append(f"page error: {e}"))
    try:
        await page.goto(f"{room.url}/hub/login")
        await page.fill("#username_input", student)
        await page.fill("#password_input", room.password)
        await page.click("#login_submit")
        await page.wait_for_url("**/hub/**", timeout=WAIT_MS)
        await page.goto(room.link(), timeout=WAIT_MS)  # the link every student is given
        await page.wait_for_url(f"**/user/{student}/lab/**", timeout=WAIT_MS)
        await page.wait_for_function(
            "() => { const w = window.jupyterapp && window.jupyterapp.shell.currentWidget;"
            " const k = w && w.sessionContext && w.sessionContext.session"
            " && w.sessionContext.session.kernel; return k && k.status === 'idle'; }",
            polling=POLL_MS, timeout=WAIT_MS)
        path = await page.evaluate("window.jupyterapp.shell.currentWidget.context.path")
        await page.evaluate("window.jupyterapp.commands.execute('notebook:run-all-cells')")
        await page.wait_for_function(
            "() => { const p = [...document.querySelectorAll('.jp-CodeCell .jp-InputPrompt')]"
            ".map(e => e.textContent.trim()); return p.length > 0"
            " && p.every(t => /\\[\\d+\\]/.test(t)); }", polling=POLL_MS, timeout=WAIT_MS)
        await page.wait_for_selector(".tcpedu-player", timeout=WAIT_MS)
        await page.wait_for_timeout(500)
        await page.screenshot(path=str(ARTIFACTS / f"{student}.png"), full_page=True)
        text = await page.locator("body").inner_text()
        players = await page.locator(".tcpedu-player").count()
        probe = await page.evaluate(EXECUTE, PROBE)
        kernel = socket_facts(probe["stdout"].strip())  # while the kernel runs
        return {"student": student, "path": path, "text": text, "players": players,
                "errors": errors, "url": page.url, "probe": probe, "kernel": kernel}
    finally:
        await context.close()


async def _class(room: Classroom) -> list[dict]:
    from playwright.async_api import async_playwright

    async with async_playwright() as p:
        browser = await p.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        try:
            return await asyncio.gather(*(_student(browser, room, s) for s in room.students))
        finally:
            await browser.close()


@pytest.fixture(scope="module")
def visits():
    _needs()
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    with Classroom(STUDENTS, port=None, expose_app=True, log=ARTIFACTS / "jupyterhub.log") as room:
        # In a thread of its own: the browser tests' sync Playwright may hold this thread's loop.
        with concurrent.futures.ThreadPoolExecutor(1) as pool:
            results = pool.submit(asyncio.run, _class(room)).result()
        homes = {s: (room.state / "homes" / s / "tcpedu-course" / NOTEBOOK).exists()
                 for s in room.students}
        return results, homes


def test_five_students_each_pull_the_course_into_their_own_server(visits):
    results, homes = visits
    assert [r["student"] for r in results] == [f"student{n:02d}" for n in range(1, STUDENTS + 1)]
    assert all(homes.values()), homes
    for r in results:
        assert f"/user/{r['student']}/lab" in r["url"]
        assert r["path"] == f"tcpedu-course/{NOTEBOOK}"


def test_notebook_02_runs_whole_with_its_widgets_and_no_widget_error(visits):
    results, _ = visits
    for r in results:
        assert "Error displaying widget" not in r["text"], r["student"]
        assert "Traceback" not in r["text"], r["student"]
        assert r["players"] >= 1, r["student"]
        assert not [e for e in r["errors"] if "widget" in e.lower() or "model" in e.lower()], \
            (r["student"], r["errors"])


def test_each_students_kernel_listens_on_unix_sockets_in_their_servers_private_folder(visits):
    results, _ = visits
    for r in results:
        assert r["probe"]["result"] == "2", (r["student"], r["probe"])
        assert_private_unix_sockets(r["kernel"])
        assert Path(r["kernel"]["folder"]).parent.name == "run", r["kernel"]
    assert len({r["kernel"]["folder"] for r in results}) == STUDENTS  # one folder per server
