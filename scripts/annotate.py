"""Failing tests as annotations on the PR's diff: one `::error file=…,line=…::` per failing test.

    python -m scripts.annotate ARTIFACTS_DIR [--max 10]

Reads ARTIFACTS_DIR/reports-py*/junit.xml (the report job's layout). A test failing on several
Python versions is one annotation naming them. GitHub shows at most 10 error annotations per step:
the first 10 are annotations, and a notice says how many more the PR comment lists. Workflow
commands need no token, so this is safe for a fork's pull request; every field is escaped
(scripts.workflow_commands). Never fails the step over the tests: CI's test jobs do that.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from scripts.errors import ScriptError, one_line
from scripts.matrix import version_key
from scripts.model import FailedTest
from scripts.parse.junit import parse_junit
from scripts.report.collect import REPORTS_DIR
from scripts.workflow_commands import command

MAX_ANNOTATIONS = 10  # GitHub: 10 error annotations per step (and 50 per job) are shown


def failures(root: Path) -> tuple[dict[tuple[str, str, int], tuple[FailedTest, list[str]]], list[str]]:
    """Failing tests keyed by (name, file, line), with the versions they failed on, in the order
    found (versions sorted numerically); and one warning per unreadable JUnit file."""
    folders = sorted(
        (p for p in root.iterdir() if REPORTS_DIR.match(p.name) and p.is_dir()),
        key=lambda p: version_key(p.name.removeprefix("reports-py")),
    )
    found: dict[tuple[str, str, int], tuple[FailedTest, list[str]]] = {}
    warnings: list[str] = []
    for folder in folders:
        version = folder.name.removeprefix("reports-py")
        junit = folder / "junit.xml"
        if not junit.exists():
            continue
        try:
            run = parse_junit(junit, version)
        except ScriptError as exc:
            warnings.append(str(exc))
            continue
        for test in run.failed:
            entry = found.setdefault((test.name, test.file, test.line), (test, []))
            entry[1].append(version)
    return found, warnings


def annotations(root: Path, limit: int = MAX_ANNOTATIONS) -> list[str]:
    """The workflow-command lines to print."""
    found, warnings = failures(root)
    lines = [command("warning", f"annotate: {warning}") for warning in warnings]
    for (name, file, line), (test, versions) in list(found.items())[:limit]:
        where = {"file": file, "line": str(line)} if file and line else {"file": file} if file else {}
        title = f"{test.kind}: {name}"[:200]
        message = f"{test.message or test.kind} (Python {', '.join(versions)})"
        lines.append(command("error", message, **where, title=title))
    if len(found) > limit:
        lines.append(
            command(
                "notice",
                f"{len(found) - limit} more failing tests than GitHub shows as annotations: see the PR comment",
            )
        )
    return lines


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m scripts.annotate", description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("artifacts", type=Path, help="the folder the report job downloads the artifacts into")
    parser.add_argument("--max", type=int, default=MAX_ANNOTATIONS, help="error annotations at most (default 10)")
    args = parser.parse_args(argv)

    def run() -> int:
        if not args.artifacts.is_dir():
            raise ScriptError(f"{args.artifacts}: not a folder")
        for line in annotations(args.artifacts, max(0, args.max)):
            print(line)
        sys.stdout.flush()
        return 0

    return one_line("annotate", run)


if __name__ == "__main__":
    raise SystemExit(main())
