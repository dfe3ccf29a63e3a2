"""The player's data: a Trace's steps as one JSON-ready dict, built once in the kernel and drawn
by the browser (``static/player.js``). Pure Python: no matplotlib, numpy or PIL, so it runs in
Pyodide too.

Everything here is read from the reading layer (:class:`~tcpedu.reading.timeline.Timeline`: steps,
fates, marks, numbering, states, variables; :class:`~tcpedu.views.narrate.Narrator`: the
sentences) and from the model (``explain()`` tables, the transition table). Nothing is inferred
again: the browser only draws what this dict says.
"""

from __future__ import annotations

from typing import Any

from ...model.segment import Flags
from ...model.states import FIGURE_5, TRANSITIONS, State, Transition
from ...reading.timeline import Timeline, find_transition, sender_of
from ...trace import AppEvent, SegmentDelivered, SegmentDropped, SegmentSent, TimerEvent
from ..narrate import Narrator
from ..plot.palette import segment_kind

#: Payload format version (the ES module checks it).
VERSION = 1

#: Endpoint variables shown per step: (label, Snapshot attribute, how it is numbered).
VARIABLES: tuple[tuple[str, str, str], ...] = (
    ("SND.UNA", "snd_una", "seq"), ("SND.NXT", "snd_nxt", "seq"), ("RCV.NXT", "rcv_nxt", "ack"),
    ("SND.WND", "snd_wnd", ""), ("RCV.WND", "rcv_wnd", ""), ("cwnd", "cwnd", ""),
    ("ssthresh", "ssthresh", ""), ("RTO (s)", "rto", ""),
)

#: States whose sequence variables are not yet meaningful.
_NO_NUMBERS_YET = frozenset({State.CLOSED, State.LISTEN})

#: Where each state sits in the diagram: (column, row), after RFC 9293 Figure 5.
STATE_GRID: dict[State, tuple[int, int]] = {
    State.CLOSED: (1, 0), State.LISTEN: (1, 1), State.SYN_RECEIVED: (0, 2),
    State.SYN_SENT: (2, 2), State.ESTABLISHED: (1, 3), State.FIN_WAIT_1: (0, 4),
    State.CLOSE_WAIT: (2, 4), State.FIN_WAIT_2: (0, 5), State.CLOSING: (1, 5),
    State.LAST_ACK: (2, 5), State.TIME_WAIT: (1, 6),
}

#: A pause longer than this many seconds (and 20 times the typical step) is drawn as a break.
GAP_SECONDS = 1.0

#: Step kinds by the record that opens the step (the "segments only" mode keeps the first three).
_KINDS: tuple[tuple[type, str], ...] = (
    (SegmentSent, "send"), (SegmentDelivered, "deliver"), (SegmentDropped, "drop"),
    (AppEvent, "app"), (TimerEvent, "timer"),
)


def diagram() -> dict[str, Any]:
    """The state diagram from :data:`~tcpedu.model.states.TRANSITIONS`: states on a grid, every
    edge with its label and RFC section (``figure5``: drawn always; the others when taken)."""
    figure = set(FIGURE_5)
    edges = [{"from": str(t.source), "to": str(t.target), "label": t.label(), "rfc": t.rfc,
              "figure5": t in figure} for t in TRANSITIONS.values()]
    states = [{"name": str(s), "col": c, "row": r} for s, (c, r) in STATE_GRID.items()]
    return {"states": states, "edges": edges}


_EDGE_INDEX: dict[Transition, int] = {t: i for i, t in enumerate(TRANSITIONS.values())}


def build_payload(timeline: Timeline, narration: list[str] | None = None, *,
                  title: str = "", can_what_if: bool = False, variant: str = "") -> dict[str, Any]:
    """The player's JSON: steps (time, kind, narration, states, state changes with the edge
    taken, variables), segments (ends, fate, marks, style, label, explain table), the diagram."""
    tl = timeline
    narration = narration if narration is not None else Narrator(tl).all()
    stateful = [n for n in tl.nodes if n in tl.stateful]
    shown = [n for n in stateful if n in ("client", "server")] or stateful
    t0 = tl.steps[0].time if tl.steps else 0.0
    deltas = sorted(b.time - a.time for a, b in zip(tl.steps, tl.steps[1:], strict=False) if b.time > a.time)
    typical = deltas[len(deltas) // 2] if deltas else 0.0
    steps, previous = [], t0
    var_rows = _variable_rows(tl, shown)
    for i, step in enumerate(tl.steps):
        primary = step.primary
        kind = next((k for cls, k in _KINDS if isinstance(primary, cls)), "other")
        seg = tl.segment_of(i)
        states = tl.states_at(i)
        changes = []
        for ch in tl.change_at[i]:
            edge = find_transition(ch.old, ch.new, ch.trigger)
            changes.append([ch.node, str(ch.old), str(ch.new),
                            _EDGE_INDEX[edge] if edge is not None else -1])
        gap = step.time - previous
        steps.append({
            "t": round(1000 * (step.time - t0), 3),
            "kind": kind,
            "seg": seg.id if seg is not None else None,
            "node": getattr(primary, "node", None) or (sender_of(seg) if seg else None),
            "tag": _tag(primary),
            "text": narration[i],
            "states": {n: str(states[n]) for n in stateful if n in states},
            "changes": changes,
            "vars": var_rows[i],
            "gap": gap > GAP_SECONDS and gap > 20 * typical,
        })
        previous = step.time
    segments = {str(sid): _segment(tl, sent) for sid, sent in tl.sent.items()}
    hosts = tl.trace.hosts
    return {
        "version": VERSION,
        "title": title,
        "nodes": list(tl.nodes),
        "stateful": stateful,
        "hosts": {n: hosts[n].address for n in tl.nodes if n in hosts},
        "relative": tl.relative,
        "capture": tl.is_capture,
        "variables": [label for label, _a, _n in VARIABLES],
        "steps": steps,
        "segments": segments,
        "diagram": diagram(),
        "can_what_if": can_what_if,
        "variant": variant,
    }


def _tag(record: Any) -> str:
    """A few words for a non-segment step, drawn beside its lifeline."""
    if isinstance(record, AppEvent):
        return f"{record.action}()" if record.action in {
            "listen", "connect", "send", "close", "abort"} else record.action
    if isinstance(record, TimerEvent):
        return f"{record.timer} timer fires"
    return ""


def _segment(tl: Timeline, sent: SegmentSent) -> dict[str, Any]:
    seg = sent.segment
    fate = tl.fate[sent.id]
    marks = tl.marks.get(sent.id, frozenset())
    reading = tl.reading.get(sent.id)
    return {
        "id": sent.id,
        "src": sent.src,
        "dst": sent.dst,
        "label": tl.label(sent),
        "sent": tl.sent_step[sent.id],
        "end": tl.end_step.get(sent.id),
        "fate": fate,
        "marks": sorted(marks),
        "style": segment_kind(seg.flags.names, bool(seg.payload), marks, fate == "dropped"),
        "note": sent.note,
        "analysis": list(reading.analysis) if reading else [],
        "known": list(reading.known) if reading else [],
        "explain": _explain(tl, sent),
    }


def _explain(tl: Timeline, sent: SegmentSent) -> dict[str, Any]:
    hosts = tl.trace.hosts
    src, dst = sender_of(sent), sent.dst
    src_ip = hosts[src].ip if src in hosts else "10.0.0.1"
    dst_ip = hosts[dst].ip if dst in hosts else "10.0.0.2"
    isn = tl.base.get(src) if tl.relative else None
    peer_isn = tl.base.get(tl.peer(src)) if tl.relative else None
    if peer_isn is not None and not sent.segment.flags & Flags.ACK:
        peer_isn = None
    table = sent.segment.explain(src_ip, dst_ip, isn, peer_isn)
    return {"title": table.title,
            "rows": [[r.field, r.value, r.hex, r.meaning] for r in table.rows]}


def _variable_rows(tl: Timeline, nodes: list[str]) -> list[dict[str, list[Any]] | None]:
    """Per step: each node's variables in :data:`VARIABLES` order (None: the trace has none)."""
    out: list[dict[str, list[Any]] | None] = []
    for i in range(len(tl)):
        snaps = {n: tl.settled_snapshot(i, n) for n in nodes}
        if not any(snaps.values()):
            out.append(None)
            continue
        row: dict[str, list[Any]] = {}
        for n, snap in snaps.items():
            values: list[Any] = []
            for _label, attr, numbering in VARIABLES:
                value = getattr(snap, attr) if snap is not None else None
                if numbering and snap is not None and snap.state in _NO_NUMBERS_YET:
                    value = None  # no connection yet: the numbers mean nothing
                if value is not None and numbering:
                    value = tl.seq(n, value) if numbering == "seq" else tl.ack(n, value)
                if attr == "ssthresh" and value is not None and value >= 1 << 30:
                    value = "∞"
                if isinstance(value, float):
                    value = f"{value:g}"
                values.append(value)
            row[n] = values
        out.append(row)
    return out
