"""``make hub``: a real JupyterHub classroom on this machine, with N student accounts and the
nbgitpuller link that pulls the course into each student's server.

    .venv/bin/python hub/classroom.py [--students N] [--port 8000]

What runs (all on 127.0.0.1): ``git daemon`` serving a snapshot of this repository (a bare clone
of the current branch: what students pull), JupyterHub with hub/jupyterhub_config.py, and
configurable-http-proxy (npm, hub/node_modules) in front. State (database, students' homes, the
served clone) lives in a temporary folder removed at the end. Ctrl-C stops everything.

tests/test_hub.py and benchmarks/bench_hub.py use :class:`Classroom` the same way.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
PROXY = HERE / "node_modules" / ".bin" / "configurable-http-proxy"
NOTEBOOK = "notebooks/02-three-way-handshake.ipynb"
TARGET = "tcpedu-course"  # the folder nbgitpuller pulls the course into, in each home


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _wait_for(url: str, proc: subprocess.Popen, what: str, timeout: float = 120) -> None:
    deadline = time.monotonic() + timeout
    while True:
        try:
            with urllib.request.urlopen(url, timeout=3):
                return
        except OSError:  # refused, or the proxy's 404 until the hub has added its route
            if proc.poll() is not None:
                raise RuntimeError(f"{what} exited with status {proc.returncode}") from None
            if time.monotonic() > deadline:
                raise RuntimeError(f"{what} did not answer at {url} within {timeout:g} s") from None
            time.sleep(0.3)


class Classroom:
    """A running local hub: ``with Classroom(5) as room: room.link(...)``."""

    def __init__(self, students: int = 5, *, port: int | None = 8000, expose_app: bool = False,
                 log: Path | None = None) -> None:
        if students < 1:
            raise ValueError(f"students must be >= 1, not {students}")
        if not PROXY.exists():
            raise RuntimeError(f"{PROXY} is missing: run `make hub` (npm install in hub/)")
        self.students = [f"student{n:02d}" for n in range(1, students + 1)]
        self.port = port or free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.password = secrets.token_urlsafe(9)
        self.api_token = secrets.token_hex(24)
        self.expose_app = expose_app
        self.log = log
        # In /tmp whatever TMPDIR says: the students' kernel sockets live under it, and a socket's
        # path has at most 107 bytes (hub/jupyterhub_config.py, RUNTIME).
        self.state = Path(tempfile.mkdtemp(prefix="tcpedu-hub-", dir="/tmp"))
        self.processes: list[subprocess.Popen] = []
        self.branch = ""
        self.repo_url = ""

    # -- lifecycle ---------------------------------------------------------------------------
    def __enter__(self) -> Classroom:
        try:
            self._serve_course()
            self._start_hub()
        except BaseException:
            self.stop()
            raise
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def _serve_course(self) -> None:
        """A bare clone of this repository's current branch, served by git daemon."""
        branch = subprocess.run(["git", "rev-parse", "--abbrev-ref", "HEAD"], cwd=ROOT,
                                capture_output=True, text=True, check=True).stdout.strip()
        self.branch = "main" if branch == "HEAD" else branch
        served = self.state / "git"
        served.mkdir()
        subprocess.run(["git", "clone", "-q", "--bare", "--branch", self.branch, str(ROOT),
                        str(served / "tcpedu.git")], check=True)
        git_port = free_port()
        self.processes.append(subprocess.Popen(
            ["git", "daemon", f"--base-path={served}", "--export-all", "--reuseaddr",
             "--listen=127.0.0.1", f"--port={git_port}", str(served)],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True))
        self.repo_url = f"git://127.0.0.1:{git_port}/tcpedu.git"
        deadline = time.monotonic() + 30
        while subprocess.run(["git", "ls-remote", "-q", self.repo_url], capture_output=True,
                             timeout=30).returncode != 0:
            if time.monotonic() > deadline:
                raise RuntimeError(f"git daemon does not serve {self.repo_url}")
            time.sleep(0.3)

    def _start_hub(self) -> None:
        env = dict(os.environ, TCPEDU_HUB_STATE=str(self.state), TCPEDU_HUB_PORT=str(self.port),
                   TCPEDU_HUB_INTERNAL_PORT=str(free_port()),
                   TCPEDU_HUB_PROXY_API_PORT=str(free_port()),
                   TCPEDU_HUB_PROXY_TOKEN=secrets.token_hex(24),
                   TCPEDU_HUB_STUDENTS=",".join(self.students),
                   TCPEDU_HUB_PASSWORD=self.password, TCPEDU_HUB_API_TOKEN=self.api_token,
                   TCPEDU_HUB_EXPOSE_APP="1" if self.expose_app else "0")
        env.pop("JUPYTERHUB_API_TOKEN", None)
        jupyterhub = Path(sys.executable).with_name("jupyterhub")
        out = open(self.log, "ab") if self.log else subprocess.DEVNULL  # noqa: SIM115
        self.hub = subprocess.Popen([str(jupyterhub), "-f", str(HERE / "jupyterhub_config.py")],
                                    cwd=self.state, env=env, stdout=out,
                                    stderr=subprocess.STDOUT, start_new_session=True)
        self.processes.append(self.hub)
        _wait_for(f"{self.url}/hub/api", self.hub, "JupyterHub", timeout=180)

    def stop(self) -> None:
        """Stop the students' servers, the hub, its proxy and git daemon; remove the state."""
        if getattr(self, "hub", None) is not None and self.hub.poll() is None:
            self.hub.send_signal(signal.SIGINT)  # the hub stops its spawners and proxy
            with contextlib.suppress(subprocess.TimeoutExpired):
                self.hub.wait(timeout=60)
        for proc in self.processes:
            if proc.poll() is None:
                try:
                    os.killpg(proc.pid, signal.SIGTERM)
                    proc.wait(timeout=20)
                except (ProcessLookupError, subprocess.TimeoutExpired):
                    os.killpg(proc.pid, signal.SIGKILL)
        self._kill_leftovers()
        shutil.rmtree(self.state, ignore_errors=True)

    def _kill_leftovers(self) -> None:
        """Students' servers whose hub died: they carry this hub's state folder in their env."""
        mark = f"TCPEDU_HUB_STATE={self.state}".encode()
        home = str(self.state / "homes").encode()
        for entry in Path("/proc").iterdir():
            if not entry.name.isdigit():
                continue
            try:
                environ = (entry / "environ").read_bytes()
            except OSError:
                continue
            if mark in environ or home in environ:
                with contextlib.suppress(ProcessLookupError):
                    os.kill(int(entry.name), signal.SIGKILL)

    # -- what the instructor hands out ------------------------------------------------------
    def link(self, student: str | None = None, notebook: str = NOTEBOOK) -> str:
        """The nbgitpuller link: pulls the course into ``~/tcpedu-course`` and opens
        ``notebook``. With ``student``, that student's own URL; without, the shared
        ``user-redirect`` link (each student lands on their own server)."""
        query = urllib.parse.urlencode({
            "repo": self.repo_url, "branch": self.branch, "targetpath": TARGET,
            "urlpath": f"lab/tree/{TARGET}/{notebook}"})
        where = f"user/{student}" if student else "hub/user-redirect"
        return f"{self.url}/{where}/git-pull?{query}"

    def api(self, method: str, path: str, body: object | None = None) -> object:
        """Call the hub's REST API as the classroom service (JSON in and out)."""
        data = None if body is None else json.dumps(body).encode()
        request = urllib.request.Request(f"{self.url}/hub/api{path}", data=data, method=method,
                                         headers={"Authorization": f"token {self.api_token}"})
        with urllib.request.urlopen(request, timeout=60) as response:
            text = response.read()
        return json.loads(text) if text else None


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--students", type=int, default=5, help="student accounts (default 5)")
    parser.add_argument("--port", type=int, default=8000, help="port on 127.0.0.1 (default 8000)")
    args = parser.parse_args(argv)

    def stop(signum: int, frame: object) -> None:
        raise KeyboardInterrupt  # SIGTERM (kill, timeout) stops everything as Ctrl-C does

    signal.signal(signal.SIGTERM, stop)
    room = Classroom(args.students, port=args.port)
    with room:
        print(f"JupyterHub is running at {room.url}  (Ctrl-C stops it)\n")
        print(f"course served from {room.repo_url} (branch {room.branch})")
        print(f"every student's password: {room.password}\n")
        print("link for everyone (each lands on their own server):")
        print(f"  {room.link()}\n")
        print("each student's own link:")
        for student in room.students:
            print(f"  {student}: {room.link(student)}")
        sys.stdout.flush()
        try:
            while room.hub.poll() is None:
                time.sleep(1)
        except KeyboardInterrupt:
            print("\nstopping the hub...")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
