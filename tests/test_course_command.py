"""``tcpedu course DIR`` copies the course and the labs, and the wheel really carries them."""

from __future__ import annotations

import subprocess
import sys
import zipfile
from pathlib import Path

import pytest
from _course_support import ROOT, build_wheel

from tcpedu import ParameterError
from tcpedu.cli import main
from tcpedu.teach.course import GUIDES, copy_course, lab_paths, notebook_paths, notebooks_dir

NOTEBOOKS = sorted(p.name for p in (ROOT / "notebooks").glob("[0-9][0-9]-*.ipynb"))
LABS = sorted(f"course/labs/{p.parent.name}/lab.ipynb"
              for p in (ROOT / "course" / "labs").glob("*/lab.ipynb"))
DATA = sorted(p.relative_to(ROOT / "notebooks").as_posix()
              for p in (ROOT / "notebooks" / "data").rglob("*") if p.is_file())


def test_a_checkout_finds_the_eleven_notebooks_in_order():
    names = [p.name for p in notebook_paths()]
    assert names == NOTEBOOKS and len(names) == 11
    assert names[0] == "00-start-here.ipynb"


def test_course_command_copies_every_notebook_and_the_data(tmp_path, capsys):
    dest = tmp_path / "my course"
    assert main(["course", str(dest)]) == 0
    assert sorted(p.name for p in (dest / "notebooks").glob("*.ipynb")) == NOTEBOOKS
    for name in NOTEBOOKS:
        assert (dest / "notebooks" / name).read_bytes() == (notebooks_dir() / name).read_bytes()
    data = dest / "notebooks"
    copied = sorted(p.relative_to(data).as_posix() for p in (data / "data").rglob("*")
                    if p.is_file()) if (data / "data").exists() else []
    assert copied == DATA
    assert sorted(p.relative_to(dest).as_posix() for p in dest.glob("course/labs/*/*")) == LABS
    assert len(LABS) == 6 and [p.parent.name for p in lab_paths()] == [
        name.split("/")[2] for name in LABS]
    for name in GUIDES:
        assert (dest / "course" / name).read_bytes() == (ROOT / "course" / name).read_bytes()
    for name in LABS:
        assert (dest / name).read_bytes() == (ROOT / name
                                               ).read_bytes()
    assert "copied 11 notebooks and 6 labs" in capsys.readouterr().out


def test_course_command_keeps_a_learners_edited_notebook(tmp_path, capsys):
    copy_course(tmp_path)
    edited = tmp_path / "notebooks" / "03-data-transfer-seq-ack.ipynb"
    edited.write_text("my notes")
    assert main(["course", str(tmp_path)]) == 2
    err = capsys.readouterr().err.strip()
    assert err.count("\n") == 0 and "already holds" in err and "--overwrite" in err
    assert edited.read_text() == "my notes"
    assert main(["course", "--overwrite", str(tmp_path)]) == 0
    assert edited.read_text() != "my notes"


def test_course_command_refuses_a_file_as_folder(tmp_path, capsys):
    target = tmp_path / "afile"
    target.write_text("x")
    assert main(["course", str(target)]) == 2
    assert "is not a folder" in capsys.readouterr().err
    with pytest.raises(ParameterError):
        copy_course(target)


def test_course_command_from_the_console_script(tmp_path):
    run = subprocess.run([sys.executable, "-m", "tcpedu.cli", "course", str(tmp_path / "c")],
                         capture_output=True, text=True)
    assert run.returncode == 0, run.stderr
    assert (tmp_path / "c" / "notebooks" / "00-start-here.ipynb").is_file()


@pytest.mark.binder
def test_the_wheel_ships_the_notebooks_and_copies_them_without_a_checkout(tmp_path):
    wheel = build_wheel(tmp_path)
    names = zipfile.ZipFile(wheel).namelist()
    for name in NOTEBOOKS:
        assert f"tcpedu/course_data/{name}" in names
    for name in DATA:
        assert f"tcpedu/course_data/{name}" in names
    for name in [*LABS, *(f"course/{g}" for g in GUIDES)]:
        assert f"tcpedu/course_data/{name}" in names
    assert not [n for n in names if "instructor" in n], "instructor copies must not ship"
    site = tmp_path / "site"
    zipfile.ZipFile(wheel).extractall(site)
    code = ("import sys; from tcpedu.teach.course import copy_course, notebooks_dir; "
            "print(notebooks_dir()); print(len(copy_course(sys.argv[1])))")
    run = subprocess.run([sys.executable, "-I", "-c", f"import sys; sys.path.insert(0, {str(site)!r}); "
                          + code, str(tmp_path / "out")], capture_output=True, text=True,
                         cwd=tmp_path)
    assert run.returncode == 0, run.stderr
    where, count = run.stdout.split()
    assert Path(where) == site / "tcpedu" / "course_data"
    assert int(count) == 11 + len(LABS)
