"""Reading what a learner wrote: each answer *form* turns a raw value into a canonical one.

A form accepts every correct way of writing an answer (``1001``, ``"1001"``, ``0x3e9``,
``"0x3E9"``; ``"time-wait"``, ``State.TIME_WAIT``, ``"TIME_WAIT"``, ``"close wait"``;
``"SYN-ACK"``, ``"syn+ack"``, ``"ACK, SYN"``) and raises :class:`Unreadable` with a one-line hint
when the value cannot be read at all. Whether the value is *right* is decided elsewhere
(:mod:`tcpedu.teach.exercises.core`); a form only normalises. Each form also lists
:meth:`Form.alternatives`: other correct ways of writing a canonical value, which the tests feed
back to prove that every one is accepted.
"""

from __future__ import annotations

import ast
import itertools
import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from ...model.segment import Flags
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

    def readings(self, canonical: Any) -> tuple[Any, ...]:
        """Every value an answer may mean (a relative number also means an absolute one)."""
        return (canonical,)

    def same(self, a: Any, b: Any) -> bool:
        """Whether two canonical values count as equal."""
        return bool(a == b)

    def alternatives(self, canonical: Any) -> list[Any]:
        """Other correct ways of writing ``canonical`` (each must read back as it)."""
        return [canonical]


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

    readings = candidates

    def alternatives(self, canonical: int) -> list[Any]:
        forms: list[Any] = [canonical, str(canonical), hex(canonical), hex(canonical).upper()
                            .replace("0X", "0x"), float(canonical)]
        if self.base is not None:
            forms.append((canonical - self.base) % SEQ_SPACE)
        return forms

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

    def alternatives(self, canonical: int) -> list[Any]:
        return [canonical, str(canonical), hex(canonical), float(canonical), f" {canonical} "]


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

    def show(self, canonical: float) -> str:
        return f"{canonical:g} s"

    def alternatives(self, canonical: float) -> list[Any]:
        forms: list[Any] = [canonical, str(canonical), f"{canonical} s", f"{canonical * 1000:g} ms"]
        if canonical == int(canonical):
            forms.append(int(canonical))
        return forms


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

    def alternatives(self, canonical: State) -> list[Any]:
        name = canonical.value
        return [canonical, name, name.replace("-", "_"), name.replace("-", " ").lower(),
                name.title(), name.lower().replace("-", "_"), f" {name} "]


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

    def alternatives(self, canonical: tuple[State, ...]) -> list[Any]:
        names = [s.value for s in canonical]
        return [list(canonical), names, tuple(names), " -> ".join(names),
                [n.replace("-", " ").lower() for n in names], ", ".join(n.replace("-", "_")
                                                                       for n in names)]


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

    def alternatives(self, canonical: str) -> list[Any]:
        return [canonical, canonical.upper(), canonical.title(), f" {canonical} "]


@dataclass(frozen=True)
class Text(Form):
    """A free word or phrase, compared without case, spacing, ``-``/``_`` or punctuation."""

    described: str = "a word or phrase"

    def read(self, value: Any) -> str:
        if not isinstance(value, (str, int)) or isinstance(value, bool):
            raise Unreadable(f"a {type(value).__name__} is not {self.described}: write text")
        text = " ".join("".join(ch if ch.isalnum() else " " for ch in str(value)).split())
        if not text:
            raise Unreadable(f"{value!r} says nothing: write {self.described}")
        return text.lower()

    def alternatives(self, canonical: str) -> list[Any]:
        return [canonical, canonical.upper(), f" {canonical.title()} "]


#: The order flags are named in (Wireshark's): SYN, ACK first.
_FLAG_ORDER = ("SYN", "FIN", "RST", "PSH", "ACK", "URG", "ECE", "CWR")


def _glued(word: str) -> list[str]:
    """Flag names written without a separator (``"SYNACK"``), or [] if it is not that."""
    found = []
    while word:
        name = next((n for n in _FLAG_ORDER if word.startswith(n)), None)
        if name is None:
            return []
        found.append(name)
        word = word[len(name):]
    return found


@dataclass(frozen=True)
class FlagSet(Form):
    """A set of TCP flags, in any order, case or separator: ``"SYN-ACK"``, ``"syn+ack"``,
    ``"ACK, SYN"``, ``["SYN", "ACK"]``, ``Flags.SYN | Flags.ACK``, ``"SA"``."""

    described: str = "a set of TCP flags"

    def read(self, value: Any) -> frozenset[str]:
        if isinstance(value, Flags):
            return frozenset(bit.name for bit in Flags if value & bit and bit.name)
        if isinstance(value, (list, tuple, set, frozenset)):
            value = " ".join(str(v) for v in value)
        if not isinstance(value, str):
            raise Unreadable(f"a {type(value).__name__} is not {self.described}: "
                             "write e.g. 'SYN, ACK'")
        words = [w for w in "".join(ch if ch.isalpha() else " " for ch in value).upper().split()]
        if not words:
            raise Unreadable("no flag named: write e.g. 'SYN, ACK'")
        names: set[str] = set()
        for word in words:
            if word in _FLAG_ORDER:
                names.add(word)
            elif all(ch in "FSRPAUEC" for ch in word) and len(set(word)) == len(word):
                names.update(Flags.parse(word).names.split(", "))
            elif _glued(word):
                names.update(_glued(word))
            else:
                raise Unreadable(f"{word!r} is not a TCP flag; the flags are "
                                 f"{', '.join(_FLAG_ORDER)}")
        return frozenset(names)

    def show(self, canonical: frozenset[str]) -> str:
        return ", ".join(f for f in _FLAG_ORDER if f in canonical) or "none"

    def to_json(self, canonical: frozenset[str]) -> str:
        return self.show(canonical)

    def alternatives(self, canonical: frozenset[str]) -> list[Any]:
        ordered = [f for f in _FLAG_ORDER if f in canonical]
        forms: list[Any] = [", ".join(ordered), "-".join(ordered), "+".join(ordered).lower(),
                            ", ".join(reversed(ordered)), " ".join(ordered).title(), ordered,
                            "/".join(reversed(ordered)).lower()]
        return forms


@dataclass(frozen=True)
class Truth(Form):
    """Yes or no: ``True``, ``"yes"``, ``"true"``, ``False``, ``"no"``..."""

    described: str = "yes or no"

    def read(self, value: Any) -> bool:
        if isinstance(value, bool):
            return value
        if isinstance(value, str):
            word = value.strip().lower()
            if word in ("yes", "true", "y"):
                return True
            if word in ("no", "false", "n"):
                return False
        raise Unreadable(f"{value!r} is not yes or no: write True or False")

    def show(self, canonical: bool) -> str:
        return "True (yes)" if canonical else "False (no)"

    def alternatives(self, canonical: bool) -> list[Any]:
        return [canonical, "yes" if canonical else "no", str(canonical).lower()]


@dataclass(frozen=True)
class Tuple(Form):
    """A fixed number of answers in order, e.g. ``(seq, ack)``: each part read by its own form.

    A string such as ``"(5000, 1001)"`` is read too. ``names`` say what each part is (used in
    feedback: "you swapped seq and ack").
    """

    parts: tuple[Form, ...] = ()
    names: tuple[str, ...] = ()
    described: str = "a tuple"

    def read(self, value: Any) -> tuple[Any, ...]:
        if isinstance(value, str):
            try:
                value = ast.literal_eval(value.strip())
            except (ValueError, SyntaxError):
                raise Unreadable(f"I could not read {value!r}: write a tuple such as "
                                 f"({', '.join(self.names)})") from None
        if not isinstance(value, (tuple, list)) or len(value) != len(self.parts):
            raise Unreadable(f"write {len(self.parts)} values in a tuple: "
                             f"({', '.join(self.names)})")
        return tuple(form.read(item) for form, item in zip(self.parts, value, strict=True))

    def readings(self, canonical: tuple[Any, ...]) -> tuple[Any, ...]:
        return tuple(itertools.product(*(form.readings(v)
                                         for form, v in zip(self.parts, canonical, strict=True))))

    def same(self, a: tuple[Any, ...], b: tuple[Any, ...]) -> bool:
        return len(a) == len(b) == len(self.parts) and all(
            form.same(x, y) for form, x, y in zip(self.parts, a, b, strict=True))

    def show(self, canonical: tuple[Any, ...]) -> str:
        shown = [form.show(v) for form, v in zip(self.parts, canonical, strict=True)]
        return f"({', '.join(shown)})"

    def to_json(self, canonical: tuple[Any, ...]) -> list[Any]:
        return [form.to_json(v) for form, v in zip(self.parts, canonical, strict=True)]

    def alternatives(self, canonical: tuple[Any, ...]) -> list[Any]:
        forms: list[Any] = [tuple(canonical), list(canonical)]
        if all(isinstance(v, (int, str)) and not isinstance(v, bool) for v in canonical):
            forms.append(repr(tuple(canonical)))
        for i, form in enumerate(self.parts):
            for alt in form.alternatives(canonical[i])[1:]:
                forms.append(tuple(alt if j == i else v for j, v in enumerate(canonical)))
        return forms
