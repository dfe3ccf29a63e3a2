"""Lab exercises with immediate feedback, per-student variants and grading.

In a lab notebook::

    from tcpedu.teach.exercises import start, ____
    STUDENT = "s1234567"                      # your id: it picks your variant
    lab = start("01-handshake", student=STUDENT, namespace=globals())
    synack_ack = ____                         # your answer here
    q1.check()                                # q1.hint(), q1.solution()

Every answer is computed from the model for the learner's variant when it is checked; the
instructor regenerates any variant's answers with :func:`answer_key` (or ``tcpedu grade --key``).
"""

from __future__ import annotations

import importlib
from collections.abc import MutableMapping
from typing import Any

from ...errors import ParameterError
from .core import (
    Expected,
    Feedback,
    Lab,
    LabSpec,
    Mistake,
    Question,
    QuestionSpec,
    UngradableValue,
    ____,
)
from .variants import Variant, normalise_student, variant_for, variant_seed

#: Lab id -> module under tcpedu/exercises/labs/ defining ``SPEC``.
LABS: dict[str, str] = {
    "01-handshake": "lab01_handshake",
    "02-loss": "lab02_loss",
    "03-reordering": "lab03_reordering",
    "04-teardown": "lab04_teardown",
    "05-capture": "lab05_capture",
    "06-hijack": "lab06_hijack",
}

__all__ = ["LABS", "Expected", "Feedback", "Lab", "LabSpec", "Mistake", "Question",
           "QuestionSpec", "UngradableValue", "Variant", "____", "answer_key", "lab_spec",
           "normalise_student", "start", "variant_for", "variant_seed"]


def lab_spec(lab_id: str) -> LabSpec:
    """The definition of lab ``lab_id`` (e.g. ``"01-handshake"``)."""
    module = LABS.get(lab_id) if isinstance(lab_id, str) else None
    if module is None:
        raise ParameterError(f"unknown lab {lab_id!r}; the labs are {', '.join(LABS)}")
    return importlib.import_module(f".labs.{module}", __name__).SPEC


def start(lab_id: str, student: Any = None, *, namespace: MutableMapping[str, Any] | None = None,
          graded: bool = False) -> Lab:
    """Open lab ``lab_id`` for ``student`` (their variant) and bind ``q1``, ``q2``... into
    ``namespace`` (pass ``globals()`` in a notebook). ``graded`` hides ``qN.solution()``."""
    lab = Lab(lab_spec(lab_id), variant_for(lab_id, student), graded=graded)
    if namespace is not None:
        lab.bind(namespace)
    return lab


def answer_key(lab_id: str, student: Any = None) -> list[dict[str, Any]]:
    """The instructor's view: every answer of ``student``'s variant of ``lab_id``."""
    return start(lab_id, student).answer_key()
