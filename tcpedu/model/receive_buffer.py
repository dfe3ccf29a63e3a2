"""The receiver's reassembly queue: in-order delivery, out-of-order ranges, the FIN's place.

Sequence numbers are turned into unbounded byte offsets on arrival, so the queue never has to
think about wraparound; ranges are handed back as sequence numbers.
"""

from __future__ import annotations

from bisect import bisect_left

from .seq import seq_add, seq_diff


class ReassemblyQueue:
    """Holds out-of-order data until the hole before it is filled (RFC 9293 §3.10.7.4, seventh)."""

    __slots__ = ("rcv_nxt", "_nxt", "_base", "_starts", "_blocks", "_fin", "fin_received",
                 "ooo_bytes", "_latest")

    def __init__(self, rcv_nxt: int) -> None:
        self.rcv_nxt = rcv_nxt  # next sequence number expected
        self._base = rcv_nxt  # sequence number of offset 0
        self._nxt = 0  # offset of rcv_nxt
        self._starts: list[int] = []  # offsets where out-of-order blocks start (sorted)
        self._blocks: list[tuple[int, int, bytes]] = []  # (start, end, data), disjoint
        self._fin: int | None = None  # offset of the peer's FIN once seen
        self.fin_received = False  # the FIN came in order (rcv_nxt counts it)
        self.ooo_bytes = 0
        self._latest: int | None = None  # start of the block that got the latest arrival

    def offset(self, seq: int) -> int:
        """Byte offset (from the first expected byte) of sequence number ``seq``."""
        return self._nxt + seq_diff(seq, self.rcv_nxt)

    def add(self, seq: int, data: bytes, fin: bool = False) -> tuple[bytes, bool]:
        """Accept bytes starting at ``seq`` (and a FIN after them).

        Returns the bytes that became in order (possibly empty) and whether the FIN did.
        """
        nxt = self._nxt
        rcv_nxt = self.rcv_nxt
        start = nxt if seq == rcv_nxt else nxt + seq_diff(seq, rcv_nxt)
        end = start + len(data)
        if fin and not self.fin_received:
            self._fin = end
        if start == nxt and end > nxt and not self._blocks:  # in order, no gap
            self._advance(end)
            return data, self._take_fin()
        if end <= self._nxt:
            return b"", self._take_fin()
        if start < self._nxt:
            data = data[self._nxt - start:]
            start = self._nxt
        if start == self._nxt and not self._blocks:
            self._advance(end)
            return data, self._take_fin()
        if start == self._nxt:
            pieces = [data]
            nxt = end
            while self._blocks and self._blocks[0][0] <= nxt:
                b_start, b_end, b_data = self._blocks.pop(0)
                self._starts.pop(0)
                self.ooo_bytes -= b_end - b_start
                if b_end > nxt:
                    pieces.append(b_data[nxt - b_start:])
                    nxt = b_end
            self._advance(nxt)
            if not self._blocks:
                self._latest = None
            return b"".join(pieces), self._take_fin()
        if start < end:
            self._insert(start, end, data)
        return b"", False

    def add_next(self, n: int) -> bool:
        """``add(rcv_nxt, data)`` for ``n`` > 0 bytes of ``data`` when no out-of-order data is
        held (``ooo_bytes`` is 0), for a caller that knows this: they are all in order now.
        Returns whether they reach a FIN that came earlier."""
        self._nxt += n
        self.rcv_nxt = (self.rcv_nxt + n) & 0xFFFFFFFF  # _advance, inline
        return self._fin is not None and self._take_fin()

    def _advance(self, new_nxt: int) -> None:
        self.rcv_nxt = seq_add(self.rcv_nxt, new_nxt - self._nxt)
        self._nxt = new_nxt

    def _take_fin(self) -> bool:
        if self._fin is not None and not self.fin_received and self._fin == self._nxt:
            self.fin_received = True
            self._advance(self._nxt + 1)
            return True
        return False

    def _insert(self, start: int, end: int, data: bytes) -> None:
        blocks, starts = self._blocks, self._starts
        i = bisect_left(starts, start)
        if i > 0 and blocks[i - 1][1] >= start:
            i -= 1
        j = i
        new_start, new_end, new_data = start, end, data
        removed = 0
        while j < len(blocks) and blocks[j][0] <= new_end:
            b_start, b_end, b_data = blocks[j]
            removed += b_end - b_start
            if b_end > new_end:
                new_data = new_data + b_data[new_end - b_start:]
                new_end = b_end
            if b_start < new_start:
                if b_end == new_start and type(b_data) is bytearray:
                    # The usual case after a loss: the text goes on where the block ends. The
                    # block's own buffer grows in place (copying it each time is quadratic).
                    b_data += new_data
                    new_data = b_data
                else:
                    new_data = bytearray(b_data[:new_start - b_start]) + new_data
                new_start = b_start
            j += 1
        blocks[i:j] = [(new_start, new_end, new_data)]
        starts[i:j] = [new_start]
        self.ooo_bytes += (new_end - new_start) - removed
        self._latest = new_start

    def ranges(self) -> tuple[tuple[int, int], ...]:
        """Out-of-order ranges held, as ``(start, end)`` sequence numbers (end exclusive)."""
        base = self._base  # offsets count from it: RCV.NXT is base + _nxt (mod 2**32)
        return tuple(((base + s) & 0xFFFFFFFF, (base + e) & 0xFFFFFFFF) for s, e, _ in self._blocks)

    def sack_blocks(self, limit: int = 3) -> tuple[tuple[int, int], ...]:
        """Up to ``limit`` SACK blocks, the one holding the latest arrival first (RFC 2018 §4)."""
        if not self._blocks:
            return ()
        ranges = self.ranges()
        latest = next((k for k, b in enumerate(self._blocks) if b[0] == self._latest), None)
        if latest is None:
            return ranges[:limit]
        rest = ranges[:latest] + ranges[latest + 1:]
        return ((ranges[latest],) + rest)[:limit]
