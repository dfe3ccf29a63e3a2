"""The TCP control bits as a value type (RFC 9293 §3.1, RFC 3168 for ECE/CWR).

Apart from :mod:`tcpedu.model.segment` (which re-exports :class:`Flags`) so that the segment's
explanation (:mod:`tcpedu.model.explain`) needs the flags without importing the segment (no
segment <-> explain cycle).
"""

from __future__ import annotations

import enum

from ..errors import SegmentError

__all__ = ["Flags"]


class Flags(enum.IntFlag):
    """The TCP control bits (RFC 9293 §3.1, RFC 3168 for ECE/CWR)."""

    FIN = 0x01
    SYN = 0x02
    RST = 0x04
    PSH = 0x08
    ACK = 0x10
    URG = 0x20
    ECE = 0x40
    CWR = 0x80

    @property
    def letters(self) -> str:
        """scapy's compact form in the order F S R P A U E C, e.g. ``"SA"``, ``"PA"``, ``"FA"``."""
        return "".join(letter for bit, letter in _LETTERS if self & bit)

    @property
    def names(self) -> str:
        """Wireshark-style names, e.g. ``"SYN, ACK"``."""
        return ", ".join(bit.name for bit, _ in _NAME_ORDER if self & bit) or "none"

    @classmethod
    def parse(cls, text: str) -> Flags:
        """Flags from letters (``"SA"``) or names (``"SYN,ACK"``, ``"syn ack"``)."""
        words = text.replace(",", " ").replace("|", " ").split()
        value = cls(0)
        for word in words:
            upper = word.upper()
            if upper in cls.__members__:
                value |= cls[upper]
                continue
            for ch in upper:
                bit = _BY_LETTER.get(ch)
                if bit is None:
                    raise SegmentError(f"unknown TCP flag {ch!r} in {text!r} (use F S R P A U E C)")
                value |= bit
        return value


_LETTERS = ((Flags.FIN, "F"), (Flags.SYN, "S"), (Flags.RST, "R"), (Flags.PSH, "P"),
            (Flags.ACK, "A"), (Flags.URG, "U"), (Flags.ECE, "E"), (Flags.CWR, "C"))
_BY_LETTER = {letter: bit for bit, letter in _LETTERS}
_NAME_ORDER = ((Flags.SYN, ""), (Flags.FIN, ""), (Flags.RST, ""), (Flags.PSH, ""),
               (Flags.ACK, ""), (Flags.URG, ""), (Flags.ECE, ""), (Flags.CWR, ""))
