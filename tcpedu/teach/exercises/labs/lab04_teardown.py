"""Lab 4: teardown and the state machine, including the CLOSE-WAIT bug of real servers.

The variant draws which side closes first, the MSL (so the TIME-WAIT length differs), and the
sizes. Two runs: a clean four-way close, and a server whose application never calls close() after
the client's FIN (the connection leak that fills real servers with CLOSE-WAIT sockets). Every
answer is read from the Traces.
"""

from __future__ import annotations

from typing import Any

from ....model.states import State
from ..core import Expected, LabSpec, Mistake, QuestionSpec
from ..forms import Choice, Seconds, StateName, StatePath
from ..variants import Variant
from ._common import draw_isn

LAB_ID = "04-teardown"


def build(variant: Variant) -> dict[str, Any]:
    """A clean close started by the variant's side, and a server that never closes."""
    rng = variant.rng()
    params = {"client_isn": draw_isn(rng), "server_isn": draw_isn(rng),
              "closer": rng.choice(("client", "server")), "msl": float(rng.choice((2, 5, 10, 15))),
              "size": rng.randrange(100, 1000)}
    clean = _run(params, params["closer"], passive_closes=True)
    leak = _run(params, "client", passive_closes=False)
    return {"trace": clean, "leak": leak, **params}


def _run(params: dict[str, Any], closer: str, passive_closes: bool) -> Any:
    """The variant's exchange and close (the scenario ``exchange_close``)."""
    from ....sim import scenarios

    return scenarios.run("exchange_close", closer=closer, passive_closes=passive_closes,
                         size=params["size"], msl=params["msl"],
                         client_isn=params["client_isn"], server_isn=params["server_isn"])


def _passive(facts: dict[str, Any]) -> str:
    return "server" if facts["closer"] == "client" else "client"


def _close_wait(facts: dict[str, Any]) -> Expected:
    passive = _passive(facts)
    trace = facts["trace"]
    right = next(c.new for c in trace.state_changes(passive) if c.old is State.ESTABLISHED)
    return Expected(right, StateName(), (
        Mistake(State.FIN_WAIT_1, "FIN-WAIT-1 is the path of the side that closes first; the side "
                                  "that receives the FIN goes elsewhere"),
        Mistake(State.FIN_WAIT_2, "FIN-WAIT-2 belongs to the side that closed first"),
        Mistake(State.TIME_WAIT, "TIME-WAIT belongs to the side that closed first"),
        Mistake(State.LAST_ACK, "not yet: LAST-ACK comes only after this side sends its own FIN"),
        Mistake(State.CLOSED, "not yet: after ACKing the FIN this side can still send data "
                              "(a half-close)"),
    ), why=f"The {passive} ACKs the FIN and enters {right.value}: it may still send until its "
           f"application calls close().", code=f"lab.trace.states('{passive}')")


def _time_wait_side(facts: dict[str, Any]) -> Expected:
    trace = facts["trace"]
    right = next(node for node in ("client", "server") if State.TIME_WAIT in trace.states(node))
    other = "server" if right == "client" else "client"
    return Expected(right, Choice(("client", "server")), (
        Mistake(other, f"TIME-WAIT is kept by the side that closed first (here the {right}), "
                       f"not always the client"),
    ), why=f"The {right} sent the first FIN, so it is the one waiting in TIME-WAIT.",
           code="[n for n in ('client', 'server') if 'TIME-WAIT' in lab.trace.states(n)]")


def _time_wait_seconds(facts: dict[str, Any]) -> Expected:
    trace = facts["trace"]
    changes = [c for node in ("client", "server") for c in trace.state_changes(node)]
    entered = next(c.time for c in changes if c.new is State.TIME_WAIT)
    left = next(c.time for c in changes if c.old is State.TIME_WAIT)
    right = round(left - entered, 6)
    msl = facts["msl"]
    return Expected(right, Seconds(), (
        Mistake(msl, "that is one MSL; TIME-WAIT lasts 2 × MSL, long enough for the last ACK to "
                     "be lost and the peer's retransmitted FIN to arrive"),
        Mistake(240.0, "240 s is the RFC's suggested 2 × MSL with MSL = 2 min; this simulation "
                       "uses its own MSL: read the trace"),
    ), why=f"TIME-WAIT lasted {right:g} s = 2 × MSL (MSL = {msl:g} s here).",
           code="time of the TIME-WAIT → CLOSED change minus time of entering TIME-WAIT")


def _passive_path(facts: dict[str, Any]) -> Expected:
    passive = _passive(facts)
    states = facts["trace"].states(passive)
    right = tuple(states[states.index(State.ESTABLISHED):])
    wrong_with_time_wait = (State.ESTABLISHED, State.CLOSE_WAIT, State.LAST_ACK, State.TIME_WAIT,
                            State.CLOSED)
    return Expected(right, StatePath(), (
        Mistake(wrong_with_time_wait, "the side that closes second does not wait in TIME-WAIT: "
                                      "when its FIN is acknowledged it is done"),
        Mistake(right[:-1], "keep going until the connection is CLOSED"),
        Mistake((State.ESTABLISHED, State.FIN_WAIT_1, State.FIN_WAIT_2, State.TIME_WAIT,
                 State.CLOSED), "that is the path of the side that closes first"),
    ), why=f"The {passive} went " + " → ".join(s.value for s in right) + ".",
           code=f"lab.trace.states('{passive}')")


def _leak_server(facts: dict[str, Any]) -> Expected:
    right = facts["leak"].final_state("server")
    return Expected(right, StateName(), (
        Mistake(State.TIME_WAIT, "TIME-WAIT ends by itself after 2 × MSL; connections that never "
                                 "end are in CLOSE-WAIT: the application never called close()"),
        Mistake(State.FIN_WAIT_2, "FIN-WAIT-2 is where the client waits for the server's FIN"),
        Mistake(State.CLOSED, "the server never closed, so the connection cannot be CLOSED"),
        Mistake(State.LAST_ACK, "LAST-ACK would need the server to send a FIN: it never did"),
    ), why=f"The server's application never called close(): it stays in {right.value} forever. "
           f"A server leaking sockets like this shows thousands of CLOSE-WAIT lines in `ss -tan`.",
           code="lab.facts['leak'].final_state('server')")


def _leak_client(facts: dict[str, Any]) -> Expected:
    right = facts["leak"].final_state("client")
    return Expected(right, StateName(), (
        Mistake(State.TIME_WAIT, "TIME-WAIT needs the peer's FIN, which never came"),
        Mistake(State.CLOSE_WAIT, "CLOSE-WAIT is the server's state; the client closed first"),
    ), why=f"The client's FIN was acknowledged but no FIN came back: it ends in {right.value}.",
           code="lab.facts['leak'].final_state('client')")


def given(facts: dict[str, Any]) -> str:
    """The variant's setting: who closes first and the MSL."""
    return (f"the {facts['closer']} closes first; MSL = {facts['msl']:g} s in this simulation\n"
            f"second run: the client closes, and the server's application never calls close()")

SPEC = LabSpec(LAB_ID, "Teardown and the state machine", build, (
    QuestionSpec("peer_state_after_fin", "Which state does the side that did NOT close first "
                 "enter when it acknowledges the FIN?", _close_wait,
                 hints=("It may still send data: the connection is half-closed.",)),
    QuestionSpec("time_wait_side", "Which side ('client' or 'server') goes through TIME-WAIT?",
                 _time_wait_side, hints=("Who sent the first FIN?",)),
    QuestionSpec("time_wait_seconds", "How many seconds does that side stay in TIME-WAIT?",
                 _time_wait_seconds,
                 hints=("Compare the times of the two state changes around TIME-WAIT.",
                        "It is 2 × MSL; lab.facts['msl'] is this simulation's MSL.")),
    QuestionSpec("passive_path", "List the states of the side that closes second, from "
                 "ESTABLISHED to CLOSED.", _passive_path,
                 hints=("lab.trace.states(node) lists them.",)),
    QuestionSpec("leak_server_state", "In the second run the server's application never calls "
                 "close(). In which state does the server stay?", _leak_server,
                 hints=("It received and acknowledged a FIN, nothing more.",)),
    QuestionSpec("leak_client_state", "In the same run, in which state does the client end?",
                 _leak_client, hints=("Its FIN was acknowledged; did a FIN come back?",)),
), given=given)
