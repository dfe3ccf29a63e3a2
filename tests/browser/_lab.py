"""What the browser tests do in JupyterLab: open, run and close notebooks in one page, start and
end kernels, and wait for exact conditions (never for a fixed time).

Every wait is bounded (``WAIT_MS``) and ends as soon as its condition holds.
"""

from __future__ import annotations

import json
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

#: Milliseconds to wait for a kernel round trip or a render (generous: 2 cores, shared).
WAIT_MS = 60_000
VIEWPORT = {"width": 1280, "height": 720}
#: Where :func:`phase` writes how long each step of the fixtures and tests took.
PHASES = Path(__file__).resolve().parents[2] / "test-artifacts" / "browser-phases.log"
_T0 = time.monotonic()


@contextmanager
def phase(what: str) -> Iterator[None]:
    """Time a step (JupyterLab's start, a notebook's run...) into :data:`PHASES`."""
    start = time.monotonic()
    try:
        yield
    finally:
        PHASES.parent.mkdir(parents=True, exist_ok=True)
        with open(PHASES, "a") as log:
            log.write(f"{start - _T0:7.2f} {time.monotonic() - start:6.2f} s  {what}\n")


#: The current notebook's kernel, once JupyterLab has it connected and idle.
KERNEL_IDLE = """() => { const w = window.jupyterapp && window.jupyterapp.shell.currentWidget;
  const k = w && w.sessionContext && w.sessionContext.session && w.sessionContext.session.kernel;
  return k && k.status === 'idle'; }"""


def wait_until(page: Any, check: Any, what: str) -> None:
    """Poll ``check()`` (a Python-side condition) every 50 ms until it holds, for at most
    :data:`WAIT_MS`; else fail saying ``what`` never happened."""
    for _ in range(WAIT_MS // 50):
        if check():
            return
        page.wait_for_timeout(50)
    raise AssertionError(f"timed out waiting for {what}")


def app_ready(page: Any) -> None:
    """Wait until JupyterLab has started and restored its layout."""
    page.wait_for_function("() => window.jupyterapp && window.jupyterapp.shell",
                           timeout=WAIT_MS * 2)
    page.evaluate("() => window.jupyterapp.restored")


def collect_errors(page: Any, console: bool = True) -> list[str]:
    """Start recording the page's uncaught errors (and console errors): the list fills as they
    come."""
    errors: list[str] = []
    if console:
        page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: errors.append(f"page error: {e}"))
    return errors


def open_notebook(page: Any, path: str) -> Any:
    """Open ``path`` in the running JupyterLab page as the current tab; wait for its kernel to be
    idle. Returns a locator of the notebook's panel (its own node, whatever else is open)."""
    with phase(f"open {path}"):
        node_id = page.evaluate(
            """async path => { const w = await window.jupyterapp.commands.execute(
                 'docmanager:open', {path}); window.jupyterapp.shell.activateById(w.id);
               await w.context.ready; return w.node.id; }""", path)
    with phase(f"its kernel idle: {path}"):
        page.wait_for_function(KERNEL_IDLE, timeout=WAIT_MS * 2)
    return page.locator(f"[id='{node_id}']")


def run_all(page: Any, code_cells: int) -> None:
    """Run every cell of the current notebook; wait until each has its execution number and the
    widget views they display have stopped loading."""
    with phase("run all"):
        _run_all(page, code_cells)
    with phase("widgets drawn"):
        widgets_drawn(page)


def _run_all(page: Any, code_cells: int) -> None:
    page.evaluate("window.jupyterapp.commands.execute('notebook:run-all-cells')")
    page.wait_for_function(
        "n => { const p = [...window.jupyterapp.shell.currentWidget.node"
        ".querySelectorAll('.jp-CodeCell .jp-InputPrompt')].map(e => e.textContent.trim());"
        " return p.length === n && p.every(t => /\\[\\d+\\]/.test(t)); }",
        arg=code_cells, timeout=WAIT_MS * 3)


def widgets_drawn(page: Any) -> None:
    """Wait until no widget output still says "Loading widget..." (jupyterlab-manager's text
    until the view is made, replaced by the view or by "Error displaying widget")."""
    page.wait_for_function(
        "() => ![...document.querySelectorAll('.jp-OutputArea-output')]"
        ".some(e => e.textContent === 'Loading widget...')", timeout=WAIT_MS)


def close_notebooks(page: Any, path: str | None = None) -> None:
    """Close the open notebook tabs (those of ``path`` only, if given) without asking to save
    (the outputs are the test's)."""
    page.evaluate(
        """path => { for (const w of [...window.jupyterapp.shell.widgets('main')]) {
             if (w.context && w.content && w.sessionContext
                 && (path === null || w.context.path === path)) {
               w.context.model.dirty = false; w.dispose(); } } }""", path)


def settled(page: Any, element: Any, frames: int = 3) -> None:
    """Wait until ``element``'s box is the same in ``frames`` animation frames running (layout
    done: a scroll, a theme or a panel width has been applied)."""
    handle = element.element_handle()
    handle.evaluate("el => { delete el.__tcpeduBox; delete el.__tcpeduSame; }")
    page.wait_for_function(
        """([el, frames]) => { const r = el.getBoundingClientRect();
          const key = [r.top, r.left, r.width, r.height].join();
          if (el.__tcpeduBox !== key) { el.__tcpeduBox = key; el.__tcpeduSame = 0; return false; }
          return ++el.__tcpeduSame >= frames; }""", arg=[handle, frames], polling="raf",
        timeout=WAIT_MS)


def sessions(lab_url: str, path: str) -> list[dict[str, Any]]:
    with urllib.request.urlopen(f"{lab_url}/api/sessions", timeout=10) as response:
        return [s for s in json.load(response) if s.get("path") == path]


def shut_down_kernels(lab_url: str, path: str) -> int:
    """End the sessions (and kernels) open on ``path``; how many there were."""
    found = sessions(lab_url, path)
    for session in found:
        request = urllib.request.Request(f"{lab_url}/api/sessions/{session['id']}",
                                         method="DELETE")
        urllib.request.urlopen(request, timeout=30).close()
    return len(found)


def start_kernel(lab_url: str, path: str, kernel: str = "python3") -> None:
    """Start the session JupyterLab would start on opening ``path`` (it finds and joins it)."""
    body = {"path": path, "type": "notebook", "name": path.rsplit("/", 1)[-1],
            "kernel": {"name": kernel}}
    request = urllib.request.Request(f"{lab_url}/api/sessions", data=json.dumps(body).encode(),
                                     method="POST", headers={"Content-Type": "application/json"})
    urllib.request.urlopen(request, timeout=WAIT_MS / 1000).close()


def put_notebook(lab_url: str, path: str, content: dict[str, Any]) -> None:
    urllib.request.urlopen(urllib.request.Request(
        f"{lab_url}/api/contents/{path}", data=json.dumps(
            {"type": "notebook", "content": content}).encode(),
        method="PUT", headers={"Content-Type": "application/json"}), timeout=30).close()


def get_notebook(lab_url: str, path: str) -> dict[str, Any]:
    with urllib.request.urlopen(f"{lab_url}/api/contents/{path}", timeout=10) as response:
        return json.load(response)["content"]
