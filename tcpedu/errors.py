"""The exceptions tcpedu raises: one family, each saying in one line what was wrong."""

from __future__ import annotations


class TcpeduError(Exception):
    """Base of every error tcpedu raises on purpose."""


class ParameterError(TcpeduError, ValueError):
    """A value passed to tcpedu is out of range or of the wrong kind."""


class LocalProtocolError(TcpeduError):
    """You misused the API: e.g. send() after close(), or connect() twice."""


class RemoteProtocolError(TcpeduError):
    """The peer broke the protocol in a way the RFC answers with an error."""


class SegmentError(TcpeduError, ValueError):
    """Bytes or a packet that do not decode as a TCP segment."""


class CaptureError(TcpeduError):
    """A capture file that cannot be read (not pcap/pcapng, or damaged)."""


class PermissionNeeded(TcpeduError, PermissionError):
    """The operation needs a privilege this process lacks; the message says how to get it."""
