"""Every decision the smoke deploy makes, in the fast suite: the registry is a local HTTP server that
speaks the distribution API, docker is a fake CLI at the subprocess edge (tests/support/fake_docker).
What must hold is checked from the outside: the docker commands that ran, the flags they carried,
deploy.json, and what reached stdout. The real engine and registry are the docker-marked tests'."""

from __future__ import annotations

import inspect
import json
import os
import re
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from scripts.deploy import cli as deploy
from scripts.deploy.container import HARDENING
from tests.support.fake_docker import FakeDocker
from tests.support.oci_server import Server, image
from tests.test_archive import CONFIG, classic, make_tar, oci, sha

ROOT = Path(__file__).resolve().parents[1]
HEAD = "0123456789abcdef0123456789abcdef01234567"
OTHER = "f" * 40
# The hardening, written out here rather than read from the module under test.
EXPECTED_FLAGS = [
    "--pull=never",
    "--network=none",
    "--read-only",
    "--cap-drop=ALL",
    "--security-opt=no-new-privileges",
    "--user=10001:10001",
    "--memory=256m",
    "--memory-swap=256m",
    "--pids-limit=64",
    "--cpus=1",
    "--ipc=none",
    "--log-driver=json-file",
    "--log-opt=max-size=1m",
    "--log-opt=max-file=1",
]


@pytest.fixture
def registry():
    server = Server()
    yield server
    server.stop()


@pytest.fixture
def docker(tmp_path, monkeypatch):
    fake = FakeDocker(tmp_path / "fake-docker").install(monkeypatch)
    fake.set(run={"stdout": "5\n", "exit": 0})
    return fake


def record(registry, digest: str, head: str = HEAD) -> dict:
    return {"name": f"{registry.address}/o/r", "digest": digest, "head_sha": head, "tags": [f"sha-{head}"]}


def run_deploy(tmp_path, data: dict, *extra: str, env: dict | None = None, head: str = HEAD) -> tuple[int, dict]:
    image_json = tmp_path / "image.json"
    image_json.write_text(json.dumps(data))
    out = tmp_path / "deploy.json"
    status = deploy.main(
        ["--image-json", str(image_json), "--head-sha", head, "--out", str(out), *extra], env=env or {}
    )
    return status, json.loads(out.read_text())


@pytest.fixture
def ready(registry, docker):
    """The record of an image the registry holds under sha-HEAD, labelled with HEAD."""
    digest, _ = image(registry, {"org.opencontainers.image.revision": HEAD}, tag=f"sha-{HEAD}")
    return record(registry, digest)


def create_call(docker) -> list[str]:
    return next(call for call in docker.calls if call[0] == "create")


class TestFromTheRegistry:
    def test_success__resolved_verified_pulled_and_run_by_digest_hardened(self, tmp_path, registry, docker):
        digest, _ = image(registry, {"org.opencontainers.image.revision": HEAD}, tag=f"sha-{HEAD}")
        status, result = run_deploy(tmp_path, record(registry, digest))
        assert (status, result["status"], result["stdout"]) == (0, "success", "5\n")
        pinned = f"{registry.address}/o/r@{digest}"
        assert docker.commands() == ["pull", "create", "start", "inspect", "rm"]
        assert docker.calls[0] == ["pull", "--quiet", pinned]
        create = create_call(docker)
        assert create[:2] == ["create", "--name"]
        assert re.fullmatch(r"smoke-[0-9a-f]{12}", create[2])
        assert create[3:] == [*EXPECTED_FLAGS, pinned, "2", "3"]
        assert docker.calls[-1] == ["rm", "--force", create[2]]

    def test_hardening__the_modules_flags_are_exactly_the_expected_ones(self):
        assert ["--pull=never", *HARDENING] == EXPECTED_FLAGS

    @pytest.mark.parametrize(
        ("labels", "recorded", "problem"),
        [
            ({"org.opencontainers.image.revision": OTHER}, None, "label org.opencontainers.image.revision is 'ffff"),
            ({}, None, "label org.opencontainers.image.revision is 'missing'"),
            ({"org.opencontainers.image.revision": HEAD}, "sha256:" + "1" * 64, "the registry has sha256:"),
        ],
    )
    def test_refused__nothing_is_pulled_or_run(self, tmp_path, registry, docker, labels, recorded, problem):
        digest, _ = image(registry, labels, tag=f"sha-{HEAD}")
        status, result = run_deploy(tmp_path, record(registry, recorded or digest))
        assert (status, result["status"]) == (5, "refused")
        assert problem in result["reason"]
        assert docker.calls == []

    def test_record_for_another_commit__refused(self, tmp_path, registry, docker):
        digest, _ = image(registry, {"org.opencontainers.image.revision": HEAD}, tag=f"sha-{HEAD}")
        status, result = run_deploy(tmp_path, record(registry, digest, head=OTHER))
        assert (status, result["status"]) == (5, "refused")
        assert f"CI's record is for commit {OTHER[:12]}, not {HEAD[:12]}" in result["reason"]
        assert docker.calls == []

    @pytest.mark.parametrize(
        "env",
        [
            {"REGISTRY_USERNAME": "u", "REGISTRY_PASSWORD": "p"},
            {"REGISTRY_USERNAME": "u"},
            {"REGISTRY_PASSWORD": "a-token-alone"},
        ],
    )
    def test_credentials_without_image_name__refused_before_any_request(self, tmp_path, registry, docker, env):
        """Either half of the credentials is a secret that image.json must not steer."""
        digest, _ = image(registry, {"org.opencontainers.image.revision": HEAD}, tag=f"sha-{HEAD}")
        status, result = run_deploy(tmp_path, record(registry, digest), env=env)
        assert (status, result["status"]) == (5, "refused")
        assert result["reason"] == (
            "refused to run: registry credentials are set but --image-name is not: image.json may not choose their host"
        )
        assert registry.seen == []
        assert docker.calls == []

    def test_image_name_that_differs_from_the_record__refused(self, tmp_path, registry, docker):
        digest, _ = image(registry, {"org.opencontainers.image.revision": HEAD}, tag=f"sha-{HEAD}")
        env = {"REGISTRY_USERNAME": "u", "REGISTRY_PASSWORD": "p"}
        status, result = run_deploy(
            tmp_path, record(registry, digest), "--image-name", "ghcr.io/octo-org/sample-app", env=env
        )
        assert (status, result["status"]) == (5, "refused")
        assert f"CI's record names {registry.address}/o/r, not ghcr.io/octo-org/sample-app" in result["reason"]
        assert registry.seen == []

    def test_credentials_go_to_a_throwaway_docker_config(self, tmp_path, registry, docker):
        digest, _ = image(registry, {"org.opencontainers.image.revision": HEAD}, tag=f"sha-{HEAD}")
        env = {"REGISTRY_USERNAME": "u", "REGISTRY_PASSWORD": "p"}
        status, _ = run_deploy(tmp_path, record(registry, digest), "--image-name", f"{registry.address}/o/r", env=env)
        assert status == 0
        login = docker.calls[0]
        assert login == ["login", "--username", "u", "--password-stdin", registry.address]
        assert docker.login["stdin"] == "p"
        # a throw-away config, gone after the deploy: no credential outlives the run
        config = docker.login["docker_config"]
        assert Path(config).name.startswith("deploy-docker-config-")
        assert not Path(config).exists()
        # ... and the pull that needs the credentials uses it
        assert [c[0] for c in docker.calls[:2]] == ["login", "pull"]
        assert docker.configs[:2] == [config, config]

    def test_dry_run__verifies_and_runs_nothing(self, tmp_path, registry, docker):
        digest, _ = image(registry, {"org.opencontainers.image.revision": HEAD}, tag=f"sha-{HEAD}")
        status, result = run_deploy(tmp_path, record(registry, digest), "--dry-run")
        assert (status, result["status"]) == (0, "skipped")
        assert docker.calls == []


class TestOutcomes:
    @pytest.mark.parametrize(
        ("run", "status", "reason"),
        [
            ({"stdout": "6\n", "exit": 0}, "failure", "printed '6', expected '5'"),
            ({"stdout": "", "stderr": "boom", "exit": 3}, "failure", "exited with status 3"),
        ],
    )
    def test_what_the_container_did(self, tmp_path, docker, ready, run, status, reason):
        docker.set(run=run)
        code, result = run_deploy(tmp_path, ready)
        assert (code, result["status"], result["reason"]) == (6, status, reason)
        assert docker.calls[-1][:2] == ["rm", "--force"]

    def test_timeout__killed_at_the_deadline_not_later(self, tmp_path, docker, ready):
        docker.set(run={"stdout": "", "exit": 0, "sleep": 30})
        code, result = run_deploy(tmp_path, ready, "--timeout", "0.3")
        assert (code, result["status"], result["reason"]) == (6, "timeout", "killed after 0.3 s without finishing")
        assert 0.3 <= result["duration"] < 4.3
        assert "kill" in docker.commands()
        assert docker.calls[-1][:2] == ["rm", "--force"]

    def test_docker_refusing_to_create__a_failure_in_deploy_json(self, tmp_path, docker, ready):
        docker.set(fail={"create": "Error response from daemon: no space left on device"})
        code, result = run_deploy(tmp_path, ready)
        assert (code, result["status"]) == (6, "failure")
        assert result["reason"] == "docker create failed: Error response from daemon: no space left on device"

    def test_output__relayed_with_workflow_commands_stopped(self, tmp_path, docker, ready, capsys):
        docker.set(run={"stdout": "::add-mask::5\n::error::owned\n", "exit": 0})
        run_deploy(tmp_path, ready)
        out = capsys.readouterr().out.splitlines()
        token = out[0].removeprefix("::stop-commands::")
        assert re.fullmatch(r"[0-9a-f]{32}", token)
        assert out[1:3] == ["::add-mask::5", "::error::owned"]
        assert out[-1] == f"::{token}::"


class TestForkArchive:
    """In the fork's own CI run: the archive is believed only for what its own manifest says."""

    def archive_record(self, digest: str) -> dict:
        return {"name": "ghcr.io/octo-org/sample-app", "digest": digest, "head_sha": HEAD, "pushed": False}

    def test_classic_store__runs_the_config_digest(self, tmp_path, docker):
        config_id = f"sha256:{sha(CONFIG)}"
        docker.set(ids={"img:tag": config_id})
        status, result = run_deploy(tmp_path, self.archive_record(config_id), "--archive", str(classic(tmp_path)))
        assert (status, result["status"]) == (0, "success"), result
        assert create_call(docker)[-3:] == [config_id, "2", "3"]

    def test_containerd_store__the_manifest_digest_is_accepted(self, tmp_path, docker):
        path, manifest_digest = oci(tmp_path)
        docker.set(ids={"img:tag": manifest_digest})
        status, result = run_deploy(tmp_path, self.archive_record(f"sha256:{sha(CONFIG)}"), "--archive", str(path))
        assert (status, result["status"]) == (0, "success"), result
        assert create_call(docker)[-3:] == [manifest_digest, "2", "3"]

    def test_engine_reporting_another_image__refused_before_running(self, tmp_path, docker):
        config_id = f"sha256:{sha(CONFIG)}"
        docker.set(ids={"img:tag": "sha256:" + "9" * 64})
        status, result = run_deploy(tmp_path, self.archive_record(config_id), "--archive", str(classic(tmp_path)))
        assert (status, result["status"]) == (5, "refused")
        assert result["reason"] == (
            f"refused to run: the engine loaded sha256:{'9' * 64}, which the archive does not name"
        )
        assert "create" not in docker.commands()

    def test_archive__loaded_from_its_path_and_asked_for_by_its_tag(self, tmp_path, docker):
        """The exact commands: `docker load --input PATH`, then the Id of the archive's own tag."""
        config_id = f"sha256:{sha(CONFIG)}"
        docker.set(ids={"img:tag": config_id})
        path = classic(tmp_path)
        status, _ = run_deploy(tmp_path, self.archive_record(config_id), "--archive", str(path))
        assert status == 0
        assert docker.calls[:2] == [
            ["load", "--input", str(path)],
            ["image", "inspect", "--format", "{{.Id}}", "img:tag"],
        ]

    def test_engine_loading_nothing__said_so(self, tmp_path, docker):
        config_id = f"sha256:{sha(CONFIG)}"
        docker.set(ids={"img:tag": ""})
        status, result = run_deploy(tmp_path, self.archive_record(config_id), "--archive", str(classic(tmp_path)))
        assert (status, result["reason"]) == (
            5,
            "refused to run: the engine loaded nothing, which the archive does not name",
        )

    def test_archive_of_another_commit__refused_before_loading(self, tmp_path, docker):
        config = json.dumps({"config": {"Labels": {"org.opencontainers.image.revision": OTHER}}}).encode()
        path = classic(tmp_path, config)
        status, result = run_deploy(tmp_path, self.archive_record(f"sha256:{sha(config)}"), "--archive", str(path))
        assert (status, result["status"]) == (5, "refused")
        assert "label org.opencontainers.image.revision is 'ffff" in result["reason"]
        assert docker.calls == []

    def test_record_naming_another_image__refused_before_loading(self, tmp_path, docker):
        status, result = run_deploy(
            tmp_path, self.archive_record("sha256:" + "1" * 64), "--archive", str(classic(tmp_path))
        )
        assert (status, result["status"]) == (5, "refused")
        assert result["reason"] == (
            f"refused to run: the archive holds sha256:{sha(CONFIG)}, CI recorded sha256:{'1' * 64}"
        )
        assert docker.calls == []

    def test_archive_holding_two_images__both_named_in_order(self, tmp_path, docker):
        path, manifest_digest = oci(tmp_path)
        status, result = run_deploy(tmp_path, self.archive_record("sha256:" + "1" * 64), "--archive", str(path))
        held = ", ".join(sorted([f"sha256:{sha(CONFIG)}", manifest_digest]))
        assert (status, result["reason"]) == (
            5,
            f"refused to run: the archive holds {held}, CI recorded sha256:{'1' * 64}",
        )


class TestAlwaysAResult:
    def test_malformed_head_sha__refused_and_written(self, tmp_path, docker):
        status, result = run_deploy(tmp_path, {}, head="HEAD")
        assert (status, result["status"]) == (5, "refused")
        assert result["reason"] == "refused to run: --head-sha 'HEAD' is not a 40-character commit sha"

    def test_image_json_with_a_huge_integer__refused_and_written(self, tmp_path, docker):
        path = tmp_path / "image.json"
        path.write_text('{"size": ' + "9" * 5000 + "}")
        out = tmp_path / "deploy.json"
        status = deploy.main(["--image-json", str(path), "--head-sha", HEAD, "--out", str(out)], env={})
        result = json.loads(out.read_text())
        assert (status, result["status"]) == (5, "refused")
        assert "not valid JSON (an integer of more than 4,300 digits)" in result["reason"]

    def test_an_unexpected_error__still_writes_deploy_json(self, tmp_path, docker, monkeypatch):
        def broken(*_args, **_kwargs):
            raise KeyError("surprise")

        monkeypatch.setattr(deploy, "read_image", broken)
        status, result = run_deploy(tmp_path, {})
        assert (status, result["status"]) == (6, "failure")
        assert result["reason"] == "internal error: KeyError: 'surprise'"


class TestContainerEdge:
    """scripts.deploy.container against the fake CLI: messages, limits and clean-up written out."""

    def test_docker_failing__its_last_stderr_line_cut_to_300(self, docker):
        from scripts.deploy import container
        from scripts.errors import DeployError

        docker.set(fail={"pull": "first line\n" + "e" * 400})
        with pytest.raises(DeployError, match=r"^docker pull failed: ") as caught:
            container.docker("pull", "x")
        assert str(caught.value) == "docker pull failed: " + "e" * 300

    def test_docker_failing_silently__says_so(self, docker):
        from scripts.deploy import container
        from scripts.errors import DeployError

        docker.set(fail={"pull": ""})
        with pytest.raises(DeployError, match=r"^docker pull failed: no message$"):
            container.docker("pull", "x")

    def test_docker_missing__one_line(self, monkeypatch):
        from scripts.deploy import container
        from scripts.errors import DeployError

        monkeypatch.setenv("PATH", "/nonexistent")
        with pytest.raises(DeployError, match=r"^docker is not installed$"):
            container.docker("version")

    def test_exit_code__the_engines_record_not_the_cli_return(self, docker):
        from scripts.deploy import container

        docker.set(run={"stdout": "", "exit": 0}, inspect="3")
        result = container.run("img", [], timeout=10)
        assert (result.exit_code, result.timed_out) == (3, False)

    def test_exit_code__engine_cannot_say_then_the_clis(self, docker):
        """inspect failing (the container already gone) is not an error: the CLI's code stands."""
        from scripts.deploy import container

        docker.set(run={"stdout": "", "exit": 4}, fail={"inspect": "Error: No such container"})
        result = container.run("img", [], timeout=10)
        assert (result.exit_code, result.timed_out) == (4, False)

    def test_limits__two_minutes_per_docker_call_thirty_seconds_of_grace(self):
        from scripts.deploy import container

        assert inspect.signature(container.docker).parameters["timeout"].default == 120
        assert container.GRACE == 30

    def test_engine_not_stopping_the_container__the_client_dropped_after_the_grace(self, docker, monkeypatch):
        from scripts.deploy import container

        monkeypatch.setattr(container, "GRACE", 0.3)
        docker.set(run={"stdout": "", "sleep": 20}, fail={"kill": "Error: cannot kill container: permission denied"})
        started = time.monotonic()
        result = container.run("img", [], timeout=0.2)
        assert (result.exit_code, result.timed_out) == (None, True)
        assert time.monotonic() - started < 8
        assert docker.calls[-1][:2] == ["rm", "--force"]

    def test_output_held_open_by_a_leftover_process__what_arrived_kept_and_deploy_ends(self, docker):
        """A container can leave a process holding its output pipe: what arrived is kept, the
        readers are abandoned after the grace, and nothing keeps deploy's own process alive."""
        docker.set(run={"stdout": "5\n", "orphan": 30})
        script = (
            "from scripts.deploy import container; container.GRACE = 0.3; "
            "print(repr(container.run('img', [], timeout=20).stdout))"
        )
        started = time.monotonic()
        try:
            done = subprocess.run(
                [sys.executable, "-c", script], capture_output=True, text=True, timeout=90, cwd=ROOT, check=False
            )
        finally:
            docker.stop_orphan()
        assert (done.returncode, done.stdout) == (0, "'5\\n'\n"), done.stderr
        assert time.monotonic() - started < 15

    def test_reader_finishing_after_it_was_abandoned__closes_its_own_pipe(self, docker, monkeypatch):
        """A busy machine can leave a reader behind the grace: when it does get to the end of the
        output, its pipe is closed (not left for the garbage collector to warn about)."""
        from scripts.deploy import container

        go, streams, threads = threading.Event(), [], []
        real = container._tail

        def late(stream, keep, counter):
            streams.append(stream)
            threads.append(threading.current_thread())
            go.wait(10)
            real(stream, keep, counter)

        monkeypatch.setattr(container, "_tail", late)
        monkeypatch.setattr(container, "GRACE", 0.05)
        docker.set(run={"stdout": "5\n"})
        result = container.run("img", [], timeout=10)
        assert (result.exit_code, result.stdout) == (0, "")  # both readers were abandoned
        assert [s.closed for s in streams] == [False, False]
        go.set()
        for thread in threads:
            thread.join(10)
        assert [s.closed for s in streams] == [True, True]

    def test_kill_failing_at_the_timeout__still_a_timeout(self, docker):
        """The container may have exited just as the timeout struck: kill failing is no error."""
        from scripts.deploy import container

        docker.set(run={"stdout": "", "sleep": 0.7}, fail={"kill": "Error: container is not running"})
        result = container.run("img", [], timeout=0.2)
        assert (result.exit_code, result.timed_out) == (None, True)
        assert [c[0] for c in docker.calls if c[0] == "kill"] == ["kill"]

    def test_docker_hanging__named_with_its_deadline(self, docker):
        from scripts.deploy import container
        from scripts.errors import DeployError

        docker.set(run={"sleep": 5})
        with pytest.raises(DeployError, match=r"^docker start did not finish within 0.25 s$"):
            container.docker("start", "--attach", "x", timeout=0.25)

    def test_docker__input_and_environment_reach_the_cli(self, docker, tmp_path):
        from scripts.deploy import container

        config = str(tmp_path / "cfg")
        done = container.docker(
            "login", "--password-stdin", "r", stdin="secret", env={**os.environ, "DOCKER_CONFIG": config}
        )
        assert done.stdout == "Login Succeeded\n"
        assert docker.calls == [["login", "--password-stdin", "r"]]
        assert docker.login == {"stdin": "secret", "docker_config": config}

    def test_run__both_streams_kept_and_decoded(self, docker):
        from scripts.deploy import container

        docker.set(run={"stdout": "out\u00e9\n", "stderr": "err\n", "exit": 4})
        result = container.run("img", ["1"], timeout=10)
        assert (result.stdout, result.stderr, result.exit_code, result.timed_out) == ("out\u00e9\n", "err\n", 4, False)
        assert (result.stdout_bytes, result.stderr_bytes) == (len("out\u00e9\n".encode()), 4)
        assert docker.calls[1] == ["start", "--attach", result.command[3]]
        assert docker.calls[2] == ["inspect", "--format", "{{.State.ExitCode}}", result.command[3]]

    def test_run__a_flood_is_cut_to_the_last_64_kib_and_counted(self, docker):
        from scripts.deploy import container

        flood = "".join(f"{i:07d}\n" for i in range(100_000))  # 800,000 bytes
        docker.set(run={"stdout": flood, "exit": 0})
        result = container.run("img", [], timeout=30)
        assert result.stdout_bytes == 800_000
        assert result.stdout == flood[-65_536:]

    def test_run__killed_at_the_timeout(self, docker):
        from scripts.deploy import container

        docker.set(run={"sleep": 30})
        result = container.run("img", [], timeout=0.2)
        assert (result.timed_out, result.exit_code) == (True, None)
        assert ["kill", result.command[3]] in docker.calls
        assert docker.calls[-1] == ["rm", "--force", result.command[3]]

    def test_keep_for_debugging(self, docker, monkeypatch):
        from scripts.deploy import container

        monkeypatch.setenv("DEPLOY_KEEP_CONTAINER", "1")
        container.run("img", [], timeout=10)
        assert "rm" not in docker.commands()


class TestWhatDeploySays:
    def test_success__its_lines_on_stderr_and_the_output_on_stdout(self, tmp_path, docker, ready, capsys):
        status, result = run_deploy(tmp_path, ready)
        out, err = capsys.readouterr()
        assert status == 0
        assert err.splitlines()[0] == "deploy: success: 2 3 printed 5 as expected"
        assert err.splitlines()[1] == f"deploy: ran {result['command']}"
        assert out.splitlines()[1] == "5"
        assert (result["expected_output"], result["exit_code"]) == ("5", 0)

    def test_long_output__kept_tail_and_said_how_much(self, tmp_path, docker, ready):
        docker.set(run={"stdout": "o" * 5000, "stderr": "e" * 4500, "exit": 0})
        status, result = run_deploy(tmp_path, ready)
        assert status == 6
        assert result["stdout"] == "o" * 4000
        assert result["stderr"] == "e" * 4000
        assert result["reason"] == (
            "printed 'oooooooooooooooooooooooooooooooooooooooo', expected '5'"
            " (printed 5,000 bytes; the last 4,000 are kept) (stderr: 4,500 bytes; the last 4,000 are kept)"
        )

    def test_expect_and_args__taken_from_the_command_line(self, tmp_path, docker, ready):
        docker.set(run={"stdout": "9\n", "exit": 0})
        status, result = run_deploy(tmp_path, ready, "--expect", "9", "4", "5")
        assert (status, result["status"], result["reason"]) == (0, "success", "4 5 printed 9 as expected")
        assert create_call(docker)[-2:] == ["4", "5"]

    def test_ref__resolves_the_tag_given(self, tmp_path, registry, docker):
        digest, _ = image(registry, {"org.opencontainers.image.revision": HEAD}, tag="release")
        status, result = run_deploy(tmp_path, record(registry, digest), "--ref", f"{registry.address}/o/r:release")
        assert (status, result["status"]) == (0, "success")
        assert "GET /v2/o/r/manifests/release" in registry.seen

    def test_registry_failure__a_failure_not_a_refusal(self, tmp_path, registry, docker):
        status, result = run_deploy(tmp_path, record(registry, "sha256:" + "1" * 64))
        assert (status, result["status"]) == (6, "failure")
        assert result["reason"] == f"registry {registry.address}: not found (404): o/r/manifests/sha-{HEAD}"


class TestCredentialsAndRecord:
    @pytest.fixture
    def private(self, registry, docker):
        digest, _ = image(registry, {"org.opencontainers.image.revision": HEAD}, tag=f"sha-{HEAD}")
        registry.basic = "ci:s3cret"
        return record(registry, digest)

    def test_private_registry__credentials_from_the_environment_reach_it(self, tmp_path, registry, docker, private):
        env = {"REGISTRY_USERNAME": "ci", "REGISTRY_PASSWORD": "s3cret"}
        status, result = run_deploy(tmp_path, private, "--image-name", private["name"], env=env)
        assert (status, result["status"]) == (0, "success"), result

    def test_private_registry__without_credentials_one_line(self, tmp_path, registry, docker, private):
        status, result = run_deploy(tmp_path, private)
        assert (status, result["status"]) == (6, "failure")
        assert result["reason"] == (
            f"registry {registry.address}: needs credentials (set REGISTRY_USERNAME and REGISTRY_PASSWORD)"
        )

    def test_refusal_before_anything_resolved__image_and_digest_empty_strings(self, tmp_path, registry, docker):
        """deploy.json's shape does not change on refusal: "" rather than null, which CD reads."""
        digest, _ = image(registry, {"org.opencontainers.image.revision": OTHER}, tag=f"sha-{HEAD}")
        status, result = run_deploy(tmp_path, record(registry, digest))
        assert (status, result["status"], result["image"], result["digest"]) == (5, "refused", "", "")
        registry.routes.clear()
        status, result = run_deploy(tmp_path, record(registry, digest))
        assert (status, result["status"], result["image"], result["digest"]) == (6, "failure", "", "")

    def test_duration__seconds_to_the_millisecond(self, tmp_path, registry, docker):
        digest, _ = image(registry, {"org.opencontainers.image.revision": HEAD}, tag=f"sha-{HEAD}")
        docker.set(run={"stdout": "5\n", "sleep": 0.1})
        _, result = run_deploy(tmp_path, record(registry, digest))
        assert 0.1 <= result["duration"] < 10
        assert result["duration"] == round(result["duration"], 3)
        assert isinstance(result["duration"], float)

    def test_failures_keep_what_was_resolved(self, tmp_path, registry, docker):
        digest, _ = image(registry, {"org.opencontainers.image.revision": HEAD}, tag=f"sha-{HEAD}")
        docker.set(fail={"create": "boom"})
        _, result = run_deploy(tmp_path, record(registry, digest))
        assert (result["status"], result["image"], result["digest"]) == (
            "failure",
            f"{registry.address}/o/r@{digest}",
            digest,
        )

    def test_dry_run__says_what_it_would_run(self, tmp_path, registry, docker):
        digest, _ = image(registry, {"org.opencontainers.image.revision": HEAD}, tag=f"sha-{HEAD}")
        _, result = run_deploy(tmp_path, record(registry, digest), "--dry-run", "7", "8")
        pinned = f"{registry.address}/o/r@{digest}"
        assert (result["reason"], result["image"], result["digest"]) == (
            f"dry run: verified {pinned}; would run it with 7 8",
            pinned,
            digest,
        )

    def test_deploy_json__written_where_asked_folders_made_indented_by_one(self, tmp_path, registry, docker):
        image_json = tmp_path / "image.json"
        image_json.write_text("{}")
        out = tmp_path / "a" / "b" / "deploy.json"
        assert deploy.main(["--image-json", str(image_json), "--head-sha", HEAD, "--out", str(out)], env={}) == 5
        text = out.read_text(encoding="utf-8")
        assert text.startswith('{\n "status": "refused",\n "reason": ')
        assert text.endswith("\n}\n")


class TestExactly:
    """What deploy.json says, to the character, and the limits it keeps, as literals."""

    def test_transfer_timeout__fifteen_minutes(self):
        assert deploy.TRANSFER_TIMEOUT == 900

    def test_pull_hanging__bounded_by_the_transfer_timeout(self, tmp_path, docker, ready, monkeypatch):
        monkeypatch.setattr(deploy, "TRANSFER_TIMEOUT", 0.3)
        docker.set(sleeps={"pull": 5})
        status, result = run_deploy(tmp_path, ready)
        assert (status, result["status"], result["reason"]) == (6, "failure", "docker pull did not finish within 0.3 s")
        assert "create" not in docker.commands()

    def test_load_hanging__bounded_by_the_transfer_timeout(self, tmp_path, docker, monkeypatch):
        monkeypatch.setattr(deploy, "TRANSFER_TIMEOUT", 0.3)
        config_id = f"sha256:{sha(CONFIG)}"
        docker.set(ids={"img:tag": config_id}, sleeps={"load": 5})
        data = {"name": "ghcr.io/octo-org/sample-app", "digest": config_id, "head_sha": HEAD, "pushed": False}
        status, result = run_deploy(tmp_path, data, "--archive", str(classic(tmp_path)))
        assert (status, result["status"], result["reason"]) == (6, "failure", "docker load did not finish within 0.3 s")

    def test_archive_without_tags__its_image_asked_for_by_digest(self, tmp_path, docker):
        """`docker save IMAGE_ID` writes no RepoTags: the loaded image is found by the digest."""
        config_id = f"sha256:{sha(CONFIG)}"
        manifest = json.dumps([{"Config": f"{sha(CONFIG)}.json", "RepoTags": None, "Layers": []}]).encode()
        path = make_tar(tmp_path / "untagged.tar", {"manifest.json": manifest, f"{sha(CONFIG)}.json": CONFIG})
        docker.set(ids={config_id: config_id})
        data = {"name": "ghcr.io/octo-org/sample-app", "digest": config_id, "head_sha": HEAD, "pushed": False}
        status, result = run_deploy(tmp_path, data, "--archive", str(path))
        assert (status, result["status"]) == (0, "success"), result
        assert docker.calls[1] == ["image", "inspect", "--format", "{{.Id}}", config_id]

    def test_malformed_head_sha__cut_to_60_characters(self, tmp_path, docker):
        status, result = run_deploy(tmp_path, {}, head="x" * 100)
        assert (status, result["reason"]) == (
            5,
            "refused to run: --head-sha 'xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx'"
            " is not a 40-character commit sha",
        )

    def test_command__the_create_line_as_run(self, tmp_path, docker, ready):
        _, result = run_deploy(tmp_path, ready)
        assert result["command"] == "docker " + " ".join(create_call(docker))
        assert result["command"].startswith("docker create --name ")

    def test_only_stdout_cut__said_once(self, tmp_path, docker, ready):
        docker.set(run={"stdout": "o" * 4001, "exit": 1})
        _, result = run_deploy(tmp_path, ready)
        assert result["reason"] == "exited with status 1 (printed 4,001 bytes; the last 4,000 are kept)"
        image = f"{ready['name']}@{ready['digest']}"
        assert (result["image"], result["digest"], result["exit_code"]) == (image, ready["digest"], 1)

    def test_unexpected_error__its_message_cut_to_300(self, tmp_path, docker, monkeypatch):
        def broken(*_args, **_kwargs):
            raise ValueError("y" * 400)

        monkeypatch.setattr(deploy, "read_image", broken)
        _, result = run_deploy(tmp_path, {})
        assert result["reason"] == "internal error: ValueError: " + "y" * 300

    def test_without_env__the_process_environment_is_read(self, tmp_path, docker, ready, monkeypatch):
        monkeypatch.setenv("REGISTRY_USERNAME", "u")
        monkeypatch.setenv("REGISTRY_PASSWORD", "from-the-environment")
        image_json = tmp_path / "image.json"
        image_json.write_text(json.dumps(ready))
        argv = ["--image-json", str(image_json), "--head-sha", HEAD, "--image-name", ready["name"]]
        assert deploy.main(argv) == 0
        assert docker.login["stdin"] == "from-the-environment"

    @pytest.mark.parametrize(
        "env", [{"REGISTRY_USERNAME": "u"}, {"REGISTRY_PASSWORD": "p"}], ids=["user-only", "password-only"]
    )
    def test_half_a_credential__no_docker_login(self, tmp_path, docker, ready, env):
        status, _ = run_deploy(tmp_path, ready, "--image-name", ready["name"], env=env)
        assert status == 0
        assert "login" not in docker.commands()
        assert docker.commands()[0] == "pull"
