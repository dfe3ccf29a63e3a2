"""The one exercise engine, learntools style: ``q1.check()``, ``q1.hint()``, ``q1.solution()``.

Labs and the course notebooks' "try it" questions are both a :class:`LabSpec`: a
``build(variant)`` that runs named scenarios and returns the *facts* (the Trace and numbers read
from it), and :class:`QuestionSpec` s whose ``solve(facts)`` returns the :class:`Expected`
answer: its form (which accepts every correct way of writing it), the near misses worth a specific
message, and the mistake detectors of :mod:`.detectors`. Nothing here holds an answer: every
answer is computed from the model (for the learner's variant) when asked. A notebook cell holds
only the prompt, ``answer = None`` and ``qN.check()``; the quiz widget and ``tcpedu grade`` judge
with the same :func:`judge`.

A :class:`Lab` is one learner's session: it binds ``q1``, ``q2``... into the notebook, reads each
answer from the notebook variable the question names, and judges it.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, MutableMapping
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any

from ...errors import ParameterError
from .detectors import Mistake, generic
from .forms import Form, Unreadable
from .variants import Variant


class _Blank:
    """The placeholder a student notebook starts with: ``answer = ____`` means "not answered"."""

    _instance: _Blank | None = None

    def __new__(cls) -> _Blank:
        if cls._instance is None:
            cls._instance = super().__new__(cls)
        return cls._instance

    def __repr__(self) -> str:
        return "____"


#: Write ``my_answer = ____`` in a student notebook; replace it with the answer.
____ = _Blank()


@dataclass(frozen=True)
class UngradableValue:
    """Stands for an answer that could not be carried out of a submission (an object, a function)."""

    type_name: str


@dataclass(frozen=True)
class Expected:
    """The right answer for one variant, its near misses, and the worked solution.

    ``mistakes`` are the question's own (made with :mod:`.detectors` or by hand); unless
    ``generic`` is false the generic detectors (swapped pair, off by one) follow them.
    ``examples`` are further correct raw answers (beyond the form's alternatives) for the tests.
    """

    value: Any
    form: Form
    mistakes: tuple[Mistake, ...] = ()
    why: str = ""
    code: str = ""
    generic: bool = True
    examples: tuple[Any, ...] = ()

    def same(self, a: Any, b: Any) -> bool:
        """Whether two canonical values count as equal under this question's form."""
        return bool(self.form.same(a, b))

    def is_right(self, canonical: Any) -> bool:
        """Whether a read answer is right (under any of its readings)."""
        return any(self.same(r, self.value) for r in self.form.readings(canonical))

    def table(self) -> tuple[Mistake, ...]:
        """Every mistake this question recognises, first match first: the question's own, then
        the generic detectors; none that is a reading of the right answer, no value twice."""
        found: list[Mistake] = []
        candidates = list(self.mistakes) + (generic(self.value, self.form) if self.generic
                                            else [])
        for mistake in candidates:
            try:
                canonical = self.form.read(mistake.value)
            except Unreadable:
                continue  # judged as unreadable before the table is consulted
            if self.is_right(canonical):
                continue
            if any(self._matches(canonical, earlier) for earlier in found):
                continue
            found.append(mistake)
        return tuple(found)

    def _matches(self, canonical: Any, mistake: Mistake) -> bool:
        try:
            wrong = self.form.read(mistake.value)
        except Unreadable:
            return False
        return any(self.same(r, w) for r in self.form.readings(canonical)
                   for w in self.form.readings(wrong))

    def accepted(self) -> list[Any]:
        """Correct raw answers in every form the question accepts (for tests and docs)."""
        return [*self.form.alternatives(self.value), *self.examples]


@dataclass(frozen=True)
class QuestionSpec:
    """One question of a lab: where the answer goes, what to say, and how to solve it."""

    variable: str
    prompt: str
    solve: Callable[[dict[str, Any]], Expected]
    hints: tuple[str, ...] = ()
    points: float = 1.0


@dataclass(frozen=True)
class LabSpec:
    """A lab: its id, title, scenario builder and questions (``q1`` is ``questions[0]``)."""

    id: str
    title: str
    build: Callable[[Variant], dict[str, Any]]
    questions: tuple[QuestionSpec, ...]
    given: Callable[[dict[str, Any]], str] | None = None


@dataclass(frozen=True)
class Feedback:
    """The verdict on one answer: ``outcome`` is correct, incorrect, unanswered or unreadable."""

    number: int
    variable: str
    outcome: str
    message: str
    points: float
    max_points: float

    @property
    def correct(self) -> bool:
        return self.outcome == "correct"

    def __str__(self) -> str:
        mark = {"correct": "✔ Correct", "incorrect": "✘ Incorrect",
                "unanswered": "… Not answered yet", "unreadable": "? Check the form"}[self.outcome]
        return f"q{self.number} {mark}: {self.message}" if self.message else f"q{self.number} {mark}"


_MISSING = object()
#: The notebook variable :meth:`Lab.bind` stores the session under.
BOUND_LAB = "__tcpedu_lab__"


def matching_mistake(expected: Expected, raw: Any) -> Mistake | None:
    """The first mistake of ``expected``'s table that ``raw`` is (None if it is none of them)."""
    try:
        canonical = expected.form.read(raw)
    except Unreadable:
        return None
    return next((m for m in expected.table() if expected._matches(canonical, m)), None)


def judge(expected: Expected, raw: Any) -> tuple[str, str]:
    """``(outcome, message)`` for a raw answer against the expected one: ``correct``,
    ``incorrect`` (with the message of the first mistake it matches), ``unanswered`` (``None``
    or ``____``) or ``unreadable`` (with how to write it)."""
    if raw is _MISSING or raw is None or isinstance(raw, _Blank):
        return "unanswered", ""
    if isinstance(raw, UngradableValue):
        return "unreadable", f"a {raw.type_name} cannot be graded: write a plain value"
    try:
        canonical = expected.form.read(raw)
    except Unreadable as exc:
        return "unreadable", str(exc)
    if expected.is_right(canonical):
        shown = expected.form.show(expected.value)
        return "correct", f"{shown}. {expected.why.split(chr(10))[0]}".strip()
    for mistake in expected.table():
        if expected._matches(canonical, mistake):
            return "incorrect", mistake.message
    return "incorrect", f"{expected.form.show(canonical)} is not it{_which_parts(expected, canonical)}. " \
        "Try q.hint() for a nudge."


def _which_parts(expected: Expected, canonical: Any) -> str:
    """For a tuple answer, which named parts are right (so a hint can aim at the others)."""
    form = expected.form
    parts, names = getattr(form, "parts", ()), getattr(form, "names", ())
    if not parts or len(names) != len(parts):
        return ""
    right = [name for name, part, got, want in zip(names, parts, canonical, expected.value,
                                                   strict=True)
             if any(part.same(r, want) for r in part.readings(got))]
    if not right or len(right) == len(parts):
        return ""
    wrong = [name for name in names if name not in right]
    return f": your {' and '.join(right)} {'is' if len(right) == 1 else 'are'} right, " \
           f"your {' and '.join(wrong)} not"


class Question:
    """``qN`` in a notebook: check the answer variable, give hints, show the worked solution."""

    def __init__(self, lab: Lab, number: int) -> None:
        self._lab = lab
        self.number = number
        self.spec = lab.spec.questions[number - 1]
        self._hints_shown = 0

    @property
    def variable(self) -> str:
        """The notebook variable this question reads."""
        return self.spec.variable

    def evaluate(self, value: Any = _MISSING) -> Feedback:
        """Judge ``value`` (default: the bound notebook variable) without printing."""
        if value is _MISSING:
            value = self._lab.namespace.get(self.variable, _MISSING)
        expected = self._lab.expected(self.number)
        outcome, message = judge(expected, value)
        if outcome == "unanswered":
            message = f"set `{self.variable}` to your answer, then run this cell again"
        elif outcome == "incorrect" and message.endswith("q.hint() for a nudge."):
            message = message.replace("q.hint()", f"q{self.number}.hint()")
        points = self.spec.points if outcome == "correct" else 0.0
        feedback = Feedback(self.number, self.variable, outcome, message, points, self.spec.points)
        self._lab.results[self.number] = feedback
        return feedback

    def check(self, value: Any = _MISSING) -> None:
        """Print whether the answer is right, with specific feedback when it is not. Never raises
        on a wrong or missing answer."""
        print(self.evaluate(value))

    def hint(self, n: int | None = None) -> None:
        """Print the next hint (or hint ``n``, counting from 1)."""
        hints = self.spec.hints
        if not hints:
            print(f"q{self.number}: no hint for this one — look at the trace again.")
            return
        if n is None:
            self._hints_shown = min(self._hints_shown + 1, len(hints))
            n = self._hints_shown
        if isinstance(n, bool) or not isinstance(n, int) or not 1 <= n <= len(hints):
            raise ParameterError(f"q{self.number} has hints 1..{len(hints)}, not {n}")
        more = f" (more: q{self.number}.hint({n + 1}))" if n < len(hints) else ""
        print(f"q{self.number} hint {n}/{len(hints)}: {hints[n - 1]}{more}")

    def solution(self) -> None:
        """Print the worked answer for this variant (refused in a graded lab)."""
        if self._lab.graded:
            print(f"q{self.number}: solutions are hidden in a graded lab; try q{self.number}.hint().")
            return
        expected = self._lab.expected(self.number)
        print(f"q{self.number} solution ({self._lab.variant.label}): "
              f"{self.variable} = {expected.form.show(expected.value)}")
        if expected.why:
            print(expected.why)
        if expected.code:
            print(f"In code: {expected.code}")

    def self_test(self) -> None:
        """Prove this question's check for this variant, from the engine's own lists (what a lab's
        testing version runs): unanswered is never judged, the right answer passes in every
        accepted form, every recognised mistake is rejected with its own message. Raises
        AssertionError naming the first failure; prints a one-line summary."""
        expected = self._lab.expected(self.number)
        for blank in (None, ____):
            assert judge(expected, blank)[0] == "unanswered", f"q{self.number}: {blank!r}"
        forms = expected.accepted()
        for raw in forms:
            outcome, message = judge(expected, raw)
            assert outcome == "correct", f"q{self.number}: {raw!r} rejected: {message}"
        table = expected.table()
        for mistake in table:
            outcome, message = judge(expected, mistake.value)
            assert outcome == "incorrect" and message == mistake.message, \
                f"q{self.number}: {mistake.value!r} ({mistake.kind}) got {outcome}: {message}"
        kinds = sorted({m.kind for m in table})
        print(f"q{self.number} self-test: the right answer passes in {len(forms)} forms; "
              f"{len(table)} mistakes get their own feedback ({', '.join(kinds) or 'none'})")

    # learntools-style assertions, for the "testing" notebooks that prove the checks
    def assert_check_passed(self, value: Any = _MISSING) -> None:
        """Raise AssertionError unless the answer is judged correct."""
        feedback = self.evaluate(value)
        assert feedback.correct, f"expected the check to pass: {feedback}"

    def assert_check_failed(self, value: Any = _MISSING, says: str = "") -> None:
        """Raise AssertionError unless the answer is judged wrong (and the feedback mentions
        ``says``, if given)."""
        feedback = self.evaluate(value)
        print(feedback)
        assert feedback.outcome in ("incorrect", "unreadable"), \
            f"expected the check to fail: {feedback}"
        assert says.lower() in feedback.message.lower(), \
            f"expected feedback mentioning {says!r}: {feedback}"

    def assert_check_unanswered(self, value: Any = _MISSING) -> None:
        """Raise AssertionError unless the answer is judged not answered yet."""
        feedback = self.evaluate(value)
        assert feedback.outcome == "unanswered", f"expected 'not answered': {feedback}"

    def __repr__(self) -> str:
        return f"q{self.number}: {self.spec.prompt} (answer in `{self.variable}`)"


@dataclass
class Lab:
    """One learner's session of a lab, bound to a notebook namespace."""

    spec: LabSpec
    variant: Variant
    namespace: MutableMapping[str, Any] = field(default_factory=dict)
    graded: bool = False
    results: dict[int, Feedback] = field(default_factory=dict)

    @cached_property
    def facts(self) -> dict[str, Any]:
        """What the variant's scenario produced (``facts["trace"]`` and numbers read from it)."""
        return self.spec.build(self.variant)

    @property
    def trace(self) -> Any:
        """The variant's main Trace."""
        return self.facts["trace"]

    @cached_property
    def questions(self) -> tuple[Question, ...]:
        return tuple(Question(self, n) for n in range(1, len(self.spec.questions) + 1))

    def question(self, number: int) -> Question:
        """``qN`` by number (from 1)."""
        if not 1 <= number <= len(self.questions):
            raise ParameterError(f"lab {self.spec.id} has questions 1..{len(self.questions)}, "
                                 f"not {number}")
        return self.questions[number - 1]

    def expected(self, number: int) -> Expected:
        """The expected answer of question ``number`` for this variant (computed, then cached)."""
        cache = self.__dict__.setdefault("_expected", {})
        if number not in cache:
            cache[number] = self.spec.questions[number - 1].solve(self.facts)
        return cache[number]

    def bind(self, namespace: MutableMapping[str, Any]) -> Lab:
        """Read answers from ``namespace`` and put ``q1``, ``q2``... into it."""
        self.namespace = namespace
        for question in self.questions:
            namespace[f"q{question.number}"] = question
        namespace[BOUND_LAB] = self  # how the grader finds the variant the notebook used
        return self

    def evaluate(self, answers: Mapping[str, Any]) -> list[Feedback]:
        """Judge answers given by variable name (missing ones count as unanswered)."""
        saved, self.namespace = self.namespace, dict(answers)
        try:
            return [q.evaluate() for q in self.questions]
        finally:
            self.namespace = saved

    def answer_key(self) -> list[dict[str, Any]]:
        """Every question's answer for this variant: number, variable, value, shown, points."""
        key = []
        for q in self.questions:
            expected = self.expected(q.number)
            key.append({"question": f"q{q.number}", "variable": q.variable,
                        "answer": expected.form.to_json(expected.value),
                        "shown": expected.form.show(expected.value), "points": q.spec.points})
        return key

    def given(self) -> None:
        """Print what this variant gives you to start from (ISNs, sizes, what goes wrong...)."""
        print(f"{self.spec.title} — {self.variant.label}")
        if self.spec.given is not None:
            print(self.spec.given(self.facts))

    def table(self, which: str = "trace", relative: bool = False,
              until: float | None = None) -> None:
        """Print the segments of ``facts[which]`` (default the main trace) as a table; with
        ``until``, only those sent before that time."""
        from .show import segment_table

        trace = self.facts.get(which)
        if trace is None or not hasattr(trace, "segments"):
            names = [k for k, v in self.facts.items() if hasattr(v, "segments")]
            raise ParameterError(f"lab {self.spec.id} has no trace {which!r}; it has "
                                 f"{', '.join(names)}")
        print(segment_table(trace, relative_to_isn=relative, until=until))

    def progress(self) -> None:
        """Print each question's latest verdict and the score so far."""
        for q in self.questions:
            feedback = self.results.get(q.number)
            print(feedback if feedback else f"q{q.number} not checked yet")
        score = sum(f.points for f in self.results.values())
        total = sum(q.spec.points for q in self.questions)
        print(f"score so far: {score:g} / {total:g}")

    def __repr__(self) -> str:
        return (f"<Lab {self.spec.id} '{self.spec.title}', {self.variant.label}, "
                f"{len(self.questions)} questions>")
