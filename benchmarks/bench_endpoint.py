"""The sans-I/O endpoint alone: a 10 MB transfer over a lossy fake link (no simulator, no trace).

Shows what the endpoint costs per segment, so the simulator's figure (bench_network) can be read
as endpoint + simulator. There is no reference tool for a model endpoint; the ratio printed is
against the 100,000 segment events/s the simulator benchmark aims for.
"""

from __future__ import annotations

import heapq
import random
import time

from tcpedu.model.endpoint import Config, Endpoint

SIZE = 10_000_000
LOSS = 0.01
DELAY = 0.01
TARGET = 100_000


def transfer(size: int = SIZE, loss: float = LOSS, seed: int = 1,
             sack: bool = False) -> tuple[int, int, float]:
    """Send ``size`` bytes client → server; returns (segments, retransmissions, virtual seconds)."""
    rng = random.Random(seed)
    client = Endpoint("client", 40000, Config(isn=1, sack=sack))
    server = Endpoint("server", 80, Config(isn=2, rcv_buffer=1 << 20, wscale=7, sack=sack))
    peer = {id(client): server, id(server): client}
    queue: list[tuple[float, int, Endpoint, object]] = []
    order = 0
    segments = retransmissions = 0

    def pump(ep: Endpoint, now: float) -> None:
        nonlocal order, segments, retransmissions
        for seg in ep.segments_to_send():
            segments += 1
            if rng.random() >= loss:
                order += 1
                heapq.heappush(queue, (now + DELAY, order, peer[id(ep)], seg))
        while (event := ep.next_event()) is not None:
            if type(event).__name__ == "Retransmitted":
                retransmissions += 1

    server.listen(0.0)
    client.connect(0.0, 80)
    client.send(0.0, b"x" * size)
    pump(client, 0.0)
    now = 0.0
    while server.bytes_delivered < size:
        timers = [(t, ep) for ep in (client, server) if (t := ep.get_timer()) is not None]
        next_timer = min(timers, key=lambda item: item[0]) if timers else None
        if queue and (next_timer is None or queue[0][0] <= next_timer[0]):
            now, _, ep, seg = heapq.heappop(queue)
            ep.receive(now, seg)  # type: ignore[arg-type]
        elif next_timer is not None:
            now, ep = next_timer
            ep.handle_timer(now)
        else:
            raise RuntimeError("transfer stalled")
        pump(ep, now)
    return segments, retransmissions, now


def main() -> None:
    """Print segments per CPU second for the endpoint pair, best of three."""
    for sack in (False, True):
        best = float("inf")
        for _ in range(3):
            start = time.process_time()
            segments, resent, virtual = transfer(sack=sack)
            best = min(best, time.process_time() - start)
        rate = segments / best
        print(f"   endpoint pair, 10 MB, {LOSS:.0%} loss, sack={sack}: {segments} segments "
              f"({resent} retransmitted, {virtual:.1f} s virtual) in {best:.3f} s CPU = "
              f"{rate:,.0f} segments/s ({best / segments * 1e6:.1f} us each; "
              f"{rate / TARGET:.2f}x the simulator's {TARGET:,} events/s target)")


if __name__ == "__main__":
    main()
