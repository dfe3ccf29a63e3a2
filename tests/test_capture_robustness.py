"""Bad input never ends in a traceback or a hang: the tcpdump test corpus and mutation fuzzing.

Every reading either succeeds (TCP found is analysed, everything else counted as skipped) or
raises a one-line :class:`CaptureError`; ``tcpedu analyze`` turns that into exit status 2.
"""

from __future__ import annotations

import io
import sys
import tempfile
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tcpedu.capture.pcapio import write_pcap
from tcpedu.cli import main
from tcpedu.errors import CaptureError
from tcpedu.reading.analysis import json_lines, summarize

sys.path.insert(0, str(Path(__file__).resolve().parent))
import captures  # noqa: E402

CORPUS = Path(__file__).resolve().parents[2] / "shared" / "captures" / "tcpdump-tests"


def read_or_refuse(data_or_path) -> str:
    """Analyse fully (summary and JSON); 'ok' or the CaptureError text. Anything else fails."""
    def source():
        return io.BytesIO(data_or_path) if isinstance(data_or_path, bytes) else data_or_path

    try:
        summary = summarize(source())
        out = io.StringIO()
        json_lines(source(), out)
    except CaptureError as exc:
        text = str(exc)
        assert "\n" not in text and text, "a capture error is one line"
        return text
    assert summary.frames == summary.tcp + summary.skipped
    assert len(out.getvalue().splitlines()) == summary.tcp
    return "ok"


@pytest.mark.timeout(300)
def test_every_tcpdump_test_capture_is_read_without_a_traceback():
    files = sorted(p for p in CORPUS.iterdir() if p.suffix in (".pcap", ".pcapng"))
    if len(files) < 800:
        pytest.fail(f"expected the 830 tcpdump test captures in {CORPUS}, found {len(files)}")
    outcomes = {p.name: read_or_refuse(p) for p in files}
    refused = {name: text for name, text in outcomes.items() if text != "ok"}
    print(f"{len(files)} captures: {len(files) - len(refused)} read, {len(refused)} refused")
    for name, text in refused.items():
        print(f"  {name}: {text}")
    assert len(refused) < len(files) // 10        # nearly all are real captures, if odd ones


def test_tcp_in_the_corpus_is_found_and_analysed():
    summary = summarize(CORPUS / "tcp-handshake-nano.pcap")
    assert summary.tcp == 3 and summary.streams[0].final[0].value == "ESTABLISHED"
    dns = summarize(CORPUS / "dns_tcp.pcap")
    assert dns.tcp == 11 and len(dns.streams) == 1


# -- the command line ------------------------------------------------------------------------------

def test_unreadable_file_is_one_line_and_exit_status_2(tmp_path, capsys):
    path = tmp_path / "capture.pcap"
    path.write_bytes(b"\x00\x01\x02\x03 this is no capture")
    assert main(["analyze", str(path)]) == 2
    err = capsys.readouterr().err
    assert err == ("tcpedu analyze: error: capture.pcap: not a pcap or pcapng file "
                   "(magic 0x00010203)\n")


@pytest.mark.parametrize("content", [b"", b"\xd4\xc3\xb2\xa1\x02\x00"])
def test_zero_length_and_cut_header_exit_2(tmp_path, capsys, content):
    path = tmp_path / "short.pcap"
    path.write_bytes(content)
    assert main(["analyze", "--json", str(path)]) == 2
    assert capsys.readouterr().err.count("\n") == 1


@pytest.mark.parametrize("name", ["tcp_header_heapoverflow.pcap", "heapoverflow-tcp_print.pcap",
                                  "tcp_rst_data-trunc.pcap", "mptcp-dss-oobr.pcap"])
def test_malformed_corpus_captures_through_the_command(name, capsys):
    assert main(["analyze", str(CORPUS / name)]) == 0
    out = capsys.readouterr().out
    assert out.startswith(f"{name}: ") and "frames skipped" in out


def test_damaged_tail_is_reported_in_the_summary(tmp_path, capsys):
    path = tmp_path / "cut.pcap"
    write_pcap(path, captures.clean_transfer())
    path.write_bytes(path.read_bytes()[:-20])
    assert main(["analyze", str(path)]) == 0
    out = capsys.readouterr().out
    assert "12 TCP segments" in out and "last record cut short" in out


# -- mutation fuzzing ----------------------------------------------------------------------------

def _base(kind: str) -> bytes:
    if kind == "pcap":
        buf = io.BytesIO()
        write_pcap(buf, captures.fast_retransmit())
        return buf.getvalue()
    with tempfile.TemporaryDirectory() as tmp:
        return captures.write_pcapng(Path(tmp) / "base.pcapng", captures.clean_transfer()).read_bytes()


BASES = {kind: _base(kind) for kind in ("pcap", "pcapng")}

mutations = st.lists(
    st.one_of(
        st.tuples(st.just("set"), st.integers(0, 10**6), st.integers(0, 255)),
        st.tuples(st.just("cut"), st.integers(0, 10**6), st.just(0)),
        st.tuples(st.just("insert"), st.integers(0, 10**6), st.integers(0, 255)),
        st.tuples(st.just("big"), st.integers(0, 10**6), st.sampled_from([0, 0xFF])),
    ),
    min_size=1, max_size=8)


def mutate(data: bytes, edits: list[tuple[str, int, int]]) -> bytes:
    out = bytearray(data)
    for op, where, value in edits:
        if not out:
            break
        i = where % len(out)
        if op == "set":
            out[i] = value
        elif op == "cut":
            del out[i:]
        elif op == "insert":
            out[i:i] = bytes([value])
        else:                                   # a 4-byte length field to an extreme
            out[i:i + 4] = bytes([value]) * 4
    return bytes(out)


@pytest.mark.timeout(300)
@pytest.mark.parametrize("kind", ["pcap", "pcapng"])
@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(edits=mutations)
def test_mutated_captures_are_read_or_refused_in_one_line(kind, edits):
    read_or_refuse(mutate(BASES[kind], edits))


@settings(max_examples=60, deadline=None)
@given(data=st.binary(max_size=200))
def test_random_bytes_after_a_valid_header_are_read_or_refused(data):
    header = BASES["pcap"][:24]
    read_or_refuse(header + data)
    read_or_refuse(BASES["pcapng"][:28] + data)
