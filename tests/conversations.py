"""Test helper: the records of one conversation over a :class:`~tcpedu.sim.network.Network`, for the
tests that run it twice (a fast path on, then off) and compare the traces."""

from __future__ import annotations

from tcpedu.sim.network import Network
from tcpedu.sim.scenarios import payload


def converse(net: Network, upload: int, download: int = 0) -> list:
    """The server listens and the client connects at 0 s; at 0.5 s the client sends ``upload``
    bytes and closes (the server sends ``download`` bytes at 0.6 s); the server closes at EOF.
    Returns the records of the whole run."""
    net.at(0.0, "server", "listen")
    net.at(0.0, "client", "connect")
    net.at(0.5, "client", "send", payload(upload))
    if download:
        net.at(0.6, "server", "send", payload(download))
    net.at(0.5, "client", "close")
    net.close_on_eof("server")
    return net.run().records
