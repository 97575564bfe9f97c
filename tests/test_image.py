"""The Dockerfile, built and run on the real engine (on a base image made from Debian packages)."""

from __future__ import annotations

import uuid

import pytest

from scripts.deploy import container
from tests.conftest import LABEL_ARGS
from tests.support import docker

pytestmark = pytest.mark.docker


class TestRunning:
    def test_image__adds_two_and_three(self, built_image):
        """The smoke command that CD runs: `docker run IMAGE 2 3` prints 5."""
        result = docker.run(built_image, "2", "3")
        assert (result.returncode, result.stdout, result.stderr) == (0, "5\n", "")

    def test_image__bad_input_exits_2_with_one_line(self, built_image):
        result = docker.run(built_image, "abc")
        assert result.returncode == 2
        assert result.stderr == "sample_app: error: not a number: 'abc'\n"

    def test_image__runs_under_the_hardening_cd_uses(self, built_image):
        """Read-only root, no network, no capabilities: the service still answers, with no bytecode writes."""
        result = docker.run(built_image, "1.5", "2.25", options=container.HARDENING)
        assert (result.returncode, result.stdout) == (0, "3.75\n")

    def test_image__without_arguments_shows_help(self, built_image):
        result = docker.run(built_image)
        assert result.returncode == 0
        assert "usage: sample_app" in result.stdout


class TestContents:
    def test_image__runs_as_fixed_non_root_user(self, built_image):
        """Both the declared user and the effective one inside the container are UID 10001."""
        assert docker.inspect(built_image)["Config"]["User"] == "10001:10001"
        result = docker.run(
            built_image, "-c", "import os; print(os.getuid(), os.getgid())", options=["--entrypoint=python"]
        )
        assert result.stdout == "10001 10001\n"

    def test_image__holds_only_the_service(self, built_image):
        """No tests, scripts or dev requirements reach the image; the service files are not writable."""
        probe = "import os; print(sorted(os.listdir('/app'))); print(os.access('/app/sample_app/cli.py', os.W_OK))"
        result = docker.run(built_image, "-c", probe, options=["--entrypoint=python"])
        assert result.stdout == "['sample_app']\nFalse\n"

    def test_image__carries_oci_labels_from_build_args(self, built_image):
        labels = docker.inspect(built_image)["Config"]["Labels"]
        assert labels["org.opencontainers.image.revision"] == LABEL_ARGS["REVISION"]
        assert labels["org.opencontainers.image.version"] == LABEL_ARGS["VERSION"]
        assert labels["org.opencontainers.image.created"] == LABEL_ARGS["CREATED"]
        assert labels["org.opencontainers.image.source"] == LABEL_ARGS["SOURCE"]

    def test_image__entrypoint_is_the_module(self, built_image):
        assert docker.inspect(built_image)["Config"]["Entrypoint"] == ["python", "-m", "sample_app"]


def test_rebuild__source_change_reuses_the_layers_above_the_copy(base_image, tmp_path):
    """Touching a source file rebuilds only the source layers; the base and user layers are reused."""
    context = docker.copy_context(tmp_path)
    # Unique tags: the suite may run several times at once (CI's matrix under act).
    first, second = (f"sample-app-test:rebuild-{uuid.uuid4().hex[:8]}-{n}" for n in "ab")
    try:
        docker.build(context, first, {}, base=base_image)
        cli = context / "sample_app" / "cli.py"
        cli.write_text(cli.read_text() + "\n# a change to the source\n")
        docker.build(context, second, {}, base=base_image)
        before, after = docker.layers(first), docker.layers(second)
        base_layers = len(docker.layers(base_image))
        shared = next(i for i, (a, b) in enumerate(zip(before, after, strict=True)) if a != b)
        # Only the last two layers (the COPY of the source and its bytecode) are rebuilt; the user
        # layer and everything else set up above the COPY come from the cache.
        assert len(before) == len(after)
        assert shared == len(before) - 2
        assert shared > base_layers
    finally:
        docker.remove(first, second)
