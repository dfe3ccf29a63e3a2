"""Simulator speed: a 10 MB transfer with 1 % loss, in segment events per second (target
>= 100,000/s), beside how fast scapy merely builds and serialises the same segments."""

from __future__ import annotations

import time

from tcpedu.model.segment import Segment
from tcpedu.sim.network import Network
from tcpedu.sim.scenarios import run
from tcpedu.trace import SegmentDelivered, SegmentDropped, SegmentSent, Snapshot

TARGET = 100_000
SIZE = 10_000_000
SCAPY_SAMPLE = 3000  # segments scapy builds; its rate is extrapolated to the full count


def _segment_events(trace: object) -> int:
    kinds = (SegmentSent, SegmentDelivered, SegmentDropped)
    return sum(1 for r in trace.records if type(r) in kinds)  # type: ignore[attr-defined]


def _transfer(snapshots: bool) -> tuple[float, float, object]:
    """Wall-clock and CPU seconds of the transfer (CPU time is steadier on a shared machine)."""
    start, cpu = time.perf_counter(), time.process_time()
    trace = run("transfer", size=SIZE, mss=1460, loss=0.01, delay=0.02, bandwidth=1.25e6,
                snapshots=snapshots, seed=1)
    return time.perf_counter() - start, time.process_time() - cpu, trace


class _Blaster:
    """A null endpoint: sends pre-built segments, ignores what arrives (measures the network)."""

    def __init__(self, name: str, port: int, segments: list[Segment]) -> None:
        self.name, self.local_port, self.state = name, port, None
        self._out = segments

    def receive(self, now: float, segment: Segment, src_ip: str | None = None) -> None:
        pass

    def segments_to_send(self) -> list[Segment]:
        out, self._out = self._out, []
        return out

    def next_event(self) -> None:
        return None

    def get_timer(self) -> None:
        return None

    def snapshot(self, now: float) -> Snapshot:  # pragma: no cover - snapshots are off
        raise NotImplementedError

    def send(self, now: float, data: bytes) -> None:
        pass


def _network_core(count: int) -> float:
    segments = [Segment(40000, 80, seq=i * 1460, ack=1, flags="A", payload=b"x" * 1460)
                for i in range(count)]
    net = Network(loss=0.01, snapshots=False, seed=1)
    net.add_endpoint("client", _Blaster("client", 40000, segments), "10.0.0.1")
    net.add_endpoint("server", _Blaster("server", 80, []), "10.0.0.2")
    net.at(0.0, "client", "send", b"")
    start = time.perf_counter()
    trace = net.run()
    return _segment_events(trace) / (time.perf_counter() - start)


def _scapy_rate(trace: object) -> float:
    from scapy.layers.inet import IP, TCP
    from scapy.packet import Raw

    sample = [s.segment for s in trace.segments()[:SCAPY_SAMPLE]]  # type: ignore[attr-defined]
    start = time.perf_counter()
    for seg in sample:
        pkt = IP(src="10.0.0.1", dst="10.0.0.2") / TCP(
            sport=seg.src_port, dport=seg.dst_port, seq=seg.seq, ack=seg.ack,
            flags=int(seg.flags), window=seg.window)
        if seg.payload:
            pkt = pkt / Raw(seg.payload)
        bytes(pkt)
    return len(sample) / (time.perf_counter() - start)


def main() -> None:
    """Print the figures."""
    _transfer(False)  # warm up imports and caches
    for snapshots in (True, False):
        wall, cpu, trace = _transfer(snapshots)
        events = _segment_events(trace)
        rate = events / wall
        segs = len(trace.segments())  # type: ignore[attr-defined]
        verdict = "ok" if rate >= TARGET else "below target"
        print(f"   10 MB transfer, 1% loss, snapshots={'on ' if snapshots else 'off'}: "
              f"{segs} segments, {events} segment events, {len(trace.records)} records in "  # type: ignore[attr-defined]
              f"{wall:.2f} s -> {rate:,.0f} segment events/s (target >= {TARGET:,}: {verdict}); "
              f"{events / cpu:,.0f} per CPU-second")
    core = _network_core(segs)
    print(f"   network machinery alone (null endpoints): {core:,.0f} segment events/s")
    scapy = _scapy_rate(trace)
    print(f"   scapy build+serialise: {scapy:,.0f} segments/s; the whole simulated transfer "
          f"(endpoints included) is {rate / 2 / scapy:.1f}x faster per segment than scapy "
          f"only building them ({segs / scapy:.1f} s for {segs} segments)")
