"""``tcpedu interop``: the tcpedu endpoint against the real Linux TCP stack (see :mod:`tcpedu.capture.interop`)."""

from __future__ import annotations

import argparse
import os
from typing import Any

from ..errors import PermissionNeeded


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add the ``interop`` subcommand."""
    from ..capture.interop import SCENARIOS

    p = subparsers.add_parser(
        "interop", help="talk to the real Linux TCP stack over a TUN device (root only)",
        description="In a private network namespace, the tcpedu endpoint (the model) holds real "
                    "conversations with Linux sockets over a TUN device. Prints pass/fail per "
                    "scenario with the segments exchanged, and writes them all to a pcap.")
    p.add_argument("scenarios", nargs="*", metavar="SCENARIO",
                   help="which to run (default all): " + ", ".join(SCENARIOS))
    p.add_argument("--pcap", default="interop.pcap", help="capture file to write (default interop.pcap)")
    p.add_argument("--quiet", action="store_true", help="only the pass/fail lines")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from ..capture.interop import SCENARIOS
    from ..capture.interop import run as run_scenarios

    if getattr(os, "geteuid", lambda: -1)() != 0:
        raise PermissionNeeded("interop needs root (it creates a network namespace and a TUN "
                               "device): run it with sudo, or look at notebooks/data/ captures")
    unknown = [n for n in args.scenarios if n not in SCENARIOS]
    if unknown:
        from ..errors import ParameterError

        raise ParameterError(f"unknown scenario {unknown[0]!r}; choose from {', '.join(SCENARIOS)}")
    results = run_scenarios(args.scenarios or None, pcap=args.pcap)
    for r in results:
        print(f"{'PASS' if r.passed else 'FAIL'}  {r.name}: {r.description}")
        if not args.quiet or not r.passed:
            for text, ok, detail in r.checks:
                print(f"    {'ok ' if ok else 'NOT'} {text}" + (f"  ({detail})" if detail and not ok else ""))
            if r.error:
                print(f"    error: {r.error}")
            if r.duplicates:
                print(f"    Linux sent {r.duplicates} wholly old segment(s) (keep-alive probes or "
                      "spurious resends); tcpedu ACKed and dropped them (RFC 9293 §3.10.7.4)")
            for reason in r.ignored:
                print(f"    tcpedu ignored a Linux segment: {reason}")
            print("    segments:")
            for line in ladder(r):
                print(f"      {line}")
    passed = sum(r.passed for r in results)
    print(f"{passed} passed, {len(results) - passed} failed; conversation written to {args.pcap}")
    return 0 if passed == len(results) else 1


def ladder(result: Any) -> list[str]:
    """One line per segment of an interop scenario, read like a capture (relative numbers and
    Wireshark's tags from :mod:`tcpedu.reading`): ``tcpedu → linux    S seq=0 ack=0 len=0``."""
    from ..reading.segments import read_segments

    trace = result.trace()
    side = trace.meta["sides"]
    lines = []
    for sent, rec in zip(trace.segments(), read_segments(trace).values(), strict=True):
        arrow = "tcpedu → linux " if side[sent.src] == "tcpedu" else "linux  → tcpedu"
        tags = f"  [{', '.join(rec.analysis)}]" if rec.analysis else ""
        lines.append(f"{arrow} {rec.flags or '.':>3} seq={rec.seq} ack={rec.ack} "
                     f"len={rec.len} win={sent.segment.window}{tags}")
    return lines
