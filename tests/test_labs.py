"""The labs: one MyST source each, three versions built by cell tags and up to date, solutions
apart, answers from the model, checks right for every variant (the solution cells and the engine's
self-test, replayed for many students)."""

from __future__ import annotations

import importlib.util
import json
import re
import sys
from pathlib import Path

import jupytext
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tcpedu.teach.exercises import LABS, answer_key, lab_spec, start
from tcpedu.teach.exercises.forms import SeqNumber

ROOT = Path(__file__).resolve().parent.parent
LABS_DIR = ROOT / "course" / "labs"
STUDENTS = ("s1000001", "Kim Min-jun", "alice", "bob", "testing-notebook", "")


def _builder():
    spec = importlib.util.spec_from_file_location("build_labs", LABS_DIR / "build_labs.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules["build_labs"] = module
    spec.loader.exec_module(module)
    return module


BUILDER = _builder()
FOLDERS = {folder.name: folder for folder in BUILDER.lab_folders()}


def source_cells(lab_id: str, tag: str | None = None) -> list[str]:
    """The code cells of a lab's source: untagged ones, or those tagged ``tag``."""
    cells = jupytext.read(FOLDERS[lab_id] / "source.md").cells
    return [c.source for c in cells if c.cell_type == "code"
            and (set(c.metadata.get("tags", ())) & set(BUILDER.VERSIONS)) == ({tag} if tag else set())]


def test_at_least_five_labs_each_with_three_versions_from_one_source():
    assert len(LABS) >= 5 and set(FOLDERS) == set(LABS)
    for lab_id, folder in FOLDERS.items():
        assert (folder / "source.md").is_file()
        for path in (folder / "lab.ipynb", folder / "instructor" / "solution.ipynb",
                     folder / "instructor" / "testing.ipynb"):
            meta = json.loads(path.read_text(encoding="utf-8"))["metadata"]["tcpedu"]
            assert meta["lab"] == lab_id
        assert source_cells(lab_id, "solution") and source_cells(lab_id, "testing")


def test_notebooks_are_up_to_date_with_the_sources():
    assert BUILDER.main(["--check"]) == 0, "run: .venv/bin/python course/labs/build_labs.py"


@pytest.mark.parametrize("lab_id", list(LABS))
def test_student_version_holds_no_answer_and_no_solution(lab_id):
    folder = FOLDERS[lab_id]
    text = (folder / "lab.ipynb").read_text(encoding="utf-8")
    cells = json.loads(text)["cells"]
    code = "\n".join("".join(c["source"]) for c in cells if c["cell_type"] == "code")
    for q in lab_spec(lab_id).questions:
        assert f"{q.variable} = ____" in code
    for solution in source_cells(lab_id, "solution"):
        assert solution.splitlines()[0] not in code
    assert "self_test" not in code
    for row in answer_key(lab_id, ""):  # the variant an empty STUDENT gets
        answer = row["answer"]
        if isinstance(answer, int) and answer > 9999:
            assert str(answer) not in text and hex(answer) not in text
    # solutions live apart, in a folder the student version never names
    assert not list(folder.glob("*solution*")) and "instructor/" not in text
    assert [p.name for p in folder.glob("*.ipynb")] == ["lab.ipynb"]


def _replay(lab_id: str, student: object) -> tuple[object, dict]:
    """Open a lab for ``student`` and run its explore cells, as every version does."""
    namespace: dict = {}
    lab = start(lab_id, student, namespace=namespace)
    from tcpedu.model.states import State

    namespace.update(lab=lab, State=State)
    for cell in source_cells(lab_id)[1:]:  # after the setup cell (explore; tables print)
        exec(cell, namespace)
    return lab, namespace


@pytest.mark.parametrize("lab_id", list(LABS))
@pytest.mark.parametrize("student", STUDENTS)
def test_solutions_are_right_and_checks_prove_themselves_for_every_variant(lab_id, student):
    _prove_checks(lab_id, student)


@pytest.mark.parametrize("lab_id", list(LABS))
@settings(max_examples=15, deadline=None)
@given(student=st.text(max_size=30) | st.integers(0, 10**12))
def test_checks_hold_for_arbitrary_student_ids(lab_id, student):
    _prove_checks(lab_id, student)


def _prove_checks(lab_id: str, student: object) -> None:
    """The solution and testing versions' cells, replayed for ``student``'s variant."""
    lab, ns = _replay(lab_id, student)
    solutions = source_cells(lab_id, "solution")
    for number, q in enumerate(lab.questions, 1):
        assert q.evaluate().outcome == "unanswered"
        exec(solutions[number - 1].replace(f"q{number}.check()", ""), ns)
        assert q.evaluate().correct, f"{lab_id} q{number} ({student}): the solution is rejected"
        q.self_test()


@pytest.mark.parametrize("lab_id", list(LABS))
def test_answers_are_computed_per_variant(lab_id):
    """Different students get different numbers (the answers come from their scenario)."""
    keys = [answer_key(lab_id, s) for s in STUDENTS]
    differing = [n for n in range(len(keys[0])) if len({json.dumps(k[n]["answer"])
                                                         for k in keys}) > 1]
    assert differing, f"{lab_id}: every variant has the same answers"
    assert answer_key(lab_id, "Alice") == answer_key(lab_id, " alice ")


@pytest.mark.parametrize("lab_id", list(LABS))
def test_sequence_answers_are_the_numbers_in_the_trace(lab_id):
    """Every sequence-number answer appears in the variant's trace (never invented)."""
    lab = start(lab_id, "trace-check")
    numbers = set()
    for value in lab.facts.values():
        if hasattr(value, "segments"):
            base = value.meta.get("base_seq", {})
            for s in value.segments():
                shift = base.get(s.src, 0)
                numbers.add((s.segment.seq + shift) % 2**32)
                numbers.add((s.segment.ack + base.get(s.dst, 0)) % 2**32)
    for n in range(1, len(lab.questions) + 1):
        expected = lab.expected(n)
        if isinstance(expected.form, SeqNumber):
            assert expected.value in numbers, f"{lab_id} q{n}"


def test_feedback_messages_named_in_the_issue():
    lab, ns = _replay("01-handshake", "issue-example")
    syn = ns["syn"]
    assert ns["q1"].evaluate(syn.seq).message == ("your ACK is one too small: the SYN consumes "
                                                  "one sequence number")
    lab3, ns3 = _replay("03-reordering", "issue-example")
    isn, mss, late = ns3["isn"], ns3["mss"], ns3["late"]
    message = ns3["q1"].evaluate((isn + 1 + (late + 1) * mss) % 2**32).message
    assert message == ("you acknowledged the segment that arrived out of order; TCP's ACK is "
                       "cumulative")


def test_solutions_grade_full_marks_in_a_clean_kernel(tmp_path):
    """Every lab's solution, submitted under a student id, gets every point from the grader."""
    from tcpedu.teach.grade import grade_directory

    for lab_id, folder in FOLDERS.items():
        nb = json.loads((folder / "instructor" / "solution.ipynb").read_text())
        for cell in nb["cells"]:
            source = "".join(cell["source"])
            cell["source"] = re.sub(r'^STUDENT = .*$', 'STUDENT = "grader-check"', source,
                                    flags=re.M)
        (tmp_path / f"{lab_id}.ipynb").write_text(json.dumps(nb), encoding="utf-8")
    results = grade_directory(tmp_path, timeout=120, jobs=2)
    assert [r.lab for r in results] == list(FOLDERS)
    for r in results:
        assert r.status == "ok" and r.score == r.max_score == len(lab_spec(r.lab).questions), r
        assert r.student == "grader-check"


def test_release_writes_only_student_versions_with_solutions_off(tmp_path, capsys):
    assert BUILDER.main(["--release", str(tmp_path), "--graded"]) == 0
    written = sorted(p.name for p in tmp_path.iterdir())
    assert written == [f"{lab_id}.ipynb" for lab_id in FOLDERS]
    for path in tmp_path.iterdir():
        nb = json.loads(path.read_text(encoding="utf-8"))
        setup = "".join(nb["cells"][1]["source"])
        assert "graded=True" in setup and nb["metadata"]["tcpedu"]["version"] == "student"
    lab = start("01-handshake", "x", graded=True)
    lab.question(1).solution()
    assert "hidden in a graded lab" in capsys.readouterr().out


def test_package_data_ships_the_lab_capture():
    tomllib = pytest.importorskip("tomllib", reason="tomllib needs Python 3.11+")

    patterns = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["setuptools"][
        "package-data"]["tcpedu"]
    for path in (ROOT / "tcpedu" / "teach" / "exercises" / "data").iterdir():
        relative = path.relative_to(ROOT / "tcpedu")
        assert any(relative.match(p) for p in patterns), f"{relative} not in package-data"
