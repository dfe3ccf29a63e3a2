"""The kernel plumbing under live capture and interop: IPv4 wrapping, namespaces, TUN devices."""

from __future__ import annotations

import os
import socket
import struct
import threading
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tcpedu.capture.ipv4 import PROTO_TCP, unwrap, wrap
from tcpedu.errors import PermissionNeeded, SegmentError
from tcpedu.model.segment import Flags, Options, Segment

ipv4s = st.tuples(*[st.integers(0, 255)] * 4).map(lambda t: ".".join(map(str, t)))


@settings(max_examples=60, deadline=None)
@given(src=ipv4s, dst=ipv4s, payload=st.binary(max_size=200), ident=st.integers(0, 0xFFFF))
def test_wrapped_segment_reads_back_and_scapy_agrees(src, dst, payload, ident):
    from scapy.layers.inet import IP, TCP

    seg = Segment(40001, 80, seq=7, ack=9, flags=Flags.PSH | Flags.ACK, payload=payload,
                  options=Options(timestamps=(1, 2)))
    packet = wrap(src, dst, seg.to_bytes(src, dst), ident=ident)
    ip = unwrap(packet)
    assert (ip.src, ip.dst, ip.protocol) == (src, dst, PROTO_TCP)
    assert Segment.from_bytes(ip.payload) == seg
    parsed = IP(packet)
    rebuilt = IP(packet)
    del rebuilt.chksum, rebuilt[TCP].chksum  # let scapy compute both checksums itself
    rebuilt = IP(bytes(rebuilt))
    assert (parsed.chksum, parsed[TCP].chksum) == (rebuilt.chksum, rebuilt[TCP].chksum)
    assert parsed.src == src and parsed.id == ident and parsed.flags == "DF"


@settings(max_examples=150, deadline=None)
@given(data=st.binary(max_size=80), base=st.sampled_from([b"", wrap("192.0.2.1", "192.0.2.2",
                                                                 b"x" * 24)]))
def test_damaged_packets_raise_segment_error_only(data, base):
    packet = bytearray(base or data)
    if base:  # flip some bytes of a good packet
        for i, b in enumerate(data[:8]):
            packet[b % len(packet)] ^= (i + 1)
    try:
        ip = unwrap(bytes(packet))
    except SegmentError:
        return
    assert ip.protocol in range(256) and len(ip.payload) <= len(packet) - 20


def test_bad_addresses_are_a_clear_error():
    with pytest.raises(SegmentError, match="not an IPv4 address"):
        wrap("192.0.2.1", "::1", b"")
    with pytest.raises(SegmentError, match="fragments"):
        good = bytearray(wrap("192.0.2.1", "192.0.2.2", b"x" * 20))
        good[6:8] = b"\x20\x00"  # more fragments
        good[10:12] = b"\0\0"
        from tcpedu.model.segment import internet_checksum
        good[10:12] = struct.pack("!H", internet_checksum(bytes(good[:20])))
        unwrap(bytes(good))


# -- namespaces and TUN (root) ---------------------------------------------------------------------
@pytest.fixture
def namespace():
    from tcpedu.capture.netns import NetworkNamespace

    try:
        ns = NetworkNamespace()
    except PermissionNeeded as exc:
        pytest.skip(f"network namespaces need privilege here: {exc}")
    yield ns
    ns.close()


def _open_fds() -> set[str]:
    return set(os.listdir("/proc/self/fd"))


def test_namespace_is_isolated_and_tun_carries_real_kernel_packets():
    from tcpedu.capture.netns import NetworkNamespace, Tun

    fds, threads = _open_fds(), threading.active_count()
    try:
        namespace = NetworkNamespace()
    except PermissionNeeded as exc:
        pytest.skip(f"network namespaces need privilege here: {exc}")
    home_inode = os.stat("/proc/thread-self/ns/net").st_ino
    with namespace.inside():
        assert os.stat("/proc/thread-self/ns/net").st_ino != home_inode
        tun = Tun("tcpedu-t0", "192.0.2.1")
        client = socket.socket()
        client.setblocking(False)
        assert client.connect_ex(("192.0.2.2", 80)) == 115  # EINPROGRESS: the SYN went to the TUN
        names = Path("/proc/net/dev").read_text()
    assert os.stat("/proc/thread-self/ns/net").st_ino == home_inode
    assert "tcpedu-t0" in names and "tcpedu-t0" not in Path("/proc/net/dev").read_text()
    while True:  # skip IPv6 router solicitations
        packet = tun.read(timeout=5)
        assert packet is not None, "the kernel sent no SYN to the TUN device"
        if packet[0] >> 4 == 4:
            break
    ip = unwrap(packet)
    syn = Segment.from_bytes(ip.payload)
    assert (ip.src, ip.dst, syn.dst_port, syn.flags) == ("192.0.2.1", "192.0.2.2", 80, Flags.SYN)
    assert syn.options.mss == 1460 and syn.options.sack_permitted  # Linux's real SYN
    # Answer with RST,ACK: the kernel's connect() is refused.
    rst = Segment(80, syn.src_port, 0, syn.seq + 1, Flags.RST | Flags.ACK, 0)
    tun.write(wrap("192.0.2.2", "192.0.2.1", rst.to_bytes("192.0.2.2", "192.0.2.1")))
    import select
    select.select([client], [client], [], 5)
    assert client.getsockopt(socket.SOL_SOCKET, socket.SO_ERROR) == 111  # ECONNREFUSED
    client.close()
    tun.close()
    namespace.close()
    assert _open_fds() == fds and threading.active_count() == threads
    from tcpedu.capture.netns import NamespaceError
    with pytest.raises(NamespaceError, match="closed"), namespace.inside():
        pass


def test_interface_names_are_checked(namespace):
    from tcpedu.capture.netns import NamespaceError, Tun

    with namespace.inside(), pytest.raises(NamespaceError, match="1..15 characters"):
        Tun("a-name-much-too-long", "192.0.2.1")


def test_namespaces_refuse_clearly_off_linux(monkeypatch):
    from tcpedu.capture import netns

    monkeypatch.setattr(netns, "ON_LINUX", False)
    with pytest.raises(netns.NamespaceError, match="needs Linux"):
        netns.NetworkNamespace()
