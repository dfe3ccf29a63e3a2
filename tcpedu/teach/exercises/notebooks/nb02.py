"""02 · The three-way handshake: the SYN-ACK's numbers, who speaks first, SYN backoff."""

from __future__ import annotations

from typing import Any

from ..core import Expected, LabSpec, QuestionSpec
from ..detectors import Mistake, forgot_syn_fin
from ..forms import Choice, Seconds, SeqNumber, Tuple


def build(_variant: Any) -> dict[str, Any]:
    from ....sim import scenarios

    return {"fixed": scenarios.run("handshake", client_isn=1000, server_isn=5000),
            "smtp": scenarios.run("greeting"),
            "three_lost": scenarios.run("syn_loss", lose=3, seed=7)}


def _synack(facts: dict[str, Any]) -> Expected:
    syn, synack, ack = (s.segment for s in facts["fixed"].segments()[:3])
    right = (synack.seq, synack.ack)
    form = Tuple((SeqNumber(), SeqNumber()), names=("seq", "ack"))
    slip = forgot_syn_fin(synack.ack)
    return Expected(right, form, (
        Mistake((synack.seq, slip.value), slip.message + f" The SYN used {syn.seq}, so the ACK "
                                                         f"is {synack.ack}.", "syn-fin"),
        Mistake((ack.seq, ack.ack), "Those are the numbers of the client's final ACK, not of the "
                                    "SYN-ACK."),
        Mistake((synack.seq + 1, synack.ack), f"The server's SYN-ACK carries its ISN itself, "
                                              f"{synack.seq}: its SYN uses that number."),
    ), why=f"seq = Y = {synack.seq} (the server's ISN), ack = X + 1 = {synack.ack}.",
           code="fixed.segments()[1].segment  # .seq, .ack")


def _first_speaker(facts: dict[str, Any]) -> Expected:
    first = next(s for s in facts["smtp"].segments() if s.segment.payload)
    other = "client" if first.src == "server" else "server"
    return Expected(first.src, Choice(("client", "server")), (
        Mistake(other, "That is HTTP's pattern (and a common simplification). In SMTP the server "
                       f"greets first: look at the arrow carrying len={len(first.segment.payload)}."),
    ), why="SMTP servers greet with '220 …' before the client says anything; SSH and FTP do the "
           "same.", code="next(s for s in smtp.segments() if s.segment.payload).src")


def _fourth_syn(facts: dict[str, Any]) -> Expected:
    times = [s.time for s in facts["three_lost"].segments("client") if s.segment.has("S")]
    right = round(times[3], 3)
    last_wait = times[3] - times[2]
    waits = " + ".join(f"{b - a:g}" for a, b in zip(times, times[1:4], strict=False))
    return Expected(right, Seconds(tolerance=0.001), (
        Mistake(round(times[2], 3), f"That is the third SYN ({waits.rsplit(' + ', 1)[0]} s). One "
                                    "more doubling."),
        Mistake(round(last_wait, 3), f"The waits add up: {waits} seconds after the first SYN."),
        Mistake(round(2 * last_wait, 3), f"{2 * last_wait:g} s would be the *next* wait; add the "
                                         f"waits {waits}."),
    ), why=f"SYNs at {', '.join(f'{t:g}' for t in times[:4])} s: the waits double.",
           code="[s.time for s in three_lost.segments('client') if s.segment.has('S')][3]")


SPEC = LabSpec("02-three-way-handshake", "The three-way handshake", build, (
    QuestionSpec("synack_numbers", "The SYN-ACK's (seq, ack)?", _synack,
                 hints=("seq is the server's own ISN; ack is the client's ISN plus one.",)),
    QuestionSpec("first_speaker", "In SMTP, who sends the first payload?", _first_speaker,
                 hints=("Look for the first arrow with len= in the SMTP ladder.",)),
    QuestionSpec("fourth_syn_time", "When does the fourth SYN go out?", _fourth_syn,
                 hints=("Add up the waits: 1, then 2, then 4 seconds.",)),
))
