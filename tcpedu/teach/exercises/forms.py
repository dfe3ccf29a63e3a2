"""Reading what a learner wrote: each answer *form* turns a raw value into a canonical one.

A form accepts every correct way of writing an answer (``1001``, ``"1001"``, ``0x3e9``,
``"0x3E9"``; ``"time-wait"``, ``State.TIME_WAIT``, ``"TIME_WAIT"``) and raises
:class:`Unreadable` with a one-line hint when the value cannot be read at all. Whether the value is
*right* is decided elsewhere (:mod:`tcpedu.teach.exercises.core`); a form only normalises.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from ...model.seq import SEQ_SPACE
from ...model.states import State


class Unreadable(ValueError):
    """The answer has a form the question cannot read; the message says how to write it."""


class Form:
    """Base class: ``read(value)`` returns the canonical value or raises :class:`Unreadable`."""

    #: How the form is described to the learner ("a sequence number", "a TCP state"...).
    described: str = "an answer"

    def read(self, value: Any) -> Any:  # pragma: no cover - abstract
        raise NotImplementedError

    def show(self, canonical: Any) -> str:
        """The canonical value written for a human."""
        return str(canonical)

    def to_json(self, canonical: Any) -> Any:
        """The canonical value as plain JSON (for answer keys and grading)."""
        return canonical


def _whole_number(value: Any, what: str) -> int:
    """An int from an int, an integral float, or a decimal/hex/binary string."""
    if isinstance(value, bool):
        raise Unreadable(f"{value!r} is a truth value, not {what}: write a whole number")
    if isinstance(value, int):
        return int(value)
    if isinstance(value, float):
        if math.isfinite(value) and value == int(value):
            return int(value)
        raise Unreadable(f"{value!r} is not a whole number; {what} counts whole bytes")
    if isinstance(value, str):
        text = value.strip().replace("_", "").replace(",", "")
        try:
            return int(text, 0) if text[:2].lower() in ("0x", "0b", "0o") else int(text, 10)
        except ValueError:
            pass
        raise Unreadable(f"I could not read {value!r} as {what}: "
                         f"write an int such as 1001 or hex such as 0x3e9")
    raise Unreadable(f"a {type(value).__name__} is not {what}: write an int such as 1001")


@dataclass(frozen=True)
class SeqNumber(Form):
    """A 32-bit sequence or acknowledgment number.

    With ``base`` set (the ISN the question counts from), the relative number (Wireshark's
    default view) is accepted as well as the absolute one: :meth:`candidates` gives both readings.
    """

    base: int | None = None
    described: str = "a sequence number"

    def read(self, value: Any) -> int:
        number = _whole_number(value, self.described)
        if number < 0:
            raise Unreadable(f"{number} is negative: sequence numbers run from 0 to 2**32 - 1")
        if number >= SEQ_SPACE:
            raise Unreadable(f"{number} is past 2**32 - 1: sequence numbers wrap around, "
                             f"so take the sum modulo 2**32 (here {number % SEQ_SPACE})")
        return number

    def candidates(self, canonical: int) -> tuple[int, ...]:
        """The absolute numbers an answer may mean: itself, and itself counted from ``base``."""
        if self.base is None:
            return (canonical,)
        return (canonical, (canonical + self.base) % SEQ_SPACE)

    def show(self, canonical: int) -> str:
        if self.base is None:
            return str(canonical)
        return f"{canonical} (relative {(canonical - self.base) % SEQ_SPACE})"


@dataclass(frozen=True)
class Count(Form):
    """A non-negative whole number: segments, bytes, duplicate ACKs..."""

    described: str = "a count"

    def read(self, value: Any) -> int:
        number = _whole_number(value, self.described)
        if number < 0:
            raise Unreadable(f"{number} is negative: {self.described} cannot be")
        return number


@dataclass(frozen=True)
class Seconds(Form):
    """A duration in seconds, compared within ``tolerance`` (relative)."""

    tolerance: float = 0.01
    described: str = "a time in seconds"

    def read(self, value: Any) -> float:
        if isinstance(value, bool):
            raise Unreadable(f"{value!r} is a truth value, not {self.described}")
        if isinstance(value, str):
            text = value.strip().lower().removesuffix("seconds").removesuffix("s").strip()
            if text.endswith("m"):  # "1500 ms" after the "s" came off
                return self.read(text[:-1]) / 1000
            value = text
        try:
            number = float(value)
        except (TypeError, ValueError):
            raise Unreadable(f"I could not read {value!r} as {self.described}: "
                             f"write a number such as 1.5") from None
        if not math.isfinite(number) or number < 0:
            raise Unreadable(f"{value!r} is not a duration: write a number >= 0")
        return number

    def same(self, a: float, b: float) -> bool:
        """``a`` and ``b`` agree within the tolerance."""
        return math.isclose(a, b, rel_tol=self.tolerance, abs_tol=1e-9)


def _state_key(text: str) -> str:
    return "".join(ch for ch in text.upper() if ch.isalnum())


_STATES_BY_KEY = {_state_key(s.value): s for s in State}


@dataclass(frozen=True)
class StateName(Form):
    """A TCP state: ``State.TIME_WAIT``, ``"TIME-WAIT"``, ``"time_wait"``, ``"time wait"``."""

    described: str = "a TCP state"

    def read(self, value: Any) -> State:
        if isinstance(value, State):
            return value
        if isinstance(value, str):
            state = _STATES_BY_KEY.get(_state_key(value))
            if state is not None:
                return state
            names = ", ".join(s.value for s in State)
            raise Unreadable(f"{value!r} is not a TCP state; RFC 9293 names them {names}")
        raise Unreadable(f"a {type(value).__name__} is not a TCP state: write e.g. 'CLOSE-WAIT'")

    def show(self, canonical: State) -> str:
        return canonical.value

    def to_json(self, canonical: State) -> str:
        return canonical.value


@dataclass(frozen=True)
class StatePath(Form):
    """A list of TCP states in order, e.g. ``["ESTABLISHED", "CLOSE-WAIT", "LAST-ACK"]``."""

    described: str = "a list of TCP states"

    def read(self, value: Any) -> tuple[State, ...]:
        if isinstance(value, str):
            value = [part for part in value.replace("->", ",").replace("→", ",").split(",")
                     if part.strip()]
        if not isinstance(value, Sequence):
            raise Unreadable(f"write {self.described}, e.g. ['ESTABLISHED', 'CLOSE-WAIT']")
        one = StateName()
        return tuple(one.read(item) for item in value)

    def show(self, canonical: tuple[State, ...]) -> str:
        return " → ".join(s.value for s in canonical)

    def to_json(self, canonical: tuple[State, ...]) -> list[str]:
        return [s.value for s in canonical]


@dataclass(frozen=True)
class Choice(Form):
    """One word out of a few (``"client"``/``"server"``), case and spacing ignored.

    ``aliases`` maps other spellings to an option, e.g. ``{"gbn": "go-back-n"}``.
    """

    options: tuple[str, ...] = ()
    aliases: tuple[tuple[str, str], ...] = ()
    described: str = "one of the options"

    def read(self, value: Any) -> str:
        if isinstance(value, str):
            key = _state_key(value)
            for option in self.options:
                if _state_key(option) == key:
                    return option
            for alias, option in self.aliases:
                if _state_key(alias) == key:
                    return option
        listed = ", ".join(repr(o) for o in self.options)
        raise Unreadable(f"{value!r} is not one of {listed}")
