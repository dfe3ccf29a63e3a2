"""``tcpedu analyze``: summary, ladder, --stream, --json, --plot, and its errors."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest

from tcpedu.capture.pcapio import write_pcap
from tcpedu.cli import main

sys.path.insert(0, str(Path(__file__).resolve().parent))
import captures  # noqa: E402


@pytest.fixture()
def interleaved(tmp_path) -> Path:
    path = tmp_path / "three.pcap"
    write_pcap(path, captures.interleaved())
    return path


def test_summary_names_streams_counts_tags_and_final_states(tmp_path, capsys):
    path = tmp_path / "fast.pcap"
    write_pcap(path, captures.fast_retransmit())
    assert main(["analyze", str(path)]) == 0
    out = capsys.readouterr().out
    assert out.startswith("fast.pcap: 17 frames, 17 TCP segments in 1 stream, 0 frames skipped")
    assert "stream 0: client 10.0.0.1:40001 → server 10.0.0.2:80" in out
    assert "packets   9 client→server, 8 server→client" in out
    assert "payload   5000 B client→server, 0 B server→client" in out
    assert "tags      dup-ack 4, fast-retransmission 1, lost-segment 1, retransmission 1" in out
    assert "final     client TIME-WAIT, server CLOSED" in out


def test_ladder_rows_show_direction_numbers_states_and_tags(tmp_path, capsys):
    path = tmp_path / "fast.pcap"
    write_pcap(path, captures.fast_retransmit())
    main(["analyze", str(path)])
    rows = [line for line in capsys.readouterr().out.splitlines() if "─" in line]
    assert len(rows) == 17
    assert "SYN seq=0 " in rows[0] and rows[0].rstrip().endswith("▶ LISTEN")
    assert "◀" in rows[1] and "SYN,ACK seq=0 ack=1" in rows[1]
    assert "[fast-retransmission, retransmission]" in rows[11]
    assert rows[11].split()[0] == "12"


def test_rows_limit_the_ladder(tmp_path, capsys):
    path = tmp_path / "fast.pcap"
    write_pcap(path, captures.fast_retransmit())
    main(["analyze", "--rows", "5", str(path)])
    out = capsys.readouterr().out
    assert sum("─" in line for line in out.splitlines()) == 5
    assert "… 12 more segments" in out


def test_stream_selects_one(interleaved, capsys):
    assert main(["analyze", "--stream", "2", str(interleaved)]) == 0
    out = capsys.readouterr().out
    assert "stream 2: client 10.0.0.1:41002" in out
    assert "stream 0:" not in out and "stream 1:" not in out


def test_json_prints_json_lines_in_capture_order(interleaved, capsys):
    assert main(["analyze", "--json", str(interleaved)]) == 0
    rows = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert [r["frame"] for r in rows] == list(range(1, 40))
    assert [r["stream"] for r in rows[:3]] == [0, 1, 2]


def test_json_with_stream(interleaved, capsys):
    main(["analyze", "--json", "--stream", "1", str(interleaved)])
    rows = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert {r["stream"] for r in rows} == {1} and len(rows) == 13


@pytest.mark.parametrize("argv, message", [
    (["--stream", "9"], "has 3 TCP streams; --stream 9 is not one of them (0..2)"),
    (["--stream", "-1"], "--stream -1: give a stream number"),
    (["--rows", "-2"], "--rows -2: give 0 or more"),
])
def test_bad_options_are_one_line_errors(interleaved, capsys, argv, message):
    assert main(["analyze", *argv, str(interleaved)]) == 2
    err = capsys.readouterr().err
    assert message in err and err.count("\n") == 1


def test_plot_writes_the_ladder_diagram(interleaved, tmp_path, capsys):
    png = tmp_path / "ladder.png"
    assert main(["analyze", "--stream", "1", "--plot", str(png), str(interleaved)]) == 0
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert f"ladder diagram of stream 1 (its first 60 segments at most) written to {png}" in \
        capsys.readouterr().out
