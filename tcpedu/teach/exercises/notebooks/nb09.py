"""09 · Real traffic: option bytes, duplicate ACKs in a capture, out-of-order or resent, who reset."""

from __future__ import annotations

from typing import Any

from ..core import Expected, LabSpec, QuestionSpec
from ..detectors import Mistake
from ..forms import Choice, Count, Tuple


def build(_variant: Any) -> dict[str, Any]:
    from ....capture import live
    from ....reading.analysis import analyze, summarize

    return {"real": analyze(live.shipped_capture("transfer")),
            "loss_tags": summarize(live.shipped_capture("loss")).streams[0].tags,
            "lossy": analyze(live.shipped_capture("loss")),
            "reordered": analyze(live.shipped_capture("reorder")),
            "aborted": analyze(live.shipped_capture("reset"))}


def _option_bytes(facts: dict[str, Any]) -> Expected:
    real = facts["real"]
    syns = [s.segment for s in real.segments() if s.segment.has("S")]
    mss = min(s.options.mss for s in syns if s.options.mss)
    data = [s.segment for s in real.segments("server") if s.segment.payload]
    right = mss - max(len(d.payload) for d in data)
    return Expected(right, Count(described="a number of bytes"), (
        Mistake(10, "The timestamps option is 10 bytes, but options are padded to a multiple "
                    "of 4 (two NOPs in front)."),
        Mistake(20, "20 bytes is the fixed TCP header, which the MSS already leaves out."),
    ), why=f"The timestamps option (10 bytes + 2 NOPs) rides on every segment, so {mss} − "
           f"{right} = {mss - right} bytes remain for data.", code="MSS minus the largest payload")


def _dup_acks(facts: dict[str, Any]) -> Expected:
    tags = facts["loss_tags"]
    right = tags.get("dup-ack", 0)
    return Expected(right, Count(described="a number of segments"), (
        Mistake(3, "Three is the threshold for fast retransmit; the client kept sending "
                   "duplicates after it too."),
        Mistake(right + tags.get("window-update", 0),
                f"{tags.get('window-update', 0)} of those identical ACKs are window updates (the "
                "window grew), which Wireshark does not count as duplicates."),
    ), why=f"{right}: three before the fast retransmission and more while a hole was still "
           "open.", code="summarize(...).streams[0].tags['dup-ack']")


def _first_rst(facts: dict[str, Any]) -> Expected:
    first = next(s for s in facts["aborted"].segments() if s.segment.has("R"))
    other = "server" if first.src == "client" else "client"
    return Expected(first.src, Choice(("client", "server")), (
        Mistake(other, f"The {other} was still sending; the side that gave up was the "
                       f"{first.src} — its application closed with data unread, and Linux "
                       "answers that with RST instead of FIN."),
    ), why=f"The {first.src} closed with unread data in its buffer: Linux aborts with RST, and "
           "sends another RST for every segment still arriving.",
           code='next(s for s in aborted.segments() if s.segment.has("R")).src')


def _times_sent(facts: dict[str, Any]) -> Expected:
    """How often each capture's out-of-order segment was sent: its SEQ counted among the server's
    segments (loss.pcap is taken at the server, so a copy lost later on the wire is in it)."""
    def sent(trace: Any) -> tuple[int, Any, Any]:
        late = next(s for s in trace.segments("server") if "out-of-order" in s.tags)
        copies = [s for s in trace.segments("server") if s.segment.seq == late.segment.seq
                  and s.segment.payload]
        return len(copies), late, copies[0]

    reorder, late, _ = sent(facts["reordered"])
    loss, resent, first = sent(facts["lossy"])
    right = (reorder, loss)
    form = Tuple((Count(), Count()), names=("reorder", "loss"))
    return Expected(right, form, (
        Mistake((loss, loss), f"Both carry the same Out-Of-Order tag, but reorder.pcap shows frame "
                              f"{late.frame}'s bytes only once, with the same TSval as its "
                              f"neighbours: it was sent once, and overtaken on the way."),
        Mistake((reorder, reorder), f"loss.pcap was captured at the server, the sender: look "
                                    f"for SEQ {resent.segment.seq} earlier. Frame {first.frame} "
                                    f"carried it first, the wire lost it, and frame "
                                    f"{resent.frame} is the resend."),
    ), why=f"reorder.pcap: {reorder} (really reordered); loss.pcap: {loss} (frame {first.frame}, "
           f"lost, then frame {resent.frame}, a retransmission that came soon after the highest "
           f"segment).", code="count the server segments with the out-of-order segment's SEQ")


SPEC = LabSpec("09-real-traffic", "Real traffic", build, (
    QuestionSpec("option_bytes", "How many bytes of options does each data segment carry?",
                 _option_bytes, hints=("MSS minus the largest payload.",)),
    QuestionSpec("dup_acks", "How many segments are tagged as duplicate ACKs?", _dup_acks,
                 hints=("Count the 'dup-ack' tags in the table above.",)),
    QuestionSpec("times_sent", "How often was each capture's Out-Of-Order segment sent?",
                 _times_sent,
                 hints=("Look for the segment's SEQ elsewhere in each capture, and remember where "
                        "each capture was taken.",)),
    QuestionSpec("first_rst_sender", "Which side sends the first RST?", _first_rst,
                 hints=("Which application gave up?",)),
))
