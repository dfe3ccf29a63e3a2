"""The pcap writer and the streaming pcap/pcapng reader."""

from __future__ import annotations

import io
import struct
import sys
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tcpedu.capture.pcapio import CaptureReader, frame_bytes, ip_text, read_tcp, write_pcap
from tcpedu.errors import CaptureError
from tcpedu.model.segment import Flags, Options, Segment, internet_checksum, tcp_checksum

sys.path.insert(0, str(Path(__file__).resolve().parent))
from captures import clean_transfer, ipv6, write_link, write_pcapng  # noqa: E402

SYN = Segment(40001, 80, 1000, 0, Flags.SYN, 64240, Options(mss=1460, wscale=7))
DATA = Segment(40001, 80, 1001, 5001, Flags.PSH | Flags.ACK, 502, payload=b"hello")


def _pcap_header(order: str = "<", magic: int = 0xA1B2C3D4, linktype: int = 1) -> bytes:
    return struct.pack(order + "IHHiIII", magic, 2, 4, 0, 0, 65535, linktype)


def _record(data: bytes, sec: int = 100, frac: int = 0, order: str = "<",
            wirelen: int | None = None) -> bytes:
    return struct.pack(order + "IIII", sec, frac, len(data),
                       len(data) if wirelen is None else wirelen) + data


# -- writer --------------------------------------------------------------------------------------

def test_written_frames_have_valid_ip_and_tcp_checksums():
    frame = frame_bytes("10.0.0.1", "10.0.0.2", DATA)
    ip = frame[14:34]
    assert internet_checksum(ip) == 0
    tcp = frame[34:]
    assert tcp_checksum(tcp[:16] + b"\0\0" + tcp[18:], "10.0.0.1", "10.0.0.2") == \
        struct.unpack("!H", tcp[16:18])[0]


def test_writer_round_trips_through_the_reader(tmp_path):
    packets = [(1.5, "10.0.0.1", "10.0.0.2", SYN), (1.75, "10.0.0.1", "10.0.0.2", DATA),
               (2.0, "2001:db8::1", "2001:db8::2", DATA)]
    assert write_pcap(tmp_path / "w.pcap", packets) == 3
    got = list(read_tcp(tmp_path / "w.pcap"))
    assert [g[0] for g in got] == [1, 2, 3]
    assert [round(g[1], 6) for g in got] == [1.5, 1.75, 2.0]
    assert [(ip_text(g[2]), ip_text(g[3])) for g in got] == [
        ("10.0.0.1", "10.0.0.2"), ("10.0.0.1", "10.0.0.2"), ("2001:db8::1", "2001:db8::2")]
    assert [Segment.from_bytes(g[4]) for g in got] == [SYN, DATA, DATA]
    assert [g[5] for g in got] == [0, 5, 5]


def test_writer_accepts_a_file_object_and_nanoseconds():
    buf = io.BytesIO()
    write_pcap(buf, [(3.000000001, "10.0.0.1", "10.0.0.2", SYN)], nanoseconds=True)
    buf.seek(0)
    (frame, time, *_), = list(CaptureReader(buf))
    assert frame == 1 and abs(time - 3.000000001) < 1e-9


def test_writer_rejects_mixed_ip_versions(tmp_path):
    with pytest.raises(CaptureError, match="same IP version"):
        write_pcap(tmp_path / "x.pcap", [(0.0, "10.0.0.1", "::1", SYN)])


@settings(max_examples=40, deadline=None)
@given(seq=st.integers(0, 2**32 - 1), ack=st.integers(0, 2**32 - 1), flags=st.integers(0, 255),
       window=st.integers(0, 65535), payload=st.binary(max_size=64),
       time=st.floats(0, 4e9, allow_nan=False))
def test_any_segment_survives_write_then_read(seq, ack, flags, window, payload, time):
    seg = Segment(1234, 80, seq, ack, Flags(flags), window, payload=payload)
    buf = io.BytesIO()
    write_pcap(buf, [(time, "192.0.2.1", "192.0.2.2", seg)])
    buf.seek(0)
    (_, got_time, _, _, tcp, length), = list(CaptureReader(buf))
    assert Segment.from_bytes(tcp) == seg and length == len(payload)
    assert abs(got_time - time) <= 2e-6     # microsecond timestamps


# -- pcap variants -------------------------------------------------------------------------------

@pytest.mark.parametrize("order", ["<", ">"])
@pytest.mark.parametrize("magic, frac, expected", [(0xA1B2C3D4, 250000, 100.25),
                                                    (0xA1B23C4D, 250000000, 100.25)])
def test_pcap_in_both_byte_orders_and_resolutions(order, magic, frac, expected):
    data = _pcap_header(order, magic) + _record(frame_bytes("10.0.0.1", "10.0.0.2", SYN),
                                                100, frac, order)
    (frame, time, *_), = list(CaptureReader(io.BytesIO(data)))
    assert frame == 1 and time == pytest.approx(expected)


@pytest.mark.parametrize("link", ["ethernet", "vlan", "qinq", "sll", "sll2", "raw", "raw12",
                                  "ipv4only", "null", "loop"])
def test_every_link_type_yields_the_same_segments(tmp_path, link):
    packets = clean_transfer()
    got = list(read_tcp(write_link(tmp_path / f"{link}.pcap", packets, link)))
    assert [Segment.from_bytes(g[4]) for g in got] == [p[3] for p in packets]
    assert {ip_text(g[2]) for g in got} == {"10.0.0.1", "10.0.0.2"}


@pytest.mark.parametrize("link", ["ethernet", "sll2", "null", "raw"])
def test_ipv6_on_several_link_types(tmp_path, link):
    packets = ipv6()
    got = list(read_tcp(write_link(tmp_path / f"{link}.pcap", packets, link)))
    assert [Segment.from_bytes(g[4]) for g in got] == [p[3] for p in packets]
    assert ip_text(got[0][2]) == "2001:db8::1"


def test_pcapng_with_interfaces_resolutions_and_unknown_blocks(tmp_path):
    packets = clean_transfer()
    reader = CaptureReader(write_pcapng(tmp_path / "x.pcapng", packets))
    got = list(reader)
    assert reader.format == "pcapng" and reader.linktypes == [1, 101]
    assert [Segment.from_bytes(g[4]) for g in got] == [p[3] for p in packets]
    assert [round(g[1], 6) for g in got] == [p[0] for p in packets]   # µs, ns and PB times
    # Custom blocks are numbered as frames (as Wireshark does), other unknown blocks skipped.
    assert reader.stats.frames == len(packets) + 2 and reader.stats.not_tcp == 2


def test_pcapng_simple_packet_block_and_big_endian_section():
    eth = frame_bytes("10.0.0.1", "10.0.0.2", DATA)

    def block(kind: int, body: bytes) -> bytes:
        body += b"\0" * (-len(body) % 4)
        return struct.pack(">II", kind, len(body) + 12) + body + struct.pack(">I", len(body) + 12)

    data = (block(0x0A0D0D0A, struct.pack(">IHHq", 0x1A2B3C4D, 1, 0, -1))
            + block(1, struct.pack(">HHI", 1, 0, 0))
            + block(3, struct.pack(">I", len(eth)) + eth))
    (frame, _time, _src, _dst, tcp, length), = list(CaptureReader(io.BytesIO(data)))
    assert frame == 1 and Segment.from_bytes(tcp) == DATA and length == 5


def test_snaplen_cut_payload_keeps_the_length_the_ip_header_announces():
    frame = frame_bytes("10.0.0.1", "10.0.0.2", DATA.replace(payload=bytes(1000)))
    data = _pcap_header() + _record(frame[:54], wirelen=len(frame))
    (_, _, _, _, tcp, length), = list(CaptureReader(io.BytesIO(data)))
    assert len(tcp) == 20 and length == 1000


# -- IP details ----------------------------------------------------------------------------------

def _ipv4(payload: bytes, *, proto: int = 6, frag: int = 0x4000, options: bytes = b"") -> bytes:
    ihl = 5 + len(options) // 4
    return (struct.pack("!BBHHHBBH4s4s", 0x40 | ihl, 0, ihl * 4 + len(payload), 1, frag, 64,
                        proto, 0, bytes([10, 0, 0, 1]), bytes([10, 0, 0, 2])) + options + payload)


def _raw_capture(*ip_packets: bytes) -> CaptureReader:
    data = _pcap_header(linktype=101) + b"".join(_record(p) for p in ip_packets)
    return CaptureReader(io.BytesIO(data))


def test_ipv4_options_fragments_and_other_protocols_are_counted():
    tcp = DATA.to_bytes("10.0.0.1", "10.0.0.2")
    reader = _raw_capture(
        _ipv4(tcp, options=b"\x01\x01\x01\x00"),        # options: still TCP
        _ipv4(tcp, frag=0x2000),                         # first fragment (MF): held
        _ipv4(b"later fragment", frag=0x0010),           # a fragment far later: held
        _ipv4(b"\x08\x00" + bytes(6), proto=1),          # ICMP: not TCP
        b"\x45\x00",                                     # truncated IP header: malformed
    )
    got = list(reader)
    assert [g[0] for g in got] == [1]           # tshark too: the datagram never completes
    assert (reader.stats.frames, reader.stats.tcp, reader.stats.fragments,
            reader.stats.not_tcp, reader.stats.malformed) == (5, 1, 2, 1, 1)
    assert reader.stats.skipped == 4 and reader.stats.fragments_incomplete == 2
    assert reader.stats.unreadable() == {"malformed or cut short": 1,
                                         "IP fragments of datagrams never completed": 2}


def test_ipv6_extension_headers_are_walked():
    tcp = DATA.to_bytes("2001:db8::1", "2001:db8::2")
    hop_by_hop = bytes([60, 0]) + bytes(6)            # next: destination options
    dest_opts = bytes([44, 0]) + bytes(6)             # next: fragment
    fragment = bytes([6, 0, 0, 0]) + bytes(4)         # offset 0: TCP follows
    ext = hop_by_hop + dest_opts + fragment
    ip6 = (struct.pack("!IHBB", 0x60000000, len(ext) + len(tcp), 0, 64)
           + bytes.fromhex("20010db8000000000000000000000001")
           + bytes.fromhex("20010db8000000000000000000000002") + ext + tcp)
    later = bytearray(ip6)
    later[40 + 16 + 2:40 + 16 + 4] = struct.pack("!H", 0x0008)   # fragment offset 1: later
    reader = _raw_capture(ip6, bytes(later))
    got = list(reader)
    assert len(got) == 1 and Segment.from_bytes(got[0][4]) == DATA
    assert reader.stats.fragments == 1


@pytest.mark.parametrize("offset_words", [0, 4, 15])
def test_tcp_data_offset_past_the_packet_is_malformed_not_an_error(offset_words):
    tcp = bytearray(DATA.to_bytes("10.0.0.1", "10.0.0.2"))
    tcp[12] = offset_words << 4          # 0 and 16 bytes: too small; 60 bytes: past the packet
    reader = _raw_capture(_ipv4(bytes(tcp)), _ipv4(DATA.to_bytes("10.0.0.1", "10.0.0.2")))
    got = list(reader)
    assert [g[0] for g in got] == [2] and reader.stats.malformed == 1


# -- damaged files ---------------------------------------------------------------------------------

def test_zero_length_file_is_a_one_line_capture_error(tmp_path):
    path = tmp_path / "empty.pcap"
    path.write_bytes(b"")
    with pytest.raises(CaptureError, match=r"empty.pcap: not a pcap or pcapng file \(empty\)"):
        CaptureReader(path)


def test_wrong_magic_names_the_magic(tmp_path):
    path = tmp_path / "capture.pcap"
    path.write_bytes(b"GIF89a....")
    with pytest.raises(CaptureError) as info:
        CaptureReader(path)
    assert str(info.value) == "capture.pcap: not a pcap or pcapng file (magic 0x47494638)"
    assert "\n" not in str(info.value)


def test_missing_file_is_a_capture_error(tmp_path):
    with pytest.raises(CaptureError, match="cannot open"):
        CaptureReader(tmp_path / "nope.pcap")


def test_file_objects_without_a_name_are_called_capture():
    with pytest.raises(CaptureError, match=r"^capture: not a pcap or pcapng file \(magic"):
        CaptureReader(io.BytesIO(b"nothing here"))


def test_header_cut_short_is_a_capture_error():
    with pytest.raises(CaptureError, match="header cut short"):
        list(CaptureReader(io.BytesIO(_pcap_header()[:10])))


def test_truncated_last_record_keeps_the_frames_before_it():
    good = _record(frame_bytes("10.0.0.1", "10.0.0.2", SYN))
    data = _pcap_header() + good + good[:30]
    reader = CaptureReader(io.BytesIO(data))
    assert len(list(reader)) == 1
    assert reader.stats.truncated_file and reader.stats.damage == "last record cut short"


def test_impossible_record_length_stops_without_reading_gigabytes():
    data = _pcap_header() + struct.pack("<IIII", 1, 0, 0x7FFFFFFF, 0x7FFFFFFF) + bytes(100)
    reader = CaptureReader(io.BytesIO(data))
    assert list(reader) == [] and "impossible" in reader.stats.damage


def test_unknown_link_type_is_counted_not_raised():
    data = _pcap_header(linktype=147) + _record(b"\x00" * 40)
    reader = CaptureReader(io.BytesIO(data))
    assert list(reader) == [] and reader.stats.unknown_link == 1


def test_reader_streams_in_bounded_memory(tmp_path):
    """A file far bigger than the read chunk is read record by record across chunk edges."""
    packets = [(i * 0.001, "10.0.0.1", "10.0.0.2",
                DATA.replace(seq=i * 1000, payload=bytes(900 + i % 200))) for i in range(3000)]
    path = tmp_path / "big.pcap"
    write_pcap(path, packets)
    assert path.stat().st_size > 2 * (1 << 20)
    got = list(read_tcp(path))
    assert [g[5] for g in got] == [len(p[3].payload) for p in packets]
    assert [struct.unpack("!I", g[4][4:8])[0] for g in got] == [p[3].seq for p in packets]
