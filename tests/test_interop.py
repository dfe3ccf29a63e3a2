"""The tcpedu endpoint against the real Linux TCP stack (root: namespaces and TUN), checked by
the scenarios' own checks and by tshark reading the conversation the run wrote."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import threading
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tcpedu import interop
from tcpedu.capture.netns import NamespaceError
from tcpedu.cli import main
from tcpedu.commands.interop import ladder
from tcpedu.errors import ParameterError, PermissionNeeded

REPO = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="module")
def outcome(tmp_path_factory):
    """Every scenario, run once: (results, pcap path)."""
    pcap = tmp_path_factory.mktemp("interop") / "interop.pcap"
    threads = threading.active_count()
    try:
        results = interop.run(pcap=pcap)
    except PermissionNeeded as exc:
        pytest.skip(f"interop needs root (network namespace + TUN): {exc}")
    except NamespaceError as exc:
        if "/dev/net/tun is missing" not in str(exc):
            raise
        pytest.skip(f"this system has no TUN driver: {exc}")
    assert threading.active_count() == threads  # every Linux-side thread finished
    return results, pcap


@pytest.mark.parametrize("name", list(interop.SCENARIOS))
def test_scenario_passes_against_linux(outcome, name):
    result = next(r for r in outcome[0] if r.name == name)
    failed = [(text, detail) for text, ok, detail in result.checks if not ok]
    assert result.passed, (result.error, failed, "\n".join(ladder(result)))
    assert result.ignored == []  # the model never discarded a segment Linux sent


def test_the_pcap_holds_one_stream_per_scenario_and_tshark_agrees(outcome):
    results, pcap = outcome
    if not shutil.which("tshark"):
        pytest.skip("tshark not installed: it is the reference reader of the pcap")
    out = subprocess.run(["tshark", "-r", str(pcap), "-T", "fields", "-e", "tcp.stream",
                          "-e", "tcp.srcport", "-e", "tcp.dstport", "-e", "tcp.len",
                          "-e", "tcp.checksum.status", "-e", "tcp.seq", "-e", "ip.src",
                          "-e", "tcp.checksum", "-e", "tcp.checksum_calculated",
                          "-o", "tcp.check_checksum:TRUE"],
                         capture_output=True, text=True, check=True).stdout.splitlines()
    assert len(out) == sum(len(r.segments) for r in results)
    rows = [line.split("\t") for line in out]
    assert {row[0] for row in rows} == {str(i) for i in range(len(results))}
    # Every checksum is good (1), tcpedu's and Linux's. Linux finishes its checksums in software
    # for the TUN and writes a zero one as 0xFFFF (one segment in 65,536), which is as valid but
    # which tshark calls bad: accepted here (tests/test_tun_checksum.py shows it happen).
    ours = [row for row in rows if row[6] == interop.TCPEDU_IP]
    assert ours and len(ours) < len(rows)
    bad = [row for row in rows if row[4] != "1" and not (
        row[6] == interop.LINUX_IP and row[7:9] == ["0xffff", "0x0000"])]
    assert not bad, bad[:5]
    data = [r for r in results if r.name == "data"][0]
    stream = str(results.index(data))
    # count each byte once: a spurious retransmission (Linux's tail loss probe) may repeat some
    unique = {(r[1], r[5], int(r[3])) for r in rows if r[0] == stream}  # (port, seq, len)
    moved = sum(length for _, _, length in unique)
    assert moved == 200_000 + 300_000


def test_lossy_scenario_shows_both_sides_recovering(outcome):
    result = next(r for r in outcome[0] if r.name == "data-loss")
    lines = ladder(result)
    assert any(line.startswith("tcpedu → linux") and "retransmission" in line for line in lines)
    assert any(line.startswith("linux  → tcpedu") and "retransmission" in line for line in lines)
    assert any(line.startswith("tcpedu → linux") and "dup-ack" in line for line in lines)


def test_interop_trace_analyses_like_a_capture_of_it(outcome):
    """Each scenario's Trace reads (JSON Lines: numbers, flags, tags, inferred states) exactly as
    the same stream of the pcap the run wrote, analysed as a capture."""
    import json

    from tcpedu import analyze, trace_to_jsonl

    results, pcap = outcome
    for stream, result in enumerate(r for r in results if r.segments):
        trace = result.trace()
        ours = [json.loads(x) for x in trace_to_jsonl(trace).splitlines()]
        captured = [json.loads(x) for x in trace_to_jsonl(analyze(pcap, stream)).splitlines()]
        for row in ours + captured:
            row.pop("frame"), row.pop("stream")
        assert ours == captured, result.name
        assert [s.frame for s in trace.segments()] == list(range(1, len(ours) + 1))


def test_interop_trace_plays_in_the_player(outcome):
    """The conversation with Linux steps in the player like a simulation: the model's side has
    its own states, Linux's are inferred from the segments by the reading layer."""
    from tcpedu import Timeline, TracePlayer, plot_ladder
    from tcpedu.reading.timeline import INFERRED
    from tcpedu.views.narrate import Narrator

    result = next(r for r in outcome[0] if r.name == "tcpedu-closes-first")
    trace = result.trace()
    assert trace.meta["sides"] == {"client": "tcpedu", "server": "linux"}
    timeline = Timeline(trace)
    assert timeline.is_capture and len(timeline) >= len(trace.segments())
    linux = [c for c in timeline.trace.state_changes("server")]
    assert linux and all(c.trigger == INFERRED for c in linux)
    assert [str(c.new) for c in trace.state_changes("client")][-3:] == [
        "FIN-WAIT-1", "FIN-WAIT-2", "TIME-WAIT"]
    assert "CLOSE-WAIT" in [str(c.new) for c in linux]
    assert all(Narrator(timeline)(i) for i in range(len(timeline)))
    plot_ladder(timeline)
    player = TracePlayer(trace)
    assert player is not None


def test_nothing_is_left_behind(outcome):
    """The namespace was anonymous: no name in ip netns, no TUN device, no socket on port 80."""
    with open("/proc/net/dev") as dev:
        assert interop.TUN_NAME not in dev.read()
    if shutil.which("ip"):
        listed = subprocess.run(["ip", "netns", "list"], capture_output=True, text=True).stdout
        assert "tcpedu" not in listed
    with open("/proc/net/tcp") as tcp:
        assert ":0050 " not in tcp.read().split("\n", 1)[1].replace(":0050 00000000:0000", "")


def test_cli_prints_pass_fail_and_ladder_and_writes_pcap(tmp_path, capsys, outcome):
    pcap = tmp_path / "two.pcap"
    assert main(["interop", "handshake", "refused", "--pcap", str(pcap)]) == 0
    out = capsys.readouterr().out
    assert "PASS  handshake" in out and "PASS  refused" in out
    assert "tcpedu → linux    S seq=0 ack=0 len=0" in out
    assert "linux  → tcpedu  SA seq=0 ack=1 len=0" in out
    assert "2 passed, 0 failed" in out and pcap.stat().st_size > 24


def test_unknown_scenario_is_a_one_line_error(capsys, outcome):
    assert main(["interop", "teleport"]) == 2
    assert "unknown scenario 'teleport'" in capsys.readouterr().err
    with pytest.raises(ParameterError):
        interop.run(["teleport"])


def test_without_root_it_says_so_in_one_line_and_exits_2(tmp_path):
    if os.geteuid() != 0 or not shutil.which("setpriv"):
        pytest.skip("needs root and setpriv to run the command as another user")
    done = subprocess.run(["setpriv", "--reuid=65534", "--regid=65534", "--clear-groups",
                           sys.executable, "-m", "tcpedu.cli", "interop"], capture_output=True,
                          text=True, timeout=60, cwd=tmp_path, env={**os.environ, "PYTHONPATH": str(REPO)})
    assert done.returncode == 2
    assert done.stderr.count("\n") == 1 and "needs root" in done.stderr, done.stderr


def _breaking_scenario(exc: BaseException):
    def scenario(ctx, result):
        drv, _accepted = interop._open_from_tcpedu(ctx, result)
        ctx.accept()  # a Linux thread left blocked in accept()
        raise exc
    return scenario


@pytest.mark.parametrize("exc", [RuntimeError("model blew up"), KeyboardInterrupt()])
def test_a_failing_run_still_cleans_up_everything(monkeypatch, tmp_path, exc, outcome):
    fds, threads = set(os.listdir("/proc/self/fd")), threading.active_count()
    monkeypatch.setitem(interop.SCENARIOS, "breaks", ("raises mid-way", _breaking_scenario(exc)))
    pcap = tmp_path / "broken.pcap"
    if isinstance(exc, KeyboardInterrupt):
        with pytest.raises(KeyboardInterrupt):
            interop.run(["breaks"], pcap=pcap)
    else:
        [result] = interop.run(["breaks"], pcap=pcap)
        assert not result.passed and result.error == "RuntimeError: model blew up"
    assert pcap.stat().st_size > 24  # the segments exchanged before the failure are kept
    assert set(os.listdir("/proc/self/fd")) == fds
    assert threading.active_count() == threads
    with open("/proc/net/dev") as dev:
        assert interop.TUN_NAME not in dev.read()


@settings(max_examples=6, deadline=None, derandomize=True,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(lose_tcpedu=st.sets(st.integers(1, 140), max_size=6),
       lose_linux=st.sets(st.integers(1, 210), max_size=6))
def test_any_data_loss_both_ways_is_recovered_against_linux(monkeypatch, outcome, lose_tcpedu,
                                                            lose_linux):
    """Whatever data segments the TUN loses, each side gets every byte and nothing is ignored."""
    monkeypatch.setitem(interop.SCENARIOS, "fuzz",
                        ("lossy data", interop.lossy_data(lose_tcpedu, lose_linux)))
    [result] = interop.run(["fuzz"])
    assert result.passed, (result.error, [c for c in result.checks if not c[1]])
    assert result.ignored == []
