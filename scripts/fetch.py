"""Download a CI run's artifacts and lay them out as scripts.report reads them.

    python -m scripts.fetch --repo OWNER/NAME --run-id N --out DIR
    python -m scripts.fetch --repo OWNER/NAME --pr N --out DIR      # the newest CI run of its head
    python -m scripts.report DIR --dry-run                          # then: the comment CI would post

Lists the run's artifacts through the API (every page), downloads each zip with the token
(streamed, byte-capped, checked against the digest GitHub lists), and unpacks it safely into DIR:
the artifacts CI's report job downloads (REPORT_ARTIFACTS, the same pattern ci.yml gives
download-artifact), merged as its merge-multiple does, so DIR is the folder the report job reads.
DIR/.run.json records what CD's comment takes from the API (the run's commit, its link, its
artifacts' links), and scripts.report uses it, so the dry run shows the comment as posted.
Artifacts of a fork's run are the fork's files: see scripts/github/unzip.py for what is refused.

The token comes from GITHUB_TOKEN (a fine-grained token with Actions: read is enough), the API from
GITHUB_API_URL (GitHub Enterprise works). --dry-run lists what would be fetched.
"""

from __future__ import annotations

import argparse
import fnmatch
import json
import os
import tempfile
from collections.abc import Mapping
from dataclasses import asdict
from pathlib import Path

from scripts.errors import ScriptError, one_line
from scripts.github import github_api, unzip
from scripts.model import RUN_RECORD, RunContext

# What CI's report job downloads (ci.yml: `pattern: "{reports-py*,lint,scan,image}"`); a test
# holds the two together.
REPORT_ARTIFACTS = ("reports-py*", "lint", "scan", "image")
MAX_ZIP_BYTES = 512 * 1024 * 1024


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m scripts.fetch", description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--repo", required=True, help="OWNER/NAME of the repository the run belongs to")
    which = parser.add_mutually_exclusive_group(required=True)
    which.add_argument("--run-id", type=int, help="the workflow run (the number in .../actions/runs/N)")
    which.add_argument("--pr", type=int, help="a pull request: its head commit's newest CI run")
    parser.add_argument("--out", type=Path, required=True, help="folder to create (must not exist, or be empty)")
    parser.add_argument(
        "--name",
        action="append",
        metavar="PATTERN",
        help=f"artifacts to fetch, shell-style (repeatable; default: {', '.join(REPORT_ARTIFACTS)})",
    )
    parser.add_argument("--dry-run", action="store_true", help="list what would be fetched; download nothing")
    return parser


def chosen(artifacts: tuple[github_api.RunArtifact, ...], patterns: tuple[str, ...]) -> list[github_api.RunArtifact]:
    """The artifacts whose names match a pattern (case-sensitive, as download-artifact matches)."""
    return [a for a in artifacts if any(fnmatch.fnmatchcase(a.name, p) for p in patterns)]


def _prepare(out: Path) -> None:
    if out.exists() and (not out.is_dir() or any(out.iterdir())):
        raise ScriptError(f"--out {out}: exists and is not an empty folder (nothing is overwritten)")
    out.mkdir(parents=True, exist_ok=True)


def run(args: argparse.Namespace, env: Mapping[str, str]) -> int:
    settings = github_api.Settings.from_env(env)
    full_name = github_api.check_repo(args.repo)
    repo = github_api.repository(github_api.connect(settings), full_name)
    run_id = args.run_id if args.run_id is not None else github_api.newest_pr_run(repo, args.pr)
    patterns = tuple(args.name or REPORT_ARTIFACTS)
    wanted = chosen(github_api.run_artifacts(repo, run_id), patterns)
    if not wanted:
        raise ScriptError(f"run {run_id}: no artifact matches {', '.join(patterns)}")
    expired = [a.name for a in wanted if a.expired]
    if expired:
        raise ScriptError(f"run {run_id}: expired (past the retention period): {', '.join(expired)[:300]}")
    if args.dry_run:
        for artifact in wanted:
            print(f"would fetch {artifact.name} ({artifact.size:,} bytes) from run {run_id}")
        return 0
    _prepare(args.out)
    with tempfile.TemporaryDirectory(prefix=".fetch-", dir=args.out.parent) as work:
        for artifact in wanted:
            label = f"artifact {artifact.name[:100]!r}"
            zipped = Path(work) / f"{artifact.id}.zip"
            github_api.download_artifact(settings, full_name, artifact, zipped, max_bytes=MAX_ZIP_BYTES)
            staged = Path(work) / str(artifact.id)
            files = unzip.extract(zipped, staged, label)
            unzip.merge(staged, args.out, label)
            zipped.unlink()
            print(f"fetched {artifact.name}: {len(files)} file(s) into {args.out}")
    # The links CD's comment gets from the API, by the same call, for scripts.report to use.
    record = RunContext(
        repository=full_name,
        server_url=settings.server_url,
        run_id=run_id,
        head_sha=github_api.run_head_sha(repo, run_id),
        artifacts=github_api.list_artifacts(repo, full_name, run_id, settings.server_url),
        pr=args.pr or 0,
    )
    (args.out / RUN_RECORD).write_text(json.dumps(asdict(record), indent=1) + "\n", encoding="utf-8")
    print(f"run {run_id}: {len(wanted)} artifact(s) in {args.out}; next: python -m scripts.report {args.out} --dry-run")
    return 0


def main(argv: list[str] | None = None, env: Mapping[str, str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    return one_line("fetch", lambda: run(args, os.environ if env is None else env))


if __name__ == "__main__":
    raise SystemExit(main())
