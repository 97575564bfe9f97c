"""Every CLI's --help says what each option is for: the phrases are written out here, since --help
is how a user on a laptop finds the commands (README: 'every script answers --help')."""

from __future__ import annotations

import pytest

from scripts import annotate, cleanup, comment, fetch, hashed_requirements, promote, sarif
from scripts.deploy import cli as deploy

HELP = {
    comment: [
        "usage: python -m scripts.comment",
        "--repo REPO OWNER/NAME of the base repository",
        "--pr PR PR number; trusted only when the API confirms --head-sha",
        "--head-sha HEAD_SHA the commit CI ran on (workflow_run.head_sha)",
        "--head-owner HEAD_OWNER owner of the PR's head repository (a fork's owner for fork PRs)",
        "--head-branch HEAD_BRANCH the PR's head branch",
        "--body-file BODY_FILE markdown to put in the section (e.g. OUT/comment.md)",
        "--report REPORT report.json to render here (the safe way for fork PRs)",
        "--deploy DEPLOY deploy.json from scripts.deploy (fills the cd section)",
        "--deploy-source {cd,fork-ci} with --deploy: who ran it; fork-ci (a fork's own CI run) is marked in the comment as its word",
        "--section {ci,cd} section to write (default: cd for --deploy, else ci)",
        "--run-id RUN_ID CI run whose artifacts to link (with --report)",
        "--author AUTHOR login the token comments as (default: asked of the API)",
        "--compare with --report: compare with the base branch's newest successful CI run (coverage, tests, changed lines)",
        "--diff-cover-fail-under PERCENT with --compare: exit 1 (after commenting) when coverage of the changed lines is below PERCENT",
        "--dry-run print the body and what would be done; write nothing",
        "Write the one sticky PR comment",
    ],
    deploy: [
        "usage: python -m scripts.deploy",
        "--image-json IMAGE_JSON image/image.json from CI's image job",
        "--head-sha HEAD_SHA workflow_run.head_sha: the commit CI ran on",
        "--ref REF tag to resolve (default: NAME:sha-HEAD_SHA from image.json)",
        "--image-name IMAGE_NAME REGISTRY/OWNER/NAME the image must have (from trusted context; image.json's name must match)",
        "--archive ARCHIVE docker save archive to load instead of pulling (fork PRs)",
        "--out OUT where to write deploy.json",
        "--timeout TIMEOUT seconds before the container is killed (default 60)",
        "--expect EXPECT stdout expected of the smoke command (default 5)",
        "--dry-run resolve and verify only; pull and run nothing",
        "args arguments for the service (default: 2 3)",
        "Smoke deploy: pin the image CI built to its digest",
    ],
    fetch: [
        "usage: python -m scripts.fetch",
        "--repo REPO OWNER/NAME of the repository the run belongs to",
        "--run-id RUN_ID the workflow run (the number in .../actions/runs/N)",
        "--pr PR a pull request: its head commit's newest CI run",
        "--out OUT folder to create (must not exist, or be empty)",
        "--name PATTERN artifacts to fetch, shell-style (repeatable; default: reports-py*, lint, scan, image)",
        "--dry-run list what would be fetched; download nothing",
        "Download a CI run's artifacts and lay them out as scripts.report reads them",
    ],
    annotate: [
        "usage: python -m scripts.annotate",
        "artifacts the folder the report job downloads the artifacts into",
        "--max MAX error annotations at most (default 10)",
        "Failing tests as annotations on the PR's diff",
    ],
    sarif: [
        "usage: python -m scripts.sarif",
        "report Trivy's JSON (or SARIF) report of the image",
        "--out OUT where to write the SARIF for upload-sarif",
        "--dockerfile DOCKERFILE default: Dockerfile",
        "--requirements REQUIREMENTS a requirements file the image installs (repeat)",
        "--root ROOT the repository root (default: .)",
        "--severity SEVERITY comma-separated severities to upload (default: all)",
        "Trivy's image findings as code-scanning alerts on this repository's own lines",
    ],
    cleanup: [
        "usage: python -m scripts.cleanup",
        "--repo REPO OWNER/NAME (github.repository)",
        "--image-name IMAGE_NAME REGISTRY/OWNER/NAME of the package",
        "--pr PR the closed pull request (pull_request: closed)",
        "--closed-within-days CLOSED_WITHIN_DAYS every PR closed in the last N days (the weekly sweep)",
        "--dry-run list what would be deleted; delete nothing",
        "Remove the images a closed pull request left in GHCR",
    ],
    hashed_requirements: [
        "usage: python -m scripts.hashed_requirements",
        "files lock files (default: every *.txt beside a *.in)",
        "Check that every locked requirements file installs only what it pins, by hash.",
    ],
    promote: [
        "usage: python -m scripts.promote",
        "verify find and verify the image",
        "publish tag it and publish the release",
        "Promote a release by digest: the image CI built for the tagged commit gets the version's tags.",
    ],
}


@pytest.mark.parametrize("module", list(HELP), ids=lambda m: m.__name__)
def test_help__names_every_option_and_what_it_is_for(module, capsys, monkeypatch):
    monkeypatch.setenv("COLUMNS", "200")
    with pytest.raises(SystemExit, match=r"^0$"):
        module.main(["--help"])
    shown = " ".join(capsys.readouterr().out.split())
    missing = [phrase for phrase in HELP[module] if phrase not in shown]
    assert missing == []


@pytest.mark.parametrize(
    ("module", "example"),
    [
        (
            comment,
            "\n    python -m scripts.comment --repo OWNER/NAME --pr N --head-sha SHA --body-file OUT/comment.md\n",
        ),
        (deploy, "\n    python -m scripts.deploy --image-json image/image.json --head-sha SHA --out deploy.json\n"),
        (fetch, "\n    python -m scripts.fetch --repo OWNER/NAME --run-id N --out DIR\n"),
        (sarif, "\n    python -m scripts.sarif reports/scan/trivy.json --out trivy.sarif [--dockerfile Dockerfile]\n"),
    ],
    ids=lambda m: getattr(m, "__name__", "example"),
)
def test_help__examples_shown_as_written_not_rewrapped(module, example, capsys, monkeypatch):
    """The description's command lines must stay copyable: one line each, indented as written."""
    monkeypatch.setenv("COLUMNS", "80")
    with pytest.raises(SystemExit, match=r"^0$"):
        module.main(["--help"])
    assert example in capsys.readouterr().out


@pytest.mark.parametrize(
    ("module", "argv", "error"),
    [
        (comment, ["--body-file", "x"], "the following arguments are required: --repo"),
        (comment, ["--repo", "o/r"], "one of the arguments --body-file --report --deploy is required"),
        (
            comment,
            ["--repo", "o/r", "--deploy", "d", "--deploy-source", "ci"],
            "argument --deploy-source: invalid choice: 'ci'",
        ),
        (deploy, ["--head-sha", "x"], "the following arguments are required: --image-json"),
        (fetch, ["--repo", "o/r", "--out", "d"], "one of the arguments --run-id --pr is required"),
        (
            fetch,
            ["--repo", "o/r", "--run-id", "1", "--pr", "2", "--out", "d"],
            "argument --pr: not allowed with argument --run-id",
        ),
        (deploy, ["--image-json", "x"], "the following arguments are required: --head-sha"),
    ],
)
def test_usage_errors__exit_2_naming_the_argument(module, argv, error, capsys):
    with pytest.raises(SystemExit, match=r"^2$"):
        module.main(argv)
    assert error in capsys.readouterr().err


def test_deploy_defaults__timeout_60_expect_5_args_2_3():
    args = deploy.build_parser().parse_args(["--image-json", "i", "--head-sha", "h"])
    assert (args.timeout, args.expect, args.args, args.dry_run, args.out) == (60.0, "5", ["2", "3"], False, None)


def test_comment_defaults():
    args = comment.build_parser().parse_args(["--repo", "o/r", "--deploy", "d"])
    assert (args.head_sha, args.deploy_source, args.section, args.dry_run, args.pr) == ("", "cd", None, False, None)


@pytest.mark.parametrize(
    ("stage", "phrases"),
    [
        (
            "verify",
            [
                "usage: python -m scripts.promote verify",
                "--tag TAG the git tag vX.Y.Z being released",
                "--image-name IMAGE_NAME REGISTRY/OWNER/NAME (from trusted context)",
                "--sha SHA the commit the workflow ran on (github.sha); must be the tag's (empty: not checked)",
                "--branch BRANCH the branch CI must have passed on (default main)",
                "--github-output GITHUB_OUTPUT append digest=, image= and sha= to this file",
            ],
        ),
        (
            "publish",
            [
                "usage: python -m scripts.promote publish",
                "--deploy DEPLOY deploy.json of the smoke run by digest",
                "--attestation ATTESTATION what the release says of the provenance check (one line)",
                "--dry-run print the plan and the body; change nothing",
            ],
        ),
    ],
)
def test_help__promotes_stages(stage, phrases, capsys, monkeypatch):
    monkeypatch.setenv("COLUMNS", "200")
    with pytest.raises(SystemExit, match=r"^0$"):
        promote.main([stage, "--help"])
    shown = " ".join(capsys.readouterr().out.split())
    assert [p for p in phrases if p not in shown] == []
