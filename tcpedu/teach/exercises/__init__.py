"""Exercises with immediate feedback — the course notebooks' "try it" questions and the labs (with
per-student variants and grading) — judged by one engine (:mod:`.core`, :mod:`.forms`,
:mod:`.detectors`).

In a course notebook::

    q1, q2 = start("00-start-here", namespace=globals()).questions
    segments_in_handshake = None              # your answer
    q1.check()                                # q1.hint(), q1.solution()

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

#: Course notebook -> module under tcpedu/teach/exercises/notebooks/ defining ``SPEC``.
NOTEBOOKS: dict[str, str] = {
    "00-start-here": "nb00",
    "01-segment-anatomy": "nb01",
    "02-three-way-handshake": "nb02",
    "03-data-transfer-seq-ack": "nb03",
    "04-reliable-delivery": "nb04",
    "05-ordering-and-reassembly": "nb05",
    "06-connection-teardown": "nb06",
    "07-state-machine": "nb07",
    "08-session-hijacking": "nb08",
    "09-real-traffic": "nb09",
    "10-flow-and-congestion-control": "nb10",
}

#: Lab id -> module under tcpedu/teach/exercises/labs/ defining ``SPEC``.
LABS: dict[str, str] = {
    "01-handshake": "lab01_handshake",
    "02-loss": "lab02_loss",
    "03-reordering": "lab03_reordering",
    "04-teardown": "lab04_teardown",
    "05-capture": "lab05_capture",
    "06-hijack": "lab06_hijack",
}

__all__ = ["LABS", "NOTEBOOKS", "Expected", "exercise_spec", "Feedback", "Lab", "LabSpec", "Mistake", "Question",
           "QuestionSpec", "UngradableValue", "Variant", "____", "answer_key", "lab_spec",
           "normalise_student", "start", "variant_for", "variant_seed"]


def lab_spec(lab_id: str) -> LabSpec:
    """The definition of lab ``lab_id`` (e.g. ``"01-handshake"``)."""
    module = LABS.get(lab_id) if isinstance(lab_id, str) else None
    if module is None:
        raise ParameterError(f"unknown lab {lab_id!r}; the labs are {', '.join(LABS)}")
    return importlib.import_module(f".labs.{module}", __name__).SPEC


def exercise_spec(name: str) -> LabSpec:
    """The questions of a course notebook (``"03-data-transfer-seq-ack"``) or of a lab."""
    if isinstance(name, str) and name in NOTEBOOKS:
        return importlib.import_module(f".notebooks.{NOTEBOOKS[name]}", __name__).SPEC
    return lab_spec(name)  # a lab, or one clear error naming the labs


def start(lab_id: str, student: Any = None, *, namespace: MutableMapping[str, Any] | None = None,
          graded: bool = False) -> Lab:
    """Open the exercises of ``lab_id`` (a lab or a course notebook) for ``student`` (their
    variant) and bind ``q1``, ``q2``... into ``namespace`` (pass ``globals()`` in a notebook).
    ``graded`` hides ``qN.solution()``."""
    lab = Lab(exercise_spec(lab_id), variant_for(lab_id, student), graded=graded)
    if namespace is not None:
        lab.bind(namespace)
    return lab


def answer_key(lab_id: str, student: Any = None) -> list[dict[str, Any]]:
    """The instructor's view: every answer of ``student``'s variant of ``lab_id``."""
    return start(lab_id, student).answer_key()
