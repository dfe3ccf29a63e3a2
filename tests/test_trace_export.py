"""Trace exports (pcap in tcpedu.capture.export, JSON Lines in tcpedu.reading.jsonl) and the
queries views use, on simulated traces."""

from __future__ import annotations

import io
import json
from pathlib import Path

import pytest

from tcpedu import trace_to_jsonl, trace_to_pcap
from tcpedu.capture.export import wire_packets
from tcpedu.errors import ParameterError
from tcpedu.model.segment import Segment
from tcpedu.model.states import State
from tcpedu.reading.analysis import analyze
from tcpedu.sim.scenarios import run
from tcpedu.trace import Host, SegmentSent, Trace


def test_pcap_round_trips_through_the_capture_analyser(tmp_path: Path) -> None:
    trace = run("loss_fast_retransmit", segments=6, lose=3)
    path = tmp_path / "fr.pcap"
    assert trace_to_pcap(trace, path) == len(trace.segments())
    back = analyze(path)
    ours, theirs = trace.segments(), back.segments()
    assert len(ours) == len(theirs)
    for a, b in zip(ours, theirs, strict=True):
        assert (a.src, a.dst) == (b.src, b.dst)
        assert a.segment.flags == b.segment.flags and a.segment.payload == b.segment.payload
        assert b.time - theirs[0].time == pytest.approx(a.time - ours[0].time, abs=2e-6)


def test_pcap_can_go_to_an_open_binary_file() -> None:
    buffer = io.BytesIO()
    count = trace_to_pcap(run("handshake"), buffer)
    assert count == 3 and buffer.getvalue()[:4] == bytes.fromhex("d4c3b2a1")


def test_wire_packets_use_the_spoofed_address_for_injected_segments() -> None:
    trace = run("hijack", attack="rst-exact")
    packets = list(wire_packets(trace))
    index = next(i for i, s in enumerate(trace.segments()) if s.src == "attacker")
    assert packets[index][2:4] == ("10.0.0.1", "10.0.0.2")
    rows = [json.loads(line) for line in trace_to_jsonl(trace).splitlines()]
    assert rows[index]["src"] == "10.0.0.1:40000" and rows[index]["flags"] == "R"
    assert {r["stream"] for r in rows} == {0}


def test_a_segment_from_an_unknown_host_is_refused() -> None:
    trace = Trace(hosts={"client": Host("client", "10.0.0.1", 1)})
    trace.add(SegmentSent(0.0, 1, "client", "ghost", Segment(1, 2, flags="S")))
    with pytest.raises(ParameterError, match="no host 'ghost'"):
        trace_to_pcap(trace, io.BytesIO())


def test_queries_on_a_simulated_trace() -> None:
    trace = run("teardown", order="lost-final-ack", msl=1.0)
    dropped = [s for s in trace.segments() if trace.fate(s.id) == "dropped"]
    assert len(dropped) == 1 and dropped[0].src == "client"
    assert all(trace.fate(s.id) == "delivered" for s in trace.segments() if s not in dropped)
    assert trace.final_state("client") is State.CLOSED
    assert trace.state_at("client", dropped[0].time) is State.TIME_WAIT
    assert trace.snapshots("server")[-1].state is State.CLOSED
    assert trace.duration == pytest.approx(trace.records[-1].time)
    assert "teardown" in repr(trace) and "9 segments" in repr(trace)
    with pytest.raises(KeyError):
        trace.fate(10_000)


def test_in_flight_segments_when_the_run_stops_early() -> None:
    from tcpedu.model.endpoint import Config
    from tcpedu.sim.network import Network

    net = Network.pair(Config(isn=0), Config(isn=0), delay=1.0)
    net.at(0.0, "server", "listen")
    net.at(0.0, "client", "connect")
    trace = net.run(until=0.5)
    (syn,) = trace.segments()
    assert trace.fate(syn.id) == "in flight"
    net.run(until=1.5)
    assert trace.fate(syn.id) == "delivered"


def test_a_captured_trace_goes_back_to_its_own_numbers_and_times(tmp_path: Path) -> None:
    """A Trace read from a capture (relative numbers, times from 0) is written back with the
    capture's absolute numbers and times, so the pcap analyses as the original did."""
    trace = run("loss_fast_retransmit", segments=6, lose=3)
    first = tmp_path / "first.pcap"
    trace_to_pcap(trace, first)
    captured = analyze(first)
    again = tmp_path / "again.pcap"
    trace_to_pcap(captured, again)
    ours = [(s.segment.seq, s.segment.ack, s.time) for s in trace.segments()]
    back = [(s.segment.seq, s.segment.ack, s.time) for s in analyze(again).segments()]
    assert [x[:2] for x in back] == [x[:2] for x in [(r.seq, r.ack, 0) for r in
            (s.segment for s in captured.segments())]]
    assert len(ours) == len(back)
    assert [json.loads(x) for x in trace_to_jsonl(captured).splitlines()] == \
        [json.loads(x) for x in trace_to_jsonl(analyze(again)).splitlines()]
