"""Shared fixtures. Real components only: the Docker engine, the registry, a local HTTP server."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator

import pytest

from tests.support import docker


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
    docker.build(context, image_tag, {"BASE_IMAGE": base_image, **LABEL_ARGS})
    return image_tag


LABEL_ARGS = {
    "VERSION": "1.2.3",
    "REVISION": "0123456789abcdef0123456789abcdef01234567",
    "CREATED": "2026-11-26T00:00:00Z",
    "SOURCE": "https://github.com/octo-org/sample-app",
}
