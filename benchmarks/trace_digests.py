"""Digests of what the simulator records, to prove a speed change changed nothing.

Every scenario with its defaults and with each choice of its parameters, some larger transfers
with loss, reordering and congestion, each with snapshots on and off: a digest of its records
(their ``repr``), its metadata and its JSON Lines. Not part of ``make bench``::

    python benchmarks/trace_digests.py write /tmp/before.json   # before the change
    python benchmarks/trace_digests.py check /tmp/before.json   # after: "N cases, 0 differ"
"""

from __future__ import annotations

import hashlib
import json
import sys
from collections.abc import Iterator
from typing import Any

from tcpedu.reading.jsonl import trace_to_jsonl
from tcpedu.sim import network
from tcpedu.sim.scenarios import SCENARIOS, run

TRANSFERS: list[dict[str, Any]] = [
    *({"loss": 0.01, "size": 300_000, "seed": seed} for seed in (1, 2, 5)),
    *({"loss": 0.05, "size": 200_000, "seed": seed, "bandwidth": 1.25e6} for seed in (1, 2, 5)),
    {"size": 1_000_000, "loss": 0.01, "bandwidth": 1.25e6, "delay": 0.02, "seed": 1},
    {"size": 1_000_000, "loss": 0.02, "seed": 4, "congestion": "cubic"},
    {"size": 500_000, "bandwidth": 1e6, "queue": 20000, "seed": 2},
    {"size": 200_000, "rcv_buffer": 3000, "loss": 0.03, "seed": 9},
]


def cases() -> Iterator[tuple[str, dict[str, Any]]]:
    """(scenario, parameters) of every case."""
    for name, scenario in SCENARIOS.items():
        yield name, {}
        for param in scenario.params:
            if param.choices:
                yield from ((name, {param.name: c}) for c in param.choices if c != param.default)
            elif param.kind is bool:
                yield name, {param.name: not param.default}
            elif param.name == "seed":
                yield name, {"seed": 3}
    yield "loss_fast_retransmit", {"sack": True, "lose": 3}
    yield "upload_loss", {"sack": True, "lose": 3}
    yield "burst", {"lose": 3, "hold": 5}
    yield from (("transfer", params) for params in TRANSFERS)
    yield "congestion", {"lose_retransmission": True}
    yield "zero_window", {"size": 50_000, "rcv_buffer": 1000}


def digest(trace: Any) -> str:
    """Records, metadata and JSON Lines of ``trace``, hashed."""
    records = hashlib.sha256()
    for record in trace.records:
        records.update(repr(record).encode() + b"\n")
    records.update(repr(sorted(trace.meta.items(), key=str)).encode())
    lines = hashlib.sha256(trace_to_jsonl(trace).encode()).hexdigest()
    return f"{records.hexdigest()[:20]} {lines[:20]} {len(trace.records)}"


def digests() -> dict[str, str]:
    """Every case's digest, with snapshots on and off."""
    found: dict[str, str] = {}
    init = network.Network.__init__
    try:
        for snapshots in (True, False):
            def init_with(self: network.Network, *args: Any, _on: bool = snapshots,
                          **kwargs: Any) -> None:
                init(self, *args, **{**kwargs, "snapshots": _on and kwargs.get("snapshots", True)})
            network.Network.__init__ = init_with  # type: ignore[method-assign]
            for name, params in cases():
                key = f"{name} {json.dumps(params, sort_keys=True)} snapshots={snapshots}"
                try:
                    found[key] = digest(run(name, **params))
                except Exception as exc:  # noqa: BLE001 - an error is a result to compare too
                    found[key] = f"ERROR {type(exc).__name__}: {exc}"
    finally:
        network.Network.__init__ = init  # type: ignore[method-assign]
    return found


def main(argv: list[str]) -> int:
    """``write FILE`` or ``check FILE``; check returns 1 if any case differs."""
    if len(argv) != 2 or argv[0] not in ("write", "check"):
        print(__doc__)
        return 2
    mode, path = argv
    found = digests()
    if mode == "write":
        with open(path, "w", encoding="utf-8") as out:
            json.dump(found, out, indent=1)
        print(f"{len(found)} cases written to {path}")
        return 0
    with open(path, encoding="utf-8") as src:
        expected = json.load(src)
    differ = [key for key in expected if expected[key] != found.get(key)]
    for key in differ:
        print(f"DIFFERS {key}: {expected[key]} -> {found.get(key)}")
    print(f"{len(expected)} cases, {len(differ)} differ")
    return 1 if differ else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
