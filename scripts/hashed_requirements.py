"""Check that every locked requirements file installs only what it pins, by hash.

    python -m scripts.hashed_requirements [FILE.txt ...]    # default: every *.txt beside a *.in

Each entry of a lock file must be NAME==VERSION (an optional marker after ;) followed by at least
one --hash=sha256:<64 hex>; no URL, path, editable install or option line that would let pip
fetch something else (--index-url, --extra-index-url, --find-links, --trusted-host); and every
package its .in names (through -r includes) must be locked in it. One line per problem,
FILE:LINE: what; exit 1 when there is any. Standard library only (a pre-commit hook and CI run it).
"""

from __future__ import annotations

import argparse
import re
import sys
from pathlib import Path

_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]*")
_PINNED = re.compile(r"(?P<name>[A-Za-z0-9][A-Za-z0-9._-]*)(?:\[[A-Za-z0-9,._ -]+\])?==[A-Za-z0-9.+!*_-]+(?:\s*;.*)?\Z")
_HASH = re.compile(r"--hash=sha256:[0-9a-f]{64}\Z")
_FORBIDDEN_OPTIONS = (
    "--index-url",
    "-i",
    "--extra-index-url",
    "--find-links",
    "-f",
    "--trusted-host",
    "-e",
    "--editable",
)
ROOT = Path(__file__).resolve().parents[1]


def canonical(name: str) -> str:
    """PEP 503: case, dots, dashes and underscores do not tell two packages apart."""
    return re.sub(r"[-_.]+", "-", name).lower()


def _entries(path: Path) -> list[tuple[int, str]]:
    """(first line number, the entry with its continuation lines joined), comments dropped."""
    entries: list[tuple[int, str]] = []
    pending, start = "", 0
    for number, raw in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        line = raw.split(" #", 1)[0].strip() if not raw.lstrip().startswith("#") else ""
        if not line and not pending:
            continue
        if not pending:
            start = number
        pending = f"{pending} {line.rstrip(chr(92)).strip()}".strip()
        if not line.endswith("\\"):
            entries.append((start, pending))
            pending = ""
    if pending:
        entries.append((start, pending))
    return entries


def check_lock(path: Path) -> tuple[list[str], set[str]]:
    """Problems in a lock file, and the canonical names it locks."""
    problems, locked = [], set()
    for number, entry in _entries(path):
        parts = entry.split(" --hash=")
        requirement = parts[0].strip()
        hashes = [f"--hash={h.strip()}" for h in parts[1:]]
        where = f"{path}:{number}"
        if requirement.split()[0].split("=")[0] in _FORBIDDEN_OPTIONS:
            problems.append(f"{where}: {requirement.split()[0]} lets pip install from elsewhere")
            continue
        match = _PINNED.match(requirement)
        if not match:
            problems.append(f"{where}: {requirement[:80]!r} is not NAME==VERSION")
            continue
        locked.add(canonical(match["name"]))
        if not hashes:
            problems.append(f"{where}: {match['name']} has no --hash")
        bad = [h for h in hashes if not _HASH.match(h)]
        if bad:
            problems.append(f"{where}: {match['name']}: {bad[0][:40]!r} is not --hash=sha256:<64 hex>")
    return problems, locked


def wanted(path: Path, seen: frozenset[Path] = frozenset()) -> set[str]:
    """The canonical names a .in asks for, its -r includes followed (relative to the file)."""
    names: set[str] = set()
    for _, entry in _entries(path):
        if entry.startswith(("-r ", "--requirement ")):
            included = (path.parent / entry.split(None, 1)[1]).resolve()
            if included not in seen:
                names |= wanted(included, seen | {path.resolve()})
            continue
        match = _NAME.match(entry)
        if match and not entry.startswith("-"):
            names.add(canonical(match.group()))
    return names


def check(path: Path) -> list[str]:
    if not path.is_file():
        return [f"{path}: no such file"]
    problems, locked = check_lock(path)
    source = path.with_suffix(".in")
    if source.is_file():
        missing = sorted(wanted(source) - locked)
        if missing:
            problems.append(
                f"{path}: {source.name} asks for {', '.join(missing)}, which it does not lock; regenerate it"
            )
    return problems


def default_files(root: Path = ROOT) -> list[Path]:
    return sorted(
        p.with_suffix(".txt") for p in root.rglob("*.in") if ".venv" not in str(p) and p.with_suffix(".txt").is_file()
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m scripts.hashed_requirements",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("files", nargs="*", type=Path, help="lock files (default: every *.txt beside a *.in)")
    args = parser.parse_args(argv)
    files = args.files or default_files()
    problems = [problem for path in files for problem in check(path)]
    for problem in problems:
        print(problem, file=sys.stderr)
    if not problems:
        print(f"hashed_requirements: {len(files)} lock files, every entry pinned and hashed")
    return 1 if problems else 0


if __name__ == "__main__":
    raise SystemExit(main())
