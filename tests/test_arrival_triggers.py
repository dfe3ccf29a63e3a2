"""The one choice of a state-change trigger from an arriving segment (RFC 9293 §3.10.7),
shared by the capture analysis and the endpoint: ``tcpedu.model.states.arrival_transitions``."""

from __future__ import annotations

import itertools

import pytest

from tcpedu.model.states import TRANSITIONS, State, Trigger, arrival_transitions, arrival_triggers

S, T = State, Trigger

CASES = [
    # (state, facts, triggers, final state)
    (S.LISTEN, {"syn": True}, (T.RCV_SYN,), S.SYN_RECEIVED),
    (S.LISTEN, {"syn": True, "ack": True}, (), S.LISTEN),
    (S.SYN_SENT, {"syn": True, "ack": True}, (T.RCV_SYN_ACK,), S.ESTABLISHED),
    (S.SYN_SENT, {"syn": True}, (T.RCV_SYN,), S.SYN_RECEIVED),
    (S.SYN_RECEIVED, {"ack": True}, (T.RCV_ACK_OF_SYN,), S.ESTABLISHED),
    (S.SYN_RECEIVED, {"syn": True, "ack": True}, (T.RCV_ACK_OF_SYN,), S.ESTABLISHED),
    (S.SYN_RECEIVED, {"ack": True, "fin": True}, (T.RCV_ACK_OF_SYN, T.RCV_FIN), S.CLOSE_WAIT),
    (S.ESTABLISHED, {"ack": True}, (), S.ESTABLISHED),
    (S.ESTABLISHED, {"syn": True}, (), S.ESTABLISHED),
    (S.ESTABLISHED, {"ack": True, "fin": True}, (T.RCV_FIN,), S.CLOSE_WAIT),
    (S.FIN_WAIT_1, {"ack": True, "acks_fin": True}, (T.RCV_ACK_OF_FIN,), S.FIN_WAIT_2),
    (S.FIN_WAIT_1, {"ack": True, "fin": True}, (T.RCV_FIN,), S.CLOSING),
    (S.FIN_WAIT_1, {"ack": True, "fin": True, "acks_fin": True},
     (T.RCV_FIN_AND_ACK_OF_FIN,), S.TIME_WAIT),
    (S.FIN_WAIT_2, {"ack": True, "fin": True}, (T.RCV_FIN,), S.TIME_WAIT),
    (S.CLOSING, {"ack": True, "acks_fin": True}, (T.RCV_ACK_OF_FIN,), S.TIME_WAIT),
    (S.LAST_ACK, {"ack": True, "acks_fin": True}, (T.RCV_ACK_OF_FIN,), S.CLOSED),
    (S.CLOSE_WAIT, {"ack": True, "fin": True}, (), S.CLOSE_WAIT),
    (S.ESTABLISHED, {"rst": True, "fin": True, "ack": True}, (T.RCV_RST,), S.CLOSED),
    (S.SYN_RECEIVED, {"rst": True}, (T.RCV_RST,), S.LISTEN),
    (S.SYN_RECEIVED, {"rst": True, "passive": False}, (T.RCV_RST_ACTIVE_OPEN,), S.CLOSED),
    (S.LISTEN, {"rst": True}, (), S.LISTEN),
]


@pytest.mark.parametrize(("state", "facts", "triggers", "final"), CASES,
                         ids=[f"{c[0].name}-{'+'.join(k for k, v in c[1].items() if v)}"
                              for c in CASES])
def test_rfc9293_3_10_7_arrival_trigger(state, facts, triggers, final):
    """§3.10.7.2 (LISTEN), §3.10.7.3 (SYN-SENT), §3.10.7.4 (synchronized states): the edges
    an arriving segment takes, chained through the table."""
    assert arrival_triggers(state, **facts) == triggers
    edges = arrival_transitions(state, **facts)
    assert (edges[-1].target if edges else state) == final


FACTS = ("syn", "ack", "fin", "rst", "acks_fin", "passive")


@pytest.mark.parametrize("state", list(State), ids=[s.name for s in State])
def test_every_arrival_is_a_path_of_table_edges(state):
    """Whatever the segment carries, the answer is a path of the transition table starting at
    ``state``, at most three edges long, and a RST takes at most one."""
    for values in itertools.product((False, True), repeat=len(FACTS)):
        facts = dict(zip(FACTS, values, strict=True))
        edges = arrival_transitions(state, **facts)
        here = state
        for edge in edges:
            assert TRANSITIONS[(here, edge.trigger)] is edge
            here = edge.target
        assert len(edges) <= (1 if facts["rst"] else 3)
        assert all(e.trigger in {t for t in Trigger if t.name.startswith("RCV_")} for e in edges)


def test_capture_analysis_uses_the_table_choice():
    """The analysis infers a receiver's states through arrival_transitions: a FIN that also
    acknowledges the peer's FIN takes FIN-WAIT-1 straight to TIME-WAIT, as the table says."""
    import io

    from tcpedu import Segment, analyze
    from tcpedu.capture.pcapio import write_pcap

    c, s = ("10.0.0.1", 40000), ("10.0.0.2", 80)
    segs = [
        (0.0, c, s, Segment(40000, 80, 100, 0, "S", 1000)),
        (0.1, s, c, Segment(80, 40000, 500, 101, "SA", 1000)),
        (0.2, c, s, Segment(40000, 80, 101, 501, "A", 1000)),
        (0.3, c, s, Segment(40000, 80, 101, 501, "FA", 1000)),
        (0.4, s, c, Segment(80, 40000, 501, 102, "FA", 1000)),
        (0.5, c, s, Segment(40000, 80, 102, 502, "A", 1000)),
    ]
    buf = io.BytesIO()
    write_pcap(buf, [(t, a[0], b[0], seg) for t, a, b, seg in segs])
    buf.seek(0)
    trace = analyze(buf)
    changes = [(c.node, c.old, c.new, c.trigger) for c in trace.state_changes()]
    assert ("client", S.FIN_WAIT_1, S.TIME_WAIT, str(T.RCV_FIN_AND_ACK_OF_FIN)) in changes
    assert ("server", S.LAST_ACK, S.CLOSED, str(T.RCV_ACK_OF_FIN)) in changes
