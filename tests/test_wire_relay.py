"""The wire relay of tcpedu.capture.live, without root: fake TUN devices (socket pairs) carry
hand-made packets through it, to show what ``hold``, ``lose_last_ack`` and ``at`` do."""

from __future__ import annotations

import socket
import struct
import time

import pytest

from tcpedu.capture import live
from tcpedu.capture.ipv4 import unwrap, wrap

CLIENT, SERVER = "192.0.2.1", "192.0.2.2"
ACK, FIN = 0x10, 0x01


class FakeTun:
    """One end of a socket pair: the relay reads what the 'kernel' sends, and writes to it."""

    def __init__(self) -> None:
        self.mine, self.kernel = socket.socketpair(socket.AF_UNIX, socket.SOCK_SEQPACKET)
        self.received: list[bytes] = []

    def fileno(self) -> int:
        return self.mine.fileno()

    def write(self, packet: bytes) -> None:
        self.received.append(packet)

    def send(self, packet: bytes) -> None:  # the kernel routes a packet to the device
        self.kernel.send(packet)


def packet(src: str, dst: str, seq: int, ack: int, flags: int, payload: bytes = b"") -> bytes:
    sport, dport = (80, 40000) if src == SERVER else (40000, 80)
    tcp = struct.pack("!HHIIBBHHH", sport, dport, seq, ack, 5 << 4, flags, 1000, 0, 0) + payload
    return wrap(src, dst, tcp)


def seq_of(raw: bytes) -> int:
    return struct.unpack_from("!I", unwrap(raw).payload, 4)[0]


def run(wire: live._Wire, expected: int, device: FakeTun) -> None:
    deadline = time.monotonic() + 5
    while len(device.received) < expected and time.monotonic() < deadline:
        wire.step()


@pytest.fixture()
def tuns():
    client, server = FakeTun(), FakeTun()
    yield client, server
    for tun in (client, server):
        tun.mine.close()
        tun.kernel.close()


def test_a_held_segment_arrives_just_behind_the_next_one(tuns):
    client, server = tuns
    wire = live._Wire(client, server, SERVER, set(), 0.0, hold={2}, at="client")
    for n in range(4):
        server.send(packet(SERVER, CLIENT, 1 + 100 * n, 1, ACK, bytes(100)))
    run(wire, 4, client)
    assert [seq_of(p) for p in client.received] == [1, 201, 101, 301]
    assert [seq_of(p) for _, p in wire.frames] == [1, 201, 101, 301], "captured as they arrive"


def test_at_server_captures_in_the_order_sent(tuns):
    client, server = tuns
    wire = live._Wire(client, server, SERVER, set(), 0.0, hold={1}, at="server")
    for n in range(3):
        server.send(packet(SERVER, CLIENT, 1 + 100 * n, 1, ACK, bytes(100)))
    run(wire, 3, client)
    assert [seq_of(p) for _, p in wire.frames] == [1, 101, 201]
    assert [seq_of(p) for p in client.received] == [101, 1, 201]


def test_the_client_ack_of_the_server_fin_is_lost_once(tuns):
    client, server = tuns
    wire = live._Wire(client, server, SERVER, set(), 0.0, lose_last_ack=True, at="client")
    server.send(packet(SERVER, CLIENT, 500, 50, FIN | ACK))
    run(wire, 1, client)
    for _ in range(2):  # the ACK of the FIN, then the same ACK again after the FIN is resent
        client.send(packet(CLIENT, SERVER, 50, 501, ACK))
    client.send(packet(CLIENT, SERVER, 50, 500, ACK))  # not the ACK of the FIN: never lost
    run(wire, 2, server)
    assert [struct.unpack_from("!I", unwrap(p).payload, 8)[0] for p in server.received] == [501, 500]
    assert len(wire.frames) == 4, "the capture at the client sees the lost ACK leave"
