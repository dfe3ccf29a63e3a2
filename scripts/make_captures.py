"""Regenerate the captures shipped in notebooks/data/ with tcpedu's own tools (needs root, or a
system that allows user namespaces for the loopback/wire captures; the interop one needs root).

    .venv/bin/python scripts/make_captures.py [--out notebooks/data] [NAME ...]

Every capture is real Linux TCP: Python sockets staged by :mod:`tcpedu.capture.live` in private network
namespaces, or the tcpedu endpoint talking to Linux (:mod:`tcpedu.capture.interop`). Addresses are the
documentation ranges (127.0.0.x on loopback, 192.0.2.x on the TUN wire). Sequence numbers and
times differ on every run; what each capture shows does not (tests/test_shipped_captures.py).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from tcpedu import interop, live  # noqa: E402

#: name -> keyword arguments of tcpedu.capture.live.capture_file (one-way wire delay 10 ms: readable ladders)
RECIPES: dict[str, dict] = {
    "transfer": {"conversation": "transfer", "via": "wire", "size": 8000},
    "loss": {"conversation": "transfer", "via": "wire", "size": 20000, "drop": [3, 8]},
    "reset": {"conversation": "reset", "via": "wire", "size": 5000},
    "half-close": {"conversation": "half-close", "via": "wire", "size": 3000},
    "loopback": {"conversation": "transfer", "via": "loopback", "size": 20000},
    # captured where the response arrives: the wire lets segment 4 overtake segment 3
    "reorder": {"conversation": "transfer", "via": "wire", "size": 8000, "hold": [3],
                "at": "client"},
    # captured at the TIME-WAIT side: the client's last ACK is lost, the server resends its FIN
    "time-wait": {"conversation": "transfer", "via": "wire", "size": 3000, "lose_last_ack": True,
                  "at": "client"},
}
#: the model against Linux: scenarios of tcpedu.capture.interop kept in interop.pcap
INTEROP_SCENARIOS = ["handshake", "passive-open", "tcpedu-closes-first", "linux-closes-first",
                     "simultaneous-close", "simultaneous-open", "keepalive", "tcpedu-resets",
                     "linux-resets", "refused"]


def make(out: Path, names: list[str]) -> list[Path]:
    """Write the named captures into ``out``; returns their paths."""
    out.mkdir(parents=True, exist_ok=True)
    written = []
    for name in names:
        path = out / f"{name}.pcap"
        if name == "interop":
            results = interop.run(INTEROP_SCENARIOS, pcap=path)
            failed = [r.name for r in results if not r.passed]
            if failed:
                raise SystemExit(f"interop scenarios failed: {', '.join(failed)}")
        else:
            live.capture_file(path, **RECIPES[name])
        written.append(path)
        print(f"wrote {path.relative_to(REPO) if path.is_relative_to(REPO) else path} "
              f"({path.stat().st_size} bytes)")
    return written


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("names", nargs="*", help=f"which captures (default all): "
                                                  f"{', '.join([*RECIPES, 'interop'])}")
    parser.add_argument("--out", type=Path, default=REPO / "notebooks" / "data")
    args = parser.parse_args(argv)
    unknown = [n for n in args.names if n not in RECIPES and n != "interop"]
    if unknown:
        parser.error(f"unknown capture {unknown[0]!r}")
    make(args.out, args.names or [*RECIPES, "interop"])
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
