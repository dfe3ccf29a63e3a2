"""Capture files: a pcap writer and a streaming pcap/pcapng reader of TCP packets.

:func:`write_pcap` turns ``(time, src_ip, dst_ip, Segment)`` tuples into an Ethernet pcap with
valid IP and TCP checksums (what ``Trace.to_pcap`` and the live tools write).

:class:`CaptureReader` reads pcap (both byte orders, µs and ns) and pcapng (SHB/IDB/EPB/SPB and the
obsolete PB; unknown blocks skipped; link type and timestamp resolution per interface) in bounded
memory, and yields one lightweight :data:`TcpPacket` tuple per TCP segment found (or, from
:meth:`CaptureReader.headers`, a :data:`TcpHeader` with the header fields decoded). Plain
Ethernet/IPv4/TCP frames take a fast path; every other frame is decoded by :mod:`.decode` (link
types, VLAN/MPLS/PPPoE, tunnels, IP fragments reassembled as Wireshark does). Everything that is
not TCP is counted in :attr:`CaptureReader.stats`, by reason; damaged packets are counted as
malformed, never raised. Only a file that is not a capture at all raises
:class:`~tcpedu.errors.CaptureError`.
"""

from __future__ import annotations

import ipaddress
import os
import struct
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from functools import lru_cache
from typing import IO, TYPE_CHECKING, Any

from ..errors import CaptureError
from ..model.segment import internet_checksum
from .decode import (
    ENCRYPTED,
    FRAGMENT,
    MALFORMED,
    NOT_TCP,
    SUPPORTED_LINKTYPES,  # noqa: F401  (re-exported)
    UNKNOWN_LINK,
    Context,
    frame_tcp,
)

if TYPE_CHECKING:
    from ..model.segment import Segment

PathOrFile = str | os.PathLike[str] | IO[bytes]

LINKTYPE_NULL = 0
LINKTYPE_ETHERNET = 1
LINKTYPE_RAW = 101
LINKTYPE_LOOP = 108
LINKTYPE_LINUX_SLL = 113
LINKTYPE_IPV4 = 228
LINKTYPE_IPV6 = 229
LINKTYPE_LINUX_SLL2 = 276

_PCAP_MAGIC_US = 0xA1B2C3D4
_PCAP_MAGIC_NS = 0xA1B23C4D
_PCAPNG_SHB = 0x0A0D0D0A
# Block types Wireshark shows as frames although they hold no packet: custom blocks
# (copiable and not) and systemd journal entries.
_PCAPNG_RECORD_BLOCKS = frozenset((0x00000BAD, 0x40000BAD, 0x00000009))

# ----------------------------------------------------------------------------------------------
# Writer
# ----------------------------------------------------------------------------------------------

@lru_cache(maxsize=1024)
def _packed(ip: str) -> bytes:
    try:
        return ipaddress.ip_address(ip).packed
    except ValueError:
        raise CaptureError(f"{ip!r} is not an IPv4 or IPv6 address") from None


@lru_cache(maxsize=1024)
def _mac(ip: str) -> bytes:
    """A stable, locally administered MAC address for an IP (so Wireshark shows two hosts)."""
    return b"\x02\x00" + _packed(ip)[-4:]


def frame_bytes(src_ip: str, dst_ip: str, segment: Segment, ip_id: int = 0) -> bytes:
    """One Ethernet frame (IPv4 or IPv6) carrying ``segment`` with valid checksums."""
    src, dst = _packed(src_ip), _packed(dst_ip)
    if len(src) != len(dst):
        raise CaptureError(f"{src_ip} and {dst_ip} are not the same IP version")
    tcp = segment.to_bytes(src_ip, dst_ip)
    if len(src) == 4:
        header = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + len(tcp), ip_id & 0xFFFF, 0x4000,
                             64, 6, 0, src, dst)
        csum = internet_checksum(header)
        ip = header[:10] + struct.pack("!H", csum) + header[12:]
        ethertype = b"\x08\x00"
    else:
        ip = struct.pack("!IHBB16s16s", 0x60000000, len(tcp), 6, 64, src, dst)
        ethertype = b"\x86\xdd"
    return _mac(dst_ip) + _mac(src_ip) + ethertype + ip + tcp


def write_pcap(target: PathOrFile, packets: Iterable[tuple[float, str, str, Segment]],
               *, nanoseconds: bool = False) -> int:
    """Write ``(time, src_ip, dst_ip, Segment)`` tuples as an Ethernet pcap; returns the count.

    ``target`` is a path or a binary file opened for writing. Times are seconds (floats); with
    ``nanoseconds=True`` the file keeps nanosecond timestamps.
    """
    frames = ((time, frame_bytes(src_ip, dst_ip, segment, ip_id=n))
              for n, (time, src_ip, dst_ip, segment) in enumerate(packets))
    return write_frames(target, frames, nanoseconds=nanoseconds)


def write_frames(target: PathOrFile, frames: Iterable[tuple[float, bytes]], *,
                 linktype: int = LINKTYPE_ETHERNET, nanoseconds: bool = False) -> int:
    """Write ``(time, frame bytes)`` pairs as they are, as a pcap of ``linktype``; returns the count."""
    magic, scale = (_PCAP_MAGIC_NS, 1_000_000_000) if nanoseconds else (_PCAP_MAGIC_US, 1_000_000)
    own = not hasattr(target, "write")
    out: Any = open(target, "wb") if own else target  # noqa: SIM115
    count = 0
    try:
        out.write(struct.pack("<IHHiIII", magic, 2, 4, 0, 0, 262144, linktype))
        chunk = bytearray()
        for time, frame in frames:
            ticks = round(float(time) * scale)
            if ticks < 0:
                raise CaptureError(f"packet {count + 1}: negative time {time}")
            sec, frac = divmod(ticks, scale)
            chunk += struct.pack("<IIII", sec & 0xFFFFFFFF, frac, len(frame), len(frame))
            chunk += frame
            count += 1
            if len(chunk) > 1 << 20:
                out.write(chunk)
                chunk.clear()
        out.write(chunk)
    finally:
        if own:
            out.close()
    return count


# ----------------------------------------------------------------------------------------------
# Reader
# ----------------------------------------------------------------------------------------------

#: One TCP segment found in a capture: ``(frame, time, src, dst, tcp, payload_len)``.
#: ``src``/``dst`` are packed addresses (4 or 16 bytes, see :func:`ip_text`); ``tcp`` is the TCP
#: header and the captured payload; ``payload_len`` is the payload length the IP header announces
#: (what Wireshark calls ``tcp.len``; it exceeds the captured payload when the snaplen cut it).
TcpPacket = tuple[int, float, bytes, bytes, bytes, int]

#: The same segment with its header fields decoded, as :meth:`CaptureReader.headers` yields it:
#: ``(frame, time, src, dst, sport, dport, seq, ack, flags, window, payload_len, tcp)``.
TcpHeader = tuple[int, float, bytes, bytes, int, int, int, int, int, int, int, bytes]

_CHUNK = 1 << 20
_MAX_RECORD = 1 << 26          # a record longer than 64 MiB means the file is damaged


@dataclass
class CaptureStats:
    """What a reader saw: frames, TCP segments found, and why the rest were skipped.

    ``not_tcp`` frames were read and hold no TCP; ``fragments`` are IP fragments (their
    datagram is reported at the frame that completes it, or never if it stays incomplete:
    ``fragments_incomplete``); ``malformed``, ``encrypted`` and ``unknown_link`` frames could not
    be read (``unknown_links`` counts the latter by link type).
    """

    frames: int = 0
    tcp: int = 0
    not_tcp: int = 0
    fragments: int = 0
    malformed: int = 0
    unknown_link: int = 0
    encrypted: int = 0
    fragments_incomplete: int = 0
    unknown_links: dict[int, int] = field(default_factory=dict)
    truncated_file: bool = False
    damage: str = ""

    @property
    def skipped(self) -> int:
        """Frames that held no analysable TCP segment."""
        return self.frames - self.tcp

    def unreadable(self) -> dict[str, int]:
        """Frames that could not be read, by reason (``"link type 147 not supported"``...)."""
        out = {f"link type {linktype} not supported": n
               for linktype, n in sorted(self.unknown_links.items())}
        for reason, n in (("malformed or cut short", self.malformed),
                          ("802.11 protected (encrypted)", self.encrypted),
                          ("IP fragments of datagrams never completed", self.fragments_incomplete)):
            if n:
                out[reason] = n
        return out

    def _add(self, frames: int, tcp: int, counts: list[int], links: dict[int, int]) -> None:
        """Add one scan's counts (``counts`` indexed by the reason codes of :mod:`.decode`)."""
        self.frames += frames
        self.tcp += tcp
        self.not_tcp += counts[NOT_TCP]
        self.fragments += counts[FRAGMENT]
        self.malformed += counts[MALFORMED]
        self.unknown_link += counts[UNKNOWN_LINK]
        self.encrypted += counts[ENCRYPTED]
        for linktype, n in links.items():
            self.unknown_links[linktype] = self.unknown_links.get(linktype, 0) + n


@lru_cache(maxsize=65536)
def ip_text(packed: bytes) -> str:
    """Text form of a packed IPv4/IPv6 address (cached: captures repeat a few addresses)."""
    return str(ipaddress.ip_address(packed))


class CaptureReader:
    """Stream the TCP segments of a pcap or pcapng file, in bounded memory.

    Iterate to get :data:`TcpPacket` tuples; :attr:`stats` counts every frame (TCP or skipped).
    ``path`` may be a path or a binary file object. Raises :class:`CaptureError` only when the
    file is not a capture at all (wrong magic, header cut short); damage further in is counted
    in ``stats.damage`` and ends the iteration.
    """

    def __init__(self, path: PathOrFile) -> None:
        label = getattr(path, "name", None) if hasattr(path, "read") else path
        self.name = os.path.basename(str(label)) if label else "capture"
        self._path = path
        self.stats = CaptureStats()
        self.format = ""
        self.linktypes: list[int] = []
        self._context = Context()
        self._file: Any = None
        self._open()

    def _open(self) -> None:
        if hasattr(self._path, "read"):
            self._file = self._path
        else:
            try:
                self._file = open(self._path, "rb")  # noqa: SIM115
            except OSError as exc:
                raise CaptureError(f"{self.name}: cannot open ({exc.strerror})") from None
        head = self._file.read(4)
        if len(head) < 4:
            self.close()
            raise CaptureError(f"{self.name}: not a pcap or pcapng file "
                               f"({'empty' if not head else 'only ' + str(len(head)) + ' bytes'})")
        magic_le = int.from_bytes(head, "little")
        if magic_le == _PCAPNG_SHB:
            self.format = "pcapng"
        elif magic_le in (_PCAP_MAGIC_US, _PCAP_MAGIC_NS) or int.from_bytes(head, "big") in (
                _PCAP_MAGIC_US, _PCAP_MAGIC_NS):
            self.format = "pcap"
        else:
            self.close()
            raise CaptureError(f"{self.name}: not a pcap or pcapng file (magic 0x{head.hex()})")
        self._head = head

    def close(self) -> None:
        """Close the file if the reader opened it."""
        if self._file is not None and not hasattr(self._path, "read"):
            self._file.close()
        self._file = None

    def __enter__(self) -> CaptureReader:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def __iter__(self) -> Iterator[TcpPacket]:
        for h in self.headers():
            yield h[0], h[1], h[2], h[3], h[11], h[10]

    def headers(self) -> Iterator[TcpHeader]:
        """Iterate the segments with their header fields decoded (the analysis' fast path)."""
        if self._file is None:
            raise CaptureError(f"{self.name}: the reader was closed")
        if self.format == "pcap":
            return self._pcap_scan()
        return self._scan(self._pcapng_frames())

    # -- frames ------------------------------------------------------------------------------
    def _pcap_scan(self) -> Iterator[TcpHeader]:
        """:meth:`_scan` for a pcap file, with the record loop and the fast path in one
        generator (the hot loop of ``tcpedu analyze``; keep its fast path in step with
        :meth:`_scan`)."""
        rest = self._file.read(20)
        header = self._head + rest
        if len(header) < 24:
            self.close()
            raise CaptureError(f"{self.name}: pcap file header cut short ({len(header)} of 24 bytes)")
        magic = int.from_bytes(header[:4], "little")
        order = "<" if magic in (_PCAP_MAGIC_US, _PCAP_MAGIC_NS) else ">"
        magic = int.from_bytes(header[:4], "little" if order == "<" else "big")
        scale = 1e-9 if magic == _PCAP_MAGIC_NS else 1e-6
        linktype = struct.unpack_from(order + "I", header, 20)[0] & 0x0FFFFFFF
        self.linktypes = [linktype]
        ethernet = linktype == LINKTYPE_ETHERNET
        rec = struct.Struct(order + "IIII").unpack_from
        fast = _ETH_IPV4_TCP.unpack_from
        stats = self.stats
        ctx = self._context
        counts = [0, 0, 0, 0, 0]     # by reason code (decode.NOT_TCP...)
        frame = tcp = 0
        buf = b""
        pos = size = 0
        eof = False
        try:
            while True:
                if size - pos < 16 or size - pos < 16 + rec(buf, pos)[2]:
                    if eof:
                        if size > pos:
                            stats.truncated_file = True
                            stats.damage = "last record cut short"
                            frame += 1
                            counts[2] += 1
                        return
                    data = self._file.read(_CHUNK)
                    if not data:
                        eof = True
                    buf = buf[pos:] + data
                    size = len(buf)
                    pos = 0
                    if size >= 16 and rec(buf, 0)[2] > _MAX_RECORD:
                        stats.damage = f"record length {rec(buf, 0)[2]} is impossible"
                        frame += 1
                        counts[2] += 1
                        return
                    continue
                sec, frac, caplen, wirelen = rec(buf, pos)
                start = pos + 16
                pos = end = start + caplen
                frame += 1
                if ethernet and caplen >= 54 and buf[start + 12] == 8 and buf[start + 13] == 0:
                    (vihl, total, frag, proto, src, dst, sport, dport, seq, ack, off, flags,
                     window) = fast(buf, start + 14)
                    if (vihl == 0x45 and proto == 6 and not frag & 0x3FFF and total >= 40
                            and total + 14 <= wirelen):
                        hlen = (off >> 4) * 4
                        if 20 <= hlen <= total - 20:
                            tcp += 1
                            ip_end = start + 14 + total
                            yield (frame, sec + frac * scale, src, dst, sport, dport, seq, ack,
                                   flags, window, total - 20 - hlen,
                                   buf[start + 34:ip_end if ip_end < end else end])
                            continue
                found = _frame_header(buf, start, end,
                                      start + (wirelen if wirelen > caplen else caplen),
                                      linktype, ctx)
                if found.__class__ is int:
                    counts[found] += 1   # type: ignore[index]
                    continue
                tcp += 1
                yield (frame, sec + frac * scale) + found  # type: ignore[operator]
        finally:
            stats._add(frame, tcp, counts, {linktype: counts[UNKNOWN_LINK]}
                       if counts[UNKNOWN_LINK] else {})
            self._finish()

    def _finish(self) -> None:
        """After the last frame: count the fragments left waiting, and close."""
        self.stats.fragments_incomplete = self._context.reassembler.waiting_frames
        self.close()

    def _pcapng_frames(self) -> Iterator[tuple[float, int, bytes, int, int, int]]:
        """Yield ``(time, linktype, buf, start, end, wire_end)`` for each packet block of a
        pcapng file."""
        buf = self._head
        pos = 0
        eof = False
        order = "<"
        interfaces: list[tuple[int, float, float]] = []   # (linktype, seconds per tick, offset)
        last_time = 0.0
        while True:
            avail = len(buf) - pos
            need = 12
            if avail >= 12:
                if buf[pos:pos + 4] == b"\x0a\x0d\x0d\x0a" and avail >= 12:
                    order = "<" if buf[pos + 8:pos + 12] == b"\x4d\x3c\x2b\x1a" else ">"
                need = struct.unpack_from(order + "I", buf, pos + 4)[0]
                if need < 12 or need > _MAX_RECORD:
                    self.stats.damage = f"block length {need} is impossible"
                    return
            if avail < need:
                if eof:
                    if avail:
                        self.stats.truncated_file = True
                        self.stats.damage = "last block cut short"
                    return
                data = self._file.read(_CHUNK)
                if not data:
                    eof = True
                buf = buf[pos:] + data
                pos = 0
                continue
            btype = struct.unpack_from(order + "I", buf, pos)[0]
            body, end = pos + 8, pos + need - 4
            pos += need
            if btype == 6 or btype == 2:                      # EPB, obsolete PB
                if end - body < 20:
                    yield _DAMAGED
                    continue
                if btype == 6:
                    iface, hi, lo, caplen, wirelen = struct.unpack_from(order + "IIIII", buf,
                                                                        body)
                else:
                    iface, _drops, hi, lo, caplen, wirelen = struct.unpack_from(
                        order + "HHIIII", buf, body)
                start = body + 20
                if iface >= len(interfaces) or start + caplen > end:
                    yield _DAMAGED
                    continue
                linktype, tick, offset = interfaces[iface]
                last_time = ((hi << 32) | lo) * tick + offset
                yield (last_time, linktype, buf, start, start + caplen,
                       start + (wirelen if wirelen > caplen else caplen))
            elif btype == 3:                                   # SPB
                if not interfaces or end - body < 4:
                    yield _DAMAGED
                    continue
                wirelen = struct.unpack_from(order + "I", buf, body)[0]
                start = body + 4
                yield (last_time, interfaces[0][0], buf, start, min(end, start + wirelen),
                       start + wirelen)
            elif btype == 1:                                   # IDB
                if end - body < 8:
                    self.stats.damage = "interface description block cut short"
                    return
                linktype = struct.unpack_from(order + "H", buf, body)[0]
                tick, offset = self._idb_options(buf, body + 8, end, order)
                interfaces.append((linktype, tick, offset))
                self.linktypes.append(linktype)
            elif btype == _PCAPNG_SHB:
                interfaces = []
            elif btype in _PCAPNG_RECORD_BLOCKS:               # records Wireshark numbers too
                yield _NOT_A_PACKET
            # every other block type is skipped

    @staticmethod
    def _idb_options(buf: bytes, pos: int, end: int, order: str) -> tuple[float, float]:
        tick, offset = 1e-6, 0.0
        opt = struct.Struct(order + "HH").unpack_from
        while pos + 4 <= end:
            code, length = opt(buf, pos)
            value = pos + 4
            if code == 0:
                break
            if value + length > end:
                break
            if code == 9 and length >= 1:
                res = buf[value]
                tick = 2.0 ** -(res & 0x7F) if res & 0x80 else 10.0 ** -min(res, 30)
            elif code == 14 and length >= 8:
                offset = float(struct.unpack_from(order + "q", buf, value)[0])
            pos = value + length + (-length % 4)
        return tick, offset

    # -- TCP ---------------------------------------------------------------------------------
    def _scan(self, frames: Iterable[tuple[float, int, bytes, int, int, int]],
              ) -> Iterator[TcpHeader]:
        """The TCP segments of the frames: a fast path for Ethernet + plain IPv4 + TCP (one
        struct call decodes both headers), and :func:`.decode.frame_tcp` for every other."""
        fast = _ETH_IPV4_TCP.unpack_from
        ctx = self._context
        counts = [0, 0, 0, 0, 0]     # by reason code (decode.NOT_TCP...)
        links: dict[int, int] = {}   # unsupported link type -> frames
        frame = tcp = 0
        try:
            for time, linktype, buf, start, end, rend in frames:
                frame += 1
                # Fast path: Ethernet, IPv4 without options or fragmentation, TCP inside.
                if linktype == 1 and end - start >= 54 and buf[start + 12] == 8 and \
                        buf[start + 13] == 0:
                    (vihl, total, frag, proto, src, dst, sport, dport, seq, ack, off, flags,
                     window) = fast(buf, start + 14)
                    if (vihl == 0x45 and proto == 6 and not frag & 0x3FFF and total >= 40
                            and start + 14 + total <= rend):
                        hlen = (off >> 4) * 4
                        if 20 <= hlen <= total - 20:
                            tcp += 1
                            ip_end = start + 14 + total
                            yield (frame, time, src, dst, sport, dport, seq, ack, flags, window,
                                   total - 20 - hlen,
                                   buf[start + 34:ip_end if ip_end < end else end])
                            continue
                found = (_frame_header(buf, start, end, rend, linktype, ctx) if linktype >= 0
                         else -linktype - 1)
                if found.__class__ is int:
                    counts[found] += 1   # type: ignore[index]
                    if found == UNKNOWN_LINK:
                        links[linktype] = links.get(linktype, 0) + 1
                    continue
                tcp += 1
                yield (frame, time) + found  # type: ignore[operator]
        finally:
            self.stats._add(frame, tcp, counts, links)
            self._finish()


# From the IP header on: version/IHL, total length, flags/offset, protocol, addresses, then the
# TCP ports, numbers, data offset, flags and window.
_ETH_IPV4_TCP = struct.Struct("!BxHxxHxBxx4s4sHHIIBBH")
_TCP_FIELDS = struct.Struct("!HHIIBBH")

# Frames that hold no packet, as the frame generators report them: link type -1 - reason code
# (reason codes of :mod:`.decode`).
_DAMAGED = (0.0, -1 - MALFORMED, b"", 0, 0, 0)
_NOT_A_PACKET = (0.0, -1 - NOT_TCP, b"", 0, 0, 0)

def _frame_header(buf: bytes, start: int, end: int, rend: int, linktype: int,
                  ctx: Context) -> tuple[Any, ...] | int:
    """:func:`~tcpedu.capture.decode.frame_tcp` with the TCP header decoded: ``(src, dst, sport,
    dport, seq, ack, flags, window, payload_len, tcp)``, or its reason code."""
    found = frame_tcp(buf, start, end, rend, linktype, ctx)
    if found.__class__ is int:
        return found  # type: ignore[return-value]
    src, dst, segment, payload_len = found  # type: ignore[misc]
    sport, dport, seq, ack, _off, flags, window = _TCP_FIELDS.unpack_from(segment)
    return src, dst, sport, dport, seq, ack, flags, window, payload_len, segment


def read_tcp(path: PathOrFile) -> Iterator[TcpPacket]:
    """Shorthand: iterate the TCP segments of a capture (see :class:`CaptureReader`)."""
    return iter(CaptureReader(path))
