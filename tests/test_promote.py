"""python -m scripts.promote against the real registry and a local GitHub REST API: the image CI
built for the tagged commit gets the version's tags by digest, with no rebuild; every refusal
leaves the registry and the releases as they were."""

from __future__ import annotations

import io
import json
import uuid
import zipfile

import pytest

from scripts import promote
from scripts.deploy.registry import ImageRef, RegistryClient
from tests.conftest import LABEL_ARGS

pytestmark = [pytest.mark.docker, pytest.mark.registry]

REPO = "octo-org/sample-app"
REV = LABEL_ARGS["REVISION"]
OLDER = "f" * 40  # the commit of a second image, released after as v1.1.9


@pytest.fixture
def older_image(image_for_commit):
    """The same Dockerfile built for another commit (its revision label says so)."""
    return image_for_commit(OLDER)


@pytest.fixture
def release_repo(registry, built_image):
    """A registry repository of its own, holding CI's push of REV as sha-REV."""
    repository = f"octo-org/app-{uuid.uuid4().hex[:10]}"
    digest = registry.push(built_image, repository, f"sha-{REV}")
    return {"name": f"{registry.address}/{repository}", "repository": repository, "digest": digest}


def image_zip(name: str, digest: str, sha: str) -> bytes:
    record = {"name": name, "digest": digest, "head_sha": sha, "tags": [f"sha-{sha}"], "pushed": True}
    data = io.BytesIO()
    with zipfile.ZipFile(data, "w") as z:
        z.writestr("image/image.json", json.dumps(record))
    return data.getvalue()


@pytest.fixture
def fake(fake_github):
    return fake_github


def ci_run(fake, run_id: int, sha: str, name: str, digest: str, **kw) -> None:
    """A run of ci.yml for a push of sha to main (unless kw says otherwise), with its image artifact."""
    fake.add_workflow_run(REPO, run_id, sha, event=kw.pop("event", "push"), branch=kw.pop("branch", "main"), **kw)
    fake.add_run(REPO, run_id, ["image", "reports-py3.12"], zips={"image": image_zip(name, digest, sha)})


@pytest.fixture
def env(fake, registry):
    return fake.client_env(REGISTRY_USERNAME=registry.username, REGISTRY_PASSWORD=registry.password)


def deploy_json(path, digest: str, status: str = "success"):
    path.write_text(
        json.dumps({"status": status, "reason": "2 3 printed 5 as expected", "digest": digest, "exit_code": 0})
    )
    return path


def run(stage: str, release_repo, out, env, tag: str = "v1.2.0", *extra: str) -> int:
    return promote.main(
        [stage, "--repo", REPO, "--tag", tag, "--image-name", release_repo["name"], "--out", str(out), *extra], env
    )


def verified(release_repo, out, env, digest: str | None = None, status: str = "success", tag: str = "v1.2.0"):
    """promote verify, then the smoke deploy's record (status, on digest): what publish reads."""
    assert run("verify", release_repo, out, env, tag) == 0
    return deploy_json(out / "deploy.json", digest or release_repo["digest"], status)


def tag_digests(registry, repository: str) -> dict[str, str]:
    client = RegistryClient(registry.address, registry.username, registry.password)
    ref = ImageRef(registry.address, repository)
    return {tag: client.digest(ImageRef(registry.address, repository, tag=tag)) for tag in client.tags(ref)}


class TestRelease:
    def test_tag_v1_2_0__four_tags_name_cis_digest_and_the_release_says_so(
        self, fake, env, registry, release_repo, tmp_path, capsys
    ):
        fake.add_tag(REPO, "v1.2.0", REV, annotated=True)
        ci_run(fake, 11, REV, release_repo["name"], release_repo["digest"])
        out = tmp_path / "release"
        outputs = tmp_path / "github_output"
        assert run("verify", release_repo, out, env, "v1.2.0", "--sha", REV, "--github-output", str(outputs)) == 0
        assert outputs.read_text() == f"digest={release_repo['digest']}\nimage={release_repo['name']}\nsha={REV}\n"
        image = json.loads((out / "image.json").read_text())
        assert (image["digest"], image["head_sha"]) == (release_repo["digest"], REV)

        deploy_json(out / "deploy.json", release_repo["digest"])
        assert run("publish", release_repo, out, env, "v1.2.0", "--deploy", str(out / "deploy.json")) == 0
        digests = tag_digests(registry, release_repo["repository"])
        assert digests == dict.fromkeys(("1.2.0", "1.2", "1", "prod", f"sha-{REV}"), release_repo["digest"])
        [release] = fake.releases_of(REPO)
        assert release["tag_name"] == "v1.2.0"
        assert f"docker pull {release_repo['name']}@{release_repo['digest']}" in release["body"]
        assert "## ✅ Deploy: success" in release["body"]
        summary = json.loads((out / "promotion.json").read_text())
        assert (summary["moved"], summary["held"]) == (["1.2.0", "1.2", "1", "prod"], {})
        assert (
            "promote: release created: https://github.com/octo-org/sample-app/releases/tag/v1.2.0"
            in capsys.readouterr().out
        )

        # A rerun changes nothing in the registry and updates the one release.
        assert run("publish", release_repo, out, env, "v1.2.0", "--deploy", str(out / "deploy.json")) == 0
        assert tag_digests(registry, release_repo["repository"]) == digests
        assert len(fake.releases_of(REPO)) == 1

    def test_v1_1_9_after_v1_2_0__moves_1_1_only(self, fake, env, registry, release_repo, older_image, tmp_path):
        older_digest = registry.push(older_image, release_repo["repository"], f"sha-{OLDER}")
        fake.add_tag(REPO, "v1.2.0", REV)
        fake.add_tag(REPO, "v1.1.9", OLDER)
        ci_run(fake, 11, OLDER, release_repo["name"], older_digest)
        ci_run(fake, 12, REV, release_repo["name"], release_repo["digest"])
        first, second = tmp_path / "first", tmp_path / "second"
        assert run("verify", release_repo, first, env, "v1.2.0") == 0
        deploy_json(first / "deploy.json", release_repo["digest"])
        assert run("publish", release_repo, first, env, "v1.2.0", "--deploy", str(first / "deploy.json")) == 0

        assert run("verify", release_repo, second, env, "v1.1.9") == 0
        deploy_json(second / "deploy.json", older_digest)
        assert run("publish", release_repo, second, env, "v1.1.9", "--deploy", str(second / "deploy.json")) == 0
        digests = tag_digests(registry, release_repo["repository"])
        assert {t: digests[t] for t in ("1.1.9", "1.1")} == {"1.1.9": older_digest, "1.1": older_digest}
        assert {t: digests[t] for t in ("1.2.0", "1.2", "1", "prod")} == dict.fromkeys(
            ("1.2.0", "1.2", "1", "prod"), release_repo["digest"]
        )
        body = next(r["body"] for r in fake.releases_of(REPO) if r["tag_name"] == "v1.1.9")
        assert "| `prod` | stays on `1.2.0`, a newer release |" in body


class TestRefusals:
    def test_ci_failed_on_the_tagged_commit(self, fake, env, registry, release_repo, tmp_path, capsys):
        fake.add_tag(REPO, "v1.2.0", REV)
        ci_run(fake, 11, REV, release_repo["name"], release_repo["digest"], conclusion="failure")
        assert run("verify", release_repo, tmp_path / "r", env) == 4
        assert capsys.readouterr().err == (
            "python -m scripts.promote verify: error: commit 0123456789ab: CI on main did not succeed (run 11 ended failure); nothing is released\n"
        )
        assert not (tmp_path / "r").exists()

    def test_a_prs_run_of_the_commit_does_not_vouch(self, fake, env, registry, release_repo, tmp_path):
        fake.add_tag(REPO, "v1.2.0", REV)
        ci_run(fake, 11, REV, release_repo["name"], release_repo["digest"], event="pull_request")
        assert run("verify", release_repo, tmp_path / "r", env) == 4

    def test_forged_record__digest_not_the_registrys(self, fake, env, registry, release_repo, tmp_path, capsys):
        fake.add_tag(REPO, "v1.2.0", REV)
        ci_run(fake, 11, REV, release_repo["name"], "sha256:" + "9" * 64)
        assert run("verify", release_repo, tmp_path / "r", env) == 5
        assert "refused: the registry has " + release_repo["digest"] in capsys.readouterr().err
        assert not (tmp_path / "r").exists()

    def test_record_for_another_registry_name(self, fake, env, registry, release_repo, tmp_path, capsys):
        fake.add_tag(REPO, "v1.2.0", REV)
        ci_run(fake, 11, REV, "ghcr.io/someone/else", release_repo["digest"])
        assert run("verify", release_repo, tmp_path / "r", env) == 5
        assert f"CI's record names ghcr.io/someone/else, not {release_repo['name']}" in capsys.readouterr().err

    def test_run_for_another_commit_than_the_tag(self, fake, env, registry, release_repo, tmp_path, capsys):
        fake.add_tag(REPO, "v1.2.0", REV)
        assert run("verify", release_repo, tmp_path / "r", env, "v1.2.0", "--sha", OLDER) == 5
        assert "tag v1.2.0 names 0123456789ab, but this run is for ffffffffffff" in capsys.readouterr().err

    def test_not_a_release_tag(self, fake, env, release_repo, tmp_path, capsys):
        assert run("verify", release_repo, tmp_path / "r", env, "v1.2.0-rc.1") == 3
        assert capsys.readouterr().err.endswith("is not a release tag vX.Y.Z (digits only, no pre-release suffix)\n")
        assert fake.state.requests == []

    @pytest.mark.parametrize(
        ("status", "digest"), [("failure", None), ("timeout", None), ("success", "sha256:" + "9" * 64)]
    )
    def test_smoke_deploy_not_a_success_on_this_digest__nothing_tagged(
        self, fake, env, registry, release_repo, tmp_path, status, digest, capsys
    ):
        fake.add_tag(REPO, "v1.2.0", REV)
        ci_run(fake, 11, REV, release_repo["name"], release_repo["digest"])
        out = tmp_path / "r"
        verified(release_repo, out, env, digest, status)
        assert run("publish", release_repo, out, env, "v1.2.0", "--deploy", str(out / "deploy.json")) == 5
        assert "nothing is tagged" in capsys.readouterr().err
        assert set(tag_digests(registry, release_repo["repository"])) == {f"sha-{REV}"}
        assert fake.releases_of(REPO) == []

    def test_release_tag_already_naming_another_digest__never_moved(
        self, fake, env, registry, release_repo, older_image, tmp_path, capsys
    ):
        other = registry.push(older_image, release_repo["repository"], "1.2.0")
        fake.add_tag(REPO, "v1.2.0", REV)
        ci_run(fake, 11, REV, release_repo["name"], release_repo["digest"])
        out = tmp_path / "r"
        verified(release_repo, out, env)
        assert run("publish", release_repo, out, env, "v1.2.0", "--deploy", str(out / "deploy.json")) == 5
        assert f"tag 1.2.0 already names {other}; a release tag is never moved" in capsys.readouterr().err
        assert tag_digests(registry, release_repo["repository"]) == {
            f"sha-{REV}": release_repo["digest"],
            "1.2.0": other,
        }

    def test_release_record_for_another_tag__refused(self, fake, env, registry, release_repo, tmp_path, capsys):
        fake.add_tag(REPO, "v1.2.0", REV)
        ci_run(fake, 11, REV, release_repo["name"], release_repo["digest"])
        out = tmp_path / "r"
        verified(release_repo, out, env)
        assert run("publish", release_repo, out, env, "v2.0.0", "--deploy", str(out / "deploy.json")) == 5
        assert "is for v1.2.0 of" in capsys.readouterr().err
        assert set(tag_digests(registry, release_repo["repository"])) == {f"sha-{REV}"}

    def test_dry_run__prints_the_plan_and_changes_nothing(self, fake, env, registry, release_repo, tmp_path, capsys):
        fake.add_tag(REPO, "v1.2.0", REV)
        ci_run(fake, 11, REV, release_repo["name"], release_repo["digest"])
        out = tmp_path / "r"
        verified(release_repo, out, env)
        capsys.readouterr()
        assert run("publish", release_repo, out, env, "v1.2.0", "--deploy", str(out / "deploy.json"), "--dry-run") == 0
        printed = capsys.readouterr().out
        assert printed.startswith(f"promote: 1.2.0 → {release_repo['digest']}: tags 1.2.0, 1.2, 1, prod\n")
        assert "| `prod` | → this digest |" in printed
        assert set(tag_digests(registry, release_repo["repository"])) == {f"sha-{REV}"}
        assert fake.releases_of(REPO) == []
