"""End to end: ci.yml and cd.yml run under act against the local GitHub API, the local registry and
the Docker engine, for the scenarios a user meets and the events GitHub really sends (cancelled
runs, merge commits of a base that moved, forks, branch names with # @ ü). Slow (minutes): e2e."""

from __future__ import annotations

import json
import os
import re
import subprocess
import tempfile
from pathlib import Path

import pytest

from scripts import comment, fetch
from scripts.report import cli as report
from scripts.report import sticky
from tests.e2e.pipeline import OWNER, REPO, TOKEN, Pipeline, git, pr_scenario

pytestmark = pytest.mark.e2e
FORK = "forker/sample-app"
TAG = re.compile(r"[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}")


@pytest.fixture(scope="module")
def pipeline(docker_engine):
    """One local GitHub, registry and repository for all scenarios, in order."""
    with tempfile.TemporaryDirectory(prefix="sample-app-e2e-") as tmp:
        p = Pipeline(Path(tmp))
        yield p
        p.close()


@pytest.fixture(autouse=True)
def no_knobs(pipeline):
    """Each scenario starts with the stand-ins behaving like a fully featured public repository."""
    pipeline.extra_env = {}
    yield
    pipeline.extra_env = {}


def explain(run) -> str:
    """What failed, from act's log, for an assertion message."""
    return f"{run.workflow} exited {run.returncode}:\n{run.failures()}"


def ran(run, job: str) -> bool:
    return any(name.startswith(f"{run.workflow.split('.')[0].upper()}/{job}") for name in run.jobs)


@pytest.fixture(scope="module")
def pull_request(pipeline):
    ci, cd, sha = pr_scenario(pipeline, number=7, branch="feature/faster-sums")
    return ci, cd, sha


def image_file(image: str, path: str) -> str:
    """A file's content inside an image, read with the image's own Python."""
    done = subprocess.run(
        [
            "docker",
            "run",
            "--rm",
            "--network=none",
            "--entrypoint",
            "python",
            image,
            "-c",
            f"print(open({path!r}).read())",
        ],
        capture_output=True,
        text=True,
        check=True,
        timeout=60,
    )
    return done.stdout


@pytest.fixture(scope="module")
def main_push(pipeline):
    """One push to main and its CI run, shared by the scenarios that need a released-able commit."""
    sha = pipeline.commit("main", "Push to main")
    ci = pipeline.ci("push", pipeline.push_event(sha), sha)
    return ci, sha


class TestPushToMain:
    def test_push__every_job_runs_and_main_is_tagged(self, pipeline, main_push):
        ci, sha = main_push
        assert ci.ok, explain(ci)
        for job in (
            "Python versions",
            "Lint (ruff, non-blocking)",
            "pre-commit hooks",
            "Image",
            "Image scan (Trivy)",
            "PR report",
        ):
            assert any(name.startswith(f"CI/{job}") for name in ci.jobs), job
        assert sum(1 for name in ci.jobs if name.startswith("CI/Tests (Python")) == 3
        assert not ran(ci, "Smoke run"), "the smoke run in CI is for forks' images only"
        tags = pipeline.registry_tags()
        assert {"branch-main", f"sha-{sha}", "latest"} <= set(tags)
        assert tags["branch-main"] == tags[f"sha-{sha}"] == tags["latest"]
        # Code scanning got scripts.sarif's file, through the upload-sarif stand-in's checks: every
        # alert on this repository's FROM line (the image installs no requirements file of ours).
        uploaded = json.loads((pipeline.artifacts / "sarif" / str(ci.run_id) / "trivy-image.sarif").read_text())
        [scan] = uploaded["runs"]
        assert scan["automationDetails"] == {"id": "trivy-image/"}
        lines = (pipeline.repo / "Dockerfile").read_text().splitlines()
        from_line = next(n for n, line in enumerate(lines, 1) if line.startswith("FROM "))
        places = {
            (loc["artifactLocation"]["uri"], loc["region"]["startLine"])
            for result in scan["results"]
            for loc in (result["locations"][0]["physicalLocation"],)
        }
        assert places == {("Dockerfile", from_line)}
        # the recorded scan's 158 findings, wheel's two installs being one alert
        assert len(scan["results"]) == 157

        cd = pipeline.cd(ci, sha, "main")
        assert cd.ok, explain(cd)
        deploy = json.loads((pipeline.artifact(cd, "deploy-result") / "deploy" / "deploy.json").read_text())
        assert (deploy["status"], deploy["stdout"], deploy["digest"]) == ("success", "5\n", tags["latest"])
        assert pipeline.github.state.comments == {}


class TestPullRequest:
    def test_pr__one_comment_with_ci_and_cd_sections(self, pipeline, pull_request):
        ci, cd, sha = pull_request
        assert ci.ok, explain(ci)
        assert cd.ok, explain(cd)
        [comment] = pipeline.comments(7)
        parts = sticky.sections(comment["body"])
        assert set(parts) == {"ci", "cd"}
        assert parts["ci"].startswith(f"## ✅ CI passed · commit `{sha[:12]}`")
        for heading in (
            "### Tests",
            "### Coverage",
            "### Image",
            "### Vulnerabilities (image scan)",
            "### Lint",
            "### Artifacts",
        ):
            assert heading in parts["ci"]
        digest = pipeline.registry_tags()[f"sha-{sha}"]
        name = f"{pipeline.registry.address}/{REPO.lower()}"
        assert f"pull: `docker pull {name}@{digest}`" in parts["ci"]
        assert "## ✅ Deploy: success" in parts["cd"]
        assert f"image: `{name}@{digest}`" in parts["cd"]
        assert "```text\n5\n```" in parts["cd"]
        # Compared with main's own CI run (the push scenario's): a comment line changes nothing measured.
        merge_base = git(pipeline.repo, "merge-base", "main", sha)
        assert f"Against `{merge_base[:12]}` (the merge base)." in parts["ci"]
        # Same tests on both sides; the Δ is shown but not asserted to be 0: this suite's own
        # coverage varies by up to ~0.1 pp between two runs of one commit (timing-dependent paths).
        row = r"^\| (3\.1[0-2]) \| [0-9.]+ % → [0-9.]+ % \| (±0|[↑↓] [0-9.]+ pp) \| (\d+) → \3 \(\+0\) \|$"
        assert [python for python, *_ in re.findall(row, parts["ci"], re.M)] == ["3.10", "3.11", "3.12"]
        assert "Changed lines: none that coverage measures." in parts["ci"]

    def test_pr__fetch_and_report_on_a_laptop_show_the_ci_section_posted(
        self, pipeline, pull_request, tmp_path, capsys
    ):
        """Issue 15: fetch the PR's CI run from the (local) GitHub, then report --dry-run: the CI
        section the PR comment got, but for the comparison with main, which needs the API; then, as
        README goes on, report --out and comment --compare --dry-run: that section byte for byte."""
        ci, _, sha = pull_request
        [made] = pipeline.comments(7)
        posted = sticky.sections(made["body"])["ci"]
        env = {"GITHUB_TOKEN": TOKEN, "GITHUB_API_URL": pipeline.github.url, "GITHUB_PACE_REQUESTS": "0"}
        out = tmp_path / "fetched"
        assert fetch.main(["--repo", REPO, "--pr", "7", "--out", str(out)], env) == 0
        assert f"run {ci.run_id}: 6 artifact(s)" in capsys.readouterr().out
        assert report.main([str(out), "--dry-run"], env={}) == 0
        compared = re.search(r"### Compared with the base branch\n.*?\n\n(?=### Tests)", posted, re.S)[0]
        assert capsys.readouterr().out == posted.replace(compared, "") + "\n"

        assert report.main([str(out), "--out", str(tmp_path / "o"), "--head-sha", sha], env={}) == 0
        argv = ["--repo", REPO, "--pr", "7", "--head-sha", sha, "--report", str(tmp_path / "o" / "report.json")]
        argv += ["--run-id", str(ci.run_id), "--compare", "--dry-run"]
        capsys.readouterr()
        assert comment.main(argv, env={**env, "GITHUB_SERVER_URL": "https://github.com"}) == 0
        assert sticky.sections(capsys.readouterr().out)["ci"] == posted

    def test_pr__superseded_runs_keep_cd_green_and_the_comment_on_the_newest_commit(self, pipeline, pull_request):
        """GitHub cancels the superseded run and still sends workflow_run (conclusion cancelled);
        an older run that did finish arrives after the PR moved on. Neither may fail CD or touch
        the comment; the newest run's CD writes it."""
        [before] = pipeline.comments(7)
        first_ci, _, first_sha = pull_request
        sha = pipeline.commit("feature/faster-sums", "Second push to the PR")
        pipeline.github.state.pulls[(REPO, 7)]["head"]["sha"] = sha
        ci = pipeline.ci("pull_request", pipeline.pr_event(7, sha, "feature/faster-sums"), sha)
        assert ci.ok, explain(ci)

        cancelled = pipeline.cd(first_ci, first_sha, "feature/faster-sums", pr=7, conclusion="cancelled")
        assert cancelled.ok, explain(cancelled)
        assert cancelled.jobs == {}, "a cancelled run must start no CD job"
        stale = pipeline.cd(first_ci, first_sha, "feature/faster-sums", pr=7)
        assert stale.ok, explain(stale)
        assert "has moved on to" in stale.log
        assert pipeline.comments(7) == [before]

        cd = pipeline.cd(ci, sha, "feature/faster-sums", pr=7)
        assert cd.ok, explain(cd)
        [after] = pipeline.comments(7)
        assert after["id"] == before["id"]
        assert f"commit `{sha[:12]}`" in after["body"]
        assert first_sha[:12] not in after["body"]


class TestFailingTestWithTwoLegsDown:
    """Two failures of a pull request in one CI run (each run of ci.yml costs minutes here)."""

    def test_pr__failing_test_named_two_legs_missing_the_third_read_nothing_deploys(self, pipeline, pull_request):
        """A PR that adds an untested function and breaks a test, against main's own CI run, while
        the 3.10 and 3.11 legs fail before they upload: download-artifact then drops the
        per-artifact folder (one artifact matches), and the report must still find
        reports-py3.12/ and name exactly the two versions that sent nothing. The broken test is
        called new and named first, the function's untested lines named with links into the diff;
        nothing deploys."""
        pipeline.extra_env = {"E2E_MISSING_PYTHONS": "3.10,3.11"}
        branch = "feature/broken"
        cli = pipeline.repo / "sample_app" / "cli.py"
        first = len(cli.read_text().splitlines()) + 1
        function = "\n\ndef double(x: int) -> int:\n    if x < 0:\n        return 0\n    return 2 * x\n"
        pipeline.commit(branch, "Add an untested helper", ("sample_app/cli.py", function))
        # Formatted as ruff wants it: only this test may fail, not the style checks.
        failing = '\n\ndef test_e2e__deliberately_broken():\n    assert 2 + 3 == 6, "the e2e scenario breaks this on purpose"\n'
        sha = pipeline.commit(branch, "Break a test", ("tests/test_sample_app.py", failing))
        pipeline.github.add_pull(REPO, 9, head_sha=sha, head_owner=OWNER, head_branch=branch)
        ci = pipeline.ci("pull_request", pipeline.pr_event(9, sha, branch), sha)
        assert not ci.ok
        assert not pipeline.artifact(ci, "reports-py3.10").exists()
        cd = pipeline.cd(ci, sha, branch, pr=9)
        [comment] = pipeline.comments(9)
        parts = sticky.sections(comment["body"])
        text = parts["ci"]
        assert text.startswith(
            "## ❌ CI failed: 1 new failing (passing on the base); no test results for Python 3.10;"
            " no test results for Python 3.11; 1 failing on Python 3.12"
        )
        assert "Python 3.10: reports-py3.10/ is missing (no reports uploaded)" in text
        assert "Python 3.11: reports-py3.11/ is missing (no reports uploaded)" in text
        assert "reports-py3.12/ is missing" not in text
        assert re.search(r"\| 3\.12 \| ❌ \| \d+ \| 1 \| 0 \|", text), text
        assert (
            "test_e2e__deliberately_broken` (failure): AssertionError: the e2e scenario breaks this on purpose" in text
        )
        assert "cd" not in parts
        assert not pipeline.artifact(cd, "deploy-result").exists()
        merge_base = git(pipeline.repo, "merge-base", "main", sha)
        assert f"Against `{merge_base[:12]}` (the merge base)." in text
        # The Δ is shown where both sides measured; its sign is not asserted: 3 missed lines and 2
        # branches are ~0.1 pp, the size of this suite's own run-to-run variation.
        deltas = re.findall(r"^\| (3\.1[0-2]) \| [0-9.]+ % → [0-9.]+ % \| (±0|[↑↓] [0-9.]+ pp) \|", text, re.M)
        assert [python for python, _ in deltas] == ["3.12"]
        for missing in ("3.10", "3.11"):
            assert re.search(rf"^\| {re.escape(missing)} \| [0-9.]+ % → n/a \|", text, re.M), missing
        assert (
            "🆕 **1 new failing** (passing or absent on the base):\n- `tests.test_sample_app::test_e2e__deliberately_broken`"
            in text
        )
        # def (run at import) covered; the if and both returns not: 1 of 4
        assert "Changed lines: **1 of 4 covered (25.0 %)**" in text
        assert (
            f"| `sample_app/cli.py` | 1/4 | [{first + 3}-{first + 5}](https://github.com/{REPO}/pull/9/files#diff-"
            in text
        )


class TestOddBranchBareRepositoryBaseMoved:
    """Three variations of a pull request in one CI run (each run of ci.yml costs minutes here)."""

    BRANCH = "feature/fix#12-ümlaut-a@b-" + "x" * 180

    def test_pr__odd_branch_on_a_bare_repository_whose_base_moved(self, pipeline, pull_request):
        """A 200-character branch with # @ and ü gets a valid tag and its comment; on a repository
        that cannot store attestations or take SARIF, CI carries on, CD deploys, and the comment
        says what was skipped. Main moved after the branch did: pull_request checks out
        refs/pull/N/merge, yet the image, its sha- tag and its revision label are the PR's head,
        not a merge that changes whenever main moves."""
        pipeline.extra_env = {"E2E_NO_ATTESTATIONS": "1", "E2E_NO_CODE_SCANNING": "1"}
        head = pipeline.commit(self.BRANCH, "A branch with an unusual name")
        pipeline.commit("main", "Main moves on", ("sample_app/__init__.py", "\n# only on main, after the PR opened\n"))
        pipeline.github.add_pull(REPO, 13, head_sha=head, head_owner=OWNER, head_branch=self.BRANCH)
        ci = pipeline.ci("pull_request", pipeline.pr_event(13, head, self.BRANCH), head)
        assert ci.ok, explain(ci)
        tags = pipeline.registry_tags()
        branch_tags = [t for t, d in tags.items() if t.startswith("branch-feature-fix-12") and d == tags[f"sha-{head}"]]
        assert len(branch_tags) == 1
        assert TAG.fullmatch(branch_tags[0])
        assert "Attestation skipped" in ci.log
        assert "Code scanning skipped" in ci.log

        image = f"{pipeline.registry.address}/{REPO.lower()}@{tags[f'sha-{head}']}"
        subprocess.run(["docker", "pull", "--quiet", image], check=True, capture_output=True)
        labels = json.loads(
            subprocess.run(
                ["docker", "image", "inspect", "--format", "{{json .Config.Labels}}", image],
                capture_output=True,
                text=True,
                check=True,
            ).stdout
        )
        assert labels["org.opencontainers.image.revision"] == head
        assert "only on main" not in image_file(image, "/app/sample_app/__init__.py")

        cd = pipeline.cd(ci, head, self.BRANCH, pr=13)
        assert cd.ok, explain(cd)
        [comment] = pipeline.comments(13)
        parts = sticky.sections(comment["body"])
        assert parts["ci"].startswith(f"## ✅ CI passed · commit `{head[:12]}`")
        assert "⏭️ No build provenance attestation stored" in parts["ci"]
        assert "⏭️ Not uploaded to code scanning" in parts["ci"]
        assert "## ✅ Deploy: success" in parts["cd"]
        assert f"image: `{image}`" in parts["cd"]


class TestFork:
    def test_fork__smoke_run_in_its_own_ci_never_in_cd_and_forged_number_ignored(self, pipeline, pull_request):
        [victim_before] = pipeline.comments(7)
        pipeline.commit("main", "back to main")  # the fork branches from main
        # The fork's branch shares the base's name, as most forks' do.
        sha = pipeline.commit("fork-main", "A change from a fork", ("README.md", "\nA fork was here.\n"))
        pipeline.github.add_pull(REPO, 8, head_sha=sha, head_owner="forker", head_branch="main")
        ci = pipeline.ci("pull_request", pipeline.pr_event(8, sha, "main", head_repo=FORK), sha)
        assert ci.ok, explain(ci)
        assert ran(ci, "Smoke run (fork's image)")
        assert f"sha-{sha}" not in pipeline.registry_tags()
        assert (pipeline.artifact(ci, "image-archive") / "image-archive" / "image.tar").stat().st_size > 1_000_000
        assert json.loads((pipeline.artifact(ci, "image") / "image" / "image.json").read_text())["pushed"] is False
        smoke = json.loads((pipeline.artifact(ci, "deploy-result") / "deploy" / "deploy.json").read_text())
        assert (smoke["status"], smoke["stdout"]) == ("success", "5\n")
        # The fork's CI could write anything into its artifacts: claim to be PR #7.
        report = pipeline.artifact(ci, "pr-report") / "pr-report" / "report.json"
        report.write_text(json.dumps({**json.loads(report.read_text()), "pull_request": 7, "pr_number": 7}))

        cd = pipeline.cd(ci, sha, "main", head_repo=FORK, pr=8)
        assert cd.ok, explain(cd)
        assert not ran(cd, "Smoke deploy"), "CD must never load or run a fork's image"
        assert "docker load" not in cd.log
        assert "docker create" not in cd.log
        [comment] = pipeline.comments(8)
        parts = sticky.sections(comment["body"])
        assert "built, not pushed" in parts["ci"]
        assert "## ✅ Deploy: success" in parts["cd"]
        assert "Reported by the fork's own CI run" in parts["cd"]
        assert pipeline.comments(7) == [victim_before]


class TestRelease:
    """After the pull-request scenarios: its commits on main (one whose CI failed) must not become
    the merge base those scenarios compare with."""

    def test_tags__v1_2_0_then_v1_1_9_then_a_commit_whose_ci_failed(self, pipeline, main_push):
        """#14's bar: tag v1.2.0 -> 1.2.0, 1.2, 1 and prod name the digest CI built for that
        commit (nothing is built); v1.1.9 on an older commit afterwards moves 1.1 only; a tag on
        a commit whose CI failed is refused and moves nothing."""
        older_ci, older = main_push
        assert older_ci.ok, explain(older_ci)
        newer = pipeline.commit("main", "Release candidate")
        ci = pipeline.ci("push", pipeline.push_event(newer), newer)
        assert ci.ok, explain(ci)
        built = pipeline.registry_tags()
        newer_digest, older_digest = built[f"sha-{newer}"], built[f"sha-{older}"]
        assert newer_digest != older_digest

        first = pipeline.release("v1.2.0", newer)
        assert first.ok, explain(first)
        assert "docker build" not in first.log
        assert "Verification succeeded" in first.log  # the gh stand-in read CI's attestation
        tags = pipeline.registry_tags()
        assert {t: tags[t] for t in ("1.2.0", "1.2", "1", "prod")} == dict.fromkeys(
            ("1.2.0", "1.2", "1", "prod"), newer_digest
        )
        [release] = pipeline.github.releases_of(REPO)
        assert release["tag_name"] == "v1.2.0"
        assert f"docker pull {pipeline.registry.address}/{REPO.lower()}@{newer_digest}" in release["body"]
        assert "## ✅ Deploy: success" in release["body"]

        second = pipeline.release("v1.1.9", older)
        assert second.ok, explain(second)
        tags = pipeline.registry_tags()
        assert (tags["1.1.9"], tags["1.1"]) == (older_digest, older_digest)
        assert (tags["1.2.0"], tags["1"], tags["prod"]) == (newer_digest, newer_digest, newer_digest)

        broken = pipeline.commit("main", "A commit whose CI failed")
        pipeline.github.add_workflow_run(REPO, 99_001, broken, event="push", branch="main", conclusion="failure")
        third = pipeline.release("v1.3.0", broken)
        assert not third.ok
        assert "CI on main did not succeed (run 99001 ended failure); nothing is released" in third.log
        assert not any("Tag the digest" in name for name in third.jobs), third.jobs
        tags = pipeline.registry_tags()
        assert "1.3.0" not in tags
        assert tags["prod"] == newer_digest
        assert [r["tag_name"] for r in pipeline.github.releases_of(REPO)] == ["v1.2.0", "v1.1.9"]


class TestCleanupOfAClosedPullRequest:
    """Last: it closes PR #7, which the earlier scenarios use."""

    def test_close__the_prs_tags_are_gone_main_and_releases_still_pull(self, pipeline, main_push, pull_request):
        head = pipeline.github.state.pulls[(REPO, 7)]["head"]["sha"]  # a later scenario pushed again
        commits = git(pipeline.repo, "rev-list", f"{git(pipeline.repo, 'merge-base', 'main', head)}..{head}").split()
        before = pipeline.registry_tags()
        pr_digests = {before[f"sha-{c}"] for c in commits if f"sha-{c}" in before}
        pr_tags = {tag for tag, digest in before.items() if digest in pr_digests}
        assert {f"sha-{c}" for c in commits} <= pr_tags
        assert any(tag.startswith("branch-feature-faster-sums-") for tag in pr_tags), pr_tags
        run = pipeline.close_pr(7, head, "feature/faster-sums")
        assert run.ok, explain(run)
        after = pipeline.registry_tags()
        assert after == {tag: digest for tag, digest in before.items() if tag not in pr_tags}
        assert {"latest", "branch-main"} <= set(after)
        for tag in ("latest", *(t for t in ("prod", "1.2.0") if t in after)):
            pulled = subprocess.run(
                ["docker", "pull", f"{pipeline.registry.address}/{REPO.lower()}:{tag}"],
                capture_output=True,
                text=True,
                env={**os.environ, "DOCKER_CONFIG": str(pipeline.docker_config)},
                check=False,
                timeout=300,
            )
            assert pulled.returncode == 0, pulled.stderr
            assert after[tag] in pulled.stdout
