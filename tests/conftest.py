"""Settings for the whole test run: parallel groups for pytest-xdist, and the time by part.

``make test`` runs one pytest over the library tests, the browser tests and every notebook
(nbval) with ``-n N --dist loadgroup``. Each item gets an ``xdist_group``, so that whatever
must share one process stays on one worker:

- a test file (or a notebook) is one group: module fixtures (a graded batch, a simulated
  capture) are built once, and a notebook's cells run in order in one kernel;
- every browser test is in the ``browser`` group: one JupyterLab and one Chromium serve them all
  (tests/browser/conftest.py's session fixtures).

Tests that touch the kernel's network use private namespaces (tcpedu.capture.netns) and free
ports, so groups never collide. At the end, the time spent in each part of the run is printed
(summed over workers).
"""

from __future__ import annotations

from collections import defaultdict
from pathlib import Path

import pytest

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
BROWSER = HERE / "browser"
_SECONDS: dict[str, float] = defaultdict(float)


def _group(item: pytest.Item) -> str:
    path = Path(str(item.path)).resolve()
    if path == BROWSER or BROWSER in path.parents:
        return "browser"
    try:
        return str(path.relative_to(ROOT))
    except ValueError:
        return str(path)


@pytest.hookimpl(tryfirst=True)
def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        if item.get_closest_marker("xdist_group") is None:
            item.add_marker(pytest.mark.xdist_group(name=_group(item)))


def _part(nodeid: str) -> str:
    path = nodeid.split("::")[0].split("@")[0]
    if path.endswith(".ipynb"):
        return "notebooks (nbval)"
    if path.startswith("tests/browser/"):
        return "browser tests"
    if path.startswith(("tests/test_grade", "tests/test_labs")):
        return "labs and grading tests"
    if path.startswith("tests/test_binder"):
        return "binder parity test"
    if path.startswith("tests/test_hub"):
        return "classroom hub test"
    return "library tests"


def pytest_runtest_logreport(report: pytest.TestReport) -> None:
    _SECONDS[_part(report.nodeid)] += report.duration


def pytest_terminal_summary(terminalreporter) -> None:
    if not _SECONDS:
        return
    terminalreporter.section("time by part (summed over workers, setup included)")
    for part, seconds in sorted(_SECONDS.items(), key=lambda kv: -kv[1]):
        terminalreporter.write_line(f"{part:<28} {seconds:7.1f} s")
