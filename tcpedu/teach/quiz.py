"""Quiz widgets: a question, an answer box, and immediate feedback that names the mistake.

(They live in ``teach``, beside the exercise engine they judge with; ``views`` stays below it.)

A :class:`Quiz` judges with the course's one exercise engine (:mod:`tcpedu.teach.exercises`): the
same forms (every correct way of writing an answer), the same mistake detectors and the same
messages as the notebooks' ``qN.check()`` and the labs. :func:`ack_quiz` builds "what ACK number
does the server send now?" from any Trace, with the usual wrong answers (forgot the +1 of a SYN,
added the SEQ instead of the length, answered the segment's own SEQ, acknowledged a segment
beyond a hole...) and what each one means.
"""

from __future__ import annotations

import html
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import ipywidgets as W

from ..errors import ParameterError
from ..model.segment import Flags
from ..reading.timeline import Timeline, sender_of
from ..trace import SegmentSent, Trace
from .exercises.core import Expected, judge, matching_mistake
from .exercises.detectors import Mistake, acked_out_of_order, forgot_syn_fin
from .exercises.forms import Choice, Count, SeqNumber, Text


@dataclass(frozen=True, slots=True)
class Verdict:
    """The result of checking one answer."""

    correct: bool
    message: str


class Quiz:
    """A question with one right answer and specific feedback for known wrong answers.

    ``answer`` is either an :class:`~tcpedu.teach.exercises.core.Expected` (its form, mistakes and
    detectors judge) or a plain value: then ``mistakes`` maps a wrong answer to what it reveals,
    ``choices`` makes it multiple choice, and otherwise a number (``kind=int``) or text
    (``kind=str``) is typed. ``hint`` answers any other wrong answer; ``explanation`` follows a
    right one.
    """

    def __init__(self, question: str, answer: Any, *, mistakes: Mapping[Any, str] | None = None,
                 hint: str = "Not quite: try again.", explanation: str = "",
                 choices: list[Any] | None = None, kind: type = int) -> None:
        if kind not in (int, str):
            raise ParameterError(f"kind={kind!r}: choose int or str")
        if choices is not None and answer not in choices:
            raise ParameterError(f"the answer {answer!r} is not among the choices {choices!r}")
        if isinstance(answer, Expected):
            self.expected = answer
        else:
            form = (Choice(tuple(map(str, choices))) if choices is not None
                    else Count(described="a number") if kind is int else Text())
            self.expected = Expected(form.read(answer), form, tuple(
                Mistake(wrong, why) for wrong, why in (mistakes or {}).items()),
                why=explanation)
        self.question = question
        self.answer = self.expected.value
        self.hint = hint
        self.explanation = explanation or self.expected.why
        self.attempts: list[Any] = []
        if choices is not None:
            self.input = W.RadioButtons(options=list(choices), value=None)
        elif kind is int:
            self.input = W.Text(placeholder="type a number")
        else:
            self.input = W.Text(placeholder="type your answer")
        self.button = W.Button(description="Check", button_style="info")
        self.feedback = W.HTML()
        self.feedback.add_class("tcpedu-feedback")
        self.button.on_click(lambda _b: self.submit(self.input.value))
        self.widget = W.VBox([W.HTML(f"<b>{html.escape(question)}</b>"),
                              W.HBox([self.input, self.button]), self.feedback])
        self.widget.add_class("tcpedu-quiz")

    def check(self, value: Any) -> Verdict:
        """Judge ``value`` with the exercise engine (does not touch the widget)."""
        if isinstance(value, str) and not value.strip():
            value = None
        outcome, message = judge(self.expected, value)
        if outcome == "unanswered":
            return Verdict(False, "Type an answer first.")
        if outcome == "correct":
            shown = self.expected.form.show(self.expected.value)
            return Verdict(True, f"Right: {shown}. {self.explanation}".strip())
        if outcome == "incorrect" and matching_mistake(self.expected, value) is None:
            return Verdict(False, self.hint)
        return Verdict(False, message)

    def submit(self, value: Any) -> Verdict:
        """Check ``value`` and show the feedback."""
        verdict = self.check(value)
        self.attempts.append(value)
        colour = "#009E73" if verdict.correct else "#D55E00"
        mark = "✔" if verdict.correct else "✘"
        self.feedback.value = (f"<span style='color:{colour}; font-weight:bold'>{mark}</span> "
                               f"{html.escape(verdict.message)}")
        return verdict

    def _repr_mimebundle_(self, include: Any = None, exclude: Any = None) -> dict[str, Any]:
        bundle = dict(self.widget._repr_mimebundle_(include=include, exclude=exclude) or {})
        bundle["text/plain"] = f"Quiz: {self.question}"
        bundle["text/html"] = (f"<p><b>Quiz:</b> {html.escape(self.question)} <i>(run the "
                               "notebook to answer and get feedback)</i></p>")
        return bundle

    def __repr__(self) -> str:
        return f"<Quiz {self.question!r}>"


def ack_quiz(trace: Trace, step: int | None = None, *, relative: bool = True) -> Quiz:
    """"What ACK number does X send now?" about the segment delivered at ``step``.

    Without ``step`` the first delivered segment that carries data (or else a SYN) is used.
    """
    tl = Timeline(trace, relative=relative)
    got, answer_seg = _pick(tl, step)
    receiver = got.dst
    seg = got.segment
    src = sender_of(got)
    seq = tl.seq(src, seg.seq)
    n = len(seg.payload)
    expected = tl.ack(sender_of(answer_seg), answer_seg.segment.ack)
    flag = "SYN" if seg.flags & Flags.SYN else "FIN" if seg.flags & Flags.FIN else ""
    mistakes: list[Mistake] = []

    def add(value: int, why: str, kind: str = "specific") -> None:
        if value != expected and all(m.value != value for m in mistakes):
            mistakes.append(Mistake(value, why, kind))

    if expected < seq + seg.seg_len:
        slip = acked_out_of_order(seq + seg.seg_len)
        add(slip.value, f"That would acknowledge the segment itself, but byte {expected} is "
            f"still missing. {slip.message} It stays at {expected} (a duplicate ACK).",
            slip.kind)
    add(seq, f"{seq} is the SEQ of the segment {receiver} received. The ACK names the next byte "
        "it expects: SEQ + the bytes the segment consumed.")
    if flag:
        slip = forgot_syn_fin(seq + seg.seg_len, flag, SeqNumber())
        add(seq + n, f"Almost: a {flag} consumes one sequence number, so add 1. "
            f"({slip.message})", slip.kind)
    else:
        add(seq + 1, f"+1 is only for SYN and FIN. This segment carries {n} bytes of data, so "
            f"add {n}.")
        add(seq + n + 1, "One too many: data counts only its bytes; only SYN and FIN add 1.")
    add(tl.seq(receiver, answer_seg.segment.seq),
        f"That is {receiver}'s own sequence number. The ACK counts the bytes of the other side.")
    if n:
        add(n, f"{n} is the payload length; the ACK is a position in the byte stream: "
            "SEQ + length.")
    question = (f"{receiver.capitalize()} has just received {tl.label(got)}. What ACK number "
                f"does {receiver} send now?")
    answer = Expected(expected, SeqNumber(), tuple(mistakes),
                      why=f"ACK = {expected}: the next byte {receiver} expects.")
    return Quiz(question, answer, hint=(
        "Not quite. Start from the SEQ of what arrived and count the sequence numbers it "
        "consumed (payload bytes, +1 for SYN or FIN); if a hole remains, the ACK stays put."))


def _pick(tl: Timeline, step: int | None) -> tuple[SegmentSent, SegmentSent]:
    """The segment delivered at ``step`` and the first ACK its receiver sends after it."""
    candidates = []
    for sid, sent in tl.sent.items():
        arrived = tl.end_step.get(sid) if tl.fate[sid] == "delivered" else (
            tl.sent_step[sid] if sent.frame is not None else None)
        if arrived is None or not sent.segment.seg_len:
            continue
        # Only an immediate answer makes a fair question (a delayed ACK may cover more).
        when = tl.steps[arrived].time
        reply = next((r for r in tl.sent.values()
                      if r.src == sent.dst and r.segment.flags & Flags.ACK
                      and tl.sent_step[r.id] >= arrived), None)
        if reply is not None and reply.time == when and not any(
                other is not sent and other.dst == sent.dst
                and arrived < tl.end_step.get(other.id, -1) <= tl.sent_step[reply.id]
                for other in tl.sent.values()):
            candidates.append((arrived, sent, reply))
    if not candidates:
        raise ParameterError("this trace has no delivered segment that was acknowledged")
    if step is None:
        with_data = [c for c in candidates if c[1].segment.payload]
        arrived, sent, reply = (with_data or candidates)[0]
        return sent, reply
    step = tl.check_step(step)
    for arrived, sent, reply in candidates:
        if arrived == step:
            return sent, reply
    steps = ", ".join(str(c[0]) for c in candidates[:12])
    raise ParameterError(f"no acknowledged segment arrives at step {step}; try one of: {steps}")
