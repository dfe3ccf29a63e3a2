"""``tcpedu simulate SCENARIO [k=v ...] [--pcap FILE] [--json]``: run a named scenario.

The default output is a terminal ladder: the client on the left, the server on the right, one
arrow per segment (``✗`` where the network lost it), state changes on each side.
"""

from __future__ import annotations

import argparse
import sys
from typing import Any

from ..errors import ParameterError

#: How many characters the arrows span between the two sides.
ARROW_WIDTH = 58

#: Application events worth a line in the ladder, and how they read.
_APP_WORDS: dict[str, str] = {
    "listen": "app: listen", "connect": "app: connect", "send": "app: send",
    "received": "app: received", "close": "app: close", "abort": "app: abort",
    "eof": "app: peer closed (EOF)", "reset": "app: connection reset", "closed": "app: closed",
    "segment-ignored": "ignored", "pause_reading": "app: stops reading",
    "resume_reading": "app: reads everything buffered",
}


def register(subparsers: Any) -> None:
    """Add the ``simulate`` subcommand."""
    parser = subparsers.add_parser(
        "simulate", help="run a named scenario in the simulator",
        description="Run a named TCP scenario and show it as a ladder, a pcap or JSON Lines.",
        epilog="Example: tcpedu simulate teardown order=lost-final-ack --pcap teardown.pcap")
    parser.add_argument("scenario", nargs="?", help="scenario name (see --list)")
    parser.add_argument("params", nargs="*", metavar="k=v", help="scenario parameters")
    parser.add_argument("-p", "--param", action="append", default=[], metavar="k=v",
                        help="a scenario parameter (repeatable)")
    parser.add_argument("--list", action="store_true", help="list scenarios and their parameters")
    parser.add_argument("--pcap", metavar="FILE", help="also write the segments as a pcap file")
    parser.add_argument("--json", action="store_true",
                        help="print JSON Lines (the schema of `tcpedu analyze --json`)")
    parser.add_argument("--absolute", action="store_true",
                        help="show raw sequence numbers instead of relative ones")
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    """Run the command; returns the exit status."""
    from ..sim import scenarios

    if args.list:
        print(scenarios.describe_all())
        return 0
    if not args.scenario:
        raise ParameterError("name a scenario (tcpedu simulate --list shows them)")
    params = parse_assignments([*args.params, *args.param])
    trace = scenarios.run(args.scenario, **params)
    if args.pcap:
        from ..capture.export import trace_to_pcap

        count = trace_to_pcap(trace, args.pcap)
        print(f"wrote {count} packets to {args.pcap}", file=sys.stderr)
    if args.json:
        from ..reading.jsonl import trace_to_jsonl

        sys.stdout.write(trace_to_jsonl(trace))
    else:
        print(ladder_text(trace, relative=not args.absolute))
    return 0


def parse_assignments(items: list[str]) -> dict[str, str]:
    """``["mss=536", "order=server"]`` -> ``{"mss": "536", "order": "server"}``."""
    params: dict[str, str] = {}
    for item in items:
        key, sep, value = item.partition("=")
        key = key.strip().lstrip("-").replace("-", "_")
        if not sep or not key:
            raise ParameterError(f"parameter {item!r}: write it as name=value")
        params[key] = value
    return params


def ladder_text(trace: Any, relative: bool = True) -> str:
    """The trace as a two-column terminal ladder (client left, server right)."""
    from ..reading.timeline import Timeline
    from ..trace import AppEvent, SegmentSent, StateChanged, TimerEvent

    timeline = Timeline(trace, relative=relative)
    left = "client" if "client" in trace.hosts else timeline.nodes[0]
    right = next((n for n in timeline.nodes if n not in (left, "attacker")), left)
    width = ARROW_WIDTH
    lines = [_title(trace, left, right), f"{'time':>8}  {left:<{width}}  {right}"]

    def side(node: str, text: str) -> str:
        if node == right:
            return " " * (width - len(text) + 2) + text if len(text) < width else f"[{node}] {text}"
        return text if node == left else f"[{node}] {text}"

    for record in trace.records:
        kind = type(record)
        if kind is SegmentSent:
            row = _arrow(timeline, record, left, width)
        elif kind is StateChanged:
            why = f" ({record.trigger})" if record.trigger else ""
            row = side(record.node, f"{record.old} → {record.new}{why}")
        elif kind is TimerEvent and record.action == "fired":
            row = side(record.node, f"⏰ {record.timer} timer fired")
        elif kind is AppEvent and record.action in _APP_WORDS:
            detail = f" {record.detail}" if record.detail not in ("", record.action) else ""
            row = side(record.node, f"{_APP_WORDS[record.action]}{detail}")
        else:
            continue
        lines.append(f"{record.time:8.3f}  {row}".rstrip())
    return "\n".join(lines)


def _title(trace: Any, left: str, right: str) -> str:
    name = trace.meta.get("scenario", "trace")
    params = trace.meta.get("params") or {}
    shown = " ".join(f"{k}={v}" for k, v in params.items())
    hosts = ", ".join(f"{n} {h.address}" for n, h in trace.hosts.items())
    text = f"{name}" + (f" ({shown})" if shown else "") + f": {hosts}"
    description = trace.meta.get("description")
    return text + (f"\n{description}" if description else "")


def _arrow(timeline: Any, sent: Any, left: str, width: int) -> str:
    label = timeline.label(sent)
    if sent.src == "attacker":
        label = f"attacker{' as ' + sent.spoofed_as if sent.spoofed_as else ''}: {label}"
    marks = sorted(timeline.marks[sent.id])  # read once by tcpedu.reading, never inferred here
    lost = timeline.fate.get(sent.id) == "dropped"
    rightward = sent.dst != left
    line = "┄" if sent.src == "attacker" else "─"
    body = f"{line} {label} "
    if lost:
        half = max(len(body) + 3, width // 2)
        text = body + line * (half - len(body) - 1) + "✗"
        text = text.ljust(width) if rightward else text.rjust(width)
        if not rightward:
            text = " " * (width - half) + "✗" + (line + f" {label} " + line * width)[:half - 1]
    elif rightward:
        text = body + line * max(1, width - len(body) - 1) + "▶"
    else:
        text = "◀" + line * max(1, width - len(body) - 2) + " " + label + " " + line
    extras = [*marks]
    if lost:
        extras.append("lost")
    return text + (f"  [{', '.join(extras)}]" if extras else "")
