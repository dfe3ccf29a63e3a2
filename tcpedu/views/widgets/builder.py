"""The Segment builder: tick flags, type seq/ack/ports/window/payload, see the scapy packet, its
bytes and the field-by-field decode; then send it into a simulated endpoint and watch what it
answers (a SYN,ACK, an ACK, a RST...) and why."""

from __future__ import annotations

import html
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import ipywidgets as W

from ...errors import ParameterError, TcpeduError
from ...model.segment import Flags, Segment

CLIENT_IP, SERVER_IP = "10.0.0.1", "10.0.0.2"
CLIENT_PORT, SERVER_PORT = 40000, 80
CLIENT_ISN, SERVER_ISN = 1000, 5000


@dataclass(frozen=True, slots=True)
class Answer:
    """What an endpoint did with a segment: its state before/after, what it sent back, why."""

    state_before: str
    state_after: str
    replies: tuple[Segment, ...]
    notes: tuple[str, ...]

    def summary(self) -> str:
        """One line for learners."""
        sent = "; ".join(_short(s) for s in self.replies) or "nothing"
        moved = (f"{self.state_before} → {self.state_after}" if self.state_before != self.state_after
                 else f"stays {self.state_after}")
        why = f" ({'; '.join(self.notes)})" if self.notes else ""
        return f"server {moved}, answers: {sent}{why}"


def _short(seg: Segment) -> str:
    return f"{seg.flags.names.replace(' ', '')} seq={seg.seq} ack={seg.ack}" + (
        f" len={len(seg.payload)}" if seg.payload else "")


def _listening(now: float) -> Any:
    from ...model.endpoint import Config, Endpoint

    ep = Endpoint("server", SERVER_PORT, Config(isn=SERVER_ISN, isn_mode="fixed"))
    ep.listen(now)
    return ep


def _established(now: float) -> Any:
    ep = _listening(now)
    ep.receive(now, Segment(CLIENT_PORT, SERVER_PORT, CLIENT_ISN, 0, Flags.SYN, 64240))
    ep.receive(now, Segment(CLIENT_PORT, SERVER_PORT, CLIENT_ISN + 1, SERVER_ISN + 1, Flags.ACK,
                            64240))
    return ep


def _closed(now: float) -> Any:
    from ...model.endpoint import Config, Endpoint

    return Endpoint("server", SERVER_PORT, Config(isn=SERVER_ISN, isn_mode="fixed"))


#: The endpoints a segment can be sent to: label -> factory(now) returning a fresh endpoint.
TARGETS: dict[str, Callable[[float], Any]] = {
    f"server listening on port {SERVER_PORT}": _listening,
    f"server ESTABLISHED with {CLIENT_IP}:{CLIENT_PORT} (expects seq={CLIENT_ISN + 1}, "
    f"next sends seq={SERVER_ISN + 1})": _established,
    f"nothing listening on port {SERVER_PORT} (CLOSED)": _closed,
}


def send_to_endpoint(segment: Segment, target: str) -> Answer:
    """Deliver ``segment`` to a fresh endpoint of kind ``target`` (a :data:`TARGETS` key)."""
    factory = TARGETS.get(target)
    if factory is None:
        raise ParameterError(f"unknown target {target!r}; choose one of: {'; '.join(TARGETS)}")
    now = 1.0
    ep = factory(now)
    ep.segments_to_send()
    while ep.next_event() is not None:
        pass
    before = str(ep.state)
    ep.receive(now, segment)
    replies = tuple(ep.segments_to_send())
    notes = []
    event = ep.next_event()
    while event is not None:
        reason = getattr(event, "reason", "")
        if reason:
            notes.append(str(reason))
        event = ep.next_event()
    return Answer(before, str(ep.state), replies, tuple(notes))


class SegmentBuilder:
    """Craft a TCP segment from a client at 10.0.0.1:40000 and send it to a server endpoint."""

    def __init__(self, *, flags: str = "S", seq: int = CLIENT_ISN, ack: int = 0,
                 src_port: int = CLIENT_PORT, dst_port: int = SERVER_PORT, window: int = 64240,
                 payload: str = "", target: str | None = None) -> None:
        target = target or next(iter(TARGETS))
        if target not in TARGETS:
            raise ParameterError(f"unknown target {target!r}; choose one of: {'; '.join(TARGETS)}")
        chosen = Flags.parse(flags) if flags else Flags(0)
        self.flag_boxes = {f: W.Checkbox(value=bool(chosen & f), description=f.name,
                                         indent=False, layout=W.Layout(width="70px"))
                           for f in (Flags.SYN, Flags.ACK, Flags.PSH, Flags.FIN, Flags.RST,
                                     Flags.URG, Flags.ECE, Flags.CWR)}
        number = {"style": {"description_width": "initial"}}
        self.seq = W.BoundedIntText(value=seq, min=0, max=2**32 - 1, description="seq", **number)
        self.ack = W.BoundedIntText(value=ack, min=0, max=2**32 - 1, description="ack", **number)
        self.src_port = W.BoundedIntText(value=src_port, min=0, max=65535,
                                         description="src port", **number)
        self.dst_port = W.BoundedIntText(value=dst_port, min=0, max=65535,
                                         description="dst port", **number)
        self.window = W.BoundedIntText(value=window, min=0, max=65535, description="window",
                                       **number)
        self.payload = W.Text(value=payload, description="payload", placeholder="text to send")
        self.target = W.Dropdown(options=list(TARGETS), value=target, description="send to",
                                 layout=W.Layout(width="640px"))
        self.send_button = W.Button(description="Send to the endpoint ▶", button_style="primary")
        self.packet_view = W.HTML()
        self.answer_view = W.HTML()
        self.answer_view.add_class("tcpedu-answer")
        self.error = W.HTML()
        inputs = [*self.flag_boxes.values(), self.seq, self.ack, self.src_port, self.dst_port,
                  self.window, self.payload]
        for widget in inputs:
            widget.observe(lambda _c: self.refresh(), names="value")
        self.target.observe(lambda _c: setattr(self.answer_view, "value", ""), names="value")
        self.send_button.on_click(lambda _b: self.send())
        self.widget = W.VBox([
            W.HTML("<b>Flags</b>"), W.HBox(list(self.flag_boxes.values())),
            W.HBox([self.seq, self.ack]), W.HBox([self.src_port, self.dst_port, self.window]),
            self.payload, self.error, self.packet_view,
            W.HBox([self.target, self.send_button]), self.answer_view])
        self.widget.add_class("tcpedu-builder")
        self.refresh()

    def segment(self) -> Segment:
        """The segment the controls describe."""
        flags = Flags(0)
        for f, box in self.flag_boxes.items():
            if box.value:
                flags |= f
        return Segment(self.src_port.value, self.dst_port.value, self.seq.value, self.ack.value,
                       flags, self.window.value, payload=self.payload.value.encode("utf-8"))

    def refresh(self) -> None:
        """Rebuild the packet view: scapy's dissection, the bytes, the decoded fields."""
        try:
            seg = self.segment()
            pkt = seg.to_scapy(CLIENT_IP, SERVER_IP)
            dump = pkt.show2(dump=True)
            raw = bytes(pkt)
            table = seg.explain(CLIENT_IP, SERVER_IP)._repr_html_()
        except TcpeduError as exc:
            self.error.value = f"<b style='color:#D55E00'>⚠ {html.escape(str(exc))}</b>"
            return
        self.error.value = ""
        self.answer_view.value = ""
        hexdump = " ".join(f"{b:02x}" for b in raw)
        self.packet_view.value = (
            f"<details><summary>scapy: <code>{html.escape(pkt.summary())}</code></summary>"
            f"<pre>{html.escape(dump)}</pre></details>"
            f"<div><b>{len(raw)} bytes on the wire</b> (IPv4 20 + TCP {len(raw) - 20}):"
            f"<pre style='white-space: pre-wrap'>{hexdump}</pre></div>{table}")

    def send(self) -> Answer | None:
        """Send the segment into a fresh endpoint of the chosen kind and show its answer."""
        try:
            answer = send_to_endpoint(self.segment(), self.target.value)
        except TcpeduError as exc:
            self.answer_view.value = f"<b style='color:#D55E00'>⚠ {html.escape(str(exc))}</b>"
            return None
        rows = "".join(
            f"<li><code>{html.escape(_short(r))}</code>"
            f"{' — <b>RST: the endpoint refuses this segment</b>' if r.flags & Flags.RST else ''}"
            "</li>" for r in answer.replies) or "<li>no answer (the segment is dropped)</li>"
        self.answer_view.value = (f"<div><b>{html.escape(answer.summary())}</b><ul>{rows}</ul>"
                                  "</div>")
        return answer

    def _repr_mimebundle_(self, include: Any = None, exclude: Any = None) -> dict[str, Any]:
        bundle = dict(self.widget._repr_mimebundle_(include=include, exclude=exclude) or {})
        bundle["text/plain"] = repr(self)
        bundle["text/html"] = self.packet_view.value
        return bundle

    def __repr__(self) -> str:
        try:
            return f"<SegmentBuilder {self.segment()}>"
        except TcpeduError as exc:
            return f"<SegmentBuilder (invalid: {exc})>"
