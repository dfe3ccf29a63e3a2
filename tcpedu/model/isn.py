"""Initial sequence numbers: RFC 6528's clock-driven keyed generator (the default), fixed (for
teaching), or seeded random (by explicit choice only).

RFC 9293 §3.4.1 (MUST-8) wants ISNs driven by a clock, so that a new incarnation of a connection
starts beyond the numbers its predecessor used (old duplicates are kept out by the clock and by
TIME-WAIT, not by randomness). RFC 6528 adds a keyed hash of the four-tuple so an off-path attacker
cannot predict one connection's ISN from another's. The clock here is the caller's ``now``.
"""

from __future__ import annotations

import hashlib
import random

from ..errors import ParameterError

ISN_MODES = ("rfc6528", "fixed", "random")


def rfc6528_isn(now: float, local_ip: str, local_port: int, remote_ip: str, remote_port: int,
                secret: bytes) -> int:
    """ISN = M + F(localip, localport, remoteip, remoteport, secretkey) (RFC 6528 §3).

    M is a 4-microsecond timer read from the passed-in ``now``; F is a keyed BLAKE2b hash of the
    connection identifiers, so an off-path attacker cannot predict one connection's ISN from
    another's.
    """
    ticks = int(now * 250_000)
    ident = f"{local_ip}|{local_port}|{remote_ip}|{remote_port}".encode()
    f = int.from_bytes(hashlib.blake2b(ident, key=secret[:64], digest_size=4).digest(), "big")
    return (ticks + f) & 0xFFFFFFFF


def key_from_seed(seed: int | str, name: str) -> bytes:
    """A host's RFC 6528 secret drawn from the run's seed and the endpoint's name (reproducible)."""
    return hashlib.blake2b(f"tcpedu-rfc6528/{seed}/{name}".encode(), digest_size=16).digest()


class IsnChooser:
    """Picks each new connection's ISN according to the configured mode."""

    def __init__(self, mode: str, fixed: int | None, seed: int | str, name: str,
                 secret: bytes | None) -> None:
        if mode not in ISN_MODES:
            raise ParameterError(f"isn_mode={mode!r}: choose one of {', '.join(ISN_MODES)}")
        if mode == "fixed" and fixed is None:
            raise ParameterError("isn_mode='fixed' needs isn=<a number in 0..2**32-1>")
        self.mode = "fixed" if fixed is not None else mode
        self.fixed = fixed
        self.secret = secret if secret is not None else key_from_seed(seed, name)
        self._rng = random.Random(f"{seed}/{name}")

    def choose(self, now: float, local_ip: str, local_port: int, remote_ip: str,
               remote_port: int) -> int:
        """The ISN for a connection opened at ``now`` between these endpoints."""
        if self.mode == "fixed":
            assert self.fixed is not None
            return self.fixed
        if self.mode == "rfc6528":
            return rfc6528_isn(now, local_ip, local_port, remote_ip, remote_port, self.secret)
        return self._rng.getrandbits(32)
