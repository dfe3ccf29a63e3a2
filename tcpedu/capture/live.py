"""Live capture: a real Linux TCP conversation, made by Python sockets, captured and replayed.

:func:`capture_file` starts a server and a client (ordinary ``socket`` objects, in threads) inside
a private network namespace and captures every packet into a pcap; :func:`tcpedu.reading.live.capture`
(``tcpedu.live.capture``) reads it as a :class:`~tcpedu.trace.Trace`, so the same players and
pictures that show the model show Linux.

Two paths for the packets:

- ``via="loopback"``: both sockets on ``lo`` (127.0.0.1 → 127.0.0.2:80), captured with an
  AF_PACKET socket. Loopback shows every packet twice (once leaving, once arriving); the copy
  marked ``PACKET_OUTGOING`` is dropped, as libpcap does, so each segment appears once.
- ``via="wire"``: client and server in two namespaces joined by a pair of TUN devices, with a
  tcpedu relay in between (192.0.2.1 → 192.0.2.2:80, MTU 1500, so segments are real-sized).
  The relay can lose chosen segments (``drop``): real loss recovery by Linux, reproducibly,
  without netem or iptables. It can also reorder (``hold``: a server data segment waits on the
  wire until the next one has passed it, real on-path reordering) and lose the client's final ACK
  of the server's FIN (``lose_last_ack``: the server resends its FIN, the client answers it from
  TIME-WAIT). The capture is taken at the server's side of the wire, or at the client's
  (``at="client"``: where reordered server segments arrive out of order).

The work runs in a child process that makes its own namespace (``unshare -n``; as a non-root
user ``unshare -rn``, a user + network namespace) and dies with it, so nothing outlives the call.
Where the system allows neither, :class:`~tcpedu.errors.PermissionNeeded` says how to get
permission and points to the captures shipped in ``notebooks/data/`` (:func:`shipped_capture`).
"""

from __future__ import annotations

import contextlib
import json
import os
import select
import socket
import struct
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

from ..errors import CaptureError, ParameterError, PermissionNeeded, TcpeduError

#: The conversations :func:`capture_file` can stage, with what each shows.
CONVERSATIONS: dict[str, str] = {
    "transfer": "handshake, request, response, client closes first (4-way teardown)",
    "half-close": "client sends its request then FIN; the server answers from CLOSE-WAIT",
    "reset": "client reads part of the response, then aborts: RST",
}

#: The captures shipped in ``notebooks/data/`` (name -> what it shows); see scripts/make_captures.py.
SHIPPED: dict[str, str] = {
    "transfer": "an HTTP-like 8 kB transfer over a 1500-byte-MTU wire (RTT 20 ms), client closes first",
    "loss": "a 20 kB transfer whose wire lost two server segments: dup ACKs with SACK, retransmissions",
    "reset": "the client aborts mid-response: RST, then a RST for each segment still arriving",
    "half-close": "client sends its request and FIN; the server answers from CLOSE-WAIT",
    "loopback": "a 20 kB transfer on loopback (MTU 65536: the response is a single segment)",
    "reorder": "an 8 kB transfer captured at the client; the wire let the server's 4th data "
               "segment overtake its 3rd: real reordering, nothing resent",
    "time-wait": "a 3 kB transfer captured at the client; its last ACK is lost, the server resends "
                 "its FIN after its timer, the client answers from TIME-WAIT",
    "interop": "the tcpedu model talking to Linux: handshakes, every close order (simultaneous "
               "too), simultaneous open, keep-alive, resets, a refused connection; tcpedu is "
               "192.0.2.2",
}

VIAS = ("loopback", "wire")
ENDS = ("server", "client")  # where on the wire a capture is taken
SERVER_PORT = 80
_ADDRESSES = {"loopback": ("127.0.0.1", "127.0.0.2"), "wire": ("192.0.2.1", "192.0.2.2")}
_LINKTYPE = {"loopback": 1, "wire": 101}  # Ethernet (lo's zeroed header), raw IP (TUN)
_TIMEOUT = 10.0  # seconds any socket call may block in the worker
_QUIET = 0.25  # seconds without packets that end a capture once both sockets are done
_QUIET_AFTER_LOST_ACK = 1.5  # ... and when the server must first resend its FIN (RTO >= 200 ms)
_HOLD_AT_MOST = 0.2  # seconds a held segment waits if no later segment comes to overtake it
_PERMISSION_EXIT = 3
_PACKET_OUTGOING = 4
_SO_TIMESTAMPNS = 35
_ETH_P_ALL = 0x0003


def capture_file(path: str | os.PathLike[str], conversation: str = "transfer", *,
                 via: str = "loopback", size: int = 20000, drop: Iterable[int] = (),
                 delay: float = 0.01, timeout: float = 60.0, hold: Iterable[int] = (),
                 lose_last_ack: bool = False, at: str = "server") -> int:
    """Stage ``conversation`` on the real kernel and write its capture to ``path`` (read it as a
    Trace with :func:`tcpedu.reading.live.capture`); returns the packet count.

    ``hold`` (1-based server data segments) and ``lose_last_ack`` need ``via="wire"``; ``at``
    is the end of the wire where the capture is taken (``"server"`` or ``"client"``).
    """
    spec = _spec(conversation, via, size, drop, delay, hold=hold, lose_last_ack=lose_last_ack,
                 at=at)
    if not sys.platform.startswith("linux"):
        raise CaptureError(f"live capture needs Linux (network namespaces); this is {sys.platform}."
                           f" Open a shipped capture instead: tcpedu.capture.live.load_shipped"
                           f"('{conversation}')")
    if not isinstance(timeout, int | float) or timeout <= 0:
        raise ParameterError(f"timeout={timeout!r}: give a positive number of seconds")
    out = Path(path)
    out.parent.mkdir(parents=True, exist_ok=True)
    cmd = [sys.executable, "-m", "tcpedu.capture.live", "--worker", json.dumps(spec), str(out)]
    try:
        done = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout,
                              env={**os.environ, "PYTHONPATH": _package_root()})
    except subprocess.TimeoutExpired:
        raise CaptureError(f"live capture of {conversation!r} did not finish in {timeout} s") from None
    last = (done.stdout.strip().splitlines() or [""])[-1]
    try:
        result = json.loads(last)
    except ValueError:
        result = {"error": (done.stderr.strip().splitlines() or ["no output"])[-1]}
    if done.returncode == _PERMISSION_EXIT:
        raise PermissionNeeded(f"live capture needs a network namespace ({result.get('error')}). "
                               f"Or open a shipped capture instead: tcpedu.capture.live.load_shipped"
                               f"('{conversation}') (files in {shipped_dir()})")
    if done.returncode != 0 or "packets" not in result:
        raise CaptureError(f"live capture of {conversation!r} failed: {result.get('error')}")
    return int(result["packets"])


def _segment_numbers(name: str, numbers: Iterable[int], via: str) -> list[int]:
    try:
        chosen = list(numbers or ())
    except TypeError:
        raise ParameterError(f"{name}={numbers!r}: give a list of 1-based segment numbers") from None
    if any(not isinstance(n, int) or isinstance(n, bool) or n < 1 for n in chosen):
        raise ParameterError(f"{name}={chosen!r}: give 1-based segment numbers")
    if chosen and via != "wire":
        raise ParameterError(f"{name}= needs via='wire' (loopback cannot lose or reorder packets)")
    return sorted(set(chosen))


def _spec(conversation: str, via: str, size: int, drop: Iterable[int],
          delay: float = 0.01, *, hold: Iterable[int] = (), lose_last_ack: bool = False,
          at: str = "server") -> dict[str, Any]:
    if conversation not in CONVERSATIONS:
        raise ParameterError(f"unknown conversation {conversation!r}; "
                             f"choose one of {', '.join(CONVERSATIONS)}")
    if via not in VIAS:
        raise ParameterError(f"via={via!r}: choose 'loopback' or 'wire'")
    if not isinstance(size, int) or isinstance(size, bool) or not 0 < size <= 10_000_000:
        raise ParameterError(f"size={size!r}: give a response size of 1..10000000 bytes")
    drops = _segment_numbers("drop", drop, via)
    holds = _segment_numbers("hold", hold, via)
    if set(drops) & set(holds):
        raise ParameterError(f"segment {min(set(drops) & set(holds))} cannot be both dropped and held")
    if not isinstance(lose_last_ack, bool):
        raise ParameterError(f"lose_last_ack={lose_last_ack!r}: give True or False")
    if lose_last_ack and via != "wire":
        raise ParameterError("lose_last_ack= needs via='wire' (loopback cannot lose packets)")
    if at not in ENDS:
        raise ParameterError(f"at={at!r}: choose 'server' or 'client' (the end of the wire captured)")
    if at != "server" and via != "wire":
        raise ParameterError("at= needs via='wire' (loopback has no ends)")
    if not isinstance(delay, int | float) or not 0 <= delay <= 1:
        raise ParameterError(f"delay={delay!r}: give a one-way delay of 0..1 seconds")
    return {"conversation": conversation, "via": via, "size": size, "drop": drops,
            "delay": float(delay), "hold": holds, "lose_last_ack": lose_last_ack, "at": at}


def _package_root() -> str:
    root = str(Path(__file__).resolve().parents[2])
    extra = os.environ.get("PYTHONPATH")
    return f"{root}{os.pathsep}{extra}" if extra else root


# -- shipped captures -----------------------------------------------------------------------------
def shipped_dir() -> Path:
    """The folder of the shipped captures (``notebooks/data``, or the installed course copy)."""
    packaged = Path(__file__).resolve().parents[1] / "course_data" / "data"
    checkout = Path(__file__).resolve().parents[2] / "notebooks" / "data"
    return packaged if (packaged / "transfer.pcap").exists() else checkout


def shipped_capture(name: str) -> Path:
    """The path of a shipped capture: one of :data:`SHIPPED` (works without any privilege)."""
    if name not in SHIPPED:
        raise ParameterError(f"no shipped capture {name!r}; choose one of {', '.join(SHIPPED)}")
    path = shipped_dir() / f"{name}.pcap"
    if not path.exists():
        raise CaptureError(f"{path} is missing; regenerate it with scripts/make_captures.py (root)")
    return path


# -- the worker (runs in its own namespace, in a child process) ----------------------------------
Frame = tuple[float, bytes]


def _request(conversation: str) -> bytes:
    return f"GET /{conversation} HTTP/1.0\r\nHost: tcpedu.example\r\n\r\n".encode()


def _response(size: int) -> bytes:
    body = (b"tcpedu " * (size // 7 + 1))[:size]
    return f"HTTP/1.0 200 OK\r\nContent-Length: {size}\r\n\r\n".encode() + body


def _recv_exactly(sock: socket.socket, count: int) -> bytes:
    data = bytearray()
    while len(data) < count:
        chunk = sock.recv(min(65536, count - len(data)))
        if not chunk:
            raise CaptureError(f"peer closed after {len(data)} of {count} bytes")
        data += chunk
    return bytes(data)


def _recv_until_eof(sock: socket.socket) -> bytes:
    data = bytearray()
    while chunk := sock.recv(65536):
        data += chunk
    return bytes(data)


def _abort(sock: socket.socket) -> None:
    """Close with SO_LINGER 0: the kernel sends RST instead of FIN (RFC 9293 ABORT)."""
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    sock.close()


def _server(conversation: str, listener: socket.socket, size: int) -> None:
    conn, _ = listener.accept()
    conn.settimeout(_TIMEOUT)
    with conn:
        request = _request(conversation)
        if conversation == "half-close":
            if _recv_until_eof(conn) != request:  # the client's FIN ends its request
                raise CaptureError("server got a different request")
            conn.sendall(_response(size))
            return  # close from CLOSE-WAIT: LAST-ACK
        if _recv_exactly(conn, len(request)) != request:
            raise CaptureError("server got a different request")
        conn.sendall(_response(size))
        # transfer: wait for the client's FIN, then close (passive close: CLOSE-WAIT, LAST-ACK).
        # reset: the client's RST ends the wait.
        with contextlib.suppress(ConnectionResetError):
            _recv_until_eof(conn)


def _client(conversation: str, sock: socket.socket, server: tuple[str, int], size: int) -> None:
    sock.connect(server)
    sock.sendall(_request(conversation))
    expected = _response(size)
    if conversation == "half-close":
        sock.shutdown(socket.SHUT_WR)  # FIN now; keep receiving
        if _recv_until_eof(sock) != expected:
            raise CaptureError("client got a different response")
        sock.close()
    elif conversation == "reset":
        _recv_exactly(sock, min(len(expected), 100))
        _abort(sock)
    else:
        if _recv_exactly(sock, len(expected)) != expected:
            raise CaptureError("client got a different response")
        sock.close()  # active close: FIN-WAIT-1, FIN-WAIT-2, TIME-WAIT


class _Conversation:
    """Client and server threads; :attr:`errors` collects what went wrong in them."""

    def __init__(self, conversation: str, listener: socket.socket, client: socket.socket,
                 server_addr: tuple[str, int], size: int) -> None:
        self.errors: list[str] = []
        self.threads = [
            threading.Thread(target=self._guard, args=(_server, conversation, listener, size),
                             daemon=True),
            threading.Thread(target=self._guard, args=(_client, conversation, client, server_addr,
                                                        size), daemon=True),
        ]
        for t in self.threads:
            t.start()

    def _guard(self, func: Callable[..., None], *args: Any) -> None:
        try:
            func(*args)
        except Exception as exc:  # reported to the parent in one line
            self.errors.append(f"{func.__name__.strip('_')}: {type(exc).__name__}: {exc}")

    @property
    def done(self) -> bool:
        return not any(t.is_alive() for t in self.threads)


def _sockets(conversation: str, via: str) -> tuple[socket.socket, socket.socket]:
    client_ip, server_ip = _ADDRESSES[via]
    listener = socket.create_server((server_ip, SERVER_PORT))
    listener.settimeout(_TIMEOUT)
    client = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    client.settimeout(_TIMEOUT)
    client.bind((client_ip, 0))
    return listener, client


def _capture_loopback(spec: dict[str, Any]) -> tuple[list[Frame], list[str]]:
    sniffer = socket.socket(socket.AF_PACKET, socket.SOCK_RAW, socket.htons(_ETH_P_ALL))
    sniffer.setsockopt(socket.SOL_SOCKET, _SO_TIMESTAMPNS, 1)
    sniffer.bind(("lo", 0))
    listener, client = _sockets(spec["conversation"], "loopback")
    frames: list[Frame] = []
    talk = _Conversation(spec["conversation"], listener, client,
                         (_ADDRESSES["loopback"][1], SERVER_PORT), spec["size"])
    quiet_since: float | None = None
    deadline = time.monotonic() + 3 * _TIMEOUT
    while time.monotonic() < deadline:
        if not select.select([sniffer], [], [], 0.02)[0]:
            if talk.done:
                quiet_since = quiet_since or time.monotonic()
                if time.monotonic() - quiet_since > _QUIET:
                    break
            continue
        quiet_since = None
        data, ancillary, _flags, address = sniffer.recvmsg(262144, 64)
        if address[2] == _PACKET_OUTGOING:  # loopback's second copy of the same packet
            continue
        frames.append((_timestamp(ancillary), data))
    sniffer.close()
    listener.close()
    return frames, talk.errors


def _timestamp(ancillary: list[tuple[int, int, bytes]]) -> float:
    for level, kind, data in ancillary:
        if level == socket.SOL_SOCKET and kind == _SO_TIMESTAMPNS:
            sec, nsec = struct.unpack("qq", data[:16])
            return sec + nsec / 1e9
    return time.time()


def _capture_wire(spec: dict[str, Any]) -> tuple[list[Frame], list[str]]:
    from .netns import NetworkNamespace, Tun

    client_ip, server_ip = _ADDRESSES["wire"]
    with NetworkNamespace() as server_ns:
        client_tun = Tun("wire0", client_ip)  # this process's namespace: the client's
        with server_ns.inside():
            server_tun = Tun("wire0", server_ip)
            listener = socket.create_server((server_ip, SERVER_PORT))
            listener.settimeout(_TIMEOUT)
        client = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        client.settimeout(_TIMEOUT)
        client.bind((client_ip, 0))
        talk = _Conversation(spec["conversation"], listener, client, (server_ip, SERVER_PORT),
                             spec["size"])
        wire = _Wire(client_tun, server_tun, server_ip, set(spec["drop"]), spec["delay"],
                     hold=set(spec.get("hold", ())), lose_last_ack=spec.get("lose_last_ack", False),
                     at=spec.get("at", "server"))
        quiet = _QUIET_AFTER_LOST_ACK if spec.get("lose_last_ack") else _QUIET
        quiet_since: float | None = None
        deadline = time.monotonic() + 3 * _TIMEOUT
        while time.monotonic() < deadline:
            if not wire.step():
                if talk.done:
                    quiet_since = quiet_since or time.monotonic()
                    if time.monotonic() - quiet_since > quiet:
                        break
                continue
            quiet_since = None
        frames = wire.frames
        listener.close()
        client.close()
        client_tun.close()
        server_tun.close()
    return frames, talk.errors


class _Wire:
    """The relay between the two TUN devices: a delay each way, and chosen faults.

    ``drop``: server data segments (1-based, in the order sent) lost on the wire. ``hold``: server
    data segments kept back until the next server data segment has been delivered, then delivered
    right after it (on-path reordering; at most :data:`_HOLD_AT_MOST` seconds if none comes).
    ``lose_last_ack``: the client's first pure ACK of the server's FIN is lost.

    :attr:`frames` is what a capture at one end (``at``) sees: that end's packets when sent (lost
    ones included), the other end's when they arrive.
    """

    def __init__(self, client_tun: Any, server_tun: Any, server_ip: str, drop: set[int],
                 delay: float, *, hold: set[int] = frozenset(), lose_last_ack: bool = False,
                 at: str = "server") -> None:
        self.client_tun, self.server_tun, self.server_ip = client_tun, server_tun, server_ip
        self.drop, self.delay, self.hold = drop, delay, hold
        self.lose_last_ack, self.at = lose_last_ack, at
        self.frames: list[Frame] = []
        # (due, order, to_server, server data segment number or 0, packet)
        self.in_flight: list[tuple[float, int, bool, int, bytes]] = []
        self.held: dict[int, tuple[float, bytes]] = {}  # number -> (held since, packet)
        self.sent = self.server_data_segments = 0
        self.server_fin_end: int | None = None  # the ACK number that acknowledges the server's FIN

    def _record(self, packet: bytes) -> None:
        self.frames.append((time.time(), packet))

    def _deliver(self, to_server: bool, packet: bytes) -> None:
        if to_server == (self.at == "server"):
            self._record(packet)
        (self.server_tun if to_server else self.client_tun).write(packet)

    def _loses(self, to_server: bool, tcp: bytes) -> bool:
        """Whether the wire loses this segment (and count the server's data segments)."""
        flags, data_offset = tcp[13], (tcp[12] >> 4) * 4
        if not to_server:
            if flags & 0x01:  # FIN
                seq = struct.unpack_from("!I", tcp, 4)[0]
                self.server_fin_end = (seq + len(tcp) - data_offset + 1) & 0xFFFFFFFF
            if len(tcp) > data_offset:
                self.server_data_segments += 1
                return self.server_data_segments in self.drop
            return False
        if (self.lose_last_ack and self.server_fin_end is not None and flags & 0x3F == 0x10
                and len(tcp) == data_offset
                and struct.unpack_from("!I", tcp, 8)[0] == self.server_fin_end):
            self.lose_last_ack = False  # lose it once: the answer to the resent FIN gets through
            return True
        return False

    def step(self) -> bool:
        """Move packets for up to 20 ms; False when nothing happened."""
        import heapq

        from .ipv4 import PROTO_TCP, unwrap

        now = time.monotonic()
        wait = 0.02 if not self.in_flight else max(0.0, min(0.02, self.in_flight[0][0] - now))
        fds = [self.client_tun.fileno(), self.server_tun.fileno()]
        ready = select.select(fds, [], [], wait)[0]
        moved = False
        for fd in ready:
            packet = os.read(fd, 65536)
            try:
                ip = unwrap(packet)
            except TcpeduError:
                continue
            if ip.protocol != PROTO_TCP:
                continue  # IPv6 router solicitations and the like stay off the wire
            moved = True
            to_server = fd == self.client_tun.fileno()
            if to_server == (self.at == "client"):  # the captured end sends it
                self._record(packet)
            if self._loses(to_server, ip.payload):
                continue  # lost on the wire
            number = 0 if to_server or len(ip.payload) <= (ip.payload[12] >> 4) * 4 \
                else self.server_data_segments
            if number in self.hold:
                self.held[number] = (time.monotonic(), packet)
                continue  # waits on the wire until the next segment has passed it
            self.sent += 1
            heapq.heappush(self.in_flight, (time.monotonic() + self.delay, self.sent, to_server,
                                            number, packet))
        while self.in_flight and self.in_flight[0][0] <= time.monotonic():
            _, _, to_server, number, packet = heapq.heappop(self.in_flight)
            self._deliver(to_server, packet)
            if number - 1 in self.held:  # the segment held back arrives just behind this one
                self._deliver(False, self.held.pop(number - 1)[1])
            moved = True
        for number, (since, packet) in list(self.held.items()):
            if time.monotonic() - since > _HOLD_AT_MOST:  # nothing came to overtake it
                del self.held[number]
                self._deliver(False, packet)
                moved = True
        return moved or bool(self.in_flight) or bool(self.held)


def _worker(spec_json: str, path: str) -> int:
    """Child-process entry: make the namespace, stage the conversation, write the pcap."""
    from .netns import enter_private_namespace
    from .pcapio import write_frames

    # root: a plain network namespace; otherwise (or root without CAP_SYS_ADMIN, as in many
    # containers) a user + network namespace, like ``unshare -rn``.
    attempts = (False, True) if os.geteuid() == 0 else (True,)
    for user in attempts:
        try:
            enter_private_namespace(user=user)
            break
        except PermissionNeeded as exc:
            refusal = str(exc)
    else:
        print(json.dumps({"error": refusal}))
        return _PERMISSION_EXIT
    try:
        spec = json.loads(spec_json)
        run = _capture_wire if spec["via"] == "wire" else _capture_loopback
        frames, errors = run(spec)
        if errors:
            raise CaptureError("; ".join(errors))
        write_frames(path, frames, linktype=_LINKTYPE[spec["via"]], nanoseconds=True)
    except (TcpeduError, OSError) as exc:
        print(json.dumps({"error": f"{type(exc).__name__}: {exc}"}))
        return 1
    print(json.dumps({"packets": len(frames)}))
    return 0


if __name__ == "__main__":
    if len(sys.argv) == 4 and sys.argv[1] == "--worker":
        raise SystemExit(_worker(sys.argv[2], sys.argv[3]))
    raise SystemExit("usage: python -m tcpedu.capture.live --worker SPEC_JSON OUTPUT.pcap (internal)")
