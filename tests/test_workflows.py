"""The workflows, audited: actionlint and zizmor (pedantic) find nothing, and the properties that
keep them safe are asserted, so that a regression fails here before it reaches GitHub."""

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
ALLOWED_CI_WRITES = {"packages", "security-events", "id-token", "attestations"}


def load(name: str) -> dict:
    data = yaml.safe_load((WORKFLOWS / name).read_text())
    data["on"] = data.pop(True, data.get("on"))  # YAML 1.1 reads the key `on` as true
    return data


CI, CD = load("ci.yml"), load("cd.yml")
BOTH = {"ci.yml": CI, "cd.yml": CD}


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
        for job in ("comment", "report-deploy"):
            assert CD["jobs"][job]["permissions"] == {"contents": "read", "actions": "read", "pull-requests": "write"}


class TestTriggersAndConditions:
    def test_triggers(self):
        assert set(CI["on"]) == {"push", "pull_request"}
        assert CD["on"] == {"workflow_run": {"workflows": ["CI"], "types": ["completed"]}}
        for path in WORKFLOWS.glob("*.yml"):
            assert "pull_request_target" not in path.read_text()

    def test_cd__deploys_only_after_success_and_comments_only_for_prs(self):
        jobs = CD["jobs"]
        assert "github.event.workflow_run.conclusion == 'success'" in jobs["deploy"]["if"]
        assert jobs["comment"]["if"] == "github.event.workflow_run.event == 'pull_request'"
        assert "needs.deploy.result != 'skipped'" in jobs["report-deploy"]["if"]

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

    @pytest.mark.parametrize("name", sorted(BOTH))
    def test_jobs__all_have_timeouts(self, name):
        assert all(isinstance(job.get("timeout-minutes"), int) for job in BOTH[name]["jobs"].values())

    def test_concurrency(self):
        assert (
            CI["concurrency"]["group"] == "${{ github.workflow }}-${{ github.event.pull_request.number || github.ref }}"
        )
        assert CI["concurrency"]["cancel-in-progress"] == "${{ github.event_name == 'pull_request' }}"
        assert CD["concurrency"] == {
            "group": "${{ github.workflow }}-${{ github.event.workflow_run.id }}",
            "cancel-in-progress": False,
        }

    def test_ci__matrix_comes_from_pyproject(self):
        test = CI["jobs"]["test"]
        assert test["strategy"] == {
            "fail-fast": False,
            "matrix": {"python": "${{ fromJSON(needs.matrix.outputs.python) }}"},
        }
        assert "--cov-fail-under=90" in next(s["run"] for s in test["steps"] if "pytest" in s.get("run", ""))

    def test_ci__sha_tag_is_the_pr_head(self):
        assert CI["jobs"]["image"]["env"]["DOCKER_METADATA_PR_HEAD_SHA"] == "true"
        meta = next(s for s in CI["jobs"]["image"]["steps"] if s.get("id") == "meta")
        assert "type=sha,format=long,prefix=sha-" in meta["with"]["tags"]
        assert "type=raw,value=latest,enable={{is_default_branch}}" in meta["with"]["tags"]


class TestArtifacts:
    def uploads(self, workflow: dict) -> dict[str, dict]:
        return {
            s["with"]["name"]: s["with"]
            for _, s in steps(workflow)
            if s.get("uses", "").startswith("actions/upload-artifact@")
        }

    def test_artifacts__names_and_rerun_safety(self):
        ci = self.uploads(CI)
        assert set(ci) == {"lint", "reports-py${{ matrix.python }}", "image", "image-archive", "scan", "pr-report"}
        cd = self.uploads(CD)
        assert set(cd) == {"deploy-result"}
        assert all(u.get("overwrite") is True for u in [*ci.values(), *cd.values()])

    def test_artifacts__cd_downloads_only_what_ci_uploads_and_by_run_id(self):
        ci = self.uploads(CI)
        for job_id, step in steps(CD):
            if step.get("uses", "").startswith("actions/download-artifact@"):
                name = step["with"]["name"]
                if name == "deploy-result":
                    continue
                assert name in ci, f"cd.yml:{job_id} downloads {name}, which CI never uploads"
                assert step["with"]["run-id"] == "${{ github.event.workflow_run.id }}"
                assert step["with"]["path"].startswith("${{ runner.temp }}")


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
