"""trace_to_pcap: tshark (the reference) reads every scenario's pcap cleanly and sees the flags,
sequence numbers, checksums and retransmissions the trace records."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

from tcpedu import trace_to_pcap
from tcpedu.sim.scenarios import SCENARIOS, run
from tcpedu.trace import Trace

FIELDS = ("frame.number", "ip.src", "ip.dst", "tcp.srcport", "tcp.dstport", "tcp.flags",
          "tcp.seq_raw", "tcp.ack_raw", "tcp.len", "tcp.checksum.status", "ip.checksum.status",
          "tcp.analysis.retransmission", "_ws.malformed", "frame.time_relative")


def tshark_rows(path: Path) -> list[dict[str, str]]:
    tshark = shutil.which("tshark")
    if tshark is None:
        pytest.skip("tshark not installed: apt-get install tshark (it is the pcap reference)")
    cmd = [tshark, "-r", str(path), "-o", "tcp.check_checksum:TRUE", "-o",
           "ip.check_checksum:TRUE", "-o", "tcp.relative_sequence_numbers:TRUE", "-T", "fields",
           "-E", "separator=|", "-E", "occurrence=f"]
    for name in FIELDS:
        cmd += ["-e", name]
    out = subprocess.run(cmd, capture_output=True, text=True, check=True, timeout=120)
    assert "malformed" not in out.stderr.lower()
    return [dict(zip(FIELDS, line.split("|"), strict=True)) for line in out.stdout.splitlines()]


def assert_pcap_matches(trace: Trace, path: Path) -> list[dict[str, str]]:
    count = trace_to_pcap(trace, path)
    sent = trace.segments()
    rows = tshark_rows(path)
    assert count == len(sent) == len(rows)
    for record, row in zip(sent, rows, strict=True):
        seg = record.segment
        src = trace.hosts[record.spoofed_as or record.src]
        dst = trace.hosts[record.dst]
        assert (row["ip.src"], row["ip.dst"]) == (src.ip, dst.ip)
        assert (int(row["tcp.srcport"]), int(row["tcp.dstport"])) == (seg.src_port, seg.dst_port)
        assert int(row["tcp.flags"], 16) == int(seg.flags)
        assert int(row["tcp.seq_raw"]) == seg.seq
        assert int(row["tcp.ack_raw"]) == seg.ack
        assert int(row["tcp.len"]) == len(seg.payload)
        assert row["tcp.checksum.status"] == "1" and row["ip.checksum.status"] == "1"  # 1 = Good
        assert row["_ws.malformed"] == ""
        assert float(row["frame.time_relative"]) == pytest.approx(record.time - sent[0].time,
                                                                  abs=2e-6)
    return rows


@pytest.mark.parametrize("name", sorted(SCENARIOS))
def test_each_scenario_pcap_reads_cleanly_in_tshark(name: str, tmp_path: Path) -> None:
    params = {"size": 6000} if name == "transfer" else {}
    assert_pcap_matches(run(name, **params), tmp_path / f"{name}.pcap")


def test_tshark_flags_the_resends_our_trace_calls_retransmissions(tmp_path: Path) -> None:
    trace = run("loss_rto", segments=3, lose=2)
    rows = assert_pcap_matches(trace, tmp_path / "rto.pcap")
    ours = [s.note == "retransmission" for s in trace.segments()]
    theirs = [row["tcp.analysis.retransmission"] != "" for row in rows]
    assert any(ours) and ours == theirs


def test_dropped_segments_are_on_the_wire_capture(tmp_path: Path) -> None:
    trace = run("teardown", order="lost-final-ack", msl=1.0)
    rows = assert_pcap_matches(trace, tmp_path / "lost.pcap")
    assert len(rows) == len(trace.segments())  # the lost ACK is captured at the sender


def test_injected_segment_carries_the_spoofed_client_address(tmp_path: Path) -> None:
    trace = run("hijack", attack="data")
    rows = assert_pcap_matches(trace, tmp_path / "hijack.pcap")
    index = next(i for i, s in enumerate(trace.segments()) if s.src == "attacker")
    assert rows[index]["ip.src"] == trace.hosts["client"].ip


def test_ipv6_hosts_write_ipv6_frames(tmp_path: Path) -> None:
    from tcpedu.model.endpoint import Config
    from tcpedu.sim.network import Network

    net = Network.pair(Config(isn=1), Config(isn=2), client_ip="fd00::1", server_ip="fd00::2")
    net.at(0.0, "server", "listen")
    net.at(0.0, "client", "connect")
    net.at(0.5, "client", "send", b"over IPv6")
    trace = net.run()
    path = tmp_path / "v6.pcap"
    trace_to_pcap(trace, path)
    tshark = shutil.which("tshark")
    if tshark is None:
        pytest.skip("tshark not installed: apt-get install tshark")
    out = subprocess.run([tshark, "-r", str(path), "-T", "fields", "-e", "ipv6.src", "-e",
                          "tcp.len"], capture_output=True, text=True, check=True, timeout=60)
    lines = out.stdout.split()
    assert "fd00::1" in lines and "9" in lines
