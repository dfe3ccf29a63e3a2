"""Opening a connection: the three-way handshake, options, ISNs, retransmitted SYNs, RSTs."""

from __future__ import annotations

import pytest
from pair import ConnectionPair

from tcpedu.errors import ParameterError
from tcpedu.model.endpoint import Config, Endpoint
from tcpedu.model.events import (
    Connected,
    ConnectionClosed,
    ConnectionReset,
    DataReceived,
    PeerClosed,
    Retransmitted,
    SegmentIgnored,
)
from tcpedu.model.isn import rfc6528_isn
from tcpedu.model.segment import Flags, Options, Segment
from tcpedu.model.states import State


def test_three_way_handshake_numbers_follow_the_rfc():
    pair = ConnectionPair(Config(isn=100), Config(isn=300))
    pair.connect()
    syn, syn_ack, ack = pair.wire.sent()[:3]
    assert syn.flags == Flags.SYN and syn.seq == 100 and syn.ack == 0 and not syn.payload
    assert syn.dst_port == 80
    assert syn_ack.flags == Flags.SYN | Flags.ACK and syn_ack.seq == 300 and syn_ack.ack == 101
    assert ack.flags == Flags.ACK and ack.seq == 101 and ack.ack == 301
    assert pair.states("client") == [State.CLOSED, State.SYN_SENT, State.ESTABLISHED]
    assert pair.states("server") == [State.CLOSED, State.LISTEN, State.SYN_RECEIVED,
                                     State.ESTABLISHED]
    assert pair.of_type("client", Connected) and pair.of_type("server", Connected)


def test_syn_carries_mss_wscale_and_sack_permitted_when_configured():
    pair = ConnectionPair(Config(isn=1, mss=1000, wscale=7, sack=True),
                          Config(isn=2, mss=1200, wscale=2, sack=True))
    pair.connect()
    syn, syn_ack = pair.wire.sent()[:2]
    assert syn.options == Options(mss=1000, wscale=7, sack_permitted=True)
    assert syn_ack.options == Options(mss=1200, wscale=2, sack_permitted=True)
    assert pair.client.mss == pair.server.mss == 1000
    assert pair.client.snd_wscale == 2 and pair.client.rcv_wscale == 7
    assert pair.client.sack_enabled and pair.server.sack_enabled


def test_syn_ack_offers_only_what_the_syn_offered():
    pair = ConnectionPair(Config(isn=1), Config(isn=2, wscale=3, sack=True))
    pair.connect()
    syn_ack = pair.wire.sent("server")[0]
    assert syn_ack.options == Options(mss=1460)
    assert not pair.server.sack_enabled and pair.server.rcv_wscale == 0


def test_peer_without_mss_option_gets_the_default_536():
    server = Endpoint("server", 80, Config(isn=9))
    server.listen(0.0)
    server.receive(0.0, Segment(4000, 80, seq=10, flags=Flags.SYN))
    assert server.mss == 536


def test_data_rides_on_the_final_ack_of_the_handshake():
    pair = ConnectionPair()
    pair.server.listen(0.0)
    pair.client.connect(0.0, 80)
    pair.client.send(0.0, b"GET / HTTP/1.1\r\n\r\n")
    pair.pump()
    pair.run()
    third = pair.wire.sent("client")[1]
    assert third.flags & Flags.ACK and third.payload == b"GET / HTTP/1.1\r\n\r\n"
    assert pair.received["server"] == b"GET / HTTP/1.1\r\n\r\n"


def test_lost_syn_is_retransmitted_with_exponential_backoff():
    pair = ConnectionPair(Config(isn=1, rto_initial=1.0))
    pair.drop("client", count=3)
    pair.connect()
    syn_times = [t for t, a, n, s in pair.wire.log if a == "sent" and s.flags == Flags.SYN]
    assert syn_times == [0.0, 1.0, 3.0, 7.0]
    assert len(pair.of_type("client", Retransmitted)) == 3


def test_lost_syn_ack_is_retransmitted_by_the_server():
    pair = ConnectionPair(Config(isn=1, rto_initial=2.0), Config(isn=2, rto_initial=1.0))
    pair.drop("server", count=1)
    pair.connect()
    syn_acks = [t for t, a, n, s in pair.wire.log
                if a == "sent" and s.flags == Flags.SYN | Flags.ACK]
    assert len(syn_acks) >= 2
    assert pair.client.state is State.ESTABLISHED and pair.server.state is State.ESTABLISHED


def test_connect_gives_up_after_syn_retries():
    ep = Endpoint("client", 40000, Config(isn=1, syn_retries=2, rto_initial=1.0))
    ep.connect(0.0, 80)
    now = 0.0
    while (deadline := ep.get_timer()) is not None:
        now = deadline
        ep.handle_timer(now)
    assert ep.state is State.CLOSED
    assert now == 7.0  # SYN at 0, 1, 3; give up at 7
    assert len([s for s in ep.segments_to_send() if s.flags == Flags.SYN]) == 3
    events = []
    while (e := ep.next_event()) is not None:
        events.append(e)
    assert ConnectionClosed("timed out") in events


def test_simultaneous_open_passes_through_syn_received():
    a = Endpoint("client", 1111, Config(isn=10))
    b = Endpoint("server", 2222, Config(isn=20))
    a.connect(0.0, 2222)
    b.connect(0.0, 1111)
    syn_a, syn_b = a.segments_to_send()[0], b.segments_to_send()[0]
    a.receive(0.1, syn_b)
    b.receive(0.1, syn_a)
    assert a.state is State.SYN_RECEIVED and b.state is State.SYN_RECEIVED
    sa_a, sa_b = a.segments_to_send()[0], b.segments_to_send()[0]
    assert sa_a.flags == Flags.SYN | Flags.ACK and sa_a.seq == 10 and sa_a.ack == 21
    a.receive(0.2, sa_b)
    b.receive(0.2, sa_a)
    assert a.state is State.ESTABLISHED and b.state is State.ESTABLISHED
    assert a.snd_una == 11 and b.snd_una == 21


def test_syn_to_closed_port_is_answered_by_rst():
    ep = Endpoint("server", 80, Config(isn=5))
    ep.receive(0.0, Segment(40000, 80, seq=1000, flags=Flags.SYN))
    (rst,) = ep.segments_to_send()
    assert rst.flags == Flags.RST | Flags.ACK and rst.seq == 0 and rst.ack == 1001
    assert (rst.src_port, rst.dst_port) == (80, 40000)


def test_ack_to_closed_port_is_answered_by_rst_with_its_ack_as_seq():
    ep = Endpoint("server", 80)
    ep.receive(0.0, Segment(40000, 80, seq=5, ack=777, flags=Flags.ACK, payload=b"x"))
    (rst,) = ep.segments_to_send()
    assert rst.flags == Flags.RST and rst.seq == 777


def test_rst_to_closed_port_gets_no_answer():
    ep = Endpoint("server", 80)
    ep.receive(0.0, Segment(40000, 80, seq=5, flags=Flags.RST))
    assert ep.segments_to_send() == []


def test_syn_to_wrong_port_of_a_listener_is_answered_by_rst():
    ep = Endpoint("server", 80)
    ep.listen(0.0)
    ep.receive(0.0, Segment(40000, 81, seq=5, flags=Flags.SYN))
    (rst,) = ep.segments_to_send()
    assert rst.has("R") and rst.src_port == 81
    assert ep.state is State.LISTEN


def test_connection_refused_when_the_server_is_not_listening():
    pair = ConnectionPair()
    pair.client.connect(0.0, 80)
    pair.pump()
    pair.run()
    assert pair.client.state is State.CLOSED
    assert ConnectionReset("connection refused") in pair.events["client"]


def test_listen_ignores_rst_and_answers_ack_with_rst():
    ep = Endpoint("server", 80)
    ep.listen(0.0)
    ep.receive(0.0, Segment(4000, 80, seq=1, flags=Flags.RST))
    assert ep.segments_to_send() == []
    ep.receive(0.0, Segment(4000, 80, seq=1, ack=99, flags=Flags.ACK))
    (rst,) = ep.segments_to_send()
    assert rst.flags == Flags.RST and rst.seq == 99 and ep.state is State.LISTEN


def test_syn_sent_refuses_a_syn_ack_acking_the_wrong_number():
    ep = Endpoint("client", 40000, Config(isn=100))
    ep.connect(0.0, 80)
    ep.segments_to_send()
    ep.receive(0.1, Segment(80, 40000, seq=7, ack=555, flags="SA"))
    (rst,) = ep.segments_to_send()
    assert rst.flags == Flags.RST and rst.seq == 555 and ep.state is State.SYN_SENT


def test_rst_in_syn_received_returns_a_passive_open_to_listen():
    ep = Endpoint("server", 80, Config(isn=50))
    ep.listen(0.0)
    ep.receive(0.0, Segment(4000, 80, seq=10, flags=Flags.SYN))
    ep.receive(0.1, Segment(4000, 80, seq=11, flags=Flags.RST))
    assert ep.state is State.LISTEN
    ep.receive(0.2, Segment(4001, 80, seq=90, flags=Flags.SYN))
    assert ep.state is State.SYN_RECEIVED and ep.remote_port == 4001


def test_rst_in_syn_received_closes_an_active_open_as_refused():
    a = Endpoint("client", 1111, Config(isn=10))
    b = Endpoint("server", 2222, Config(isn=20))
    a.connect(0.0, 2222)
    b.connect(0.0, 1111)
    a.receive(0.1, b.segments_to_send()[0])
    assert a.state is State.SYN_RECEIVED
    a.receive(0.2, Segment(2222, 1111, seq=21, flags=Flags.RST))
    assert a.state is State.CLOSED and a.get_timer() is None
    events = list(iter(a.next_event, None))
    assert ConnectionReset("connection refused") in events


def test_random_isn_is_seeded_and_differs_per_endpoint_name():
    def isn(name, seed):
        ep = Endpoint(name, 40000, Config(seed=seed))
        ep.connect(0.0, 80)
        return ep.iss
    assert isn("client", 1) == isn("client", 1)
    assert isn("client", 1) != isn("server", 1)
    assert isn("client", 1) != isn("client", 2)


def test_rfc6528_isn_grows_with_the_clock_and_hides_the_connection_key():
    a = rfc6528_isn(0.0, "10.0.0.1", 40000, "10.0.0.2", 80, b"k")
    b = rfc6528_isn(1.0, "10.0.0.1", 40000, "10.0.0.2", 80, b"k")
    assert (b - a) % 2**32 == 250_000  # M ticks every 4 microseconds
    assert rfc6528_isn(0.0, "10.0.0.1", 40001, "10.0.0.2", 80, b"k") != a
    assert rfc6528_isn(0.0, "10.0.0.1", 40000, "10.0.0.2", 80, b"other") != a
    ep = Endpoint("client", 40000, Config(isn_mode="rfc6528", secret=b"k"))
    ep.connect(1.0, 80, remote_ip="10.0.0.2")
    assert ep.iss == b


def test_fixed_isn_mode_needs_an_isn():
    with pytest.raises(ParameterError, match="isn_mode='fixed'"):
        Config(isn_mode="fixed")
    assert Config(isn_mode="fixed", isn=7).isn == 7


def test_handshake_across_sequence_wraparound():
    pair = ConnectionPair(Config(isn=2**32 - 1), Config(isn=2**32 - 2))
    pair.connect()
    assert pair.client.snd_una == 0 and pair.server.rcv_nxt == 0
    data = bytes(range(256)) * 30
    pair.send("client", data)
    pair.run()
    assert pair.received["server"] == data
    assert pair.client.snd_una == len(data)


# -- RFC review defects: ISNs (#1), window scaling (#2), SYN-RECEIVED (#3), SYN give-up (#4),
# -- RFC 6298 §5.7 and Karn on the handshake (#5), text on a SYN (#6) --------------------------

def _handshake_isn(now: float, **cfg) -> int:
    ep = Endpoint("client", 40000, Config(**cfg))
    ep.connect(now, 80, "10.0.0.2")
    return ep.iss


def test_default_isns_are_rfc6528_and_rise_with_the_clock_on_one_four_tuple_rfc9293_3_4_1():
    """RFC 9293 §3.4.1 MUST-8: a clock-driven ISN (RFC 6528: M + F(4-tuple, key)); the key comes
    from the run's seed, so a run is reproducible, and another seed gives other numbers."""
    assert Config().isn_mode == "rfc6528"
    first, later = _handshake_isn(0.0), _handshake_isn(10.0)
    assert (later - first) % 2**32 == 10 * 250_000  # the 4 µs clock moved on; F is the same
    assert _handshake_isn(0.0) == first
    assert _handshake_isn(0.0, seed=1) != first
    assert _handshake_isn(0.0, isn_mode="random") != _handshake_isn(0.0, isn_mode="random",
                                                                     seed=1)


def test_passive_open_learns_the_peers_address_for_its_rfc6528_isn():
    """RFC 6528 §3: F hashes the remote address too. Two clients on the same port but other
    addresses must not get the same server ISN (a victim's ISN is not an attacker's)."""
    isns = []
    for ip in ("10.0.0.1", "10.0.0.66"):
        server = Endpoint("server", 80, Config())
        server.listen(0.0)
        server.receive(0.0, Segment(40000, 80, seq=7, flags=Flags.SYN), ip)
        assert server.remote_ip == ip
        isns.append(server.iss)
    assert isns[0] != isns[1]


def test_simultaneous_open_with_window_scaling_does_not_scale_the_syn_ack_window_rfc7323_2_2():
    """RFC 7323 §2.2: the window field of a SYN or SYN,ACK is never scaled; a simultaneous open
    takes its send window from a SYN,ACK, so it must stay 65535 here, not 65535 << 7."""
    pair = ConnectionPair(Config(isn=10, wscale=7), Config(isn=20, wscale=7))
    pair.client.connect(0.0, 80)
    pair.server.connect(0.0, 40000)
    pair.pump()
    pair.run_until(lambda: pair.client.state is State.ESTABLISHED
                   and pair.server.state is State.ESTABLISHED)
    assert State.SYN_RECEIVED in pair.states("client")
    assert pair.client.snd_wnd == pair.server.snd_wnd == 65535
    data = bytes(range(256)) * 800
    pair.send("client", data)
    pair.run()
    assert bytes(pair.received["server"]) == data
    assert not [e for e in pair.of_type("server", SegmentIgnored) if "window" in e.reason]


def _server_in_syn_received(**cfg) -> tuple[Endpoint, Segment]:
    server = Endpoint("server", 80, Config(isn=5000, **cfg))
    server.listen(0.0)
    server.receive(0.0, Segment(40000, 80, seq=100, flags=Flags.SYN), "10.0.0.1")
    (syn_ack,) = server.segments_to_send()
    return server, syn_ack


def test_syn_received_sends_the_challenge_ack_it_owes_at_once_rfc5961_3_2():
    """RFC 5961 §3.2 / RFC 9293 §3.10.7.4: an in-window RST that is not exact is answered by a
    challenge ACK, also in SYN-RECEIVED, right away; no stale ACK leaks out later."""
    server, _ = _server_in_syn_received()
    server.receive(0.1, Segment(40000, 80, seq=150, flags=Flags.RST), "10.0.0.1")
    (challenge,) = server.segments_to_send()
    assert challenge.flags == Flags.ACK and (challenge.seq, challenge.ack) == (5001, 101)
    assert server.state is State.SYN_RECEIVED
    server.receive(0.2, Segment(40000, 80, seq=101, ack=5001, flags=Flags.ACK), "10.0.0.1")
    assert server.state is State.ESTABLISHED
    assert server.segments_to_send() == []  # nothing owed any more


def test_syn_received_answers_an_unacceptable_segment_with_an_ack_rfc9293_3_10_7_4():
    server, _ = _server_in_syn_received()
    server.receive(0.1, Segment(40000, 80, seq=900_000, ack=5001, flags=Flags.ACK,
                                payload=b"far"), "10.0.0.1")
    (ack,) = server.segments_to_send()
    assert ack.flags == Flags.ACK and ack.ack == 101 and server.state is State.SYN_RECEIVED


def test_in_window_syn_in_syn_received_after_passive_open_goes_back_to_listen_rfc9293_3_10_7_4():
    """§3.10.7.4 fourth step: after a passive OPEN, a SYN in the window returns the connection to
    LISTEN; a repeat of the peer's first SYN is answered by our SYN,ACK again instead."""
    server, syn_ack = _server_in_syn_received()
    server.receive(0.1, Segment(40000, 80, seq=100, flags=Flags.SYN), "10.0.0.1")
    assert server.segments_to_send() == [syn_ack] and server.state is State.SYN_RECEIVED
    server.receive(0.2, Segment(40000, 80, seq=120, flags=Flags.SYN), "10.0.0.1")
    assert server.state is State.LISTEN and server.segments_to_send() == []
    assert server.get_timer() is None


def test_syn_is_retried_for_at_least_three_minutes_rfc9293_3_8_3_must_23():
    """RFC 9293 §3.8.3 MUST-23, RFC 1122 §4.2.3.5: R2 for a SYN is at least 3 minutes."""
    ep = Endpoint("client", 40000, Config(isn=1))
    ep.connect(0.0, 80)
    now = 0.0
    while (deadline := ep.get_timer()) is not None:
        now = deadline
        ep.handle_timer(now)
    assert ep.state is State.CLOSED and now >= 180.0
    syns = [s for s in ep.segments_to_send() if s.flags == Flags.SYN]
    assert len(syns) == 8  # at 0, 1, 3, 7, 15, 31, 63, 123; given up at 183


def test_a_lecture_may_configure_a_shorter_syn_timeout():
    ep = Endpoint("client", 40000, Config(isn=1, syn_timeout=10.0))
    ep.connect(0.0, 80)
    now = 0.0
    while (deadline := ep.get_timer()) is not None:
        now = deadline
        ep.handle_timer(now)
    assert ep.state is State.CLOSED and now == 15.0


def test_rto_is_three_seconds_once_data_flows_after_a_syn_timed_out_rfc6298_5_7():
    pair = ConnectionPair(Config(isn=1000), Config(isn=5000))
    pair.drop("client", when=lambda s: bool(s.flags & Flags.SYN))
    pair.connect()
    assert pair.client.srtt is None  # Karn: the resent SYN's ACK gave no sample
    assert pair.client.rto == 3.0


def test_karn_takes_no_sample_from_a_syn_ack_resent_after_a_duplicate_syn_rfc6298_3():
    """The server resends its SYN,ACK when the client's SYN comes again: the ACK that follows
    may answer either copy, so it must not be timed (Karn's rule, RFC 6298 §3)."""
    server, _ = _server_in_syn_received()
    server.receive(0.5, Segment(40000, 80, seq=100, flags=Flags.SYN), "10.0.0.1")
    server.receive(0.6, Segment(40000, 80, seq=101, ack=5001, flags=Flags.ACK), "10.0.0.1")
    assert server.state is State.ESTABLISHED and server.srtt is None


def test_text_on_a_syn_ack_is_delivered_rfc9293_3_10_7_3():
    client = Endpoint("client", 40000, Config(isn=1))
    client.connect(0.0, 80)
    client.segments_to_send()
    client.receive(0.1, Segment(80, 40000, seq=900, ack=2, flags=Flags.SYN | Flags.ACK,
                                payload=b"hello"), "10.0.0.2")
    events = []
    while (e := client.next_event()) is not None:
        events.append(e)
    assert DataReceived(b"hello") in events and client.rcv_nxt == 906
    (ack,) = client.segments_to_send()
    assert ack.ack == 906


def test_text_and_fin_on_a_syn_are_queued_until_established_rfc9293_3_10_7_2():
    server = Endpoint("server", 80, Config(isn=5000))
    server.listen(0.0)
    server.receive(0.0, Segment(40000, 80, seq=100, flags=Flags.SYN | Flags.FIN,
                                payload=b"early"), "10.0.0.1")
    (syn_ack,) = server.segments_to_send()
    assert syn_ack.ack == 101  # the text waits: only the SYN is acknowledged yet
    server.receive(0.1, Segment(40000, 80, seq=101, ack=5001, flags=Flags.ACK), "10.0.0.1")
    events = []
    while (e := server.next_event()) is not None:
        events.append(e)
    assert DataReceived(b"early") in events and PeerClosed() in events
    assert server.state is State.CLOSE_WAIT and server.rcv_nxt == 107
