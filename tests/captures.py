"""Test situations crafted as captures: conversations written with scapy on many link types.

A :class:`Talk` keeps each side's SEQ/ACK so a situation reads like the ladder it makes
(``talk.data("client", 1000)``, ``talk.ack("server")``). :data:`SITUATIONS` builds each one as
``(time, src_ip, dst_ip, Segment)`` packets; the ``write_*`` functions put them in files (pcap
through scapy on Ethernet, 802.1Q/802.1ad, SLL, SLL2, raw IP, null; pcapng by hand, with unknown
blocks, several interfaces and a nanosecond interface). :func:`chaotic` makes random nonsense
segments that reach every corner of the analysis heuristics; :func:`synthetic_capture` writes a
big, realistic capture quickly with struct (for the agreement tests and the benchmark).
"""

from __future__ import annotations

import struct
from collections.abc import Callable
from pathlib import Path

from tcpedu.model.segment import Flags, Options, Segment

Packet = tuple[float, str, str, Segment]
MSS = 1000


class Talk:
    """One TCP conversation being written down, segment by segment, with a clock."""

    def __init__(self, client: tuple[str, int] = ("10.0.0.1", 40001),
                 server: tuple[str, int] = ("10.0.0.2", 80), *, client_isn: int = 1000,
                 server_isn: int = 5000, start: float = 100.0, window: int = 64000,
                 packets: list[Packet] | None = None) -> None:
        self.ends = {"client": client, "server": server}
        self.nxt = {"client": client_isn, "server": server_isn}
        self.window = {"client": window, "server": window}
        self.now = start
        self.packets: list[Packet] = [] if packets is None else packets

    def other(self, who: str) -> str:
        return "server" if who == "client" else "client"

    def send(self, who: str, flags: str, size: int = 0, *, dt: float = 0.001,
             seq: int | None = None, ack: int | None = None, window: int | None = None,
             options: Options | None = None, captured: bool = True,
             advance: bool = True) -> Segment:
        """Put a segment on the wire ``dt`` after the previous one (``captured=False``: the
        capture point never saw it, but the sender's numbers still advance)."""
        self.now += dt
        peer = self.other(who)
        start = self.nxt[who] if seq is None else seq
        seg = Segment(self.ends[who][1], self.ends[peer][1], start & 0xFFFFFFFF,
                      (self.nxt[peer] if ack is None else ack) & 0xFFFFFFFF
                      if "A" in flags else 0,
                      Flags.parse(flags), self.window[who] if window is None else window,
                      options or Options(), bytes(size))
        if advance and seq is None:
            self.nxt[who] = (start + seg.seg_len) & 0xFFFFFFFF
        if captured:
            self.packets.append((round(self.now, 6), self.ends[who][0], self.ends[peer][0], seg))
        return seg

    # -- shorthands ------------------------------------------------------------------------
    def handshake(self) -> None:
        self.send("client", "S", options=Options(mss=1460, wscale=7, sack_permitted=True))
        self.send("server", "SA", options=Options(mss=1460, wscale=7, sack_permitted=True))
        self.send("client", "A")

    def data(self, who: str, size: int = MSS, **kw: object) -> Segment:
        return self.send(who, "PA", size, **kw)  # type: ignore[arg-type]

    def ack(self, who: str, **kw: object) -> Segment:
        return self.send(who, "A", **kw)  # type: ignore[arg-type]

    def close(self, first: str = "client") -> None:
        second = self.other(first)
        self.send(first, "FA")
        self.send(second, "A")
        self.send(second, "FA")
        self.send(first, "A")


# ----------------------------------------------------------------------------------------------
# Situations
# ----------------------------------------------------------------------------------------------

def clean_transfer() -> list[Packet]:
    """Handshake, request, a response in three segments, orderly close."""
    t = Talk()
    t.handshake()
    t.data("client", 200)
    t.ack("server")
    for _ in range(3):
        t.data("server", MSS)
    t.ack("client")
    t.close()
    return t.packets


def loss_with_rto() -> list[Packet]:
    """A segment captured, then lost downstream: resent after a 200 ms timeout."""
    t = Talk()
    t.handshake()
    first = t.nxt["client"]
    t.data("client")                      # lost after the capture point
    t.data("client")
    t.ack("server", ack=first)            # one dup-ish ack (ack did not move)
    t.send("client", "PA", MSS, seq=first, dt=0.2)          # RTO retransmission
    t.ack("server")
    t.close()
    return t.packets


def fast_retransmit() -> list[Packet]:
    """Three duplicate ACKs, then the hole is resent at once: a fast retransmission."""
    t = Talk()
    t.handshake()
    hole = t.nxt["client"]
    t.data("client", captured=False)      # lost before the capture point
    for _ in range(4):
        t.data("client")
        t.ack("server", ack=hole)
    t.send("client", "PA", MSS, seq=hole, dt=0.002)
    t.ack("server")
    t.close()
    return t.packets


def reordering() -> list[Packet]:
    """Two segments swapped on the way (1 ms apart): the late one is out-of-order."""
    t = Talk()
    t.handshake()
    first = t.nxt["client"]
    t.data("client", captured=False)
    t.data("client")
    t.send("client", "PA", MSS, seq=first, dt=0.0005)
    t.ack("server")
    t.close()
    return t.packets


def reordering_on_a_long_path() -> list[Packet]:
    """A 60 ms handshake RTT: a segment 10 ms late is still out-of-order (the window is the
    handshake RTT, not 3 ms), and a resend 100 ms later is a retransmission."""
    t = Talk()
    t.send("client", "S")
    t.send("server", "SA", dt=0.030)
    t.send("client", "A", dt=0.030)
    first = t.nxt["client"]
    t.data("client", captured=False)
    t.data("client")
    t.send("client", "PA", MSS, seq=first, dt=0.010)
    lost = t.nxt["client"]
    t.data("client", captured=False)
    t.data("client")
    t.send("client", "PA", MSS, seq=lost, dt=0.100)
    t.ack("server")
    t.close()
    return t.packets


def zero_window() -> list[Packet]:
    """The receiver's window fills and closes; probes; a window update reopens it."""
    t = Talk(window=4000)
    t.handshake()
    for _ in range(4):
        t.data("client")
    t.ack("server", window=0)
    t.send("client", "PA", 1, dt=0.2, advance=False, seq=t.nxt["client"])   # probe
    t.ack("server", window=0)
    t.send("client", "PA", 1, dt=0.4, advance=False, seq=t.nxt["client"])   # probe again
    t.ack("server", window=0)
    t.ack("server", window=8000)          # window update
    t.data("client")
    t.ack("server")
    t.close()
    return t.packets


def wraparound() -> list[Packet]:
    """ISNs just below 2**32: both directions wrap during the transfer."""
    t = Talk(client_isn=0xFFFFF000, server_isn=0xFFFFFE00)
    t.handshake()
    for _ in range(6):
        t.data("client")
        t.data("server", 300)
    t.ack("client")
    t.close("server")
    return t.packets


def isn_wraps_to_zero() -> list[Packet]:
    """The server's ISN is 2**32 - 1, so the ACK of its SYN is 0: Wireshark takes a next
    sequence number or ACK of 0 for "none yet" and tags the third handshake segment dup-ack."""
    t = Talk(client_isn=0xFFFFFFFE, server_isn=0xFFFFFFFF)
    t.handshake()
    t.data("client", 10)
    t.data("server", 10)
    t.ack("client")
    t.close()
    return t.packets


def simultaneous_close() -> list[Packet]:
    """Both sides send FIN before seeing the other's."""
    t = Talk()
    t.handshake()
    t.data("client", 100)
    t.ack("server")
    c_fin, s_fin = t.nxt["client"], t.nxt["server"]
    t.send("client", "FA", ack=s_fin)
    t.send("server", "FA", ack=c_fin)
    t.send("client", "A", ack=s_fin + 1)
    t.send("server", "A", ack=c_fin + 1)
    return t.packets


def reset() -> list[Packet]:
    """A request answered by a reset."""
    t = Talk()
    t.handshake()
    t.data("client", 300)
    t.send("server", "RA")
    return t.packets


def refused() -> list[Packet]:
    """SYN to a closed port: RST,ACK."""
    t = Talk(server=("10.0.0.2", 81))
    t.send("client", "S")
    t.send("server", "RA", ack=t.nxt["client"])
    return t.packets


def ipv6() -> list[Packet]:
    """The clean transfer over IPv6."""
    t = Talk(("2001:db8::1", 40100), ("2001:db8::2", 443))
    t.handshake()
    t.data("client", 120)
    t.data("server", MSS)
    t.data("server", 500)
    t.ack("client")
    t.close("server")
    return t.packets


def interleaved() -> list[Packet]:
    """Three conversations taking turns, one of them starting late."""
    packets: list[Packet] = []
    talks = [Talk(("10.0.0.1", 41000 + i), ("10.0.0.2", 80), client_isn=100 * i + 7,
                  server_isn=9000 + i, start=100.0 + i * 0.0003, packets=packets)
             for i in range(3)]
    for step in range(3):
        for t in talks:
            if step == 0:
                t.send("client", "S")
            elif step == 1:
                t.send("server", "SA")
            else:
                t.send("client", "A")
    for _ in range(3):
        for t in talks:
            t.data("client", 400)
            t.ack("server")
    for t in talks:
        t.close()
    packets.sort(key=lambda p: p[0])
    return packets


def mid_stream() -> list[Packet]:
    """The capture starts during a transfer (no SYN), server data first."""
    t = Talk(client_isn=777777, server_isn=3_000_000_000)
    t.data("server", MSS)
    t.data("server", MSS)
    t.ack("client")
    t.data("client", 50)
    t.data("server", MSS)
    t.ack("client")
    t.close("client")
    return t.packets


def keep_alive() -> list[Packet]:
    """An idle connection probed with keep-alives (one byte back, no data) and their ACKs."""
    t = Talk()
    t.handshake()
    t.data("client", 10)
    t.ack("server")
    for _ in range(2):
        t.send("client", "A", seq=t.nxt["client"] - 1, dt=7.5)
        t.ack("server", dt=0.001)
    t.close()
    return t.packets


def port_reuse() -> list[Packet]:
    """A conversation closes; a new SYN with a new ISN on the same ports is a new stream."""
    t = Talk()
    t.handshake()
    t.data("client", 100)
    t.ack("server")
    t.close()
    t2 = Talk(client_isn=70000, server_isn=80000, start=t.now + 1.0, packets=t.packets)
    t2.handshake()
    t2.data("client", 100)
    t2.send("server", "RA")
    return t.packets


def gap_and_unseen_ack() -> list[Packet]:
    """A segment the capture missed (previous segment not captured) and an ACK for data never
    seen (ACKed unseen segment)."""
    t = Talk()
    t.handshake()
    t.data("client")
    t.data("client", captured=False)
    t.data("client")
    t.ack("server")
    t.data("server", 200, captured=False)
    t.ack("client")
    t.close()
    return t.packets


def starts_at_zero() -> list[Packet]:
    """A clean transfer whose first SYN is at time 0.0 (Wireshark then has no handshake RTT)."""
    t = Talk(start=-0.001)
    t.handshake()
    first = t.nxt["client"]
    t.data("client", captured=False)
    t.data("client", dt=0.004)
    t.send("client", "PA", MSS, seq=first, dt=0.004)
    t.ack("server")
    t.close()
    return t.packets


def spurious_retransmission() -> list[Packet]:
    """A segment resent after its ACK already came back (the timer fired too early)."""
    t = Talk()
    t.handshake()
    first = t.nxt["client"]
    t.data("client")
    t.ack("server")
    t.send("client", "PA", MSS, seq=first, dt=0.3)
    t.ack("server")
    t.close()
    return t.packets


def retransmitted_syn() -> list[Packet]:
    """The SYN goes unanswered and is sent again after a second."""
    t = Talk()
    t.send("client", "S", advance=False)
    t.send("client", "S", dt=1.0)
    t.send("server", "SA")
    t.ack("client")
    t.data("client", 20)
    t.close()
    return t.packets


SITUATIONS: dict[str, Callable[[], list[Packet]]] = {
    f.__name__: f for f in (clean_transfer, loss_with_rto, fast_retransmit, reordering,
                            reordering_on_a_long_path,
                            zero_window, wraparound, isn_wraps_to_zero, simultaneous_close, reset, refused, ipv6,
                            interleaved, mid_stream, keep_alive, port_reuse,
                            gap_and_unseen_ack, starts_at_zero, spurious_retransmission,
                            retransmitted_syn)
}


# ----------------------------------------------------------------------------------------------
# Writers
# ----------------------------------------------------------------------------------------------

def _ip_layer(src: str, dst: str, seg: Segment):
    return seg.to_scapy(src, dst)


def write_link(path: Path, packets: list[Packet], link: str = "ethernet") -> Path:
    """Write ``packets`` with scapy on one link type: ethernet, vlan, qinq, sll, sll2, raw,
    raw12, ipv4only, null, loop."""
    from scapy.layers.l2 import CookedLinux, CookedLinuxV2, Dot1AD, Dot1Q, Ether, Loopback
    from scapy.utils import wrpcap

    frames = []
    linktype = None
    for time, src, dst, seg in packets:
        ip = _ip_layer(src, dst, seg)
        proto = 0x86DD if ":" in src else 0x0800
        if link == "ethernet":
            pkt = Ether(src="02:00:00:00:00:01", dst="02:00:00:00:00:02") / ip
        elif link == "vlan":
            pkt = Ether(src="02:00:00:00:00:01", dst="02:00:00:00:00:02") / Dot1Q(vlan=42) / ip
        elif link == "qinq":
            pkt = (Ether(src="02:00:00:00:00:01", dst="02:00:00:00:00:02")
                   / Dot1AD(vlan=7) / Dot1Q(vlan=42) / ip)
        elif link == "sll":
            pkt = CookedLinux(pkttype=0, lladdrtype=1, lladdrlen=6, src=b"\x02" * 6 + b"\0\0",
                              proto=proto) / ip
        elif link == "sll2":
            pkt = CookedLinuxV2(proto=proto, ifindex=2, lladdrtype=1, pkttype=0, lladdrlen=6,
                                src=b"\x02" * 6 + b"\0\0") / ip
        elif link in ("raw", "raw12", "ipv4only"):
            pkt = ip
            linktype = {"raw": 101, "raw12": 12, "ipv4only": 228 if proto == 0x0800 else 229}[link]
        elif link == "null":
            pkt = Loopback(type=2 if proto == 0x0800 else 24) / ip
        elif link == "loop":
            pkt = ip
            linktype = 108
        else:
            raise ValueError(link)
        pkt.time = time
        frames.append(pkt)
    if link == "loop":       # OpenBSD loop: 4-byte address family in network byte order
        _write_prefixed(path, frames, 108)
    else:
        wrpcap(str(path), frames, linktype=linktype)
    return path


def _write_prefixed(path: Path, frames: list, linktype: int) -> None:
    with open(path, "wb") as out:
        out.write(struct.pack("<IHHiIII", 0xA1B2C3D4, 2, 4, 0, 0, 65535, linktype))
        for pkt in frames:
            data = struct.pack("!I", 24 if pkt.version == 6 else 2) + bytes(pkt)
            sec, usec = divmod(round(float(pkt.time) * 1e6), 1_000_000)
            out.write(struct.pack("<IIII", sec, usec, len(data), len(data)) + data)


def _block(kind: int, body: bytes) -> bytes:
    body += b"\0" * (-len(body) % 4)
    total = len(body) + 12
    return struct.pack("<II", kind, total) + body + struct.pack("<I", total)


def write_pcapng(path: Path, packets: list[Packet], *, nanoseconds_on_second: bool = True,
                 unknown_blocks: bool = True) -> Path:
    """A pcapng by hand: SHB, two interfaces (µs Ethernet, ns raw IP), packets alternating
    between them as EPBs, one obsolete PB, one SPB, and unknown/custom blocks in between."""
    from tcpedu.capture.pcapio import frame_bytes

    out = bytearray()
    out += _block(0x0A0D0D0A, struct.pack("<IHHq", 0x1A2B3C4D, 1, 0, -1))
    out += _block(1, struct.pack("<HHI", 1, 0, 0))                          # Ethernet, µs
    tsresol = struct.pack("<HHB", 9, 1, 9) + b"\0\0\0" + b"\0\0\0\0"        # if_tsresol=9, end
    out += _block(1, struct.pack("<HHI", 101, 0, 0) + (tsresol if nanoseconds_on_second else b""))
    if unknown_blocks:
        out += _block(0x0BAD, b"\x01\x02\x03\x04\x05")
        out += _block(5, struct.pack("<IIII", 0, 0, 0, 0))                   # interface stats
    for i, (time, src, dst, seg) in enumerate(packets):
        eth = frame_bytes(src, dst, seg)
        if i == 1:                                   # an obsolete Packet Block on interface 0
            ticks = round(time * 1e6)
            out += _block(2, struct.pack("<HHIIII", 0, 0, ticks >> 32, ticks & 0xFFFFFFFF,
                                         len(eth), len(eth)) + eth)
            continue
        iface = i % 2 if nanoseconds_on_second else 0
        data = eth if iface == 0 else eth[14:]
        ticks = round(time * (1e9 if iface == 1 else 1e6))
        out += _block(6, struct.pack("<IIIII", iface, ticks >> 32, ticks & 0xFFFFFFFF,
                                     len(data), len(data)) + data)
        if unknown_blocks and i == 2:
            out += _block(0x40000BAD, b"custom block, copy me")
    Path(path).write_bytes(bytes(out))
    return Path(path)


def write_all(directory: Path) -> dict[str, Path]:
    """Every situation as an Ethernet pcap, plus the link-type and pcapng variants."""
    directory.mkdir(parents=True, exist_ok=True)
    files = {name: write_link(directory / f"{name}.pcap", make())
             for name, make in SITUATIONS.items()}
    transfer = clean_transfer()
    for link in ("vlan", "qinq", "sll", "sll2", "raw", "raw12", "ipv4only", "null", "loop"):
        files[f"clean_transfer_{link}"] = write_link(directory / f"clean_{link}.pcap",
                                                     transfer, link)
    files["ipv6_sll2"] = write_link(directory / "ipv6_sll2.pcap", ipv6(), "sll2")
    files["ipv6_null"] = write_link(directory / "ipv6_null.pcap", ipv6(), "null")
    files["fast_retransmit_pcapng"] = write_pcapng(directory / "fast_retransmit.pcapng",
                                                   fast_retransmit())
    return files


def chaotic(conversations: int = 100, seed: int = 1) -> list[Packet]:
    """Random segments in many conversations: right, repeated, early and late sequence numbers,
    stale ACKs, zero and changing windows, stray SYN/SYN-ACK/FIN/RST (some starting new
    streams on the same ports), window-scale options up to an invalid 15, gaps from 10 µs to
    0.3 s. No sense in it: it exercises every corner of the analysis heuristics."""
    import random

    rng = random.Random(seed)
    packets: list[Packet] = []
    now = 100.0
    talks = []
    for i in range(conversations):
        client = (f"10.9.{i // 250}.{i % 250 + 1}", 20000 + i)
        isns = [rng.getrandbits(32), rng.getrandbits(32)]
        talks.append((client, ("10.8.0.1", 80), isns))
    for _ in range(conversations * 30):
        client, server, nxt = talks[rng.randrange(len(talks))]
        k = 0 if rng.random() < 0.55 else 1
        src, dst = (client, server) if k == 0 else (server, client)
        if rng.random() < 0.3:
            flags = rng.choice(["A", "A", "A", "PA", "PA", "S", "SA", "FA", "R", "RA", ""])
        else:
            flags = rng.choice(["A", "PA"])
        size = rng.choice([0, 0, 0, 1, 100, 1000]) if "P" in flags or rng.random() < 0.3 else 0
        roll = rng.random()
        if roll < 0.7:
            seq = nxt[k]
        elif roll < 0.8:
            seq = nxt[k] - 1
        elif roll < 0.9:
            seq = nxt[k] - rng.choice([1000, 100, 1])
        else:
            seq = nxt[k] + rng.choice([1000, 100])
        ack = nxt[1 - k] - (rng.choice([0, 0, 1, 1000]) if rng.random() < 0.3 else 0)
        window = rng.choice([65535, 65535, 0, 1000, 30000])
        options = Options(wscale=rng.choice([None, 0, 7, 14, 15])) if "S" in flags else Options()
        seg = Segment(src[1], dst[1], seq & 0xFFFFFFFF, ack & 0xFFFFFFFF if "A" in flags else 0,
                      Flags.parse(flags) if flags else Flags(0), window, options, bytes(size))
        if (seq - nxt[k]) & 0xFFFFFFFF < 1 << 31:
            nxt[k] = (seq + seg.seg_len) & 0xFFFFFFFF
        now += rng.choice([1e-5, 1e-4, 1e-3, 0.002, 0.005, 0.03, 0.3])
        packets.append((round(now, 6), src[0], dst[0], seg))
    return packets


# ----------------------------------------------------------------------------------------------
# A big, realistic capture built with struct (scapy would take minutes)
# ----------------------------------------------------------------------------------------------

class _Bulk:
    """One bulk transfer client → server: loss before/after the capture point, reordering,
    duplicate ACKs, fast retransmissions and timeouts, delayed ACKs, a handshake and a close."""

    def __init__(self, index: int, rng, start: float) -> None:
        self.client = (bytes((10, 1, (index >> 8) & 255, index & 255)), 30000 + index % 30000)
        self.server = (bytes((10, 2, 0, 1 + index % 200)), 443 if index % 2 else 8080)
        self.c_isn = rng.getrandbits(32)
        self.s_isn = rng.getrandbits(32)
        self.snd_nxt = (self.c_isn + 1) & 0xFFFFFFFF
        self.rcv_nxt = self.snd_nxt
        self.ooo: dict[int, int] = {}
        self.in_order_since_ack = 0
        self.dups = 0
        self.hole: int | None = None
        self.left = rng.randint(200, 3000)       # data segments to send
        self.stage = "syn"
        self.now = start

    def step(self, rng, emit, loss: float, reorder: float) -> bool:
        """Emit the next few packets; False when the conversation is over."""
        c, s = self.client, self.server
        self.now += rng.uniform(2e-6, 4e-5)
        if self.stage == "syn":
            emit(self.now, c, s, self.c_isn, 0, 0x02, 64240, 0, True)
            self.now += 1e-4
            emit(self.now, s, c, self.s_isn, self.snd_nxt, 0x12, 65160, 0, True)
            self.now += 1e-4
            emit(self.now, c, s, self.snd_nxt, self.s_isn + 1, 0x10, 502, 0, False)
            self.stage = "data"
            return True
        if self.stage == "data":
            if self.hole is not None and self.dups >= 3:      # fast retransmission
                self._deliver(emit, self.hole, MSS, True, rng)
                self.hole = None
                self.dups = 0
                return True
            if self.left == 0:
                if self.hole is not None:                       # retransmission after a timeout
                    self.now += 0.2
                    self._deliver(emit, self.hole, MSS, True, rng)
                    self.hole = None
                    return True
                self.stage = "fin"
                return True
            seq = self.snd_nxt
            self.snd_nxt = (seq + MSS) & 0xFFFFFFFF
            self.left -= 1
            roll = rng.random()
            if roll < loss / 2:                                  # lost before the capture point
                self.hole = seq if self.hole is None else self.hole
            elif roll < loss:                                    # captured, then lost
                emit(self.now, c, s, seq, self.s_isn + 1, 0x10, 502, MSS, False)
                self.hole = seq if self.hole is None else self.hole
            elif roll < loss + reorder and self.left > 0:        # overtaken by the next one
                nxt = self.snd_nxt
                self.snd_nxt = (nxt + MSS) & 0xFFFFFFFF
                self.left -= 1
                self._deliver(emit, nxt, MSS, True, rng)
                self.now += 2e-4
                self._deliver(emit, seq, MSS, True, rng)
            else:
                self._deliver(emit, seq, MSS, True, rng)
            return True
        if self.stage == "fin":
            fin = self.snd_nxt
            emit(self.now, c, s, fin, self.s_isn + 1, 0x11, 502, 0, False)
            self.now += 5e-5
            emit(self.now, s, c, self.s_isn + 1, fin + 1, 0x11, 4000, 0, False)
            self.now += 5e-5
            emit(self.now, c, s, fin + 1, self.s_isn + 2, 0x10, 502, 0, False)
            return False
        return False

    def _deliver(self, emit, seq: int, size: int, captured: bool, rng) -> None:
        c, s = self.client, self.server
        if captured:
            emit(self.now, c, s, seq, self.s_isn + 1, 0x18, 502, size, False)
        self.now += rng.uniform(1e-6, 2e-5)
        if seq == self.rcv_nxt:
            self.rcv_nxt = (seq + size) & 0xFFFFFFFF
            while self.rcv_nxt in self.ooo:
                self.rcv_nxt = (self.rcv_nxt + self.ooo.pop(self.rcv_nxt)) & 0xFFFFFFFF
            self.in_order_since_ack += 1
            if self.in_order_since_ack >= 2 or self.ooo or self.hole is not None:
                emit(self.now, s, c, self.s_isn + 1, self.rcv_nxt, 0x10, 4000, 0, False)
                self.in_order_since_ack = 0
        elif (seq - self.rcv_nxt) & 0xFFFFFFFF < 1 << 31:      # beyond a hole: dup ACK
            self.ooo[seq] = size
            emit(self.now, s, c, self.s_isn + 1, self.rcv_nxt, 0x10, 4000, 0, False)
            self.dups += 1


def synthetic_capture(path: Path, segments: int = 200_000, *, streams: int = 8, seed: int = 1,
                      loss: float = 0.01, reorder: float = 0.005) -> int:
    """Write an Ethernet/IPv4 pcap of about ``segments`` TCP segments from interleaved bulk
    transfers (headers only, the payload cut by a 54+32-byte snaplen, as ``tcpdump -s``
    would). Returns the number of packets written."""
    import random

    rng = random.Random(seed)
    out = open(path, "wb")  # noqa: SIM115
    out.write(struct.pack("<IHHiIII", 0xA1B2C3D4, 2, 4, 0, 0, 96, 1))
    chunk = bytearray()
    count = 0
    pack_rec = struct.Struct("<IIII").pack
    pack_ip = struct.Struct("!BBHHHBBH4s4s").pack
    pack_tcp = struct.Struct("!HHIIBBHHH").pack
    eth = bytes.fromhex("020000000002020000000001") + b"\x08\x00"
    syn_opts = bytes.fromhex("020405b40402080a0000000000000000010303070000")[:20]

    def emit(time: float, src, dst, seq: int, ack: int, flags: int, window: int, size: int,
             syn: bool) -> None:
        nonlocal count
        opts = syn_opts if syn else b""
        tcp = pack_tcp(src[1], dst[1], seq & 0xFFFFFFFF, ack & 0xFFFFFFFF,
                       (20 + len(opts)) << 2, flags, window, 0, 0) + opts
        ip = pack_ip(0x45, 0, 20 + len(tcp) + size, count & 0xFFFF, 0x4000, 64, 6, 0,
                     src[0], dst[0])
        frame = eth + ip + tcp
        usec = round(time * 1e6)
        chunk.extend(pack_rec(usec // 1_000_000, usec % 1_000_000, len(frame),
                              len(frame) + size))
        chunk.extend(frame)
        count += 1
        if len(chunk) > 1 << 20:
            out.write(chunk)
            chunk.clear()

    active = [_Bulk(i, rng, 1000.0) for i in range(streams)]
    started = streams
    clock = 1000.0
    try:
        while count < segments:
            bulk = active[rng.randrange(len(active))]
            bulk.now = max(bulk.now, clock)
            alive = bulk.step(rng, emit, loss, reorder)
            clock = bulk.now
            if not alive:
                active.remove(bulk)
                active.append(_Bulk(started, rng, clock + 1e-3))
                started += 1
        out.write(chunk)
    finally:
        out.close()
    return count
