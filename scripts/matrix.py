"""The Python versions we support, from pyproject.toml's trove classifiers: the one list that CI's
test matrix and the PR report both read.

    python -m scripts.matrix            # ["3.10", "3.11", "3.12"] (JSON, for a workflow matrix)
    python -m scripts.matrix --github-output "$GITHUB_OUTPUT"    # also the step outputs `python`, `matrix`
    python -m scripts.matrix --plain    # 3.10 3.11 3.12 (for .ci/run)

The `matrix` output is CI's test matrix: every version runs the fast tests, and the newest also
runs the image, registry and workflow checks (suite "full"), so that those run once, not once per
version, and only that leg installs the tools they need.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - exercised only on 3.10, where tomli (a pytest dependency) stands in
    import tomli as tomllib

from scripts.errors import InputError

PYPROJECT = Path(__file__).resolve().parent.parent / "pyproject.toml"
_PREFIX = "Programming Language :: Python :: 3."


def version_key(version: str) -> tuple[int, ...]:
    """'3.10' sorts after '3.9'; anything unparsable sorts last."""
    try:
        return tuple(int(part) for part in version.split("."))
    except ValueError:
        return (999,)


def python_versions(pyproject: Path = PYPROJECT) -> tuple[str, ...]:
    """Supported versions, oldest first. InputError when the file has none."""
    try:
        data = tomllib.loads(pyproject.read_text(encoding="utf-8"))
    except (OSError, tomllib.TOMLDecodeError) as exc:
        raise InputError(f"{pyproject}: cannot read ({exc})") from None
    classifiers = data.get("project", {}).get("classifiers", [])
    versions = sorted(
        {c.rsplit(" ", 1)[1] for c in classifiers if isinstance(c, str) and c.startswith(_PREFIX)},
        key=version_key,
    )
    if not versions:
        raise InputError(f"{pyproject}: no 'Programming Language :: Python :: 3.X' classifiers")
    return tuple(versions)


def test_matrix(versions: tuple[str, ...]) -> dict[str, object]:
    """The strategy.matrix for CI's test job: the newest version runs the full suite."""
    return {"python": list(versions), "include": [{"python": versions[-1], "suite": "full"}]}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m scripts.matrix", description=__doc__.split("\n\n")[0])
    parser.add_argument("--pyproject", type=Path, default=PYPROJECT, help="default: the repository's")
    parser.add_argument("--github-output", type=Path, help="append python=<JSON list> to this file ($GITHUB_OUTPUT)")
    parser.add_argument("--plain", action="store_true", help="print the versions space-separated (for shell)")
    args = parser.parse_args(argv)
    try:
        found = python_versions(args.pyproject)
        versions = json.dumps(list(found))
        print(" ".join(found) if args.plain else versions)
        if args.github_output:
            with args.github_output.open("a", encoding="utf-8") as out:
                out.write(f"python={versions}\nmatrix={json.dumps(test_matrix(found))}\n")
    except InputError as exc:
        print(f"matrix: error: {exc}", file=sys.stderr)
        return exc.exit_code
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
