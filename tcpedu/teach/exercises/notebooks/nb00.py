"""00 · Start here: the handshake's segments and the SYN-ACK's flags."""

from __future__ import annotations

from typing import Any

from ..core import Expected, LabSpec, QuestionSpec
from ..detectors import Mistake
from ..forms import Count, FlagSet


def build(_variant: Any) -> dict[str, Any]:
    from ....sim import scenarios

    return {"trace": scenarios.run("handshake")}


def _segments(facts: dict[str, Any]) -> Expected:
    n = len(facts["trace"].segments())
    return Expected(n, Count(described="a number of segments"), (
        Mistake(n - 1, "Count again: after SYN and SYN-ACK, the client still confirms with an "
                       "ACK."),
        Mistake(n + 1, "The connection request and the acceptance share the second segment "
                       "(SYN-ACK)."),
    ), why="SYN, SYN-ACK, ACK: the three-way handshake.", code="len(trace.segments())")


def _second_flags(facts: dict[str, Any]) -> Expected:
    form = FlagSet()
    flags = form.read(facts["trace"].segments()[1].segment.flags)
    return Expected(flags, form, (
        Mistake("SYN", "It also acknowledges the client's SYN, so the ACK flag is on too."),
        Mistake("ACK", "It also asks for the server's own connection: the SYN flag is on too."),
    ), why="The server accepts (ACK) and asks back (SYN) in one segment.",
           code="trace.segments()[1].segment.flags.names")


SPEC = LabSpec("00-start-here", "Start here", build, (
    QuestionSpec("segments_in_handshake", "How many segments did the handshake put on the wire?",
                 _segments, hints=("Count the arrows in the ladder.",)),
    QuestionSpec("second_flags", "Which flags does the second segment carry?", _second_flags,
                 hints=("It accepts the client's request and makes its own.",
                        "Accepting is one flag, asking back another.")),
))

