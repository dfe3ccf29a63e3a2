"""The package's layers (pyproject's import-linter contracts, also run by ``make lint``): errors <
model < trace < sim | capture < reading < views < teach < commands < cli, no cycles inside a
layer, and the model imports nothing of tcpedu above it."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent


def test_import_linter_contracts_are_kept() -> None:
    exe = Path(sys.executable).with_name("lint-imports")
    command = str(exe) if exe.exists() else shutil.which("lint-imports")
    if command is None:
        pytest.skip("lint-imports not installed: pip install import-linter (the test extra)")
    done = subprocess.run([command], cwd=REPO, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-2000:]
    assert "0 broken" in done.stdout
