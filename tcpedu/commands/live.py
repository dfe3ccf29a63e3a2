"""``tcpedu live``: capture a real Linux TCP conversation into a pcap (see :mod:`tcpedu.capture.live`)."""

from __future__ import annotations

import argparse

from ..capture.live import CONVERSATIONS, ENDS, VIAS, capture_file


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add the ``live`` subcommand."""
    p = subparsers.add_parser(
        "live", help="capture a real Linux TCP conversation (needs root or user namespaces)",
        description="Stage a conversation between two Python sockets inside a private network "
                    "namespace and capture it. Without privilege, use the shipped captures in "
                    "notebooks/data/.")
    p.add_argument("conversation", nargs="?", default="transfer", choices=list(CONVERSATIONS),
                   help="what the sockets do: " + "; ".join(f"{k}: {v}" for k, v in CONVERSATIONS.items()))
    p.add_argument("--via", choices=VIAS, default="loopback",
                   help="loopback (lo), or wire: two namespaces joined by TUN devices (MTU 1500)")
    p.add_argument("--size", type=int, default=20000, help="response size in bytes (default 20000)")
    p.add_argument("--drop", type=int, nargs="*", default=[], metavar="N",
                   help="with --via wire: lose the server's Nth data segment (1-based)")
    p.add_argument("--hold", type=int, nargs="*", default=[], metavar="N",
                   help="with --via wire: the server's Nth data segment waits until the next one "
                        "has passed it (real reordering)")
    p.add_argument("--lose-last-ack", action="store_true",
                   help="with --via wire: lose the client's ACK of the server's FIN once "
                        "(the server resends its FIN; TIME-WAIT answers)")
    p.add_argument("--at", choices=ENDS, default="server",
                   help="with --via wire: the end of the wire to capture at (default server)")
    p.add_argument("--pcap", default="live.pcap", help="capture file to write (default live.pcap)")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    count = capture_file(args.pcap, args.conversation, via=args.via, size=args.size, drop=args.drop,
                         hold=args.hold, lose_last_ack=args.lose_last_ack, at=args.at)
    print(f"wrote {args.pcap}: {count} packets of a real {args.conversation} over {args.via}; "
          f"see it with: tcpedu analyze {args.pcap}")
    return 0
