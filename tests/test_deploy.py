"""The smoke deploy for real: the local registry, the Docker engine, images that misbehave."""

from __future__ import annotations

import json
import re
import subprocess
import uuid

import pytest

from scripts.deploy import cli as deploy
from scripts.model import deploy_from_dict
from scripts.report.render import render_deploy
from tests.conftest import LABEL_ARGS
from tests.support import docker

pytestmark = [pytest.mark.docker, pytest.mark.registry]
SHA = LABEL_ARGS["REVISION"]
OTHER_SHA = "f" * 40

MISBEHAVING = {
    "hang": "import time; time.sleep(3600)",
    "fail": "import sys; print('boom', file=sys.stderr); sys.exit(3)",
    "loud": "import sys; sys.stdout.write('x' * 10_000_000); sys.stdout.flush()",
    "inject": "print('::add-mask::5'); print('::error title=pwned::owned'); print('::stop-commands::x'); print('::x::')",
    "network": (
        "import os, socket, sys\n"
        "print('interfaces:', sorted(os.listdir('/sys/class/net')))\n"
        "try:\n"
        "    socket.create_connection((sys.argv[1], int(sys.argv[2])), timeout=2)\n"
        "    print('reached the registry')\n"
        "except OSError as exc:\n"
        "    print('registry unreachable:', type(exc).__name__)\n"
    ),
}


@pytest.fixture(scope="session")
def misbehaving(base_image, registry, tmp_path_factory) -> dict[str, dict]:
    """Images built FROM the base, each labelled with SHA, pushed as <name>:sha-SHA; their records."""
    records = {}
    for name, code in MISBEHAVING.items():
        context = tmp_path_factory.mktemp(f"img-{name}")
        (context / "Dockerfile").write_text(
            "ARG BASE_IMAGE\nFROM ${BASE_IMAGE}\n"
            f"LABEL org.opencontainers.image.revision={SHA}\n"
            f"USER 10001:10001\nENTRYPOINT {json.dumps(['python3', '-c', code])}\n"
        )
        tag = f"sample-app-test:{name}-{uuid.uuid4().hex[:8]}"
        docker.build(context, tag, {"BASE_IMAGE": base_image})
        digest = registry.push(tag, f"octo-org/{name}", f"sha-{SHA}")
        docker.remove(tag)
        records[name] = {
            "name": f"{registry.address}/octo-org/{name}",
            "digest": digest,
            "head_sha": SHA,
            "tags": [f"sha-{SHA}"],
        }
    return records


@pytest.fixture
def env(registry):
    return {"REGISTRY_USERNAME": registry.username, "REGISTRY_PASSWORD": registry.password}


def container_exists(name: str) -> bool:
    out = subprocess.run(
        ["docker", "ps", "-a", "--filter", f"name=^{name}$", "--format", "{{.Names}}"],
        capture_output=True,
        text=True,
        check=True,
    )
    return bool(out.stdout.strip())


def run_deploy(tmp_path, record: dict, env: dict, *extra: str, head_sha: str = SHA) -> tuple[int, dict]:
    image_json = tmp_path / "image.json"
    image_json.write_text(json.dumps(record))
    out = tmp_path / "deploy.json"
    # With credentials, the image's name comes from trusted context (CD passes REGISTRY/REPO).
    named = ["--image-name", record["name"]] if env and "--image-name" not in extra else []
    argv = ["--image-json", str(image_json), "--head-sha", head_sha, "--out", str(out), *named, *extra]
    status = deploy.main(argv, env=env)
    result = json.loads(out.read_text())
    # The container this deploy created (named in its command) must be gone, whatever happened.
    # Other test sessions may be running their own at the same time (CI's matrix under act).
    names = re.findall(r"--name (smoke-[0-9a-f]{12})", result["command"])
    assert not [name for name in names if container_exists(name)], "a smoke container was left behind"
    return status, result


class TestDeploy:
    def test_deploy__resolves_verifies_and_runs_by_digest(self, tmp_path, pushed_image, env, capsys):
        """The bar: resolve -> verify -> pull and run by digest -> 5; the command names @sha256:."""
        status, result = run_deploy(tmp_path, pushed_image, env)
        assert status == 0, result
        assert result["status"] == "success"
        assert result["stdout"] == "5\n"
        assert result["digest"] == pushed_image["digest"]
        assert f"{pushed_image['name']}@{pushed_image['digest']}" in result["command"].split()
        for flag in (
            "--network=none",
            "--read-only",
            "--cap-drop=ALL",
            "--security-opt=no-new-privileges",
            "--user=10001:10001",
            "--pids-limit=64",
        ):
            assert flag in result["command"]
        assert "deploy: success: 2 3 printed 5 as expected" in capsys.readouterr().err
        assert "## ✅ Deploy: success" in render_deploy(deploy_from_dict(result))

    def test_deploy__dry_run_verifies_but_runs_nothing(self, tmp_path, pushed_image, env):
        status, result = run_deploy(tmp_path, pushed_image, env, "--dry-run")
        assert (status, result["status"]) == (0, "skipped")
        assert "verified" in result["reason"]


class TestHardeningFromOutside:
    def test_container__host_config_as_the_engine_reports_it(self, built_image):
        """What the engine says it will enforce, read back with docker inspect: literal values,
        not the module's own flag list."""
        from scripts.deploy import container

        with container.hardened(built_image, ["2", "3"]) as (name, _command):
            data = json.loads(
                subprocess.run(["docker", "inspect", name], capture_output=True, text=True, check=True).stdout
            )[0]
        host, config = data["HostConfig"], data["Config"]
        assert host["NetworkMode"] == "none"
        assert host["ReadonlyRootfs"] is True
        assert host["CapDrop"] == ["ALL"]
        assert host["SecurityOpt"] == ["no-new-privileges"]
        assert host["Memory"] == 268_435_456
        assert host["MemorySwap"] == 268_435_456
        assert host["PidsLimit"] == 64
        assert host["NanoCpus"] == 1_000_000_000
        assert host["IpcMode"] == "none"
        assert host["Privileged"] is False
        assert host["Binds"] in (None, [])
        assert config["User"] == "10001:10001"
        assert config["Env"]
        assert not any(e.startswith(("GITHUB_", "REGISTRY_", "ACTIONS_")) for e in config["Env"])
        assert not container_exists(name), "the container must be removed when the block ends"


class TestRefusals:
    def test_deploy__digest_mismatch(self, tmp_path, pushed_image, env):
        """The tag now points elsewhere than CI recorded: nothing runs."""
        record = {**pushed_image, "digest": "sha256:" + "0" * 64}
        status, result = run_deploy(tmp_path, record, env)
        assert status == 5
        assert result["status"] == "refused"
        assert f"the registry has {pushed_image['digest']}, CI recorded sha256:{'0' * 64}" in result["reason"]
        assert result["command"] == ""

    def test_deploy__revision_label_mismatch(self, tmp_path, pushed_image, env):
        """An image built from another commit, pushed under this commit's tag, is refused."""
        record = {**pushed_image, "head_sha": OTHER_SHA}
        status, result = run_deploy(
            tmp_path, record, env, "--ref", f"{pushed_image['name']}:sha-{SHA}", head_sha=OTHER_SHA
        )
        assert status == 5
        assert f"label org.opencontainers.image.revision is '{SHA}', not {OTHER_SHA[:12]}" in result["reason"]

    def test_deploy__record_naming_another_image_is_refused(self, tmp_path, pushed_image, env):
        """The workflow passes the name from trusted context; a record pointing elsewhere is refused."""
        status, result = run_deploy(tmp_path, pushed_image, env, "--image-name", "GHCR.io/Octo-Org/Other")
        assert status == 5
        assert "CI's record names" in result["reason"]
        assert "not ghcr.io/octo-org/other" in result["reason"]

    def test_deploy__matching_image_name_in_any_case(self, tmp_path, pushed_image, env):
        name = pushed_image["name"].replace("octo-org/sample-app", "Octo-Org/Sample-App")
        status, _ = run_deploy(tmp_path, pushed_image, env, "--image-name", name, "--dry-run")
        assert status == 0

    def test_deploy__forged_record(self, tmp_path, env):
        status, result = run_deploy(tmp_path, {"name": "ghcr.io/x/y", "digest": "nope"}, env)
        assert status == 5
        assert "image.json.digest: not a valid value" in result["reason"]

    def test_deploy__wrong_credentials(self, tmp_path, pushed_image):
        status, result = run_deploy(tmp_path, pushed_image, {"REGISTRY_USERNAME": "ci", "REGISTRY_PASSWORD": "wrong"})
        assert status == 6
        assert result["reason"].endswith("authentication failed (401): check the credentials")

    def test_deploy__unknown_tag(self, tmp_path, pushed_image, env):
        status, result = run_deploy(tmp_path, pushed_image, env, "--ref", f"{pushed_image['name']}:sha-nope")
        assert status == 6
        assert "not found (404)" in result["reason"]


class TestMisbehaving:
    def test_deploy__hung_container_is_killed_at_the_timeout(self, tmp_path, misbehaving, env):
        status, result = run_deploy(tmp_path, misbehaving["hang"], env, "--timeout", "3")
        assert status == 6
        assert result["status"] == "timeout"
        assert result["reason"] == "killed after 3 s without finishing"
        assert result["exit_code"] is None
        # Killed at the deadline, not at some later one: docker kill ends the attached start.
        assert 3.0 <= result["duration"] < 8.0

    def test_deploy__non_zero_exit(self, tmp_path, misbehaving, env):
        status, result = run_deploy(tmp_path, misbehaving["fail"], env)
        assert status == 6
        assert (result["status"], result["exit_code"], result["stderr"]) == ("failure", 3, "boom\n")
        assert result["reason"] == "exited with status 3"

    def test_deploy__ten_megabytes_of_output_are_cut(self, tmp_path, misbehaving, env):
        status, result = run_deploy(tmp_path, misbehaving["loud"], env)
        assert status == 6
        assert "(printed 10,000,000 bytes; the last 4,000 are kept)" in result["reason"]
        assert len(result["stdout"]) == 4000

    def test_deploy__cannot_reach_the_network(self, tmp_path, misbehaving, registry, env):
        """Inside, only the loopback interface exists; the host's registry port is unreachable."""
        host, port = registry.address.split(":")
        status, result = run_deploy(tmp_path, misbehaving["network"], env, "--", host, port)
        assert status == 6
        assert "interfaces: ['lo']" in result["stdout"]
        assert "registry unreachable: ConnectionRefusedError" in result["stdout"]
        assert "reached the registry" not in result["stdout"]


class TestOutputIsInert:
    def test_deploy__container_output_cannot_issue_workflow_commands(self, tmp_path, misbehaving, env, capsys):
        """The image prints ::add-mask::, ::error:: and a guess at stop-commands; the runner must
        read all of it as text: it is relayed between ::stop-commands::<random> and ::<random>::."""
        status, _ = run_deploy(tmp_path, misbehaving["inject"], env)
        assert status == 6  # it printed the wrong thing, so the smoke test fails
        out = capsys.readouterr().out.splitlines()
        start = next(i for i, line in enumerate(out) if line.startswith("::stop-commands::"))
        token = out[start].removeprefix("::stop-commands::")
        assert re.fullmatch(r"[0-9a-f]{32}", token)
        assert out[:start] == []
        assert out[start + 1 : start + 5] == [
            "::add-mask::5",
            "::error title=pwned::owned",
            "::stop-commands::x",
            "::x::",
        ]
        assert out[-1] == f"::{token}::"


@pytest.fixture(scope="module")
def archive(built_image, tmp_path_factory):
    """built_image saved as CI's image job saves it for a fork PR, and the record CI writes."""
    path = tmp_path_factory.mktemp("archive") / "image.tar"
    subprocess.run(["docker", "save", "--output", str(path), built_image], check=True)
    image_id = docker.inspect(built_image)["Id"]
    return path, {"name": "ghcr.io/octo-org/sample-app", "digest": image_id, "head_sha": SHA, "pushed": False}


class TestForkArchive:
    """A fork PR's image is not pushed: CI saves it as an artifact and CD loads it."""

    def test_deploy__runs_the_loaded_image_by_id(self, tmp_path, archive):
        path, record = archive
        status, result = run_deploy(tmp_path, record, {}, "--archive", str(path))
        assert status == 0, result
        assert result["stdout"] == "5\n"
        assert record["digest"] in result["command"].split()

    def test_deploy__archive_with_another_image_is_refused(self, tmp_path, archive):
        path, record = archive
        status, result = run_deploy(tmp_path, {**record, "digest": "sha256:" + "1" * 64}, {}, "--archive", str(path))
        assert status == 5
        assert result["reason"].startswith("refused to run: the archive holds sha256:")
        assert result["reason"].endswith(f"CI recorded sha256:{'1' * 64}")

    def test_deploy__missing_archive_is_refused(self, tmp_path, archive):
        _, record = archive
        status, result = run_deploy(tmp_path, record, {}, "--archive", str(tmp_path / "none.tar"))
        assert status == 5
        assert "missing, empty or over" in result["reason"]
