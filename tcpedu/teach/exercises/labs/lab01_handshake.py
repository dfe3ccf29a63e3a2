"""Lab 1: the three-way handshake and SEQ/ACK arithmetic.

The variant draws both ISNs, the request and response sizes, and the protocol style: HTTP (the
client speaks first after the handshake) or SMTP (the server greets first). Every answer is read
from the simulated Trace.
"""

from __future__ import annotations

from typing import Any

from ....model.segment import Flags
from ....model.seq import SEQ_SPACE
from ..core import Expected, LabSpec, Mistake, QuestionSpec
from ..forms import Choice, SeqNumber
from ..variants import Variant
from ._common import data_from, draw_isn, end_of, find

LAB_ID = "01-handshake"


def build(variant: Variant) -> dict[str, Any]:
    """Run the variant's connection (the scenario ``conversation``): handshake, one request, one
    response, close."""
    from ....sim import scenarios

    rng = variant.rng()
    client_isn, server_isn = draw_isn(rng), draw_isn(rng)
    request = len(b"GET /lab1 HTTP/1.1\r\n") + rng.randrange(40, 400)
    response = len(b"HTTP/1.1 200 OK\r\n") + rng.randrange(200, 1200)
    style = rng.choice(("HTTP", "SMTP"))
    trace = scenarios.run("conversation", style=style.lower(), request=request,
                          response=response, client_isn=client_isn, server_isn=server_isn)
    return {"trace": trace, "style": style}


def _handshake(facts: dict[str, Any]) -> tuple[Any, Any, Any]:
    trace = facts["trace"]
    syn = find(trace, "SYN", lambda s: s.src == "client" and s.segment.flags & Flags.SYN
               and not s.segment.flags & Flags.ACK)
    synack = find(trace, "SYN-ACK", lambda s: s.src == "server" and s.segment.has("SA"))
    third = find(trace, "third handshake segment",
                 lambda s: s.src == "client" and s.time > synack.time
                 and s.segment.flags & Flags.ACK and not s.segment.flags & Flags.SYN)
    return syn, synack, third


def _synack_ack(facts: dict[str, Any]) -> Expected:
    syn, synack, _ = _handshake(facts)
    isn, right = syn.segment.seq, synack.segment.ack
    return Expected(right, SeqNumber(base=isn), (
        Mistake(isn, "your ACK is one too small: the SYN consumes one sequence number", "syn-fin"),
        Mistake((isn + 2) % SEQ_SPACE, "your ACK is one too big: the SYN consumes exactly one "
                                       "sequence number, no more", "off-by-one"),
        Mistake(synack.segment.seq, "that is the server's own ISN (the SEQ of the SYN-ACK); the "
                                    "ACK field acknowledges the client's numbers"),
        Mistake((synack.segment.seq + 1) % SEQ_SPACE,
                "that counts from the server's ISN; the SYN-ACK acknowledges the client's SYN"),
    ), why=f"The client's ISN is {isn}; its SYN consumes one number, so the server acknowledges "
           f"{isn} + 1 = {right}.", code="lab.trace.segments('server')[0].segment.ack")


def _third_seq(facts: dict[str, Any]) -> Expected:
    syn, synack, third = _handshake(facts)
    isn, right = syn.segment.seq, third.segment.seq
    return Expected(right, SeqNumber(base=isn), (
        Mistake(isn, "one too small: the SYN consumed the ISN, so the client's next number is "
                     "ISN + 1", "syn-fin"),
        Mistake((synack.segment.seq + 1) % SEQ_SPACE,
                "that is the ACK number of the third segment; its SEQ counts the client's own "
                "bytes"),
        Mistake(synack.segment.seq, "that is the server's ISN; SEQ counts the client's bytes"),
    ), why=f"The client's SYN used {isn}; the next number it sends with is {right} (= the ACK "
           f"the server gave it).", code="third.segment.seq  # the client's first ACK-only segment")


def _third_ack(facts: dict[str, Any]) -> Expected:
    syn, synack, third = _handshake(facts)
    server_isn, right = synack.segment.seq, third.segment.ack
    return Expected(right, SeqNumber(base=server_isn), (
        Mistake(server_isn, "your ACK is one too small: the server's SYN consumes one sequence "
                            "number too", "syn-fin"),
        Mistake((syn.segment.seq + 1) % SEQ_SPACE,
                "that is the client's own next SEQ; the ACK acknowledges the server's SYN"),
        Mistake((server_isn + 2) % SEQ_SPACE, "one too big: a SYN consumes exactly one number", "off-by-one"),
    ), why=f"The server's ISN is {server_isn}; the client acknowledges its SYN with "
           f"{server_isn} + 1 = {right}.", code="third.segment.ack")


def _first_data(facts: dict[str, Any], src: str) -> Any:
    data = data_from(facts["trace"], src)
    if not data:
        raise LookupError(f"no data from {src}")
    return data[0]


def _request_ack(facts: dict[str, Any]) -> Expected:
    syn, _, _ = _handshake(facts)
    request = _first_data(facts, "client")
    end = end_of(request)
    acker = find(facts["trace"], "ACK of the client's data",
                 lambda s: s.src == "server" and s.time > request.time
                 and s.segment.flags & Flags.ACK and s.segment.ack == end)
    right, size, seq = acker.segment.ack, len(request.segment.payload), request.segment.seq
    return Expected(right, SeqNumber(base=syn.segment.seq), (
        Mistake((end - 1) % SEQ_SPACE, "one too small: the ACK names the next byte the server "
                                       "expects, not the last byte it received", "off-by-one"),
        Mistake(seq, f"the ACK must move past the {size} bytes just received: "
                     f"ack = seq + payload length"),
        Mistake((end + 1) % SEQ_SPACE, "one too big: only SYN and FIN take an extra sequence "
                                       "number; data bytes count once each", "off-by-one"),
    ), why=f"The client's data starts at SEQ {seq} and carries {size} bytes, so the server "
           f"acknowledges {seq} + {size} = {right}.",
           code="data[0].segment.seq + len(data[0].segment.payload)")


def _response_seq(facts: dict[str, Any]) -> Expected:
    syn, synack, _ = _handshake(facts)
    response = _first_data(facts, "server")
    right, server_isn = response.segment.seq, synack.segment.seq
    request_end = end_of(_first_data(facts, "client"))
    return Expected(right, SeqNumber(base=server_isn), (
        Mistake(server_isn, "one too small: the server's SYN consumed its ISN", "syn-fin"),
        Mistake(request_end, "that number is in the client's numbering; the server's SEQ counts "
                             "the server's bytes (it equals the ACK number the client last sent)"),
    ), why=f"The server has sent nothing but its SYN ({server_isn}), so its first data byte is "
           f"{right}: the ACK number the client sent it.",
           code="lab.trace.segments('server') -> first with a payload: .segment.seq")


def _speaks_first(facts: dict[str, Any]) -> Expected:
    trace = facts["trace"]
    first = next(s for s in trace.segments() if s.segment.payload)
    other = "server" if first.src == "client" else "client"
    note = ("HTTP: the client asks, then the server answers" if facts["style"] == "HTTP" else
            "SMTP: the server greets first (220 ...), then the client speaks")
    return Expected(first.src, Choice(("client", "server")), (
        Mistake(other, f"look at the first segment with a payload: this is {note}. The common "
                       "simplification 'the client always speaks first' holds for HTTP only"),
    ), why=f"The first payload comes from the {first.src} ({note}).",
           code="next(s for s in lab.trace.segments() if s.segment.payload).src")


def given(facts: dict[str, Any]) -> str:
    """The variant's starting numbers: both ISNs, the first data size, the protocol style."""
    syn, synack, _ = _handshake(facts)
    first = next(s for s in facts["trace"].segments() if s.segment.payload)
    return (f"client ISN: {syn.segment.seq}\nserver ISN: {synack.segment.seq}\n"
            f"protocol: {facts['style']}; the first data segment carries "
            f"{len(first.segment.payload)} bytes")

SPEC = LabSpec(LAB_ID, "The handshake and SEQ/ACK arithmetic", build, (
    QuestionSpec("synack_ack", "What ACK number does the server's SYN-ACK carry?", _synack_ack,
                 hints=("The SYN-ACK acknowledges the client's SYN.",
                        "A SYN consumes one sequence number, like one byte of data.")),
    QuestionSpec("third_seq", "What SEQ does the client's third handshake segment (the ACK) "
                 "carry?", _third_seq,
                 hints=("SEQ counts the client's own bytes.",
                        "What ACK number did the server send the client?")),
    QuestionSpec("third_ack", "What ACK number does the client's third handshake segment carry?",
                 _third_ack, hints=("It acknowledges the server's SYN.",)),
    QuestionSpec("request_ack", "What ACK number does the server send once the client's first "
                 "data arrived?", _request_ack,
                 hints=("Receiver's ACK = received SEQ + payload size.",
                        "Count the payload bytes: len(segment.payload).")),
    QuestionSpec("response_seq", "What SEQ does the server's first data segment carry?",
                 _response_seq,
                 hints=("A rule of thumb: the receiver uses the ACK it received as its SEQ.",)),
    QuestionSpec("speaks_first", "After the handshake, who sends data first: 'client' or "
                 "'server'?", _speaks_first,
                 hints=("Find the first segment with a payload and read its sender.",
                        "Not every protocol starts with the client: think SMTP, SSH, FTP.")),
), given=given)
