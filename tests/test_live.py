"""Live capture of real Linux TCP conversations, checked against tshark as the reference."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest

from tcpedu import live
from tcpedu.capture.pcapio import read_tcp
from tcpedu.errors import CaptureError, ParameterError, PermissionNeeded

REPO = Path(__file__).resolve().parent.parent
FIELDS = ("frame.number", "ip.src", "tcp.srcport", "tcp.flags.str", "tcp.seq", "tcp.ack", "tcp.len",
          "tcp.analysis.flags", "tcp.analysis.retransmission", "tcp.analysis.duplicate_ack", "tcp.analysis.out_of_order")


def tshark_rows(path: Path) -> list[dict[str, str]]:
    """tshark's view of a capture: one dict per TCP frame (the reference the tests trust)."""
    if not shutil.which("tshark"):
        pytest.skip("tshark not installed: it is the reference for these captures")
    cmd = ["tshark", "-r", str(path), "-Y", "tcp", "-T", "fields", "-E", "separator=|"]
    for f in FIELDS:
        cmd += ["-e", f]
    out = subprocess.run(cmd, capture_output=True, text=True, check=True).stdout
    return [dict(zip(FIELDS, line.split("|"), strict=True)) for line in out.splitlines()]


def flags(row: dict[str, str]) -> str:
    """tshark's flag string (·······A·R··) as the set of letters that are set."""
    return "".join(ch for ch in row["tcp.flags.str"] if ch.isalpha())


@pytest.fixture(scope="module")
def captures(tmp_path_factory) -> dict[str, Path]:
    """Every staged conversation captured once per test session (a second or two each)."""
    folder = tmp_path_factory.mktemp("live")
    made = {}
    try:
        for name in live.CONVERSATIONS:
            made[name] = folder / f"{name}.pcap"
            live.capture_file(made[name], name, size=20000)
        made["wire-loss"] = folder / "wire-loss.pcap"
        live.capture_file(made["wire-loss"], "transfer", via="wire", size=40000, drop=[4, 9])
    except PermissionNeeded as exc:
        pytest.skip(f"live capture needs privilege here: {exc}")
    except CaptureError as exc:
        if "/dev/net/tun is missing" not in str(exc):
            raise
        pytest.skip(f"this system has no TUN driver (needed for the wire): {exc}")
    return made


def test_loopback_transfer_is_seen_once_per_packet_and_clean(captures):
    rows = tshark_rows(captures["transfer"])
    assert [flags(r) for r in rows[:3]] == ["S", "AS", "A"]
    # loopback shows every packet twice; a duplicate would be a retransmission or dup ACK to tshark
    assert all(not r["tcp.analysis.flags"] for r in rows), [r for r in rows if r["tcp.analysis.flags"]]
    keys = [(r["ip.src"], r["tcp.seq"], r["tcp.ack"], r["tcp.flags.str"], r["tcp.len"]) for r in rows]
    assert len(keys) == len(set(keys))
    server_bytes = sum(int(r["tcp.len"]) for r in rows if r["tcp.srcport"] == "80")
    assert server_bytes == len(live._response(20000))
    fins = [r for r in rows if "F" in flags(r)]
    assert fins[0]["tcp.srcport"] != "80"  # the client closes first
    assert len(fins) == 2 and flags(rows[-1]) == "A"  # ...and the last ACK ends it
    assert len(list(read_tcp(captures["transfer"]))) == len(rows)  # our reader sees the same frames


def test_half_close_server_sends_after_the_client_fin(captures):
    rows = tshark_rows(captures["half-close"])
    client_fin = next(i for i, r in enumerate(rows) if "F" in flags(r))
    assert rows[client_fin]["tcp.srcport"] != "80"
    later_data = [r for r in rows[client_fin + 1:] if r["tcp.srcport"] == "80" and r["tcp.len"] != "0"]
    assert sum(int(r["tcp.len"]) for r in later_data) == len(live._response(20000))


def test_reset_conversation_ends_with_the_client_rst(captures):
    rows = tshark_rows(captures["reset"])
    resets = [r for r in rows if "R" in flags(r)]
    assert resets and resets[0]["tcp.srcport"] != "80"
    assert not any("F" in flags(r) for r in rows)


def test_wire_loses_exactly_the_chosen_segments_and_linux_recovers(captures):
    rows = tshark_rows(captures["wire-loss"])
    data = [r for r in rows if r["tcp.srcport"] == "80" and r["tcp.len"] != "0"]
    assert max(int(r["tcp.len"]) for r in data) == 1448  # real MTU-sized segments, no GSO
    lost = {data[3]["tcp.seq"], data[8]["tcp.seq"]}
    seqs = [r["tcp.seq"] for r in data]
    assert {seq for seq in seqs if seqs.count(seq) > 1} == lost  # each lost one sent again
    resent = {r["tcp.seq"] for r in data if r["tcp.analysis.retransmission"]
              or r["tcp.analysis.out_of_order"]}
    # tshark tags a resend sent within one RTT of the segment before it "out-of-order"
    # (packet-tcp.c's heuristic), so Linux's SACK burst shows one retransmission, one OOO.
    assert resent == lost
    assert sum(1 for r in rows if r["tcp.srcport"] != "80" and r["tcp.analysis.duplicate_ack"]) >= 3
    assert sum(int(r["tcp.len"]) for r in data) == len(live._response(40000)) + 2 * 1448


def test_capture_returns_a_trace_with_client_and_server(captures, tmp_path):
    trace = live.capture("transfer", via="wire", pcap=tmp_path / "t.pcap", size=3000)
    assert set(trace.hosts) >= {"client", "server"}
    assert trace.hosts["server"].port == live.SERVER_PORT
    sent = trace.segments()
    assert [s.segment.flags.letters for s in sent[:3]] == ["S", "SA", "A"]
    assert sent[0].src == "client"
    assert len(sent) == len(tshark_rows(tmp_path / "t.pcap"))


@pytest.mark.parametrize("kwargs, message", [
    ({"conversation": "chat"}, "unknown conversation"),
    ({"via": "ethernet"}, "via="),
    ({"size": 0}, "size="),
    ({"drop": [0], "via": "wire"}, "1-based"),
    ({"drop": [3]}, "needs via='wire'"),
    ({"delay": -1, "via": "wire"}, "delay="),
    ({"drop": 5, "via": "wire"}, "list of 1-based"),
    ({"drop": ["x", 2], "via": "wire"}, "1-based"),
    ({"timeout": 0}, "timeout="),
    ({"hold": [2]}, "hold= needs via='wire'"),
    ({"hold": [0], "via": "wire"}, "1-based"),
    ({"hold": [3], "drop": [3], "via": "wire"}, "both dropped and held"),
    ({"lose_last_ack": True}, "lose_last_ack= needs via='wire'"),
    ({"lose_last_ack": "yes", "via": "wire"}, "True or False"),
    ({"at": "middle", "via": "wire"}, "at='middle'"),
    ({"at": "client"}, "at= needs via='wire'"),
])
def test_bad_parameters_are_one_line_errors(kwargs, message, tmp_path):
    with pytest.raises(ParameterError, match=message):
        live.capture_file(tmp_path / "x.pcap", **kwargs)


def _tool(name: str) -> str:
    path = shutil.which(name)
    if not path:
        pytest.skip(f"{name} (util-linux) not installed: needed to stage another privilege level")
    return path


def test_unprivileged_user_captures_in_a_user_namespace(tmp_path):
    """The non-root path: the worker makes a user + network namespace (``unshare -rn``)."""
    if os.geteuid() != 0:
        pytest.skip("needs root to become another user for this test")
    setpriv = _tool("setpriv")
    folder = Path(tempfile.mkdtemp(prefix="tcpedu-nobody-", dir="/tmp"))
    os.chmod(folder, 0o777)
    out = folder / "nobody.pcap"
    spec = json.dumps(live._spec("transfer", "loopback", 5000, ()))
    done = subprocess.run([setpriv, "--reuid=65534", "--regid=65534", "--clear-groups",
                           sys.executable, "-m", "tcpedu.capture.live", "--worker", spec, str(out)],
                          capture_output=True, text=True, timeout=120, cwd=REPO,
                          env={**os.environ, "PYTHONPATH": str(REPO)})
    if done.returncode == live._PERMISSION_EXIT:
        pytest.skip(f"this kernel refuses unprivileged user namespaces: {done.stdout.strip()}")
    assert done.returncode == 0, done.stdout + done.stderr
    assert out.stat().st_uid == 65534
    assert [flags(r) for r in tshark_rows(out)][:3] == ["S", "AS", "A"]
    shutil.rmtree(folder)


def test_without_any_privilege_the_error_says_how_and_points_to_shipped_captures(tmp_path):
    """Root without capabilities, in a user namespace that may not make more (a locked container)."""
    if os.geteuid() != 0:
        pytest.skip("needs root to build the locked-down environment for this test")
    unshare, setpriv = _tool("unshare"), _tool("setpriv")
    script = ("echo 0 > /proc/sys/user/max_user_namespaces && exec " + setpriv +
              " --bounding-set=-all --inh-caps=-all " + sys.executable +
              f" -m tcpedu.cli live transfer --pcap {tmp_path}/x.pcap")
    done = subprocess.run([unshare, "-U", "-r", "sh", "-c", script], capture_output=True,
                          text=True, timeout=120, cwd=REPO, env={**os.environ, "PYTHONPATH": str(REPO)})
    assert done.returncode == 2, done.stdout + done.stderr
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1 and "Traceback" not in done.stderr
    assert "PermissionNeeded" not in lines[0] and "run as root" in lines[0]
    assert "load_shipped('transfer')" in lines[0] and "notebooks/data" in lines[0]


def test_on_another_system_the_error_points_to_the_shipped_captures(monkeypatch, tmp_path):
    monkeypatch.setattr(sys, "platform", "darwin")
    with pytest.raises(CaptureError, match=r"needs Linux .*this is darwin.*load_shipped\('reset'\)"):
        live.capture_file(tmp_path / "x.pcap", "reset")
