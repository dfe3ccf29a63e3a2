"""Kernels on Unix sockets (the ``ipc`` transport), not TCP ports, in the servers students use:
JupyterLab as ``make lab`` starts it (here, the real ``make lab``) and the classroom hub's student
servers (tests/test_hub.py, with :data:`PROBE` and :func:`socket_facts`).

jupyter_client picks a TCP kernel's five ports by binding port 0 and closing it, and another
process may take one before the kernel binds it (jupyter/jupyter_client#487). jupyter_server puts a
kernel's sockets beside its connection file, in the server's runtime folder (JUPYTER_RUNTIME_DIR),
which must therefore be the server's own, private and short (a socket's path: 107 bytes at most).
"""

from __future__ import annotations

import asyncio
import json
import os
import re
import secrets
import shutil
import signal
import socket
import stat
import subprocess
import time
import urllib.error
import urllib.request
import uuid
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parent.parent
#: Run in a kernel: prints the kernel's connection file, then answers ``1 + 1``.
PROBE = "from ipykernel.connect import get_connection_file\nprint(get_connection_file())\n1 + 1"
#: The longest path a Unix socket may have (``sun_path`` is 108 bytes on Linux, with its NUL).
SOCKET_PATH_MAX = 107


def socket_facts(connection_file: str) -> dict[str, Any]:
    """What a kernel's connection file says and what is on disk at its sockets' paths (read while
    the kernel runs; the assertions come later, from :func:`assert_private_unix_sockets`)."""
    info = json.loads(Path(connection_file).read_text())
    sockets = [f"{info['ip']}-{info[name]}" for name in
               ("shell_port", "iopub_port", "stdin_port", "control_port", "hb_port")]
    folder = Path(connection_file).parent
    mode = folder.stat()
    return {"transport": info["transport"], "folder": str(folder),
            "sockets_in_folder": all(Path(s).parent == folder for s in sockets),
            "are_sockets": [Path(s).exists() and stat.S_ISSOCK(Path(s).stat().st_mode)
                            for s in sockets],
            "longest": max(len(os.fsencode(s)) for s in sockets),
            # Its permissions (jupyter_client adds the sticky bit against /tmp cleaners).
            "folder_mode": oct(mode.st_mode & 0o777), "folder_owner_is_me":
                mode.st_uid == os.getuid()}


def assert_private_unix_sockets(facts: dict[str, Any]) -> None:
    """The kernel listens on five Unix sockets in its server's private runtime folder."""
    assert facts["transport"] == "ipc", facts
    assert facts["sockets_in_folder"], facts
    assert facts["are_sockets"] == [True] * 5, facts
    assert facts["longest"] <= SOCKET_PATH_MAX, facts
    assert facts["folder_mode"] == "0o700" and facts["folder_owner_is_me"], facts


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


async def _execute(port: int, token: str, kernel_id: str, code: str) -> tuple[str, str | None]:
    """Run ``code`` in the kernel through the server's websocket, as JupyterLab does: (its
    stdout, its result's text)."""
    from tornado.httpclient import HTTPRequest
    from tornado.websocket import websocket_connect

    request = HTTPRequest(f"ws://127.0.0.1:{port}/api/kernels/{kernel_id}/channels",
                          headers={"Authorization": f"token {token}"})
    ws = await websocket_connect(request)
    msg_id = uuid.uuid4().hex
    ws.write_message(json.dumps({
        "header": {"msg_id": msg_id, "msg_type": "execute_request", "username": "test",
                   "session": uuid.uuid4().hex, "version": "5.3"},
        "parent_header": {}, "metadata": {}, "channel": "shell", "buffers": [],
        "content": {"code": code, "silent": False, "store_history": False,
                    "user_expressions": {}, "allow_stdin": False}}))
    stdout, result = [], None
    try:
        while True:
            raw = await asyncio.wait_for(ws.read_message(), timeout=120)
            assert raw is not None, "the server closed the kernel's websocket"
            msg = json.loads(raw)
            if msg.get("parent_header", {}).get("msg_id") != msg_id:
                continue
            kind, content = msg["msg_type"], msg["content"]
            if kind == "stream":
                stdout.append(content["text"])
            elif kind == "execute_result":
                result = content["data"]["text/plain"]
            elif kind == "error":
                raise AssertionError(f"{content['ename']}: {content['evalue']}")
            elif kind == "status" and content["execution_state"] == "idle":
                return "".join(stdout), result
    finally:
        ws.close()


def _answers(port: int, token: str) -> bool:
    """Whether the server on ``port`` answers its status request yet."""
    try:
        _api(port, token, "GET", "/api/status")
    except urllib.error.URLError:
        return False
    return True


def _api(port: int, token: str, method: str, path: str, body: object | None = None) -> Any:
    data = None if body is None else json.dumps(body).encode()
    request = urllib.request.Request(f"http://127.0.0.1:{port}{path}", data=data, method=method,
                                     headers={"Authorization": f"token {token}"})
    with urllib.request.urlopen(request, timeout=60) as response:
        text = response.read()
    return json.loads(text) if text else None


@pytest.mark.timeout(300)
def test_make_lab_starts_kernels_on_unix_sockets_in_a_private_runtime_folder(tmp_path):
    # The real `make lab` (its prerequisites taken as up to date: no install from a test), with
    # a token and a port of this test's, no browser, and Jupyter's user folders in tmp_path.
    if shutil.which("make") is None:
        pytest.skip("make is not installed")
    token = secrets.token_hex(16)
    env = dict(os.environ, JUPYTER_TOKEN=token, JUPYTER_PORT=str(_free_port()), BROWSER="true",
               JUPYTER_CONFIG_DIR=str(tmp_path / "config"), JUPYTER_DATA_DIR=str(tmp_path / "data"),
               IPYTHONDIR=str(tmp_path / "ipython"),
               JUPYTERLAB_SETTINGS_DIR=str(tmp_path / "settings"),
               JUPYTERLAB_WORKSPACES_DIR=str(tmp_path / "workspaces"), MPLBACKEND="Agg")
    for name in ("JUPYTER_RUNTIME_DIR", "MAKEFLAGS", "MFLAGS", "MAKELEVEL"):
        env.pop(name, None)
    log = tmp_path / "make-lab.log"
    with open(log, "wb") as out:
        make = subprocess.Popen(
            ["make", "--no-print-directory", "-o", ".venv/.installed",
             "-o", ".venv/share/jupyter/lab/settings/overrides.json", "lab"],
            cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT, start_new_session=True)
    try:
        deadline = time.monotonic() + 180
        while not (found := re.search(rb"http://(?:localhost|127\.0\.0\.1):(\d+)/lab",
                                      log.read_bytes())):
            assert make.poll() is None, log.read_text()[-3000:]
            assert time.monotonic() < deadline, log.read_text()[-3000:]
            time.sleep(0.2)
        port = int(found.group(1))
        # jupyter_server prints its URL, then binds the port once its event loop runs.
        while not _answers(port, token):
            assert make.poll() is None, log.read_text()[-3000:]
            assert time.monotonic() < deadline, log.read_text()[-3000:]
            time.sleep(0.1)
        # What a newcomer gets: the course's first notebook (JupyterLab serves its folder).
        opened = _api(port, token, "GET", "/api/contents/00-start-here.ipynb?content=0")
        assert opened["type"] == "notebook"
        kernel = _api(port, token, "POST", "/api/kernels", {"name": "python3"})
        # In a thread of its own: another test in this worker may have left an event loop
        # running in this one (Playwright's), where asyncio.run() refuses to start.
        with ThreadPoolExecutor(1) as pool:
            stdout, result = pool.submit(asyncio.run,
                                         _execute(port, token, kernel["id"], PROBE)).result()
        assert result == "2"
        connection_file = stdout.strip()
        facts = socket_facts(connection_file)
        assert_private_unix_sockets(facts)
        runtime = Path(facts["folder"])
        assert runtime.parent == Path("/tmp") and runtime.name.startswith("tcpedu-lab-"), runtime
        assert Path(connection_file).name == f"kernel-{kernel['id']}.json"
        _api(port, token, "DELETE", f"/api/kernels/{kernel['id']}")
    finally:
        if make.poll() is None:
            os.killpg(make.pid, signal.SIGTERM)
        try:
            make.wait(timeout=60)
        except subprocess.TimeoutExpired:
            os.killpg(make.pid, signal.SIGKILL)
            raise
    assert not runtime.exists(), f"make lab left {runtime} behind"
