"""The shipped reordering and TIME-WAIT captures, read by tcpedu as tshark (the reference) reads them.

reorder.pcap: real Linux TCP whose wire let the server's 4th data segment overtake its 3rd
(scripts/make_reorder_capture.py), captured at the client. Wireshark marks the overtaken segment
"TCP Out-Of-Order" — it arrives within one handshake RTT after a higher one — and it was never
sent twice, so it is not a retransmission. time-wait.pcap: the client's last ACK is lost; the
server resends its FIN from LAST-ACK; the client answers from TIME-WAIT.
"""

from __future__ import annotations

import io
import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tcpedu import live
from tcpedu.model.states import State
from tcpedu.reading.analysis import analyze, json_lines

sys.path.insert(0, str(Path(__file__).resolve().parent))
from test_tshark_agreement import assert_agrees  # noqa: E402


def tshark_frames(path: Path, display_filter: str) -> list[int]:
    tshark = shutil.which("tshark")
    if tshark is None:
        pytest.skip("tshark not installed (apt-get install tshark): it is the reference for the marks")
    out = subprocess.run([tshark, "-r", str(path), "-Y", display_filter, "-T", "fields",
                          "-e", "frame.number"], capture_output=True, text=True, check=True).stdout
    return [int(line) for line in out.split()]


def our_frames(path: Path, tag: str) -> list[int]:
    return [sent.frame for sent in analyze(path).segments() if tag in sent.tags]


@pytest.mark.parametrize("name", ["reorder", "time-wait"])
def test_every_segment_and_mark_agrees_with_tshark(name):
    shutil.which("tshark") or pytest.skip("tshark not installed: it is the reference")
    assert assert_agrees(live.shipped_capture(name), min_tag_agreement=1.0) > 10


@pytest.mark.parametrize("tag, field", [
    ("out-of-order", "tcp.analysis.out_of_order"),
    ("retransmission", "tcp.analysis.retransmission"),
    ("lost-segment", "tcp.analysis.lost_segment"),
    ("dup-ack", "tcp.analysis.duplicate_ack"),
])
@pytest.mark.parametrize("name", ["reorder", "time-wait", "loss"])
def test_marks_are_on_the_frames_tshark_marks(name, tag, field):
    path = live.shipped_capture(name)
    assert our_frames(path, tag) == tshark_frames(path, field)


def test_the_overtaken_segment_is_out_of_order_not_a_retransmission():
    path = live.shipped_capture("reorder")
    trace = analyze(path)
    late = [s for s in trace.segments() if "out-of-order" in s.tags]
    assert len(late) == 1 and tshark_frames(path, "tcp.analysis.out_of_order") == [late[0].frame]
    assert tshark_frames(path, "tcp.analysis.retransmission") == []
    segment = late[0].segment
    server_data = [s for s in trace.segments("server") if s.segment.payload]
    assert [s.segment.seq for s in server_data].count(segment.seq) == 1, "sent once, never twice"
    before = server_data[server_data.index(late[0]) - 1]
    assert before.segment.seq > segment.seq, "it arrives after a higher segment"
    first_rtt = trace.segments()[2].time - trace.segments()[0].time
    assert 0 <= late[0].time - before.time < first_rtt, "within one handshake RTT"
    out = io.StringIO()
    json_lines(path, out)
    rows = {row["frame"]: row for row in map(json.loads, out.getvalue().splitlines())}
    assert rows[late[0].frame]["analysis"] == ["out-of-order"]
    assert not any("retransmission" in row["analysis"] for row in rows.values())


def test_loss_capture_out_of_order_is_a_resend():
    """The contrast the course draws: in loss.pcap the out-of-order segment was sent twice."""
    trace = analyze(live.shipped_capture("loss"))
    late = [s for s in trace.segments() if "out-of-order" in s.tags]
    assert late
    for sent in late:
        assert [s.segment.seq for s in trace.segments(sent.src)].count(sent.segment.seq) == 2


def _states(trace, node):
    return [(r.time, r.new) for r in trace.records if getattr(r, "node", None) == node
            and hasattr(r, "new")]


def test_time_wait_capture_keeps_the_server_in_last_ack_until_the_second_ack():
    """RFC 9293 §3.6 (TIME-WAIT): the lost ACK never reached the server, so it stays in LAST-ACK
    until the client's answer to its resent FIN; the client is in TIME-WAIT all along."""
    trace = analyze(live.shipped_capture("time-wait"))
    sent = trace.segments()
    resent_fin = next(s for s in sent if "retransmission" in s.tags)
    assert resent_fin.src == "server"
    server = _states(trace, "server")
    closed_at = next(t for t, state in server if state is State.CLOSED)
    assert closed_at >= sent[-1].time > resent_fin.time
    assert [state for _, state in server][-2:] == [State.LAST_ACK, State.CLOSED]
    client = _states(trace, "client")
    assert client[-1][1] is State.TIME_WAIT and client[-1][0] < resent_fin.time


def test_what_notebook_05_says_about_reorder_pcap_holds():
    """05 §6 names frames and numbers: frames 6-9 carry seq 1, 1449, 4345, 2897; the client ACKs
    1449, 2897, then 2897 again with SACK 4345-5793, then 5793; every data segment has one TSval."""
    trace = analyze(live.shipped_capture("reorder"))
    frames = {s.frame: s for s in trace.segments()}
    assert [frames[n].segment.seq for n in (6, 7, 8, 9)] == [1, 1449, 4345, 2897]
    assert frames[8].tags == ("lost-segment",) and frames[9].tags == ("out-of-order",)
    acks = [(s.segment.ack, list(s.segment.options.sack)) for s in trace.segments("client")
            if s.segment.has("A") and not s.segment.payload][1:5]
    assert acks == [(1449, []), (2897, []), (2897, [(4345, 5793)]), (5793, [])]
    data = [s for s in trace.segments("server") if s.segment.payload]
    assert len({s.segment.options.timestamps[0] for s in data}) == 1


def test_what_notebooks_06_and_09_say_about_the_captures_holds():
    """06 §3: frames 14-16 are the lost ACK, the resent FIN (Linux's RTO: at least 200 ms later)
    and the answer from TIME-WAIT. 09 §4: loss.pcap's frame 27 carries a TSval 25 ms after the
    first copy in frame 13."""
    trace = analyze(live.shipped_capture("time-wait"))
    frames = {s.frame: s for s in trace.segments()}
    assert max(frames) == 16 and frames[15].tags == ("retransmission",)
    assert frames[14].segment.ack == frames[16].segment.ack == frames[15].segment.seq + 1
    assert frames[15].time - frames[14].time >= 0.2
    lossy = {s.frame: s for s in analyze(live.shipped_capture("loss")).segments()}
    assert lossy[13].segment.seq == lossy[27].segment.seq == 10137
    assert lossy[27].segment.options.timestamps[0] - lossy[13].segment.options.timestamps[0] == 25


# -- making the captures (root) --------------------------------------------------------------------
SCRIPT = Path(__file__).resolve().parent.parent / "scripts" / "make_reorder_capture.py"


def _need_root() -> None:
    import os

    if os.geteuid() != 0:
        pytest.skip("making captures with the wire relay needs root (network namespaces, TUN)")


def test_the_script_refuses_without_root_in_one_line():
    import os

    cmd = [sys.executable, str(SCRIPT), "--out", "/nonexistent"]
    if os.geteuid() == 0:
        setpriv = shutil.which("setpriv")
        if setpriv is None:
            pytest.skip("setpriv (util-linux) not installed: needed to run the script unprivileged")
        cmd = [setpriv, "--reuid=65534", "--regid=65534", "--clear-groups", "/usr/bin/python3",
               *cmd[1:]]
    done = subprocess.run(cmd, capture_output=True, text=True, timeout=60, cwd="/")
    assert done.returncode == 1
    assert done.stderr.strip().splitlines() == [
        "make_reorder_capture.py needs root (network namespaces and TUN devices): run it with sudo"]


def test_the_script_makes_captures_that_show_what_the_course_says(tmp_path):
    _need_root()
    from test_shipped_captures import check_reorder, check_time_wait, tshark_rows

    done = subprocess.run([sys.executable, str(SCRIPT), "--out", str(tmp_path)],
                          capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    check_reorder(tshark_rows(tmp_path / "reorder.pcap"))
    check_time_wait(tshark_rows(tmp_path / "time-wait.pcap"))
    for name in ("reorder", "time-wait"):
        assert assert_agrees(tmp_path / f"{name}.pcap", min_tag_agreement=1.0) > 10


def test_tcpedu_live_holds_a_segment_back_and_captures_at_the_client(tmp_path, capsys):
    _need_root()
    from tcpedu.cli import main

    path = tmp_path / "held.pcap"
    assert main(["live", "transfer", "--via", "wire", "--size", "20000", "--hold", "5",
                 "--at", "client", "--pcap", str(path)]) == 0
    assert "wrote" in capsys.readouterr().out
    late = our_frames(path, "out-of-order")
    assert len(late) == 1 and late == tshark_frames(path, "tcp.analysis.out_of_order")
    assert our_frames(path, "retransmission") == tshark_frames(path, "tcp.analysis.retransmission")


def test_the_narration_of_reorder_pcap_says_what_happened():
    """The player's sentences: the overtaken segment fills a hole (never "a retransmission"), the
    repeated ACK names its SACK block, and each ACK captured after the burst answers its own
    arrival (not "what arrived last")."""
    from tcpedu.views.narrate import Narrator

    trace = live.load_shipped("reorder")
    narrator = Narrator(trace)
    by_frame = {}
    for i in range(len(narrator)):
        primary = narrator.tl.steps[i].primary
        if getattr(primary, "frame", None) is not None:
            by_frame[primary.frame] = narrator(i)
    assert "out-of-order" in by_frame[9] and "fill a hole" in by_frame[9]
    assert not any("retransmission" in text for text in by_frame.values())
    assert "ACK = 1449 = 1 + 1448" in by_frame[12]
    assert "repeated with SACK (4345–5792)" in by_frame[14]
    assert "the segment from 2897 filled the hole" in by_frame[15]
    assert not any("what arrived last" in text for text in by_frame.values())
