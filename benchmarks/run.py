"""``make bench``: import every ``benchmarks/bench_*.py`` and call its ``main()``.

Each benchmark prints its own figures (and ratios against a reference tool measured in the same
run). Figures are printed, never asserted. ``python benchmarks/run.py NAME...`` runs only the
benchmarks whose file name contains one of the NAMEs.
"""

from __future__ import annotations

import importlib.util
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent


def main(argv: list[str] | None = None) -> int:
    """Run the benchmarks; returns 1 if any of them raised."""
    wanted = sys.argv[1:] if argv is None else argv
    sys.path.insert(0, str(HERE.parent))
    failed = 0
    for path in sorted(HERE.glob("bench_*.py")):
        if wanted and not any(w in path.stem for w in wanted):
            continue
        print(f"== {path.stem} ==", flush=True)
        spec = importlib.util.spec_from_file_location(path.stem, path)
        assert spec and spec.loader
        module = importlib.util.module_from_spec(spec)
        start = time.perf_counter()
        try:
            spec.loader.exec_module(module)
            module.main()
        except Exception as exc:  # one broken benchmark must not hide the others
            failed += 1
            print(f"   FAILED: {type(exc).__name__}: {exc}")
        print(f"   ({time.perf_counter() - start:.1f} s)\n", flush=True)
    return 1 if failed else 0


if __name__ == "__main__":
    raise SystemExit(main())
