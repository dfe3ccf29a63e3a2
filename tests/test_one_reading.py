"""One reading of a trace (issue 13): for every scenario, every view and the JSON Lines agree on
each segment's marks, because they all take them from ``tcpedu.reading.segments``."""

from __future__ import annotations

import json
import re

import pytest

from tcpedu import Timeline, plot_ladder, read_segments, trace_to_jsonl
from tcpedu.commands.simulate import ladder_text
from tcpedu.reading.marks import MARKS
from tcpedu.sim.scenarios import SCENARIOS, run
from tcpedu.teach.exercises.show import segment_table
from tcpedu.views.narrate import Narrator

ARROW_TIPS = ("▶", "◀", "✗")


def _terminal_marks(trace) -> list[frozenset[str]]:
    """The bracketed marks of each arrow of the terminal ladder, in segment order."""
    out = []
    for line in ladder_text(trace).splitlines()[2:]:
        if not any(tip in line for tip in ARROW_TIPS):
            continue
        found = re.search(r"\[([a-z, -]+)\]$", line)
        words = set(found.group(1).split(", ")) if found else set()
        out.append(frozenset(words - {"lost"}))
    return out


def _table_marks(trace) -> list[frozenset[str]]:
    """The marks in the exercises' segment table (its note column), in segment order."""
    rows = segment_table(trace).splitlines()[1:]
    return [frozenset(w for w in row.split() if w in MARKS) for row in rows]


@pytest.mark.parametrize("name", sorted(SCENARIOS))
def test_every_view_and_the_json_agree_on_each_segments_marks(name):
    trace = run(name)
    segments = trace.segments()
    reading = read_segments(trace)
    json_marks = [frozenset(row["marks"]) for row in map(json.loads,
                                                         trace_to_jsonl(trace).splitlines())]
    expected = [reading[s.id].marks for s in segments]
    assert json_marks == expected

    timeline = Timeline(trace)
    assert [timeline.marks[s.id] for s in segments] == expected
    assert _terminal_marks(trace) == expected
    assert _table_marks(trace) == expected

    # The player's data (drawn in the browser) carries the same marks.
    from tcpedu.views.widgets.payload import build_payload

    payload = build_payload(timeline)
    assert [frozenset(payload["segments"][str(s.id)]["marks"]) for s in segments] == expected

    fig = plot_ladder(trace, max_rows=10_000)
    drawn = fig.ladder.drawn_marks
    assert [drawn[s.id] for s in segments] == expected

    # The narration says "retransmission" / "duplicate ACK" exactly where the marks are.
    narrator = Narrator(timeline)
    for s in segments:
        text = narrator(timeline.sent_step[s.id])
        marks = reading[s.id].marks
        assert ("retransmission" in text) == ("retransmission" in marks), (s.id, text)
        assert ("duplicate ACK" in text) == ("dup-ack" in marks), (s.id, text)


@pytest.mark.parametrize("name", ["zero_window", "hijack"])
def test_what_the_model_knows_is_kept_beside_what_wireshark_infers(name):
    """The scenarios where the old terminal ladder and the JSON disagreed: the model's own
    facts (``known``) and Wireshark's tags (``analysis``) are both there, and differ."""
    trace = run(name)
    rows = [json.loads(x) for x in trace_to_jsonl(trace).splitlines()]
    assert any(r["known"] for r in rows)
    if name == "hijack":
        # The client's first data after the forged segment: new to the client, "spurious
        # retransmission" to Wireshark, which saw the attacker's bytes at the same numbers.
        first = next(r for s, r in zip(trace.segments(), rows, strict=True)
                     if s.src == "client" and r["len"] and r["analysis"])
        assert "spurious-retransmission" in first["analysis"] and first["known"] == []
    else:
        probes = [r for r in rows if "zero-window-probe" in r["known"]]
        assert probes and all("zero-window" in r["marks"] for r in probes)
