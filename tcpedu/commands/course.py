"""``tcpedu course DIR``: copy the course notebooks, their data and the labs into a folder."""

from __future__ import annotations

import argparse

from ..teach.course import copy_course


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add the ``course`` subcommand."""
    parser = subparsers.add_parser(
        "course", help="copy the course notebooks (their data, the guides and the labs) into DIR",
        description="Copy the eleven course notebooks (DIR/notebooks/, with their data), the "
                    "glossary, the common simplifications and the labs (DIR/course/) into DIR, "
                    "then open them with: jupyter lab DIR/notebooks/00-start-here.ipynb")
    parser.add_argument("dir", metavar="DIR", help="folder to create or fill")
    parser.add_argument("--overwrite", action="store_true",
                        help="replace notebooks that already exist in DIR")
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    """Copy the course and say where it went."""
    written = copy_course(args.dir, overwrite=args.overwrite)
    labs = sum(path.name == "lab.ipynb" for path in written)
    print(f"copied {len(written) - labs} notebooks and {labs} labs to {args.dir}; start with: "
          f"jupyter lab {written[0]}")
    return 0
