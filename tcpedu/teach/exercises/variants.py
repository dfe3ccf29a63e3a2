"""Per-student variants: a stable seed from (lab, student), so every learner gets their own numbers.

The seed is a SHA-256 of the lab id and the normalised student id (case and spacing ignored), never
Python's ``hash()`` (salted per process): the same student gets the same variant on Binder, on their
laptop and in the instructor's grading run, and the instructor can regenerate any variant's answers.
"""

from __future__ import annotations

import hashlib
import random
from dataclasses import dataclass

from ...errors import ParameterError

#: The variant of a learner who gave no student id (self-study on Binder).
DEFAULT_STUDENT = ""


def normalise_student(student: object) -> str:
    """The student id as the seed sees it: trimmed, inner spaces collapsed, case folded."""
    if student is None:
        return DEFAULT_STUDENT
    if isinstance(student, bool) or not isinstance(student, (str, int)):
        raise ParameterError(f"student must be a name or an id (str or int), not "
                             f"{type(student).__name__}")
    return " ".join(str(student).split()).casefold()


def variant_seed(lab: str, student: object) -> int:
    """A 64-bit seed that depends only on the lab id and the normalised student id."""
    key = f"tcpedu-lab\0{lab}\0{normalise_student(student)}".encode()
    return int.from_bytes(hashlib.sha256(key).digest()[:8], "big")


@dataclass(frozen=True)
class Variant:
    """One learner's version of one lab: draw its parameters from :meth:`rng`, in a fixed order."""

    lab: str
    student: str
    seed: int

    def rng(self) -> random.Random:
        """A fresh generator seeded for this variant (same draws every time)."""
        return random.Random(self.seed)

    @property
    def label(self) -> str:
        """How the variant is named in feedback and answer keys."""
        return f"{self.lab} / {self.student or 'default variant'}"


def variant_for(lab: str, student: object = None) -> Variant:
    """The variant of ``lab`` for ``student`` (``None`` or ``""``: the default variant)."""
    return Variant(lab, normalise_student(student), variant_seed(lab, student))
