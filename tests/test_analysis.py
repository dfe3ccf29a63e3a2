"""Capture analysis: streams, relative numbers, tags, inferred states, Traces and JSON Lines.

These tests state the expected answers themselves (no tshark needed); the agreement with tshark
is tested in test_tshark_agreement.py.
"""

from __future__ import annotations

import io
import json
import sys
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tcpedu.capture.pcapio import write_pcap
from tcpedu.errors import ParameterError
from tcpedu.model.segment import Flags, Segment
from tcpedu.model.states import State, is_edge
from tcpedu.reading.analysis import (
    FAST_RETRANSMISSION,
    analyze,
    analyze_all,
    analyze_capture,
    json_lines,
    segment_records,
    summarize,
    tag_names,
)
from tcpedu.reading.jsonl import trace_records
from tcpedu.trace import SegmentSent, StateChanged, Trace

sys.path.insert(0, str(Path(__file__).resolve().parent))
import captures  # noqa: E402

KEYS = ["frame", "stream", "src", "dst", "flags", "seq", "ack", "len", "analysis", "state",
        "known", "marks"]


def records(packets) -> list[dict]:
    return list(segment_records(packets))


def states(packets) -> list[tuple[str, str]]:
    return [(r["state"]["client"], r["state"]["server"]) for r in records(packets)]


# -- JSON Lines schema ---------------------------------------------------------------------------

def test_json_lines_have_exactly_the_schema_keys_in_order(tmp_path):
    path = tmp_path / "t.pcap"
    write_pcap(path, captures.clean_transfer())
    out = io.StringIO()
    json_lines(path, out)
    lines = out.getvalue().splitlines()
    first = json.loads(lines[0])
    assert list(first) == KEYS and list(first["state"]) == ["client", "server"]
    assert first == {"frame": 1, "stream": 0, "src": "10.0.0.1:40001", "dst": "10.0.0.2:80",
                     "flags": "S", "seq": 0, "ack": 0, "len": 0, "analysis": [],
                     "state": {"client": "SYN-SENT", "server": "LISTEN"},
                     "known": [], "marks": []}
    second = json.loads(lines[1])
    assert (second["flags"], second["seq"], second["ack"]) == ("SA", 0, 1)
    assert second["state"] == {"client": "SYN-SENT", "server": "SYN-RECEIVED"}


def test_fast_json_path_and_segment_records_share_one_set_of_rules(tmp_path):
    for name, make in captures.SITUATIONS.items():
        packets = make()
        path = tmp_path / f"{name}.pcap"
        write_pcap(path, packets)
        out = io.StringIO()
        json_lines(path, out)
        fast = [json.loads(line) for line in out.getvalue().splitlines()]
        assert fast == records(packets), name


def test_json_lines_for_one_stream_only(tmp_path):
    path = tmp_path / "i.pcap"
    write_pcap(path, captures.interleaved())
    out = io.StringIO()
    json_lines(path, out, stream=1)
    rows = [json.loads(line) for line in out.getvalue().splitlines()]
    assert rows and {r["stream"] for r in rows} == {1}
    assert {r["src"] for r in rows} == {"10.0.0.1:41001", "10.0.0.2:80"}


def test_ipv6_addresses_are_bracketed():
    first = records(captures.ipv6())[0]
    assert (first["src"], first["dst"]) == ("[2001:db8::1]:40100", "[2001:db8::2]:443")


def test_trace_records_use_the_same_schema_for_simulated_traces():
    packets = captures.clean_transfer()
    trace = _trace_of(packets)
    assert list(trace_records(trace)) == records(packets)


def _trace_of(packets) -> Trace:
    from tcpedu.trace import Host

    hosts = {"client": Host("client", "10.0.0.1", 40001), "server": Host("server", "10.0.0.2", 80)}
    trace = Trace(hosts)
    for i, (time, src, _dst, seg) in enumerate(packets):
        who = "client" if src == "10.0.0.1" else "server"
        trace.add(SegmentSent(time, i, who, "server" if who == "client" else "client", seg))
    return trace


# -- relative numbers ----------------------------------------------------------------------------

@settings(max_examples=30, deadline=None)
@given(client_isn=st.integers(0, 2**32 - 1), server_isn=st.integers(0, 2**32 - 1))
def test_relative_numbers_do_not_depend_on_the_isns(client_isn, server_isn):
    """Whatever the ISNs (wraparound included), the relative numbers are those of ISN 0."""
    def run(c: int, s: int) -> list[tuple]:
        t = captures.Talk(client_isn=c, server_isn=s)
        t.handshake()
        for _ in range(3):
            t.data("client", 700)
            t.data("server", 1000)
        t.close()
        return [(r["seq"], r["ack"], r["len"], r["analysis"]) for r in records(t.packets)]

    ours, reference = run(client_isn, server_isn), run(7, 7)
    assert [r[:3] for r in ours] == [r[:3] for r in reference]
    # Tags too, except where an ISN makes a next sequence number or ACK exactly 0: Wireshark
    # reads 0 as "not seen yet" (see the isn_wraps_to_zero situation, checked against tshark).
    if all((isn + d) & 0xFFFFFFFF for isn in (client_isn, server_isn) for d in (0, 1)):
        assert ours == reference


def test_mid_stream_capture_counts_from_one_before_the_first_number():
    rows = records(captures.mid_stream())
    assert (rows[0]["seq"], rows[0]["ack"]) == (1, 1)        # server data, first segment seen
    assert (rows[2]["seq"], rows[2]["ack"]) == (1, 2001)     # client's ACK of both
    assert rows[0]["state"] == {"client": "ESTABLISHED", "server": "ESTABLISHED"}
    assert rows[0]["src"] == "10.0.0.2:80" and rows[0]["stream"] == 0


def test_ack_is_zero_without_the_ack_flag():
    t = captures.Talk()
    t.send("client", "S", ack=123456)
    assert records(t.packets)[0]["ack"] == 0


# -- streams ---------------------------------------------------------------------------------------

def test_streams_are_numbered_in_order_of_first_segment():
    rows = records(captures.interleaved())
    first_seen: dict[int, int] = {}
    for r in rows:
        first_seen.setdefault(r["stream"], r["frame"])
    assert list(first_seen) == [0, 1, 2]
    assert sorted(first_seen.values()) == list(first_seen.values())


def test_new_syn_on_the_same_ports_starts_a_new_stream():
    rows = records(captures.port_reuse())
    syns = [r for r in rows if r["flags"] == "S"]
    assert [r["stream"] for r in syns] == [0, 1]
    assert syns[1]["analysis"] == ["reused-ports"]
    assert syns[1]["state"] == {"client": "SYN-SENT", "server": "LISTEN"}
    assert rows[-1]["stream"] == 1


def test_retransmitted_syn_stays_in_its_stream():
    rows = records(captures.retransmitted_syn())
    assert {r["stream"] for r in rows} == {0}
    assert rows[1]["analysis"] == ["retransmission"]


# -- tags ------------------------------------------------------------------------------------------

def tags_by_frame(packets) -> dict[int, list[str]]:
    return {r["frame"]: r["analysis"] for r in records(packets) if r["analysis"]}


def test_rto_retransmission():
    # The server's ACK that repeats its last one is a duplicate ACK, as Wireshark says.
    assert tags_by_frame(captures.loss_with_rto()) == {6: ["dup-ack"], 7: ["retransmission"]}


def test_fast_retransmission_carries_retransmission_and_follows_dup_acks():
    tags = tags_by_frame(captures.fast_retransmit())
    assert tags[4] == ["lost-segment"]
    assert [tags.get(f) for f in (7, 9, 11)] == [["dup-ack"]] * 3
    assert tags[12] == ["fast-retransmission", "retransmission"]
    assert tag_names(FAST_RETRANSMISSION) == ("fast-retransmission", "retransmission")


def test_reordered_segment_is_out_of_order():
    tags = tags_by_frame(captures.reordering())
    assert tags == {4: ["lost-segment"], 5: ["out-of-order"]}


def test_out_of_order_window_is_the_handshake_rtt():
    assert tags_by_frame(captures.reordering_on_a_long_path()) == {
        4: ["lost-segment"], 5: ["out-of-order"], 6: ["lost-segment"], 7: ["retransmission"]}


def test_zero_window_probe_and_update():
    tags = tags_by_frame(captures.zero_window())
    assert list(tags.values()) == [["window-full"], ["zero-window"], ["zero-window-probe"],
                                   ["zero-window", "zero-window-probe-ack"],
                                   ["zero-window-probe"],
                                   ["zero-window", "zero-window-probe-ack"], ["window-update"]]


def test_keep_alive_and_its_ack():
    assert list(tags_by_frame(captures.keep_alive()).values()) == [
        ["keep-alive"], ["keep-alive-ack"], ["keep-alive"], ["keep-alive-ack"]]


def test_gap_and_acked_unseen_segment():
    # 5: data after a missed one; 6: the server ACKs the missed data; 7: the client ACKs server
    # data the capture missed; 9: the server's next segment starts beyond what was seen; 11: the
    # client ACKs that unseen stretch again (the server's FIN in between moved the edge).
    assert tags_by_frame(captures.gap_and_unseen_ack()) == {
        5: ["lost-segment"], 6: ["ack-lost-segment"], 7: ["ack-lost-segment"],
        9: ["lost-segment"], 11: ["ack-lost-segment"]}


def test_clean_transfer_has_no_tags():
    assert tags_by_frame(captures.clean_transfer()) == {}


# -- states ----------------------------------------------------------------------------------------

def test_handshake_data_and_close_states_while_each_segment_is_in_flight():
    assert states(captures.clean_transfer()) == [
        ("SYN-SENT", "LISTEN"), ("SYN-SENT", "SYN-RECEIVED"), ("ESTABLISHED", "SYN-RECEIVED"),
        ("ESTABLISHED", "ESTABLISHED"), ("ESTABLISHED", "ESTABLISHED"),
        ("ESTABLISHED", "ESTABLISHED"), ("ESTABLISHED", "ESTABLISHED"),
        ("ESTABLISHED", "ESTABLISHED"), ("ESTABLISHED", "ESTABLISHED"),
        ("FIN-WAIT-1", "ESTABLISHED"), ("FIN-WAIT-1", "CLOSE-WAIT"),
        ("FIN-WAIT-2", "LAST-ACK"), ("TIME-WAIT", "LAST-ACK")]


def test_simultaneous_close_goes_through_closing():
    # The server's FIN does not acknowledge the client's: the two FINs crossed.
    assert states(captures.simultaneous_close())[-4:] == [
        ("FIN-WAIT-1", "ESTABLISHED"), ("FIN-WAIT-1", "CLOSING"),
        ("CLOSING", "CLOSING"), ("CLOSING", "TIME-WAIT")]
    assert _final_states(captures.simultaneous_close()) == (State.TIME_WAIT, State.TIME_WAIT)


def test_reset_closes_both_sides():
    assert states(captures.reset())[-1] == ("ESTABLISHED", "CLOSED")
    summary_final = _final_states(captures.reset())
    assert summary_final == (State.CLOSED, State.CLOSED)


def test_refused_connection():
    assert states(captures.refused()) == [("SYN-SENT", "LISTEN"), ("SYN-SENT", "CLOSED")]


def _final_states(packets) -> tuple[State, State]:
    buf = io.BytesIO()
    write_pcap(buf, packets)
    buf.seek(0)
    s = summarize(buf).streams[0]
    return s.final


def test_final_states_deliver_the_last_segment():
    assert _final_states(captures.clean_transfer()) == (State.TIME_WAIT, State.CLOSED)


# -- Traces ----------------------------------------------------------------------------------------

@pytest.fixture()
def transfer_pcap(tmp_path) -> Path:
    path = tmp_path / "transfer.pcap"
    write_pcap(path, captures.clean_transfer())
    return path


def test_analyze_gives_a_trace_every_view_can_read(transfer_pcap):
    trace = analyze(transfer_pcap)
    assert set(trace.hosts) == {"client", "server"}
    assert trace.hosts["server"].port == 80 and trace.hosts["client"].ip == "10.0.0.1"
    sent = trace.segments()
    assert [s.frame for s in sent] == list(range(1, 14))
    assert [s.segment.flags.letters for s in sent[:3]] == ["S", "SA", "A"]
    assert (sent[1].segment.seq, sent[1].segment.ack) == (0, 1)           # relative
    assert trace.meta["base_seq"] == {"client": 1000, "server": 5000}
    assert sent[3].segment.payload == bytes(200)
    times = [r.time for r in trace.records]
    assert times == sorted(times) and times[0] == 0.0        # seconds since the first segment
    assert sent[-1].time == pytest.approx(0.012)
    assert trace.final_state("client") == State.TIME_WAIT
    assert trace.final_state("server") == State.CLOSED


def test_trace_state_changes_follow_transition_table_edges(transfer_pcap):
    trace = analyze(transfer_pcap)
    changes = trace.of_type(StateChanged)
    assert trace.states("client") == [State.CLOSED, State.SYN_SENT, State.ESTABLISHED,
                                      State.FIN_WAIT_1, State.FIN_WAIT_2, State.TIME_WAIT]
    assert trace.states("server") == [State.CLOSED, State.LISTEN, State.SYN_RECEIVED,
                                      State.ESTABLISHED, State.CLOSE_WAIT, State.LAST_ACK,
                                      State.CLOSED]
    assert all(is_edge(c.old, c.new) and c.rfc.startswith("§") for c in changes)
    assert [(c.node, c.trigger) for c in changes[:2]] == [("server", "passive OPEN"),
                                                          ("client", "active OPEN")]


def test_mid_stream_trace_says_where_the_states_come_from(tmp_path):
    path = tmp_path / "m.pcap"
    write_pcap(path, captures.mid_stream())
    first = analyze(path).state_changes()[:2]
    assert [(c.node, c.new, c.trigger) for c in first] == [
        ("client", State.ESTABLISHED, "capture starts"),
        ("server", State.ESTABLISHED, "capture starts")]


def test_trace_segments_carry_tags(tmp_path):
    path = tmp_path / "f.pcap"
    write_pcap(path, captures.fast_retransmit())
    trace = analyze(path)
    tagged = {s.frame: s.tags for s in trace.segments() if s.tags}
    assert tagged[12] == ("fast-retransmission", "retransmission")
    assert trace.meta["tags"]["dup-ack"] == 4


def test_analyze_all_and_a_chosen_stream(tmp_path):
    path = tmp_path / "i.pcap"
    write_pcap(path, captures.interleaved())
    traces = analyze_all(path)
    assert [t.meta["stream"] for t in traces] == [0, 1, 2]
    assert analyze_capture(path)[2].hosts["client"].port == 41002
    assert analyze(path, 1).hosts["client"].port == 41001
    with pytest.raises(ParameterError, match="no TCP stream 3"):
        analyze(path, 3)
    with pytest.raises(ParameterError, match="stream="):
        analyze(path, -1)


def test_max_segments_keeps_the_start_of_a_long_stream(tmp_path):
    path = tmp_path / "f.pcap"
    write_pcap(path, captures.fast_retransmit())
    trace = analyze(path, max_segments=5)
    assert [s.frame for s in trace.segments()] == [1, 2, 3, 4, 5]
    assert trace.meta["truncated"] is True
    assert analyze(path).meta["truncated"] is False
    with pytest.raises(ParameterError, match="max_segments=0"):
        analyze(path, max_segments=0)


def test_snaplen_cut_payload_is_padded_and_said(tmp_path):
    from tcpedu.reading.analysis import _segment_of

    seg = Segment(1, 2, 10, 0, Flags.ACK, payload=b"abc")
    tcp = seg.to_bytes("10.0.0.1", "10.0.0.2")[:21]
    got, note = _segment_of(tcp, 10, 0, 3)
    assert got.payload == b"a\0\0" and "2 payload bytes not captured" in note


def test_summary_counts_packets_bytes_and_tags(tmp_path):
    path = tmp_path / "f.pcap"
    write_pcap(path, captures.fast_retransmit())
    summary = summarize(path)
    s = summary.streams[0]
    assert (summary.frames, summary.tcp, summary.skipped) == (17, 17, 0)
    assert s.client == "10.0.0.1:40001" and s.server == "10.0.0.2:80"
    assert s.packets == (9, 8) and s.payload == (5000, 0)
    assert s.tags == {"dup-ack": 4, "fast-retransmission": 1, "lost-segment": 1,
                      "retransmission": 1}
    assert s.duration == pytest.approx(0.018, abs=1e-6)    # 16 gaps of 1 ms, one of 2 ms


def test_trace_tags_equal_json_tags(tmp_path):
    """The Trace path and the JSON path are the same analysis."""
    for name, make in captures.SITUATIONS.items():
        path = tmp_path / f"{name}.pcap"
        write_pcap(path, make())
        out = io.StringIO()
        json_lines(path, out)
        by_frame = {r["frame"]: r for r in map(json.loads, out.getvalue().splitlines())}
        for trace in analyze_all(path):
            for sent in trace.segments():
                row = by_frame[sent.frame]
                assert list(sent.tags) == row["analysis"], (name, sent.frame)
                assert (sent.segment.seq, sent.segment.ack) == (row["seq"], row["ack"])
                assert row["stream"] == trace.meta["stream"]


def _scenario_names() -> list[str]:
    try:
        from tcpedu.sim.scenarios import SCENARIOS
    except ImportError:          # the simulator is another engineer's module
        return []
    return sorted(SCENARIOS)


@pytest.mark.parametrize("name", _scenario_names())
def test_simulated_trace_and_its_pcap_give_the_same_json(name, tmp_path):
    """``tcpedu simulate --json`` (trace_records) and ``tcpedu analyze --json`` of the trace's
    pcap print the same lines, but for what only the simulation knows (``known``, and the marks
    it adds)."""
    from tcpedu.capture.export import trace_to_pcap
    from tcpedu.sim.scenarios import run

    trace = run(name)
    path = tmp_path / f"{name}.pcap"
    trace_to_pcap(trace, path)
    out = io.StringIO()
    json_lines(path, out)
    from_capture = [json.loads(line) for line in out.getvalue().splitlines()]
    simulated = list(trace_records(trace))

    def inferred(row):
        return {k: v for k, v in row.items() if k not in ("known", "marks")}

    assert from_capture and [inferred(r) for r in from_capture] == [inferred(r) for r in simulated]
    assert all(r["known"] == [] for r in from_capture)
    assert all(set(c["marks"]) <= set(s["marks"]) for c, s in zip(from_capture, simulated,
                                                                  strict=True))
