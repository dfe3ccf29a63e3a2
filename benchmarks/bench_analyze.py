"""Speed and memory of ``tcpedu analyze --json`` against tshark and scapy, measured in one run.

A capture of 200,000 segments (interleaved bulk transfers with loss, reordering, fast
retransmissions and timeouts; headers only, as ``tcpdump -s 96`` keeps them) is generated once
and cached in the temp directory, plus one four times bigger to show that memory stays flat.
Each figure is the best of ROUNDS runs, the three tools measured in turn in each round (a burst of
load on a shared machine then neither lowers one figure alone nor skews a ratio). Figures are
printed, never asserted. Targets: at least as fast as ``tshark -T fields`` with the
stream/seq/ack/len and analysis fields (ratio >= 1.0), at least 20x faster than iterating the
file with scapy's PcapReader (both timed reading alone: scapy's rate leaves out its start and its
imports, so tcpedu's leaves out its own, measured on a tiny capture), peak memory <= 150 MB and
flat in file size.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
CACHE = Path(tempfile.gettempdir()) / "tcpedu-bench"
SIZES = (200_000, 800_000)
SCAPY_PREFIX = 20_000          # scapy is timed on this many packets and extrapolated
ROUNDS = 3                     # each figure is the best of this many runs, interleaved

TSHARK_FIELDS = ("frame.number", "tcp.stream", "tcp.seq", "tcp.ack", "tcp.len", "tcp.flags",
                 "tcp.analysis.flags", "tcp.analysis.retransmission",
                 "tcp.analysis.fast_retransmission", "tcp.analysis.out_of_order",
                 "tcp.analysis.duplicate_ack", "tcp.analysis.zero_window",
                 "tcp.analysis.window_update", "tcp.analysis.keep_alive")


def tiny_capture() -> Path:
    """A capture of a handful of segments: what the command costs before it reads anything."""
    sys.path.insert(0, str(HERE.parent / "tests"))
    from captures import synthetic_capture

    CACHE.mkdir(exist_ok=True)
    path = CACHE / "analyze_start_up.pcap"
    if not path.exists():
        synthetic_capture(path, 10, streams=1, seed=2026)
    return path


def capture(segments: int) -> Path:
    """The cached synthetic capture with ``segments`` segments (made on first use)."""
    sys.path.insert(0, str(HERE.parent / "tests"))
    from captures import synthetic_capture

    CACHE.mkdir(exist_ok=True)
    path = CACHE / f"analyze_{segments}.pcap"
    if not path.exists():
        tmp = path.with_suffix(".part")
        synthetic_capture(tmp, segments, streams=8, seed=2026)
        tmp.rename(path)
    return path


def run_child(cmd: list[str]) -> tuple[float, float, float]:
    """Run ``cmd`` with stdout to /dev/null: (wall s, CPU s, peak RSS MB) of the child."""
    with open(os.devnull, "wb") as sink:
        start = time.perf_counter()
        proc = subprocess.Popen(cmd, stdout=sink, stderr=subprocess.DEVNULL)
        _pid, status, usage = os.wait4(proc.pid, 0)
        wall = time.perf_counter() - start
    if status != 0:
        raise RuntimeError(f"{cmd[0]} exited with status {status}")
    return wall, usage.ru_utime + usage.ru_stime, usage.ru_maxrss / 1024


def tcpedu_cmd(path: Path) -> list[str]:
    return [sys.executable, "-m", "tcpedu.cli", "analyze", "--json", str(path)]


def scapy_rate(path: Path) -> float:
    """Packets per CPU second for iterating the file with scapy's PcapReader (a prefix)."""
    code = ("import sys,time\nfrom scapy.all import PcapReader, TCP\nn=0\n"
            "t=time.process_time()\n"
            f"for p in PcapReader(sys.argv[1]):\n    n+=1\n    p[TCP].seq\n"
            f"    if n>={SCAPY_PREFIX}: break\n"
            "print(n/(time.process_time()-t))")
    out = subprocess.run([sys.executable, "-c", code, str(path)], capture_output=True, text=True,
                         check=True)
    return float(out.stdout.strip())


def main() -> None:
    """Print tcpedu's rate and memory beside tshark's and scapy's on the same file."""
    small, big = (capture(n) for n in SIZES)
    n = SIZES[0]
    tshark = shutil.which("tshark")
    tshark_cmd = [tshark or "tshark", "-r", str(small), "-o",
                  "tcp.relative_sequence_numbers:TRUE", "-T", "fields"] + [
                      a for f in TSHARK_FIELDS for a in ("-e", f)]
    ours, theirs, rate, start_up = [], [], 0.0, float("inf")
    tiny = tiny_capture()
    for _ in range(ROUNDS):  # CPU time decides the best run: this machine is shared
        ours.append(run_child(tcpedu_cmd(small)))
        start_up = min(start_up, run_child(tcpedu_cmd(tiny))[1])
        if tshark:
            theirs.append(run_child(tshark_cmd))
        rate = max(rate, scapy_rate(small))
    wall, cpu, rss = min(ours, key=lambda r: r[1])
    print(f"   capture: {n} segments, {small.stat().st_size / 1e6:.1f} MB ({small})")
    print(f"   tcpedu analyze --json: {n / cpu:,.0f} segments/CPU-s ({cpu:.2f} s CPU, "
          f"{wall:.2f} s wall), peak {rss:.0f} MB")
    if tshark:
        t_wall, t_cpu, t_rss = min(theirs, key=lambda r: r[1])
        print(f"   tshark -T fields:      {n / t_cpu:,.0f} segments/CPU-s ({t_cpu:.2f} s CPU, "
              f"{t_wall:.2f} s wall), peak {t_rss:.0f} MB")
        print(f"   ratio tcpedu/tshark speed: {t_cpu / cpu:.2f} by CPU time, "
              f"{t_wall / wall:.2f} by wall time (target >= 1.0)")
    else:
        print("   tshark not installed: no tshark ratio (apt-get install tshark)")
    print(f"   scapy PcapReader:      {rate:,.0f} packets/CPU-s reading each packet's TCP header "
          f"(timed on the first {SCAPY_PREFIX} packets, extrapolated)")
    # scapy's rate leaves out its interpreter's start and its imports: so does this one.
    reading = n / (cpu - start_up)
    print(f"   tcpedu reading alone: {reading:,.0f} segments/CPU-s (the command less its "
          f"{start_up:.2f} CPU-s of start-up and imports, timed on a {tiny.stat().st_size}-byte "
          "capture)")
    print(f"   ratio tcpedu/scapy speed: {reading / rate:.1f}x reading alone, as scapy is timed "
          f"({n / cpu / rate:.1f}x counting tcpedu's start-up; target >= 20x)")
    b_wall, b_cpu, b_rss = run_child(tcpedu_cmd(big))
    print(f"   memory flat in file size: peak {rss:.0f} MB at {SIZES[0]:,} segments, "
          f"{b_rss:.0f} MB at {SIZES[1]:,} ({SIZES[1] / b_cpu:,.0f} segments/CPU-s; "
          f"target <= 150 MB)")


if __name__ == "__main__":
    main()
