"""The arriving segment's short paths (``Arrivals.receive``'s common cases: text at RCV.NXT via
``_next_text``, a bare ACK at RCV.NXT) are documented hot paths: with them switched off (no
segment matches ``_CONTROL`` = 0) every segment takes ``_on_synchronized``'s steps in full, and
the trace must not change. ``tests/test_fast_paths.py`` runs the named scenarios; these add
SACK, window scaling, a slow reader, wraparound, reordering and a delayed ACK."""

from __future__ import annotations

import pytest
from conversations import converse

from tcpedu.model import arrivals
from tcpedu.model.endpoint import Config
from tcpedu.sim.network import Network

CONFIGS = [
    {},
    {"sack": True},
    {"sack": True, "wscale": 3, "rcv_buffer": 200_000},
    {"app_read_rate": 20_000.0, "rcv_buffer": 8000},
    {"delayed_ack": 0.2, "congestion": "cubic"},
    {"receiver": "gbn", "delayed_ack": 0.1},
]


def _records(cfg: dict, seed: int) -> list:
    net = Network.pair(Config(isn=2**32 - 5000, **cfg), Config(isn=2**32 - 700, **cfg),
                       loss=0.03, reorder=0.02, seed=seed)
    return converse(net, 80_000, 30_000)


@pytest.mark.parametrize("cfg", CONFIGS, ids=lambda c: ",".join(c) or "default")
def test_the_short_paths_equal_every_step(monkeypatch: pytest.MonkeyPatch, cfg: dict) -> None:
    for seed in (3, 8):
        fast = _records(cfg, seed)
        with monkeypatch.context() as patch:
            patch.setattr(arrivals, "_CONTROL", 0)
            slow = _records(cfg, seed)
        assert slow == fast and len(fast) > 100
