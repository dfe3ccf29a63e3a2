"""The interop flake of issue 11 explained: Linux's "bad" TCP checksum on a bare ACK from the TUN.

The TUN device is made without ``IFF_VNET_HDR`` and without ``TUNSETOFFLOAD``, so it offers no
checksum offload (``tx-checksumming`` is off; checked below through the ethtool ioctl): Linux
hands no partial checksum to it but finishes every TCP checksum in software, in
``skb_checksum_help()`` (net/core/dev.c), which stores a checksum that folds to 0x0000 as 0xFFFF
(``csum_fold(csum) ?: CSUM_MANGLED_0``, a rule meant for UDP, where 0 means "no checksum"). In
one's complement 0x0000 and 0xFFFF are both zero, so the segment is valid (RFC 1624 §3; RFC 9293
§3.1 checksum), but tshark 4.0 shows it as "0xffff [should be 0x0000 (see RFC 1624)]" with
``tcp.checksum.status`` 0, Bad, where the interop test expected 1: about one segment in
65,536, hence "once, under load".

This test makes it happen on purpose: a connection from the TUN side without TCP options (so
Linux's ACKs carry none), and data lengths chosen so that the checksum of Linux's next bare ACK
comes out 0x0000; Linux writes 0xFFFF, which sums right and which tshark calls bad.
Needs root (a network namespace and a TUN device), like tests/test_interop.py.
"""

from __future__ import annotations

import contextlib
import ctypes
import fcntl
import shutil
import socket
import struct
import subprocess
import threading

import pytest

from tcpedu.capture.ipv4 import PROTO_TCP, unwrap, wrap
from tcpedu.capture.netns import NamespaceError, NetworkNamespace, Tun
from tcpedu.capture.pcapio import write_frames
from tcpedu.errors import PermissionNeeded
from tcpedu.model.segment import Flags, Segment, internet_checksum

LINUX, US = "10.86.0.1", "10.86.0.2"
PORT, OUR_PORT = 80, 40000
_SIOCETHTOOL, _ETHTOOL_GTXCSUM = 0x8946, 0x16


def _tx_checksumming(name: str) -> bool:
    """The device's ``tx-checksumming`` setting, read with the ethtool ioctl."""
    value = ctypes.create_string_buffer(struct.pack("II", _ETHTOOL_GTXCSUM, 0))
    ifreq = struct.pack("16sP", name.encode(), ctypes.addressof(value)) + bytes(16)
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as sock:
        fcntl.ioctl(sock.fileno(), _SIOCETHTOOL, ifreq)
    return bool(struct.unpack_from("II", value.raw)[1])


def _ack_sum_without_ack(seq: int, window: int) -> int:
    """One's-complement sum of a bare ACK from Linux to us, but for its acknowledgment field."""
    pseudo = socket.inet_aton(LINUX) + socket.inet_aton(US) + struct.pack("!BBH", 0, 6, 20)
    header = struct.pack("!HHIIBBHHH", PORT, OUR_PORT, seq, 0, 5 << 4, 0x10, window, 0, 0)
    return (~internet_checksum(pseudo + header)) & 0xFFFF


def _length_for_zero_checksum(seq: int, ack: int, window: int, most: int) -> int | None:
    """A data length n (1..most) after which Linux's ACK (ack + n) has checksum 0x0000."""
    base = _ack_sum_without_ack(seq, window)
    for n in range(1, most + 1):
        value = (ack + n) & 0xFFFFFFFF
        total = base + (value >> 16) + (value & 0xFFFF)
        total = (total & 0xFFFF) + (total >> 16)
        total = (total & 0xFFFF) + (total >> 16)
        if total == 0xFFFF:                   # the sum is "negative zero": checksum 0x0000
            return n
    return None


class _Conversation:
    """Us on the TUN, talking raw TCP to a Linux socket that reads all it gets."""

    def __init__(self, tun: Tun) -> None:
        self.tun = tun
        self.seq = 1_000_000

    def send(self, flags: str, ack: int, payload: bytes = b"") -> None:
        seg = Segment(OUR_PORT, PORT, self.seq, ack, Flags.parse(flags), 65535, payload=payload)
        self.tun.write(wrap(US, LINUX, seg.to_bytes(US, LINUX)))
        self.seq = (self.seq + seg.seg_len) & 0xFFFFFFFF

    def receive(self, until) -> tuple[Segment, bytes]:
        for _ in range(200):
            packet = self.tun.read(0.05)
            if packet is None or packet[0] >> 4 != 4:
                continue
            ip = unwrap(packet)
            if ip.protocol != PROTO_TCP or ip.src != LINUX:
                continue
            seg = Segment.from_bytes(ip.payload)
            if until(seg):
                return seg, ip.payload
        raise AssertionError("Linux did not answer")


def test_linux_writes_a_zero_tcp_checksum_as_0xffff_on_the_tun(tmp_path):
    try:
        ns = NetworkNamespace()
    except PermissionNeeded as exc:
        pytest.skip(f"needs root (network namespace + TUN): {exc}")
    with ns, ns.inside():
        try:
            tun = Tun("tcpck0", LINUX)
        except NamespaceError as exc:
            pytest.skip(f"this system has no TUN driver: {exc}")
        with tun:
            assert not _tx_checksumming("tcpck0")     # no offload: Linux checksums in software
            server = socket.create_server((LINUX, PORT))
            got = bytearray()

            def serve() -> None:
                conn, _ = server.accept()
                with conn, contextlib.suppress(ConnectionResetError):   # our RST at the end
                    while chunk := conn.recv(65536):
                        got.extend(chunk)

            reader = threading.Thread(target=serve, daemon=True)
            reader.start()
            talk = _Conversation(tun)
            talk.send("S", 0)
            synack, _ = talk.receive(lambda s: s.flags == Flags.parse("SA"))
            linux_seq = (synack.seq + 1) & 0xFFFFFFFF
            talk.send("A", linux_seq)
            talk.send("PA", linux_seq, b"x")
            found = None
            for _ in range(400):
                ack, raw = talk.receive(lambda s: s.ack == talk.seq)
                if found is not None and ack.window == found:
                    break
                n = _length_for_zero_checksum(linux_seq, talk.seq, ack.window, 1400)
                found = ack.window if n is not None else None
                talk.send("PA", linux_seq, bytes(n or 1400))
            else:
                pytest.fail("no ACK with a zero checksum in 400 tries")
            talk.send("RA", linux_seq)
            server.close()
            reader.join(2)
    assert raw[16:18] == b"\xff\xff"                  # Linux wrote zero as 0xFFFF...
    pseudo = socket.inet_aton(LINUX) + socket.inet_aton(US) + struct.pack("!BBH", 0, 6, len(raw))
    assert internet_checksum(pseudo + raw) == 0        # ...which sums right: a valid segment
    if shutil.which("tshark"):                         # what the interop test once saw
        path = tmp_path / "ffff.pcap"
        write_frames(path, [(1.0, wrap(LINUX, US, raw))], linktype=101)
        shown = subprocess.run(["tshark", "-r", str(path), "-o", "tcp.check_checksum:TRUE",
                                "-T", "fields", "-e", "tcp.checksum.status",
                                "-e", "tcp.checksum_calculated", "-e", "_ws.expert.message"],
                               capture_output=True, text=True, check=True).stdout
        assert shown.split("\t")[:2] == ["0", "0x0000"]    # status 0, "Bad"...
        assert "0xffff instead of 0x0000 (see RFC 1624)" in shown   # ...for being 0xFFFF
