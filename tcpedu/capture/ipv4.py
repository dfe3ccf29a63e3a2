"""IPv4 headers for the TUN driver: wrap a TCP segment in a packet, and unwrap one.

A TUN device speaks bare IP packets. :func:`wrap` puts the bytes of a
:meth:`~tcpedu.model.segment.Segment.to_bytes` into an IPv4 packet with a valid header checksum;
:func:`unwrap` checks a packet from the kernel and returns its addresses and TCP bytes.
"""

from __future__ import annotations

import socket
import struct
from typing import NamedTuple

from ..errors import SegmentError
from ..model.segment import internet_checksum

_HEADER = struct.Struct("!BBHHHBBH4s4s")
PROTO_TCP = 6


class IPv4Packet(NamedTuple):
    """What :func:`unwrap` found: addresses, protocol and the payload (the TCP bytes)."""

    src: str
    dst: str
    protocol: int
    payload: bytes


def wrap(src: str, dst: str, tcp: bytes, *, ident: int = 0, ttl: int = 64) -> bytes:
    """An IPv4 packet (DF set, no options) carrying ``tcp`` from ``src`` to ``dst``."""
    total = 20 + len(tcp)
    if total > 0xFFFF:
        raise SegmentError(f"an IPv4 packet holds at most 65515 payload bytes, not {len(tcp)}")
    try:
        src_b, dst_b = socket.inet_aton(src), socket.inet_aton(dst)
    except OSError:
        raise SegmentError(f"{src!r} or {dst!r} is not an IPv4 address") from None
    header = _HEADER.pack(0x45, 0, total, ident & 0xFFFF, 0x4000, ttl, PROTO_TCP, 0, src_b, dst_b)
    return header[:10] + struct.pack("!H", internet_checksum(header)) + header[12:] + tcp


def unwrap(packet: bytes) -> IPv4Packet:
    """Decode an IPv4 packet; raises SegmentError for anything else or a damaged header.

    Fragments are refused (the TUN driver never needs them: Linux sets DF and keeps to the MTU).
    """
    if len(packet) < 20 or packet[0] >> 4 != 4:
        raise SegmentError(f"not an IPv4 packet ({len(packet)} bytes, version {packet[0] >> 4 if packet else '?'})")
    ver_ihl, _tos, total, _ident, frag, _ttl, proto, _csum, src, dst = _HEADER.unpack_from(packet)
    ihl = (ver_ihl & 0x0F) * 4
    if ihl < 20 or total < ihl or total > len(packet):
        raise SegmentError(f"IPv4 header length {ihl} / total length {total} do not fit {len(packet)} bytes")
    if internet_checksum(packet[:ihl]) != 0:
        raise SegmentError("IPv4 header checksum is wrong")
    if frag & 0x3FFF:
        raise SegmentError("IPv4 fragments are not supported here")
    return IPv4Packet(socket.inet_ntoa(src), socket.inet_ntoa(dst), proto, bytes(packet[ihl:total]))
