"""Validating arriving segments: §3.10.7.4's acceptability test and RFC 5961's challenge ACKs."""

from __future__ import annotations

from pair import ConnectionPair

from tcpedu.model.endpoint import Config
from tcpedu.model.events import ChallengeAckSent, ConnectionReset, SegmentIgnored
from tcpedu.model.segment import Flags, Segment
from tcpedu.model.states import State


def _established(**client) -> ConnectionPair:
    pair = ConnectionPair(Config(isn=1000, **client), Config(isn=5000), delay=0.05)
    pair.connect()
    pair.run()
    return pair


def _from_server(pair: ConnectionPair, **fields) -> Segment:
    return Segment(80, 40000, **fields)


def test_rst_with_exact_sequence_number_resets():
    pair = _established()
    pair.inject("client", _from_server(pair, seq=pair.client.rcv_nxt, flags=Flags.RST))
    assert pair.client.state is State.CLOSED
    assert ConnectionReset("connection reset by peer") in pair.events["client"]


def test_in_window_rst_that_is_not_exact_gets_a_challenge_ack():
    pair = _established()
    sent_before = len(pair.wire.sent("client"))
    pair.inject("client", _from_server(pair, seq=pair.client.rcv_nxt + 100, flags=Flags.RST))
    assert pair.client.state is State.ESTABLISHED
    (challenge,) = pair.wire.sent("client")[sent_before:]
    assert challenge.flags == Flags.ACK and challenge.ack == pair.client.rcv_nxt
    assert challenge.seq == pair.client.snd_nxt
    assert pair.of_type("client", ChallengeAckSent)


def test_in_window_rst_resets_when_challenge_acks_are_off():
    pair = _established(challenge_ack=False)
    pair.inject("client", _from_server(pair, seq=pair.client.rcv_nxt + 100, flags=Flags.RST))
    assert pair.client.state is State.CLOSED


def test_rst_outside_the_window_is_silently_dropped():
    pair = _established()
    sent_before = len(pair.wire.sent("client"))
    pair.inject("client", _from_server(pair, seq=pair.client.rcv_nxt + 100_000, flags=Flags.RST))
    assert pair.client.state is State.ESTABLISHED
    assert pair.wire.sent("client")[sent_before:] == []


def test_syn_in_established_gets_a_challenge_ack_and_changes_nothing():
    pair = _established()
    sent_before = len(pair.wire.sent("client"))
    pair.inject("client", _from_server(pair, seq=pair.client.rcv_nxt + 7, flags=Flags.SYN))
    assert pair.client.state is State.ESTABLISHED
    (challenge,) = pair.wire.sent("client")[sent_before:]
    assert challenge.flags == Flags.ACK and challenge.ack == pair.client.rcv_nxt


def test_data_with_an_ack_far_below_snd_una_gets_a_challenge_ack():
    pair = _established()
    pair.send("client", b"x" * 10)
    pair.run()
    old_ack = (pair.client.snd_una - 200_000) % 2**32
    pair.inject("client", _from_server(pair, seq=pair.client.rcv_nxt, ack=old_ack,
                                       flags="PA", payload=b"injected"))
    assert pair.received["client"] == b""
    assert pair.of_type("client", ChallengeAckSent)


def test_old_duplicate_ack_within_the_window_still_delivers_its_text():
    pair = _established()
    pair.send("client", b"x" * 10)
    pair.run()
    pair.inject("client", _from_server(pair, seq=pair.client.rcv_nxt,
                                       ack=pair.client.snd_una - 5, flags="PA", payload=b"ok"))
    assert pair.received["client"] == b"ok"


def test_ack_of_data_never_sent_is_answered_with_an_ack_and_dropped():
    pair = _established()
    sent_before = len(pair.wire.sent("client"))
    pair.inject("client", _from_server(pair, seq=pair.client.rcv_nxt,
                                       ack=pair.client.snd_nxt + 1000, flags="PA", payload=b"no"))
    assert pair.received["client"] == b""
    (reply,) = pair.wire.sent("client")[sent_before:]
    assert reply.flags == Flags.ACK and reply.ack == pair.client.rcv_nxt


def test_segment_outside_the_receive_window_is_answered_by_an_ack():
    pair = _established()
    sent_before = len(pair.wire.sent("client"))
    pair.inject("client", _from_server(pair, seq=pair.client.rcv_nxt + 70_000,
                                       ack=pair.client.snd_una, flags="PA", payload=b"far"))
    (reply,) = pair.wire.sent("client")[sent_before:]
    assert reply.flags == Flags.ACK and reply.ack == pair.client.rcv_nxt
    assert pair.received["client"] == b""
    assert any("unacceptable" in e.reason for e in pair.of_type("client", SegmentIgnored))


def test_old_retransmission_below_rcv_nxt_is_answered_by_an_ack():
    pair = _established()
    pair.send("server", b"hello")
    pair.run()
    sent_before = len(pair.wire.sent("client"))
    pair.inject("client", _from_server(pair, seq=5001, ack=pair.client.snd_una, flags="PA",
                                       payload=b"hello"))
    (reply,) = pair.wire.sent("client")[sent_before:]
    assert reply.ack == 5006
    assert pair.received["client"] == b"hello"


def test_zero_window_rejects_text_but_accepts_the_ack_and_window():
    pair = ConnectionPair(Config(isn=1000), Config(isn=5000, rcv_buffer=10), delay=0.05)
    pair.connect()
    pair.server.pause_reading()
    pair.send("client", b"0123456789")
    pair.send("server", b"reply")
    pair.run(until=pair.now + 0.5)
    assert pair.server.rcv_wnd == 0
    # Zero window, empty segment at RCV.NXT: acceptable (case 2 of the four).
    pair.inject("server", Segment(40000, 80, seq=pair.server.rcv_nxt, ack=pair.server.snd_nxt,
                                  flags=Flags.ACK, window=4000))
    assert not [e for e in pair.of_type("server", SegmentIgnored) if "zero" in e.reason]
    # Zero window, text at RCV.NXT: text dropped, but the ACK field is used (§3.10.7.4).
    pair.inject("server", Segment(40000, 80, seq=pair.server.rcv_nxt, ack=pair.server.snd_nxt,
                                  flags="PA", window=3000, payload=b"more"))
    assert pair.server.snd_wnd == 3000
    assert pair.server.rcv_nxt == 1011
    assert any("zero receive window" in e.reason for e in pair.of_type("server", SegmentIgnored))


def test_blind_injection_with_a_wrong_sequence_number_is_not_delivered():
    pair = _established()
    for guess in (0, 12345, 2**31):
        pair.inject("server", Segment(40000, 80, seq=guess, ack=pair.server.snd_nxt,
                                      flags="PA", payload=b"evil"))
    assert pair.received["server"] == b""


def test_injection_with_the_right_numbers_is_accepted_like_the_real_client():
    pair = _established()
    pair.inject("server", Segment(40000, 80, seq=pair.server.rcv_nxt, ack=pair.server.snd_nxt,
                                  flags="PA", payload=b"GET /transfer"))
    assert pair.received["server"] == b"GET /transfer"  # why TLS matters (session hijacking)


def test_challenge_acks_are_rate_limited_per_second_rfc5961_7():
    """RFC 5961 §7: challenge ACKs are limited (``challenge_ack_limit`` per second), so a flood
    of spoofed RSTs cannot make the endpoint flood the network back."""
    pair = _established(challenge_ack_limit=2)
    sent_before = len(pair.wire.sent("client"))
    for k in range(5):
        pair.inject("client", _from_server(pair, seq=pair.client.rcv_nxt + 100 + k,
                                           flags=Flags.RST))
    assert len(pair.wire.sent("client")) - sent_before == 2
    assert len(pair.of_type("client", ChallengeAckSent)) == 2
    assert any("rate limit" in e.reason for e in pair.of_type("client", SegmentIgnored))
    pair.now += 1.0  # the next second allows two more
    pair.inject("client", _from_server(pair, seq=pair.client.rcv_nxt + 100, flags=Flags.RST))
    assert len(pair.wire.sent("client")) - sent_before == 3
    assert pair.client.state is State.ESTABLISHED
