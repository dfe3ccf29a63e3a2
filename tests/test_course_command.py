"""``tcpedu course DIR`` copies the course, and the wheel really carries the notebooks."""

from __future__ import annotations

import subprocess
import sys
import zipfile
from pathlib import Path

import pytest
from _course_support import ROOT, build_wheel

from tcpedu import ParameterError
from tcpedu.cli import main
from tcpedu.teach.course import (
    check_prediction,
    copy_course,
    notebook_paths,
    notebooks_dir,
    same_answer,
)

NOTEBOOKS = sorted(p.name for p in (ROOT / "notebooks").glob("[0-9][0-9]-*.ipynb"))
DATA = sorted(p.relative_to(ROOT / "notebooks").as_posix()
              for p in (ROOT / "notebooks" / "data").rglob("*") if p.is_file())


def test_a_checkout_finds_the_eleven_notebooks_in_order():
    names = [p.name for p in notebook_paths()]
    assert names == NOTEBOOKS and len(names) == 11
    assert names[0] == "00-start-here.ipynb"


def test_course_command_copies_every_notebook_and_the_data(tmp_path, capsys):
    dest = tmp_path / "my course"
    assert main(["course", str(dest)]) == 0
    assert sorted(p.name for p in dest.glob("*.ipynb")) == NOTEBOOKS
    for name in NOTEBOOKS:
        assert (dest / name).read_bytes() == (notebooks_dir() / name).read_bytes()
    copied = sorted(p.relative_to(dest).as_posix() for p in (dest / "data").rglob("*")
                    if p.is_file()) if (dest / "data").exists() else []
    assert copied == DATA
    assert "copied 11 notebooks" in capsys.readouterr().out


def test_course_command_keeps_a_learners_edited_notebook(tmp_path, capsys):
    copy_course(tmp_path)
    edited = tmp_path / "03-data-transfer-seq-ack.ipynb"
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
    assert (tmp_path / "c" / "00-start-here.ipynb").is_file()


@pytest.mark.binder
def test_the_wheel_ships_the_notebooks_and_copies_them_without_a_checkout(tmp_path):
    wheel = build_wheel(tmp_path)
    names = zipfile.ZipFile(wheel).namelist()
    for name in NOTEBOOKS:
        assert f"tcpedu/course_data/{name}" in names
    for name in DATA:
        assert f"tcpedu/course_data/{name}" in names
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
    assert int(count) == 11


def test_check_prediction_gives_specific_feedback(capsys):
    mistakes = {1000: "You forgot that the SYN consumes one sequence number."}
    check_prediction(None, 1001, mistakes=mistakes, hint="SYN counts as one byte")
    out = capsys.readouterr().out
    assert "Not answered yet" in out and "1001" not in out and "SYN counts" in out
    check_prediction(1000, 1001, mistakes=mistakes)
    out = capsys.readouterr().out
    assert out.startswith("Not quite") and "forgot that the SYN" in out
    check_prediction(7, 1001, mistakes=mistakes, hint="add one")
    out = capsys.readouterr().out
    assert out.startswith("Not quite") and "add one" in out
    check_prediction(1001, 1001, why="SYN uses one number.")
    assert capsys.readouterr().out.startswith("Correct: 1001. SYN uses one number.")


def test_answers_compare_state_names_and_flags_loosely():
    from tcpedu import State

    assert same_answer("close_wait", State.CLOSE_WAIT)
    assert same_answer(["syn-sent", "ESTABLISHED"], [State.SYN_SENT, State.ESTABLISHED])
    assert not same_answer("TIME-WAIT", State.CLOSE_WAIT)
    assert same_answer("syn, ack", "SYN ACK")
    assert not same_answer(["SYN-SENT"], [State.SYN_SENT, State.ESTABLISHED])
    assert same_answer(1001, 1001) and not same_answer(1001, "1000")
