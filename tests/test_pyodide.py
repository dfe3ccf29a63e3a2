"""Ready for a browser-only kernel: the player's Python side and a handshake scenario run in
Pyodide (the npm ``pyodide`` core under Node), offline, with pure-Python wheels unzipped into a
folder on its ``sys.path``, exactly as JupyterLite would have them: no matplotlib, numpy or PIL.

The npm package and the wheels are fetched once with npm and pip (their registries) into a cache;
the run itself makes no request (Node's fetch is replaced by one that refuses).
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import tarfile
import tempfile
import zipfile
from importlib import metadata
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
PYODIDE = "pyodide@314.0.8"
#: What the player needs besides tcpedu (the venv's versions, as pure-Python wheels).
DISTRIBUTIONS = ("anywidget", "ipywidgets", "traitlets", "comm", "psygnal", "typing_extensions",
                 "ipython", "ipython_pygments_lexers", "pygments", "jedi", "parso",
                 "matplotlib-inline", "prompt_toolkit", "wcwidth", "stack_data", "executing",
                 "asttokens", "pure_eval", "decorator")
CACHE = Path(os.environ.get("TCPEDU_PYODIDE_CACHE",
                            Path(tempfile.gettempdir()) / "tcpedu-pyodide"))

RUN = r"""
const path = require("path");
const pkg = process.argv[2], site = process.argv[3], code = process.argv[4];
const requests = [];
globalThis.fetch = async (url) => { requests.push(String(url));
  throw new Error("offline: no fetch of " + url); };
(async () => {
  const { loadPyodide } = require(path.join(pkg, "pyodide.js"));
  const py = await loadPyodide({ indexURL: pkg + "/", stdout: () => {}, stderr: () => {} });
  py.FS.mkdirTree("/wheels");
  py.FS.mount(py.FS.filesystems.NODEFS, { root: site }, "/wheels");
  py.runPython("import sys; sys.path.insert(0, '/wheels')");
  const out = py.runPython(code);
  console.log(JSON.stringify({ result: out, requests }));
})().catch((e) => { console.log(JSON.stringify({ error: String(e), requests })); });
"""

CHECK = r"""
import json, sys, time
start = time.perf_counter()
from tcpedu.sim.scenarios import run
trace = run("handshake", client_isn=1000, server_isn=5000)
from tcpedu.views.widgets.player import TracePlayer
player = TracePlayer(trace, title="handshake in Pyodide")
data = json.loads(player.widget.data)
bundle, _ = player._repr_mimebundle_()
heavy = sorted(m for m in ("matplotlib", "numpy", "PIL", "scapy") if m in sys.modules)
json.dumps({"steps": len(data["steps"]), "segments": len(data["segments"]),
            "states": data["steps"][-1]["states"], "first": data["steps"][0]["text"],
            "svg": bundle["image/svg+xml"][:4], "heavy": heavy, "python": sys.version.split()[0],
            "platform": sys.platform, "seconds": time.perf_counter() - start})
"""


def _skip(reason: str) -> None:
    print(f"\npyodide test skipped: {reason}", file=sys.stderr)
    pytest.skip(reason)


def _pyodide_package() -> Path:
    target = CACHE / "pyodide"
    if (target / "pyodide.js").exists():
        return target
    npm = shutil.which("npm")
    if npm is None:
        _skip("npm is not installed (it fetches the pyodide core from the npm registry)")
    CACHE.mkdir(parents=True, exist_ok=True)
    done = subprocess.run([npm, "pack", PYODIDE, "--silent"], cwd=CACHE, capture_output=True,
                          text=True, timeout=600)
    if done.returncode:
        _skip(f"npm could not fetch {PYODIDE}: {done.stderr.strip()[-300:]}")
    tgz = CACHE / done.stdout.strip().splitlines()[-1]
    with tarfile.open(tgz) as tar:
        tar.extractall(CACHE / "unpacked", filter="data")
    (CACHE / "unpacked" / "package").rename(target)
    tgz.unlink()
    return target


def _site(tmp: Path) -> Path:
    """tcpedu and the player's dependencies, unzipped from pure-Python wheels into ``tmp``."""
    wheels = CACHE / "wheels"
    wheels.mkdir(parents=True, exist_ok=True)
    wanted = [f"{d}=={metadata.version(d)}" for d in DISTRIBUTIONS if _installed(d)]
    done = subprocess.run(
        [sys.executable, "-m", "pip", "download", "-q", "--no-deps", "--only-binary=:all:",
         "--platform", "any", "--implementation", "py", "--python-version", "3.14",
         "-d", str(wheels), *wanted], capture_output=True, text=True, timeout=600)
    if done.returncode:
        _skip(f"pip could not fetch the pure-Python wheels: {done.stderr.strip()[-300:]}")
    site = tmp / "site"
    for wheel in wheels.glob("*.whl"):
        if wheel.name.split("-")[0].lower().replace("_", "-") in {
                w.split("==")[0].lower().replace("_", "-") for w in wanted}:
            with zipfile.ZipFile(wheel) as z:
                z.extractall(site)
    shutil.copytree(ROOT / "tcpedu", site / "tcpedu",
                    ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))
    return site


def _installed(name: str) -> bool:
    try:
        metadata.version(name)
    except metadata.PackageNotFoundError:
        return False
    return True


def test_the_player_and_a_handshake_run_in_pyodide_offline(tmp_path) -> None:
    node = shutil.which("node")
    if node is None:
        _skip("node is not installed (Debian package 'nodejs')")
    package = _pyodide_package()
    site = _site(tmp_path)
    script = tmp_path / "run.js"
    script.write_text(RUN)
    done = subprocess.run([node, str(script), str(package), str(site), CHECK],
                          capture_output=True, text=True, timeout=600)
    lines = [ln for ln in done.stdout.splitlines() if ln.startswith("{")]
    assert lines, f"no answer from Pyodide:\n{done.stdout[-2000:]}\n{done.stderr[-2000:]}"
    answer = json.loads(lines[-1])
    assert "error" not in answer, answer["error"][-3000:]
    assert answer["requests"] == []  # offline: nothing fetched
    result = json.loads(answer["result"])
    print(f"\nPyodide {result['python']} ({result['platform']}): handshake + player in "
          f"{result['seconds']:.2f} s")
    assert result["platform"] == "emscripten"
    assert result["steps"] == 10 and result["segments"] == 3
    assert result["states"] == {"client": "ESTABLISHED", "server": "ESTABLISHED"}
    assert "listening socket" in result["first"]
    assert result["svg"] == "<svg"
    assert result["heavy"] == []
