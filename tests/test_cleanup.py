"""python -m scripts.cleanup against the real registry (delete enabled) behind a local GitHub that
speaks the Packages API for it: a closed PR's images go, main's, a release's and an open PR's
stay and still pull."""

from __future__ import annotations

import datetime as dt
import uuid

import pytest

from scripts import cleanup
from scripts.deploy.registry import ImageRef, RegistryClient

pytestmark = [pytest.mark.docker, pytest.mark.registry]

C1, C2, MAIN = "1" * 40, "2" * 40, "9" * 40


@pytest.fixture
def main_image(image_for_commit):
    """A second image (another commit's build), standing for what main and a release name."""
    return image_for_commit(MAIN)


@pytest.fixture
def repo_name():
    return f"octo-org/app-{uuid.uuid4().hex[:10]}"


@pytest.fixture
def fake(fake_github, registry):
    fake_github.serve_packages(registry.address, registry.username, registry.password)
    return fake_github


@pytest.fixture
def images(registry, built_image, main_image, repo_name):
    """PR #7 (feature-x, commits C1 and C2) pushed the built image; main and release 1.2.0 name
    the other one."""
    pr = registry.push(built_image, repo_name, "branch-feature-x")
    for tag in (f"sha-{C1}", f"sha-{C2}"):
        registry.push(built_image, repo_name, tag)
    kept = registry.push(main_image, repo_name, "latest")
    for tag in ("branch-main", f"sha-{MAIN}", "1.2.0", "1.2", "1", "prod"):
        registry.push(main_image, repo_name, tag)
    return {"pr": pr, "kept": kept}


def closed_pr(fake, repo_name, number=7, branch="feature-x", head=C2, commits=(C1, C2), owner=None, state="closed"):
    fake.add_pull(
        repo_name, number, head_sha=head, head_owner=owner or repo_name.split("/")[0], head_branch=branch, state=state
    )
    fake.state.pull_commits[(repo_name, number)] = list(commits)
    fake.state.pulls[(repo_name, number)]["updated_at"] = dt.datetime.now(dt.timezone.utc).strftime(
        "%Y-%m-%dT%H:%M:%SZ"
    )


def tags(registry, repo_name) -> dict[str, str]:
    client = RegistryClient(registry.address, registry.username, registry.password)
    names = client.tags(ImageRef(registry.address, repo_name))
    return {t: client.digest(ImageRef(registry.address, repo_name, tag=t)) for t in names}


def run(fake, registry, repo_name, *extra: str) -> int:
    env = fake.client_env(REGISTRY_USERNAME=registry.username, REGISTRY_PASSWORD=registry.password)
    return cleanup.main(["--repo", repo_name, "--image-name", f"{registry.address}/{repo_name}", *extra], env)


KEPT_TAGS = {"latest", "branch-main", f"sha-{MAIN}", "1.2.0", "1.2", "1", "prod"}


class TestClosedPullRequest:
    def test_its_versions_go_main_and_the_release_stay_and_pull(self, fake, registry, repo_name, images, capsys):
        closed_pr(fake, repo_name)
        assert run(fake, registry, repo_name, "--pr", "7") == 0
        assert tags(registry, repo_name) == dict.fromkeys(KEPT_TAGS, images["kept"])
        out = capsys.readouterr().out
        assert f"cleanup: deleting version 40001 {images['pr']} [branch-feature-x, sha-{C1}, sha-{C2}]\n" in out
        assert out.rstrip().endswith("cleanup: deleted 1 of 2 versions (1 closed PR(s))")
        pulled = registry.docker("pull", f"{registry.address}/{repo_name}:prod")
        assert images["kept"] in pulled
        assert [path for path, _ in fake.state.package_deletes] == [repo_name]

    def test_dry_run_lists_and_deletes_nothing(self, fake, registry, repo_name, images, capsys):
        closed_pr(fake, repo_name)
        before = tags(registry, repo_name)
        assert run(fake, registry, repo_name, "--pr", "7", "--dry-run") == 0
        assert tags(registry, repo_name) == before
        assert fake.state.package_deletes == []
        out = capsys.readouterr().out
        assert f"cleanup: would delete version 40001 {images['pr']} [branch-feature-x, sha-{C1}, sha-{C2}]\n" in out
        assert out.rstrip().endswith("cleanup: would delete 1 of 2 versions (1 closed PR(s))")

    def test_an_open_prs_branch_keeps_the_version(self, fake, registry, repo_name, images, capsys):
        """Two PRs from one branch (to main and to a release branch): closing one keeps the image
        the other still deploys."""
        closed_pr(fake, repo_name)
        closed_pr(fake, repo_name, number=8, state="open")
        before = tags(registry, repo_name)
        assert run(fake, registry, repo_name, "--pr", "7") == 0
        assert tags(registry, repo_name) == before
        assert "cleanup: deleted 0 of 2 versions" in capsys.readouterr().out

    def test_organization_packages_live_under_orgs(self, fake, registry, repo_name, images):
        fake.state.owner_types["octo-org"] = "Organization"
        closed_pr(fake, repo_name)
        assert run(fake, registry, repo_name, "--pr", "7") == 0
        assert any(path.startswith("/orgs/octo-org/packages/container/") for _, path in fake.state.requests)
        assert set(tags(registry, repo_name)) == KEPT_TAGS


class TestRefusals:
    def test_open_pr__refused_nothing_deleted(self, fake, registry, repo_name, images, capsys):
        closed_pr(fake, repo_name, state="open")
        assert run(fake, registry, repo_name, "--pr", "7") == 5
        assert (
            capsys.readouterr().err
            == "python -m scripts.cleanup: refused: pull request #7 is open: its images are still in use\n"
        )
        assert fake.state.package_deletes == []

    def test_forks_pr__nothing_to_do(self, fake, registry, repo_name, images, capsys):
        closed_pr(fake, repo_name, owner="forker")
        assert run(fake, registry, repo_name, "--pr", "7") == 0
        assert "came from a fork, whose runs push nothing: nothing to clean up" in capsys.readouterr().out
        assert fake.state.package_deletes == []

    def test_token_that_may_not_delete__one_line_and_nothing_lost(self, fake, registry, repo_name, images, capsys):
        closed_pr(fake, repo_name)
        fake.fault("DELETE", r"/packages/container/", 403, {"message": "Forbidden"})
        assert run(fake, registry, repo_name, "--pr", "7") == 4
        err = capsys.readouterr().err
        assert err.startswith(
            f"python -m scripts.cleanup: error: package octo-org/{repo_name.split('/')[1]}: deleting version "
        )
        assert "answered 403: Forbidden (a token that may administer the package" in err
        assert len(err.splitlines()) == 1
        assert set(tags(registry, repo_name)) == KEPT_TAGS | {"branch-feature-x", f"sha-{C1}", f"sha-{C2}"}

    def test_image_name_of_another_owner__refused(self, fake, registry, repo_name, capsys):
        env = fake.client_env()
        code = cleanup.main(["--repo", repo_name, "--image-name", f"{registry.address}/someone/else", "--pr", "7"], env)
        assert code == 3
        assert "without tag or digest" in capsys.readouterr().err
        assert fake.state.requests == []  # refused before any call


class TestWeeklySweep:
    def test_every_recently_closed_pr_is_cleaned_open_ones_are_not(
        self, fake, registry, repo_name, images, built_image, capsys
    ):
        other = registry.push(built_image, repo_name, "branch-feature-y")  # same digest as PR #7's
        assert other == images["pr"]
        closed_pr(fake, repo_name)
        closed_pr(fake, repo_name, number=9, branch="feature-y", head=C1, commits=(C1,))
        assert run(fake, registry, repo_name, "--closed-within-days", "8") == 0
        assert set(tags(registry, repo_name)) == KEPT_TAGS
        assert "(2 closed PR(s))" in capsys.readouterr().out

    def test_a_pr_closed_before_the_window_is_left_alone(self, fake, registry, repo_name, images, capsys):
        closed_pr(fake, repo_name)
        fake.state.pulls[(repo_name, 7)]["updated_at"] = "2026-01-01T00:00:00Z"
        before = tags(registry, repo_name)
        assert run(fake, registry, repo_name, "--closed-within-days", "8") == 0
        assert tags(registry, repo_name) == before
        assert "cleanup: deleted 0 of 2 versions (0 closed PR(s))" in capsys.readouterr().out
