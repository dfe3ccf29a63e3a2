"""Players and labs in the kernel: stepping, panels, re-simulation, the segment builder, quizzes,
exports. (What the browser shows is tested in tests/browser/.)"""

from __future__ import annotations

import html
import json
import re
import subprocess
import sys

import ipywidgets as W
import pytest
import viewtraces as vt

from tcpedu import scenarios
from tcpedu.errors import ParameterError
from tcpedu.model.segment import Flags
from tcpedu.model.states import FIGURE_5, TRANSITIONS
from tcpedu.teach.quiz import Quiz, ack_quiz
from tcpedu.views.widgets import (
    ScenarioLab,
    SegmentBuilder,
    TracePlayer,
    export_gif,
    export_html,
    lecture,
)
from tcpedu.views.widgets.builder import TARGETS, send_to_endpoint

LISTEN, ESTABLISHED, CLOSED_PORT = list(TARGETS)


@pytest.fixture(scope="module")
def loss_player() -> TracePlayer:
    return TracePlayer(vt.transfer_with_loss())


def payload(player: TracePlayer) -> dict:
    return json.loads(player.widget.data)


# -- TracePlayer ---------------------------------------------------------------------------------

def test_player_sends_every_step_once_with_its_narration(loss_player: TracePlayer) -> None:
    data = payload(loss_player)
    n = len(loss_player.timeline)
    assert len(data["steps"]) == n and data["version"] == 1
    assert [s["text"] for s in data["steps"]] == loss_player.narration
    assert data["steps"][0]["t"] == 0 and all(
        a["t"] <= b["t"] for a, b in zip(data["steps"], data["steps"][1:], strict=False))


def test_payload_carries_the_reading_layers_facts(loss_player: TracePlayer) -> None:
    tl, data = loss_player.timeline, payload(loss_player)
    for sid, sent in tl.sent.items():
        seg = data["segments"][str(sid)]
        assert seg["fate"] == tl.fate[sid] and seg["label"] == tl.label(sent)
        assert seg["marks"] == sorted(tl.marks[sid]) and seg["sent"] == tl.sent_step[sid]
        assert seg["end"] == tl.end_step.get(sid)
    lost = [g for g in data["segments"].values() if g["fate"] == "dropped"]
    assert lost and all(g["style"] == "lost" for g in lost)
    assert any("retransmission" in g["marks"] for g in data["segments"].values())


def test_payload_has_each_segments_explain_table(loss_player: TracePlayer) -> None:
    seg = next(iter(payload(loss_player)["segments"].values()))
    fields = [row[0] for row in seg["explain"]["rows"]]
    assert "Acknowledgment number" in fields and "Checksum" in fields
    assert all(len(row) == 4 for row in seg["explain"]["rows"])  # field, value, bytes, meaning


def test_payload_has_states_variables_and_the_edge_taken(loss_player: TracePlayer) -> None:
    data = payload(loss_player)
    dup = next(i for i, t in enumerate(loss_player.narration) if "duplicate ACK" in t)
    step = data["steps"][dup]
    assert step["states"] == {"client": "ESTABLISHED", "server": "ESTABLISHED"}
    assert data["variables"][0] == "SND.UNA" and set(step["vars"]) == {"client", "server"}
    edges = data["diagram"]["edges"]
    changes = [c for s in data["steps"] for c in s["changes"]]
    syn_sent = next(c for c in changes if c[0] == "client" and c[2] == "SYN-SENT")
    assert edges[syn_sent[3]]["label"] == "active OPEN / snd SYN"
    assert len(edges) == len(TRANSITIONS) and sum(e["figure5"] for e in edges) == len(FIGURE_5)


def test_capture_payload_has_no_variables() -> None:
    p = TracePlayer(vt.as_capture(vt.transfer_with_loss()))
    assert all(s["vars"] is None for s in payload(p)["steps"])
    assert payload(p)["capture"] is True and payload(p)["can_what_if"] is False


def test_step_and_go_move_the_synced_step(loss_player: TracePlayer) -> None:
    p = loss_player
    p.go(2)
    assert p.step == p.widget.step == 2
    p.go(10**6)
    assert p.step == len(p.timeline) - 1
    p.go(-5)
    assert p.step == 0


def test_long_trace_player_is_built_quickly_in_one_payload() -> None:
    p = TracePlayer(vt.bulk(300))
    data = payload(p)
    assert len(data["segments"]) >= 300 and len(data["steps"]) == len(p.timeline)


def test_player_python_side_imports_no_matplotlib_numpy_or_pil() -> None:
    """Ready for Pyodide: the player, the lab and ``tcpedu.plot`` itself (it loads lazily)."""
    code = ("import sys; from tcpedu import plot; import tcpedu.views.plot.palette;"
            "from tcpedu.views.widgets import TracePlayer, lecture, ScenarioLab;"
            "from tcpedu import scenarios; p = TracePlayer(scenarios.run('handshake'));"
            "p._repr_mimebundle_(); ScenarioLab('handshake');"
            "print(sorted(m for m in ('matplotlib', 'numpy', 'PIL') if m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


def test_player_display_has_widget_and_a_static_svg_of_the_whole_ladder(loss_player) -> None:
    bundle, _metadata = loss_player._repr_mimebundle_()
    assert "application/vnd.jupyter.widget-view+json" in bundle
    svg = bundle["image/svg+xml"]
    assert svg.startswith("<svg") and svg.endswith("</svg>")
    labels = [loss_player.timeline.label(s) for s in loss_player.timeline.sent.values()]
    assert all(html.escape(label) in svg for label in labels)  # every segment, not a crop
    assert not re.search(r"0x[0-9a-f]{6,}", bundle["text/plain"])
    assert not re.search(r"0x[0-9a-f]{6,}", repr(loss_player))


@pytest.mark.parametrize("bad", [{"rows": 1}, {"start": 999}, {"look": "neon"}])
def test_player_rejects_bad_options(bad: dict) -> None:
    with pytest.raises(ParameterError):
        TracePlayer(vt.handshake(), **bad)


def test_player_needs_a_trace() -> None:
    with pytest.raises(ParameterError, match="Trace"):
        TracePlayer([1, 2, 3])


def test_player_plays_a_real_scenario() -> None:
    p = TracePlayer(scenarios.run("handshake"))
    assert "SYN" in " ".join(p.narration)
    assert payload(p)["can_what_if"] is True


def test_lecture_mode_uses_the_projector_look(loss_player: TracePlayer) -> None:
    big = lecture(vt.handshake())
    assert big.widget.look == "projector" and loss_player.widget.look == "notebook"
    assert 'font-size="28"' in big.static_svg()


# -- what if -------------------------------------------------------------------------------------

def test_what_if_a_data_segment_is_lost_it_is_retransmitted() -> None:
    p = TracePlayer(scenarios.run("transfer", size=3000, client_isn=1000, server_isn=5000))
    data_seg = next(s for s in p.trace.segments("client") if s.segment.payload)
    new = p.what_if(lose=data_seg.id)
    assert new.fate(data_seg.id) == "dropped"
    again = [s for s in new.segments("client") if s.segment.seq == data_seg.segment.seq
             and s.id != data_seg.id]
    assert again and new.fate(again[0].id) == "delivered"
    alt = json.loads(p.widget.alt)
    assert p.widget.showing == "alt" and f"segment {data_seg.id}" in alt["variant"]
    assert any("retransmission" in g["marks"] for g in alt["segments"].values())
    assert json.loads(p.widget.data)["steps"] == payload(p)["steps"]  # the original is kept
    p.original()
    assert p.widget.showing == "original"


def test_what_if_delay_holds_the_segment_back_and_the_browser_can_ask() -> None:
    p = TracePlayer(scenarios.run("handshake", request=True))
    request = next(s for s in p.trace.segments("client") if s.segment.payload)
    p._on_message(p.widget, {"what_if": {"delay": request.id}}, [])
    new = p.alternative
    assert new is not None and p.widget.showing == "alt"
    before = p.trace.records
    delivered = {r.id: r.time for r in new.records if type(r).__name__ == "SegmentDelivered"}
    original = {r.id: r.time for r in before if type(r).__name__ == "SegmentDelivered"}
    assert delivered[request.id] > original[request.id]


def test_what_if_refuses_captures_and_unknown_segments() -> None:
    with pytest.raises(ParameterError, match="named scenario"):
        TracePlayer(vt.as_capture(vt.handshake())).what_if(lose=1)
    p = TracePlayer(scenarios.run("handshake"))
    with pytest.raises(ParameterError, match="no segment 99"):
        p.what_if(lose=99)
    with pytest.raises(ParameterError, match="exactly one"):
        p.what_if()


# -- exports -------------------------------------------------------------------------------------

def test_gif_export_has_one_frame_per_step(tmp_path) -> None:
    from PIL import Image

    trace = vt.handshake()
    out = export_gif(trace, tmp_path / "handshake.gif", look="notebook")
    with Image.open(out) as gif:
        assert gif.n_frames == len(TracePlayer(trace).timeline)


def test_html_export_is_self_contained_and_carries_the_steps(tmp_path, loss_player) -> None:
    out = export_html(loss_player, tmp_path / "loss.html", steps=range(5))
    page = out.read_text()
    urls = set(re.findall(r"https?://[^\s\"'`<>)]+", page))
    assert urls <= {"http://www.w3.org/2000/svg"}  # the SVG namespace name, never fetched
    assert "<script src" not in page and "<link" not in page
    assert "SYN asks to open a connection" in page
    assert "export default { render }" in page  # the player's own module, inlined
    state = json.loads(re.search(r'class="tcpedu-state">(.*?)</script>', page, re.S).group(1))
    assert len(json.loads(state["data"])["steps"]) == 5
    assert '<div class="tcpedu-static"><svg' in page  # the picture without JavaScript


def test_exports_refuse_bad_paths_and_steps(tmp_path) -> None:
    with pytest.raises(ParameterError, match=".gif"):
        export_gif(vt.handshake(), tmp_path / "x.png")
    with pytest.raises(ParameterError, match="does not exist"):
        export_html(vt.handshake(), tmp_path / "missing" / "x.html")
    with pytest.raises(ParameterError, match="step numbers"):
        export_html(vt.handshake(), tmp_path / "x.html", steps=[0, 99])
    with pytest.raises(ParameterError, match="Trace"):
        export_gif("trace", tmp_path / "x.gif")


# -- Scenario lab --------------------------------------------------------------------------------

def test_lab_controls_come_from_the_scenario_parameters() -> None:
    lab = ScenarioLab("reorder")
    assert set(lab.controls) == {p.name for p in scenarios.get("reorder").params}
    assert isinstance(lab.controls["receiver"], W.Dropdown)
    lab.chooser.value = "teardown"
    assert set(lab.controls) == {p.name for p in scenarios.get("teardown").params}


def test_changing_a_control_resimulates_and_shows_the_new_run() -> None:
    lab = ScenarioLab("loss_fast_retransmit", lose=2)
    data, trace, widget = lab.player.widget.data, lab.trace, lab.player.widget
    lab.controls["lose"].value = 4
    assert lab.trace is not trace and lab.player.trace is lab.trace
    assert lab.player.widget is widget and widget.data != data  # same player, new steps
    dropped = [r for r in lab.trace.records if type(r).__name__ == "SegmentDropped"]
    data = [s for s in lab.trace.segments("client") if s.segment.payload]
    assert dropped[0].id == data[3].id  # the 4th data segment is the one lost


def test_go_back_n_receiver_resends_more_than_tcp() -> None:
    lab = ScenarioLab("reorder", receiver="tcp")
    tcp = lab.summary.value
    lab.controls["receiver"].value = "gbn"
    gbn = lab.summary.value

    def retransmitted(summary: str) -> int:
        return int(re.search(r"<b>(\d+)</b> retransmitted", summary).group(1))

    assert retransmitted(gbn) > retransmitted(tcp)


def test_lab_shows_a_bad_value_instead_of_raising() -> None:
    lab = ScenarioLab("handshake")
    trace = lab.trace
    lab.controls["client_isn"].value = "not a number"
    assert "client_isn" in lab.error.value
    assert lab.trace is trace
    lab.controls["client_isn"].value = "1000"
    assert lab.error.value == ""
    assert lab.trace.segments()[0].segment.seq == 1000


def test_lab_rejects_unknown_scenario_and_control() -> None:
    with pytest.raises(ParameterError, match="no scenario"):
        ScenarioLab("teleport")
    with pytest.raises(ParameterError, match="no control"):
        ScenarioLab("handshake").set(flux=1)


# -- Segment builder -----------------------------------------------------------------------------

def test_syn_to_a_listener_gets_syn_ack_with_ack_seq_plus_one() -> None:
    b = SegmentBuilder(flags="S", seq=1234, target=LISTEN)
    answer = b.send()
    (reply,) = answer.replies
    assert reply.flags == Flags.SYN | Flags.ACK and reply.ack == 1235
    assert answer.state_before == "LISTEN" and answer.state_after == "SYN-RECEIVED"
    assert "SYN,ACK" in b.answer_view.value


def test_ack_to_a_listener_and_anything_to_a_closed_port_get_rst() -> None:
    answer = send_to_endpoint(SegmentBuilder(flags="A", ack=777).segment(), LISTEN)
    assert answer.replies[0].flags == Flags.RST and answer.replies[0].seq == 777
    b = SegmentBuilder(flags="S", seq=50, target=CLOSED_PORT)
    answer = b.send()
    assert answer.replies[0].flags == Flags.RST | Flags.ACK and answer.replies[0].ack == 51
    assert "RST" in b.answer_view.value and "no connection" in answer.summary()


def test_in_window_data_to_an_established_server_is_acknowledged() -> None:
    b = SegmentBuilder(flags="PA", seq=1001, ack=5001, payload="hello", target=ESTABLISHED)
    answer = b.send()
    assert answer.replies[-1].ack == 1006
    b.seq.value = 999_999
    out = b.send()
    assert out.replies[-1].ack == 1001 and "unacceptable" in out.summary()


def test_builder_shows_scapy_bytes_and_decode_and_updates_on_change() -> None:
    b = SegmentBuilder(flags="S", seq=1000)
    page = b.packet_view.value
    assert "###[ TCP ]###" in page and "bytes on the wire" in page and "tcpedu-explain" in page
    assert "40 bytes on the wire" in page
    b.payload.value = "hi"
    assert "42 bytes on the wire" in b.packet_view.value
    b.flag_boxes[Flags.FIN].value = True
    assert "FIN" in b.packet_view.value


def test_builder_refuses_unknown_target() -> None:
    with pytest.raises(ParameterError, match="unknown target"):
        SegmentBuilder(target="the moon")


# -- Quiz ----------------------------------------------------------------------------------------

def test_ack_quiz_on_a_syn_gives_specific_feedback() -> None:
    q = ack_quiz(vt.handshake(), relative=False)
    assert q.answer == 1001
    assert q.check("1001").correct
    assert "SEQ of the segment" in q.check(1000).message
    assert "own sequence number" in q.check(5000).message
    assert "could not read" in q.check("ten").message
    assert q.submit("1000").correct is False and "✘" in q.feedback.value


def test_ack_quiz_on_data_and_on_a_hole() -> None:
    q = ack_quiz(vt.bulk(2))
    assert q.answer == 1001
    assert "only for SYN and FIN" in q.check(2).message
    assert "One too many" in q.check(1002).message
    loss = vt.transfer_with_loss()
    out_of_order = next(i for i, s in enumerate(ack_quiz.__globals__["Timeline"](loss).steps)
                        if s.primary.__class__.__name__ == "SegmentDelivered" and i > 10)
    q = ack_quiz(loss, out_of_order)
    assert q.answer == 1
    assert "still missing" in q.check(201).message


def test_ack_quiz_refuses_a_step_without_an_answer() -> None:
    with pytest.raises(ParameterError, match="no acknowledged segment"):
        ack_quiz(vt.handshake(), 0)


def test_multiple_choice_quiz() -> None:
    q = Quiz("After the handshake, who speaks first in SMTP?", "server",
             choices=["client", "server"], kind=str,
             mistakes={"client": "True for HTTP; an SMTP server greets first (220 ...)."})
    assert q.check("Server").correct
    assert "HTTP" in q.check("client").message
    with pytest.raises(ParameterError):
        Quiz("?", "maybe", choices=["yes", "no"], kind=str)


def test_scenario_lab_takes_an_isn_given_as_a_number() -> None:
    lab = ScenarioLab("handshake", client_isn=0, server_isn=5000)
    syn, syn_ack = (r.segment for r in lab.trace.segments()[:2])
    assert (syn.seq, syn_ack.seq) == (0, 5000)


def test_scenario_lab_names_an_unknown_or_mistyped_parameter() -> None:
    with pytest.raises(ParameterError, match="has no parameter 'bogus'"):
        ScenarioLab("handshake", bogus=1)
    with pytest.raises(ParameterError, match="lose='second'"):
        ScenarioLab("loss_rto", lose="second")
