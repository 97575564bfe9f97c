"""The registry client against a real docker-registry (Basic auth) and a Bearer front like GHCR's."""

from __future__ import annotations

import hashlib
import json
import uuid
from urllib.parse import unquote

import pytest

from scripts.deploy.registry import INDEX_TYPES, ImageRef, RegistryClient, is_local
from scripts.errors import ApiError, InputError
from tests.conftest import LABEL_ARGS, REPOSITORY

pytestmark = [pytest.mark.docker, pytest.mark.registry]


class TestImageRef:
    def test_parse__lower_cases_the_repository(self):
        ref = ImageRef.parse("ghcr.io/Octo-Org/Sample-App:sha-abc")
        assert (ref.registry, ref.repository, ref.tag) == ("ghcr.io", "octo-org/sample-app", "sha-abc")
        assert ref.with_digest("sha256:" + "a" * 64) == "ghcr.io/octo-org/sample-app@sha256:" + "a" * 64

    @pytest.mark.parametrize(
        "bad", ["sample-app:latest", "ghcr.io", "ghcr.io/x:tag with space", "ghcr.io/x@sha256:short"]
    )
    def test_parse__rejects(self, bad):
        with pytest.raises(InputError, match=r"is not REGISTRY/REPOSITORY\[:TAG\]\[@DIGEST\]$"):
            ImageRef.parse(bad)

    def test_is_local__only_loopback_gets_plain_http(self):
        assert is_local("127.0.0.1:5000")
        assert is_local("localhost")
        assert not is_local("ghcr.io")
        assert not is_local("10.0.0.1:5000")


class TestBasic:
    def test_resolve__tag_to_digest_and_labels(self, registry, pushed_image):
        client = RegistryClient(registry.address, registry.username, registry.password)
        resolved = client.resolve(ImageRef.parse(f"{pushed_image['name']}:sha-{LABEL_ARGS['REVISION']}"))
        assert resolved.digest == pushed_image["digest"]
        assert resolved.labels["org.opencontainers.image.revision"] == LABEL_ARGS["REVISION"]
        assert resolved.config_digest.startswith("sha256:")

    def test_resolve__by_digest(self, registry, pushed_image):
        client = RegistryClient(registry.address, registry.username, registry.password)
        resolved = client.resolve(ImageRef.parse(f"{pushed_image['name']}@{pushed_image['digest']}"))
        assert resolved.digest == pushed_image["digest"]

    def test_resolve__wrong_password_is_one_clear_line(self, registry, pushed_image):
        client = RegistryClient(registry.address, registry.username, "wrong")
        with pytest.raises(ApiError, match=r"authentication failed \(401\): check the credentials"):
            client.digest(ImageRef.parse(f"{pushed_image['name']}:sha-{LABEL_ARGS['REVISION']}"))

    def test_resolve__no_credentials(self, registry, pushed_image):
        with pytest.raises(ApiError, match="needs credentials"):
            RegistryClient(registry.address).digest(ImageRef.parse(f"{pushed_image['name']}:x"))

    def test_resolve__unknown_tag(self, registry, pushed_image):
        client = RegistryClient(registry.address, registry.username, registry.password)
        with pytest.raises(ApiError, match=r"not found \(404\): octo-org/sample-app/manifests/no-such-tag"):
            client.resolve(ImageRef.parse(f"{pushed_image['name']}:no-such-tag"))


class TestBearer:
    def test_resolve__follows_the_bearer_challenge(self, bearer, pushed_image):
        """401 with a Bearer challenge -> token from the realm with Basic credentials -> retry."""
        client = RegistryClient(bearer.address, bearer.username, bearer.password)
        resolved = client.resolve(ImageRef.parse(f"{bearer.address}/{REPOSITORY}:sha-{LABEL_ARGS['REVISION']}"))
        assert resolved.digest == pushed_image["digest"]
        token_calls = [r for r in bearer.requests if r[1].startswith("/token")]
        assert len(token_calls) == 1  # cached for the later calls
        assert f"scope=repository%3A{REPOSITORY.replace('/', '%2F')}%3Apull" in token_calls[0][1]
        assert all(
            auth == f"Bearer {bearer.token}" for method, path, auth in bearer.requests[2:] if path.startswith("/v2/")
        )

    def test_resolve__token_refused(self, bearer):
        client = RegistryClient(bearer.address, bearer.username, "wrong")
        with pytest.raises(ApiError, match=r"token refused by .* \(401\): check the credentials"):
            client.digest(ImageRef.parse(f"{bearer.address}/{REPOSITORY}:x"))

    def test_resolve__retries_5xx(self, bearer, pushed_image):
        bearer.fail_next = 2
        client = RegistryClient(bearer.address, bearer.username, bearer.password, backoff=0.01)
        assert (
            client.digest(ImageRef.parse(f"{bearer.address}/{REPOSITORY}:sha-{LABEL_ARGS['REVISION']}"))
            == pushed_image["digest"]
        )

    def test_resolve__persistent_5xx_is_one_clear_line(self, bearer):
        bearer.fail_next = 100
        client = RegistryClient(bearer.address, bearer.username, bearer.password, retries=2, backoff=0.01)
        with pytest.raises(ApiError, match=r"failed after 3 tries \(HTTP 502\)"):
            client.digest(ImageRef.parse(f"{bearer.address}/{REPOSITORY}:x"))

    def test_resolve__picks_linux_amd64_from_an_index(self, bearer, registry, pushed_image):
        """A multi-platform tag points at an index; the linux/amd64 entry's config gives the labels."""
        client = RegistryClient(registry.address, registry.username, registry.password)
        manifest = client.request(
            "GET",
            f"{REPOSITORY}/manifests/{pushed_image['digest']}",
            "application/vnd.docker.distribution.manifest.v2+json",
            "",
        )
        index = {
            "schemaVersion": 2,
            "mediaType": INDEX_TYPES[0],
            "manifests": [
                {"mediaType": manifest.headers["Content-Type"], "digest": "sha256:" + "0" * 64, "size": 1, "platform": {"os": "linux", "architecture": "arm64"}},
                {"mediaType": manifest.headers["Content-Type"], "digest": pushed_image["digest"], "size": len(manifest.content), "platform": {"os": "linux", "architecture": "amd64"}},
            ],
        }  # fmt: skip
        body = json.dumps(index).encode()
        for reference in ("multi", "sha256:" + hashlib.sha256(body).hexdigest()):
            bearer.extra[f"/v2/{REPOSITORY}/manifests/{reference}"] = (INDEX_TYPES[0], body)
        resolved = RegistryClient(bearer.address, bearer.username, bearer.password).resolve(
            ImageRef.parse(f"{bearer.address}/{REPOSITORY}:multi")
        )
        assert resolved.media_type == INDEX_TYPES[0]
        assert resolved.manifest_digest == pushed_image["digest"]
        assert resolved.labels["org.opencontainers.image.revision"] == LABEL_ARGS["REVISION"]


@pytest.fixture
def own_repository(registry, built_image) -> dict[str, str]:
    """built_image pushed to a repository of its own (sha-<revision>), so that a test's tags
    meet no other test's."""
    repository = f"octo-org/release-{uuid.uuid4().hex[:10]}"
    digest = registry.push(built_image, repository, f"sha-{LABEL_ARGS['REVISION']}")
    return {"repository": repository, "digest": digest}


class TestRetag:
    """Promotion without a rebuild, on the real registry: the very manifest bytes PUT under a
    new tag, so the tag names the same digest (what `imagetools create` would not keep)."""

    def test_put_manifest__new_tag_names_the_same_digest(self, registry, own_repository):
        client = RegistryClient(registry.address, registry.username, registry.password)
        ref = ImageRef(registry.address, own_repository["repository"])
        media_type, raw = client.manifest_bytes(ref, own_repository["digest"])
        assert "sha256:" + hashlib.sha256(raw).hexdigest() == own_repository["digest"]
        for tag in ("1.2.0", "1.2", "1", "prod"):
            assert client.put_manifest(ref, tag, media_type, raw) == own_repository["digest"]
        fresh = RegistryClient(registry.address, registry.username, registry.password)
        for tag in ("1.2.0", "1.2", "1", "prod"):
            assert fresh.digest(ImageRef(registry.address, ref.repository, tag=tag)) == own_repository["digest"]
        assert sorted(fresh.tags(ref)) == sorted(["1", "1.2", "1.2.0", "prod", f"sha-{LABEL_ARGS['REVISION']}"])
        # and the engine pulls the tag as that digest
        pulled = registry.docker("pull", f"{registry.address}/{ref.repository}:prod")
        assert own_repository["digest"] in pulled

    def test_tags__paged_one_at_a_time(self, registry, own_repository):
        client = RegistryClient(registry.address, registry.username, registry.password)
        ref = ImageRef(registry.address, own_repository["repository"])
        media_type, raw = client.manifest_bytes(ref, own_repository["digest"])
        for tag in ("a", "b", "c"):
            client.put_manifest(ref, tag, media_type, raw)
        assert sorted(client.tags(ref, page=1)) == ["a", "b", "c", f"sha-{LABEL_ARGS['REVISION']}"]

    def test_put_manifest__through_a_bearer_front_asks_for_push_scope(self, bearer, registry, own_repository):
        """GHCR's flow: the pull token from reading the manifest does not allow the PUT; the
        401 names pull,push and a second token is fetched for it."""
        client = RegistryClient(bearer.address, bearer.username, bearer.password)
        ref = ImageRef(bearer.address, own_repository["repository"])
        media_type, raw = client.manifest_bytes(ref, own_repository["digest"])
        assert client.put_manifest(ref, "prod", media_type, raw) == own_repository["digest"]
        scopes = [
            unquote(path.split("scope=")[1].split("&")[0])
            for _, path, _ in bearer.requests
            if path.startswith("/token")
        ]
        assert scopes == [f"repository:{ref.repository}:pull", f"repository:{ref.repository}:pull,push"]
        direct = RegistryClient(registry.address, registry.username, registry.password)
        assert direct.digest(ImageRef(registry.address, ref.repository, tag="prod")) == own_repository["digest"]
