"""Settings for the whole test run: how pytest-xdist shares the work, and the time by part.

``make test`` runs one pytest over the library tests, the browser tests and every notebook
(nbval) with ``-n N --dist loadfile``, scheduled by :class:`CourseScheduling`: each test file
(and each notebook) goes whole to one worker, so module fixtures (a graded batch, a simulated
capture) are built once and a notebook's cells run in order in one kernel; and every browser test
under tests/browser/ goes to the same worker, so one JupyterLab and one Chromium serve them all
(tests/browser/conftest.py's session fixtures). (pytest-xdist's own ``loadgroup`` marks do not
reach its scheduler under pytest 9.2, which no longer lets it rename test ids.)

Tests that touch the kernel's network use private namespaces (tcpedu.capture.netns) and free
ports, so files never collide. At the end, the time spent in each part of the run is printed
(summed over workers).
"""

from __future__ import annotations

from collections import defaultdict

import pytest

_SECONDS: dict[str, float] = defaultdict(float)


def scope(nodeid: str) -> str:
    """The unit of work a test belongs to: ``browser`` for every browser test, else its file."""
    path = nodeid.split("::", 1)[0]
    return "browser" if path.startswith("tests/browser/") else path


@pytest.hookimpl(optionalhook=True)
def pytest_xdist_make_scheduler(config: pytest.Config, log: object) -> object | None:
    if config.getvalue("dist") != "loadfile":
        return None
    from xdist.scheduler import LoadFileScheduling

    class CourseScheduling(LoadFileScheduling):
        """``loadfile``, with all browser tests as one unit."""

        def _split_scope(self, nodeid: str) -> str:
            return scope(nodeid)

    return CourseScheduling(config, log)


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
