"""scripts.github.releases against a local server that speaks GitHub's REST shapes: the tag's
commit, the CI run that vouches for it (trusted lookup: only a successful push run of ci.yml on
the branch, for exactly that commit), and the release page created once, then updated."""

from __future__ import annotations

import pytest

from scripts.errors import ApiError, ScriptError
from scripts.github import github_api, releases

REPO = "octo-org/sample-app"
SHA = "d" * 40
OTHER = "e" * 40


@pytest.fixture
def fake(fake_github):
    return fake_github


@pytest.fixture
def repo(fake):
    settings = github_api.Settings.from_env(fake.client_env())
    return github_api.repository(github_api.connect(settings), REPO)


class TestTagCommit:
    def test_lightweight_tag(self, fake, repo):
        fake.add_tag(REPO, "v1.2.0", SHA)
        assert releases.tag_commit(repo, "v1.2.0") == SHA

    def test_annotated_tag__followed_to_its_commit(self, fake, repo):
        fake.add_tag(REPO, "v1.2.0", SHA, annotated=True)
        assert releases.tag_commit(repo, "v1.2.0") == SHA
        assert any("/git/tags/" in path for _, path in fake.state.requests)

    def test_unknown_tag__one_line(self, fake, repo):
        with pytest.raises(ApiError, match=r"^reading the tag: GitHub API answered 404: Not Found$"):
            releases.tag_commit(repo, "v9.9.9")

    def test_tag_of_a_tree__refused(self, fake, repo):
        fake.add_tag(REPO, "v1.2.0", SHA)
        fake.state.tags[(REPO, "v1.2.0")]["type"] = "tree"
        with pytest.raises(ScriptError, match=r"^tag v1\.2\.0: names a tree, not a commit$"):
            releases.tag_commit(repo, "v1.2.0")


class TestReleaseRun:
    def test_successful_push_run_on_main(self, fake, repo):
        fake.add_workflow_run(REPO, 11, SHA, event="push", branch="main")
        found = releases.release_run(repo, SHA, "main")
        assert found.run_id == 11
        assert found.url.startswith("https://github.com/")

    def test_newest_success_wins_over_an_older_failure(self, fake, repo):
        fake.add_workflow_run(REPO, 11, SHA, event="push", branch="main", conclusion="failure")
        fake.add_workflow_run(REPO, 12, SHA, event="push", branch="main")  # a rerun that passed
        assert releases.release_run(repo, SHA, "main").run_id == 12

    def test_failed_ci__refused_naming_the_run(self, fake, repo):
        fake.add_workflow_run(REPO, 11, SHA, event="push", branch="main", conclusion="failure")
        with pytest.raises(
            ApiError,
            match=r"^commit dddddddddddd: CI on main did not succeed \(run 11 ended failure\); nothing is released$",
        ):
            releases.release_run(repo, SHA, "main")

    @pytest.mark.parametrize(
        ("event", "branch", "path", "sha"),
        [
            ("pull_request", "main", ".github/workflows/ci.yml", SHA),  # a PR's run at the same commit
            ("pull_request_target", "main", ".github/workflows/ci.yml", SHA),
            ("push", "feature/x", ".github/workflows/ci.yml", SHA),  # pushed elsewhere
            ("push", "main", ".github/workflows/other.yml", SHA),  # not CI
            ("push", "main", ".github/workflows/ci.yml", OTHER),  # another commit
        ],
    )
    def test_only_ci_pushed_to_the_branch_for_that_commit_vouches(self, fake, repo, event, branch, path, sha):
        fake.add_workflow_run(REPO, 11, sha, event=event, branch=branch, path=path)
        with pytest.raises(ApiError, match=r"no successful CI run of a push to main; tag a commit that is on main$"):
            releases.release_run(repo, SHA, "main")

    @pytest.mark.parametrize(
        ("field", "value"),
        [("head_branch", "feature/x"), ("event", "pull_request"), ("head_sha", OTHER)],
    )
    def test_an_answer_that_ignored_the_filter_is_still_checked(self, fake, repo, field, value):
        """The query asks GitHub to filter; the client checks each run itself all the same, so
        an answer that ignored a filter cannot slip in a PR's run or another branch's."""
        fake.add_workflow_run(REPO, 11, SHA, event="push", branch="main")
        run = {**fake.state.workflow_runs[0], field: value}
        fake.fault("GET", r"/actions/runs\Z", 200, {"total_count": 1, "workflow_runs": [run]})
        with pytest.raises(ApiError, match=r"no successful CI run of a push to main"):
            releases.release_run(repo, SHA, "main")

    def test_in_progress_run__not_yet(self, fake, repo):
        fake.add_workflow_run(REPO, 11, SHA, event="push", branch="main")
        fake.state.workflow_runs[0].update(status="in_progress", conclusion=None)
        with pytest.raises(ApiError, match=r"no successful CI run of a push to main"):
            releases.release_run(repo, SHA, "main")


class TestUpsertRelease:
    def test_created_then_updated_never_duplicated(self, fake, repo):
        first = releases.upsert_release(repo, "v1.2.0", "1.2.0", "first body")
        assert first.created
        assert first.url == f"https://github.com/{REPO}/releases/tag/v1.2.0"
        again = releases.upsert_release(repo, "v1.2.0", "1.2.0", "second body")
        assert not again.created
        [release] = fake.releases_of(REPO)
        assert (release["tag_name"], release["name"], release["body"]) == ("v1.2.0", "1.2.0", "second body")
        assert (release["draft"], release["prerelease"]) == (False, False)

    def test_body_over_githubs_limit__one_line(self, fake, repo):
        with pytest.raises(
            ApiError, match=r"^publishing the GitHub release: GitHub API answered 422: Validation Failed$"
        ):
            releases.upsert_release(repo, "v1.2.0", "1.2.0", "x" * 125_001)
        assert fake.releases_of(REPO) == []

    def test_token_without_contents_write__names_the_permission(self, fake, repo):
        fake.fault(
            "POST",
            r"/releases\Z",
            403,
            {"message": "Resource not accessible by integration"},
            {"X-Accepted-GitHub-Permissions": "contents=write"},
        )
        with pytest.raises(
            ApiError, match=r"answered 403: Resource not accessible by integration \(the token needs contents=write\)$"
        ):
            releases.upsert_release(repo, "v1.2.0", "1.2.0", "body")
