"""The Segment value type: raw bytes, checksums (checked by scapy), options, IPv6."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tcpedu.errors import SegmentError
from tcpedu.model.segment import Flags, Options, Segment, internet_checksum, tcp_checksum

OPTIONS = st.builds(
    Options,
    mss=st.none() | st.integers(0, 0xFFFF),
    wscale=st.none() | st.integers(0, 14),
    sack_permitted=st.booleans(),
    sack=st.lists(st.tuples(st.integers(0, 2**32 - 1), st.integers(0, 2**32 - 1)),
                  max_size=2).map(tuple),
)
SEGMENTS = st.builds(
    Segment,
    src_port=st.integers(0, 0xFFFF), dst_port=st.integers(0, 0xFFFF),
    seq=st.integers(0, 2**32 - 1), ack=st.integers(0, 2**32 - 1),
    flags=st.integers(0, 255).map(Flags), window=st.integers(0, 0xFFFF),
    options=OPTIONS, payload=st.binary(max_size=64),
)


@settings(max_examples=100, deadline=None)
@given(seg=SEGMENTS)
def test_bytes_round_trip(seg):
    assert Segment.from_bytes(seg.to_bytes("10.0.0.1", "10.0.0.2")) == seg


@settings(max_examples=40, deadline=None)
@given(seg=SEGMENTS, v6=st.booleans())
def test_checksum_is_valid_according_to_scapy(seg, v6):
    from scapy.layers.inet import IP, TCP
    from scapy.layers.inet6 import IPv6

    src, dst = ("2001:db8::1", "2001:db8::2") if v6 else ("192.0.2.1", "198.51.100.7")
    raw = seg.to_bytes(src, dst)
    ip = IPv6(src=src, dst=dst) if v6 else IP(src=src, dst=dst)
    pkt = (ip / TCP(raw)).__class__(bytes(ip / TCP(raw)))
    claimed = pkt[TCP].chksum
    del pkt[TCP].chksum
    recomputed = pkt.__class__(bytes(pkt))[TCP].chksum
    assert claimed == recomputed


@settings(max_examples=40, deadline=None)
@given(seg=SEGMENTS)
def test_scapy_round_trip_compares_options_by_meaning(seg):
    back = Segment.from_scapy(seg.to_scapy("10.0.0.1", "10.0.0.2"))
    assert back == seg  # options compared semantically: padding does not matter


def test_ipv6_scapy_packet():
    seg = Segment(1, 2, seq=3, flags="S", options=Options(mss=1440))
    pkt = seg.to_scapy("2001:db8::1", "2001:db8::2")
    assert pkt.name == "IPv6" and Segment.from_scapy(pkt) == seg


def test_seg_len_counts_syn_and_fin():
    assert Segment(1, 2, flags="S").seg_len == 1
    assert Segment(1, 2, flags="FA", payload=b"ab").seg_len == 3


def test_internet_checksum_of_rfc1071_example():
    data = bytes.fromhex("0001f203f4f5f6f7")
    assert internet_checksum(data) == (~0xDDF2) & 0xFFFF


def test_checksum_rejects_mixed_ip_versions():
    with pytest.raises(SegmentError):
        tcp_checksum(b"\x00" * 20, "10.0.0.1", "::1")


@pytest.mark.parametrize("raw, message", [
    (b"\x00" * 10, "needs 20 bytes"),
    (b"\x00" * 12 + b"\xf0" + b"\x00" * 7, "data offset"),
    (b"\x00" * 12 + b"\x60" + b"\x00" * 7 + b"\x02\x09\x00\x00", "bad length"),
])
def test_damaged_bytes_raise_segment_error(raw, message):
    with pytest.raises(SegmentError, match=message):
        Segment.from_bytes(raw)


def test_out_of_range_fields_and_flags_are_refused():
    with pytest.raises(SegmentError, match="seq="):
        Segment(1, 2, seq=2**32)
    with pytest.raises(SegmentError, match="unknown TCP flag"):
        Segment(1, 2, flags="SX")
    assert Segment(1, 2, flags="syn,ack").flags == Flags.SYN | Flags.ACK
    assert Flags.parse("SA").letters == "SA" and (Flags.SYN | Flags.ACK).names == "SYN, ACK"


def test_too_many_options_do_not_fit():
    assert len(Options(mss=1, sack=((1, 2), (3, 4), (5, 6), (7, 8))).to_bytes()) == 40
    opts = Options(mss=1, wscale=2, sack=((1, 2), (3, 4), (5, 6), (7, 8)))
    with pytest.raises(SegmentError, match="at most 40"):
        opts.to_bytes()


def test_a_malformed_ip_address_is_a_segment_error() -> None:
    with pytest.raises(SegmentError, match="does not appear to be an IPv4 or IPv6 address"):
        Segment(1, 2).to_bytes("10.0.0.1", "not-an-ip")
