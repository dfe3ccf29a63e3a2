"""Building lab-1 submissions for the grading tests: a student's id, answers, extra cells."""

from __future__ import annotations

import copy
import json
from pathlib import Path

from tcpedu.teach import sandbox

ROOT = Path(__file__).resolve().parent.parent
LAB1 = ROOT / "course" / "labs" / "01-handshake"
#: How bwrap says that this system (or this user) may not make namespaces.
_NO_PRIVILEGE = ("namespace", "Operation not permitted", "Permission denied", "No permissions",
                 "uid map", "setting up uid")


def sandbox_missing() -> str | None:
    """Why no grading sandbox can be had here (bubblewrap missing, or no privilege to make
    namespaces), or None when one can. A sandbox that fails for any other reason is a defect:
    this raises, so that the tests fail instead of skipping."""
    reason = sandbox.unavailable_reason()
    if reason is None:
        return None
    if sandbox.bwrap_path() is None or any(word in reason for word in _NO_PRIVILEGE):
        return reason
    raise AssertionError(f"the grading sandbox is broken: {reason}")


def _notebook(path: Path) -> dict:
    return json.loads(path.read_text(encoding="utf-8"))


def _set_student(nb: dict, student: str) -> dict:
    nb = copy.deepcopy(nb)
    for cell in nb["cells"]:
        if cell["cell_type"] == "code" and "STUDENT =" in "".join(cell["source"]):
            lines = "".join(cell["source"]).splitlines()
            cell["source"] = "\n".join(f'STUDENT = "{student}"' if line.startswith("STUDENT =")
                                       else line for line in lines)
    return nb


def _answer_cell_index(nb: dict, variable: str) -> int:
    return next(i for i, c in enumerate(nb["cells"]) if c["cell_type"] == "code"
                and "".join(c["source"]).lstrip().startswith(f"{variable} =")
                or (c["cell_type"] == "code" and f"\n{variable} =" in "".join(c["source"])))


def _code(source: str) -> dict:
    return {"cell_type": "code", "metadata": {}, "execution_count": None, "outputs": [],
            "source": source}


def _insert_after(nb: dict, variable: str, source: str) -> dict:
    nb = copy.deepcopy(nb)
    nb["cells"].insert(_answer_cell_index(nb, variable) + 1, _code(source))
    return nb


def _answer(nb: dict, variable: str, value: str) -> dict:
    nb = copy.deepcopy(nb)
    cell = nb["cells"][_answer_cell_index(nb, variable)]
    cell["source"] = "".join(cell["source"]).replace(f"{variable} = ____", f"{variable} = {value}")
    return nb
