"""The captures shipped in notebooks/data/ show what their names promise (tshark is the judge),
open as Traces without privilege, and scripts/make_captures.py makes captures that pass the same
checks (root)."""

from __future__ import annotations

import shutil
import subprocess
import sys
from collections import Counter
from collections.abc import Callable
from pathlib import Path

import pytest

from tcpedu import live
from tcpedu.errors import ParameterError

REPO = Path(__file__).resolve().parent.parent
FIELDS = ("tcp.stream", "ip.src", "tcp.srcport", "tcp.flags.str", "tcp.seq", "tcp.ack", "tcp.len",
          "tcp.analysis.flags", "tcp.analysis.retransmission", "tcp.analysis.out_of_order",
          "tcp.analysis.duplicate_ack")
Row = dict[str, str]


def tshark_rows(path: Path) -> list[Row]:
    if not shutil.which("tshark"):
        pytest.skip("tshark not installed: it is the reference for the shipped captures")
    cmd = ["tshark", "-r", str(path), "-Y", "tcp", "-T", "fields", "-E", "separator=|"]
    for f in FIELDS:
        cmd += ["-e", f]
    out = subprocess.run(cmd, capture_output=True, text=True, check=True).stdout
    return [dict(zip(FIELDS, line.split("|"), strict=True)) for line in out.splitlines()]


def letters(row: Row) -> str:
    return "".join(ch for ch in row["tcp.flags.str"] if ch.isalpha())


def from_server(row: Row) -> bool:
    return row["tcp.srcport"] == "80"


def data_of(rows: list[Row], server: bool) -> list[Row]:
    return [r for r in rows if from_server(r) == server and r["tcp.len"] != "0"]


def response_bytes(size: int) -> int:
    return len(live._response(size))


def check_handshake_first(rows: list[Row]) -> None:
    assert [letters(r) for r in rows[:3]] == ["S", "AS", "A"]
    assert not from_server(rows[0])


def check_transfer(rows: list[Row], size: int = 8000) -> None:
    check_handshake_first(rows)
    assert not any(r["tcp.analysis.flags"] for r in rows), "a clean transfer has no expert tags"
    assert sum(int(r["tcp.len"]) for r in data_of(rows, server=True)) == response_bytes(size)
    fins = [r for r in rows if "F" in letters(r)]
    assert len(fins) == 2 and not from_server(fins[0]), "the client closes first"
    assert letters(rows[-1]) == "A" and not from_server(rows[-1]), "the last ACK ends it"


def check_loss(rows: list[Row]) -> None:
    check_handshake_first(rows)
    sent = Counter(r["tcp.seq"] for r in data_of(rows, server=True))
    lost = {seq for seq, n in sent.items() if n > 1}
    assert len(lost) == 2 and all(n <= 2 for n in sent.values())
    resends = [r for r in data_of(rows, server=True)
               if r["tcp.analysis.retransmission"] or r["tcp.analysis.out_of_order"]]
    assert {r["tcp.seq"] for r in resends} == lost
    assert sum(1 for r in rows if not from_server(r) and r["tcp.analysis.duplicate_ack"]) >= 3
    delivered = sum(int(r["tcp.len"]) for r in data_of(rows, server=True))
    assert delivered == response_bytes(20000) + 2 * 1448


def check_reset(rows: list[Row]) -> None:
    check_handshake_first(rows)
    resets = [r for r in rows if "R" in letters(r)]
    assert resets and not from_server(resets[0]) and not any("F" in letters(r) for r in rows)
    first = rows.index(resets[0])
    assert all("R" in letters(r) for r in rows[first:] if not from_server(r))


def check_half_close(rows: list[Row]) -> None:
    check_handshake_first(rows)
    client_fin = next(i for i, r in enumerate(rows) if "F" in letters(r))
    assert not from_server(rows[client_fin])
    after = data_of(rows[client_fin + 1:], server=True)
    assert sum(int(r["tcp.len"]) for r in after) == response_bytes(3000)


def check_loopback(rows: list[Row]) -> None:
    check_transfer(rows, size=20000)
    assert all(r["ip.src"].startswith("127.0.0.") for r in rows)
    keys = [(r["ip.src"], r["tcp.seq"], r["tcp.ack"], r["tcp.flags.str"]) for r in rows]
    assert len(keys) == len(set(keys)), "loopback's double-seen packets were kept"


def check_interop(rows: list[Row]) -> None:
    from scripts_make_captures import INTEROP_SCENARIOS

    streams: dict[str, list[Row]] = {}
    for r in rows:
        streams.setdefault(r["tcp.stream"], []).append(r)
    assert len(streams) == len(INTEROP_SCENARIOS)
    for name, stream in zip(INTEROP_SCENARIOS, streams.values(), strict=True):
        assert letters(stream[0]) == "S", name
        has_rst = any("R" in letters(r) for r in stream)
        assert has_rst == (name in ("tcpedu-resets", "linux-resets", "refused")), name
    assert {r["ip.src"] for r in rows} == {"192.0.2.1", "192.0.2.2"}


def check_reorder(rows: list[Row]) -> None:
    """Real reordering: one server segment arrives after a higher one, nothing is ever resent."""
    check_handshake_first(rows)
    data = data_of(rows, server=True)
    assert sum(int(r["tcp.len"]) for r in data) == response_bytes(8000)
    seqs = [int(r["tcp.seq"]) for r in data]
    assert len(seqs) == len(set(seqs)), "no segment was sent twice"
    late = [i for i, r in enumerate(data) if r["tcp.analysis.out_of_order"]]
    assert len(late) == 1 and seqs[late[0]] < seqs[late[0] - 1], "one segment overtaken"
    assert sorted(seqs) != seqs
    assert not any(r["tcp.analysis.retransmission"] for r in rows)


def check_time_wait(rows: list[Row]) -> None:
    """The client's ACK of the server's FIN is lost: the FIN comes again, TIME-WAIT answers it."""
    check_handshake_first(rows)
    fins = [r for r in rows if "F" in letters(r)]
    assert len(fins) == 3 and not from_server(fins[0]), "the client closes first"
    assert from_server(fins[1]) and from_server(fins[2]) and fins[1]["tcp.seq"] == fins[2]["tcp.seq"]
    assert fins[2]["tcp.analysis.retransmission"] and not fins[1]["tcp.analysis.flags"]
    fin_end = str(int(fins[1]["tcp.seq"]) + 1)
    answers = [r for r in rows if not from_server(r) and letters(r) == "A" and r["tcp.ack"] == fin_end]
    assert len(answers) == 2 and rows[-1] is answers[1], "the client ACKs the FIN twice, last"
    assert rows.index(answers[0]) < rows.index(fins[2]) < rows.index(answers[1])


CHECKS: dict[str, Callable[[list[Row]], None]] = {
    "transfer": check_transfer, "loss": check_loss, "reset": check_reset,
    "half-close": check_half_close, "loopback": check_loopback, "interop": check_interop,
    "reorder": check_reorder, "time-wait": check_time_wait,
}


@pytest.fixture(autouse=True, scope="module")
def _script_importable():
    """Let the checks import scripts/make_captures.py (the recipes' single source)."""
    import importlib.util

    spec = importlib.util.spec_from_file_location("scripts_make_captures",
                                                  REPO / "scripts" / "make_captures.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    sys.modules["scripts_make_captures"] = module
    yield
    sys.modules.pop("scripts_make_captures", None)


def test_every_shipped_capture_has_a_check_and_a_recipe():
    from scripts_make_captures import RECIPES

    assert set(CHECKS) == set(live.SHIPPED) == {*RECIPES, "interop"}
    for name in live.SHIPPED:
        path = live.shipped_capture(name)
        assert path.parent == REPO / "notebooks" / "data"
        assert 0 < path.stat().st_size < 100_000, "shipped captures stay small"


@pytest.mark.parametrize("name", list(CHECKS))
def test_shipped_capture_shows_what_its_name_says(name):
    CHECKS[name](tshark_rows(live.shipped_capture(name)))


@pytest.mark.parametrize("name", [n for n in CHECKS if n != "interop"])
def test_shipped_capture_opens_as_a_trace_that_matches_tshark(name):
    trace = live.load_shipped(name)
    rows = tshark_rows(live.shipped_capture(name))
    sent = trace.segments()
    assert len(sent) == len(rows)
    assert sent[0].src == "client" and trace.hosts["server"].port == 80
    for record, row in zip(sent, rows, strict=True):
        assert (record.segment.seq, len(record.segment.payload)) == (int(row["tcp.seq"]),
                                                                     int(row["tcp.len"]))
        assert ("client" if not from_server(row) else "server") == record.src


def test_unknown_shipped_capture_is_a_clear_error():
    with pytest.raises(ParameterError, match="no shipped capture 'nope'"):
        live.shipped_capture("nope")


def test_the_script_regenerates_captures_that_pass_the_same_checks(tmp_path):
    from tcpedu.capture.netns import NetworkNamespace
    from tcpedu.errors import PermissionNeeded

    try:
        NetworkNamespace().close()
    except PermissionNeeded as exc:
        pytest.skip(f"regenerating the captures needs root: {exc}")
    done = subprocess.run([sys.executable, str(REPO / "scripts" / "make_captures.py"),
                           "--out", str(tmp_path)], capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    for name, check in CHECKS.items():
        check(tshark_rows(tmp_path / f"{name}.pcap"))
