"""Capture files: a pcap writer and a streaming pcap/pcapng reader of TCP packets.

:func:`write_pcap` turns ``(time, src_ip, dst_ip, Segment)`` tuples into an Ethernet pcap with
valid IP and TCP checksums (what ``Trace.to_pcap`` and the live tools write).

:class:`CaptureReader` reads pcap (both byte orders, µs and ns) and pcapng (SHB/IDB/EPB/SPB and the
obsolete PB; unknown blocks skipped; link type and timestamp resolution per interface) in bounded
memory, and yields one lightweight :class:`TcpPacket` tuple per TCP segment found. Link types:
Ethernet (with 802.1Q/802.1ad VLAN tags), Linux cooked SLL and SLL2, raw IP (101, 12, 14, 228,
229), BSD null (0) and OpenBSD loop (108). IPv4 (with options; only a first fragment carries TCP,
later fragments are counted as skipped) and IPv6 (extension headers walked). Everything that is not
TCP is counted in :attr:`CaptureReader.stats`; damaged packets are counted as malformed, never
raised. Only a file that is not a capture at all raises :class:`~tcpedu.errors.CaptureError`.
"""

from __future__ import annotations

import ipaddress
import os
import struct
from collections.abc import Iterable, Iterator  # noqa: F401
from dataclasses import dataclass, field  # noqa: F401
from functools import lru_cache
from typing import IO, TYPE_CHECKING, Any, NamedTuple  # noqa: F401

from .errors import CaptureError
from .segment import internet_checksum

if TYPE_CHECKING:
    from .segment import Segment

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

# ----------------------------------------------------------------------------------------------
# Writer
# ----------------------------------------------------------------------------------------------

_ETH_CLIENT = bytes.fromhex("020000000001")


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
    magic, scale = (_PCAP_MAGIC_NS, 1_000_000_000) if nanoseconds else (_PCAP_MAGIC_US, 1_000_000)
    own = not hasattr(target, "write")
    out: Any = open(target, "wb") if own else target  # noqa: SIM115
    count = 0
    try:
        out.write(struct.pack("<IHHiIII", magic, 2, 4, 0, 0, 262144, LINKTYPE_ETHERNET))
        chunk = bytearray()
        for time, src_ip, dst_ip, segment in packets:
            frame = frame_bytes(src_ip, dst_ip, segment, ip_id=count)
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
