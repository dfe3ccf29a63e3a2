"""The exercises API: answer forms, judging with specific feedback, variants, q1.check()/hint()/solution().

A tiny lab built on a hand-made Trace keeps these tests independent of the simulator.
"""

from __future__ import annotations

import subprocess
import sys

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tcpedu.errors import ParameterError
from tcpedu.model.segment import Flags, Segment
from tcpedu.model.states import State
from tcpedu.teach.exercises import (
    LABS,
    Expected,
    Lab,
    LabSpec,
    Mistake,
    QuestionSpec,
    UngradableValue,
    ____,
    answer_key,
    lab_spec,
    start,
    variant_for,
    variant_seed,
)
from tcpedu.teach.exercises.core import judge
from tcpedu.teach.exercises.forms import (
    Choice,
    Count,
    FlagSet,
    Seconds,
    SeqNumber,
    StateName,
    StatePath,
    Truth,
    Tuple,
    Unreadable,
)
from tcpedu.trace import Host, SegmentSent, Trace

# -- a lab on a hand-made trace -----------------------------------------------------------------


def _build(variant):
    rng = variant.rng()
    client_isn, server_isn = rng.randrange(2**32), rng.randrange(2**32)
    trace = Trace({"client": Host("client", "10.0.0.1", 40000),
                   "server": Host("server", "10.0.0.2", 80)})
    trace.add(SegmentSent(0.0, 1, "client", "server", Segment(40000, 80, client_isn, 0, Flags.SYN)))
    trace.add(SegmentSent(0.05, 2, "server", "client",
                          Segment(80, 40000, server_isn, (client_isn + 1) % 2**32, Flags.SYN | Flags.ACK)))
    return {"trace": trace}


def _solve_synack_ack(facts):
    syn, synack = facts["trace"].segments()
    return Expected(synack.segment.ack, SeqNumber(base=syn.segment.seq),
                    (Mistake(syn.segment.seq, "your ACK is one too small: the SYN consumes one "
                                              "sequence number"),),
                    why="ACK = client ISN + 1.", code="trace.segments('server')[0].segment.ack")


SPEC = LabSpec("99-test", "hand-made", _build, (
    QuestionSpec("synack_ack", "ACK of the SYN-ACK?", _solve_synack_ack,
                 hints=("The SYN consumes one number.", "Add one to the client's ISN.")),
    QuestionSpec("server_state", "State of a server waiting for SYNs?",
                 lambda facts: Expected(State.LISTEN, StateName(),
                                        (Mistake(State.CLOSED, "it must listen first"),)),
                 points=2),
))


def make_lab(student="alice", graded=False):
    from tcpedu.teach.exercises.variants import variant_for as vf

    return Lab(SPEC, vf("99-test", student), graded=graded)


# -- forms --------------------------------------------------------------------------------------


def test_seq_number_reads_int_hex_and_decimal_strings():
    form = SeqNumber()
    assert form.read(1001) == form.read("1001") == form.read("0x3e9") == form.read(0x3E9) == 1001
    assert form.read(" 1_001 ") == 1001
    assert form.read(1001.0) == 1001


@pytest.mark.parametrize("bad, says", [
    (True, "truth value"), (-1, "negative"), (2**32, "wrap around"), ("abc", "could not read"),
    (1.5, "whole number"), ([1], "list"),
])
def test_seq_number_rejects_unreadable_values_with_a_reason(bad, says):
    with pytest.raises(Unreadable, match=says):
        SeqNumber().read(bad)


@settings(max_examples=60)
@given(base=st.integers(0, 2**32 - 1), offset=st.integers(0, 2**20))
def test_relative_and_absolute_forms_are_both_accepted(base, offset):
    absolute = (base + offset) % 2**32
    expected = Expected(absolute, SeqNumber(base=base))
    for answer in (absolute, hex(absolute), str(offset), offset):
        assert judge(expected, answer)[0] == "correct"


@settings(max_examples=60)
@given(base=st.integers(2**22, 2**32 - 2**22), offset=st.integers(1, 2**20),
       delta=st.sampled_from([-1, 1]))
def test_off_by_one_is_rejected_in_both_forms(base, offset, delta):
    # (an ISN within 2**22 of zero would make small relative and absolute numbers overlap)
    absolute = (base + offset) % 2**32
    expected = Expected(absolute, SeqNumber(base=base))
    near = (absolute + delta) % 2**32
    assert judge(expected, near)[0] == "incorrect"
    assert judge(expected, offset + delta)[0] == "incorrect"


def test_state_forms_accept_every_spelling():
    form = StateName()
    for spelling in ("TIME-WAIT", "time_wait", "Time Wait", State.TIME_WAIT, "timewait"):
        assert form.read(spelling) is State.TIME_WAIT
    with pytest.raises(Unreadable, match="not a TCP state"):
        form.read("WAITING")
    path = StatePath()
    assert path.read("ESTABLISHED -> close_wait, LAST-ACK") == (
        State.ESTABLISHED, State.CLOSE_WAIT, State.LAST_ACK)
    assert path.read(["closed"]) == (State.CLOSED,)


def test_choice_count_and_seconds():
    choice = Choice(("client", "server"), aliases=(("the client", "client"),))
    assert choice.read(" Client ") == "client"
    assert choice.read("the client") == "client"
    with pytest.raises(Unreadable, match="not one of"):
        choice.read("router")
    assert Count().read("3") == 3
    with pytest.raises(Unreadable, match="negative"):
        Count().read(-2)
    seconds = Seconds()
    assert seconds.read("1500 ms") == pytest.approx(1.5)
    assert seconds.read("2s") == 2.0
    assert seconds.same(60.0, 60.3) and not seconds.same(60.0, 62)
    with pytest.raises(Unreadable):
        seconds.read("soon")


# -- judging and the question API ---------------------------------------------------------------


def test_check_accepts_right_answer_in_every_form(capsys):
    lab = make_lab()
    syn = lab.trace.segments()[0].segment
    right = (syn.seq + 1) % 2**32
    ns = {}
    lab.bind(ns)
    for answer in (right, hex(right), str(right), 1):
        ns["synack_ack"] = answer
        ns["q1"].check()
        assert "✔ Correct" in capsys.readouterr().out


def test_near_miss_gets_the_specific_message(capsys):
    lab = make_lab()
    ns = {}
    lab.bind(ns)
    ns["synack_ack"] = lab.trace.segments()[0].segment.seq
    ns["q1"].check()
    out = capsys.readouterr().out
    assert "✘ Incorrect" in out and "one too small: the SYN consumes one sequence number" in out
    ns["synack_ack"] = 0  # relative form of the same mistake
    assert "one too small" in ns["q1"].evaluate().message


def test_unanswered_and_unreadable_never_raise(capsys):
    lab = make_lab()
    ns = {}
    lab.bind(ns)
    ns["q1"].check()
    assert "Not answered yet" in capsys.readouterr().out
    ns["synack_ack"] = ____
    assert ns["q1"].evaluate().outcome == "unanswered"
    ns["synack_ack"] = "one thousand"
    feedback = ns["q1"].evaluate()
    assert feedback.outcome == "unreadable" and "could not read" in feedback.message
    assert judge(lab.expected(1), UngradableValue("function"))[0] == "unreadable"


def test_hints_come_one_by_one_and_out_of_range_is_a_clear_error(capsys):
    q1 = make_lab().question(1)
    q1.hint()
    q1.hint()
    q1.hint()
    out = capsys.readouterr().out.splitlines()
    assert out[0].startswith("q1 hint 1/2: The SYN") and "q1.hint(2)" in out[0]
    assert out[1].startswith("q1 hint 2/2") and out[2].startswith("q1 hint 2/2")
    with pytest.raises(ParameterError, match="hints 1..2"):
        q1.hint(5)


def test_solution_shows_the_variant_answer_unless_graded(capsys):
    lab = make_lab()
    lab.question(1).solution()
    out = capsys.readouterr().out
    assert str((lab.trace.segments()[0].segment.seq + 1) % 2**32) in out
    assert "trace.segments('server')" in out
    make_lab(graded=True).question(1).solution()
    assert "hidden in a graded lab" in capsys.readouterr().out


def test_learntools_style_assertions_prove_right_and_wrong():
    lab = make_lab()
    q1 = lab.question(1)
    syn = lab.trace.segments()[0].segment
    q1.assert_check_passed((syn.seq + 1) % 2**32)
    q1.assert_check_failed(syn.seq, says="SYN consumes")
    q1.assert_check_unanswered()
    with pytest.raises(AssertionError):
        q1.assert_check_passed(syn.seq)
    with pytest.raises(AssertionError):
        q1.assert_check_failed((syn.seq + 1) % 2**32)


def test_evaluate_scores_points_and_progress_reports(capsys):
    lab = make_lab()
    right = (lab.trace.segments()[0].segment.seq + 1) % 2**32
    feedback = lab.evaluate({"synack_ack": right, "server_state": "closed"})
    assert [f.outcome for f in feedback] == ["correct", "incorrect"]
    assert [f.max_points for f in feedback] == [1.0, 2.0]
    assert feedback[1].message == "it must listen first"
    lab.evaluate({"server_state": "listen"})
    lab.progress()
    assert "score so far: 2 / 3" in capsys.readouterr().out


def test_question_number_out_of_range_is_a_parameter_error():
    with pytest.raises(ParameterError, match="questions 1..2"):
        make_lab().question(3)


# -- variants -----------------------------------------------------------------------------------


def test_variants_differ_between_students_and_ignore_case_and_spacing():
    a, b = make_lab("alice"), make_lab("bob")
    assert a.trace.segments()[0].segment.seq != b.trace.segments()[0].segment.seq
    assert variant_for("99-test", "  Alice   Kim ").seed == variant_for("99-test", "alice kim").seed
    assert variant_seed("01-handshake", "alice") != variant_seed("02-loss", "alice")
    assert variant_for("99-test", None).seed == variant_for("99-test", "").seed
    with pytest.raises(ParameterError, match="student must be"):
        variant_for("99-test", 3.5)


def test_variant_seed_is_stable_across_processes_with_different_hash_salts():
    code = "from tcpedu.teach.exercises import variant_seed; print(variant_seed('01-handshake', 'Kim'))"
    seeds = {subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True,
                            env={"PYTHONHASHSEED": salt}).stdout.strip() for salt in ("1", "2")}
    assert seeds == {str(variant_seed("01-handshake", "kim"))}


def test_unknown_lab_is_one_clear_error():
    with pytest.raises(ParameterError, match="unknown lab 'nope'.*01-handshake"):
        start("nope")
    with pytest.raises(ParameterError):
        lab_spec(None)  # type: ignore[arg-type]


def test_every_registered_lab_has_a_spec_and_an_answer_key():
    for lab_id in LABS:
        spec = lab_spec(lab_id)
        assert spec.id == lab_id and len(spec.questions) >= 4
        key = answer_key(lab_id, "instructor-check")
        assert [row["question"] for row in key] == [f"q{n}" for n in range(1, len(key) + 1)]
        assert all(row["shown"] for row in key)


_ANY_VALUE = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=True) | st.text(max_size=20),
    lambda children: st.lists(children, max_size=4), max_leaves=8)


@settings(max_examples=150)
@given(value=_ANY_VALUE)
def test_any_answer_gets_a_verdict_never_an_exception(value):
    pair = Tuple((SeqNumber(), Count()), names=("seq", "len"))
    forms = (SeqNumber(base=5_000_000), Count(), Seconds(), StateName(), StatePath(),
             Choice(("client", "server")), FlagSet(), Truth(), pair)
    for form in forms:
        expected = Expected(form.read({SeqNumber: 5_000_001, Count: 3, Seconds: 1.5,
                                       StateName: "LISTEN", StatePath: ["LISTEN"],
                                       Choice: "client", FlagSet: "SYN, ACK", Truth: True,
                                       Tuple: (7, 3)}[type(form)]), form)
        outcome, message = judge(expected, value)
        assert outcome == "unanswered" if value is None else outcome in (
            "correct", "incorrect", "unreadable")
        assert "\n" not in message


def test_given_and_table_print_the_variant_and_its_segments(capsys):
    lab = start("02-loss", "table-check")
    lab.given()
    assert f"client ISN: {lab.trace.segments('client')[0].segment.seq}" in capsys.readouterr().out
    lab.table()
    lines = capsys.readouterr().out.splitlines()
    assert len(lines) == 1 + len(lab.trace.segments())
    assert sum("lost ✗" in line for line in lines) == 1
    assert sum("retransmission" in line for line in lines) == 1
    lab.table(relative=True, until=0.06)  # the SYN and SYN-ACK only, counted from the ISNs
    rows = [line.split() for line in capsys.readouterr().out.splitlines()[1:]]
    assert [(r[5], r[6], r[7]) for r in rows] == [("S", "0", "-"), ("SA", "0", "1")]
    with pytest.raises(ParameterError, match="no trace 'nope'"):
        lab.table("nope")
