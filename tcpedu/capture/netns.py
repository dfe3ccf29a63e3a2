"""Kernel plumbing for the real-traffic tools: network namespaces, interfaces and TUN devices.

A :class:`NetworkNamespace` is *anonymous*: it has no name under ``/run/netns`` and lives only as
long as this process holds it (its file descriptor, or a socket or TUN device inside it). Closing it
— or the process ending, however it ends — frees it with everything in it, so nothing can leak.
Code enters it per thread (``with ns.inside(): ...``); sockets made inside stay inside.

Interfaces are configured with ``ioctl`` (no ``ip`` command needed). Everything here needs
``CAP_NET_ADMIN`` + ``CAP_SYS_ADMIN``: root, or the root of a user namespace
(:func:`enter_private_namespace` with ``user=True`` is what ``unshare -rn`` does).
"""

from __future__ import annotations

import contextlib
import ctypes
import errno
import fcntl
import os
import select
import socket
import struct
import sys
from collections.abc import Iterator

from ..errors import PermissionNeeded, TcpeduError

CLONE_NEWNET = 0x40000000
CLONE_NEWUSER = 0x10000000

_SIOCGIFFLAGS = 0x8913
_SIOCSIFFLAGS = 0x8914
_SIOCSIFADDR = 0x8916
_SIOCSIFNETMASK = 0x891C
_SIOCSIFMTU = 0x8922
_IFF_UP = 0x1
_TUNSETIFF = 0x400454CA
_IFF_TUN = 0x0001
_IFF_NO_PI = 0x1000

_libc = ctypes.CDLL(None, use_errno=True)
ON_LINUX = sys.platform.startswith("linux")

HOW_TO_GET_PERMISSION = (
    "run as root (e.g. sudo), or allow unprivileged user namespaces "
    "(sysctl kernel.unprivileged_userns_clone=1 / user.max_user_namespaces>0)")


class NamespaceError(TcpeduError):
    """The kernel refused a namespace, interface or TUN operation for a reason other than privilege."""


def require_linux(what: str) -> None:
    """Raise NamespaceError on a system without Linux network namespaces."""
    if not ON_LINUX:
        raise NamespaceError(f"{what} needs Linux (network namespaces, TUN); this is {sys.platform}")


def _check(result: int, what: str) -> None:
    if result == 0:
        return
    err = ctypes.get_errno()
    if err in (errno.EPERM, errno.EACCES, errno.ENOSPC):  # ENOSPC: user.max_user_namespaces hit
        raise PermissionNeeded(f"{what}: {os.strerror(err)}; {HOW_TO_GET_PERMISSION}")
    raise NamespaceError(f"{what}: {os.strerror(err)}")


def enter_private_namespace(*, user: bool) -> None:
    """Move this whole process into a new network namespace (``unshare -n``; ``-rn`` with ``user``).

    With ``user=True`` a user namespace is made first and the caller's uid/gid are mapped to root
    in it, so an unprivileged process gets the capabilities it needs inside. The process must be
    single-threaded for that (the kernel's rule), so call it first thing in a fresh process.
    """
    uid, gid = os.geteuid(), os.getegid()
    flags = CLONE_NEWNET | (CLONE_NEWUSER if user else 0)
    _check(_libc.unshare(flags), "unshare(" + ("user+" if user else "") + "network namespace)")
    if user:
        with open("/proc/self/setgroups", "w") as f:
            f.write("deny")
        with open("/proc/self/uid_map", "w") as f:
            f.write(f"0 {uid} 1")
        with open("/proc/self/gid_map", "w") as f:
            f.write(f"0 {gid} 1")
    set_up("lo")


def _current_netns_fd() -> int:
    return os.open("/proc/thread-self/ns/net", os.O_RDONLY | os.O_CLOEXEC)


class NetworkNamespace:
    """A fresh, anonymous network namespace with its loopback up; a context manager.

    >>> with NetworkNamespace() as ns, ns.inside():          # doctest: +SKIP
    ...     server = socket.create_server(("127.0.0.1", 80))
    """

    def __init__(self) -> None:
        require_linux("a network namespace")
        home = _current_netns_fd()
        try:
            _check(_libc.unshare(CLONE_NEWNET), "unshare(network namespace)")
            self._fd: int | None = _current_netns_fd()
            try:
                set_up("lo")
            finally:
                _check(_libc.setns(home, CLONE_NEWNET), "setns(back home)")
        finally:
            os.close(home)

    @contextlib.contextmanager
    def inside(self) -> Iterator[NetworkNamespace]:
        """Run the ``with`` body (this thread only) inside the namespace."""
        if self._fd is None:
            raise NamespaceError("this network namespace is already closed")
        home = _current_netns_fd()
        try:
            _check(_libc.setns(self._fd, CLONE_NEWNET), "setns(into namespace)")
            try:
                yield self
            finally:
                _check(_libc.setns(home, CLONE_NEWNET), "setns(back home)")
        finally:
            os.close(home)

    def close(self) -> None:
        """Let the namespace go (it disappears once no socket or device inside is open)."""
        if self._fd is not None:
            os.close(self._fd)
            self._fd = None

    def __enter__(self) -> NetworkNamespace:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def __del__(self) -> None:
        with contextlib.suppress(Exception):
            self.close()


# -- interfaces (call these inside the namespace) -------------------------------------------------
def _ifreq(name: str, payload: bytes = b"") -> bytes:
    if not name or len(name) > 15:
        raise NamespaceError(f"interface name {name!r} must have 1..15 characters")
    return struct.pack("16s", name.encode()) + payload.ljust(24, b"\0")


def _ioctl(request: int, data: bytes, what: str) -> bytes:
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
        try:
            return fcntl.ioctl(s.fileno(), request, data)
        except OSError as exc:
            if exc.errno in (errno.EPERM, errno.EACCES):
                raise PermissionNeeded(f"{what}: {exc.strerror}; {HOW_TO_GET_PERMISSION}") from None
            raise NamespaceError(f"{what}: {exc.strerror}") from None


def set_up(name: str) -> None:
    """Bring interface ``name`` up (``ip link set NAME up``)."""
    flags = struct.unpack_from("H", _ioctl(_SIOCGIFFLAGS, _ifreq(name), f"flags of {name}"), 16)[0]
    _ioctl(_SIOCSIFFLAGS, _ifreq(name, struct.pack("H", flags | _IFF_UP)), f"bring {name} up")


def add_ipv4(name: str, address: str, prefix_len: int = 24) -> None:
    """Give ``name`` an IPv4 address; the kernel adds the route to its subnet."""
    def sockaddr(ip: str) -> bytes:
        return struct.pack("H2s4s", socket.AF_INET, b"\0\0", socket.inet_aton(ip))

    mask = socket.inet_ntoa(struct.pack("!I", (0xFFFFFFFF << (32 - prefix_len)) & 0xFFFFFFFF))
    _ioctl(_SIOCSIFADDR, _ifreq(name, sockaddr(address)), f"address {address} on {name}")
    _ioctl(_SIOCSIFNETMASK, _ifreq(name, sockaddr(mask)), f"netmask /{prefix_len} on {name}")


def set_mtu(name: str, mtu: int) -> None:
    """Set the MTU of ``name``."""
    _ioctl(_SIOCSIFMTU, _ifreq(name, struct.pack("i", mtu)), f"MTU {mtu} on {name}")


class Tun:
    """A TUN device: the kernel routes IP packets to it, and :meth:`read` hands them to us.

    Made inside the current namespace (call it in ``ns.inside()``), with the given IPv4 address
    on the kernel's side and brought up; without packet-info headers, so every read or write is
    exactly one IP packet. Closing it removes the device.

    No offload is asked for (no ``IFF_VNET_HDR``, no ``TUNSETOFFLOAD``): Linux hands over whole
    packets with finished checksums, computed in software, where a checksum that comes out
    0x0000 is written 0xFFFF (equally valid; tshark flags it, see tests/test_tun_checksum.py).
    """

    def __init__(self, name: str, address: str, prefix_len: int = 24, mtu: int = 1500) -> None:
        self.name = name
        try:
            self._fd: int | None = os.open("/dev/net/tun", os.O_RDWR | os.O_CLOEXEC)
        except FileNotFoundError:
            raise NamespaceError("/dev/net/tun is missing: this system has no TUN driver") from None
        except PermissionError as exc:
            raise PermissionNeeded(f"open /dev/net/tun: {exc.strerror}; "
                                   f"{HOW_TO_GET_PERMISSION}") from None
        try:
            try:
                fcntl.ioctl(self._fd, _TUNSETIFF, _ifreq(name, struct.pack("H", _IFF_TUN | _IFF_NO_PI)))
            except OSError as exc:
                if exc.errno in (errno.EPERM, errno.EACCES):
                    raise PermissionNeeded(f"create TUN {name}: {exc.strerror}; "
                                           f"{HOW_TO_GET_PERMISSION}") from None
                raise NamespaceError(f"create TUN {name}: {exc.strerror}") from None
            set_mtu(name, mtu)
            add_ipv4(name, address, prefix_len)
            set_up(name)
        except BaseException:
            self.close()
            raise

    def fileno(self) -> int:
        if self._fd is None:
            raise NamespaceError(f"TUN {self.name} is closed")
        return self._fd

    def read(self, timeout: float | None = None) -> bytes | None:
        """The next IP packet the kernel sent to the device, or None after ``timeout`` seconds."""
        fd = self.fileno()
        ready, _, _ = select.select([fd], [], [], timeout)
        return os.read(fd, 65536) if ready else None

    def write(self, packet: bytes) -> None:
        """Hand one IP packet to the kernel, as if it had arrived on the device."""
        os.write(self.fileno(), packet)

    def close(self) -> None:
        if self._fd is not None:
            os.close(self._fd)
            self._fd = None

    def __enter__(self) -> Tun:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
