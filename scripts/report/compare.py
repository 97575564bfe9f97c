"""A pull request's report against its base branch's: coverage and test deltas, which failures are
new, and coverage of the lines the PR changed. Pure: two Reports and the PR's files in, a
Comparison out (rendered by scripts.report.render).
"""

from __future__ import annotations

from dataclasses import dataclass

from scripts.model import Ranges, Report, to_ranges
from scripts.parse.diffs import PrFile


@dataclass(frozen=True)
class VersionDelta:
    python: str
    coverage_base: float | None  # percent; None when that side has no figure
    coverage_head: float | None
    tests_base: int | None
    tests_head: int | None

    @property
    def coverage_change(self) -> float | None:
        if self.coverage_base is None or self.coverage_head is None:
            return None
        return round(self.coverage_head - self.coverage_base, 2)


@dataclass(frozen=True)
class ChangedFile:
    path: str
    executable: int  # changed lines that coverage measures
    covered: int
    uncovered: Ranges  # changed lines not run by any test leg


@dataclass(frozen=True)
class Comparison:
    base_sha: str
    base_note: str  # how the base was chosen ("the merge base", "the newest on main"); "" if none found
    versions: tuple[VersionDelta, ...] = ()
    new_failures: tuple[str, ...] = ()  # failing here, passing or absent on the base
    already_failing: tuple[str, ...] = ()
    changed: tuple[ChangedFile, ...] = ()  # files with changed lines coverage measures, worst first
    changed_executable: int = 0
    changed_covered: int = 0
    files_without_patch: tuple[str, ...] = ()  # binary or too large: their lines are unknown
    line_data_complete: bool = True  # False: some files' per-line data was left out by CI's bounds
    files_truncated: bool = False  # the API listed only the first 3,000 changed files

    @property
    def changed_percent(self) -> float | None:
        if not self.changed_executable:
            return None
        return round(100.0 * self.changed_covered / self.changed_executable, 2)


def _failed_names(report: Report) -> list[str]:
    return list(dict.fromkeys(t.name for run in report.tests for t in run.failed))


def _line_sets(report: Report) -> tuple[dict[str, set[int]], dict[str, set[int]]]:
    """Executable and covered lines per file, over every Python version: a line any leg ran is
    covered (version-specific code is run by its version)."""
    executable: dict[str, set[int]] = {}
    covered: dict[str, set[int]] = {}
    for cov in report.coverage:
        for file in cov.lines:
            run = {n for first, last in file.covered for n in range(first, last + 1)}
            missed = {n for first, last in file.missed for n in range(first, last + 1)}
            executable.setdefault(file.path, set()).update(run | missed)
            covered.setdefault(file.path, set()).update(run)
    return executable, covered


def changed_lines(head: Report, files: list[PrFile]) -> tuple[list[ChangedFile], list[str]]:
    executable, covered = _line_sets(head)
    changed: list[ChangedFile] = []
    without_patch: list[str] = []
    for pr_file in files:
        if not pr_file.has_patch:
            without_patch.append(pr_file.path)
            continue
        measured = executable.get(pr_file.path, set()).intersection(pr_file.added)
        if not measured:
            continue
        run = measured & covered.get(pr_file.path, set())
        changed.append(ChangedFile(pr_file.path, len(measured), len(run), to_ranges(measured - run)))
    changed.sort(key=lambda f: (f.covered / f.executable, -len(f.uncovered), f.path))
    return changed, without_patch


def compare(
    head: Report,
    base: Report | None,
    files: list[PrFile],
    base_sha: str = "",
    base_note: str = "",
    *,
    files_truncated: bool = False,
) -> Comparison:
    """The comparison; with no base report, only what the PR's own report and files give."""
    versions = []
    failing_here = _failed_names(head)
    failing_there = set(_failed_names(base)) if base else set()
    if base is not None:
        for python in head.python_versions:
            base_cov, head_cov = base.coverage_for(python), head.coverage_for(python)
            base_run, head_run = base.test_run(python), head.test_run(python)
            versions.append(
                VersionDelta(
                    python,
                    round(base_cov.percent, 2) if base_cov else None,
                    round(head_cov.percent, 2) if head_cov else None,
                    base_run.tests if base_run else None,
                    head_run.tests if head_run else None,
                )
            )
    changed, without_patch = changed_lines(head, files)
    return Comparison(
        base_sha=base_sha if base is not None else "",
        base_note=base_note if base is not None else "",
        versions=tuple(versions),
        # Without a base, nothing is known to be new: the report's own list says what fails.
        new_failures=tuple(n for n in failing_here if n not in failing_there) if base is not None else (),
        already_failing=tuple(n for n in failing_here if n in failing_there),
        changed=tuple(changed),
        changed_executable=sum(f.executable for f in changed),
        changed_covered=sum(f.covered for f in changed),
        files_without_patch=tuple(without_patch),
        line_data_complete=all(cov.lines_complete for cov in head.coverage),
        files_truncated=files_truncated,
    )
