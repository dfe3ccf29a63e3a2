"""Segment.explain(): the learner's field table."""

from __future__ import annotations

import struct

from tcpedu.model.explain import Explanation
from tcpedu.model.segment import Options, Segment


def _syn() -> Segment:
    return Segment(40000, 80, seq=1000, flags="S", options=Options(mss=1460))


def test_rows_cover_every_header_field_in_wire_order() -> None:
    table = _syn().explain()
    assert isinstance(table, Explanation)
    assert [r.field for r in table.rows] == [
        "Source port", "Destination port", "Sequence number", "Acknowledgment number",
        "Data offset", "Flags", "Window", "Checksum", "Urgent pointer", "Options", "Payload"]


def test_bytes_column_is_the_fields_bytes_on_the_wire() -> None:
    seg = Segment(40000, 80, seq=0x01020304, ack=0x0A0B0C0D, flags="A", window=0x1234)
    raw = seg.to_bytes("10.0.0.1", "10.0.0.2")
    table = seg.explain()
    assert table.row("Source port").hex == raw[0:2].hex(" ") == "9c 40"
    assert table.row("Sequence number").hex == "01 02 03 04"
    assert table.row("Acknowledgment number").hex == "0a 0b 0c 0d"
    assert table.row("Window").hex == "12 34"
    assert table.row("Checksum").hex == raw[16:18].hex(" ")
    assert table.row("Flags").hex.startswith("10 = 00010000")


def test_checksum_shown_is_valid_for_the_addresses() -> None:
    seg = Segment(40000, 80, seq=7, ack=9, flags="PA", payload=b"hello")
    for src, dst in (("10.0.0.1", "10.0.0.2"), ("192.168.1.5", "8.8.8.8")):
        shown = int(seg.explain(src, dst).row("Checksum").value, 16)
        raw = seg.to_bytes(src, dst)
        assert shown == struct.unpack("!H", raw[16:18])[0]
        assert src in seg.explain(src, dst).row("Checksum").meaning


def test_syn_says_it_consumes_one_sequence_number_and_ack_is_not_valid() -> None:
    table = _syn().explain(isn=1000)
    assert "consumes one sequence number" in table.row("Flags").meaning
    assert table.row("Sequence number").value == "0 (raw 1000)"
    assert "initial sequence number" in table.row("Sequence number").meaning
    assert "ACK flag is off" in table.row("Acknowledgment number").meaning
    assert "MSS 1460" in table.row("Options").meaning


def test_ack_meaning_uses_relative_number_of_the_peer() -> None:
    seg = Segment(80, 40000, seq=5001, ack=2001, flags="A")
    table = seg.explain("10.0.0.2", "10.0.0.1", isn=5000, peer_isn=1000)
    assert table.row("Acknowledgment number").meaning.startswith(
        "ack = 1001: the next byte I expect")
    assert "consumes no sequence number" in table.row("Sequence number").meaning
    raw_table = seg.explain("10.0.0.2", "10.0.0.1")
    assert raw_table.row("Acknowledgment number").meaning.startswith("ack = 2001:")


def test_data_segment_names_its_byte_range_and_the_ack_it_earns() -> None:
    seg = Segment(40000, 80, seq=1001, ack=5001, flags="PA", payload=b"x" * 100)
    table = seg.explain(isn=1000, peer_isn=5000)
    assert "bytes 1..100" in table.row("Sequence number").meaning
    assert "ack = 101" in table.row("Payload").meaning
    assert table.row("Payload").value == "100 bytes"


def test_fin_rst_and_zero_window_meanings() -> None:
    fin = Segment(40000, 80, seq=10, ack=20, flags="FA").explain()
    assert "no more data" in fin.row("Flags").meaning
    assert "FIN takes this sequence number" in fin.row("Sequence number").meaning
    rst = Segment(80, 40000, seq=10, flags="R").explain()
    assert "abort" in rst.row("Flags").meaning
    zero = Segment(80, 40000, seq=1, ack=1, flags="A", window=0).explain()
    assert "stop sending" in zero.row("Window").meaning


def test_text_table_is_aligned_and_html_escapes() -> None:
    seg = Segment(40000, 80, seq=1, ack=1, flags="PA", payload=b"<b>&")
    table = seg.explain()
    lines = str(table).splitlines()
    body = lines[3:]
    value_col = lines[1].index("value")
    assert all(line[value_col - 2:value_col] == "  " for line in body)
    assert lines[0].startswith("10.0.0.1:40000 > 10.0.0.2:80")
    page = table._repr_html_()
    assert page.count("<tr>") == len(table.rows) + 1
    assert "<b>&" not in page and "&lt;b&gt;&amp;" in page


def test_ipv6_addresses_are_explained_too() -> None:
    table = Segment(40000, 443, seq=1, flags="S").explain("2001:db8::1", "2001:db8::2")
    assert "HTTPS" in table.row("Destination port").meaning
    assert "2001:db8::1" in table.title


def test_rst_seq_must_be_exactly_rcv_nxt_rfc5961_3_2() -> None:
    """With RFC 5961 an RST resets only at exactly RCV.NXT; elsewhere in the window it draws a
    challenge ACK, so "inside the window" would teach the pre-5961 rule."""
    meaning = Segment(80, 40000, seq=10, flags="R").explain().row("Sequence number").meaning
    assert "exactly" in meaning and "RCV.NXT" in meaning and "challenge ACK" in meaning


def test_syn_isn_is_explained_as_clock_plus_secret_not_chance_rfc6528() -> None:
    meaning = _syn().explain(isn=1000).row("Sequence number").meaning
    assert "clock" in meaning and "RFC 6528" in meaning and "at random" not in meaning
