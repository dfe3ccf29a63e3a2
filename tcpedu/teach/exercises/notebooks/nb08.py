"""08 · Session hijacking: the number to forge, desynchronisation, odds of a blind hit."""

from __future__ import annotations

from typing import Any

from ..core import Expected, LabSpec, QuestionSpec
from ..detectors import Mistake
from ..forms import Count, SeqNumber, Truth

#: The receive window of the blind-guess question.
WINDOW = 65535


def build(_variant: Any) -> dict[str, Any]:
    from ....sim import scenarios

    return {"hijack": scenarios.run("hijack", attack="data", client_isn=0, server_isn=0)}


def _forged_seq(facts: dict[str, Any]) -> Expected:
    hijack = facts["hijack"]
    injected = next(s for s in hijack.segments() if s.note == "injected")
    before = [s.segment for s in hijack.segments("client") if s.time < injected.time]
    request = next(s for s in before if s.payload)
    right = injected.segment.seq
    return Expected(right, SeqNumber(), (
        Mistake(before[-1].ack, f"{before[-1].ack} is the *server's* next sequence number (the "
                                "client's ACK). The attacker poses as the client."),
        Mistake(request.seq, f"{request.seq} was the client's first data byte; "
                             f"{len(request.payload)} bytes of request have been sent since."),
        Mistake(right - 1, f"The request covered bytes {request.seq}..{right - 1}, so the next "
                           f"one is {right}."),
    ), why=f"The client's last ACK carried seq={right} and no data: the server expects byte "
           f"{right} next.", code="the client's last segment before the attack: .seq")


def _logout(facts: dict[str, Any]) -> Expected:
    right = b"/logout" in facts["hijack"].app_data("server")
    return Expected(right, Truth(), (
        Mistake(not right, "Look at the server's application data above: the client's later "
                           "bytes carry sequence numbers the server already 'used' for the "
                           "forged data, so they are dropped as duplicates."),
    ), why="The server's RCV.NXT moved past the forged bytes; the client's real bytes now look "
           "old.", code='b"/logout" in hijack.app_data("server")')


def _guesses(facts: dict[str, Any]) -> Expected:
    right = round(2**32 / WINDOW).bit_length() - 1
    return Expected(right, Count(described="an exponent"), (
        Mistake(32, "The window is large: any of 65 535 numbers hits, so divide 2^32 by the "
                    "window."),
        Mistake(right - 1, f"Close: 2^32 / 2^16 = 2^{right} (the window is almost 2^16 = "
                           "65 536)."),
    ), why=f"2^32 / 2^16 = 2^{right} ≈ 65 000 packets — per client port. Knowing the port is "
           "another factor of ~28 000.", code="round(2**32 / 65535).bit_length() - 1")


SPEC = LabSpec("08-session-hijacking", "Session hijacking", build, (
    QuestionSpec("forged_seq", "Which SEQ must the forged segment carry?", _forged_seq,
                 hints=("Look at the client's last segment: its SEQ is the next byte the "
                        "server expects from it.",)),
    QuestionSpec("logout_received", "Does the server's application receive GET /logout?",
                 _logout, hints=("What does the server expect next, and what SEQ does the "
                                 "client use?",)),
    QuestionSpec("guesses_exponent", "About 2**n guesses for a blind hit: n?", _guesses,
                 hints=("How many windows of 65 535 numbers fit into the 2^32 possible "
                        "numbers?",)),
))
