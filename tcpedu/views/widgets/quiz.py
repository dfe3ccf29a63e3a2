"""Quiz widgets: a question, an answer box, and immediate feedback that names the mistake.

:func:`ack_quiz` builds "what ACK number does the server send now?" from any Trace, with a
table of the usual wrong answers (forgot the +1 of a SYN, added the SEQ instead of the length,
answered the segment's own SEQ, ignored a hole...) and what each one means.
"""

from __future__ import annotations

import html
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

import ipywidgets as W

from ...errors import ParameterError
from ...model.segment import Flags
from ...reading.timeline import Timeline, sender_of
from ...trace import SegmentSent, Trace


@dataclass(frozen=True, slots=True)
class Verdict:
    """The result of checking one answer."""

    correct: bool
    message: str


class Quiz:
    """A question with one right answer and specific feedback for known wrong answers.

    ``mistakes`` maps a wrong answer to what it reveals; ``hint`` is shown for any other wrong
    answer; ``explanation`` follows a right one. ``choices`` makes it multiple choice; otherwise
    an integer is typed (``kind=int``) or text (``kind=str``).
    """

    def __init__(self, question: str, answer: Any, *, mistakes: Mapping[Any, str] | None = None,
                 hint: str = "Not quite: try again.", explanation: str = "",
                 choices: list[Any] | None = None, kind: type = int,
                 normalise: Callable[[Any], Any] | None = None) -> None:
        if kind not in (int, str):
            raise ParameterError(f"kind={kind!r}: choose int or str")
        if choices is not None and answer not in choices:
            raise ParameterError(f"the answer {answer!r} is not among the choices {choices!r}")
        self.question = question
        self.answer = answer
        self.mistakes = dict(mistakes or {})
        self.hint = hint
        self.explanation = explanation
        self.kind = kind
        self.normalise = normalise or (lambda v: v.strip().lower() if isinstance(v, str) else v)
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
        """Judge ``value`` (does not touch the widget)."""
        if value is None or (isinstance(value, str) and not value.strip()):
            return Verdict(False, "Type an answer first.")
        if self.kind is int and isinstance(value, str):
            try:
                value = int(value.strip(), 0)
            except ValueError:
                return Verdict(False, f"{value.strip()!r} is not a whole number.")
        got = self.normalise(value)
        if got == self.normalise(self.answer):
            return Verdict(True, f"Right: {self.answer}. {self.explanation}".strip())
        for wrong, why in self.mistakes.items():
            if got == self.normalise(wrong):
                return Verdict(False, why)
        return Verdict(False, self.hint)

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
    consumed = ("a SYN" if seg.flags & Flags.SYN else "a FIN" if seg.flags & Flags.FIN else "")
    mistakes: dict[int, str] = {}

    def add(value: int, why: str) -> None:
        if value != expected and value not in mistakes:
            mistakes[value] = why

    if expected < seq + seg.seg_len:
        add(seq + seg.seg_len, f"That would acknowledge the segment itself, but byte {expected} "
            f"is still missing: the ACK is cumulative, so it stays at {expected} (a duplicate "
            "ACK) until the hole is filled.")
    add(seq, f"{seq} is the SEQ of the segment {receiver} received. The ACK names the next byte "
        "it expects: SEQ + the bytes the segment consumed.")
    if consumed:
        add(seq + n, f"Almost: {consumed} consumes one sequence number, so add 1.")
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
    return Quiz(question, expected, mistakes=mistakes, hint=(
        "Not quite. Start from the SEQ of what arrived and count the sequence numbers it "
        "consumed (payload bytes, +1 for SYN or FIN); if a hole remains, the ACK stays put."),
        explanation=f"ACK = {expected}: the next byte {receiver} expects.")


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
