"""Settings for the whole test run: how pytest-xdist shares the work, and the time by part.

``make test`` runs one pytest over the library tests, the browser tests and every notebook
(nbval) with ``-n N --dist loadfile``, scheduled by :class:`CourseScheduling`: each test file
(and each notebook) goes whole to one worker, so module fixtures (a graded batch, a simulated
capture) are built once and a notebook's cells run in order in one kernel; and every browser test
under tests/browser/ goes to the same worker, so one JupyterLab and one Chromium serve them all
(tests/browser/conftest.py's session fixtures). (pytest-xdist's own ``loadgroup`` marks do not
reach its scheduler under pytest 9.2, which no longer lets it rename test ids.)

The units go out longest first (the longest-processing-time rule), so that the workers
finish together instead of one running the Binder or hub test alone at the end: each unit's
seconds are those it took in the last run on this machine (``~/.cache/tcpedu/test-durations.json``,
kept outside the clone so that a clean clone has them too), else :data:`ESTIMATES`, else half a
second per test.

Tests that touch the kernel's network use private namespaces (tcpedu.capture.netns) and free
ports, so files never collide. At the end, the time spent in each part of the run is printed
(summed over workers).

nbval's kernels listen on Unix sockets, not TCP ports (tests/nbval_unix_kernels.py says why).
"""

from __future__ import annotations

import json
import os
from collections import OrderedDict, defaultdict
from pathlib import Path

import pytest
from nbval_unix_kernels import use_unix_sockets

_SECONDS: dict[str, float] = defaultdict(float)
_UNIT_SECONDS: dict[str, float] = defaultdict(float)
#: Where each unit's seconds in the last run are kept (beside the wheelhouse).
DURATIONS = Path(os.environ.get("TCPEDU_TEST_DURATIONS",
                                Path.home() / ".cache" / "tcpedu" / "test-durations.json"))
#: Seconds the longest units take on a quiet 2-core machine, for a machine with no record yet.
ESTIMATES = {"browser": 150.0, "tests/test_hub.py": 80.0, "tests/test_binder.py": 45.0,
             "tests/test_notebook_answers.py": 45.0, "tests/test_grade_sandbox.py": 30.0,
             "tests/test_grade.py": 30.0, "tests/test_labs.py": 20.0,
             "tests/test_course_command.py": 15.0}


def pytest_configure(config: pytest.Config) -> None:
    if config.pluginmanager.hasplugin("nbval"):
        use_unix_sockets()


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
        """``loadfile``, with all browser tests as one unit, handed out longest first."""

        def __init__(self, config: pytest.Config, log: object = None) -> None:
            super().__init__(config, log)
            self.workqueue = LongestFirst(_known_seconds())

        def _split_scope(self, nodeid: str) -> str:
            return scope(nodeid)

    return CourseScheduling(config, log)


class LongestFirst(OrderedDict):
    """xdist's queue of work units (scope -> {test id: done}), whose ``popitem(last=False)``
    (how the scheduler takes the next unit) gives the longest unit left."""

    def __init__(self, seconds: dict[str, float]) -> None:
        super().__init__()
        self.seconds = seconds

    def cost(self, unit: str) -> float:
        return self.seconds.get(unit, ESTIMATES.get(unit, 0.5 * len(self[unit])))

    def popitem(self, last: bool = True) -> tuple[str, dict[str, bool]]:
        if last or not self:
            return super().popitem(last)
        unit = max(self, key=self.cost)
        return unit, self.pop(unit)


def _known_seconds() -> dict[str, float]:
    try:
        found = json.loads(DURATIONS.read_text())
    except (OSError, ValueError):
        return {}
    return {k: float(v) for k, v in found.items() if isinstance(v, (int, float))} \
        if isinstance(found, dict) else {}


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
    _UNIT_SECONDS[scope(report.nodeid)] += report.duration


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    """Keep each unit's seconds for the next run's scheduling: the controller's, in a run
    distributed by unit with no ``-k``/``-m`` selection (which would time part of a unit)."""
    config = session.config
    if not _UNIT_SECONDS or config.getoption("dist", None) != "loadfile" \
            or hasattr(config, "workerinput") or config.getvalue("keyword") \
            or config.getvalue("markexpr"):
        return
    known = _known_seconds()
    known.update({unit: round(seconds, 1) for unit, seconds in _UNIT_SECONDS.items()})
    try:
        DURATIONS.parent.mkdir(parents=True, exist_ok=True)
        DURATIONS.write_text(json.dumps(dict(sorted(known.items())), indent=0) + "\n")
    except OSError:
        pass


def pytest_terminal_summary(terminalreporter) -> None:
    if not _SECONDS:
        return
    terminalreporter.section("time by part (summed over workers, setup included)")
    for part, seconds in sorted(_SECONDS.items(), key=lambda kv: -kv[1]):
        terminalreporter.write_line(f"{part:<28} {seconds:7.1f} s")
