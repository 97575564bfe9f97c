"""What a release asks of GitHub: the commit a tag names, the CI run that vouches for it, and the
release page itself. PyGithub at the edge; no markdown (the body comes rendered).
"""

from __future__ import annotations

from dataclasses import dataclass

from github import UnknownObjectException
from github.Repository import Repository

from scripts.errors import ApiError, ScriptError
from scripts.github.github_api import MAX_BASE_RUNS_SCANNED, api_call
from scripts.model import SHA_RE

MAX_TAG_DEPTH = 4  # a tag of a tag of a tag…: git allows it, nobody needs more


@api_call("reading the tag")
def tag_commit(repo: Repository, tag: str) -> str:
    """The commit `tag` names, through annotated tags; never a tree or a blob."""
    target = repo.get_git_ref(f"tags/{tag}").object
    for _ in range(MAX_TAG_DEPTH):
        if target.type != "tag":
            break
        target = repo.get_git_tag(target.sha).object
    if target.type != "commit" or not SHA_RE.match(str(target.sha)):
        raise ScriptError(f"tag {tag}: names a {str(target.type)[:20]}, not a commit")
    return target.sha


@dataclass(frozen=True)
class CiRun:
    run_id: int
    url: str


@api_call("finding CI's run for the tagged commit")
def release_run(repo: Repository, sha: str, branch: str, workflow_path: str = ".github/workflows/ci.yml") -> CiRun:
    """The newest successful push run of CI on `branch` for exactly this commit. A pull request's
    run, a push to another branch, or a run that failed does not vouch for a release."""
    seen_failed = ""
    for i, run in enumerate(repo.get_workflow_runs(head_sha=sha, branch=branch, event="push")):
        if i >= MAX_BASE_RUNS_SCANNED:
            break
        ours = (
            run.path.split("@")[0] == workflow_path
            and run.event == "push"
            and run.head_branch == branch
            and run.head_sha == sha
        )
        if not ours or run.status != "completed":
            continue
        if run.conclusion == "success":
            return CiRun(run.id, run.html_url)
        seen_failed = seen_failed or f"run {run.id} ended {run.conclusion}"
    if seen_failed:
        raise ApiError(f"commit {sha[:12]}: CI on {branch} did not succeed ({seen_failed}); nothing is released")
    raise ApiError(f"commit {sha[:12]}: no successful CI run of a push to {branch}; tag a commit that is on {branch}")


@dataclass(frozen=True)
class Release:
    url: str
    created: bool


@api_call("publishing the GitHub release")
def upsert_release(repo: Repository, tag: str, name: str, body: str) -> Release:
    """The release for `tag`, created or, on a rerun, its name and body brought up to date."""
    try:
        existing = repo.get_release(tag)
        existing.id  # noqa: B018  (a lazy object: this is the request, and where a 404 shows)
    except UnknownObjectException:
        created = repo.create_git_release(tag, name, body, draft=False, prerelease=False)
        return Release(created.html_url, True)
    updated = existing.update_release(name, body)
    return Release(updated.html_url, False)
