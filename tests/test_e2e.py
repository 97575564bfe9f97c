"""End to end: ci.yml and cd.yml run under act against the local GitHub API, the local registry and
the Docker engine, for the scenarios a user meets. Slow (minutes): marked e2e."""

from __future__ import annotations

import json
import tempfile
from pathlib import Path

import pytest

from scripts import sticky
from tests.e2e.pipeline import OWNER, REPO, Pipeline, pr_scenario

pytestmark = pytest.mark.e2e
FORK = "forker/sample-app"


@pytest.fixture(scope="module")
def pipeline(docker_engine):
    """One local GitHub, registry and repository for all scenarios, in order."""
    with tempfile.TemporaryDirectory(prefix="sample-app-e2e-") as tmp:
        p = Pipeline(Path(tmp))
        yield p
        p.close()


def explain(run) -> str:
    """What failed, from act's log, for an assertion message."""
    return f"{run.workflow} exited {run.returncode}:\n{run.failures()}"


@pytest.fixture(scope="module")
def pull_request(pipeline):
    ci, cd, sha = pr_scenario(pipeline, number=7, branch="feature/faster-sums")
    return ci, cd, sha


class TestPushToMain:
    def test_push__every_job_runs_and_main_is_tagged(self, pipeline):
        sha = pipeline.commit("main", "Push to main")
        ci = pipeline.ci("push", pipeline.push_event(sha), sha)
        assert ci.ok, explain(ci)
        for job in ("Python versions", "Lint (ruff, non-blocking)", "Image", "Image scan (Trivy)", "PR report"):
            assert any(name.startswith(f"CI/{job}") for name in ci.jobs), job
        assert sum(1 for name in ci.jobs if name.startswith("CI/Tests (Python")) == 3
        tags = pipeline.registry_tags()
        assert {"branch-main", f"sha-{sha}", "latest"} <= set(tags)
        assert tags["branch-main"] == tags[f"sha-{sha}"] == tags["latest"]

        cd = pipeline.cd(ci, sha, "main")
        assert cd.ok, explain(cd)
        deploy = json.loads((pipeline.artifact(cd, "deploy-result") / "deploy.json").read_text())
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
        assert "## ✅ Deploy: success" in parts["cd"]
        assert "@sha256:" in parts["cd"]
        assert "```text\n5\n```" in parts["cd"]
        assert pipeline.registry_tags()[f"sha-{sha}"] in parts["cd"]

    def test_pr__pushed_again_updates_the_same_comment(self, pipeline, pull_request):
        [before] = pipeline.comments(7)
        sha = pipeline.commit("feature/faster-sums", "Second push to the PR")
        pipeline.github.state.pulls[(REPO, 7)]["head"]["sha"] = sha
        ci = pipeline.ci("pull_request", pipeline.pr_event(7, sha, "feature/faster-sums"), sha)
        cd = pipeline.cd(ci, sha, "feature/faster-sums", pr=7)
        assert ci.ok, explain(ci)
        assert cd.ok, explain(cd)
        [after] = pipeline.comments(7)
        assert after["id"] == before["id"]
        assert f"commit `{sha[:12]}`" in after["body"]
        assert sha not in before["body"]


class TestFailingTest:
    def test_pr__failing_test_is_named_and_nothing_deploys(self, pipeline, pull_request):
        # Formatted as ruff wants it: only this test may fail, not the style checks.
        failing = '\n\ndef test_e2e__deliberately_broken():\n    assert 2 + 3 == 6, "the e2e scenario breaks this on purpose"\n'
        sha = pipeline.commit("feature/broken", "Break a test", ("tests/test_sample_app.py", failing))
        pipeline.github.add_pull(REPO, 9, head_sha=sha, head_owner=OWNER, head_branch="feature/broken")
        ci = pipeline.ci("pull_request", pipeline.pr_event(9, sha, "feature/broken"), sha)
        assert not ci.ok
        cd = pipeline.cd(ci, sha, "feature/broken", pr=9)
        [comment] = pipeline.comments(9)
        parts = sticky.sections(comment["body"])
        assert parts["ci"].startswith(
            "## ❌ CI failed: 1 failing on Python 3.10; 1 failing on Python 3.11; 1 failing on Python 3.12"
        )
        assert (
            "test_e2e__deliberately_broken` (failure): AssertionError: the e2e scenario breaks this on purpose"
            in parts["ci"]
        )
        assert "cd" not in parts
        assert not pipeline.artifact(cd, "deploy-result").exists()


class TestFork:
    def test_fork__nothing_pushed_comment_posted_deploy_from_archive_forged_number_ignored(
        self, pipeline, pull_request
    ):
        [victim_before] = pipeline.comments(7)
        pipeline.commit("main", "back to main")  # the fork branches from main
        sha = pipeline.commit("fork-main", "A change from a fork", ("README.md", "\nA fork was here.\n"))
        pipeline.github.add_pull(REPO, 8, head_sha=sha, head_owner="forker", head_branch="fork-main")
        ci = pipeline.ci("pull_request", pipeline.pr_event(8, sha, "fork-main", head_repo=FORK), sha)
        assert ci.ok, explain(ci)
        assert f"sha-{sha}" not in pipeline.registry_tags()
        assert (pipeline.artifact(ci, "image-archive") / "image.tar").stat().st_size > 1_000_000
        assert json.loads((pipeline.artifact(ci, "image") / "image.json").read_text())["pushed"] is False
        # The fork's CI could write anything into its artifacts: claim to be PR #7.
        report = pipeline.artifact(ci, "pr-report") / "report.json"
        report.write_text(json.dumps({**json.loads(report.read_text()), "pull_request": 7, "pr_number": 7}))
        cd = pipeline.cd(ci, sha, "fork-main", head_repo=FORK, pr=8)
        assert cd.ok, explain(cd)
        [comment] = pipeline.comments(8)
        parts = sticky.sections(comment["body"])
        assert "built, not pushed" in parts["ci"]
        assert "## ✅ Deploy: success" in parts["cd"]
        assert pipeline.comments(7) == [victim_before]
