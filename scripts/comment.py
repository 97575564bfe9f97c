"""Write the one sticky PR comment: CI's section from the report, CD's from the deploy result.

    python -m scripts.comment --repo OWNER/NAME --pr N --head-sha SHA --body-file OUT/comment.md
    python -m scripts.comment --repo OWNER/NAME --head-owner O --head-branch B --head-sha SHA \\
        --report pr-report/report.json --run-id RUN [--pr N-from-the-artifact]
    python -m scripts.comment --repo OWNER/NAME --pr N --head-sha SHA --deploy deploy.json

The token comes from GITHUB_TOKEN and the API from GITHUB_API_URL (GitHub Enterprise works). The PR
is found through the API by its head (owner:branch at SHA); a number given with --pr is used only
when the API confirms that its head is SHA. --report renders the comment here from the data, so
markdown from an untrusted artifact never reaches the PR. --dry-run prints the body and the plan.
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Mapping
from dataclasses import replace
from pathlib import Path

from scripts.errors import InputError, ScriptError, VerificationError, one_line
from scripts.github import baseline, github_api
from scripts.model import SHA_RE, Artifact, Report, deploy_from_dict, from_dict
from scripts.report import sticky
from scripts.report.compare import Comparison
from scripts.report.markdown import ZWSP
from scripts.report.render import Context, render_deploy, render_report
from scripts.untrusted import check_size, load_json

MAX_BODY_FILE = 1024 * 1024


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m scripts.comment", description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--repo", required=True, help="OWNER/NAME of the base repository")
    parser.add_argument("--pr", type=int, help="PR number; trusted only when the API confirms --head-sha")
    parser.add_argument("--head-sha", default="", help="the commit CI ran on (workflow_run.head_sha)")
    parser.add_argument("--head-owner", help="owner of the PR's head repository (a fork's owner for fork PRs)")
    parser.add_argument("--head-branch", help="the PR's head branch")
    source = parser.add_mutually_exclusive_group(required=True)
    source.add_argument("--body-file", type=Path, help="markdown to put in the section (e.g. OUT/comment.md)")
    source.add_argument("--report", type=Path, help="report.json to render here (the safe way for fork PRs)")
    source.add_argument("--deploy", type=Path, help="deploy.json from scripts.deploy (fills the cd section)")
    parser.add_argument(
        "--deploy-source",
        choices=("cd", "fork-ci"),
        default="cd",
        help="with --deploy: who ran it; fork-ci (a fork's own CI run) is marked in the comment as its word",
    )
    parser.add_argument(
        "--section", choices=sticky.SECTIONS, help="section to write (default: cd for --deploy, else ci)"
    )
    parser.add_argument("--run-id", type=int, help="CI run whose artifacts to link (with --report)")
    parser.add_argument(
        "--compare",
        action="store_true",
        help="with --report: compare with the base branch's newest successful CI run (coverage, tests, changed lines)",
    )
    parser.add_argument(
        "--diff-cover-fail-under",
        type=float,
        metavar="PERCENT",
        help="with --compare: exit 1 (after commenting) when coverage of the changed lines is below PERCENT",
    )
    parser.add_argument("--author", help="login the token comments as (default: asked of the API)")
    parser.add_argument("--dry-run", action="store_true", help="print the body and what would be done; write nothing")
    return parser


def head_report(args: argparse.Namespace) -> Report:
    return from_dict(load_json(args.report, 16 * 1024 * 1024), where=str(args.report))


def section_body(
    args: argparse.Namespace,
    artifacts: tuple[Artifact, ...],
    server_url: str,
    pr: int = 0,
    comparison: Comparison | None = None,
) -> str:
    """The markdown for our section, from whichever source was given. What the artifact says is
    data only: the commit, the run's links and who ran the deploy come from trusted context."""
    if args.deploy:
        deploy = deploy_from_dict(load_json(args.deploy, 256 * 1024), where=str(args.deploy))
        return render_deploy(replace(deploy, source=args.deploy_source))
    if args.report:
        report = head_report(args)
        run_url = f"{server_url}/{args.repo}/actions/runs/{args.run_id}" if args.run_id is not None else ""
        report = replace(report, head_sha=args.head_sha, run_url=run_url, artifacts=artifacts)
        return render_report(report, context=Context(server_url, args.repo, pr, comparison))
    check_size(args.body_file, MAX_BODY_FILE)
    try:
        text = args.body_file.read_text(encoding="utf-8")
    except UnicodeDecodeError:
        raise InputError(f"{args.body_file}: not UTF-8 text") from None
    # A body file cannot carry our markers: it could otherwise fake or swallow the other section.
    return text.replace("<!--", "<" + ZWSP + "!--")


def resolve_pr(args: argparse.Namespace, repo: object) -> tuple[object, list[str]]:
    """The PR to write to, and warnings about numbers that were not trusted."""
    warnings: list[str] = []
    if args.head_owner or args.head_branch:
        if not (args.head_owner and args.head_branch and args.head_sha):
            raise ScriptError("--head-owner, --head-branch and --head-sha go together")
        pr = github_api.find_pull_request(repo, args.head_owner, args.head_branch, args.head_sha)
        if args.pr is not None and args.pr != pr.number:
            warnings.append(f"ignored PR number {args.pr} (the API says the head commit belongs to #{pr.number})")
        return pr, warnings
    if args.pr is None:
        raise ScriptError("give --pr, or --head-owner with --head-branch, to name the pull request")
    if not args.head_sha:
        raise ScriptError("--head-sha is required: a PR number is trusted only when its head commit matches")
    return github_api.confirm_pull_request(repo, args.pr, args.head_sha), warnings


def run(args: argparse.Namespace, env: Mapping[str, str]) -> int:
    section = args.section or ("cd" if args.deploy else "ci")
    github_api.check_repo(args.repo)
    if args.run_id is not None and not args.report:
        raise ScriptError("--run-id goes with --report")
    if args.deploy_source != "cd" and not args.deploy:
        raise ScriptError("--deploy-source goes with --deploy")
    if args.compare and not args.report:
        raise ScriptError("--compare goes with --report")
    if args.diff_cover_fail_under is not None and not (args.compare and 0 <= args.diff_cover_fail_under <= 100):
        raise ScriptError("--diff-cover-fail-under takes a percentage from 0 to 100, with --compare")
    if args.head_sha and not SHA_RE.match(args.head_sha):
        raise VerificationError(f"--head-sha {args.head_sha[:60]!r} is not a 40-character commit sha")
    if args.dry_run and not env.get("GITHUB_TOKEN"):
        server = env.get("GITHUB_SERVER_URL", "https://github.com").rstrip("/")
        print(sticky.compose(None, section, section_body(args, (), server)))
        print(f"comment: dry run, no GITHUB_TOKEN: would write the {section} section on {args.repo}", file=sys.stderr)
        return 0
    settings = github_api.Settings.from_env(env)
    gh = github_api.connect(settings)
    repo = github_api.repository(gh, args.repo)
    pr, warnings = resolve_pr(args, repo)
    for warning in warnings:
        print(f"comment: warning: {warning}", file=sys.stderr)
    artifacts = ()
    if args.run_id is not None:
        artifacts = github_api.list_artifacts(repo, args.repo, args.run_id, settings.server_url)
    comparison = None
    if args.compare:
        # The comparison adds to the comment; the API failing for it must not cost the comment.
        try:
            comparison, notes = baseline.comparison_for(settings, repo, args.repo, pr, args.head_sha, head_report(args))
        except ScriptError as exc:
            comparison, notes = None, [f"no comparison with the base branch: {exc}"]
        for note in notes:
            print(f"comment: warning: {note}", file=sys.stderr)
    content = section_body(args, artifacts, settings.server_url, pr.number, comparison)
    author = args.author or github_api.own_login(gh)
    bodies: list[str] = []

    def make_body(existing: str | None) -> str:
        bodies.append(sticky.compose(existing, section, content))
        return bodies[-1]

    outcome = github_api.upsert(pr, author, make_body, dry_run=args.dry_run)
    if args.dry_run:
        print(bodies[-1])
    print(f"comment: {outcome.action} the {section} section on #{pr.number} {outcome.url}".rstrip(), file=sys.stderr)
    gate = args.diff_cover_fail_under
    changed = comparison.changed_percent if comparison is not None else None
    if gate is not None and changed is not None and changed < gate:
        raise ScriptError(f"coverage of the changed lines is {changed:.1f} %, under --diff-cover-fail-under {gate:g}")
    return 0


def main(argv: list[str] | None = None, env: Mapping[str, str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    return one_line("comment", lambda: run(args, os.environ if env is None else env))


if __name__ == "__main__":
    raise SystemExit(main())
