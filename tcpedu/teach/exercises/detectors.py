"""Mistake detectors: the slips learners make again and again, each with its own feedback.

A detector turns what a question knows (the right answer, the segment it is about) into
:class:`Mistake` s: a wrong value and the message that explains *that* slip. Two run on every
question whose answer is a whole number or a tuple (:func:`generic`): off by one, and a swapped
pair. The others take the context only the question has, and the question calls them in its
``solve``: forgetting that SYN and FIN consume a number, counting a pure ACK, acknowledging an
out-of-order segment, answering relative where absolute is asked (or the reverse), an inclusive
right edge where the edge is exclusive.

Every message starts with the slip's name, so a learner (and a test) can tell them apart.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from ...model.seq import SEQ_SPACE
from .forms import Count, Form, SeqNumber, Tuple

#: The kinds of slip, in the order they are tried (specific ones first, then these).
KINDS = ("specific", "syn-fin", "pure-ack", "out-of-order", "relative-absolute", "edge",
         "swapped", "off-by-one")


@dataclass(frozen=True)
class Mistake:
    """A predictable wrong answer, what to say about it, and which kind of slip it is."""

    value: Any
    message: str
    kind: str = "specific"


def _plus(value: int, n: int, form: Form) -> int:
    return (value + n) % SEQ_SPACE if isinstance(form, SeqNumber) else value + n


def forgot_syn_fin(right: int, flag: str = "SYN", form: Form | None = None) -> Mistake:
    """The answer without the one number a SYN or FIN consumes."""
    return Mistake(_plus(right, -1, form or SeqNumber()),
                   f"Forgot that the {flag} consumes a sequence number: a {flag} counts as one "
                   f"byte, so add 1 for it.", "syn-fin")


def counted_pure_ack(wrong: int, what: str = "") -> Mistake:
    """A count or number that treated a pure ACK (no data, no SYN/FIN) as if it consumed or
    counted; ``wrong`` is the value that slip gives."""
    return Mistake(wrong, "Counted a pure ACK: a segment with only the ACK flag and no payload "
                          "consumes no sequence number" + (f" ({what})" if what else "") + ".",
                   "pure-ack")


def acked_out_of_order(wrong: Any) -> Mistake:
    """The ACK that would acknowledge a segment which arrived out of order."""
    return Mistake(wrong, "Acknowledged the out-of-order segment: TCP's ACK is cumulative, so it "
                          "stays at the first missing byte until the hole is filled (the "
                          "segment waits in the out-of-order queue).", "out-of-order")


def relative_absolute(right: int, base: int, asked: str = "absolute") -> Mistake:
    """A relative number where the absolute one is asked (``asked="absolute"``) or the reverse."""
    if asked == "absolute":
        return Mistake((right - base) % SEQ_SPACE,
                       f"That is the relative number (counted from the ISN {base}); this "
                       f"question asks for the absolute one on the wire: add the ISN.",
                       "relative-absolute")
    return Mistake((right + base) % SEQ_SPACE,
                   f"That is the absolute number on the wire; this question asks for the "
                   f"relative one (as Wireshark shows it): subtract the ISN {base}.",
                   "relative-absolute")


def inclusive_edge(wrong: Any) -> Mistake:
    """A range written with an inclusive right edge where the edge is exclusive."""
    return Mistake(wrong, "Inclusive right edge: here the right edge is exclusive — it names the "
                          "first byte *after* the range (as SACK blocks and ACK numbers do), so "
                          "add 1.", "edge")


def _off_by_one(value: Any, form: Form) -> list[tuple[Any, str]]:
    """``(wrong value, which part)`` for every +-1 of a whole number (in a tuple: one part)."""
    if isinstance(form, (Count, SeqNumber)) and isinstance(value, int):
        return [(_plus(value, d, form), "") for d in (-1, 1) if not value + d < 0
                or isinstance(form, SeqNumber)]
    if isinstance(form, Tuple):
        found = []
        for i, part in enumerate(form.parts):
            name = form.names[i] if i < len(form.names) else f"part {i + 1}"
            for wrong, inner in _off_by_one(value[i], part):
                found.append((tuple(wrong if j == i else v for j, v in enumerate(value)),
                              f"{name}'s {inner}" if inner else name))
        return found
    return []


def generic(value: Any, form: Form) -> list[Mistake]:
    """The detectors every question gets: a swapped pair, then off by one."""
    found = []
    if (isinstance(form, Tuple) and len(form.parts) == 2 and value[0] != value[1]
            and type(form.parts[0]) is type(form.parts[1])):
        first, second = form.names if len(form.names) == 2 else ("first", "second")
        found.append(Mistake((value[1], value[0]),
                             f"Swapped pair: you have both numbers, in the wrong order — the "
                             f"answer is ({first}, {second}).", "swapped"))
    for wrong, part in _off_by_one(value, form):
        where = f" in {part}" if part else ""
        found.append(Mistake(wrong, f"Off by one{where}: you are one away from the answer. Does "
                                    f"the range you counted include its first number, its last, "
                                    f"or both? Is the number the last one used or the next "
                                    f"one expected?", "off-by-one"))
    return found
