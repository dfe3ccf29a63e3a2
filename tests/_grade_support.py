"""Building lab-1 submissions for the grading tests: a student's id, answers, extra cells."""

from __future__ import annotations

import copy
import json
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
LAB1 = ROOT / "course" / "labs" / "01-handshake"


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
