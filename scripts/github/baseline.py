"""The base branch's report for a PR, fetched through the API on CD's trusted side, and the
comparison with the PR's own (scripts.report.compare). No markdown here; rendering is scripts.report.render's.

Nothing is stored anywhere but in CI's own artifacts: the base is the `pr-report` artifact of the
newest successful CI run of the PR's merge base on the base branch (else of the base branch), so
artifact retention bounds how far back it can look, and the comment says when none is found.
"""

from __future__ import annotations

import tempfile
from pathlib import Path

from github.PullRequest import PullRequest
from github.Repository import Repository

from scripts.errors import ScriptError
from scripts.github import github_api, unzip
from scripts.model import Report, from_dict
from scripts.parse.diffs import pr_file
from scripts.report.compare import Comparison, compare
from scripts.untrusted import load_json

REPORT_ARTIFACT = "pr-report"
REPORT_PATH = Path("pr-report") / "report.json"  # inside the artifact (ci.yml's report job uploads reports/)
MAX_REPORT_ZIP = 64 * 1024 * 1024


def unpacked_artifact(
    settings: github_api.Settings, repo: Repository, full_name: str, run_id: int, name: str, work: Path, max_bytes: int
) -> Path | None:
    """Run `run_id`'s artifact `name`, downloaded (digest-checked) and unzipped safely into
    work/name; None when the run has none left (expired, or never made)."""
    artifact = next((a for a in github_api.run_artifacts(repo, run_id) if a.name == name and not a.expired), None)
    if artifact is None:
        return None
    zipped = work / f"{name}.zip"
    github_api.download_artifact(settings, full_name, artifact, zipped, max_bytes=max_bytes)
    unzip.extract(zipped, work / name, f"run {run_id}'s {name}")
    return work / name


def base_report(
    settings: github_api.Settings, repo: Repository, full_name: str, run_id: int, work: Path
) -> Report | None:
    """The pr-report of a base run, read and validated as CD reads any report.json; None when the
    run has none left (expired, or never made)."""
    where = unpacked_artifact(settings, repo, full_name, run_id, REPORT_ARTIFACT, work, MAX_REPORT_ZIP)
    path = where / REPORT_PATH if where else None
    if path is None or not path.is_file():
        return None
    return from_dict(load_json(path, 16 * 1024 * 1024), where=f"run {run_id}'s {REPORT_ARTIFACT}: report.json")


def comparison_for(
    settings: github_api.Settings, repo: Repository, full_name: str, pr: PullRequest, head_sha: str, head: Report
) -> tuple[Comparison, list[str]]:
    """The PR's report against its base's, and warnings (a base that could not be read is one:
    the comparison then goes on without it, as when none is found)."""
    warnings: list[str] = []
    found = github_api.base_run(repo, pr.base.ref, head_sha)
    base: Report | None = None
    if found is not None:
        with tempfile.TemporaryDirectory(prefix="baseline-") as work:
            try:
                base = base_report(settings, repo, full_name, found.run_id, Path(work))
            except ScriptError as exc:
                warnings.append(f"the base's report could not be used: {exc}")
    entries, truncated = github_api.pr_files(pr)
    if truncated:
        warnings.append("the PR changes more than 3,000 files; GitHub lists only those")
    files = [f for path, status, patch in entries if (f := pr_file(path, status, patch)) is not None]
    comparison = compare(
        head, base, files, found.sha if found else "", found.note if found else "", files_truncated=truncated
    )
    return comparison, warnings
