"""The ``Segment`` value type: a TCP header and its payload, immutable.

This module is the only bridge to scapy (:meth:`Segment.to_scapy`, :meth:`Segment.from_scapy`),
loaded on first use. Raw bytes (:meth:`Segment.to_bytes`, :meth:`Segment.from_bytes`) are handled
with :mod:`struct` alone, so the simulator and the capture reader never pay for scapy.
"""

from __future__ import annotations

import ipaddress
import struct
from dataclasses import dataclass, field, replace
from typing import Any

from ..errors import SegmentError
from .fastinit import quick_init
from .flags import Flags

_HEADER = struct.Struct("!HHIIBBHHH")


@quick_init
@dataclass(frozen=True, slots=True)
class Options:
    """The TCP options tcpedu understands, compared by meaning rather than by padding.

    ``sack`` holds SACK blocks as ``(left, right)`` pairs (RFC 2018); ``timestamps`` is
    ``(TSval, TSecr)`` (RFC 7323); ``other`` keeps unknown options as ``(kind, data)``.
    """

    mss: int | None = None
    wscale: int | None = None
    sack_permitted: bool = False
    sack: tuple[tuple[int, int], ...] = ()
    timestamps: tuple[int, int] | None = None
    other: tuple[tuple[int, bytes], ...] = ()

    def __bool__(self) -> bool:
        return self != _NO_OPTIONS

    def to_bytes(self) -> bytes:
        """Encode, padded with NOPs/EOL to a multiple of four bytes."""
        out = bytearray()
        if self.mss is not None:
            out += struct.pack("!BBH", 2, 4, self.mss)
        if self.sack_permitted:
            out += b"\x04\x02"
        if self.timestamps is not None:
            out += b"\x01\x01" + struct.pack("!BBII", 8, 10, *self.timestamps)
        if self.wscale is not None:
            out += b"\x01" + struct.pack("!BBB", 3, 3, self.wscale)
        if self.sack:
            out += b"\x01\x01" + struct.pack("!BB", 5, 2 + 8 * len(self.sack))
            for left, right in self.sack:
                out += struct.pack("!II", left, right)
        for kind, data in self.other:
            out += struct.pack("!BB", kind, 2 + len(data)) + data
        out += b"\x00" * (-len(out) % 4)
        if len(out) > 40:
            raise SegmentError(f"TCP options take {len(out)} bytes; at most 40 fit in a header")
        return bytes(out)

    @classmethod
    def from_bytes(cls, raw: bytes) -> Options:
        """Decode an options field; raises SegmentError when an option's length is impossible."""
        mss = wscale = timestamps = None
        sack_permitted = False
        sack: tuple[tuple[int, int], ...] = ()
        other: list[tuple[int, bytes]] = []
        i, n = 0, len(raw)
        while i < n:
            kind = raw[i]
            if kind == 0:
                break
            if kind == 1:
                i += 1
                continue
            if i + 1 >= n or raw[i + 1] < 2 or i + raw[i + 1] > n:
                raise SegmentError(f"TCP option kind {kind} at byte {i} has a bad length")
            length = raw[i + 1]
            body = raw[i + 2 : i + length]
            if kind == 2 and length == 4:
                mss = struct.unpack("!H", body)[0]
            elif kind == 3 and length == 3:
                wscale = body[0]
            elif kind == 4 and length == 2:
                sack_permitted = True
            elif kind == 5 and (length - 2) % 8 == 0:
                words = struct.unpack(f"!{(length - 2) // 4}I", body)
                sack = tuple(zip(words[::2], words[1::2], strict=True))
            elif kind == 8 and length == 10:
                timestamps = struct.unpack("!II", body)
            else:
                other.append((kind, bytes(body)))
            i += length
        return cls(mss, wscale, sack_permitted, sack, timestamps, tuple(other))

    def describe(self) -> str:
        """Short text such as ``mss=1460 wscale=7 sackOK``."""
        parts = []
        if self.mss is not None:
            parts.append(f"mss={self.mss}")
        if self.wscale is not None:
            parts.append(f"wscale={self.wscale}")
        if self.sack_permitted:
            parts.append("sackOK")
        if self.timestamps is not None:
            parts.append(f"ts={self.timestamps[0]}/{self.timestamps[1]}")
        if self.sack:
            parts.append("sack=" + ",".join(f"{a}-{b}" for a, b in self.sack))
        parts.extend(f"opt{kind}" for kind, _ in self.other)
        return " ".join(parts)


_NO_OPTIONS = Options()


@quick_init
@dataclass(frozen=True, slots=True)
class Segment:
    """One TCP segment: header fields, options and payload. Immutable; use :meth:`replace`."""

    src_port: int
    dst_port: int
    seq: int = 0
    ack: int = 0
    flags: Flags = Flags(0)
    window: int = 65535
    options: Options = field(default=_NO_OPTIONS)
    payload: bytes = b""
    urgent: int = 0

    def __post_init__(self) -> None:
        sp, dp, seq, ack, win, urg = (self.src_port, self.dst_port, self.seq, self.ack,
                                      self.window, self.urgent)
        # Fast path for plain ints in range (the simulator builds many segments); anything else
        # takes the field-by-field check below, which names the bad field.
        if not (type(sp) is int and type(dp) is int and type(seq) is int and type(ack) is int
                and type(win) is int and type(urg) is int and 0 <= sp <= 0xFFFF
                and 0 <= dp <= 0xFFFF and 0 <= seq <= 0xFFFFFFFF and 0 <= ack <= 0xFFFFFFFF
                and 0 <= win <= 0xFFFF and 0 <= urg <= 0xFFFF):
            for name, limit in (("src_port", 0xFFFF), ("dst_port", 0xFFFF), ("seq", 0xFFFFFFFF),
                                ("ack", 0xFFFFFFFF), ("window", 0xFFFF), ("urgent", 0xFFFF)):
                value = getattr(self, name)
                if not isinstance(value, int) or not 0 <= value <= limit:
                    raise SegmentError(f"{name}={value!r} is not an integer in 0..{limit}")
        if type(self.flags) is not Flags and not isinstance(self.flags, Flags):
            object.__setattr__(self, "flags", _coerce_flags(self.flags))
        if type(self.payload) is not bytes and not isinstance(self.payload, bytes):
            object.__setattr__(self, "payload", bytes(self.payload))

    # -- what the segment means ------------------------------------------------------------
    @property
    def seg_len(self) -> int:
        """Sequence space consumed: payload bytes, plus one for SYN and one for FIN."""
        return len(self.payload) + (1 if self.flags & Flags.SYN else 0) + (
            1 if self.flags & Flags.FIN else 0)

    def has(self, flags: Flags | str) -> bool:
        """True when every given flag is set, e.g. ``seg.has("SA")``."""
        wanted = _coerce_flags(flags)
        return self.flags & wanted == wanted

    def replace(self, **changes: Any) -> Segment:
        """A copy with some fields changed."""
        return replace(self, **changes)

    def label(self) -> str:
        """Short ladder label, e.g. ``"SYN seq=0"``, ``"ACK ack=1 win=64240"``, ``"PSH,ACK len=100"``."""
        f = self.flags
        parts = [f.names.replace(" ", "")]
        parts.append(f"seq={self.seq}")
        if f & Flags.ACK:
            parts.append(f"ack={self.ack}")
        if self.payload:
            parts.append(f"len={len(self.payload)}")
        return " ".join(parts)

    def __str__(self) -> str:
        text = (f"{self.src_port} > {self.dst_port} [{self.flags.letters or '.'}] seq={self.seq}"
                f" ack={self.ack} win={self.window} len={len(self.payload)}")
        return text + (f" <{self.options.describe()}>" if self.options else "")

    # -- raw bytes -------------------------------------------------------------------------
    def to_bytes(self, src_ip: str, dst_ip: str) -> bytes:
        """The TCP header and payload as on the wire, with a valid checksum for these addresses."""
        opts = self.options.to_bytes() if self.options else b""
        offset = (20 + len(opts)) // 4
        header = _HEADER.pack(self.src_port, self.dst_port, self.seq, self.ack, offset << 4,
                              int(self.flags), self.window, 0, self.urgent)
        body = header + opts + self.payload
        csum = tcp_checksum(body, src_ip, dst_ip)
        return body[:16] + struct.pack("!H", csum) + body[18:]

    @classmethod
    def from_bytes(cls, data: bytes) -> Segment:
        """Decode a TCP header and payload; raises SegmentError if it does not fit the bytes."""
        if len(data) < 20:
            raise SegmentError(f"a TCP header needs 20 bytes, got {len(data)}")
        sport, dport, seq, ack, off, flags, win, _csum, urg = _HEADER.unpack_from(data)
        hlen = (off >> 4) * 4
        if hlen < 20 or hlen > len(data):
            raise SegmentError(f"TCP data offset says {hlen} header bytes; the segment has {len(data)}")
        options = Options.from_bytes(data[20:hlen]) if hlen > 20 else _NO_OPTIONS
        return cls(sport, dport, seq, ack, Flags(flags), win, options, bytes(data[hlen:]), urg)

    # -- scapy -----------------------------------------------------------------------------
    def to_scapy(self, src_ip: str = "10.0.0.1", dst_ip: str = "10.0.0.2") -> Any:
        """An ``IP()/TCP()/Raw()`` scapy packet (IPv6 when the addresses are IPv6)."""
        from scapy.layers.inet import IP, TCP
        from scapy.packet import Raw

        tcp = TCP(bytes(self.to_bytes(src_ip, dst_ip)))
        tcp.remove_payload()
        if ":" in src_ip:  # scapy's IPv6 layer loads only when an IPv6 address needs it
            from scapy.layers.inet6 import IPv6

            ip = IPv6(src=src_ip, dst=dst_ip)
        else:
            ip = IP(src=src_ip, dst=dst_ip)
        pkt = ip / tcp
        return pkt / Raw(self.payload) if self.payload else pkt

    @classmethod
    def from_scapy(cls, packet: Any) -> Segment:
        """The TCP layer of a scapy packet as a Segment."""
        from scapy.layers.inet import TCP

        if not hasattr(packet, "haslayer") or not packet.haslayer(TCP):
            raise SegmentError(f"{type(packet).__name__} has no TCP layer")
        return cls.from_bytes(bytes(packet[TCP]))

    def explain(self, src_ip: str = "10.0.0.1", dst_ip: str = "10.0.0.2",
                isn: int | None = None, peer_isn: int | None = None) -> Any:
        """A learner-friendly table of every field, its bytes and what it means here."""
        from .explain import explain_segment

        return explain_segment(self, src_ip, dst_ip, isn, peer_isn)


def _coerce_flags(value: Flags | str | int) -> Flags:
    if isinstance(value, Flags):
        return value
    if isinstance(value, str):
        return Flags.parse(value)
    if isinstance(value, int) and 0 <= value <= 0xFF:
        return Flags(value)
    raise SegmentError(f"flags={value!r}: give Flags, letters like 'SA', or an int 0..255")


def tcp_checksum(segment: bytes, src_ip: str, dst_ip: str) -> int:
    """The Internet checksum of a TCP segment with its IPv4 or IPv6 pseudo-header."""
    try:
        src, dst = ipaddress.ip_address(src_ip), ipaddress.ip_address(dst_ip)
    except ValueError as exc:
        raise SegmentError(f"{exc}; give addresses like '10.0.0.1' or '::1'") from None
    if src.version != dst.version:
        raise SegmentError(f"{src_ip} and {dst_ip} are not the same IP version")
    if src.version == 4:
        pseudo = src.packed + dst.packed + struct.pack("!BBH", 0, 6, len(segment))
    else:
        pseudo = src.packed + dst.packed + struct.pack("!IxxxB", len(segment), 6)
    return internet_checksum(pseudo + segment)


def internet_checksum(data: bytes) -> int:
    """RFC 1071 ones'-complement sum of 16-bit words."""
    if len(data) % 2:
        data += b"\x00"
    total = sum(memoryview(data).cast("H"))
    total = (total >> 16) + (total & 0xFFFF)
    total += total >> 16
    # memoryview.cast("H") reads native (little-endian here) words: swap back to network order.
    result = ~total & 0xFFFF
    return ((result & 0xFF) << 8 | result >> 8) if struct.pack("H", 1) == b"\x01\x00" else result
