"""Every "try it" cell of the course is wired to the one exercise engine (learntools' "testing copy").

The answers come from the engine itself, never from this file: each notebook runs once in a
kernel, and at each exercise cell the test runs the cell three times — as stored (unanswered: it
must not reveal the answer), with the engine's first recognised mistake (it must print that
mistake's own message), and with the right answer written as JSON (it must say "Correct").
"""

from __future__ import annotations

import re
import tempfile

import nbformat
import pytest
from _course_support import ROOT
from nbclient import NotebookClient

from tcpedu.teach.exercises import NOTEBOOKS, start
from tcpedu.teach.grade import kernel_manager

FOLDER = ROOT / "notebooks"
EXERCISE = re.compile(r"^(\w+) = None(\s*#.*)?$(?=\nq\d+\.check\(\))", re.M)


def _text(cell) -> str:
    parts = []
    for out in cell.outputs:
        if out.output_type == "stream":
            parts.append(out.text)
        elif out.output_type == "error":
            parts.append(f"ERROR {out.ename}: {out.evalue}")
    return "".join(parts)


def _literal(value) -> str | None:
    """``value`` as Python source that evaluates back to it, or None."""
    text = repr(value)
    try:
        return text if eval(text, {"frozenset": frozenset}) == value else None  # noqa: S307
    except Exception:
        return None


def trials(name: str) -> dict[str, tuple[str, str, str]]:
    """variable -> (right answer as source, a wrong one as source, the message it must get)."""
    lab = start(name)
    found = {}
    for q in lab.questions:
        expected = lab.expected(q.number)
        right = next(src for src in map(_literal, expected.accepted()) if src)
        wrong, mistake = next((src, m) for m in expected.table()
                              for src in (_literal(m.value), _literal(
                                  expected.form.to_json(expected.form.read(m.value)))) if src)
        found[q.variable] = (right, wrong, mistake.message)
    return found


def run_exercises(name: str) -> dict[str, dict[str, str]]:
    """Run notebook ``name``; each exercise cell as stored, wrongly answered, rightly answered."""
    nb = nbformat.read(FOLDER / f"{name}.ipynb", as_version=4)
    answers = trials(name)
    found: dict[str, dict[str, str]] = {}
    # The kernel on Unix sockets in a folder of its own: no race for a TCP port.
    with tempfile.TemporaryDirectory(prefix="tcpedu-answers-") as sockets:
        client = NotebookClient(nb, km=kernel_manager(sockets), timeout=180,
                                kernel_name="python3",
                                resources={"metadata": {"path": str(FOLDER)}})
        _run_and_answer(client, nb, answers, found)
    return found


def _run_and_answer(client: NotebookClient, nb: nbformat.NotebookNode,
                    answers: dict[str, tuple[str, str, str]],
                    found: dict[str, dict[str, str]]) -> None:
    """Run ``nb`` in ``client``'s kernel; each exercise cell three times (stored, wrong, right)."""
    with client.setup_kernel(cleanup_kc=True):  # its manager is ours: shut the kernel down
        for index, cell in enumerate(nb.cells):
            if cell.cell_type != "code":
                continue
            match = EXERCISE.search(cell.source)
            if not match:
                client.execute_cell(cell, index)
                continue
            variable = match.group(1)
            right, wrong, _ = answers[variable]
            outputs = {}
            for label, value in (("stored", "None"), ("wrong", wrong), ("right", right)):
                trial = nbformat.v4.new_code_cell(
                    EXERCISE.sub(f"{variable} = {value}", cell.source, count=1))
                client.execute_cell(trial, index)
                outputs[label] = _text(trial)
            found[variable] = outputs


@pytest.mark.parametrize("name", sorted(NOTEBOOKS))
def test_exercise_cells_judge_with_the_engine(name):
    results = run_exercises(name)
    answers = trials(name)
    assert list(results) == list(answers), "the notebook's exercises and its questions differ"
    lab = start(name)
    for q in lab.questions:
        outputs, (_, _, message) = results[q.variable], answers[q.variable]
        shown = lab.expected(q.number).form.show(lab.expected(q.number).value)
        assert f"q{q.number} … Not answered yet" in outputs["stored"], outputs["stored"]
        stored = outputs["stored"].replace(f"q{q.number}", "")
        assert shown not in stored, f"{q.variable}: the unanswered cell reveals {shown}"
        assert "✔ Correct" in outputs["right"] and shown in outputs["right"], outputs["right"]
        assert "✘ Incorrect" in outputs["wrong"] and message in outputs["wrong"], outputs["wrong"]
