"""Build hook: the course notebooks (and their data) and the labs' student notebooks ship inside
the wheel as ``tcpedu/course_data``.

All metadata lives in pyproject.toml; this file only copies ``notebooks/`` (and each
``course/labs/NN-name/lab.ipynb`` to ``course_data/labs/NN-name/``) into the built package so that
``pip install tcpedu`` followed by ``tcpedu course DIR`` gives the course to someone without a
clone. The labs' instructor versions are never shipped.
"""

from __future__ import annotations

import shutil
from pathlib import Path

from setuptools import setup
from setuptools.command.build_py import build_py

HERE = Path(__file__).resolve().parent
NOTEBOOKS = HERE / "notebooks"
LABS = HERE / "course" / "labs"
SKIP = shutil.ignore_patterns(".ipynb_checkpoints", "__pycache__", "*.pyc")


class BuildPyWithCourse(build_py):
    """build_py that also copies notebooks/ into <build_lib>/tcpedu/course_data/."""

    def run(self) -> None:
        super().run()
        if getattr(self, "editable_mode", False) or not NOTEBOOKS.is_dir():
            return  # an editable install reads notebooks/ in place
        target = Path(self.build_lib) / "tcpedu" / "course_data"
        if target.exists():
            shutil.rmtree(target)
        shutil.copytree(NOTEBOOKS, target, ignore=SKIP)
        for lab in sorted(LABS.glob("[0-9][0-9]-*/lab.ipynb")):
            (target / "labs" / lab.parent.name).mkdir(parents=True, exist_ok=True)
            shutil.copyfile(lab, target / "labs" / lab.parent.name / lab.name)


setup(cmdclass={"build_py": BuildPyWithCourse})
