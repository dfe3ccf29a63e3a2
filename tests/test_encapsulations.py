"""TCP inside tunnels and unusual link layers, read as tshark (Wireshark 4.0) reads it.

Each encapsulation wraps the same conversations (three interleaved streams, and a fast
retransmission with its dup ACKs and lost segment) in frames crafted with scapy; tcpedu must find
the same TCP segments in the same frames as tshark, with the same stream, relative numbers,
length, flags and analysis tags. Then the cases where the IP layer itself is unusual: fragments
(reassembled, reported at the frame that completes the datagram), an IP total length larger than
the bytes the frame had, timestamps that go backwards, and SACK blocks relative to the ISN.
"""

from __future__ import annotations

import struct
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

from tcpedu.capture.pcapio import CaptureReader, write_frames
from tcpedu.model.segment import Options
from tcpedu.reading.analysis import analyze_all

sys.path.insert(0, str(Path(__file__).resolve().parent))
from captures import Talk, fast_retransmit, interleaved, ipv6  # noqa: E402
from test_tshark_agreement import assert_agrees, our_segments, tshark_output  # noqa: E402

OUTER = ("192.0.2.1", "192.0.2.2")
OUTER6 = ("2001:db8:ffff::1", "2001:db8:ffff::2")
MAC = {"src": "02:00:00:00:00:01", "dst": "02:00:00:00:00:02"}


def _ether(payload, ethertype: int | None = None):
    from scapy.layers.l2 import Ether

    return Ether(**MAC, **({"type": ethertype} if ethertype else {})) / payload


def _outer_ip(payload, proto: int):
    from scapy.layers.inet import IP

    return _ether(IP(src=OUTER[0], dst=OUTER[1], proto=proto, id=7) / payload)


def _udp(payload, dport: int):
    from scapy.layers.inet import IP, UDP

    return _ether(IP(src=OUTER[0], dst=OUTER[1]) / UDP(sport=49152, dport=dport) / payload)


def _mpls(ip):
    from scapy.contrib.mpls import MPLS

    return _ether(MPLS(label=100, s=0, ttl=64) / MPLS(label=200, s=0, ttl=64)
                  / MPLS(label=300, s=1, ttl=64) / ip, 0x8847)


def _pppoe(ip):
    from scapy.layers.ppp import PPP, PPPoE

    return _ether(PPPoE(sessionid=0x1234) / PPP(proto=0x0021 if ip.version == 4 else 0x0057)
                  / ip, 0x8864)


def _gre(key: bool, seq: bool, checksum: bool = False):
    def wrap(ip):
        from scapy.layers.l2 import GRE

        gre = GRE(proto=0x0800 if ip.version == 4 else 0x86DD, chksum_present=int(checksum),
                  key_present=int(key), key=0xABCD if key else None,
                  seqnum_present=int(seq), sequence_number=5 if seq else None)
        return _outer_ip(gre / ip, 47)
    return wrap


def _gre_ethernet(ip):
    from scapy.layers.l2 import GRE

    return _outer_ip(GRE(proto=0x6558, key_present=1, key=9) / _ether(ip), 47)


def _erspan(version: int):
    def wrap(ip):
        from scapy.contrib.erspan import ERSPAN_II, ERSPAN_III
        from scapy.layers.l2 import GRE

        inner = _ether(ip)
        if version == 1:                     # type I: no ERSPAN header, no GRE sequence number
            gre = GRE(proto=0x88BE) / inner
        elif version == 2:
            gre = GRE(proto=0x88BE, seqnum_present=1, sequence_number=3) / ERSPAN_II(
                session_id=5) / inner
        else:
            gre = GRE(proto=0x22EB, seqnum_present=1, sequence_number=3) / ERSPAN_III(
                session_id=5) / inner
        return _outer_ip(gre, 47)
    return wrap


def _vxlan(ip):
    from scapy.layers.vxlan import VXLAN

    return _udp(VXLAN(vni=42, flags=0x08) / _ether(ip), 4789)


def _geneve(ip):
    from scapy.contrib.geneve import GENEVE

    return _udp(GENEVE(vni=42, proto=0x6558) / _ether(ip), 6081)


def _gtp_u(ip):
    from scapy.contrib.gtp import GTP_U_Header

    return _udp(GTP_U_Header(teid=0x1000, gtp_type=255) / ip, 2152)


def _gtp_u_with_sequence(ip):
    from scapy.contrib.gtp import GTP_U_Header

    return _udp(GTP_U_Header(teid=0x1000, gtp_type=255, S=1, seq=77) / ip, 2152)


def _ip_in_ip(ip):
    from scapy.layers.inet import IP

    if ip.version == 4:                                   # 4in4
        return _ether(IP(src=OUTER[0], dst=OUTER[1], proto=4) / ip)
    return _ether(IP(src=OUTER[0], dst=OUTER[1], proto=41) / ip)   # 6in4


def _in_ipv6(ip):
    from scapy.layers.inet6 import IPv6

    return _ether(IPv6(src=OUTER6[0], dst=OUTER6[1], nh=4 if ip.version == 4 else 41) / ip)


def _cisco_hdlc(ip) -> bytes:
    return struct.pack("!BBH", 0x0F, 0x00, 0x0800 if ip.version == 4 else 0x86DD) + bytes(ip)


def _radiotap(fcs: bool):
    def wrap(ip):
        from scapy.layers.dot11 import Dot11, Dot11QoS, RadioTap
        from scapy.layers.l2 import LLC, SNAP

        frame = (Dot11(type=2, subtype=8, FCfield="to_DS", addr1="02:00:00:00:00:0a",
                       addr2="02:00:00:00:00:01", addr3="02:00:00:00:00:02")
                 / Dot11QoS() / LLC(dsap=0xAA, ssap=0xAA, ctrl=3)
                 / SNAP(OUI=0, code=0x0800 if ip.version == 4 else 0x86DD) / ip)
        if not fcs:
            return bytes(RadioTap(present="TSFT+Flags+Rate", Flags=0, Rate=2) / frame)
        body = bytes(frame)
        crc = struct.pack("<I", __import__("zlib").crc32(body))
        return bytes(RadioTap(present="TSFT+Flags+Rate", Flags="FCS", Rate=2)) + body + crc
    return wrap


def _nflog(ip) -> bytes:
    """Linux NFLOG: family, version, resource id; TLVs little-endian, 4-byte aligned."""
    def tlv(kind: int, value: bytes) -> bytes:
        head = struct.pack("<HH", 4 + len(value), kind)
        return head + value + bytes(-len(value) % 4)

    family = 2 if ip.version == 4 else 10
    return (struct.pack("!BBH", family, 0, 7)
            + tlv(1, struct.pack("!HBB", 0x0800, 3, 0))       # packet header: hw protocol, hook
            + tlv(10, b"tcpedu\0")                             # prefix
            + tlv(9, bytes(ip)))                               # the packet


#: name -> (wrap an IP packet into a frame, link type)
ENCAPSULATIONS: dict[str, tuple[Callable, int]] = {
    "mpls": (_mpls, 1),
    "pppoe": (_pppoe, 1),
    "gre": (_gre(False, False), 1),
    "gre_key": (_gre(True, False), 1),
    "gre_key_seq": (_gre(True, True), 1),
    "gre_checksum_key_seq": (_gre(True, True, checksum=True), 1),
    "gre_ethernet": (_gre_ethernet, 1),
    "erspan_i": (_erspan(1), 1),
    "erspan_ii": (_erspan(2), 1),
    "erspan_iii": (_erspan(3), 1),
    "vxlan": (_vxlan, 1),
    "geneve": (_geneve, 1),
    "gtp_u": (_gtp_u, 1),
    "gtp_u_sequence": (_gtp_u_with_sequence, 1),
    "ip_in_ip": (_ip_in_ip, 1),
    "in_ipv6": (_in_ipv6, 1),
    "cisco_hdlc": (_cisco_hdlc, 104),
    "radiotap": (_radiotap(False), 127),
    "radiotap_fcs": (_radiotap(True), 127),
    "nflog": (_nflog, 239),
}


def write_wrapped(path: Path, packets, wrap: Callable, linktype: int) -> Path:
    frames = [(time, bytes(wrap(seg.to_scapy(src, dst)))) for time, src, dst, seg in packets]
    write_frames(path, frames, linktype=linktype)
    return path


@pytest.mark.parametrize("name", sorted(ENCAPSULATIONS))
@pytest.mark.parametrize("situation", [interleaved, fast_retransmit, ipv6],
                         ids=["interleaved", "fast_retransmit", "ipv6"])
def test_encapsulated_tcp_agrees_with_tshark(tmp_path, name, situation):
    wrap, linktype = ENCAPSULATIONS[name]
    packets = situation()
    path = write_wrapped(tmp_path / f"{name}.pcap", packets, wrap, linktype)
    assert assert_agrees(path, min_tag_agreement=1.0) == len(packets)


def test_encapsulated_streams_keep_their_numbers_after_a_plain_one(tmp_path):
    """A tunnelled stream first, then a plain one: neither is skipped, numbers do not shift."""
    first = interleaved()
    second = [(t + 10.0, s, d, seg) for t, s, d, seg in fast_retransmit()]
    frames = [(t, bytes(_vxlan(seg.to_scapy(s, d)))) for t, s, d, seg in first]
    frames += [(t, bytes(_ether(seg.to_scapy(s, d)))) for t, s, d, seg in second]
    path = tmp_path / "mixed.pcap"
    write_frames(path, frames)
    assert assert_agrees(path, min_tag_agreement=1.0) == len(frames)
    assert {row["stream"] for row in our_segments(path).values()} == {0, 1, 2, 3}


def test_encrypted_wifi_data_is_counted_as_such(tmp_path):
    from scapy.layers.dot11 import Dot11, RadioTap

    frame = bytes(RadioTap() / Dot11(type=2, subtype=0, FCfield="to_DS+protected")) + bytes(40)
    path = tmp_path / "wep.pcap"
    write_frames(path, [(1.0, frame)], linktype=127)
    reader = CaptureReader(path)
    assert list(reader) == [] and reader.stats.unreadable() == {"802.11 protected (encrypted)": 1}


# -- IP fragments --------------------------------------------------------------------------------

def _fragmented_capture(path: Path, version: int, *, shuffle: bool) -> int:
    """A transfer whose big segments travel as IP fragments (the last fragment first when
    ``shuffle``); returns the number of frames."""
    from scapy.layers.inet import fragment
    from scapy.layers.inet6 import IPv6ExtHdrFragment, fragment6

    ends = (("10.0.0.1", 40001), ("10.0.0.2", 80)) if version == 4 else \
        (("2001:db8::1", 40001), ("2001:db8::2", 80))
    t = Talk(*ends)
    t.handshake()
    for size in (3000, 100, 2500):
        t.data("client", size)
        t.ack("server")
    t.data("server", 1800)
    t.ack("client")
    t.close()
    frames = []
    for n, (time, src, dst, seg) in enumerate(t.packets):
        ip = seg.to_scapy(src, dst)
        if len(seg.payload) < 1000:
            frames.append((time, bytes(_ether(ip))))
            continue
        if version == 4:
            ip.id = 100 + n
            parts = fragment(ip, fragsize=1000)
        else:
            from scapy.layers.inet import TCP
            from scapy.layers.inet6 import IPv6

            whole = IPv6(src=src, dst=dst) / IPv6ExtHdrFragment(id=100 + n) / ip[TCP]
            parts = fragment6(whole, 1280)
        if shuffle:
            parts = parts[-1:] + parts[:-1]
        for k, part in enumerate(parts):
            frames.append((time + k * 1e-5, bytes(_ether(part))))
    write_frames(path, frames)
    return len(frames)


@pytest.mark.parametrize("version", [4, 6])
@pytest.mark.parametrize("shuffle", [False, True], ids=["in_order", "last_first"])
def test_fragments_are_reassembled_and_reported_at_the_last_one(tmp_path, version, shuffle):
    path = tmp_path / f"frag{version}.pcap"
    frames = _fragmented_capture(path, version, shuffle=shuffle)
    ours = our_segments(path)
    assert assert_agrees(path, min_tag_agreement=1.0) == len(ours) < frames
    assert {row["len"] for row in ours.values()} >= {3000, 2500, 1800}
    reader = CaptureReader(path)
    list(reader)
    assert reader.stats.fragments == frames - len(ours) and reader.stats.fragments_incomplete == 0


def test_a_datagram_missing_a_fragment_is_never_reported(tmp_path):
    from scapy.layers.inet import fragment

    t = Talk()
    t.handshake()
    t.data("client", 3000)
    t.ack("server")
    frames = []
    for time, src, dst, seg in t.packets:
        ip = seg.to_scapy(src, dst)
        parts = fragment(ip, fragsize=1000) if seg.payload else [ip]
        if len(parts) > 1:
            del parts[1]                                  # the middle fragment never came
        frames += [(time, bytes(_ether(p))) for p in parts]
    path = tmp_path / "hole.pcap"
    write_frames(path, frames)
    assert assert_agrees(path, min_tag_agreement=1.0) == 4
    reader = CaptureReader(path)
    list(reader)
    assert reader.stats.unreadable() == {"IP fragments of datagrams never completed": 3}


# -- lengths from the bytes present ---------------------------------------------------------------

def test_ip_total_length_beyond_the_frame_gives_the_bytes_present(tmp_path):
    """A header that claims 85 bytes more than the frame had: tshark's tcp.len is what is there
    (0 here), so the segment is a plain ACK, not data (nor a retransmission)."""
    t = Talk()
    t.handshake()
    t.data("client", 100)
    t.ack("server")
    t.ack("server")                                       # this one lies about its length
    t.data("client", 100)
    t.close()
    frames = []
    for n, (time, src, dst, seg) in enumerate(t.packets):
        frame = bytearray(bytes(_ether(seg.to_scapy(src, dst))))
        if n == 5:
            struct.pack_into("!H", frame, 16, struct.unpack_from("!H", frame, 16)[0] + 85)
        frames.append((time, bytes(frame)))
    path = tmp_path / "liar.pcap"
    write_frames(path, frames)
    assert assert_agrees(path, min_tag_agreement=1.0) == len(frames)
    assert our_segments(path)[6]["len"] == 0


def test_snap_length_keeps_the_length_the_ip_header_announces(tmp_path):
    """Cut by a snap length (caplen < original length): tshark takes the IP length."""
    t = Talk()
    t.handshake()
    for _ in range(3):
        t.data("client", 1000)
    t.ack("server")
    path = tmp_path / "snap.pcap"
    with open(path, "wb") as out:
        out.write(struct.pack("<IHHiIII", 0xA1B2C3D4, 2, 4, 0, 0, 96, 1))
        for time, src, dst, seg in t.packets:
            frame = bytes(_ether(seg.to_scapy(src, dst)))
            sec, usec = divmod(round(time * 1e6), 1_000_000)
            out.write(struct.pack("<IIII", sec, usec, min(96, len(frame)), len(frame)))
            out.write(frame[:96])
    assert assert_agrees(path, min_tag_agreement=1.0) == len(t.packets)
    assert our_segments(path)[4]["len"] == 1000


# -- timestamps that go backwards -----------------------------------------------------------------

def test_a_timestamp_going_backwards_never_makes_out_of_order(tmp_path):
    """tshark 4.0 computes time gaps unsigned: a segment stamped before the one with the highest
    sequence number is far from it, so a late segment is a retransmission, not out-of-order."""
    from tcpedu.capture.pcapio import write_pcap

    t = Talk()
    t.handshake()
    first = t.nxt["client"]
    t.data("client", captured=False)
    t.data("client")
    t.send("client", "PA", 1000, seq=first, dt=-0.0005)      # 0.5 ms *earlier*
    t.ack("server", dt=0.001)
    lost = t.nxt["client"]
    t.data("client", captured=False)
    t.data("client")
    for _ in range(3):
        t.ack("server", ack=lost)
    t.send("client", "PA", 1000, seq=lost, dt=-0.0001)       # after dup ACKs, but earlier
    t.ack("server", dt=0.002)
    t.close()
    path = tmp_path / "backwards.pcap"
    write_pcap(path, t.packets)
    ours = our_segments(path)
    assert assert_agrees(path, min_tag_agreement=1.0) == len(t.packets)
    assert ours[5]["analysis"] == ["retransmission"]
    assert ours[11]["analysis"] == ["retransmission"]


def test_a_negative_handshake_rtt_makes_every_late_segment_out_of_order(tmp_path):
    """The first ACK stamped before the SYN: Wireshark's unsigned threshold is then huge."""
    from tcpedu.capture.pcapio import write_pcap

    t = Talk()
    t.send("client", "S", dt=0.01)
    t.send("server", "SA", dt=0.001)
    t.send("client", "A", dt=-0.05)
    first = t.nxt["client"]
    t.data("client", captured=False, dt=0.1)
    t.data("client", dt=0.1)
    t.send("client", "PA", 1000, seq=first, dt=2.0)          # two seconds late
    t.ack("server")
    path = tmp_path / "negative_rtt.pcap"
    write_pcap(path, t.packets)
    assert assert_agrees(path, min_tag_agreement=1.0) == len(t.packets)
    assert our_segments(path)[5]["analysis"] == ["out-of-order"]


# -- SACK blocks ------------------------------------------------------------------------------------

def test_sack_blocks_are_relative_to_the_other_sides_isn_as_tshark_shows_them(tmp_path):
    from tcpedu.capture.pcapio import write_pcap

    t = Talk(client_isn=4_000_000_000, server_isn=123456)
    t.handshake()
    hole = t.nxt["client"]
    t.data("client", captured=False)
    blocks = []
    for _ in range(3):
        start = t.nxt["client"]
        t.data("client")
        blocks.append((start, t.nxt["client"]))
        t.ack("server", ack=hole, options=Options(sack=((blocks[0][0], blocks[-1][1]),)))
    t.ack("server", ack=hole, options=Options(sack=((blocks[2][0], blocks[2][1]),
                                                     (blocks[0][0], blocks[1][1]))))
    path = tmp_path / "sack.pcap"
    write_pcap(path, t.packets)
    out = tshark_output(path, ["-Y", "tcp.options.sack_le", "-T", "fields", "-e", "frame.number",
                               "-e", "tcp.options.sack_le", "-e", "tcp.options.sack_re"])
    theirs = {}
    for line in out.splitlines():
        frame, left, right = line.split("\t")
        theirs[int(frame)] = tuple(zip(map(int, left.split(",")), map(int, right.split(",")),
                                       strict=True))
    trace, = analyze_all(path)
    ours = {r.frame: r.segment.options.sack for r in trace.segments() if r.segment.options.sack}
    assert ours == theirs and len(ours) == 4
    assert ours[5] == ((1001, 2001),)                         # the ISN is 4e9: wrapped, relative


# -- real captures (tcpdump's test suite, BSD licence: ../shared/captures/tcpdump-tests) -----------

CORPUS = Path(__file__).resolve().parents[2] / "shared" / "captures" / "tcpdump-tests"
REAL = ["geneve.pcap", "geneve-gcp.pcap", "gso-ipv4-vxlan-ipv4.pcap", "gso-ipv6-vxlan-ipv6.pcap",
        "gso-ipv4-geneve-ipv6.pcap", "gso-ipv6-geneve-ipv4.pcap", "wccp_redirect_gre.pcap",
        "lspping-fec-ldp.pcap", "bgp_vpn_attrset.pcap", "arcnet-rfc1051-arp-icmp-http.pcap",
        "arcnet-rfc1201-arp-icmp-http.pcap", "ipoib.pcap", "of10_s4810.pcap"]


@pytest.mark.parametrize("name", REAL)
def test_real_tunnelled_captures_agree_with_tshark(name):
    """VXLAN, Geneve, GRE/WCCP, PPP + MPLS, PPP, ARCnet, IPoIB, 802.3 + LLC from real machines."""
    path = CORPUS / name
    if not path.exists():
        pytest.fail(f"{name} missing from {CORPUS}")
    assert assert_agrees(path, min_tag_agreement=1.0) > 0
