"""The sender's run of full segments (``Sending._send_run``) is a documented hot path: with it
switched off, every segment goes through ``_send_new`` and ``_emit`` one by one, and the trace
must not change."""

from __future__ import annotations

import pytest
from conversations import converse
from hypothesis import given, settings
from hypothesis import strategies as st

from tcpedu.model.endpoint import Config
from tcpedu.model.send_buffer import SendBuffer
from tcpedu.model.sending import Sending
from tcpedu.sim.network import Network
from tcpedu.sim.scenarios import run


def _one_by_one(self: Sending, now: float, nxt: int, off: int, count: int) -> int:
    mss = self.mss  # type: ignore[attr-defined]
    for k in range(count):
        nxt = self._send_new(now, nxt, off + k * mss, mss)
    return nxt


def _pair_trace(**cfg: object) -> list:
    net = Network.pair(Config(isn=2**32 - 5000, **cfg), Config(**cfg), loss=0.03, reorder=0.02,
                       seed=4)
    return converse(net, 120_000)


@pytest.mark.parametrize(("name", "params"), [
    ("transfer", {"size": 150_000, "loss": 0.03, "seed": 2, "rcv_buffer": 8000}),
    ("transfer", {"size": 200_000, "loss": 0.02, "seed": 5, "bandwidth": 1e6, "queue": 6000}),
    ("transfer", {"size": 100_000, "mss": 536, "congestion": "cubic", "loss": 0.01}),
    ("upload_loss", {"sack": True, "lose": 3}),
    ("zero_window", {"size": 20_000, "rcv_buffer": 1000}),
    ("loss_rto", {}),
])
def test_the_run_of_full_segments_equals_sending_them_one_by_one(
        monkeypatch: pytest.MonkeyPatch, name: str, params: dict) -> None:
    fast = run(name, **params).records
    monkeypatch.setattr(Sending, "_send_run", _one_by_one)
    slow = run(name, **params).records
    assert slow == fast and len(fast) > 20


@pytest.mark.parametrize("cfg", [{"sack": True}, {"sack": True, "wscale": 3,
                                                  "rcv_buffer": 200_000},
                                 {"app_read_rate": 20_000.0, "rcv_buffer": 8000}])
def test_the_run_equals_one_by_one_with_sack_scaling_and_a_slow_reader(
        monkeypatch: pytest.MonkeyPatch, cfg: dict) -> None:
    fast = _pair_trace(**cfg)
    monkeypatch.setattr(Sending, "_send_run", _one_by_one)
    assert _pair_trace(**cfg) == fast


@given(st.lists(st.binary(min_size=1, max_size=30), min_size=1, max_size=5),
       st.integers(0, 20), st.integers(0, 40), st.integers(1, 20), st.integers(0, 4))
@settings(max_examples=300, deadline=None)
def test_slices_are_consecutive_slices(chunks: list[bytes], consumed: int, begin: int,
                                       size: int, count: int) -> None:
    buf = SendBuffer()
    for chunk in chunks:
        buf.append(chunk)
    buf.consume(consumed)
    expected = [buf.slice(b, b + size) for b in range(begin, begin + count * size, size)]
    assert buf.slices(begin, size, count) == expected


@given(st.lists(st.binary(min_size=1, max_size=30), max_size=5), st.integers(-5, 200))
def test_consume_says_how_many_bytes_went(chunks: list[bytes], n: int) -> None:
    buf = SendBuffer()
    for chunk in chunks:
        buf.append(chunk)
    whole = b"".join(chunks)
    assert buf.consume(n) == min(max(n, 0), len(whole))
    assert bytes(buf) == whole[max(n, 0):] and buf.slice(0, 5) == whole[max(n, 0):][:5]
