"""Make the course's reordering and TIME-WAIT captures (notebooks/data/reorder.pcap, time-wait.pcap).

    sudo .venv/bin/python scripts/make_reorder_capture.py [--out notebooks/data]

Real Linux TCP between two network namespaces joined by TUN devices and tcpedu's relay
(:mod:`tcpedu.capture.live`, recipes in scripts/make_captures.py): in ``reorder`` the relay holds
the server's 3rd data segment back until the 4th has passed it (on-path reordering; this kernel
has no netem), in ``time-wait`` it loses the client's ACK of the server's FIN once. Both are
captured at the client's end of the wire. Each capture is checked with tcpedu's reading layer and
made again (up to 3 times) if Linux did something else, e.g. resent the overtaken segment.
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))
sys.path.insert(0, str(REPO / "scripts"))

NAMES = ("reorder", "time-wait")
ATTEMPTS = 3


def problem(name: str, path: Path) -> str | None:
    """What is wrong with a fresh capture, or None when it shows what the course says."""
    from tcpedu.model.flags import Flags
    from tcpedu.reading.analysis import analyze

    trace = analyze(path)
    tagged = {tag: [s.frame for s in trace.segments() if tag in s.tags]
              for tag in ("out-of-order", "retransmission")}
    if name == "reorder":
        if len(tagged["out-of-order"]) != 1 or tagged["retransmission"]:
            return f"expected one out-of-order segment and no retransmission, got {tagged}"
        return None
    fins = [s for s in trace.segments("server") if s.segment.flags & Flags.FIN]
    if len(fins) != 2 or tagged["retransmission"] != [fins[1].frame]:
        return f"expected the server's FIN twice (the second a retransmission), got {tagged}"
    if trace.segments()[-1].src != "client":
        return "expected the client's answer from TIME-WAIT last"
    return None


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=REPO / "notebooks" / "data")
    args = parser.parse_args(argv)
    if os.geteuid() != 0:
        raise SystemExit("make_reorder_capture.py needs root (network namespaces and TUN devices): "
                         "run it with sudo")
    from make_captures import make

    for name in NAMES:
        for attempt in range(1, ATTEMPTS + 1):
            path = make(args.out, [name])[0]
            trouble = problem(name, path)
            if trouble is None:
                break
            print(f"{name}: attempt {attempt}: {trouble}", file=sys.stderr)
        else:
            raise SystemExit(f"{name}: no good capture in {ATTEMPTS} attempts")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
