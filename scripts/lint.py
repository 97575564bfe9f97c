"""Lint, reported but never blocking: ruff's findings as annotations and as lint/ruff.json.

    python -m scripts.lint --out lint/ruff.json [PATH ...]

Prints ruff's GitHub-annotation lines (the runner turns them into annotations on the diff) and
writes the JSON that the PR report reads. Exits 0 whatever ruff finds; non-zero only when ruff
itself cannot run.
"""

from __future__ import annotations

import argparse
import shutil
import subprocess
import sys
from pathlib import Path


def ruff() -> str:
    """ruff from this interpreter's environment first, then PATH."""
    beside = Path(sys.executable).parent / "ruff"
    found = str(beside) if beside.exists() else shutil.which("ruff")
    if not found:
        raise SystemExit("lint: error: ruff is not installed (install requirements-dev.txt)")
    return found


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m scripts.lint", description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--out", type=Path, required=True, help="where to write ruff's JSON output")
    parser.add_argument("paths", nargs="*", default=["."], help="what to lint (default: .)")
    args = parser.parse_args(argv)
    binary = ruff()
    args.out.parent.mkdir(parents=True, exist_ok=True)
    for fmt, target in (("json", args.out), ("github", None)):
        done = subprocess.run(
            [binary, "check", "--exit-zero", "--output-format", fmt, *args.paths],
            capture_output=True,
            text=True,
            check=False,
        )
        if done.returncode != 0:
            print(f"lint: error: ruff failed: {done.stderr.strip()[:300]}", file=sys.stderr)
            return 1
        if target is None:
            sys.stdout.write(done.stdout)
        else:
            target.write_text(done.stdout, encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
