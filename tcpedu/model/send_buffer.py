"""The sender's buffer: bytes queued by ``send()`` and not yet acknowledged (RFC 9293 §3.8.6).

Appended at the end, dropped from the front as ACKs arrive, read in segment-sized slices. The
bytes are kept as the chunks ``send()`` was given, with an offset into the first, so neither
appending nor dropping copies what is already held (a ``bytearray`` moves its whole contents
each time half of it has been dropped: megabytes per ACK round for a 10 MB send).
"""

from __future__ import annotations

from collections import deque

__all__ = ["SendBuffer"]


class SendBuffer:
    """Queued bytes, offset 0 being the first unacknowledged byte; ``size`` counts them."""

    __slots__ = ("size", "_chunks", "_start", "_head")

    def __init__(self) -> None:
        self.size = 0
        self._chunks: deque[bytes] = deque()
        self._start = 0  # offset of byte 0 in the first chunk
        self._head = b""  # the first chunk (b"" when empty)

    def __len__(self) -> int:
        return self.size

    def __bool__(self) -> bool:
        return self.size > 0

    def __bytes__(self) -> bytes:
        return b"".join(self._chunks)[self._start:]

    def __repr__(self) -> str:
        return f"<SendBuffer {self.size} bytes in {len(self._chunks)} chunks>"

    def append(self, data: bytes) -> None:
        """Queue ``data`` after what is held."""
        if data:
            chunk = bytes(data)
            if not self._chunks:
                self._head = chunk
            self._chunks.append(chunk)
            self.size += len(data)

    def consume(self, n: int) -> int:
        """Drop the first ``n`` bytes (all of them if ``n`` is larger); returns how many went."""
        if n <= 0:
            return 0
        size = self.size
        if n >= size:
            self.clear()
            return size
        self.size = size - n
        start = self._start + n
        chunks = self._chunks
        if start >= len(chunks[0]):
            while start >= len(chunks[0]):
                start -= len(chunks.popleft())
            self._head = chunks[0]
        self._start = start
        return n

    def clear(self) -> None:
        """Drop everything."""
        self.size = 0
        self._chunks.clear()
        self._start = 0
        self._head = b""

    def slices(self, begin: int, size: int, count: int) -> list[bytes]:
        """``count`` consecutive slices of ``size`` bytes from ``begin``: ``[self.slice(b, b +
        size) for b in range(begin, begin + count * size, size)]``, cut from the first chunk
        when they lie in it (``begin`` must not be negative, ``size`` must be positive)."""
        start = self._start + begin
        end = start + count * size
        if end <= len(self._head):
            head = self._head
            return [head[s:s + size] for s in range(start, end, size)]
        return [self.slice(b, b + size) for b in range(begin, begin + count * size, size)]

    def slice(self, begin: int, end: int) -> bytes:
        """``bytes(self)[begin:end]``, copying only those bytes when the range is inside the
        buffer (the usual case: one segment's worth, within the first chunk)."""
        start = self._start
        e = start + end
        if 0 <= begin <= end and e <= len(self._head):  # then also end <= size
            return self._head[start + begin:e]  # within the first chunk: one copy
        if 0 <= begin <= end <= self.size:
            s = start + begin
            pieces = []
            for chunk in self._chunks:
                if s < len(chunk):
                    pieces.append(chunk[s:e])
                if e <= len(chunk):
                    break
                s = max(s - len(chunk), 0)
                e -= len(chunk)
            return b"".join(pieces)
        return bytes(self)[begin:end]  # out of range or negative: Python's slicing rules
