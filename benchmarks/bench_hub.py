"""The classroom hub (hub/): memory per student server with a running course kernel, and the
hub's own overhead, on a real local JupyterHub.

Starts the hub of ``make hub`` with three students, starts each student's server through the REST
API, runs notebook 02's code in a kernel on each (through the server's kernel websocket, as
JupyterLab does), then reads the proportional set size (PSS: shared pages split between the
processes sharing them) of every process from /proc. The hub's overhead is JupyterHub plus
configurable-http-proxy. Reference: a bare Python interpreter measured the same way.
"""

from __future__ import annotations

import asyncio
import json
import subprocess
import sys
import time
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
STUDENTS = 3


def _pss_kb(pid: int, field: str = "Pss:") -> int:
    try:
        for line in Path(f"/proc/{pid}/smaps_rollup").read_text().splitlines():
            if line.startswith(field):
                return int(line.split()[1])
    except OSError:
        pass
    return 0


def _rss_kb(pid: int) -> int:
    return _pss_kb(pid, "Rss:")


def _children(pid: int) -> list[int]:
    kids = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                stat = (entry / "stat").read_text()
            except OSError:
                continue
            if int(stat.rsplit(")", 1)[1].split()[1]) == pid:
                kids.append(int(entry.name))
    return kids


def _tree(pid: int) -> list[int]:
    found, todo = [], [pid]
    while todo:
        p = todo.pop()
        found.append(p)
        todo.extend(_children(p))
    return found


def _cpu_seconds(pid: int) -> float:
    import os

    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


async def _run_code(room, student: str, cells: list[str]) -> str:
    """Start a kernel on the student's server and run ``cells`` in it; return the kernel id."""
    from tornado.httpclient import AsyncHTTPClient, HTTPRequest
    from tornado.websocket import websocket_connect

    headers = {"Authorization": f"token {room.api_token}"}
    base = f"{room.url}/user/{student}/api"
    response = await AsyncHTTPClient().fetch(HTTPRequest(
        f"{base}/kernels", method="POST", headers=headers, body=json.dumps({"name": "python3"}),
        request_timeout=300))
    kernel = json.loads(response.body)["id"]
    ws_url = f"{base.replace('http', 'ws', 1)}/kernels/{kernel}/channels"
    ws = await websocket_connect(HTTPRequest(ws_url, headers=headers, request_timeout=300))
    session = uuid.uuid4().hex
    for code in cells:
        msg_id = uuid.uuid4().hex
        await ws.write_message(json.dumps({
            "header": {"msg_id": msg_id, "msg_type": "execute_request", "session": session,
                       "username": student, "version": "5.3", "date": ""},
            "parent_header": {}, "metadata": {}, "channel": "shell", "buffers": [],
            "content": {"code": code, "silent": False, "store_history": True,
                        "user_expressions": {}, "allow_stdin": False, "stop_on_error": True}}))
        while True:
            message = await ws.read_message()
            if message is None:
                raise RuntimeError(f"{student}: the kernel's websocket closed")
            if isinstance(message, bytes):
                continue  # a message with binary buffers (widget data): not the reply
            reply = json.loads(message)
            if (reply.get("msg_type") == "execute_reply"
                    and reply["parent_header"].get("msg_id") == msg_id):
                if reply["content"]["status"] != "ok":
                    raise RuntimeError(f"{student}: a cell failed: {reply['content']}")
                break
    ws.close()
    return kernel


def main() -> None:
    """Print memory per student server (with notebook 02 run in its kernel) and the hub's."""
    import nbformat

    sys.path.insert(0, str(ROOT / "hub"))
    from classroom import NOTEBOOK, Classroom

    cells = [c.source for c in nbformat.read(ROOT / NOTEBOOK, 4).cells if c.cell_type == "code"]
    bare = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(30)"])
    time.sleep(1)
    bare_mb = _pss_kb(bare.pid) / 1024
    bare.kill()
    with Classroom(STUDENTS, port=None) as room:
        hub_idle = sum(_pss_kb(p) for p in _tree(room.hub.pid)) / 1024
        begin = time.perf_counter()
        for student in room.students:
            room.api("POST", f"/users/{student}/server")
        while not all(room.api("GET", f"/users/{s}")["servers"].get("", {}).get("ready")
                      for s in room.students):
            time.sleep(0.5)
        started = time.perf_counter() - begin
        begin = time.perf_counter()

        async def run_all() -> list[str]:
            return await asyncio.gather(*(_run_code(room, s, cells) for s in room.students))

        asyncio.run(run_all())
        ran = time.perf_counter() - begin
        rows = []
        for student in room.students:
            pid = room.api("GET", f"/users/{student}")["servers"][""]["state"]["pid"]
            kernels = _children(pid)
            server_mb = _pss_kb(pid) / 1024
            kernel_mb = sum(_pss_kb(k) for kernel in kernels for k in _tree(kernel)) / 1024
            cpu = sum(_cpu_seconds(k) for k in kernels)
            rss_mb = sum(_rss_kb(p) for p in _tree(pid)) / 1024
            rows.append((student, server_mb, kernel_mb, cpu, rss_mb))
        servers = {pid for s in room.students
                   for pid in _tree(room.api("GET", f"/users/{s}")["servers"][""]["state"]["pid"])}
        hub_mb = sum(_pss_kb(p) for p in _tree(room.hub.pid) if p not in servers) / 1024
    print(f"   reference: a bare Python interpreter {bare_mb:.0f} MB (PSS)")
    print(f"   hub overhead (JupyterHub + configurable-http-proxy): {hub_idle:.0f} MB idle, "
          f"{hub_mb:.0f} MB with {STUDENTS} servers running")
    for student, server_mb, kernel_mb, cpu, rss_mb in rows:
        print(f"   {student}: server {server_mb:.0f} MB + course kernel after notebook 02 "
              f"{kernel_mb:.0f} MB = {server_mb + kernel_mb:.0f} MB PSS ({rss_mb:.0f} MB RSS, "
              f"what a container alone would hold); kernel CPU {cpu:.1f} s")
    per = sum(r[1] + r[2] for r in rows) / len(rows)
    cpu = sum(r[3] for r in rows) / len(rows)
    print(f"   per student: {per:.0f} MB ({per / bare_mb:.0f}x a bare interpreter), "
          f"{1024 / per:.1f} students per GB; notebook 02 costs {cpu:.1f} CPU s per student")
    print(f"   {STUDENTS} servers started in {started:.1f} s; notebook 02 run on all of them "
          f"at once in {ran:.1f} s")
