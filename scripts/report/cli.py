"""Assemble the PR report from CI's artifacts: report.json, comment.md and summary.md.

    python -m scripts.report DIR --out OUT            # writes OUT/report.json, comment.md, summary.md
    python -m scripts.report DIR --dry-run            # prints the comment instead

DIR is laid out as CI's downloaded artifacts (reports-py3.X/, lint/, scan/, image/). Any input may
be missing or broken: the comment names each problem in one line and the rest still renders, and
the exit status stays 0 so that the pull request always gets its comment.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from collections.abc import Mapping
from dataclasses import replace
from pathlib import Path

from scripts.errors import InputError, ScriptError
from scripts.matrix import PYPROJECT, python_versions
from scripts.model import RUN_RECORD, SHA_RE, Report, RunContext, from_dict, run_context_from_dict, to_dict
from scripts.report.collect import collect
from scripts.report.render import Context, render_report, render_summary
from scripts.untrusted import load_json


def run_url(env: Mapping[str, str]) -> str:
    """This workflow run's page, from the variables that Actions sets."""
    server, repo, run = env.get("GITHUB_SERVER_URL", ""), env.get("GITHUB_REPOSITORY", ""), env.get("GITHUB_RUN_ID", "")
    return f"{server}/{repo}/actions/runs/{run}" if server and repo and run.isdigit() else ""


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m scripts.report", description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("dir", type=Path, help="folder of downloaded CI artifacts")
    out = parser.add_mutually_exclusive_group(required=True)
    out.add_argument("--out", type=Path, help="folder to write report.json, comment.md and summary.md to")
    out.add_argument("--dry-run", action="store_true", help="print the comment to stdout; write nothing")
    parser.add_argument("--head-sha", default="", help="commit the report is for (default: $REPORT_HEAD_SHA)")
    parser.add_argument("--threshold", type=float, default=90.0, help="coverage bar shown in the report (default 90)")
    parser.add_argument(
        "--pyproject", type=Path, default=PYPROJECT, help="where the supported Python versions are listed"
    )
    parser.add_argument("--step-summary", type=Path, help="also append summary.md to this file ($GITHUB_STEP_SUMMARY)")
    parser.add_argument(
        "--attestation", default="", help="outcome of the image job's attestation step; 'failure' is noted as skipped"
    )
    parser.add_argument(
        "--code-scanning", default="", help="outcome of the SARIF upload step; 'failure' is noted as skipped"
    )
    return parser


def run_record(folder: Path) -> RunContext | None:
    """DIR/.run.json as scripts.fetch writes it (the run's commit, link and artifacts from the
    API), or None in CI, where the folder is download-artifact's."""
    path = folder / RUN_RECORD
    if not path.is_file():
        return None
    return run_context_from_dict(load_json(path, 1024 * 1024), where=str(path))


def build(args: argparse.Namespace, env: Mapping[str, str]) -> Report:
    record = run_record(args.dir)
    head_sha = args.head_sha or env.get("REPORT_HEAD_SHA", "") or (record.head_sha if record else "")
    if head_sha and not SHA_RE.match(head_sha):
        raise ScriptError(f"--head-sha: {head_sha[:60]!r} is not a 40-character commit sha")
    if not 0 <= args.threshold <= 100:  # NaN fails both comparisons
        raise ScriptError(f"--threshold: {args.threshold} is not a percentage from 0 to 100")
    report = collect(
        args.dir,
        python_versions(args.pyproject),
        head_sha=head_sha,
        run_url=record.run_url if record else run_url(env),
        coverage_threshold=args.threshold,
    )
    if record:  # as CD's comment shows them: the links the API gives
        report = replace(report, artifacts=record.artifacts)
    # A repository without attestations (private, not Enterprise Cloud) or without code scanning
    # fails those steps; CI carries on, and the comment says what was skipped.
    outcomes = {"attestation": args.attestation, "code-scanning": args.code_scanning}
    return replace(report, skipped=tuple(step for step, outcome in outcomes.items() if outcome == "failure"))


def report_json(report: Report) -> str:
    """report.json, read back through CD's own validation first: CI never writes a report that
    the trusted side would refuse (the comment would then be lost)."""
    text = json.dumps(to_dict(report), ensure_ascii=False) + "\n"
    try:
        from_dict(json.loads(text))
    except InputError as exc:
        raise ScriptError(f"report.json would be refused by CD: {exc}") from None
    return text


def context(env: Mapping[str, str], record: RunContext | None = None) -> Context:
    if record and not env.get("GITHUB_REPOSITORY"):
        return Context(record.server_url, record.repository, record.pr)
    return Context(env.get("GITHUB_SERVER_URL", "").rstrip("/"), env.get("GITHUB_REPOSITORY", ""))


def write(report: Report, out: Path, where: Context = Context()) -> list[Path]:  # noqa: B008
    out.mkdir(parents=True, exist_ok=True)
    files = {
        out / "report.json": report_json(report),
        out / "comment.md": render_report(report, context=where) + "\n",
        out / "summary.md": render_summary(report, where) + "\n",
    }
    for path, text in files.items():
        path.write_text(text, encoding="utf-8")
    return list(files)


def main(argv: list[str] | None = None, env: Mapping[str, str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    env = os.environ if env is None else env
    try:
        report = build(args, env)
        where = context(env, run_record(args.dir))
        if args.dry_run:
            print(render_report(report, context=where))
        else:
            for path in write(report, args.out, where):
                print(f"report: wrote {path}", file=sys.stderr)
            if args.step_summary:
                with args.step_summary.open("a", encoding="utf-8") as summary:
                    summary.write((args.out / "summary.md").read_text(encoding="utf-8"))
    except ScriptError as exc:
        print(f"report: error: {exc}", file=sys.stderr)
        return exc.exit_code
    except OSError as exc:
        print(f"report: error: {exc.filename or ''}: {exc.strerror}", file=sys.stderr)
        return 1
    for problem in report.problems:
        print(f"report: warning: {problem.message}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
