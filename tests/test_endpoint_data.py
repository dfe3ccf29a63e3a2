"""Moving data: segmentation, ACKs, delayed ACKs, windows, reassembly, SACK, Go-Back-N."""

from __future__ import annotations

from pair import ConnectionPair

from tcpedu.model.endpoint import Config, Endpoint
from tcpedu.model.events import DataReceived, Retransmitted, SegmentIgnored
from tcpedu.model.segment import Flags, Options, Segment
from tcpedu.model.states import State


def _established(client: Config | None = None, server: Config | None = None,
                 delay: float = 0.05) -> ConnectionPair:
    pair = ConnectionPair(client or Config(isn=1000), server or Config(isn=5000), delay=delay)
    pair.connect()
    pair.run()
    return pair


def _data(pair: ConnectionPair, src: str) -> list[Segment]:
    return [s for s in pair.wire.sent(src) if s.payload]


def test_data_is_cut_into_mss_sized_segments():
    pair = _established(Config(isn=1000, mss=100), Config(isn=5000, mss=100))
    pair.send("client", b"x" * 350)
    pair.run()
    sizes = [len(s.payload) for s in _data(pair, "client")]
    assert sizes == [100, 100, 100, 50]
    assert [s.seq for s in _data(pair, "client")] == [1001, 1101, 1201, 1301]
    assert _data(pair, "client")[-1].flags & Flags.PSH


def test_receiver_acks_seq_plus_payload_length():
    pair = _established()
    pair.send("client", b"hello")
    pair.run()
    ack = pair.wire.sent("server")[-1]
    assert ack.ack == 1001 + 5 and ack.seq == 5001 and not ack.payload


def test_reply_data_piggybacks_the_ack():
    pair = _established()
    pair.client.send(pair.now, b"request")
    pair.pump()
    pair.run_until(lambda: pair.received["server"] == b"request")
    pair.server.send(pair.now, b"response")  # before any bare ACK left the server
    pair.pump()
    reply = [s for s in pair.wire.sent("server") if s.payload][0]
    assert reply.flags & Flags.ACK and reply.ack == 1001 + 7
    bare_acks = [s for s in pair.wire.sent("server")[2:] if not s.payload]
    assert bare_acks == []


def test_cumulative_ack_acknowledges_everything_before_it():
    pair = _established(Config(isn=1000, mss=100))
    pair.send("client", b"a" * 300)
    pair.run()
    assert pair.client.snd_una == 1301 and pair.client.flight_size == 0
    assert pair.client.timers.get("rto") is None


def test_delayed_ack_acks_every_second_segment():
    pair = _established(Config(isn=1000, mss=100, initial_cwnd=10),
                        Config(isn=5000, delayed_ack=0.2))
    pair.send("client", b"a" * 400)
    pair.run()
    acks = [s.ack for s in pair.wire.sent("server")[1:]]
    assert acks == [1201, 1401]


def test_delayed_ack_timer_acks_a_lone_segment():
    pair = _established(Config(isn=1000), Config(isn=5000, delayed_ack=0.2))
    pair.send("client", b"lonely")
    start = pair.now
    pair.run()
    (t, _, _, ack), = [e for e in pair.wire.log[6:] if e[1] == "sent" and e[2] == "server"]
    assert ack.ack == 1007
    assert round(t - start, 6) == round(0.05 + 0.2, 6)


def test_receive_window_advertises_free_buffer_and_closes_when_app_pauses():
    pair = _established(Config(isn=1000, mss=100), Config(isn=5000, rcv_buffer=300))
    pair.server.pause_reading()
    pair.send("client", b"z" * 500)
    pair.run(until=pair.now + 0.5)
    assert pair.server.rcv_wnd == 0 and pair.client.snd_wnd == 0
    assert pair.server.bytes_delivered == 0 and pair.client.snd_una == 1301
    wins = [s.window for s in pair.wire.sent("server")[1:]]
    assert wins[-1] == 0


def test_zero_window_probe_with_backoff_then_window_update_resumes():
    pair = _established(Config(isn=1000, mss=100, rto_initial=1.0),
                        Config(isn=5000, rcv_buffer=300))
    pair.server.pause_reading()
    pair.send("client", b"z" * 500)
    pair.advance(20.0)
    probes = [e for e in pair.events["client"] if isinstance(e, Retransmitted)]
    assert probes and all(p.reason == "probe" for p in probes)
    probe_times = [t for t, a, n, s in pair.wire.log
                   if a == "sent" and n == "client" and s.seq == 1301]
    gaps = [round(b - a, 3) for a, b in zip(probe_times, probe_times[1:], strict=False)]
    assert gaps == sorted(gaps) and gaps[-1] > gaps[0]  # persist timer backs off
    assert all(len(s.payload) == 1 for t, a, n, s in pair.wire.log
               if a == "sent" and n == "client" and s.seq == 1301)
    pair.server.resume_reading(pair.now)
    pair.pump()
    pair.run()
    assert pair.received["server"] == b"z" * 500


def test_slow_reader_app_read_rate_closes_and_reopens_the_window():
    pair = _established(Config(isn=1000, mss=100),
                        Config(isn=5000, rcv_buffer=200, app_read_rate=1000.0))
    data = bytes(range(200)) * 5
    pair.send("client", data)
    pair.run()
    assert pair.received["server"] == data
    assert min(s.window for s in pair.wire.sent("server")[1:]) < 100


def test_out_of_order_segment_is_buffered_and_reassembled():
    pair = _established(Config(isn=1000, mss=100))
    pair.reorder("client", extra=0.2, when=lambda s: s.seq == 1001)
    pair.send("client", bytes(range(250)))
    pair.run(until=pair.now + 0.08)
    assert pair.server.ooo_ranges == ((1101, 1251),)
    snap = pair.server.snapshot(pair.now)
    assert snap.ooo == pair.server.ooo_ranges and snap.rcv_nxt == 1001
    pair.run()
    assert pair.received["server"] == bytes(range(250))
    dup_acks = [s for s in pair.wire.sent("server")[1:] if s.ack == 1001]
    assert len(dup_acks) == 2  # one immediate duplicate ACK per out-of-order segment
    assert not [e for e in pair.events["client"] if isinstance(e, Retransmitted)]


def test_gbn_receiver_discards_out_of_order_segments():
    pair = _established(Config(isn=1000, mss=100), Config(isn=5000, receiver="gbn"))
    pair.drop("client", when=lambda s: s.seq == 1001)
    pair.send("client", bytes(range(250)))
    pair.run(until=pair.now + 0.2)
    assert pair.server.ooo_ranges == ()
    ignored = [e for e in pair.events["server"] if isinstance(e, SegmentIgnored)]
    assert [e.seq for e in ignored] == [1101, 1201]
    assert all("Go-Back-N" in e.reason for e in ignored)
    pair.run()
    assert pair.received["server"] == bytes(range(250))
    resent = [e.seq for e in pair.events["client"] if isinstance(e, Retransmitted)]
    assert resent[:3] == [1001, 1101, 1201]  # everything from the hole is sent again


def test_tcp_receiver_keeps_what_gbn_would_resend():
    pair = _established(Config(isn=1000, mss=100))
    pair.drop("client", when=lambda s: s.seq == 1001)
    pair.send("client", bytes(range(250)))
    pair.run()
    resent = [e.seq for e in pair.events["client"] if isinstance(e, Retransmitted)]
    assert resent == [1001]
    assert pair.received["server"] == bytes(range(250))


def test_sack_blocks_name_the_data_held_beyond_a_hole():
    pair = _established(Config(isn=1000, mss=100, sack=True, initial_cwnd=10),
                        Config(isn=5000, sack=True))
    pair.drop("client", count=2, when=lambda s: s.seq in (1101, 1401))
    pair.send("client", b"s" * 600)
    pair.run(until=pair.now + 0.08)
    sacks = [s.options.sack for s in pair.wire.sent("server") if s.options.sack]
    assert sacks[0] == ((1201, 1301),)
    last = sacks[-1]
    assert last[0] == (1501, 1601)  # the block with the latest arrival comes first
    assert set(last) == {(1501, 1601), (1201, 1401)}
    pair.run()
    assert pair.received["server"] == b"s" * 600


def test_sack_sender_resends_every_hole_without_waiting_for_a_timeout():
    pair = _established(Config(isn=1000, mss=100, sack=True, initial_cwnd=10),
                        Config(isn=5000, sack=True))
    pair.drop("client", count=2, when=lambda s: s.seq in (1101, 1401) and s.payload)
    pair.send("client", b"s" * 800)
    pair.run()
    resent = [(e.seq, e.reason) for e in pair.events["client"] if isinstance(e, Retransmitted)]
    assert resent == [(1101, "fast"), (1401, "fast")]
    assert pair.received["server"] == b"s" * 800


def test_send_buffer_limits_what_send_accepts():
    pair = _established(Config(isn=1000, send_buffer=100))
    assert pair.client.send(pair.now, b"q" * 150) == 100
    pair.pump()
    pair.run()
    assert pair.client.send(pair.now, b"r" * 10) == 10


def test_segment_beyond_the_window_is_trimmed():
    server = Endpoint("server", 80, Config(isn=5000, rcv_buffer=10))
    server.listen(0.0)
    server.receive(0.0, Segment(4000, 80, seq=100, flags=Flags.SYN))
    server.receive(0.1, Segment(4000, 80, seq=101, ack=5001, flags=Flags.ACK))
    server.receive(0.2, Segment(4000, 80, seq=101, ack=5001, flags="PA", payload=b"0123456789AB"))
    data = [e.data for e in iter(server.next_event, None) if isinstance(e, DataReceived)]
    assert data == [b"0123456789"]
    assert server.rcv_nxt == 111 and server.state is State.ESTABLISHED


def test_window_scaling_shifts_the_advertised_window():
    pair = _established(Config(isn=1, wscale=2), Config(isn=2, wscale=4, rcv_buffer=1 << 19))
    syn_ack = pair.wire.sent("server")[0]
    assert syn_ack.window == 65535  # a SYN's window is never scaled (RFC 7323 §2.2)
    pair.send("client", b"data")
    pair.run()
    ack = pair.wire.sent("server")[-1]
    assert ack.window == (1 << 19) >> 4
    assert pair.client.snd_wnd == 1 << 19


def test_slow_reader_sees_eof_only_after_the_last_byte():
    from tcpedu.model.events import PeerClosed

    pair = _established(Config(isn=1000, mss=100),
                        Config(isn=5000, rcv_buffer=400, app_read_rate=2000.0))
    pair.send("client", b"e" * 1000)
    pair.close("client")
    pair.run_until(lambda: pair.server.state is State.CLOSE_WAIT)
    assert pair.server.bytes_delivered < 1000  # the FIN came before the reader caught up
    pair.run()
    kinds = [type(e) for e in pair.events["server"] if isinstance(e, (DataReceived, PeerClosed))]
    assert kinds[-1] is PeerClosed and kinds.count(PeerClosed) == 1
    assert pair.received["server"] == b"e" * 1000


def test_lost_window_probe_does_not_stall_a_window_smaller_than_the_mss():
    pair = _established(Config(isn=1000, mss=536, rto_initial=0.5, rto_min=0.5),
                        Config(isn=5000, rcv_buffer=400))
    pair.server.pause_reading()
    pair.drop("client", when=lambda s: len(s.payload) == 1)  # the first zero-window probe
    pair.send("client", bytes(range(250)) * 4)
    pair.run_until(lambda: any(len(s.payload) == 1 for s in pair.wire.sent("client")))
    pair.server.resume_reading(pair.now)
    pair.pump()
    pair.run()
    assert pair.received["server"] == bytes(range(250)) * 4


def test_transfer_with_loss_across_the_sequence_wrap():
    isn = 2**32 - 1000
    pair = _established(Config(isn=isn, mss=100, sack=True, initial_cwnd=10),
                        Config(isn=5000, sack=True))
    crossing = (isn + 1 + 900) % 2**32  # bytes 900..999: sequence number 0 falls inside it
    after = (crossing + 100) % 2**32  # the next segment starts at 1, after the wrap
    pair.drop("client", count=2, when=lambda s: s.seq in (crossing, after) and bool(s.payload))
    data = bytes(range(256)) * 8
    pair.send("client", data)
    pair.run()
    assert pair.received["server"] == data
    assert crossing == 2**32 - 99 and after == 1
    assert pair.client.snd_una == (isn + 1 + len(data)) % 2**32
    resent = [e.seq for e in pair.events["client"] if isinstance(e, Retransmitted)]
    assert resent == [crossing, after]


def test_duplicated_segments_are_delivered_once():
    pair = _established(Config(isn=1000, mss=100))
    pair.duplicate("client", count=3, when=lambda s: bool(s.payload))
    pair.send("client", b"d" * 300)
    pair.run()
    assert pair.received["server"] == b"d" * 300
    dups = [e for e in pair.events["server"] if isinstance(e, SegmentIgnored)]
    assert len(dups) == 3 and all("unacceptable" in e.reason for e in dups)


def test_refused_probe_byte_goes_out_again_as_soon_as_the_window_opens():
    pair = _established(Config(isn=1000, mss=100, rto_initial=1.0),
                        Config(isn=5000, rcv_buffer=200))
    pair.server.pause_reading()
    pair.send("client", b"p" * 400)
    pair.run_until(lambda: any(isinstance(e, Retransmitted) and e.reason == "probe"
                               for e in pair.events["client"]))
    pair.advance(0.2)  # the probe was refused: the window is still closed
    opened = pair.now
    pair.server.resume_reading(pair.now)
    pair.pump()
    pair.run()
    again = [(t, s) for t, a, n, s in pair.wire.log
             if a == "sent" and n == "client" and s.seq == 1201 and t >= opened]
    assert again and again[0][0] - opened < 0.2  # one round trip, not a timeout
    assert len(again[0][1].payload) == 100
    assert Retransmitted(1201, "window") in pair.events["client"]
    assert pair.received["server"] == b"p" * 400


def test_nagle_holds_a_second_small_write_until_the_first_is_acknowledged_rfc9293_3_7_4():
    """RFC 9293 §3.7.4: with Nagle's algorithm (on by default) a short segment waits while an
    earlier short one is unacknowledged, so small writes coalesce."""
    pair = _established()
    assert not pair.client.config.nodelay
    pair.send("client", b"a")
    pair.send("client", b"b")
    pair.send("client", b"c")
    assert [s.payload for s in _data(pair, "client")] == [b"a"]
    pair.run()
    assert [s.payload for s in _data(pair, "client")] == [b"a", b"bc"]
    assert pair.received["server"] == b"abc"


def test_nodelay_sends_each_small_write_at_once_rfc9293_3_7_4_must_17():
    """MUST-17: an application can turn Nagle off (``Config(nodelay=True)``, TCP_NODELAY)."""
    pair = _established(Config(isn=1000, nodelay=True))
    for b in (b"a", b"b", b"c"):
        pair.send("client", b)
    assert [s.payload for s in _data(pair, "client")] == [b"a", b"b", b"c"]


def test_nagle_does_not_delay_full_segments_or_a_bulk_transfers_tail():
    pair = _established(Config(isn=1000, mss=100), Config(isn=5000, mss=100))
    pair.send("client", b"x" * 350)
    assert [len(s.payload) for s in _data(pair, "client")] == [100, 100, 100, 50]


def test_sender_waits_instead_of_filling_a_small_offered_window_rfc9293_3_8_6_2_1():
    """MUST-38 sender silly-window avoidance: a peer that once offered 64 kB now offers 10 bytes;
    the sender neither sends 10-byte segments on every ACK nor stalls for ever: it sends a small
    segment only when the override timeout (``sws_override``) fires."""
    client = Endpoint("client", 40000, Config(isn=0, mss=1000))
    client.connect(0.0, 80)
    client.receive(0.1, Segment(80, 40000, seq=500, ack=1, flags=Flags.SYN | Flags.ACK,
                                window=65535, options=Options(mss=1000)), "10.0.0.2")
    client.segments_to_send()
    client.send(0.1, b"d" * 100_000)
    sent = [s for s in client.segments_to_send() if s.payload]
    assert sent and all(len(s.payload) == 1000 for s in sent)
    top = sent[-1].seq + len(sent[-1].payload)
    for k in range(3):  # ACKs that take everything but offer only 10 bytes
        client.receive(0.2 + k * 0.01, Segment(80, 40000, seq=501, ack=top, flags=Flags.ACK,
                                               window=10), "10.0.0.2")
    assert [s for s in client.segments_to_send() if s.payload] == []
    client.handle_timer(client.get_timer())
    (small,) = [s for s in client.segments_to_send() if s.payload]
    assert len(small.payload) == 10 and small.seq == top
