"""Mutation score of the security-critical modules: how many deliberate one-line bugs the suite catches.

    python -m tests.benchmarks.mutation                 # fast suite (no engine, registry or e2e)
    python -m tests.benchmarks.mutation --suite full    # with the Docker and registry tests
    python -m tests.benchmarks.mutation --module sticky # one module

mutmut (pinned in requirements-dev.txt) writes each mutant (an operator flipped, a constant
changed, a call dropped, a string altered) into a copy of the project and runs the tests that
cover the mutated function. A mutant is caught when a test fails or times out, survives when all
pass. This prints the score per module, the total, and every survivor as a diff, so that each can
be judged: a missing test, or a change that cannot be observed (equivalent). A few kinds of
equivalent mutant are recognised by rule (`equivalent()`: a header name's case where requests'
headers ignore it, a codec name's case, check=None for check=False, ...; each rule has tests of
what it must not accept): the score is printed with them counted and without, and each is named. Like the other
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


# Mutants that cannot change what the program does, judged by rule rather than by hand so that
# the judgement is repeatable: each rule names the one-line change it accepts and why it is
# equivalent. A survivor that no rule accepts counts against the score and is printed in full.
HTTP_HEADERS = re.compile(r"headers(\.get\(|\[)\Z")


def _common_ends(old: str, new: str) -> tuple[int, int]:
    """How many characters the two lines share at their start and, after that, at their end."""
    start = 0
    while start < min(len(old), len(new)) and old[start] == new[start]:
        start += 1
    end = 0
    while end < min(len(old), len(new)) - start and old[-1 - end] == new[-1 - end]:
        end += 1
    return start, end


def _literal(line: str, start: int, end: int) -> tuple[int, int] | None:
    """The double-quoted literal around line[start:end] as (index of its opening quote, of its
    closing quote), or None when the stretch is not inside one literal."""
    opening = line.rfind('"', 0, start)
    closing = line.find('"', end)
    if opening < 0 or closing < 0 or '"' in line[opening + 1 : closing] or line.count('"', 0, opening) % 2:
        return None
    return opening, closing


def equivalent(old: str, new: str) -> str | None:
    """Why the mutation of line `old` into `new` cannot be observed, or None."""
    old, new = old.strip(), new.strip()
    start, end = _common_ends(old, new)
    around = _literal(old, start, len(old) - end)
    if around:
        opening, closing = around
        literal, mutated = old[opening + 1 : closing], new[opening + 1 : closing + len(new) - len(old)]
        if literal.lower() == mutated.lower() and HTTP_HEADERS.search(old[:opening]):
            return "header name case: requests' headers are a case-insensitive dict"
        if literal.lower() == mutated.lower() == "utf-8":
            return "codec name case: codec lookup ignores case"
    if "check=False" in old and new == old.replace("check=False", "check=None"):
        return "check=None for check=False: both falsy where check is only tested for truth"
    if '.decode("utf-8", ' in old and new == old.replace('.decode("utf-8", ', ".decode("):
        return "the codec argument dropped: bytes.decode defaults to UTF-8"
    for separator in re.findall(r'\.split\(("[^"]+"), 1\)\[0\]', old):
        first_piece = f".split({separator}, 1)[0]"
        if new in {old.replace(first_piece, f".split({separator}, {n})[0]") for n in ("2", "")}:
            return "maxsplit changed where only the first piece is used"
    return None


def judge(diff: str) -> str | None:
    """The rule that finds a one-line mutant (as `mutmut show` prints it) equivalent, if any."""
    removed = [line[1:] for line in diff.splitlines() if line.startswith("-") and not line.startswith("---")]
    added = [line[1:] for line in diff.splitlines() if line.startswith("+") and not line.startswith("+++")]
    if len(removed) == len(added) == 1:
        return equivalent(removed[0], added[0])
    return None


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
        diffs = {name: mutmut(work, "show", name).rstrip() for name in survivors}
        judged = {name: why for name, diff in diffs.items() if (why := judge(diff))}
        counted = total["counted"] - len(judged)
        score = 100.0 * total["caught"] / counted if counted else 100.0
        print(f"  {'without the':18} {score:5.1f} %  {total['caught']}/{counted}: {len(judged)} equivalent by rule")
        print(f"\nequivalent by rule ({len(judged)}):")
        for name, why in judged.items():
            print(f"  {name}: {why}")
        print(f"\nsurvivors ({len(survivors) - len(judged)}):")
        for name in survivors:
            if name not in judged:
                print(diffs[name] + "\n")
    finally:
        if keep:
            print(f"work folder: {work}", file=sys.stderr)
        else:
            shutil.rmtree(work, ignore_errors=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
