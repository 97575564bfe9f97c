"""Mutation score of the security-critical modules: how many deliberate one-line bugs the suite catches.

    python -m tests.benchmarks.mutation                 # fast suite (no engine, registry or e2e)
    python -m tests.benchmarks.mutation --suite full    # with the Docker and registry tests
    python -m tests.benchmarks.mutation --module sticky # one module

mutmut (pinned in requirements-dev.txt) writes each mutant (an operator flipped, a constant
changed, a call dropped, a string altered) into a copy of the project and runs the tests that
cover the mutated function. A mutant is caught when a test fails or times out, survives when all
pass. This prints the score per module, the total, and every survivor as a diff, so that each can
be judged: a missing test, or a change that cannot be observed (equivalent). Like the other
benchmarks it prints figures and asserts nothing; it is not part of .ci/run (minutes, not seconds).
"""

from __future__ import annotations

import argparse
import re
import shutil
import subprocess
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
# Paths under scripts/, without .py: the stage packages' modules and the top-level commands.
MODULES = (
    "report/markdown",
    "report/sticky",
    "github/github_api",
    "comment",
    "deploy/verify",
    "deploy/registry",
    "deploy/container",
    "deploy/cli",
    "parse/safexml",
    "untrusted",
    "http_body",  # the registry's capped body read, now shared with artifact downloads
    "github/unzip",  # a fork's artifact zips, unpacked on a laptop
)
MARKERS = {
    "fast": "not e2e and not docker and not registry and not static",
    "full": "not e2e and not static",
}
CAUGHT = {"killed", "timeout", "segfault", "suspicious"}


def copy_project(dest: Path) -> None:
    listed = subprocess.run(
        ["git", "-C", str(ROOT), "ls-files", "-co", "--exclude-standard", "-z"], capture_output=True, check=True
    ).stdout.split(b"\0")
    for name in filter(None, (entry.decode() for entry in listed)):
        source = ROOT / name
        if source.is_file() and not name.startswith(("reports/", "mutants/")):
            target = dest / name
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, target)


def configure(dest: Path, modules: list[str], suite: str) -> None:
    only = ", ".join(f'"scripts/{m}.py"' for m in modules)
    args = ", ".join(f'"{a}"' for a in ("-p", "no:cacheprovider", "--no-cov", "-q", "-x", "-m", MARKERS[suite]))
    with (dest / "pyproject.toml").open("a", encoding="utf-8") as out:
        out.write(
            "\n[tool.mutmut]\n"
            'source_paths = ["scripts"]\n'
            f"only_mutate = [{only}]\n"
            'also_copy = ["sample_app/", "Dockerfile", ".dockerignore", ".ci/", ".github/", ".pre-commit-config.yaml", "requirements-dev.in", "requirements-dev.txt", "requirements-test.in", "requirements-test.txt"]\n'
            f"pytest_add_cli_args = [{args}]\n"
            'pytest_add_cli_args_test_selection = ["tests/"]\n'
        )


def mutmut(dest: Path, *args: str, timeout: float = 7200) -> str:
    binary = Path(sys.executable).parent / "mutmut"
    done = subprocess.run([str(binary), *args], cwd=dest, capture_output=True, text=True, timeout=timeout, check=False)
    return done.stdout


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m tests.benchmarks.mutation",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--suite", choices=sorted(MARKERS), default="fast")
    parser.add_argument("--module", action="append", choices=MODULES, help="only these (default: all)")
    parser.add_argument("--keep", action="store_true", help="keep the work folder and print where")
    parser.add_argument(
        "--resume", type=Path, metavar="DIR", help="a kept work folder: finish its run (mutmut skips what it checked)"
    )
    args = parser.parse_args(argv)
    modules = args.module or list(MODULES)
    work = args.resume or Path(tempfile.mkdtemp(prefix="sample-app-mutation-"))
    keep = args.keep or args.resume is not None
    try:
        if args.resume is None:
            copy_project(work)
            configure(work, modules, args.suite)
        started = time.monotonic()
        mutmut(work, "run", "--max-children", "2")
        seconds = time.monotonic() - started
        results = {}
        for line in mutmut(work, "results", "--all", "true").splitlines():
            match = re.match(r"\s*(scripts\.([\w.]+)\.x\w*): (.+)$", line)
            if match:
                results[match.group(1)] = (match.group(2).replace(".", "/"), match.group(3).strip())
        print(f"mutation score, {args.suite} suite ({MARKERS[args.suite]}), {len(results)} mutants in {seconds:.0f} s")
        total = Counter()
        for module in modules:
            statuses = Counter(status for mod, status in results.values() if mod == module)
            caught = sum(n for status, n in statuses.items() if status in CAUGHT)
            counted = sum(n for status, n in statuses.items() if status != "skipped")
            total.update(caught=caught, counted=counted)
            score = 100.0 * caught / counted if counted else 100.0
            print(f"  {module:18} {score:5.1f} %  {caught}/{counted}  {dict(statuses)}")
        score = 100.0 * total["caught"] / total["counted"] if total["counted"] else 100.0
        print(f"  {'total':18} {score:5.1f} %  {total['caught']}/{total['counted']}")
        survivors = [name for name, (_, status) in sorted(results.items()) if status not in CAUGHT | {"skipped"}]
        print(f"\nsurvivors ({len(survivors)}):")
        for name in survivors:
            print(mutmut(work, "show", name).rstrip() + "\n")
    finally:
        if keep:
            print(f"work folder: {work}", file=sys.stderr)
        else:
            shutil.rmtree(work, ignore_errors=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
