"""``tcpedu export NOTEBOOK...``: each notebook as one HTML page whose players step offline."""

from __future__ import annotations

import argparse
from pathlib import Path

from ..errors import ParameterError


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add the ``export`` subcommand."""
    parser = subparsers.add_parser(
        "export", help="write notebooks as HTML pages whose players step offline (no CDN)",
        description="Run each notebook in a fresh kernel (unless --saved) and write it as one "
                    "HTML page with no network requests: every player steps in the browser as "
                    "in JupyterLab; other widgets show their static picture. The same as "
                    "`jupyter nbconvert --to tcpedu-html` (on an executed notebook).")
    parser.add_argument("notebooks", metavar="NOTEBOOK", nargs="+", help=".ipynb files")
    parser.add_argument("-o", "--output-dir", metavar="DIR",
                        help="folder for the pages, made if missing (default: beside each notebook)")
    parser.add_argument("--saved", action="store_true",
                        help="use the outputs saved in the notebook instead of running it")
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    """Export each notebook and say where it went."""
    try:
        from ..views.widgets.notebook_html import export_notebook_html
    except ImportError as exc:
        raise ParameterError(f"tcpedu export needs nbconvert and nbclient (pip install "
                             f"'tcpedu[lab]'): {exc}") from None
    out_dir = Path(args.output_dir) if args.output_dir else None
    if out_dir is not None:
        if out_dir.exists() and not out_dir.is_dir():
            raise ParameterError(f"{out_dir} is not a folder")
        out_dir.mkdir(parents=True, exist_ok=True)
    for name in args.notebooks:
        src = Path(name)
        target = (out_dir / src.with_suffix(".html").name) if out_dir else None
        page = export_notebook_html(src, target, execute=not args.saved)
        print(f"wrote {page}")
    return 0
