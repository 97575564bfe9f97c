"""Shared fixtures. Real components only: the Docker engine, the registry, a local HTTP server."""

from __future__ import annotations

import os
import shutil
import uuid
from collections.abc import Iterator

import pytest

from tests.support import docker
from tests.support.fake_github import FakeGitHub
from tests.support.registry import BearerFront, Registry, start_registry


@pytest.fixture(scope="session")
def docker_engine() -> None:
    """A Docker engine that answers. .ci/run starts one and sets REQUIRE_DOCKER=1, so that in CI a
    missing engine fails the run instead of quietly skipping the image tests."""
    if docker.engine_available():
        return
    if os.environ.get("REQUIRE_DOCKER") == "1":
        pytest.fail("REQUIRE_DOCKER=1 but no Docker engine answers `docker info`")
    pytest.skip("no Docker engine answers `docker info` (start dockerd, or run .ci/run)")


@pytest.fixture(scope="session")
def base_image(docker_engine) -> str:
    return docker.base_image()


@pytest.fixture(scope="session")
def image_tag() -> Iterator[str]:
    """A unique tag per test session, removed at the end."""
    tag = f"sample-app-test:{uuid.uuid4().hex[:12]}"
    yield tag
    docker.remove(tag)


@pytest.fixture(scope="session")
def built_image(base_image, image_tag, tmp_path_factory) -> str:
    """The repository's Dockerfile built on the local base, with the labels CI would set."""
    context = docker.copy_context(tmp_path_factory.mktemp("context"))
    docker.build(context, image_tag, LABEL_ARGS, base=base_image)
    return image_tag


@pytest.fixture(scope="session")
def image_for_commit(base_image, tmp_path_factory) -> Iterator:
    """build(sha) -> a local image of the repository's Dockerfile whose revision label is sha (built
    once per sha per session, removed at the end): another commit's build, for release and
    clean-up tests that need two digests."""
    built: dict[str, str] = {}

    def build(sha: str) -> str:
        if sha not in built:
            tag = f"sample-app-test:{sha[:12]}-{uuid.uuid4().hex[:6]}"
            context = docker.copy_context(tmp_path_factory.mktemp("commit"))
            docker.build(context, tag, {**LABEL_ARGS, "REVISION": sha}, base=base_image)
            built[sha] = tag
        return built[sha]

    yield build
    for tag in built.values():
        docker.remove(tag)


@pytest.fixture
def fake_github() -> Iterator[FakeGitHub]:
    """A local GitHub REST API with nothing in it yet."""
    server = FakeGitHub().start()
    yield server
    server.stop()


LABEL_ARGS = {
    "VERSION": "1.2.3",
    "REVISION": "0123456789abcdef0123456789abcdef01234567",
    "CREATED": "2026-11-26T00:00:00Z",
    "SOURCE": "https://github.com/octo-org/sample-app",
}


@pytest.fixture(scope="session")
def registry(docker_engine, tmp_path_factory) -> Iterator[Registry]:
    """The real docker-registry on 127.0.0.1 with htpasswd auth, for the whole session."""
    if shutil.which("docker-registry") is None:
        if os.environ.get("REQUIRE_DOCKER") == "1":
            pytest.fail("REQUIRE_DOCKER=1 but docker-registry is not installed")
        pytest.skip("docker-registry is not installed (apt-get install docker-registry)")
    server = start_registry(tmp_path_factory.mktemp("registry"))
    yield server
    server.stop()


@pytest.fixture
def bearer(registry) -> Iterator[BearerFront]:
    front = BearerFront(registry)
    yield front
    front.stop()


REPOSITORY = "octo-org/sample-app"


@pytest.fixture(scope="session")
def pushed_image(built_image, registry) -> dict[str, str]:
    """The image of built_image pushed as REPOSITORY:sha-<revision>, and CI's record of it."""
    tag = f"sha-{LABEL_ARGS['REVISION']}"
    digest = registry.push(built_image, REPOSITORY, tag)
    return {
        "name": f"{registry.address}/{REPOSITORY}",
        "digest": digest,
        "head_sha": LABEL_ARGS["REVISION"],
        "tags": [tag],
        "pushed": True,
    }
