"""The workflows, audited: actionlint and zizmor (pedantic) find nothing, and the properties that
keep them safe and faithful to github.com are asserted, so that a regression fails here before it
reaches GitHub. Static: runs once, in CI's full test leg."""

from __future__ import annotations

import csv
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parent.parent
WORKFLOWS = ROOT / ".github" / "workflows"
BIN = Path(sys.executable).parent
PINS = {
    row["action"]: row
    for row in csv.DictReader(
        (ROOT / "tests" / "fixtures" / "action-pins.tsv").read_text().splitlines(), delimiter="\t"
    )
}
pytestmark = pytest.mark.static  # needs the tool wheels: runs once, in CI's full test leg
ALLOWED_CI_WRITES = {"packages", "security-events", "id-token", "attestations"}


def load(name: str) -> dict:
    data = yaml.safe_load((WORKFLOWS / name).read_text())
    data["on"] = data.pop(True, data.get("on"))  # YAML 1.1 reads the key `on` as true
    return data


CI, CD, RELEASE, CLEANUP = load("ci.yml"), load("cd.yml"), load("release.yml"), load("cleanup.yml")
# Every workflow (the name predates release.yml and cleanup.yml).
BOTH = {"ci.yml": CI, "cd.yml": CD, "release.yml": RELEASE, "cleanup.yml": CLEANUP}


def steps(workflow: dict):
    for job_id, job in workflow["jobs"].items():
        for step in job.get("steps", []):
            yield job_id, step


def run_tool(*cmd: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if k != "FORCE_COLOR"} | {"NO_COLOR": "1"}
    return subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True, timeout=120, check=False, env=env)


class TestLinters:
    def test_actionlint__no_findings(self):
        done = run_tool(str(BIN / "actionlint"), "-shellcheck", str(BIN / "shellcheck"))
        assert (done.returncode, done.stdout) == (0, ""), done.stdout + done.stderr

    @pytest.mark.parametrize(
        ("name", "event"),
        [("ci.yml", "push"), ("cd.yml", "workflow_run"), ("release.yml", "push"), ("cleanup.yml", "pull_request")],
    )
    def test_act__reads_the_workflow(self, name, event):
        """act's schema is older than GitHub's (it refuses artifact-metadata, for one): a workflow
        that act cannot read would leave the end-to-end proof silently behind."""
        done = run_tool(str(BIN / "act"), event, "--workflows", f".github/workflows/{name}", "--list")
        assert done.returncode == 0, done.stdout + done.stderr

    def test_zizmor__pedantic_offline_no_findings_but_the_one_justified_ignore(self):
        done = run_tool(str(BIN / "zizmor"), "--offline", "--persona", "pedantic", ".github/")
        assert done.returncode == 0, done.stdout + done.stderr
        assert "No findings to report" in done.stdout
        assert "(1 ignored)" in done.stdout

    def test_zizmor__the_only_ignore_is_dangerous_triggers_on_cd_with_a_reason(self):
        ignores = [
            (path.name, line)
            for path in WORKFLOWS.glob("*.yml")
            for line in path.read_text().splitlines()
            if "zizmor: ignore" in line
        ]
        assert len(ignores) == 1
        name, line = ignores[0]
        assert name == "cd.yml"
        reason = re.search(r"zizmor: ignore\[dangerous-triggers\] (.+)", line)
        assert reason
        assert len(reason.group(1)) > 30


class TestPins:
    @pytest.mark.parametrize("name", sorted(BOTH))
    def test_uses__every_action_is_a_pinned_sha_from_the_pins_file(self, name):
        text = (WORKFLOWS / name).read_text()
        uses = re.findall(r"uses: (\S+)@(\S+)(?: # (\S+))?", text)
        assert uses
        for action, ref, comment in uses:
            assert action in PINS, f"{action} is not in action-pins.tsv"
            assert re.fullmatch(r"[0-9a-f]{40}", ref), f"{action}@{ref} is not a commit sha"
            assert ref == PINS[action]["commit_sha"], f"{action} pinned to {ref}, not {PINS[action]['commit_sha']}"
            assert comment == PINS[action]["tag"], f"{action}: comment {comment!r}, pin is {PINS[action]['tag']}"
            assert PINS[action]["runtime"] in ("node24", "composite")

    def test_trivy__version_input_is_pinned(self):
        trivy = [s for _, s in steps(CI) if s.get("uses", "").startswith("aquasecurity/trivy-action@")]
        assert trivy
        assert all(re.fullmatch(r"v\d+\.\d+\.\d+", s["with"]["version"]) for s in trivy)


class TestPermissions:
    @pytest.mark.parametrize("name", sorted(BOTH))
    def test_permissions__empty_at_the_top_and_declared_per_job(self, name):
        workflow = BOTH[name]
        assert workflow["permissions"] == {}
        for job_id, job in workflow["jobs"].items():
            assert isinstance(job.get("permissions"), dict), f"{name}:{job_id} has no permissions block"

    @pytest.mark.parametrize("name", sorted(BOTH))
    def test_permissions__every_grant_says_why(self, name):
        lines = (WORKFLOWS / name).read_text().splitlines()
        for i, line in enumerate(lines):
            if line.strip() == "permissions:" and line.startswith("    "):
                for grant in lines[i + 1 :]:
                    if not grant.startswith("      "):
                        break
                    assert "#" in grant, f"{name}: {grant.strip()} has no why-comment"

    def test_ci__writes_only_where_needed(self):
        for job_id, job in CI["jobs"].items():
            writes = {scope for scope, level in job["permissions"].items() if level == "write"}
            assert writes <= ALLOWED_CI_WRITES, f"ci.yml:{job_id} writes {writes - ALLOWED_CI_WRITES}"
        assert {s for s, lvl in CI["jobs"]["image"]["permissions"].items() if lvl == "write"} == {
            "packages",
            "id-token",
            "attestations",
        }
        assert {s for s, lvl in CI["jobs"]["scan"]["permissions"].items() if lvl == "write"} == {"security-events"}

    def test_ci__pushes_and_uploads_sarif_only_when_the_token_may(self):
        image = CI["jobs"]["image"]
        policy = next(s for s in image["steps"] if s.get("id") == "policy")
        assert (
            policy["env"]["PUSH"]
            == "${{ github.event_name == 'push' || github.event.pull_request.head.repo.full_name == github.repository }}"
        )
        push = next(s for s in image["steps"] if s.get("id") == "push")
        assert push["if"] == "steps.policy.outputs.push == 'true'"
        sarif = next(s for _, s in steps(CI) if "upload-sarif" in s.get("uses", ""))
        assert "needs.image.outputs.pushed == 'true'" in sarif["if"]

    def test_cd__no_write_in_the_deploy_job(self):
        assert CD["jobs"]["deploy"]["permissions"] == {"contents": "read", "packages": "read", "actions": "read"}
        for job in ("comment", "report-fork-smoke"):
            assert CD["jobs"][job]["permissions"] == {"contents": "read", "actions": "read", "pull-requests": "write"}

    def test_cd__report_deploy_reads_only_its_own_run(self):
        """It downloads this run's deploy-result, which needs no token: no actions permission."""
        job = CD["jobs"]["report-deploy"]
        assert job["permissions"] == {"contents": "read", "pull-requests": "write"}
        download = next(s for s in job["steps"] if s.get("uses", "").startswith("actions/download-artifact@"))
        assert "run-id" not in download["with"]
        assert "github-token" not in download["with"]

    def test_ci__smoke_run_of_a_forks_image_is_unprivileged(self):
        smoke = CI["jobs"]["smoke"]
        assert smoke["permissions"] == {"contents": "read"}
        assert smoke["if"] == "needs.image.outputs.pushed != 'true'"
        run = next(s["run"] for s in smoke["steps"] if "scripts.deploy" in s.get("run", ""))
        assert "--archive" in run
        assert not any(
            "secrets." in str(v) or "token" in str(v) for s in smoke["steps"] for v in s.get("env", {}).values()
        )

    def test_cd__never_loads_or_runs_a_forks_image(self):
        deploy = CD["jobs"]["deploy"]
        assert "github.event.workflow_run.head_repository.full_name == github.repository" in deploy["if"]
        text = (WORKFLOWS / "cd.yml").read_text()
        assert "image-archive" not in text
        assert "--archive" not in text


class TestTriggersAndConditions:
    def test_triggers(self):
        assert set(CI["on"]) == {"push", "pull_request"}
        assert CD["on"] == {"workflow_run": {"workflows": ["CI"], "types": ["completed"]}}
        for path in WORKFLOWS.glob("*.yml"):
            assert "pull_request_target" not in path.read_text()

    def test_cd__deploys_only_after_success_and_comments_only_for_prs(self):
        jobs = CD["jobs"]
        assert "github.event.workflow_run.conclusion == 'success'" in jobs["deploy"]["if"]
        assert "github.event.workflow_run.event == 'pull_request'" in jobs["comment"]["if"]
        assert "needs.deploy.result != 'skipped'" in jobs["report-deploy"]["if"]

    @pytest.mark.parametrize("conclusion", ["cancelled", "skipped", "action_required", "timed_out", "stale"])
    def test_cd__runs_no_job_for_a_run_that_made_no_report(self, conclusion):
        """workflow_run: completed fires for every conclusion; a superseded (cancelled) PR run left
        no pr-report, so every job must be skipped, or CD turns red trying to download it."""
        for job_id, job in CD["jobs"].items():
            condition = job["if"]
            assert (
                "github.event.workflow_run.conclusion == 'success'" in condition
                or "github.event.workflow_run.conclusion == 'failure'" in condition
                or "needs.deploy.result != 'skipped'" in condition
            ), job_id
            assert f"conclusion == '{conclusion}'" not in condition

    def test_cd__keyed_on_workflow_run_never_on_github_sha(self):
        text = (WORKFLOWS / "cd.yml").read_text()
        assert "github.sha" not in text
        assert "github.event.workflow_run.head_sha" in text
        assert "GITHUB_ENV" not in text
        assert "GITHUB_PATH" not in text

    @pytest.mark.parametrize("name", sorted(BOTH))
    def test_run_steps__no_expressions_inside_scripts(self, name):
        for job_id, step in steps(BOTH[name]):
            assert "${{" not in step.get("run", ""), f"{name}:{job_id}: expression inside run:"

    @pytest.mark.parametrize("name", sorted(BOTH))
    def test_checkout__never_persists_credentials_nor_checks_out_the_pr(self, name):
        for job_id, step in steps(BOTH[name]):
            if step.get("uses", "").startswith("actions/checkout@"):
                assert step["with"]["persist-credentials"] is False
                if name == "cd.yml":
                    assert "ref" not in step["with"], job_id
                    assert "repository" not in step["with"], job_id
                if name in ("release.yml", "cleanup.yml"):  # the reviewed scripts, whatever the event names
                    assert step["with"]["ref"] == "${{ github.event.repository.default_branch }}", job_id
                    assert "repository" not in step["with"], job_id

    @pytest.mark.parametrize("name", sorted(BOTH))
    def test_jobs__all_have_timeouts(self, name):
        assert all(isinstance(job.get("timeout-minutes"), int) for job in BOTH[name]["jobs"].values())

    def test_concurrency__every_push_to_main_is_its_own_group(self):
        """A group keeps one running and one pending run and drops older pending ones: pushes to
        main must not share a group, or commits lose their image and deploy."""
        group = CI["concurrency"]["group"]
        assert group == (
            "${{ github.workflow }}-${{ github.event_name == 'pull_request'"
            " && format('pr-{0}', github.event.pull_request.number) || github.run_id }}"
        )
        assert "github.ref" not in group
        assert CI["concurrency"]["cancel-in-progress"] == "${{ github.event_name == 'pull_request' }}"
        assert CD["concurrency"] == {
            "group": "${{ github.workflow }}-${{ github.event.workflow_run.id }}",
            "cancel-in-progress": False,
        }

    def test_ci__matrix_comes_from_pyproject(self):
        test = CI["jobs"]["test"]
        assert test["strategy"] == {"fail-fast": False, "matrix": "${{ fromJSON(needs.matrix.outputs.matrix) }}"}
        assert "--cov-fail-under=90" in next(s["run"] for s in test["steps"] if "pytest" in s.get("run", ""))

    def test_ci__legs_install_what_they_use_and_the_slow_tests_run_once(self):
        test = CI["jobs"]["test"]
        install = next(s for s in test["steps"] if "uv pip install" in s.get("run", ""))
        assert install["env"]["REQUIREMENTS"] == (
            "${{ matrix.suite == 'full' && 'requirements-dev.txt' || 'requirements-test.txt' }}"
        )
        pytest_step = next(s for s in test["steps"] if "pytest" in s.get("run", ""))
        assert pytest_step["env"]["MARKERS"] == (
            "${{ matrix.suite == 'full' && 'not e2e' || 'not e2e and not docker and not registry and not static' }}"
        )

    def test_ci__apt_get_install_always_after_update(self):
        """A hosted runner's package index can be stale: install without update fails."""
        for name, workflow in BOTH.items():
            for job_id, step in steps(workflow):
                run = step.get("run", "")
                if "apt-get install" in run:
                    assert run.index("apt-get update") < run.index("apt-get install"), f"{name}:{job_id}"

    def test_ci__sha_tag_is_the_pr_head_and_so_is_what_is_built(self):
        image = CI["jobs"]["image"]
        assert image["env"]["DOCKER_METADATA_PR_HEAD_SHA"] == "true"
        meta = next(s for s in image["steps"] if s.get("id") == "meta")
        assert "type=sha,format=long,prefix=sha-" in meta["with"]["tags"]
        assert "type=raw,value=latest,enable={{is_default_branch}}" in meta["with"]["tags"]
        assert "type=raw,value=${{ steps.tags.outputs.branch }}" in meta["with"]["tags"]
        checkout = next(s for s in image["steps"] if s.get("uses", "").startswith("actions/checkout@"))
        assert checkout["with"]["ref"] == "${{ github.event.pull_request.head.sha || github.sha }}"
        assert image["env"]["HEAD_SHA"] == checkout["with"]["ref"]

    def test_ci__features_a_repository_may_lack_never_block(self):
        """Attestations (public or Enterprise Cloud) and code scanning may be unavailable: those
        steps continue on error and their outcome reaches the report."""
        attest = next(s for _, s in steps(CI) if s.get("uses", "").startswith("actions/attest-build-provenance@"))
        sarif = next(s for _, s in steps(CI) if "upload-sarif" in s.get("uses", ""))
        assert attest["continue-on-error"] is True
        # attest v4 needs artifact-metadata: write for its storage record, unless it is turned off.
        assert attest["with"]["create-storage-record"] is False
        assert sarif["continue-on-error"] is True
        report = next(s for s in CI["jobs"]["report"]["steps"] if "scripts.report" in s.get("run", ""))
        assert report["env"]["ATTESTATION"] == "${{ needs.image.outputs.attestation }}"
        assert report["env"]["CODE_SCANNING"] == "${{ needs.scan.outputs.code-scanning }}"

    def test_ci__trivy_scans_once(self):
        trivy = [s for _, s in steps(CI) if s.get("uses", "").startswith("aquasecurity/trivy-action@")]
        assert len(trivy) == 1
        assert trivy[0]["with"]["format"] == "json"
        # ... and the SARIF for code scanning is made from that one JSON by our mapping, which the
        # upload step takes.
        scan = CI["jobs"]["scan"]["steps"]
        made = next(i for i, s in enumerate(scan) if s.get("run", "").startswith("python3 -m scripts.sarif "))
        upload = next(i for i, s in enumerate(scan) if "upload-sarif" in s.get("uses", ""))
        assert made < upload
        assert scan[made]["run"].startswith("python3 -m scripts.sarif reports/scan/trivy.json ")
        assert scan[made]["run"].endswith("--out reports/scan/trivy.sarif")
        assert scan[upload]["with"]["sarif_file"] == "reports/scan/trivy.sarif"
        # ... and the PR report reads that same file from the scan artifact (collect prefers it).
        artifact = next(s for s in scan if s.get("with", {}).get("name") == "scan")
        assert artifact["with"]["path"] == "reports/"


class TestRelease:
    def test_triggers__version_tags_and_a_manual_rerun_only(self):
        assert RELEASE["on"] == {
            "push": {"tags": ["v*.*.*"]},
            "workflow_dispatch": {
                "inputs": {
                    "tag": {
                        "description": "An existing tag vX.Y.Z to release (again)",
                        "required": True,
                        "type": "string",
                    }
                }
            },
        }
        assert RELEASE["concurrency"] == {"group": "${{ github.workflow }}", "cancel-in-progress": False}

    def test_nothing_is_built(self):
        """Promotion moves tags to the digest CI built; a build here would make another image."""
        text = (WORKFLOWS / "release.yml").read_text()
        for builder in ("build-push-action", "setup-buildx", "docker build", "buildx", "imagetools", "docker push"):
            assert builder not in text, builder

    def test_permissions__verify_reads_publish_writes_contents_and_packages_only(self):
        jobs = RELEASE["jobs"]
        assert jobs["verify"]["permissions"] == {
            "contents": "read",
            "actions": "read",
            "packages": "read",
            "attestations": "read",
        }
        assert jobs["publish"]["permissions"] == {"contents": "write", "packages": "write"}
        assert jobs["publish"]["needs"] == "verify"

    def test_order__verify_provenance_smoke_then_publish(self):
        runs = [s.get("run", "").split()[:3] for s in RELEASE["jobs"]["verify"]["steps"] if "run" in s]
        assert runs == [
            ["python", "-m", "pip"],
            ["python", "-m", "scripts.promote"],
            ["gh", "attestation", "verify"],
            ["python", "-m", "scripts.deploy"],
        ]
        gh = next(s for s in RELEASE["jobs"]["verify"]["steps"] if s.get("run", "").startswith("gh "))
        for flag in (
            '--signer-workflow "$REPO/.github/workflows/ci.yml"',
            "--source-ref",
            "--deny-self-hosted-runners",
        ):
            assert flag in gh["run"]
        last = RELEASE["jobs"]["publish"]["steps"][-1]["run"]
        assert last.startswith("python -m scripts.promote publish ")
        assert '--deploy "$RUNNER_TEMP/release/deploy.json"' in last


class TestCleanup:
    def test_triggers__a_closed_pr_a_weekly_sweep_and_by_hand(self):
        assert CLEANUP["on"] == {
            "pull_request": {"types": ["closed"]},
            "schedule": [{"cron": "23 4 * * 1"}],
            "workflow_dispatch": None,
        }
        assert CLEANUP["concurrency"] == {"group": "${{ github.workflow }}", "cancel-in-progress": False}

    def test_job__never_for_a_forks_pr_and_only_packages_written(self):
        job = CLEANUP["jobs"]["cleanup"]
        assert job["if"] == (
            "github.event_name != 'pull_request' || github.event.pull_request.head.repo.full_name == github.repository"
        )
        assert job["permissions"] == {"contents": "read", "pull-requests": "read", "packages": "write"}
        assert job["environment"] == "package-cleanup"  # the only place PACKAGES_TOKEN may live

    def test_steps__the_pr_by_number_else_the_sweep(self):
        steps_ = [s for s in CLEANUP["jobs"]["cleanup"]["steps"] if "scripts.cleanup" in s.get("run", "")]
        assert [(s["if"], s["run"].split(" --")[-1]) for s in steps_] == [
            ("github.event_name == 'pull_request'", 'pr "$PR"'),
            ("github.event_name != 'pull_request'", "closed-within-days 8"),
        ]
        assert steps_[0]["env"]["PR"] == "${{ github.event.pull_request.number }}"


class TestHooks:
    """.pre-commit-config.yaml: every hook from PyPI at the version the dev lock pins, and CI's
    hooks job runs exactly it (ruff check aside: the lint job's non-blocking report)."""

    CONFIG = yaml.safe_load((ROOT / ".pre-commit-config.yaml").read_text())

    def locked(self) -> dict[str, str]:
        """name -> version in requirements-dev.txt, for the newest Pythons where a marker splits it."""
        found = {}
        for line in (ROOT / "requirements-dev.txt").read_text().splitlines():
            match = re.match(r"([a-z0-9._-]+)(?:\[[a-z,]+\])?==([^ ;]+)( ; python_full_version < )?", line)
            if match and not match.group(3):
                found[match.group(1)] = match.group(2)
        return found

    def test_hooks__the_checks_the_issue_names(self):
        [repo] = self.CONFIG["repos"]
        assert repo["repo"] == "local"
        assert [h["id"] for h in repo["hooks"]] == [
            "ruff-check",
            "ruff-format",
            "zizmor",
            "actionlint",
            "hadolint",
            "shellcheck",
            "hashed-requirements",
        ]

    def test_hooks__pypi_packages_at_the_dev_locks_versions(self):
        locked = self.locked()
        for hook in self.CONFIG["repos"][0]["hooks"]:
            assert hook["language"] == "python", hook["id"]
            for requirement in hook.get("additional_dependencies", []):
                name, version = requirement.split("==")
                assert locked[name] == version, f"{hook['id']}: {requirement}, the dev lock has {locked[name]}"

    def test_ci__runs_the_same_hooks(self):
        job = CI["jobs"]["hooks"]
        runs = [s for s in job["steps"] if "run" in s]
        assert runs[0]["run"] == "python -m pip install --require-hashes --no-deps -r .ci/pre-commit-requirements.txt"
        assert runs[1]["run"] == "pre-commit run --all-files --show-diff-on-failure"
        assert runs[1]["env"] == {"SKIP": "ruff-check"}
        assert job["permissions"] == {"contents": "read"}


class TestArtifacts:
    def uploads(self, workflow: dict) -> dict[str, dict]:
        return {
            s["with"]["name"]: s["with"]
            for _, s in steps(workflow)
            if s.get("uses", "").startswith("actions/upload-artifact@")
        }

    def test_artifacts__names_and_rerun_safety(self):
        ci = self.uploads(CI)
        assert set(ci) == {
            "lint",
            "reports-py${{ matrix.python }}",
            "image",
            "image-archive",
            "scan",
            "pr-report",
            "deploy-result",
        }
        cd = self.uploads(CD)
        assert set(cd) == {"deploy-result"}
        assert all(u.get("overwrite") is True for u in [*ci.values(), *cd.values()])

    def test_artifacts__each_uploads_one_folder_so_it_carries_its_own_name(self):
        """One search path that is a folder: the artifact holds what is inside it, which each job
        lays out as <artifact name>/... so that merged downloads keep artifacts apart."""
        for workflow in (CI, CD):
            for upload in self.uploads(workflow).values():
                assert upload["path"].endswith("/"), upload
                assert "\n" not in upload["path"].strip()

    def test_artifacts__every_multi_artifact_download_merges(self):
        """By pattern, the layout would depend on how many artifacts match; merged, it does not."""
        for _, step in steps(CI):
            if step.get("uses", "").startswith("actions/download-artifact@"):
                assert "name" not in step["with"]
                assert step["with"]["merge-multiple"] is True

    def test_artifacts__cd_downloads_only_what_ci_uploads_and_by_run_id(self):
        ci = self.uploads(CI)
        for job_id, step in steps(CD):
            if step.get("uses", "").startswith("actions/download-artifact@"):
                name = step["with"]["name"]
                assert name in ci, f"cd.yml:{job_id} downloads {name}, which CI never uploads"
                assert step["with"]["path"].startswith("${{ runner.temp }}")
                if job_id == "report-deploy":  # its own run's artifact
                    continue
                # run-id counts only with a token: without one the action reads the current run.
                assert step["with"]["run-id"] == "${{ github.event.workflow_run.id }}"
                assert step["with"]["github-token"] == "${{ github.token }}"


def test_dockerfile__one_literal_pinned_from_that_dependabot_can_bump():
    """Dependabot reads FROM image:tag@sha256:... but not an ARG default (dependabot-core #2057,
    #10190); and the digest lives in the Dockerfile alone, not copied into a workflow."""
    text = (ROOT / "Dockerfile").read_text()
    froms = re.findall(r"^FROM\s+(\S+)", text, re.M)
    assert len(froms) == 1
    assert re.fullmatch(r"python:3\.12-slim@sha256:[0-9a-f]{64}", froms[0])
    assert not re.search(r"^ARG\b", text.split("FROM", 1)[0], re.M)
    digest = froms[0].split("@")[1]
    for path in [*WORKFLOWS.glob("*.yml"), ROOT / "README.md", ROOT / "SECURITY.md"]:
        assert digest not in path.read_text(), f"{path.name} holds a second copy of the base image digest"
    docker = next(
        u
        for u in yaml.safe_load((ROOT / ".github" / "dependabot.yml").read_text())["updates"]
        if u["package-ecosystem"] == "docker"
    )
    assert docker["directory"] == "/"


def test_dependabot__every_ecosystem_grouped_with_a_cooldown():
    config = yaml.safe_load((ROOT / ".github" / "dependabot.yml").read_text())
    ecosystems = {u["package-ecosystem"]: u for u in config["updates"]}
    assert set(ecosystems) == {"github-actions", "pip", "docker"}
    for update in ecosystems.values():
        assert update["cooldown"]["default-days"] >= 7
        assert update["groups"]


def test_scripts_requirements__same_pins_as_the_dev_requirements():
    """CD installs scripts/requirements.txt; its versions must be the ones the tests ran with."""
    pins = lambda path: dict(re.findall(r"^([a-z0-9_.-]+)==([^ ;\\]+)", path.read_text(), re.M))  # noqa: E731
    dev, cd = pins(ROOT / "requirements-dev.txt"), pins(ROOT / "scripts" / "requirements.txt")
    assert cd
    assert {name: version for name, version in cd.items() if dev.get(name) != version} == {}


@pytest.mark.parametrize("name", ["requirements-test.txt", "requirements-dev.txt", "scripts/requirements.txt"])
def test_requirements__extras_pinned_as_such_so_plain_pip_takes_them(name):
    """pytest-cov asks for coverage[toml], PyGithub for pyjwt[crypto]: pip's hash-checking mode
    refuses those unless the file pins them with the extra (pypa/pip#9644), uv's --no-strip-extras."""
    text = (ROOT / name).read_text()
    assert "--no-strip-extras" in text.splitlines()[1]
    if re.search(r"^pytest-cov==", text, re.M):
        assert re.search(r"^coverage\[toml\]==", text, re.M)
    if re.search(r"^pygithub==", text, re.M):
        assert re.search(r"^pyjwt\[crypto\]==", text, re.M)
