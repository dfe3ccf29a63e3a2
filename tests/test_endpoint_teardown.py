"""Closing in every order: active, passive with half-close, simultaneous, FIN+ACK, TIME-WAIT, RST."""

from __future__ import annotations

import pytest
from pair import ConnectionPair

from tcpedu.model.endpoint import Config, Endpoint
from tcpedu.model.events import ConnectionClosed, ConnectionReset, PeerClosed, TimerArmed
from tcpedu.model.segment import Flags
from tcpedu.model.states import State

S = State


def _established(msl: float = 30.0) -> ConnectionPair:
    pair = ConnectionPair(Config(isn=1000, msl=msl), Config(isn=5000, msl=msl), delay=0.05)
    pair.connect()
    pair.run()
    return pair


def test_active_close_walks_fin_wait_and_time_wait_for_two_msl():
    pair = _established(msl=30.0)
    pair.close("client")
    pair.run_until(lambda: pair.server.state is S.CLOSE_WAIT)
    pair.close("server")
    pair.run_until(lambda: pair.client.state is S.TIME_WAIT)
    entered = pair.now
    pair.run()
    assert pair.states("client")[-4:] == [S.FIN_WAIT_1, S.FIN_WAIT_2, S.TIME_WAIT, S.CLOSED]
    assert pair.states("server")[-3:] == [S.CLOSE_WAIT, S.LAST_ACK, S.CLOSED]
    assert pair.now == pytest.approx(entered + 60.0)
    assert PeerClosed() in pair.events["server"] and PeerClosed() in pair.events["client"]
    assert ConnectionClosed("closed") in pair.events["client"]


def test_half_close_lets_close_wait_side_keep_sending():
    pair = _established()
    pair.close("client")
    pair.run()
    assert pair.client.state is S.FIN_WAIT_2 and pair.server.state is S.CLOSE_WAIT
    pair.send("server", b"still talking")
    pair.run()
    assert pair.received["client"] == b"still talking"
    assert pair.client.state is S.FIN_WAIT_2
    pair.close("server")
    pair.run()
    assert pair.client.state is S.CLOSED and pair.server.state is S.CLOSED


def test_fin_follows_queued_data_on_the_last_segment():
    pair = ConnectionPair(Config(isn=1000, mss=100, initial_cwnd=1), Config(isn=5000))
    pair.connect()
    pair.client.send(pair.now, b"a" * 100 + b"bye")
    pair.client.close(pair.now)  # only one segment fits the window yet: the FIN waits
    pair.pump()
    assert not [s for s in pair.wire.sent("client") if s.flags & Flags.FIN]
    pair.run_until(lambda: pair.server.state is S.CLOSE_WAIT)
    last = pair.wire.sent("client")[-1]
    assert last.flags == Flags.FIN | Flags.PSH | Flags.ACK and last.payload == b"bye"
    assert last.seq == 1101
    assert pair.received["server"] == b"a" * 100 + b"bye"


def test_simultaneous_close_passes_through_closing():
    pair = _established()
    pair.client.close(pair.now)
    pair.server.close(pair.now)
    pair.pump()
    pair.run()
    for name in ("client", "server"):
        assert pair.states(name)[-4:] == [S.FIN_WAIT_1, S.CLOSING, S.TIME_WAIT, S.CLOSED]


def test_fin_and_ack_together_take_fin_wait_1_straight_to_time_wait():
    pair = _established()
    pair.close("client")
    pair.drop("server", when=lambda s: s.flags == Flags.ACK)  # the bare ACK of the FIN
    pair.run_until(lambda: pair.server.state is S.CLOSE_WAIT)
    pair.close("server")
    pair.run_until(lambda: pair.client.state is not S.FIN_WAIT_1)
    assert pair.client.state is S.TIME_WAIT
    assert pair.states("client")[-2:] == [S.FIN_WAIT_1, S.TIME_WAIT]
    pair.run()
    assert pair.server.state is S.CLOSED


def test_time_wait_reacks_retransmitted_fin_and_restarts_2msl():
    pair = _established(msl=10.0)
    pair.close("client")
    pair.run_until(lambda: pair.server.state is S.CLOSE_WAIT)
    pair.close("server")
    pair.drop("client", when=lambda s: s.flags == Flags.ACK)  # the last ACK is lost
    pair.run_until(lambda: pair.client.state is S.TIME_WAIT)
    first_deadline = pair.client.timers["time-wait"]
    pair.run_until(lambda: pair.server.state is S.CLOSED)
    fins = [s for s in pair.wire.sent("server") if s.flags & Flags.FIN]
    assert len(fins) == 2
    assert pair.client.state is S.TIME_WAIT
    assert pair.client.timers["time-wait"] > first_deadline
    restarted = [e for e in pair.events["client"] if isinstance(e, TimerArmed)
                 and e.timer == "time-wait"]
    assert len(restarted) == 2
    assert restarted[1].deadline == pytest.approx(pair.now - 0.05 + 20.0)
    last_acks = [s for s in pair.wire.sent("client") if s.flags == Flags.ACK]
    assert last_acks[-1].ack == fins[-1].seq + 1


def test_lost_fin_is_retransmitted():
    pair = _established()
    pair.drop("client", when=lambda s: bool(s.flags & Flags.FIN))
    pair.close("client")
    pair.run_until(lambda: pair.server.state is S.CLOSE_WAIT)
    assert len([s for s in pair.wire.sent("client") if s.flags & Flags.FIN]) == 2


def test_abort_sends_rst_and_the_peer_is_reset():
    pair = _established()
    pair.send("server", b"unread")
    pair.client.abort(pair.now)
    pair.pump()
    rst = pair.wire.sent("client")[-1]
    assert rst.flags == Flags.RST and rst.seq == pair.client.snd_nxt
    pair.run()
    assert pair.client.state is S.CLOSED and pair.server.state is S.CLOSED
    assert ConnectionReset("connection reset by peer") in pair.events["server"]
    assert ConnectionClosed("aborted") in pair.events["client"]


def test_rst_in_time_wait_closes():
    pair = _established()
    pair.close("client")
    pair.run_until(lambda: pair.server.state is S.CLOSE_WAIT)
    pair.close("server")
    pair.run_until(lambda: pair.client.state is S.TIME_WAIT)
    from tcpedu.model.segment import Segment
    pair.inject("client", Segment(80, 40000, seq=pair.client.rcv_nxt, flags=Flags.RST))
    assert pair.client.state is S.CLOSED


def test_close_in_listen_and_syn_sent_deletes_the_tcb():
    ep = Endpoint("server", 80)
    ep.listen(0.0)
    ep.close(0.0)
    assert ep.state is S.CLOSED
    ep2 = Endpoint("client", 40000)
    ep2.connect(0.0, 80)
    ep2.close(0.0)
    assert ep2.state is S.CLOSED and ep2.get_timer() is None


def test_closed_endpoint_answers_late_fin_with_rst():
    pair = _established(msl=1.0)
    pair.close("client")
    pair.run_until(lambda: pair.server.state is S.CLOSE_WAIT)
    pair.close("server")
    pair.run()
    assert pair.client.state is S.CLOSED
    from tcpedu.model.segment import Segment
    pair.client.receive(pair.now, Segment(80, 40000, seq=7, ack=9, flags="FA"))
    (rst,) = pair.client.segments_to_send()
    assert rst.flags == Flags.RST and rst.seq == 9
