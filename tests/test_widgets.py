"""Players and labs in the kernel: stepping, panels, re-simulation, the segment builder, quizzes,
exports. (What the browser shows is tested in tests/browser/.)"""

from __future__ import annotations

import base64
import io
import re

import ipywidgets as W
import pytest
import viewtraces as vt
from PIL import Image

from tcpedu import scenarios
from tcpedu.errors import ParameterError
from tcpedu.model.segment import Flags
from tcpedu.views.widgets import (
    Quiz,
    ScenarioLab,
    SegmentBuilder,
    TracePlayer,
    ack_quiz,
    export_gif,
    export_html,
    lecture,
)
from tcpedu.views.widgets.builder import TARGETS, send_to_endpoint

LISTEN, ESTABLISHED, CLOSED_PORT = list(TARGETS)


@pytest.fixture(scope="module")
def loss_player() -> TracePlayer:
    return TracePlayer(vt.transfer_with_loss())


# -- TracePlayer ---------------------------------------------------------------------------------

def test_short_trace_is_prerendered_with_one_frame_per_step(loss_player: TracePlayer) -> None:
    p = loss_player
    n = len(p.timeline)
    assert p.prerendered
    assert len(p.ladder_view.children) == len(p.info_view.children) == n
    assert len(p.diagram_view.children) == n
    for i in (0, 12, n - 1):
        assert p.narration[i] in p.info_view.children[i].value.replace("&#x27;", "'")


def test_panels_are_linked_to_the_slider_in_the_browser(loss_player: TracePlayer) -> None:
    links = {(ln.source[0], ln.source[1], ln.target[0], ln.target[1]) for ln in loss_player._links}
    p = loss_player
    assert (p.play, "value", p.slider, "value") in links
    for panel in (p.ladder_view, p.info_view, p.diagram_view):
        assert (p.slider, "value", panel, "selected_index") in links


def test_step_and_back_buttons_move_the_slider(loss_player: TracePlayer) -> None:
    p = loss_player
    p.go(0)
    p.forward.click()
    p.forward.click()
    assert p.step == 2
    p.back.click()
    assert p.step == 1
    p.go(10**6)
    assert p.step == len(p.timeline) - 1
    p.forward.click()
    assert p.step == len(p.timeline) - 1


def test_step_panel_shows_variables_state_and_decoded_segment(loss_player: TracePlayer) -> None:
    p = loss_player
    dup = next(i for i, t in enumerate(p.narration) if "duplicate ACK" in t)
    page = p.step_html(dup)
    assert "SND.UNA" in page and "RCV.NXT" in page and "ESTABLISHED" in page
    assert "tcpedu-explain" in page  # the field table with each field's bytes
    assert "Acknowledgment number" in page


def test_capture_player_says_it_has_no_variables() -> None:
    p = TracePlayer(vt.as_capture(vt.transfer_with_loss()), diagram=False)
    assert "a capture shows no endpoint variables" in p.step_html(3)


def test_live_mode_renders_on_demand() -> None:
    p = TracePlayer(vt.bulk(40), frames=False)
    assert not p.prerendered
    before = (p.ladder_view.value, p.info_view.value)
    p.forward.click()
    assert p.info_view.value != before[1]
    assert p.ladder_view.value != before[0]
    assert p.narration[1] in p.info_view.value.replace("&#x27;", "'")


def test_long_trace_is_played_live_by_default() -> None:
    p = TracePlayer(vt.bulk(300))
    assert not p.prerendered
    p.go(900)
    assert "step 901 of" in p.info_view.value


def test_player_display_has_widget_static_picture_and_no_address(loss_player) -> None:
    bundle = loss_player._repr_mimebundle_()
    assert "application/vnd.jupyter.widget-view+json" in bundle
    png = base64.b64decode(bundle["image/png"])
    assert Image.open(io.BytesIO(png)).format == "PNG"
    assert not re.search(r"0x[0-9a-f]{6,}", bundle["text/plain"])
    assert not re.search(r"0x[0-9a-f]{6,}", repr(loss_player))


@pytest.mark.parametrize("bad", [{"rows": 1}, {"frames": "sometimes"}, {"start": 999},
                                 {"look": "neon"}])
def test_player_rejects_bad_options(bad: dict) -> None:
    with pytest.raises(ParameterError):
        TracePlayer(vt.handshake(), **bad)


def test_player_needs_a_trace() -> None:
    with pytest.raises(ParameterError, match="Trace"):
        TracePlayer([1, 2, 3])


def test_player_plays_a_real_scenario() -> None:
    p = TracePlayer(scenarios.run("handshake"))
    assert "SYN" in " ".join(p.narration)
    assert isinstance(p.widget, W.VBox)


def test_lecture_mode_is_larger_and_wide(loss_player: TracePlayer) -> None:
    big = lecture(vt.handshake())
    assert "tcpedu-projector" in big.widget._dom_classes
    assert big.theme.font_size > loss_player.theme.font_size
    w_big = Image.open(io.BytesIO(big.static_png())).size[0]
    w_small = Image.open(io.BytesIO(loss_player.static_png())).size[0]
    assert w_big > w_small


# -- exports -------------------------------------------------------------------------------------

def test_gif_export_has_one_frame_per_step(tmp_path) -> None:
    trace = vt.handshake()
    out = export_gif(trace, tmp_path / "handshake.gif", look="notebook")
    with Image.open(out) as gif:
        assert gif.n_frames == len(TracePlayer(trace, diagram=False).timeline)


def test_html_export_is_self_contained_and_carries_the_narration(tmp_path, loss_player) -> None:
    out = export_html(loss_player, tmp_path / "loss.html", look="notebook", steps=range(5))
    page = out.read_text()
    assert page.count("iVBORw0KGgo") == 5  # five inline PNG frames
    assert "http://" not in page and "https://" not in page and "<script src" not in page
    assert "SYN asks to open a connection" in page


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


def test_changing_a_control_resimulates_and_redraws() -> None:
    lab = ScenarioLab("loss_fast_retransmit", lose=2)
    picture, trace = lab.picture.value, lab.trace
    lab.controls["lose"].value = 4
    assert lab.trace is not trace and lab.picture.value != picture
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
