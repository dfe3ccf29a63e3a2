"""What was skipped is said: one line on stderr after ``tcpedu analyze``, the same counts on the
Trace, and an error (exit 2) for a file none of whose frames has a supported link type."""

from __future__ import annotations

import json
import struct
import sys
from pathlib import Path

import pytest

from tcpedu.capture.pcapio import frame_bytes, write_frames
from tcpedu.cli import main
from tcpedu.reading.analysis import analyze_all, summarize
from tcpedu.trace import FrameCounts

sys.path.insert(0, str(Path(__file__).resolve().parent))
from captures import _block, clean_transfer  # noqa: E402
from test_tshark_agreement import assert_agrees  # noqa: E402

ARP = bytes.fromhex("ffffffffffff020000000001" "0806") + bytes(28)


def _mixed_pcapng(path: Path) -> int:
    """Interface 0 Ethernet, interface 1 link type 147 (user-defined): TCP segments, ARP, a
    truncated IP header, an IP fragment never completed, and frames on the unsupported link."""
    out = bytearray(_block(0x0A0D0D0A, struct.pack("<IHHq", 0x1A2B3C4D, 1, 0, -1)))
    out += _block(1, struct.pack("<HHI", 1, 0, 0))
    out += _block(1, struct.pack("<HHI", 147, 0, 0))
    ip_fragment = bytes.fromhex("4500002c00012001400600000a0000010a000002") + bytes(24)
    frames = [(0, frame_bytes(src, dst, seg)) for _t, src, dst, seg in clean_transfer()]
    frames += [(0, ARP), (0, ARP), (0, ARP[:12] + b"\x08\x00\x45\x00"),
               (0, ARP[:12] + b"\x08\x00" + ip_fragment)]
    frames += [(1, b"\x01\x02\x03\x04" * 8)] * 12
    for n, (iface, data) in enumerate(frames):
        out += _block(6, struct.pack("<IIIII", iface, 0, n, len(data), len(data)) + data)
    path.write_bytes(bytes(out))
    return len(frames)


EXPECTED = ("mixed.pcapng: 29 frames read: 13 TCP, 2 without TCP, 14 not readable "
            "(link type 147 not supported: 12 frames; malformed or cut short: 1 frame; "
            "IP fragments of datagrams never completed: 1 frame)")


def test_summary_line_on_stderr_counts_frames_by_reason(tmp_path, capsys):
    path = tmp_path / "mixed.pcapng"
    assert _mixed_pcapng(path) == 29
    assert main(["analyze", str(path)]) == 0
    captured = capsys.readouterr()
    assert captured.err.strip().splitlines() == [EXPECTED]


def test_json_keeps_stdout_pure_json_lines(tmp_path, capsys):
    path = tmp_path / "mixed.pcapng"
    _mixed_pcapng(path)
    assert main(["analyze", "--json", str(path)]) == 0
    captured = capsys.readouterr()
    rows = [json.loads(line) for line in captured.out.splitlines()]
    assert len(rows) == 13 and all(set(row) >= {"frame", "stream", "flags"} for row in rows)
    assert captured.err.strip().splitlines() == [EXPECTED]


def test_the_trace_and_the_summary_carry_the_same_counts(tmp_path):
    path = tmp_path / "mixed.pcapng"
    _mixed_pcapng(path)
    counts = FrameCounts(29, 13, 2, 0, (("link type 147 not supported", 12),
                                        ("malformed or cut short", 1),
                                        ("IP fragments of datagrams never completed", 1)))
    trace, = analyze_all(path)
    assert trace.frame_counts == counts == summarize(path).counts
    assert str(counts) == EXPECTED.removeprefix("mixed.pcapng: ")
    assert assert_agrees(path, min_tag_agreement=1.0) == 13      # tshark finds the same TCP


@pytest.mark.parametrize("json_flag", [[], ["--json"]])
def test_a_file_of_an_unsupported_link_type_is_an_error_naming_it(tmp_path, capsys, json_flag):
    path = tmp_path / "user0.pcap"
    write_frames(path, [(1.0, b"\x01\x02\x03\x04" * 8)] * 12, linktype=147)
    assert main(["analyze", *json_flag, str(path)]) == 2
    captured = capsys.readouterr()
    assert captured.out == ""
    assert captured.err == ("tcpedu analyze: error: user0.pcap: link type 147 not supported: "
                            "none of its 12 frames could be read\n")


def test_a_file_with_frames_but_no_tcp_is_not_an_error(tmp_path, capsys):
    path = tmp_path / "arp.pcap"
    write_frames(path, [(1.0, ARP)] * 3)
    assert main(["analyze", str(path)]) == 0
    assert capsys.readouterr().err == ("arp.pcap: 3 frames read: 0 TCP, 3 without TCP, "
                                       "0 not readable\n")
