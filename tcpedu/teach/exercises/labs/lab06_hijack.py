"""Lab 6: session hijacking in the simulator, and its defences.

Four runs of the ``hijack`` scenario with the variant's ISNs, delay and RST offset: an on-path
attacker injecting data with the right numbers; an in-window but inexact RST to a server with
RFC 5961's challenge ACK, and to one without; an off-path attacker guessing blindly. Every answer
is read from the Traces.
"""

from __future__ import annotations

from typing import Any

from ....model.states import State
from ..core import Expected, LabSpec, Mistake, QuestionSpec
from ..forms import Choice, SeqNumber, StateName
from ..variants import Variant
from ._common import delivery_times, draw_isn, end_of, find

LAB_ID = "06-hijack"
YES_NO = Choice(("yes", "no"), aliases=(("true", "yes"), ("false", "no"), ("y", "yes"),
                                        ("n", "no")))


def build(variant: Variant) -> dict[str, Any]:
    """The four attacks, on the variant's connection."""
    from ....sim.scenarios import run

    rng = variant.rng()
    common = {"client_isn": draw_isn(rng), "server_isn": draw_isn(rng),
              "delay": rng.choice((0.02, 0.05, 0.08)), "seed": rng.randrange(1, 10**6)}
    offset = rng.randrange(100, 20000)
    return {
        "trace": run("hijack", attack="data", **common),
        "rst_5961": run("hijack", attack="rst-in-window", offset=offset, challenge_ack=True,
                        **common),
        "rst_793": run("hijack", attack="rst-in-window", offset=offset, challenge_ack=False,
                       **common),
        "blind": run("hijack", attack="data-blind-guess", **common),
        "rst_offset": offset, **common,
    }


def _forged(trace: Any) -> Any:
    return find(trace, "injected segment", lambda s: s.src == "attacker")


def _last_client_data(trace: Any, before: float) -> Any:
    return [s for s in trace.segments("client") if s.segment.payload and s.time < before][-1]


def _forged_seq(facts: dict[str, Any]) -> Expected:
    trace = facts["trace"]
    forged = _forged(trace)
    last = _last_client_data(trace, forged.time)
    return Expected(forged.segment.seq, SeqNumber(base=facts["client_isn"]), (
        Mistake(last.segment.seq, "that is where the client's last data started; the server "
                                  "expects the byte after it: SEQ + payload length"),
        Mistake(forged.segment.ack, "that number counts the server's bytes; it belongs in the ACK "
                                    "field"),
        Mistake((end_of(last) + 1) % 2**32, "one too big: data bytes count once each", "off-by-one"),
    ), why=f"The client's last data ended at {end_of(last)}: the server's RCV.NXT. The attacker "
           f"copies it, so its bytes are exactly the next ones the server expects.",
           code="[s for s in lab.trace.segments() if s.src == 'attacker'][0].segment.seq")


def _forged_ack(facts: dict[str, Any]) -> Expected:
    forged = _forged(facts["trace"])
    server_isn = facts["server_isn"]
    return Expected(forged.segment.ack, SeqNumber(base=server_isn), (
        Mistake((server_isn + 1) % 2**32, "the server has sent data since the handshake: the ACK "
                                          "must cover everything it sent"),
        Mistake(forged.segment.seq, "that is the client's own numbering; the ACK counts the "
                                    "server's bytes"),
    ), why=f"The ACK the client last sent, {forged.segment.ack}: everything the server sent so far.",
           code="[s for s in lab.trace.segments() if s.src == 'attacker'][0].segment.ack")


def _yes_no(flag: bool) -> str:
    return "yes" if flag else "no"


def _forged_delivered(facts: dict[str, Any]) -> Expected:
    trace = facts["trace"]
    forged = _forged(trace)
    right = _yes_no(forged.segment.payload in trace.app_data("server"))
    return Expected(right, YES_NO, (
        Mistake("no", "the forged segment carried exactly the SEQ and ACK the server expected; "
                      "TCP cannot tell it from the client's (no authentication: that is TLS's "
                      "job)"),
    ), why="The server's application received the forged request: TCP only checks numbers.",
           code="forged.segment.payload in lab.trace.app_data('server')")


def _logout_delivered(facts: dict[str, Any]) -> Expected:
    trace = facts["trace"]
    forged = _forged(trace)
    later = [s for s in trace.segments("client") if s.segment.payload and s.time > forged.time]
    received = trace.app_data("server")
    right = _yes_no(bool(later) and later[0].segment.payload in received)
    return Expected(right, YES_NO, (
        Mistake("yes", "the server's RCV.NXT moved past the forged bytes, so the real client's "
                       "next segment looks old: it is discarded and both sides trade ACKs "
                       "(desynchronisation, an 'ACK storm')"),
    ), why="The real client is cut off: its segments now fall before the server's window.",
           code="b'/logout' in lab.trace.app_data('server')")


def _challenge_reply(facts: dict[str, Any]) -> Expected:
    trace = facts["rst_5961"]
    rst = _forged(trace)
    landed = delivery_times(trace)[rst.id]
    reply = next((s for s in trace.segments("server") if s.time >= landed), None)
    if reply is None:
        right = "nothing"
    elif reply.segment.has("R"):
        right = "rst"
    else:
        right = "challenge ack"
    return Expected(right, Choice(("challenge ack", "rst", "nothing"),
                                  aliases=(("ack", "challenge ack"), ("challengeack",
                                                                      "challenge ack"))), (
        Mistake("nothing", "with RFC 5961 the server does answer: it sends an ACK with its exact "
                           "numbers, which the real client would answer with a correct RST"),
        Mistake("rst", "the server does not reset; it asks the peer to prove itself"),
    ), why=f"The server replied with an ACK carrying RCV.NXT (a challenge ACK) and stayed "
           f"{trace.final_state('server').value}.",
           code="the server's first segment after the RST arrived")


def _state_without_5961(facts: dict[str, Any]) -> Expected:
    trace = facts["rst_793"]
    rst = _forged(trace)
    landed = delivery_times(trace)[rst.id]
    right = trace.state_at("server", landed)
    return Expected(right, StateName(), (
        Mistake(State.ESTABLISHED, "without RFC 5961 any RST inside the window resets the "
                                   "connection: that is why blind RST attacks worked"),
        Mistake(State.TIME_WAIT, "a reset skips TIME-WAIT"),
    ), why=f"The RST was in the window, so the server accepted it and went to {right.value}.",
           code="lab.facts['rst_793'].state_at('server', time_the_rst_arrived)")


def _blind(facts: dict[str, Any]) -> Expected:
    trace = facts["blind"]
    forged = _forged(trace)
    right = _yes_no(forged.segment.payload in trace.app_data("server"))
    return Expected(right, YES_NO, (
        Mistake("yes", "an off-path attacker must guess SEQ among 2**32 values; a random guess "
                       "lands in a 64 KiB window about once in 65 536 tries"),
    ), why="The blind guess missed the window: the server ignored it (random ISNs, RFC 6528).",
           code="forged.segment.payload in lab.facts['blind'].app_data('server')")


def given(facts: dict[str, Any]) -> str:
    """The variant's connection and attacks."""
    return (f"client ISN: {facts['client_isn']}; server ISN: {facts['server_isn']}; one-way "
            f"delay {facts['delay']:g} s\nruns: lab.trace (on-path data injection), "
            f"lab.facts['rst_5961'] and lab.facts['rst_793'] (an RST {facts['rst_offset']} bytes "
            f"past RCV.NXT, with and without RFC 5961), lab.facts['blind'] (off-path guess)")


SPEC = LabSpec(LAB_ID, "Session hijacking and its defences", build, (
    QuestionSpec("forged_seq", "Which SEQ must the attacker's forged data carry?", _forged_seq,
                 hints=("The server accepts the next byte it expects: RCV.NXT.",
                        "The client's last data segment: SEQ + payload length.")),
    QuestionSpec("forged_ack", "Which ACK number must the forged segment carry?", _forged_ack,
                 hints=("Copy what the real client would send: it acknowledges the server's "
                        "bytes.",)),
    QuestionSpec("forged_delivered", "Does the server's application receive the forged request? "
                 "('yes' or 'no')", _forged_delivered,
                 hints=("lab.trace.app_data('server') holds every byte the server's application "
                        "got.",)),
    QuestionSpec("logout_delivered", "Does the real client's later 'GET /logout' reach the "
                 "server's application? ('yes' or 'no')", _logout_delivered,
                 hints=("Compare the client's SEQ with what the server now expects.",)),
    QuestionSpec("challenge_reply", "With RFC 5961, what does the server send back to the "
                 "inexact RST? ('challenge ack', 'rst' or 'nothing')", _challenge_reply,
                 hints=("lab.table('rst_5961'); look at the note column.",)),
    QuestionSpec("state_without_5961", "Without RFC 5961, in which state is the server right "
                 "after that RST?", _state_without_5961,
                 hints=("lab.table('rst_793'), then lab.facts['rst_793'].states('server').",)),
    QuestionSpec("blind_accepted", "Did the off-path attacker's blind guess get its data to the "
                 "server's application? ('yes' or 'no')", _blind,
                 hints=("How many values can a 32-bit SEQ take?",)),
), given=given)
