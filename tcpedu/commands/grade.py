"""``tcpedu grade SUBMISSIONS_DIR``: run every submitted lab notebook and write a CSV of scores.

``tcpedu grade --key LAB [--student ID]`` prints the answer key of one variant instead.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from ..errors import ParameterError


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add the ``grade`` subcommand."""
    parser = subparsers.add_parser(
        "grade", help="grade submitted lab notebooks into a CSV (or print an answer key)",
        description="Run each notebook under SUBMISSIONS_DIR in its own clean kernel with a time "
                    "limit, judge its answers against the student's variant, and write one CSV "
                    "row per submission: score, status and per-question feedback.")
    parser.add_argument("submissions", nargs="?", metavar="SUBMISSIONS_DIR",
                        help="folder of submitted .ipynb files (searched recursively)")
    parser.add_argument("--out", metavar="CSV", default="-",
                        help="where to write the scores (default: standard output)")
    parser.add_argument("--timeout", type=float, default=120.0, metavar="S",
                        help="seconds each notebook may run (default 120)")
    parser.add_argument("--lab", metavar="LAB",
                        help="lab id for every submission (default: each notebook's metadata)")
    parser.add_argument("--jobs", type=int, metavar="N",
                        help="grade N notebooks at a time (default: one per core, fewer if "
                             "memory is short)")
    parser.add_argument("--no-sandbox", dest="sandbox", action="store_false",
                        help="run submissions unconfined, as yourself (default: each in a "
                             "bubblewrap sandbox; grading refuses where none can be made)")
    parser.add_argument("--memory", type=int, metavar="MB",
                        help="memory (address space) each sandboxed process may use "
                             "(default 3072)")
    parser.add_argument("--key", metavar="LAB",
                        help="print the answer key of LAB for --student instead of grading")
    parser.add_argument("--student", default="", metavar="ID",
                        help="with --key: the student whose variant to show (default variant)")
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    """Grade a folder, or print one variant's answer key."""
    if args.key:
        from ..teach.exercises import answer_key

        print(f"# answer key: lab {args.key}, student {args.student or '(default variant)'}")
        for row in answer_key(args.key, args.student):
            print(f"{row['question']:>4}  {row['variable']:<24} {row['shown']}")
        return 0
    if not args.submissions:
        raise ParameterError("give SUBMISSIONS_DIR (or --key LAB to print an answer key)")
    from ..teach.grade import grade_directory, write_csv

    results = grade_directory(args.submissions, lab=args.lab, timeout=args.timeout,
                              jobs=args.jobs, sandboxed=args.sandbox, memory_mb=args.memory)
    if args.out == "-":
        write_csv(results, sys.stdout)
    else:
        with Path(args.out).open("w", newline="", encoding="utf-8") as out:
            write_csv(results, out)
        total = len(results)
        print(f"graded {total} notebook{'s' if total != 1 else ''} into {args.out}",
              file=sys.stderr)
    return 0
