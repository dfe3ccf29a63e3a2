"""The ``tcpedu`` command. Each subcommand lives in ``tcpedu/commands/NAME.py`` and provides
``register(subparsers)`` (adds its parser, sets ``func``) so this file only dispatches."""

from __future__ import annotations

import argparse
import importlib
import sys

from .errors import TcpeduError

#: Subcommand modules under tcpedu/commands/, in the order ``tcpedu --help`` lists them.
COMMANDS: tuple[str, ...] = ("course", "grade", "live", "analyze", "simulate", "interop",
                             "export")


def build_parser() -> argparse.ArgumentParser:
    """The argument parser with every subcommand registered."""
    parser = argparse.ArgumentParser(prog="tcpedu", description="Learn TCP by watching it.")
    parser.add_argument("--version", action="version", version=_version())
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    for name in COMMANDS:
        importlib.import_module(f".commands.{name}", __package__).register(sub)
    return parser


def main(argv: list[str] | None = None) -> int:
    """Entry point: returns the exit status (0 ok, 1 a check failed, 2 bad input or usage)."""
    parser = build_parser()
    args = parser.parse_args(argv)
    if not getattr(args, "func", None):
        parser.print_help()
        return 2
    try:
        return int(args.func(args) or 0)
    except TcpeduError as exc:
        print(f"tcpedu {args.command}: error: {exc}", file=sys.stderr)
        return 2
    except BrokenPipeError:
        sys.stderr.close()
        return 0
    except KeyboardInterrupt:
        return 130


def _version() -> str:
    from . import __version__

    return f"tcpedu {__version__}"


if __name__ == "__main__":
    raise SystemExit(main())
