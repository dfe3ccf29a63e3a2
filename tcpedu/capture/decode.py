"""Frames → TCP segments: link layers, tunnels and IP, each decoded by a small function found in a
table (by link type, ethertype, IP protocol, UDP port, GRE protocol), the way Wireshark hands a
packet from dissector to dissector.

:func:`frame_tcp` is the general path of :class:`~tcpedu.capture.pcapio.CaptureReader` (the reader
keeps a fast path for plain Ethernet/IPv4/TCP). Understood:

- link types: Ethernet (1; 802.3 + LLC/SNAP too), raw IP (12, 14, 101, 228, 229), BSD null (0),
  OpenBSD loop (108), Linux cooked SLL (113) and SLL2 (276), Cisco HDLC (104), IEEE 802.11 (105)
  and radiotap + 802.11 (127) data frames with LLC/SNAP, NFLOG (239, its TLVs), PPP (9, 50),
  ARCnet (7, 129), IP over InfiniBand (242);
- ethertypes: IPv4, IPv6, 802.1Q/802.1ad/QinQ tags, MPLS label stacks (unicast and multicast),
  PPPoE session (PPP carrying IPv4 or IPv6), transparent Ethernet bridging;
- inside IP: IPv4-in-IP (4in4, 4in6), IPv6-in-IP (6in4, 6in6), GRE (checksum, key and sequence
  number fields; ERSPAN I, II and III; WCCP), UDP to VXLAN (4789), Geneve (6081) and GTP-U (2152);
- IPv4 and IPv6 fragments, reassembled as Wireshark does (:class:`Reassembler`): the datagram is
  reported at the frame that completes it, with its whole length.

Lengths follow Wireshark: each layer may shorten the *reported* end of the packet (IP's total
length, UDP's length, PPPoE's length) but never past the bytes the frame had on the wire, so a
header that claims more than was sent gives the payload length of the bytes present.

Every decoder has the signature ``(buf, pos, end, rend, ctx) -> step`` where ``buf[pos:end]`` is
the captured rest of the frame and ``rend`` its reported end (``>= end`` when a snap length cut
the capture). A step is one of: a *reason code* (int) saying why there is no TCP segment;
``(table, key, buf, pos, end, rend)`` to go on with the decoder ``table[key]``; or, from the TCP
decoder, the segment ``(src, dst, tcp, payload_len)``.
"""

from __future__ import annotations

import struct
from collections.abc import Callable
from typing import Any

# Reason codes (indexes of REASONS): why a frame gave no TCP segment.
NOT_TCP, FRAGMENT, MALFORMED, UNKNOWN_LINK, ENCRYPTED = range(5)

#: Text of each reason code, as the skipped-frames summary prints it.
REASONS = ("no TCP", "IP fragment", "malformed or cut short", "link type not supported",
           "802.11 protected (encrypted)")

_MAX_LAYERS = 24               # a frame nested deeper than this is taken as malformed
_U16 = struct.Struct("!H").unpack_from
_U16LE = struct.Struct("<H").unpack_from
_U32 = struct.Struct("!I").unpack_from
_U32LE = struct.Struct("<I").unpack_from
_IPV6_EXTENSIONS = frozenset((0, 43, 60, 135, 139, 140))   # walked as (next, len*8+8)

Step = Any
Decoder = Callable[[bytes, int, int, int, "Context"], Step]


class Context:
    """Per-file state of the general path: the innermost IP addresses of the frame being
    decoded and the fragments waiting for reassembly."""

    __slots__ = ("src", "dst", "reassembler")

    def __init__(self) -> None:
        self.src = b""
        self.dst = b""
        self.reassembler = Reassembler()


class Reassembler:
    """IPv4/IPv6 fragments waiting for the rest of their datagram, in bounded memory.

    Keyed like Wireshark's reassembly table (addresses, identification, and for IPv4 the
    protocol). A datagram is complete when its last fragment (more-fragments off) has come and
    every byte before it is covered; it is then handed on, as of the frame that completed it.
    At most ``limit`` datagrams wait; beyond that the oldest is forgotten (its frames stay
    counted as fragments).
    """

    __slots__ = ("pending", "limit", "completed", "dropped")

    def __init__(self, limit: int = 512) -> None:
        self.pending: dict[tuple[Any, ...], list[Any]] = {}   # key -> [total, parts, frames]
        self.limit = limit
        self.completed = 0
        self.dropped = 0              # frames of datagrams forgotten (the limit was reached)

    def add(self, key: tuple[Any, ...], offset: int, data: bytes, more: bool) -> bytes | None:
        """Add one fragment; the whole datagram's payload when this one completes it."""
        entry = self.pending.get(key)
        if entry is None:
            if len(self.pending) >= self.limit:
                self.dropped += self.pending.pop(next(iter(self.pending)))[2]
            entry = self.pending[key] = [None, [], 0]
        entry[1].append((offset, data))
        entry[2] += 1
        if not more:
            entry[0] = offset + len(data)
        total = entry[0]
        if total is None:
            return None
        covered = 0
        for start, part in sorted(entry[1], key=lambda p: p[0]):
            if start > covered:
                return None
            covered = max(covered, start + len(part))
        if covered < total:
            return None
        whole = bytearray(total)
        for start, part in reversed(entry[1]):          # the first copy of a byte wins
            whole[start:start + len(part)] = part[:max(0, total - start)]
        del self.pending[key]
        self.completed += 1
        return bytes(whole)

    @property
    def waiting_frames(self) -> int:
        """Frames held in datagrams still incomplete (or forgotten at the limit)."""
        return self.dropped + sum(entry[2] for entry in self.pending.values())


def frame_tcp(buf: bytes, start: int, end: int, rend: int, linktype: int,
              ctx: Context) -> tuple[bytes, bytes, bytes, int] | int:
    """The TCP segment of one frame: ``(src, dst, tcp, payload_len)`` or a reason code.

    ``buf[start:end]`` holds the captured frame, ``rend`` is where it ended on the wire (start
    plus the original length); ``tcp`` is the TCP header and the captured payload.
    """
    table: dict[int, Decoder] = LINK_TYPES
    key = linktype
    pos = start
    for _ in range(_MAX_LAYERS):
        decoder = table.get(key)
        if decoder is None:
            return UNKNOWN_LINK if table is LINK_TYPES else NOT_TCP
        step = decoder(buf, pos, end, rend, ctx)
        if step.__class__ is int or len(step) == 4:
            return step  # type: ignore[no-any-return]
        table, key, buf, pos, end, rend = step
    return MALFORMED


# ----------------------------------------------------------------------------------------------
# IP and TCP
# ----------------------------------------------------------------------------------------------

def _ipv4(buf: bytes, pos: int, end: int, rend: int, ctx: Context) -> Step:
    if end - pos < 20:
        return MALFORMED
    vihl = buf[pos]
    ihl = (vihl & 15) * 4
    if vihl >> 4 != 4 or ihl < 20 or pos + ihl > end:
        return MALFORMED
    total = _U16(buf, pos + 2)[0]
    if total < ihl:
        if total != 0:           # 0: TSO/GSO offload, the length was left to the NIC
            return MALFORMED
    elif pos + total < rend:
        rend = pos + total
    if end > rend:
        end = rend
    src, dst = buf[pos + 12:pos + 16], buf[pos + 16:pos + 20]
    proto = buf[pos + 9]
    frag = _U16(buf, pos + 6)[0]
    body = pos + ihl
    if frag & 0x3FFF:                                       # MF or an offset: a fragment
        offset = (frag & 0x1FFF) * 8
        length = total - ihl
        if length > 0 and body + length <= end and pos + total <= rend:
            whole = ctx.reassembler.add((4, src, dst, _U16(buf, pos + 4)[0], proto), offset,
                                        buf[body:body + length], bool(frag & 0x2000))
            if whole is None:
                return FRAGMENT
            ctx.src, ctx.dst = src, dst
            return IP_PROTOCOLS, proto, whole, 0, len(whole), len(whole)
        if offset:
            return FRAGMENT
        # A first fragment not wholly captured: Wireshark reads what it holds.
    ctx.src, ctx.dst = src, dst
    return IP_PROTOCOLS, proto, buf, body, end, rend


def _ipv6(buf: bytes, pos: int, end: int, rend: int, ctx: Context) -> Step:
    if end - pos < 40 or buf[pos] >> 4 != 6:
        return MALFORMED
    plen = _U16(buf, pos + 4)[0]
    # 0: a jumbogram or BIG TCP/GSO offload, read to the end of the frame (tshark 4.0 gives up)
    if plen and pos + 40 + plen < rend:
        rend = pos + 40 + plen
    if end > rend:
        end = rend
    src, dst = buf[pos + 8:pos + 24], buf[pos + 24:pos + 40]
    nxt = buf[pos + 6]
    pos += 40
    for _ in range(16):
        if nxt in _IPV6_EXTENSIONS or nxt == 51:
            if pos + 2 > end:
                return MALFORMED
            size = (buf[pos + 1] + 2) * 4 if nxt == 51 else buf[pos + 1] * 8 + 8
            nxt = buf[pos]
            pos += size
        elif nxt == 44:                                     # fragment header
            if pos + 8 > end:
                return MALFORMED
            field = _U16(buf, pos + 2)[0]
            nxt = buf[pos]
            ident = _U32(buf, pos + 4)[0]
            pos += 8
            if field & 0xFFF9:                              # an offset or more fragments
                offset = field & 0xFFF8
                length = rend - pos
                if length > 0 and pos + length <= end:
                    whole = ctx.reassembler.add((6, src, dst, ident), offset,
                                                buf[pos:pos + length], bool(field & 1))
                    if whole is None:
                        return FRAGMENT
                    ctx.src, ctx.dst = src, dst
                    return IP_PROTOCOLS, nxt, whole, 0, len(whole), len(whole)
                if offset:
                    return FRAGMENT
        else:
            if pos > end:
                return MALFORMED
            ctx.src, ctx.dst = src, dst
            return IP_PROTOCOLS, nxt, buf, pos, end, rend
    return MALFORMED


def _tcp(buf: bytes, pos: int, end: int, rend: int, ctx: Context) -> Step:
    if end - pos < 20:
        return MALFORMED
    hlen = (buf[pos + 12] >> 4) * 4
    if hlen < 20 or pos + hlen > rend:
        return MALFORMED
    return ctx.src, ctx.dst, buf[pos:end], rend - pos - hlen


def _ip_by_version(buf: bytes, pos: int, end: int, rend: int, ctx: Context) -> Step:
    if pos >= end:
        return MALFORMED
    return IP_VERSIONS, buf[pos] >> 4, buf, pos, end, rend


# ----------------------------------------------------------------------------------------------
# Tunnels inside IP
# ----------------------------------------------------------------------------------------------

_GRE_CHECKSUM, _GRE_ROUTING, _GRE_KEY, _GRE_SEQUENCE = 0x8000, 0x4000, 0x2000, 0x1000
_ERSPAN_I = -0x88BE            # GRE table key of ERSPAN type I (0x88BE without a sequence number)


def _gre(buf: bytes, pos: int, end: int, rend: int, ctx: Context) -> Step:
    if end - pos < 4:
        return MALFORMED
    flags, ptype = _U16(buf, pos)[0], _U16(buf, pos + 2)[0]
    if flags & 7 == 1:                                      # version 1: PPTP's enhanced GRE
        size = 8 + (4 if flags & _GRE_SEQUENCE else 0) + (4 if flags & 0x0080 else 0)
    elif flags & 7 == 0 and not flags & _GRE_ROUTING:
        size = 4 + sum(4 for bit in (_GRE_CHECKSUM, _GRE_KEY, _GRE_SEQUENCE) if flags & bit)
    else:
        return NOT_TCP
    if pos + size > end:
        return MALFORMED
    if ptype == 0x88BE and not flags & _GRE_SEQUENCE:
        ptype = _ERSPAN_I
    return GRE_PROTOCOLS, ptype, buf, pos + size, end, rend


def _udp(buf: bytes, pos: int, end: int, rend: int, ctx: Context) -> Step:
    if end - pos < 8:
        return MALFORMED
    sport, dport, length = _U16(buf, pos)[0], _U16(buf, pos + 2)[0], _U16(buf, pos + 4)[0]
    if length < 8:                  # tshark 4.0 stops here too ("BAD UDP LENGTH"), even for 0
        return MALFORMED
    if pos + length < rend:
        rend = pos + length
        if end > rend:
            end = rend
    low, high = (sport, dport) if sport < dport else (dport, sport)   # Wireshark: low port first
    port = low if low in UDP_PORTS else high
    return UDP_PORTS, port, buf, pos + 8, end, rend


def _vxlan(buf: bytes, pos: int, end: int, rend: int, ctx: Context) -> Step:
    if end - pos < 8:
        return MALFORMED
    return LINK_TYPES, 1, buf, pos + 8, end, rend


def _geneve(buf: bytes, pos: int, end: int, rend: int, ctx: Context) -> Step:
    if end - pos < 8:
        return MALFORMED
    if buf[pos] >> 6:                                       # only version 0 is defined
        return NOT_TCP
    return ETHERTYPES, _U16(buf, pos + 2)[0], buf, pos + 8 + (buf[pos] & 0x3F) * 4, end, rend


def _gtp_u(buf: bytes, pos: int, end: int, rend: int, ctx: Context) -> Step:
    if end - pos < 8:
        return MALFORMED
    flags = buf[pos]
    if flags >> 5 != 1 or not flags & 0x10 or buf[pos + 1] != 0xFF:   # GTPv1, G-PDU only
        return NOT_TCP
    length = _U16(buf, pos + 2)[0]
    if pos + 8 + length < rend:
        rend = pos + 8 + length
        if end > rend:
            end = rend
    at = pos + 8
    if flags & 0x07:                                        # sequence, N-PDU, extension
        if at + 4 > end:
            return MALFORMED
        nxt = buf[at + 3]
        at += 4
        while nxt:
            if at >= end or buf[at] == 0:
                return MALFORMED
            size = buf[at] * 4
            if at + size > end:
                return MALFORMED
            nxt = buf[at + size - 1]
            at += size
    return _ip_by_version(buf, at, end, rend, ctx)


def _wccp(buf: bytes, pos: int, end: int, rend: int, ctx: Context) -> Step:
    """GRE's WCCP: the redirected IP packet, after a 4-byte redirect header unless IPv4 follows
    at once (WCCP version 1)."""
    if pos >= end:
        return MALFORMED
    return _ip_by_version(buf, pos if buf[pos] >> 4 == 4 else pos + 4, end, rend, ctx)


def _erspan_ii(buf: bytes, pos: int, end: int, rend: int, ctx: Context) -> Step:
    if end - pos < 8:
        return MALFORMED
    return LINK_TYPES, 1, buf, pos + 8, end, rend


def _erspan_iii(buf: bytes, pos: int, end: int, rend: int, ctx: Context) -> Step:
    if end - pos < 12:
        return MALFORMED
    size = 12 + (8 if buf[pos + 11] & 1 else 0)             # O bit: platform subheader
    frame_type = (buf[pos + 10] >> 2) & 0x1F                 # 0 Ethernet, 2 IP
    if frame_type == 2:
        return _ip_by_version(buf, pos + size, end, rend, ctx)
    return LINK_TYPES, 1, buf, pos + size, end, rend


# ----------------------------------------------------------------------------------------------
# Below IP: ethertypes and link types
# ----------------------------------------------------------------------------------------------

def _vlan(buf: bytes, pos: int, end: int, rend: int, ctx: Context) -> Step:
    if end - pos < 4:
        return MALFORMED
    return ETHERTYPES, _U16(buf, pos + 2)[0], buf, pos + 4, end, rend


def _mpls(buf: bytes, pos: int, end: int, rend: int, ctx: Context) -> Step:
    for _ in range(_MAX_LAYERS):
        if end - pos < 4:
            return MALFORMED
        entry = _U32(buf, pos)[0]
        pos += 4
        if entry & 0x100:                                    # bottom of stack
            break
    else:
        return MALFORMED
    if pos >= end:
        return MALFORMED
    nibble = buf[pos] >> 4
    if nibble == 0:                                          # pseudowire control word + Ethernet
        return LINK_TYPES, 1, buf, pos + 4, end, rend
    return IP_VERSIONS, nibble, buf, pos, end, rend


def _pppoe_session(buf: bytes, pos: int, end: int, rend: int, ctx: Context) -> Step:
    if end - pos < 8:
        return MALFORMED
    length = _U16(buf, pos + 4)[0]
    if pos + 6 + length < rend:
        rend = pos + 6 + length
        if end > rend:
            end = rend
    return PPP_PROTOCOLS, _U16(buf, pos + 6)[0], buf, pos + 8, end, rend


def _ppp(buf: bytes, pos: int, end: int, rend: int, ctx: Context) -> Step:
    """PPP in HDLC-like framing: address and control (FF 03) when present, then the protocol."""
    if end - pos < 2:
        return MALFORMED
    if buf[pos] == 0xFF and buf[pos + 1] == 0x03:
        pos += 2
    if end - pos < 2:
        return MALFORMED
    return PPP_PROTOCOLS, _U16(buf, pos)[0], buf, pos + 2, end, rend


def _llc(buf: bytes, pos: int, end: int, rend: int, ctx: Context) -> Step:
    """802.2 LLC: only SNAP (AA AA 03, then an OUI and an ethertype) can carry IP here."""
    if end - pos < 8:
        return MALFORMED
    if buf[pos] != 0xAA or buf[pos + 1] != 0xAA or buf[pos + 2] != 3:
        return NOT_TCP
    return ETHERTYPES, _U16(buf, pos + 6)[0], buf, pos + 8, end, rend


def _ethernet(buf: bytes, pos: int, end: int, rend: int, ctx: Context) -> Step:
    if end - pos < 14:
        return MALFORMED
    ethertype = _U16(buf, pos + 12)[0]
    if ethertype <= 1500:                                   # 802.3: a length, then LLC
        if pos + 14 + ethertype < rend:
            rend = pos + 14 + ethertype
            if end > rend:
                end = rend
        return _llc(buf, pos + 14, end, rend, ctx)
    return ETHERTYPES, ethertype, buf, pos + 14, end, rend


def _sll(buf: bytes, pos: int, end: int, rend: int, ctx: Context) -> Step:
    if end - pos < 16:
        return MALFORMED
    return ETHERTYPES, _U16(buf, pos + 14)[0], buf, pos + 16, end, rend


def _sll2(buf: bytes, pos: int, end: int, rend: int, ctx: Context) -> Step:
    if end - pos < 20:
        return MALFORMED
    return ETHERTYPES, _U16(buf, pos)[0], buf, pos + 20, end, rend


def _cisco_hdlc(buf: bytes, pos: int, end: int, rend: int, ctx: Context) -> Step:
    if end - pos < 4:
        return MALFORMED
    return ETHERTYPES, _U16(buf, pos + 2)[0], buf, pos + 4, end, rend


_ARCNET_IP = {0xF0: 0, 0xD4: 3, 0xC4: 3}   # protocol id -> bytes before IP (RFC 1051, 1201, 2497)


def _arcnet(header: int) -> Decoder:
    """ARCnet (BSD: source, destination; Linux: also a 2-byte offset), a protocol id, and for the
    RFC 1201 framing a split flag and a sequence number."""
    def decode(buf: bytes, pos: int, end: int, rend: int, ctx: Context) -> Step:
        at = pos + header
        if at + 1 > end:
            return MALFORMED
        extra = _ARCNET_IP.get(buf[at])
        if extra is None:
            return NOT_TCP
        if extra and at + 2 <= end and buf[at + 1] == 0xFF:       # exception packet
            extra += 4
        return _ip_by_version(buf, at + 1 + extra, end, rend, ctx)
    return decode


def _ipoib(buf: bytes, pos: int, end: int, rend: int, ctx: Context) -> Step:
    """IP over InfiniBand as captured on Linux: a 40-byte pseudo-header with the destination
    address, then the RFC 4391 header (ethertype, 2 reserved bytes)."""
    if end - pos < 44:
        return MALFORMED
    return ETHERTYPES, _U16(buf, pos + 40)[0], buf, pos + 44, end, rend


def _skip(size: int) -> Decoder:
    """A link header of ``size`` bytes, then IP (its version read from the packet)."""
    def decode(buf: bytes, pos: int, end: int, rend: int, ctx: Context) -> Step:
        return _ip_by_version(buf, pos + size, end, rend, ctx)
    return decode


def _ieee80211(buf: bytes, pos: int, end: int, rend: int, ctx: Context) -> Step:
    """An 802.11 data frame (addresses, QoS and HT control skipped), then LLC/SNAP."""
    if end - pos < 24:
        return MALFORMED
    fc, flags = buf[pos], buf[pos + 1]
    if (fc >> 2) & 3 != 2 or fc & 0x40:                     # not data, or no data (null)
        return NOT_TCP
    size = 30 if flags & 3 == 3 else 24
    if fc & 0x80:                                            # QoS data
        size += 2
        qos = pos + size - 2
        if flags & 0x80:                                     # +HTC
            size += 4
        if qos >= end or buf[qos] & 0x80:                    # A-MSDU
            return NOT_TCP if qos < end else MALFORMED
    if flags & 0x40:
        return ENCRYPTED
    return _llc(buf, pos + size, end, rend, ctx)


# radiotap present bit -> (alignment, size) of the fields before FLAGS (bit 1)
_RADIOTAP_TSFT = (8, 8)


def _radiotap(buf: bytes, pos: int, end: int, rend: int, ctx: Context) -> Step:
    if end - pos < 8:
        return MALFORMED
    length = _U16LE(buf, pos + 2)[0]
    if length < 8 or pos + length > end:
        return MALFORMED
    present = first = _U32LE(buf, pos + 4)[0]
    at = pos + 8
    while present & 0x80000000:                             # more present words follow
        if at + 4 > pos + length:
            return MALFORMED
        present = _U32LE(buf, at)[0]
        at += 4
    if first & 1:                                            # TSFT: 8 bytes, 8-aligned
        align, size = _RADIOTAP_TSFT
        at += -(at - pos) % align + size
    if first & 2 and at < pos + length and buf[at] & 0x10:   # FLAGS: the frame ends in an FCS
        end, rend = min(end, rend - 4), rend - 4
    return LINK_TYPES, 105, buf, pos + length, end, rend


_NFLOG_PAYLOAD = 9


def _nflog(buf: bytes, pos: int, end: int, rend: int, ctx: Context) -> Step:
    """Linux NFLOG: a 4-byte header, then TLVs (length and type in host order, little-endian
    here; 4-byte aligned); the packet is the payload TLV."""
    if end - pos < 4:
        return MALFORMED
    at = pos + 4
    while at + 4 <= end:
        length, kind = _U16LE(buf, at)[0], _U16LE(buf, at + 2)[0]
        if length < 4:
            return MALFORMED
        if kind & 0x7FFF == _NFLOG_PAYLOAD:
            stop = at + length
            return _ip_by_version(buf, at + 4, min(end, stop), min(rend, stop), ctx)
        at += length + (-length % 4)
    return NOT_TCP


# ----------------------------------------------------------------------------------------------
# The tables
# ----------------------------------------------------------------------------------------------

IP_VERSIONS: dict[int, Decoder] = {4: _ipv4, 6: _ipv6}

#: IP protocol number (IPv4 protocol, IPv6 next header) -> decoder.
IP_PROTOCOLS: dict[int, Decoder] = {6: _tcp, 4: _ipv4, 41: _ipv6, 47: _gre, 17: _udp}

#: UDP port -> decoder (the lower of the two ports is tried first, as Wireshark does).
UDP_PORTS: dict[int, Decoder] = {4789: _vxlan, 6081: _geneve, 2152: _gtp_u}

#: Ethertype -> decoder.
ETHERTYPES: dict[int, Decoder] = {
    0x0800: _ipv4, 0x86DD: _ipv6,
    0x8100: _vlan, 0x88A8: _vlan, 0x9100: _vlan,
    0x8847: _mpls, 0x8848: _mpls,
    0x8864: _pppoe_session,
    0x6558: _ethernet,                                      # transparent Ethernet bridging
}

#: PPP protocol -> decoder.
PPP_PROTOCOLS: dict[int, Decoder] = {0x0021: _ipv4, 0x0057: _ipv6, 0x0281: _mpls, 0x0283: _mpls}

#: GRE protocol type -> decoder (ethertypes, plus ERSPAN).
GRE_PROTOCOLS: dict[int, Decoder] = {
    **ETHERTYPES, 0x880B: _ppp,
    0x88BE: _erspan_ii, _ERSPAN_I: _ethernet, 0x22EB: _erspan_iii, 0x883E: _wccp,
}

#: pcap/pcapng link type -> decoder.
LINK_TYPES: dict[int, Decoder] = {
    1: _ethernet, 113: _sll, 276: _sll2, 104: _cisco_hdlc, 105: _ieee80211, 127: _radiotap,
    239: _nflog, 9: _ppp, 50: _ppp, 7: _arcnet(2), 129: _arcnet(4), 242: _ipoib,
    101: _skip(0), 12: _skip(0), 14: _skip(0), 228: _skip(0), 229: _skip(0),
    0: _skip(4), 108: _skip(4),
}

#: Link types the reader understands.
SUPPORTED_LINKTYPES = frozenset(LINK_TYPES)
