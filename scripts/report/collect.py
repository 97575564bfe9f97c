"""A folder laid out as CI's downloaded artifacts -> Report. Reads files; knows no markdown, no HTTP.

    reports-py3.X/junit.xml, reports-py3.X/coverage.xml   (one folder per Python version)
    lint/ruff.json        scan/trivy.sarif (or scan/trivy.json)        image/image.json

Every input may be missing or broken: each failure becomes a Problem (one line naming the file and
what is wrong) and the rest of the report is still built.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path
from typing import TypeVar

from scripts.errors import InputError
from scripts.matrix import version_key
from scripts.model import (
    MAX_PROBLEMS,
    MAX_RANGES,
    MAX_TEXT,
    MAX_VERSIONS,
    Coverage,
    Image,
    Lint,
    Problem,
    Report,
    Scan,
    TestRun,
    image_from_dict,
)
from scripts.parse.cobertura import parse_cobertura
from scripts.parse.junit import parse_junit
from scripts.parse.ruff_json import parse_ruff
from scripts.parse.trivy import parse_trivy
from scripts.untrusted import load_json

T = TypeVar("T")
REPORTS_DIR = re.compile(r"reports-py(3\.\d{1,2})\Z")
MAX_IMAGE_JSON = 64 * 1024


def _relative(message: str, root: Path) -> str:
    """Problems name files relative to the artifact folder: shorter, and no runner paths leak."""
    return message.replace(f"{root}/", "")[:MAX_TEXT]


def _bounded(problems: list[Problem]) -> tuple[Problem, ...]:
    """At most MAX_PROBLEMS, the last one saying how many more there were: CD refuses more."""
    if len(problems) <= MAX_PROBLEMS:
        return tuple(problems)
    rest = len(problems) - MAX_PROBLEMS + 1
    return (*problems[: MAX_PROBLEMS - 1], Problem("inputs", f"… and {rest} more problems (see the job log)"))


def _read(parse: Callable[[], T], section: str, root: Path, problems: list[Problem]) -> T | None:
    try:
        return parse()
    except InputError as exc:
        problems.append(Problem(section, _relative(str(exc), root)))
    except Exception as exc:  # noqa: BLE001  (a reader's bug on one file must not cost the PR its comment)
        problems.append(Problem(section, _relative(f"could not read this input ({type(exc).__name__}: {exc})", root)))
    return None


def read_image(path: Path) -> Image:
    """image/image.json, checked field by field (name, digest, head sha, tags)."""
    return image_from_dict(load_json(path, MAX_IMAGE_JSON), where=str(path))


def _within_line_budget(coverage: list[Coverage]) -> list[Coverage]:
    """CD takes MAX_RANGES line ranges over all versions: the newest versions keep theirs (the
    comparison counts a line run by any version), older ones beyond the budget are marked
    incomplete. Clamped here so that CI never writes a report CD would refuse."""
    budget = MAX_RANGES
    kept: list[Coverage] = []
    for cov in reversed(coverage):
        ranges = sum(len(f.covered) + len(f.missed) for f in cov.lines)
        if ranges <= budget:
            budget -= ranges
            kept.append(cov)
        else:
            kept.append(replace(cov, lines=(), lines_complete=False))
    return kept[::-1]


def collect(
    root: Path,
    python_versions: tuple[str, ...],
    *,
    head_sha: str = "",
    run_url: str = "",
    coverage_threshold: float = 90.0,
) -> Report:
    """Everything found under root, with a Problem for each expected input that is missing or broken."""
    problems: list[Problem] = []
    if not root.is_dir():
        problems.append(Problem("inputs", f"{root}: artifact folder not found"))
    found = {
        m.group(1) for p in (root.iterdir() if root.is_dir() else ()) if (m := REPORTS_DIR.match(p.name)) and p.is_dir()
    }
    versions = sorted(set(python_versions) | found, key=version_key)
    if len(versions) > MAX_VERSIONS:
        # The supported versions first; folders for versions nobody asked for are the extras.
        extra = sorted(found - set(python_versions), key=version_key)
        keep = set(python_versions) | set(extra[: max(MAX_VERSIONS - len(python_versions), 0)])
        versions = sorted(keep, key=version_key)[:MAX_VERSIONS]
        problems.append(
            Problem("tests", f"reports for more than {MAX_VERSIONS} Python versions; only {MAX_VERSIONS} are read")
        )
    tests: list[TestRun] = []
    coverage: list[Coverage] = []
    for version in versions:
        folder = root / f"reports-py{version}"
        if not folder.is_dir():
            problems.append(
                Problem("tests", f"Python {version}: reports-py{version}/ is missing (no reports uploaded)")
            )
            continue
        run = _read(lambda f=folder, v=version: parse_junit(f / "junit.xml", v), "tests", root, problems)
        if run is not None:
            tests.append(run)
        cov = _read(lambda f=folder, v=version: parse_cobertura(f / "coverage.xml", v), "coverage", root, problems)
        if cov is not None:
            coverage.append(cov)

    coverage = _within_line_budget(coverage)
    lint: Lint | None = _read(lambda: parse_ruff(root / "lint" / "ruff.json"), "lint", root, problems)
    scan_file = next((p for p in (root / "scan" / "trivy.sarif", root / "scan" / "trivy.json") if p.exists()), None)
    scan: Scan | None = None
    if scan_file is None:
        problems.append(Problem("scan", "scan/trivy.sarif: file not found (no image scan uploaded)"))
    else:
        scan = _read(lambda: parse_trivy(scan_file), "scan", root, problems)
    image: Image | None = _read(lambda: read_image(root / "image" / "image.json"), "image", root, problems)
    return Report(
        python_versions=tuple(versions),
        tests=tuple(tests),
        coverage=tuple(coverage),
        lint=lint,
        scan=scan,
        image=image,
        problems=_bounded(problems),
        head_sha=head_sha,
        run_url=run_url,
        coverage_threshold=coverage_threshold,
    )
