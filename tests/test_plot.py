"""The pictures: ladder, state diagram, sequence graph, receive buffer, cwnd — drawn from hand-made
traces whose numbers we chose, from real scenarios, and from a capture-like trace."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
import viewtraces as vt
from matplotlib.backends.backend_agg import FigureCanvasAgg
from PIL import Image

from tcpedu import scenarios
from tcpedu.errors import ParameterError
from tcpedu.model.states import FIGURE_5, TRANSITIONS, State
from tcpedu.reading.timeline import Timeline
from tcpedu.views.plot import (
    plot_cwnd,
    plot_ladder,
    plot_receive_buffer,
    plot_seq_time,
    plot_state_diagram,
)
from tcpedu.views.plot.frames import LadderFrames
from tcpedu.views.plot.ladder import CAPTURE_SLANT
from tcpedu.views.plot.palette import OKABE_ITO, SEGMENT_STYLES, segment_kind


def ladder_of(fig) -> list[str]:
    """The texts of a ladder figure that are visible."""
    return [t.get_text() for t in fig.axes[0].texts if t.get_visible()]


# -- ladder ------------------------------------------------------------------------------------

def test_handshake_ladder_labels_use_relative_numbers_by_default() -> None:
    texts = ladder_of(plot_ladder(vt.handshake()))
    assert "SYN seq=0" in texts
    assert "SYN,ACK seq=0 ack=1" in texts
    assert "ACK ack=1 win=64240" in texts


def test_handshake_ladder_can_show_absolute_numbers() -> None:
    texts = ladder_of(plot_ladder(vt.handshake(), relative=False))
    assert "SYN seq=1000" in texts
    assert "SYN,ACK seq=5000 ack=1001" in texts


def test_states_are_written_on_the_lifelines_when_they_change() -> None:
    fig = plot_ladder(vt.teardown())
    texts = ladder_of(fig)
    for state in ("SYN-SENT", "SYN-RECEIVED", "ESTABLISHED", "FIN-WAIT-1", "CLOSE-WAIT",
                  "FIN-WAIT-2", "LAST-ACK", "TIME-WAIT", "CLOSED"):
        assert state in texts, state
    ax = fig.axes[0]
    # Client states sit left of the client lifeline (x=0), server states right of x=1.
    for t in ax.texts:
        if t.get_text() in ("SYN-SENT", "FIN-WAIT-1", "TIME-WAIT"):
            assert t.get_position()[0] < 0
        if t.get_text() in ("SYN-RECEIVED", "CLOSE-WAIT", "LAST-ACK"):
            assert t.get_position()[0] > 1


def test_lost_segment_ends_in_a_cross_half_way_and_retransmission_is_marked() -> None:
    fig = plot_ladder(vt.transfer_with_loss())
    ax = fig.axes[0]
    lost = [t for t in ax.texts if t.get_text().endswith("[lost]")]
    assert len(lost) == 1
    crosses = [ln for ln in ax.lines if ln.get_marker() == "X" and ln.get_visible()]
    assert len(crosses) == 1
    x, _ = crosses[0].get_data()
    assert x[0] == pytest.approx(0.5)  # mid-way between client (0) and server (1)
    texts = ladder_of(fig)
    assert sum(t.startswith("[retx]") for t in texts) == 1
    assert sum(t.startswith("[dup ACK]") for t in texts) == 2


def test_every_segment_gets_an_arrow_from_sender_to_receiver() -> None:
    trace = vt.transfer_with_loss()
    tl = Timeline(trace)
    fig = plot_ladder(tl)
    ladder_arrows = [p for p in fig.axes[0].patches if p.get_visible()]
    assert len(ladder_arrows) == len(trace.segments())


def test_capture_arrows_get_a_fixed_small_slant() -> None:
    capture = vt.as_capture(vt.transfer_with_loss())
    tl = Timeline(capture)
    assert tl.is_capture
    fig = plot_ladder(tl)
    for arrow in fig.ladder.arrows:
        assert arrow.end[1] - arrow.start[1] == pytest.approx(CAPTURE_SLANT)
        assert arrow.cross is None
    texts = ladder_of(fig)
    assert any(t.startswith("[retx]") for t in texts)  # inferred, the capture has no notes


def _min_vertical_gap_px(fig) -> float:
    """Smallest vertical distance in pixels between starts of visible arrows from one side."""
    FigureCanvasAgg(fig).draw()
    to_pixels = fig.axes[0].transData.transform
    starts: dict[float, list[float]] = {}
    for arrow in fig.ladder.arrows:
        if arrow.patch.get_visible():
            x, y = to_pixels(arrow.start)
            starts.setdefault(round(x), []).append(y)
    gaps = [abs(b - a) for ys in starts.values()
            for a, b in zip(sorted(ys), sorted(ys)[1:], strict=False)]
    return min(gaps) if gaps else float("inf")


@pytest.mark.parametrize("segments", [1, 300])
def test_ladder_stays_readable_for_3_and_for_300_segments(segments: int) -> None:
    fig = plot_ladder(vt.bulk(segments))
    width, height = fig.get_size_inches()
    assert height <= 14
    visible = [p for p in fig.axes[0].patches if p.get_visible()]
    assert 3 <= len(visible) <= 60
    assert _min_vertical_gap_px(fig) >= 10  # arrows never pile up into a smear
    if segments == 300:
        assert any("of 1208 shown" in t.get_text() for t in fig.texts)


def test_a_long_ladder_scrolls_with_start() -> None:
    fig = plot_ladder(vt.bulk(300), start=1000, rows=30)
    texts = ladder_of(fig)
    assert not any(t == "SYN seq=0" for t in texts)
    assert any("seq=" in t and "len=1000" in t for t in texts)
    assert any("steps 1001–1030 of 1208" in t.get_text() for t in fig.texts)


@pytest.mark.parametrize("bad", [{"start": -1}, {"start": 10**6}, {"y": "sideways"},
                                 {"step": 999}, {"look": "disco"}])
def test_bad_ladder_arguments_raise_a_parameter_error(bad: dict) -> None:
    with pytest.raises(ParameterError):
        plot_ladder(vt.handshake(), **bad)


def test_ladder_needs_a_trace() -> None:
    with pytest.raises(ParameterError, match="Trace"):
        plot_ladder("not a trace")


def test_time_mode_places_rows_at_their_time() -> None:
    tl = Timeline(vt.handshake())
    syn = plot_ladder(tl, y="time").ladder.arrows[0]
    assert syn.end[1] - syn.start[1] == pytest.approx(1000 * vt.DELAY)


@pytest.mark.parametrize("name", sorted(scenarios.SCENARIOS))
def test_every_scenario_draws_every_view(name: str) -> None:
    trace = scenarios.run(name)
    tl = Timeline(trace)
    fig = plot_ladder(tl, max_rows=len(tl))
    assert len([p for p in fig.axes[0].patches if p.get_visible()]) == len(trace.segments())
    plot_seq_time(tl)
    plot_receive_buffer(tl, "server")
    plot_cwnd(tl, "client")


# -- palette -----------------------------------------------------------------------------------

def test_palette_is_okabe_ito_and_every_kind_differs_without_colour() -> None:
    assert {s.color for s in SEGMENT_STYLES.values()} <= set(OKABE_ITO.values())
    shapes = [(str(s.linestyle), s.marker) for s in SEGMENT_STYLES.values()]
    assert len(set(shapes)) == len(shapes)
    assert len({s.legend for s in SEGMENT_STYLES.values()}) == len(SEGMENT_STYLES)


@pytest.mark.parametrize(("flags", "payload", "marks", "lost", "kind"), [
    ("RST", False, frozenset(), False, "rst"),
    ("PSH, ACK", True, frozenset({"retransmission"}), True, "lost"),
    ("PSH, ACK", True, frozenset({"retransmission"}), False, "retransmission"),
    ("ACK", False, frozenset({"dup-ack"}), False, "dup-ack"),
    ("SYN", False, frozenset(), False, "handshake"),
    ("PSH, ACK", True, frozenset(), False, "data"),
    ("ACK", False, frozenset(), False, "ack"),
])
def test_segment_kind_precedence(flags, payload, marks, lost, kind) -> None:
    assert segment_kind(flags, payload, marks, lost) == kind


# -- state diagram -----------------------------------------------------------------------------

def test_state_diagram_draws_every_edge_of_figure_5_from_the_table() -> None:
    fig = plot_state_diagram()
    gids = {p.get_gid() for p in fig.axes[0].patches if p.get_gid()}
    expected = {f"{t.source.name}->{t.target.name} on {t.trigger.name}" for t in FIGURE_5}
    assert gids == expected
    names = {t.get_text() for t in fig.axes[0].texts}
    assert {str(s) for s in State} <= names


def test_state_diagram_all_edges_comes_from_transitions() -> None:
    fig = plot_state_diagram(edges="all")
    gids = [p.get_gid() for p in fig.axes[0].patches if p.get_gid()]
    assert len(gids) == len(TRANSITIONS)


def test_state_diagram_highlights_current_states_and_the_edge_taken() -> None:
    fig = plot_state_diagram({"client": State.SYN_SENT, "server": State.SYN_RECEIVED},
                             (State.LISTEN, State.SYN_RECEIVED))
    ax = fig.axes[0]
    taken = [p for p in ax.patches if p.get_gid() == "LISTEN->SYN_RECEIVED on RCV_SYN"]
    assert len(taken) == 1
    others = [p for p in ax.patches if p.get_gid() and p not in taken]
    assert taken[0].get_linewidth() > 2 * max(p.get_linewidth() for p in others)
    bold = {t.get_text() for t in ax.texts if t.get_fontweight() == "bold"}
    assert "SYN-SENT\n(client)" in bold and "SYN-RECEIVED\n(server)" in bold


def test_state_diagram_refuses_an_edge_the_rfc_does_not_have() -> None:
    with pytest.raises(ParameterError, match="no transition"):
        plot_state_diagram(State.LISTEN, (State.LISTEN, State.TIME_WAIT))
    with pytest.raises(ParameterError):
        plot_state_diagram(edges="some")


# -- sequence graph, buffer, cwnd --------------------------------------------------------------

def test_seq_time_graph_marks_data_retransmission_and_ack_line() -> None:
    fig = plot_seq_time(vt.transfer_with_loss())
    ax = fig.axes[0]
    labels = [h.get_label() for h in ax.get_legend().legend_handles]
    assert any("retransmission" in t for t in labels)
    assert any("lost" in t for t in labels)
    assert "ACK (cumulative)" in labels
    with pytest.raises(ParameterError, match="no node"):
        plot_seq_time(vt.handshake(), "mallory")


def test_receive_buffer_shows_hole_and_out_of_order_bytes() -> None:
    tl = Timeline(vt.transfer_with_loss())
    both_arrived = next(i for i, s in enumerate(tl.steps)
                        if s.index > 14 and s.primary.__class__.__name__ == "SegmentDelivered")
    buf = tl.receive_buffer("server", both_arrived)
    assert buf.rcv_nxt == 1 and buf.ooo == ((101, 301),) and buf.holes == ((1, 101),)
    fig = plot_receive_buffer(tl, "server", both_arrived)
    texts = [t.get_text() for t in fig.axes[0].texts]
    assert "hole\n1–100" in texts and "buffered\n101–300" in texts
    end = tl.receive_buffer("server", len(tl) - 1)
    assert end.rcv_nxt == 301 and end.ooo == () and end.holes == ()


def test_receive_buffer_of_a_capture_is_inferred_from_segments() -> None:
    tl = Timeline(vt.as_capture(vt.transfer_with_loss()))
    last = len(tl) - 1
    assert tl.receive_buffer("server", last).rcv_nxt == 301
    with pytest.raises(ParameterError, match="no node"):
        tl.receive_buffer("mallory", last)


def test_cwnd_follows_the_snapshots_and_refuses_a_capture() -> None:
    trace = vt.bulk(20)
    fig = plot_cwnd(trace, "client")
    line = fig.axes[0].lines[0]
    assert list(line.get_ydata()) == [s.cwnd for s in trace.snapshots("client")]
    with pytest.raises(ParameterError, match="capture"):
        plot_cwnd(vt.as_capture(trace), "client")
    with pytest.raises(ParameterError, match="mss"):
        plot_cwnd(trace, "client", mss=0)


# -- frames ------------------------------------------------------------------------------------

def test_player_frames_change_with_the_step_and_are_png() -> None:
    tl = Timeline(vt.transfer_with_loss())
    frames = LadderFrames(tl)
    first, later = frames.png(2), frames.png(14)
    assert first != later
    assert Image.open(io.BytesIO(first)).format == "PNG"
    assert frames.png(2) == first  # drawing is deterministic: same step, same picture


def test_frames_scroll_so_the_current_step_is_always_in_view() -> None:
    tl = Timeline(vt.bulk(300))
    frames = LadderFrames(tl, rows=20)
    frames.draw(900)
    lo, hi = sorted(frames.figure.axes[0].get_ylim())
    assert lo <= 900 <= hi and hi - lo < 25


def test_two_state_changes_in_one_step_share_one_label() -> None:
    from tcpedu.trace import AppEvent, StateChanged

    trace = vt.handshake()
    t = trace.records[-1].time + 0.01
    trace.add(AppEvent(t, "server", "close"))
    trace.add(StateChanged(t, "server", State.ESTABLISHED, State.CLOSE_WAIT, "rcv FIN"))
    trace.add(StateChanged(t, "server", State.CLOSE_WAIT, State.LAST_ACK, "CLOSE"))
    texts = ladder_of(plot_ladder(trace))
    assert "CLOSE-WAIT → LAST-ACK" in texts
    assert "LAST-ACK" not in texts


CAPTURES = sorted((Path(__file__).resolve().parent.parent / "notebooks" / "data").glob("*.pcap"))


@pytest.mark.parametrize("capture", CAPTURES, ids=lambda p: p.name)
def test_every_shipped_capture_draws_and_narrates(capture: Path) -> None:
    from tcpedu.reading.analysis import analyze_all
    from tcpedu.views.narrate import narrate

    for trace in analyze_all(capture):
        tl = Timeline(trace)
        assert tl.is_capture
        fig = plot_ladder(tl, max_rows=len(tl))
        assert len([p for p in fig.axes[0].patches if p.get_visible()]) == len(trace.segments())
        assert all(a.cross is None for a in fig.ladder.arrows)  # a capture shows no losses
        texts = narrate(tl)
        assert len(texts) == len(tl) and all(texts)
        plot_seq_time(tl)


def test_state_diagram_refuses_a_trace_in_place_of_states() -> None:
    from tcpedu import run_scenario
    from tcpedu.errors import ParameterError
    from tcpedu.views.plot import plot_state_diagram

    with pytest.raises(ParameterError, match="give a State or a mapping"):
        plot_state_diagram(run_scenario("handshake"))
