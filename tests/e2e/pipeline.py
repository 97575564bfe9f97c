"""The whole pipeline, locally and for real: act runs ci.yml and cd.yml from a copy of this
repository, against a local GitHub REST API, the local registry and the Docker engine, with
offline stand-ins for the third-party actions (tests/e2e/standins/).

    python -m tests.e2e.pipeline            # push to main, then a pull request: prints its comment

Nothing leaves this machine: the registry and the API listen on 127.0.0.1, builds and containers
have no network.
"""

from __future__ import annotations

import argparse
import copy
import io
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
import zipfile
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

from tests.e2e.standins.generate import STANDINS
from tests.support import docker
from tests.support.fake_github import FakeGitHub, load
from tests.support.registry import Registry, start_registry

ROOT = Path(__file__).resolve().parents[2]
STANDIN_DIR = Path(__file__).resolve().parent / "standins"
PINS = ROOT / "tests" / "fixtures" / "action-pins.tsv"
OWNER, NAME = "Octo-Org", "sample-app"  # mixed case on purpose: GHCR names must be lower-cased
REPO = f"{OWNER}/{NAME}"
ACTOR = "octocat"
TOKEN = "e2e-test-token"
RECORDED_JSON = ROOT / "tests" / "fixtures" / "reports" / "trivy-image-python311slim-todo-api.json"
RECORDED_SARIF = ROOT / "tests" / "fixtures" / "reports" / "trivy-image-ubuntu2004-speedtest.sarif"


def tool(name: str) -> str:
    beside = Path(sys.executable).parent / name
    found = str(beside) if beside.exists() else shutil.which(name)
    if not found:
        raise RuntimeError(f"{name} is not installed (requirements-dev.txt)")
    return found


def git(repo: Path, *args: str) -> str:
    done = subprocess.run(["git", "-C", str(repo), *args], capture_output=True, text=True, check=True)
    return done.stdout.strip()


@dataclass
class ActRun:
    workflow: str
    event: str
    run_id: int
    returncode: int
    seconds: float
    log: str
    jobs: dict[str, float] = field(default_factory=dict)  # job -> seconds, from act's log

    @property
    def ok(self) -> bool:
        return self.returncode == 0

    def failures(self, limit: int = 40, tail: int = 12) -> str:
        """The lines of act's log that say what failed (pytest's FAILED/ERROR, failed steps, errors),
        each failed step preceded by the last lines it printed: a step can fail with nothing marked
        (a traceback after pytest's summary, a coverage bar missed), and CI's log is all there is."""
        marks = re.compile(r"FAILED|ERROR at|::error|\] E  |FAIL Required")
        lines = [re.sub(r"\x1b\[[0-9;]*m", "", line) for line in self.log.splitlines()]
        found: list[str] = []
        output: dict[str, list[str]] = {}  # job -> what its current step printed
        for line in lines:
            job, _, text = line.partition("] ")
            if "❌  Failure - " in text:
                # Once per step (a composite action fails twice, as itself and as its inner step).
                printed = [f"{job}]   … {said}" for said in output.pop(job, []) if not marks.search(f"] {said}")]
                found += [*printed[-tail:], line]
            elif marks.search(line):
                found.append(line)
            if text.startswith("⭐ Run "):
                output[job] = []
            elif not text.startswith(("  ✅", "  ❌", "  ⚙", "  ❗")):
                output.setdefault(job, []).append(text)
        return "\n".join(found[-limit:])


class Pipeline:
    """A local GitHub, registry and repository; run CI and CD on them like GitHub would."""

    def __init__(self, workdir: Path) -> None:
        self.workdir = workdir
        self.github = FakeGitHub(TOKEN).start()
        self.github.default_base = "main"  # the repository here branches from main, not the example's master
        (workdir / "registry").mkdir(parents=True, exist_ok=True)
        self.registry: Registry = start_registry(workdir / "registry", username=ACTOR, password=TOKEN)
        self.github.serve_packages(self.registry.address, ACTOR, TOKEN)  # GHCR's Packages API for it
        self.base_image = docker.base_image()
        self.artifacts = workdir / "artifacts"
        self.docker_config = workdir / "docker-config"
        self.docker_config.mkdir(parents=True, exist_ok=True)
        self.repo = workdir / "repo"
        self.next_run = 1000
        # Per-scenario knobs for the stand-ins (E2E_MISSING_PYTHONS, E2E_NO_ATTESTATIONS, ...).
        self.extra_env: dict[str, str] = {}
        self._make_repo()

    def close(self) -> None:
        self.github.stop()
        self.registry.stop()

    # ---- the repository ---------------------------------------------------------------------
    def _make_repo(self) -> None:
        """A git repository holding this project's files as they are now (tracked and new)."""
        listed = subprocess.run(
            ["git", "-C", str(ROOT), "ls-files", "-co", "--exclude-standard", "-z"], capture_output=True, check=True
        ).stdout.split(b"\0")
        for name in filter(None, (entry.decode() for entry in listed)):
            source = ROOT / name
            if source.is_file():
                target = self.repo / name
                target.parent.mkdir(parents=True, exist_ok=True)
                shutil.copy2(source, target)
        git(self.repo.parent, "init", "-q", "-b", "main", str(self.repo))
        git(self.repo, "config", "user.email", "e2e@example.com")
        git(self.repo, "config", "user.name", "e2e")
        git(self.repo, "remote", "add", "origin", f"https://github.com/{REPO}.git")
        git(self.repo, "add", "-A")
        git(self.repo, "commit", "-q", "-m", "the project as it is")

    def commit(self, branch: str, message: str, change: tuple[str, str] | None = None, *, base: str = "main") -> str:
        """Commit on branch (created from base when new); change = (path, text to append)."""
        branches = git(self.repo, "branch", "--list", branch)
        git(self.repo, "checkout", "-q", branch if branches else "-b", *([] if branches else [branch, base]))
        if change:
            path = self.repo / change[0]
            path.write_text(path.read_text() + change[1])
        git(self.repo, "add", "-A")
        git(self.repo, "commit", "-q", "--allow-empty", "-m", message)
        return git(self.repo, "rev-parse", "HEAD")

    # ---- events -----------------------------------------------------------------------------
    def repository_payload(self, full_name: str = REPO) -> dict:
        owner = full_name.split("/")[0]
        return {
            "id": 1 if full_name == REPO else 2,
            "name": NAME,
            "full_name": full_name,
            "owner": {"login": owner},
            "default_branch": "main",
            "fork": full_name != REPO,
            "description": "A containerized Python service",
        }

    def push_event(self, sha: str) -> dict:
        return {
            "ref": "refs/heads/main",
            "after": sha,
            "repository": self.repository_payload(),
            "sender": {"login": ACTOR},
        }

    def merge_commit(self, sha: str, base: str = "main") -> str:
        """What GitHub builds refs/pull/N/merge from: the head merged into the base as it is now."""
        git(self.repo, "checkout", "-q", "--detach", base)
        git(self.repo, "merge", "-q", "--no-ff", "--no-edit", "-m", f"Merge {sha[:12]} into {base}", sha)
        return git(self.repo, "rev-parse", "HEAD")

    def pr_event(self, number: int, sha: str, branch: str, head_repo: str = REPO) -> dict:
        base_sha = git(self.repo, "rev-parse", "main")
        return {
            "action": "synchronize",
            "number": number,
            "pull_request": {
                "number": number,
                "merge_commit_sha": None,
                "head": {
                    "sha": sha,
                    "ref": branch,
                    "label": f"{head_repo.split('/')[0]}:{branch}",
                    "repo": self.repository_payload(head_repo),
                },
                "base": {"sha": base_sha, "ref": "main", "repo": self.repository_payload()},
            },
            "repository": self.repository_payload(),
            "sender": {"login": ACTOR},
        }

    def workflow_run_event(
        self,
        ci: ActRun,
        sha: str,
        branch: str,
        head_repo: str = REPO,
        pr: int | None = None,
        conclusion: str | None = None,
    ) -> dict:
        payload = copy.deepcopy(load("workflow-run-event.completed.json"))
        run = payload["workflow_run"]
        head_owner = head_repo.split("/")[0]
        run.update(
            id=ci.run_id,
            name="CI",
            event=ci.event,
            status="completed",
            conclusion=conclusion or ("success" if ci.ok else "failure"),
            head_sha=sha,
            head_branch=branch,
            run_attempt=1,
            head_repository={
                **run["head_repository"],
                "full_name": head_repo,
                "name": NAME,
                "owner": {**run["head_repository"]["owner"], "login": head_owner},
            },
            # GitHub fills this only for same-repository PRs (empty for forks).
            pull_requests=[{"number": pr, "head": {"ref": branch, "sha": sha}}] if pr and head_repo == REPO else [],
        )
        payload["repository"] = {**payload["repository"], **self.repository_payload()}
        payload["workflow"] = {**payload.get("workflow", {}), "name": "CI"}
        return payload

    # ---- running ----------------------------------------------------------------------------
    def act(self, workflow: str, event_name: str, payload: dict, *, checkout: str | None = None) -> ActRun:
        """act on one workflow file, as GitHub would run it for this event."""
        if checkout:
            git(self.repo, "checkout", "-q", checkout)
        self.next_run += 1
        run_id = self.next_run
        event_file = self.workdir / f"event-{run_id}.json"
        event_file.write_text(json.dumps(payload))
        pins = dict(line.split("\t")[:3:2] for line in PINS.read_text().splitlines()[1:])
        cmd = [
            tool("act"), event_name,
            "--workflows", f".github/workflows/{workflow}",
            "--no-skip-checkout",
            "--eventpath", str(event_file),
            "--platform", "ubuntu-latest=-self-hosted",
            "--action-offline-mode",
            "--no-cache-server",
            "--json",
            "--actor", ACTOR,
            "--secret", f"GITHUB_TOKEN={TOKEN}",
            "--var", f"REGISTRY={self.registry.address}",
            "--var", f"TEST_BASE_IMAGE={self.base_image}",
        ]  # fmt: skip
        if event_name == "pull_request":
            ref = f"refs/pull/{payload['number']}/merge"
        else:  # a push names its ref; workflow_run and dispatch run on the default branch
            ref = payload.get("ref", "refs/heads/main")
        env = {
            "GITHUB_RUN_ID": str(run_id),
            # What GitHub sets and act does not: the attestation names the workflow that built.
            "GITHUB_WORKFLOW_REF": f"{REPO}/.github/workflows/{workflow}@{ref}",
            # A hosted runner has the GitHub CLI; here, its stand-in for `gh attestation verify`.
            "PATH": f"{STANDIN_DIR / 'bin'}:{os.environ['PATH']}",
            "GITHUB_API_URL": self.github.url,
            "E2E_STANDINS": str(STANDIN_DIR),
            "E2E_ARTIFACTS": str(self.artifacts),
            "E2E_BASE_IMAGE": self.base_image,
            "E2E_TRIVY": tool("trivy"),
            "E2E_TRIVY_JSON": str(RECORDED_JSON),
            "E2E_TRIVY_SARIF": str(RECORDED_SARIF),
            "E2E_UV": tool("uv"),
            # The upload-sarif stand-in checks the schema with jsonschema, which this interpreter has.
            "E2E_PYTHON": sys.executable,
            "E2E_ORIGIN": str(self.repo),
            "DOCKER_CONFIG": str(self.docker_config),
            # The tests run inside the CI jobs faster on these (the real values keep PyGithub polite).
            "GITHUB_PACE_REQUESTS": "0",
            "GITHUB_PACE_WRITES": "0",
        }
        for key, value in {**env, **self.extra_env}.items():
            cmd += ["--env", f"{key}={value}"]
        for action in STANDINS:
            repo = "/".join(action.split("/")[:2])
            sha = pins[action]
            folder = STANDIN_DIR / repo
            cmd += ["--local-repository", f"{repo}@{sha}={folder}"]
        start = time.monotonic()
        done = subprocess.run(cmd, cwd=self.repo, capture_output=True, text=True, check=False, timeout=1800)
        seconds = time.monotonic() - start
        log, jobs = parse_log(done.stdout + done.stderr)
        (self.workdir / f"act-{run_id}-{workflow}.log").write_text(log)
        return ActRun(workflow, event_name, run_id, done.returncode, seconds, log, jobs)

    def ci(self, event_name: str, payload: dict, sha: str) -> ActRun:
        """act takes GITHUB_SHA (and the workflow file) from the checked-out commit: for a pull
        request, the merge commit GitHub makes, for a push the commit itself."""
        branch = "main"
        if event_name == "pull_request":
            base = payload["pull_request"]["base"]["ref"]
            branch = payload["pull_request"]["head"]["ref"]
            self._register_pull_files(payload["number"], base, sha)
            merge = self.merge_commit(sha, base)
            payload["pull_request"]["merge_commit_sha"] = merge
        else:
            git(self.repo, "checkout", "-q", sha)
        run = self.act("ci.yml", event_name, payload)
        self._register_artifacts(run.run_id)
        event = "pull_request" if event_name == "pull_request" else event_name
        conclusion = "success" if run.ok else "failure"
        self.github.add_workflow_run(REPO, run.run_id, sha, event=event, conclusion=conclusion, branch=branch)
        return run

    def tag_event(self, tag: str, sha: str) -> dict:
        return {
            "ref": f"refs/tags/{tag}",
            "ref_type": "tag",
            "after": sha,
            "before": "0" * 40,
            "created": True,
            "repository": self.repository_payload(),
            "sender": {"login": ACTOR},
        }

    def release(self, tag: str, sha: str) -> ActRun:
        """git tag + push: GitHub knows the tag (an annotated one, as `git tag -a` makes) and
        runs release.yml on the tagged commit."""
        git(self.repo, "tag", "-a", tag, "-m", f"Release {tag}", sha)
        self.github.add_tag(REPO, tag, sha, annotated=True)
        run = self.act("release.yml", "push", self.tag_event(tag, sha), checkout=sha)
        self._register_artifacts(run.run_id)
        return run

    def close_pr(self, number: int, sha: str, branch: str) -> ActRun:
        """The PR is closed without merging: GitHub marks it closed, knows its commits, and runs
        cleanup.yml for the pull_request `closed` event."""
        pr = self.github.state.pulls[(REPO, number)]
        pr["state"] = "closed"
        merge_base = git(self.repo, "merge-base", "main", sha)
        commits = git(self.repo, "rev-list", "--reverse", f"{merge_base}..{sha}").split()
        self.github.state.pull_commits[(REPO, number)] = commits
        payload = self.pr_event(number, sha, branch)
        payload["action"] = "closed"
        payload["pull_request"].update(state="closed", merged=False)
        return self.act("cleanup.yml", "pull_request", payload, checkout="main")

    def _register_pull_files(self, number: int, base: str, sha: str) -> None:
        """What GitHub answers for the PR: its merge base with the base branch (compare) and its
        changed files with their patches (List pull request files), from git itself."""
        merge_base = git(self.repo, "merge-base", base, sha)
        self.github.set_merge_base(REPO, base, sha, merge_base)
        statuses = {"A": "added", "M": "modified", "D": "removed", "R": "renamed", "C": "copied"}
        entries = []
        for line in git(self.repo, "diff", "--name-status", merge_base, sha).splitlines():
            code, *paths = line.split("\t")
            path = paths[-1]
            diff = git(self.repo, "diff", merge_base, sha, "--", path)
            entry = {"filename": path, "status": statuses.get(code[:1], "modified")}
            if "@@" in diff:
                entry["patch"] = diff[diff.index("@@") :]
            entries.append(entry)
        self.github.add_pull_files(REPO, number, entries)

    def cd(
        self,
        ci: ActRun,
        sha: str,
        branch: str,
        head_repo: str = REPO,
        pr: int | None = None,
        conclusion: str | None = None,
    ) -> ActRun:
        """cd.yml runs the default branch's copy, whatever the PR changed."""
        event = self.workflow_run_event(ci, sha, branch, head_repo, pr, conclusion)
        return self.act("cd.yml", "workflow_run", event, checkout="main")

    def _register_artifacts(self, run_id: int) -> None:
        """Tell the local GitHub which artifacts the run uploaded, each as the zip GitHub would
        serve (its files under the upload's root), listed with its size and digest."""
        folder = self.artifacts / "runs" / str(run_id)
        names = sorted(p.name for p in folder.iterdir() if p.is_dir()) if folder.is_dir() else []
        ids = [int((folder / f".{n}.id").read_text()) for n in names]
        zips = {}
        for name in names:
            buffer = io.BytesIO()
            with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
                for path in sorted(p for p in (folder / name).rglob("*") if p.is_file()):
                    archive.write(path, path.relative_to(folder / name).as_posix())
            zips[name] = buffer.getvalue()
        self.github.add_run(REPO, run_id, names, ids, zips=zips)

    def artifact(self, run: ActRun, name: str) -> Path:
        return self.artifacts / "runs" / str(run.run_id) / name

    def comments(self, number: int) -> list[dict]:
        return self.github.comments_on(REPO, number)

    def registry_tags(self) -> dict[str, str]:
        """tag -> digest for the image repository in the local registry."""
        from scripts.deploy.registry import ImageRef, RegistryClient

        client = RegistryClient(self.registry.address, ACTOR, TOKEN)
        tags = client.tags(ImageRef(self.registry.address, REPO.lower()))
        return {tag: client.digest(ImageRef.parse(f"{self.registry.address}/{REPO.lower()}:{tag}")) for tag in tags}


def parse_log(raw: str) -> tuple[str, dict[str, float]]:
    """act's --json log -> readable text, and seconds per job (first to last line it logged)."""
    text: list[str] = []
    first: dict[str, datetime] = {}
    last: dict[str, datetime] = {}
    for line in raw.splitlines():
        try:
            entry = json.loads(line)
        except ValueError:
            text.append(line)
            continue
        job = entry.get("job", "")
        text.append(f"[{job}] {entry.get('msg', '')}".rstrip() if job else str(entry.get("msg", "")))
        if job and "time" in entry:
            stamp = datetime.fromisoformat(entry["time"].replace("Z", "+00:00"))
            first.setdefault(job, stamp)
            last[job] = stamp
    return "\n".join(text), {job: (last[job] - first[job]).total_seconds() for job in first}


def pr_scenario(p: Pipeline, number: int = 7, branch: str = "feature/faster-sums") -> tuple[ActRun, ActRun, str]:
    sha = p.commit(
        branch, "Explain the exact sum", ("sample_app/__init__.py", "\n# Sums are exact: Decimal, never float.\n")
    )
    p.github.add_pull(REPO, number, head_sha=sha, head_owner=OWNER, head_branch=branch)
    ci = p.ci("pull_request", p.pr_event(number, sha, branch), sha)
    cd = p.cd(ci, sha, branch, pr=number)
    return ci, cd, sha


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m tests.e2e.pipeline", description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument(
        "--keep", action="store_true", help="keep the work folder (act logs, artifacts) and print where"
    )
    args = parser.parse_args(argv)
    if not docker.engine_available():
        parser.error("no Docker engine answers `docker info` (run .ci/setup as root)")
    workdir = Path(tempfile.mkdtemp(prefix="sample-app-e2e-"))
    pipeline = Pipeline(workdir)
    try:
        sha = git(pipeline.repo, "rev-parse", "main")
        push = pipeline.ci("push", pipeline.push_event(sha), sha)
        print(
            f"push to main: CI {'succeeded' if push.ok else 'FAILED'} in {push.seconds:.0f} s; registry: {sorted(pipeline.registry_tags())}",
            file=sys.stderr,
        )
        ci, cd, _ = pr_scenario(pipeline)
        print(
            f"pull request #7: CI {'succeeded' if ci.ok else 'FAILED'} in {ci.seconds:.0f} s, CD {'succeeded' if cd.ok else 'FAILED'} in {cd.seconds:.0f} s",
            file=sys.stderr,
        )
        comments = pipeline.comments(7)
        if not comments:
            print("no comment was posted; act logs are in " + str(workdir), file=sys.stderr)
            return 1
        print(comments[-1]["body"])
        return 0 if push.ok and ci.ok and cd.ok else 1
    finally:
        pipeline.close()
        if args.keep:
            print(f"work folder: {workdir}", file=sys.stderr)
        else:
            shutil.rmtree(workdir, ignore_errors=True)


if __name__ == "__main__":
    raise SystemExit(main())
