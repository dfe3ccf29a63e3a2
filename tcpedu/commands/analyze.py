"""``tcpedu analyze CAPTURE``: what happened in a real capture, the way Wireshark sees it.

Prints a per-stream summary (endpoints, packets and bytes each way, duration, analysis tags,
final states) and a terminal ladder; ``--stream N`` selects one stream, ``--json`` prints the
JSON Lines instead, ``--plot FILE.png`` also draws the ladder diagram. After the segments one
line on stderr counts the frames read, those without TCP and those that could not be read, by
reason; a file whose link type is not supported at all is an error (exit 2).
"""

from __future__ import annotations

import argparse
import sys
from typing import IO, TYPE_CHECKING

from ..errors import CaptureError, ParameterError

if TYPE_CHECKING:       # the analysis loads when the command runs, not when tcpedu starts
    from ..reading.analysis import CaptureSummary

_LADDER_ROWS = 40          # rows of terminal ladder per stream
_LADDER_STREAMS = 5        # streams laddered when no --stream is given
_WIDTH = 44                # width of the arrow column
_PLOT_SEGMENTS = 60        # segments drawn by --plot (the start of the stream)


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add the ``analyze`` subcommand."""
    parser = subparsers.add_parser(
        "analyze", help="summarise a pcap/pcapng capture: streams, tags, states, ladder",
        description="Read a pcap or pcapng capture and show each TCP stream as Wireshark "
                    "numbers it: relative SEQ/ACK, analysis tags (retransmission, dup-ack...), "
                    "each side's inferred RFC 9293 state, and a ladder of the segments.")
    parser.add_argument("capture", metavar="CAPTURE", help="a .pcap or .pcapng file")
    parser.add_argument("--stream", type=int, metavar="N", help="only stream N (0-based)")
    parser.add_argument("--json", action="store_true",
                        help="print JSON Lines, one object per TCP segment, instead")
    parser.add_argument("--plot", metavar="FILE.png", help="also draw the ladder diagram to a file")
    parser.add_argument("--rows", type=int, default=_LADDER_ROWS, metavar="N",
                        help=f"ladder rows per stream (default {_LADDER_ROWS}; 0 for none)")
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    """Summarise, ladder, JSON or plot, as asked."""
    if args.stream is not None and args.stream < 0:
        raise ParameterError(f"--stream {args.stream}: give a stream number 0, 1, 2...")
    if args.rows < 0:
        raise ParameterError(f"--rows {args.rows}: give 0 or more")
    from ..reading.analysis import json_lines

    out = sys.stdout
    if args.json:
        summary = json_lines(args.capture, out, stream=args.stream)
        _refuse_unreadable(summary)
        _check_stream(summary, args.stream)
    else:
        summary, ladders = _summary_and_ladders(args.capture, args.stream, args.rows)
        _refuse_unreadable(summary)
        _check_stream(summary, args.stream)
        print_summary(summary, ladders, args.stream, out)
    out.flush()
    print(f"{summary.name}: {summary.counts}", file=sys.stderr)
    if args.plot:
        _plot(args.capture, args.stream or 0, args.plot)
        print(f"ladder diagram of stream {args.stream or 0} (its first {_PLOT_SEGMENTS} segments "
              f"at most) written to {args.plot}", file=sys.stderr if args.json else out)
    return 0


def _refuse_unreadable(summary: CaptureSummary) -> None:
    """A file none of whose frames could be read because of its link type is an error."""
    counts = summary.counts
    unreadable = dict(counts.unreadable)
    links = [reason for reason in unreadable if reason.startswith("link type ")]
    if counts.frames and links and sum(unreadable[r] for r in links) == counts.frames:
        raise CaptureError(f"{summary.name}: {', '.join(links)}: none of its {counts.frames} "
                           f"frame{'s' * (counts.frames != 1)} could be read")


def _check_stream(summary: CaptureSummary, stream: int | None) -> None:
    if stream is not None and stream >= len(summary.streams):
        have = len(summary.streams)
        raise ParameterError(f"{summary.name} has {have} TCP stream{'s' * (have != 1)}; "
                             f"--stream {stream} is not one of them"
                             + (f" (0..{have - 1})" if have else ""))


def _summary_and_ladders(capture: str, stream: int | None, rows: int,
                         ) -> tuple[CaptureSummary, dict[int, list[str]]]:
    """One pass: the summary, plus the first ``rows`` ladder lines of the streams shown."""
    from ..capture.pcapio import CaptureReader
    from ..reading.analysis import (
        Analyzer,
        CaptureSummary,
        analysed_segments,
        frame_counts,
        stream_summary,
        tag_names,
    )

    reader = CaptureReader(capture)
    analyzer = Analyzer()
    ladders: dict[int, list[str]] = {}
    starts: dict[int, float] = {}
    for frame, time, _tcp, flags, seglen, (conv, direction, seq, ack, tags) in analysed_segments(
            reader, analyzer):
        number = conv.stream
        if stream is not None and number != stream:
            continue
        if stream is None and number >= _LADDER_STREAMS:
            continue
        lines = ladders.setdefault(number, [])
        if len(lines) >= rows:
            continue
        start = starts.setdefault(number, time)
        lines.append(_ladder_line(frame, time - start, direction == conv.client, flags,
                                  seq, ack, seglen, tag_names(tags),
                                  conv.client_flow.state.value, conv.server_flow.state.value))
    analyzer.finish()
    st = reader.stats
    summary = CaptureSummary(reader.name, st.frames, st.tcp, st.skipped, st.malformed, st.damage,
                             [stream_summary(c) for c in analyzer.conversations],
                             frame_counts(st))
    return summary, ladders


def _ladder_line(frame: int, elapsed: float, from_client: bool, flags: int, seq: int, ack: int,
                 length: int, tags: tuple[str, ...], client_state: str, server_state: str) -> str:
    from ..model.segment import Flags

    names = Flags(flags).names.replace(" ", "")
    label = f"{names} seq={seq}" + (f" ack={ack}" if flags & 0x10 else "")
    label += f" len={length}" if length else ""
    label = label[:_WIDTH - 4]
    pad = _WIDTH - 2 - len(label)
    arrow = (f"{label} {'─' * pad}▶" if from_client else f"◀{'─' * pad} {label}")
    marks = f"  [{', '.join(tags)}]" if tags else ""
    return (f"{frame:>7} {elapsed * 1000:>10.3f}  {client_state:<12} {arrow} "
            f"{server_state:<12}{marks}")


def print_summary(summary: CaptureSummary, ladders: dict[int, list[str]], stream: int | None,
                  out: IO[str]) -> None:
    """Write the readable summary (and ladders) of a capture."""
    count = len(summary.streams)
    out.write(f"{summary.name}: {summary.frames} frames, {summary.tcp} TCP segments in {count} "
              f"stream{'s' * (count != 1)}, {summary.skipped} frames skipped"
              f" ({summary.malformed} malformed)\n")
    if summary.damage:
        out.write(f"note: the file is damaged ({summary.damage}); the frames before it are shown\n")
    for s in summary.streams:
        if stream is not None and s.stream != stream:
            continue
        tags = ", ".join(f"{name} {n}" for name, n in s.tags.items()) or "none"
        out.write(f"\nstream {s.stream}: client {s.client} → server {s.server}\n"
                  f"  packets   {s.packets[0]} client→server, {s.packets[1]} server→client\n"
                  f"  payload   {s.payload[0]} B client→server, {s.payload[1]} B server→client\n"
                  f"  duration  {s.duration:.6f} s\n"
                  f"  tags      {tags}\n"
                  f"  final     client {s.final[0].value}, server {s.final[1].value}\n")
        lines = ladders.get(s.stream)
        if lines:
            out.write(f"\n  {'frame':>5} {'time (ms)':>10}  {'client':<12} "
                      f"{'':<{_WIDTH}} {'server':<12}\n")
            out.write("\n".join(lines) + "\n")
            total = sum(s.packets)
            if total > len(lines):
                out.write(f"  … {total - len(lines)} more segments (use --rows, --json or --plot)\n")
    if stream is None and count > _LADDER_STREAMS:
        out.write(f"\n(ladders shown for streams 0..{_LADDER_STREAMS - 1}; use --stream N)\n")


def _plot(capture: str, stream: int, path: str) -> None:
    from ..reading.analysis import analyze
    from ..views.plot import plot_ladder

    figure = plot_ladder(analyze(capture, stream, max_segments=_PLOT_SEGMENTS))
    figure.savefig(path)
