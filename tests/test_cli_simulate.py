"""``tcpedu simulate``: list, ladder, --param, --pcap, --json and one-line errors."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from tcpedu.cli import main
from tcpedu.reading.analysis import json_lines
from tcpedu.sim.scenarios import SCENARIOS


def test_list_names_every_scenario_and_its_options(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["simulate", "--list"]) == 0
    out = capsys.readouterr().out
    for name, sc in SCENARIOS.items():
        assert f"{name}: {sc.description}" in out
        for p in sc.params:
            assert f"    {p.name}=" in out


def test_default_output_is_a_two_column_ladder(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["simulate", "teardown", "order=lost-final-ack", "-p", "msl=1",
                 "--param", "client_isn=1000"]) == 0
    out = capsys.readouterr().out
    lines = out.splitlines()
    assert lines[0].startswith("teardown (order=lost-final-ack msl=1.0 client_isn=1000)")
    header = next(line for line in lines if line.strip().startswith("time"))
    assert "client" in header and header.rstrip().endswith("server")
    assert any("─ SYN seq=0 " in line and line.rstrip().endswith("▶") for line in lines)
    assert any(line.lstrip()[6:].lstrip().startswith("◀") and "SYN,ACK seq=0 ack=1" in line
               for line in lines)
    lost = [line for line in lines if "✗" in line]
    assert len(lost) == 1 and "ACK ack=2" in lost[0] and "[lost]" in lost[0]
    assert any("FIN-WAIT-2 → TIME-WAIT" in line for line in lines)
    assert any("[retransmission]" in line and "FIN,ACK" in line for line in lines)
    server_state = next(line for line in lines if "LAST-ACK → CLOSED" in line)
    assert len(server_state) >= header.index("server")  # right-aligned on the server's side
    client_state = next(line for line in lines if "FIN-WAIT-2 → TIME-WAIT" in line)
    assert client_state.index("FIN-WAIT-2") == header.index("client")


def test_absolute_numbers_on_request(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["simulate", "handshake", "client_isn=1000", "--absolute"]) == 0
    assert "SYN seq=1000" in capsys.readouterr().out


def test_json_is_the_analyze_schema_of_the_same_pcap(tmp_path: Path,
                                                     capsys: pytest.CaptureFixture[str]) -> None:
    pcap = tmp_path / "rto.pcap"
    assert main(["simulate", "loss_rto", "--json", "--pcap", str(pcap)]) == 0
    captured = capsys.readouterr()
    assert f"wrote 14 packets to {pcap}" in captured.err
    rows = [json.loads(line) for line in captured.out.splitlines()]
    assert list(rows[0]) == ["frame", "stream", "src", "dst", "flags", "seq", "ack", "len",
                             "analysis", "state", "known", "marks"]
    assert rows[0]["flags"] == "S" and rows[0]["src"] == "10.0.0.1:40000"
    assert any("retransmission" in r["analysis"] for r in rows)

    class Sink:
        text = ""

        def write(self, s: str) -> None:
            Sink.text += s

    json_lines(str(pcap), Sink())  # type: ignore[arg-type]
    from_capture = [json.loads(line) for line in Sink.text.splitlines()]
    # The same lines but for what only the simulation knows: the timer that resent a segment.
    for mine, theirs in zip(rows, from_capture, strict=True):
        assert theirs["known"] == [] and set(theirs["marks"]) <= set(mine["marks"])
        mine.pop("known"), mine.pop("marks"), theirs.pop("known"), theirs.pop("marks")
        assert mine == theirs
    assert any(r["known"] == ["rto-retransmission"] for r in
               map(json.loads, captured.out.splitlines()))


@pytest.mark.parametrize("argv, message", [
    (["simulate"], "name a scenario"),
    (["simulate", "nosuch"], "no scenario named 'nosuch'"),
    (["simulate", "teardown", "order"], "parameter 'order': write it as name=value"),
    (["simulate", "teardown", "order=sideways"], "order='sideways': choose one of"),
    (["simulate", "transfer", "size=big"], "size='big': expected int"),
    (["simulate", "handshake", "colour=red"], "has no parameter 'colour'"),
])
def test_bad_input_is_one_line_and_exit_2(argv: list[str], message: str,
                                          capsys: pytest.CaptureFixture[str]) -> None:
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert err.startswith("tcpedu simulate: error: ") and message in err
    assert err.count("\n") == 1 and "Traceback" not in err


def test_unwritable_pcap_path_is_a_clear_error(tmp_path: Path) -> None:
    target = tmp_path / "no" / "such" / "dir" / "x.pcap"
    proc = subprocess.run([sys.executable, "-m", "tcpedu.cli", "simulate", "handshake",
                           "--pcap", str(target)], capture_output=True, text=True, timeout=120)
    assert proc.returncode == 2, proc.stderr
    assert "Traceback" not in proc.stderr and str(target) in proc.stderr


def test_console_entry_point_runs_a_scenario() -> None:
    proc = subprocess.run([sys.executable, "-m", "tcpedu.cli", "simulate", "syn_loss", "lose=1"],
                          capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr
    assert "[retransmission, lost]" not in proc.stdout and "✗" in proc.stdout
