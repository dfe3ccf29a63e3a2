"""``Segment.explain()``: every header field of a segment, its bytes, and what it means here.

The table is written for learners: each meaning says what *this* value tells the receiver
("ack = 1001: the next byte I expect"), and sequence numbers are shown relative to the ISNs when
they are given, as Wireshark does.
"""

from __future__ import annotations

import html
from dataclasses import dataclass
from typing import TYPE_CHECKING

from .flags import Flags
from .seq import relative

if TYPE_CHECKING:  # the segment imports this module lazily (Segment.explain): no cycle
    from .segment import Segment

#: What each control bit asks of the receiver, in the order the flags byte lists them (high first).
FLAG_MEANINGS: tuple[tuple[Flags, str], ...] = (
    (Flags.CWR, "CWR: I have reduced my sending rate after an ECN echo"),
    (Flags.ECE, "ECE: the network marked congestion (ECN echo)"),
    (Flags.URG, "URG: the urgent pointer field is valid"),
    (Flags.ACK, "ACK: the acknowledgment number is valid"),
    (Flags.PSH, "PSH: hand the data to the application now, do not wait for more"),
    (Flags.RST, "RST: abort this connection at once (no goodbye, buffered data is thrown away)"),
    (Flags.SYN, "SYN: I want to open a connection; this segment consumes one sequence number"),
    (Flags.FIN, "FIN: I have no more data to send; this segment consumes one sequence number"),
)

#: Well-known ports a learner meets in the course.
WELL_KNOWN_PORTS: dict[int, str] = {
    20: "FTP data", 21: "FTP", 22: "SSH", 23: "Telnet", 25: "SMTP", 53: "DNS", 80: "HTTP",
    110: "POP3", 143: "IMAP", 443: "HTTPS", 587: "SMTP submission", 993: "IMAPS", 3306: "MySQL",
    5432: "PostgreSQL", 8080: "HTTP (alternate)",
}


@dataclass(frozen=True, slots=True)
class ExplainRow:
    """One line of the table: header field, its value, its bytes in hex, and what it means."""

    field: str
    value: str
    hex: str
    meaning: str


@dataclass(frozen=True, slots=True)
class Explanation:
    """The field table of one segment; ``str()`` is an aligned text table, Jupyter shows HTML."""

    title: str
    rows: tuple[ExplainRow, ...]

    def row(self, field: str) -> ExplainRow:
        """The row of one field (e.g. ``"Acknowledgment number"``)."""
        for r in self.rows:
            if r.field == field:
                return r
        raise KeyError(field)

    def __str__(self) -> str:
        header = ExplainRow("field", "value", "bytes", "meaning")
        rows = (header, *self.rows)
        widths = [max(len(getattr(r, name)) for r in rows) for name in ("field", "value", "hex")]
        lines = [self.title]
        for i, r in enumerate(rows):
            lines.append(f"{r.field:<{widths[0]}}  {r.value:<{widths[1]}}  {r.hex:<{widths[2]}}  "
                         f"{r.meaning}".rstrip())
            if i == 0:
                lines.append("  ".join("-" * w for w in widths) + "  " + "-" * 7)
        return "\n".join(lines)

    def __repr__(self) -> str:
        return str(self)

    def _repr_html_(self) -> str:
        esc = html.escape
        body = "".join(
            f"<tr><td>{esc(r.field)}</td><td><code>{esc(r.value)}</code></td>"
            f"<td><code>{esc(r.hex)}</code></td><td style='text-align:left'>{esc(r.meaning)}</td></tr>"
            for r in self.rows)
        return (f"<table class='tcpedu-explain'><caption>{esc(self.title)}</caption>"
                "<thead><tr><th>field</th><th>value</th><th>bytes</th><th>meaning</th></tr></thead>"
                f"<tbody>{body}</tbody></table>")


def explain_segment(segment: Segment, src_ip: str = "10.0.0.1", dst_ip: str = "10.0.0.2",
                    isn: int | None = None, peer_isn: int | None = None) -> Explanation:
    """Explain ``segment`` as sent from ``src_ip`` to ``dst_ip``.

    ``isn`` is the sender's initial sequence number and ``peer_isn`` the receiver's; when given,
    seq and ack are shown relative to them (the SYN itself is relative 0).
    """
    raw = segment.to_bytes(src_ip, dst_ip)
    header_len = (raw[12] >> 4) * 4
    f = segment.flags
    rows = [
        ExplainRow("Source port", str(segment.src_port), _hex(raw[0:2]),
                   _port_meaning(segment.src_port, "sender")),
        ExplainRow("Destination port", str(segment.dst_port), _hex(raw[2:4]),
                   _port_meaning(segment.dst_port, "receiver")),
        ExplainRow("Sequence number", _number(segment.seq, isn), _hex(raw[4:8]),
                   _seq_meaning(segment, isn)),
        ExplainRow("Acknowledgment number", _number(segment.ack, peer_isn), _hex(raw[8:12]),
                   _ack_meaning(segment, peer_isn)),
        ExplainRow("Data offset", f"{raw[12] >> 4} words", f"{raw[12] >> 4:x}",
                   f"{raw[12] >> 4} x 4 = {header_len}: the header is {header_len} bytes long"
                   + (" (20 fixed + options)" if header_len > 20 else " (no options)")),
        ExplainRow("Flags", f.letters and f.names or "none", f"{raw[13]:02x} = {raw[13]:08b}",
                   _flags_meaning(f)),
        ExplainRow("Window", str(segment.window), _hex(raw[14:16]), _window_meaning(segment)),
        ExplainRow("Checksum", f"0x{int.from_bytes(raw[16:18], 'big'):04x}", _hex(raw[16:18]),
                   f"covers the pseudo-header ({src_ip} > {dst_ip}, protocol 6, length "
                   f"{len(raw)}), the header and the payload; a receiver drops the segment if it "
                   "does not match"),
        ExplainRow("Urgent pointer", str(segment.urgent), _hex(raw[18:20]),
                   f"urgent data ends {segment.urgent} bytes after seq" if f & Flags.URG
                   else "unused: the URG flag is off"),
    ]
    if header_len > 20:
        rows.append(ExplainRow("Options", segment.options.describe(), _hex(raw[20:header_len]),
                               _options_meaning(segment)))
    rows.append(_payload_row(segment, raw[header_len:], isn))
    title = (f"{src_ip}:{segment.src_port} > {dst_ip}:{segment.dst_port}  "
             f"[{f.names}]  {len(raw)} bytes of TCP ({header_len} header + "
             f"{len(segment.payload)} payload)")
    return Explanation(title, tuple(rows))


def _hex(data: bytes) -> str:
    return data.hex(" ")


def _number(value: int, isn: int | None) -> str:
    return str(value) if isn is None else f"{relative(value, isn)} (raw {value})"


def _port_meaning(port: int, who: str) -> str:
    service = WELL_KNOWN_PORTS.get(port)
    if service:
        return f"the {who}'s port: {port} is the well-known port of {service}"
    if port >= 49152 or 32768 <= port < 61000:
        return f"the {who}'s port: an ephemeral port the operating system picked for this connection"
    return f"the {who}'s port: identifies the application on that host"


def _seq_meaning(segment: Segment, isn: int | None) -> str:
    f, n = segment.flags, len(segment.payload)
    name = "seq = " + (str(relative(segment.seq, isn)) if isn is not None else str(segment.seq))
    if f & Flags.RST:
        return (f"{name}: must be exactly the receiver's next expected number (RCV.NXT) to reset "
                "the connection; one elsewhere inside the window only draws a challenge ACK "
                "(RFC 5961), one outside it is ignored")
    if f & Flags.SYN:
        text = (f"{name}: my initial sequence number (ISN); a real stack derives it from a clock "
                "(so a new connection starts past an old one's numbers) plus a secret hash of the "
                "addresses (so strangers cannot guess it, RFC 6528); the SYN consumes it, so my "
                "first data byte will be ISN + 1")
        return text + (f"; {n} bytes of data ride along" if n else "")
    if n:
        first = segment.seq if isn is None else relative(segment.seq, isn)
        text = (f"{name}: the number of the first payload byte; this segment carries bytes "
                f"{first}..{first + n - 1}")
        return text + ("; the FIN takes the number after the last byte" if f & Flags.FIN else "")
    if f & Flags.FIN:
        return f"{name}: the FIN takes this sequence number (it consumes one, like a byte)"
    return (f"{name}: the next byte I will send; this segment carries no data, so it consumes no "
            "sequence number")


def _ack_meaning(segment: Segment, peer_isn: int | None) -> str:
    if not segment.flags & Flags.ACK:
        return ("not valid: the ACK flag is off, so the receiver ignores this field"
                + (" (a first SYN has nothing to acknowledge yet)" if segment.flags & Flags.SYN
                   else ""))
    value = str(relative(segment.ack, peer_isn)) if peer_isn is not None else str(segment.ack)
    text = f"ack = {value}: the next byte I expect from you; I have received everything before it"
    if segment.flags & Flags.SYN:
        text += " (your SYN consumed your ISN, so this is your ISN + 1)"
    return text


def _flags_meaning(flags: Flags) -> str:
    parts = [meaning for bit, meaning in FLAG_MEANINGS if flags & bit]
    return "; ".join(parts) if parts else "no flags set (not valid in a real connection)"


def _window_meaning(segment: Segment) -> str:
    w = segment.window
    if w == 0:
        return "0: my receive buffer is full; stop sending data until I open the window"
    base = "ack" if segment.flags & Flags.ACK else "my next expected byte"
    text = f"{w}: I can take {w} more bytes beyond {base} right now (flow control)"
    if segment.flags & Flags.SYN:
        text += "; never scaled in a SYN"
    return text


def _options_meaning(segment: Segment) -> str:
    o, parts = segment.options, []
    if o.mss is not None:
        parts.append(f"MSS {o.mss}: send me at most {o.mss} payload bytes per segment")
    if o.wscale is not None:
        parts.append(f"window scale {o.wscale}: multiply my later windows by {1 << o.wscale}")
    if o.sack_permitted:
        parts.append("SACK permitted: you may tell me exactly which blocks arrived")
    if o.sack:
        parts.append("SACK: I also hold these out-of-order blocks " +
                     ", ".join(f"{a}-{b}" for a, b in o.sack))
    if o.timestamps is not None:
        parts.append(f"timestamps {o.timestamps[0]}/{o.timestamps[1]}: for RTT measurement")
    parts.extend(f"option kind {kind}: not decoded" for kind, _ in o.other)
    return "; ".join(parts) + " (padded to a multiple of 4 bytes)"


def _payload_row(segment: Segment, data: bytes, isn: int | None) -> ExplainRow:
    n = len(data)
    if not n:
        return ExplainRow("Payload", "(none)", "", "no data: only the header travels")
    start = segment.seq if isn is None else relative(segment.seq, isn)
    next_ack = (start + segment.seg_len) & 0xFFFFFFFF
    preview = repr(data[:24]) + ("..." if n > 24 else "")
    shown = _hex(data[:16]) + (" ..." if n > 16 else "")
    return ExplainRow("Payload", f"{n} bytes", shown,
                      f"{preview}: the application's data; the receiver will answer ack = "
                      f"{next_ack}")

