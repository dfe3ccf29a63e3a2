"""Build hook: the course notebooks (and their data), the learner's guides and the labs' student
notebooks ship inside the wheel as ``tcpedu/course_data``.

All metadata lives in pyproject.toml; this file only copies ``notebooks/`` into the built package
(and ``course/glossary.md``, ``course/misconceptions.md`` and each ``course/labs/NN-name/lab.ipynb``
into ``course_data/course/``) so that ``pip install tcpedu`` followed by ``tcpedu course DIR``
gives the course to someone without a clone. The labs' sources and instructor versions are never
shipped.
"""

from __future__ import annotations

import shutil
from pathlib import Path

from setuptools import setup
from setuptools.command.build_py import build_py

HERE = Path(__file__).resolve().parent
NOTEBOOKS = HERE / "notebooks"
COURSE = HERE / "course"
GUIDES = ("glossary.md", "misconceptions.md")
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
        wanted = [COURSE / name for name in GUIDES]
        wanted += sorted(COURSE.glob("labs/[0-9][0-9]-*/lab.ipynb"))
        for path in wanted:
            copy = target / "course" / path.relative_to(COURSE)
            copy.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(path, copy)


setup(cmdclass={"build_py": BuildPyWithCourse})
