"""Opening a connection: the three-way handshake, options, ISNs, retransmitted SYNs, RSTs."""

from __future__ import annotations

import pytest
from pair import ConnectionPair

from tcpedu.errors import ParameterError
from tcpedu.model.endpoint import Config, Endpoint
from tcpedu.model.events import Connected, ConnectionClosed, ConnectionReset, Retransmitted
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
