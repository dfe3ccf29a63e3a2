"""Tests generated from the exercise engine's own question list: every course notebook question and
every lab question for several variants. The right answer passes in every form the question
accepts; each mistake the question recognises (its own and the generic detectors') is rejected
with that mistake's own message; an unanswered question never reveals its answer; hint() and
solution() work. And no notebook or lab code cell holds an expected value, a solution or a
mistake table: the cells only hold the learner's answer and the check call.
"""

from __future__ import annotations

import re
from functools import cache

import jupytext
import pytest
from _course_support import ROOT

from tcpedu.teach.exercises import LABS, NOTEBOOKS, ____, start
from tcpedu.teach.exercises.core import judge, matching_mistake
from tcpedu.teach.exercises.detectors import KINDS

#: Students whose lab variants are tested (the empty id is the self-study default).
STUDENTS = ("", "alice", "s1234567", "Bob Lee")
CASES = [(name, "") for name in NOTEBOOKS] + [(lab, s) for lab in LABS for s in STUDENTS]


@cache
def session(name: str, student: str):
    return start(name, student)


def questions():
    for name, student in CASES:
        for number in range(1, len(session(name, student).questions) + 1):
            yield pytest.param(name, student, number, id=f"{name}/{student or '-'}/q{number}")


@pytest.mark.parametrize("name, student, number", list(questions()))
def test_right_answer_in_every_form_passes_and_every_mistake_gets_its_message(name, student,
                                                                             number):
    lab = session(name, student)
    expected = lab.expected(number)
    accepted = expected.accepted()
    assert accepted, "a question must list at least one correct form"
    for raw in accepted:
        outcome, message = judge(expected, raw)
        assert outcome == "correct", (raw, message)
    table = expected.table()
    for mistake in table:
        outcome, message = judge(expected, mistake.value)
        assert outcome == "incorrect" and message == mistake.message, (mistake, message)
        assert matching_mistake(expected, mistake.value) == mistake
    for blank in (None, ____):
        outcome, message = judge(expected, blank)
        assert outcome == "unanswered"
        assert expected.form.show(expected.value) not in message


def test_every_kind_of_slip_is_detected_somewhere_in_the_course():
    kinds = {m.kind for name, student in CASES for n in range(1, len(session(name, student)
                                                                        .questions) + 1)
             for m in session(name, student).expected(n).table()}
    assert kinds == set(KINDS), f"detectors never used: {set(KINDS) - kinds}"


def test_generic_detectors_apply_to_every_numeric_question():
    """Off by one is recognised wherever the answer is a whole number (and not already a
    question-specific mistake)."""
    for name in NOTEBOOKS:
        lab = session(name, "")
        for q in lab.questions:
            expected = lab.expected(q.number)
            if isinstance(expected.value, int) and not isinstance(expected.value, bool):
                wrong = expected.value + 1
                mistake = matching_mistake(expected, wrong)
                assert mistake is not None, f"{name} {q.variable}: {wrong} gets no feedback"


@pytest.mark.parametrize("name", list(NOTEBOOKS) + list(LABS))
def test_hint_and_solution_on_request(name, capsys):
    lab = start(name, "hint-check")
    q = lab.questions[0]
    q.hint()
    first = capsys.readouterr().out
    assert first.startswith("q1 hint 1/") and q.spec.hints[0] in first
    q.solution()
    shown = lab.expected(1).form.show(lab.expected(1).value)
    assert shown in capsys.readouterr().out
    graded = start(name, "hint-check", graded=True)
    graded.questions[0].solution()
    assert shown not in capsys.readouterr().out


def test_the_simultaneous_close_feedback_shows_state_names_not_reprs():
    lab = start("07-state-machine")
    outcome, message = judge(lab.expected(2), ["ESTABLISHED", "CLOSED"])
    assert outcome == "incorrect" and "<State" not in message
    assert "<State" not in lab.expected(2).form.show(lab.expected(2).value)


def test_an_rst_edge_does_not_count_as_the_close_calls_edge():
    """07's last question matches edges with their trigger (RFC 9293 §3.10.7.2: a RST in LISTEN
    is ignored; a RST in SYN-RECEIVED returns to LISTEN, which is not Figure 5's CLOSE edge)."""
    from tcpedu.model.states import Trigger

    lab = start("07-state-machine")
    form = lab.expected(3).form
    for trace_edge in form.missing:
        assert isinstance(trace_edge.trigger, Trigger)
    assert form.read(lab.facts["closing_together"]) == frozenset(), "a story already seen"
    # A SYN to a port nobody listens on: SYN-SENT -> CLOSED by "rcv RST", the same two states
    # as Figure 5's CLOSE edge, which is still missing. It must not count.
    refused = [(0.0, "client", "connect")]
    missing_pairs = {(e.source, e.target) for e in form.missing}
    from tcpedu.sim.scenarios import story

    driven_pairs = {(c.old, c.new) for c in story(refused).state_changes()}
    assert driven_pairs & missing_pairs, "the example must share a pair with a missing edge"
    outcome, message = judge(lab.expected(3), refused)
    assert outcome == "incorrect" and "by another trigger" in message
    assert judge(lab.expected(3), [(0.0, "server", "listen"), (1.0, "server", "close")])[0] \
        == "correct"


# -- the notebooks and labs hold no answers ------------------------------------------------------
ANSWER_CELL = re.compile(r"^(\w+) = (None|____)(\s*#.*)?\n(q\d+)\.check\(\)\s*$")
FORBIDDEN = ("check_prediction", "mistakes=", "why=", "Mistake(", "Expected(", "solution =",
             "assert_check")


def _code_cells(path):
    return [c.source for c in jupytext.read(path).cells if c.cell_type == "code"]


def _sources():
    paths = sorted((ROOT / "notebooks").glob("[0-9][0-9]-*.md"))
    paths += sorted((ROOT / "course" / "labs").glob("[0-9][0-9]-*/lab.ipynb"))
    return [pytest.param(p, id=str(p.relative_to(ROOT))) for p in paths]


@pytest.mark.parametrize("path", _sources())
def test_no_code_cell_holds_an_answer_a_solution_or_a_mistake_table(path):
    name = path.stem if path.parent.name == "notebooks" else path.parent.name
    spec_lab = start(name)
    cells = _code_cells(path)
    answers = []
    for source in cells:
        for word in FORBIDDEN:
            assert word not in source, f"a code cell holds {word!r}:\n{source}"
        if re.search(r"\.check\(", source):
            match = ANSWER_CELL.match(source)
            assert match, f"an exercise cell holds more than the answer and the check:\n{source}"
            answers.append((match.group(1), match.group(4)))
    assert answers == [(q.variable, f"q{q.number}") for q in spec_lab.questions]
    for q in spec_lab.questions:
        shown = spec_lab.expected(q.number).form.show(spec_lab.expected(q.number).value)
        if "," in shown or "→" in shown:  # a compound answer: distinctive enough to search for
            assert not any(shown in source for source in cells), f"{shown} is in a code cell"
