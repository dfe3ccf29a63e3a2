"""Real-kernel tools: how long a live capture takes, and how fast the tcpedu endpoint receives
from Linux over TUN compared with a Linux receiver behind the same kind of Python TUN relay.

Both transfers cross a Python process per packet (tcpedu's interop driver, or live.py's wire
relay), so the ratio shows what the model's own processing costs. Needs root; otherwise it says
why and prints nothing else.
"""

from __future__ import annotations

import statistics
import tempfile
import time
from pathlib import Path

from tcpedu import interop, live
from tcpedu.capture.pcapio import read_tcp
from tcpedu.errors import PermissionNeeded

RUNS = 3
DOWN = 300_000  # bytes Linux sends in interop's "data" scenario


def _linux_receiver_rate(folder: Path) -> float:
    """Bytes/s of a 300 kB Linux→Linux transfer over the TUN wire (no delay), from the capture."""
    path = folder / "wire.pcap"
    live.capture_file(path, "transfer", via="wire", size=DOWN, delay=0.0)
    times = [p[1] for p in read_tcp(path) if p[5] > 0]  # data-carrying segments
    return DOWN / (times[-1] - times[0])


def _model_receiver_rate() -> float:
    """Bytes/s of Linux's 300 kB to the tcpedu endpoint in interop's "data" scenario."""
    [result] = interop.run(["data"])
    if not result.passed:
        raise RuntimeError(f"interop data scenario failed: {result.error or result.checks}")
    times = [x.time for x in result.segments if x.sender == "linux" and x.segment.payload]
    return DOWN / (times[-1] - times[0])


def main() -> None:
    """Print capture latency and receive rates (median of a few runs)."""
    with tempfile.TemporaryDirectory() as tmp:
        try:
            start = time.perf_counter()
            live.capture_file(Path(tmp) / "lo.pcap", "transfer")
        except PermissionNeeded as exc:
            print(f"   skipped: {exc}")
            return
        print(f"   live.capture_file('transfer') on loopback: {time.perf_counter() - start:.2f} s "
              "(child process, namespace, conversation, capture)")
        linux = statistics.median(_linux_receiver_rate(Path(tmp)) for _ in range(RUNS))
    model = statistics.median(_model_receiver_rate() for _ in range(RUNS))
    print(f"   Linux → Linux over the TUN wire relay:     {linux / 1e6:6.1f} MB/s")
    print(f"   Linux → tcpedu endpoint (interop driver):  {model / 1e6:6.1f} MB/s "
          f"(ratio {model / linux:.2f})")
