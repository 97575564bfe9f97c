"""Which pull requests made which images: a closed PR's head branch and commits, and what the open
PRs still use. PyGithub at the edge; the tags themselves are scripts.image_tags' to name.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from github.PullRequest import PullRequest
from github.Repository import Repository

from scripts.errors import ScriptError
from scripts.github.github_api import api_call
from scripts.model import SHA_RE

MAX_COMMITS = 250  # "List commits on a pull request" stops here
MAX_PULLS = 1_000


@dataclass(frozen=True)
class PullImages:
    number: int
    head_repo: str  # owner/name of the head branch's repository ("" when it was deleted)
    head_branch: str
    commits: tuple[str, ...]  # every commit's sha, the head's included
    closed: bool


def _images(pr: PullRequest, *, with_commits: bool) -> PullImages:
    head_repo = pr.head.repo.full_name if pr.head.repo is not None else ""
    shas = {pr.head.sha}
    if with_commits:
        for i, commit in enumerate(pr.get_commits()):
            if i >= MAX_COMMITS:
                break
            shas.add(commit.sha)
    if not all(isinstance(s, str) and SHA_RE.match(s) for s in shas):
        raise ScriptError(f"pull request #{pr.number}: a commit sha that is not 40 hex characters")
    return PullImages(pr.number, head_repo, pr.head.ref, tuple(sorted(shas)), pr.state == "closed")


@api_call("reading the pull request")
def pull_images(repo: Repository, number: int) -> PullImages:
    return _images(repo.get_pull(number), with_commits=True)


@api_call("listing recently closed pull requests")
def closed_since(repo: Repository, since: dt.datetime) -> list[PullImages]:
    """Closed PRs updated since `since`, newest first (the weekly sweep's catch-up)."""
    found = []
    for i, pr in enumerate(repo.get_pulls(state="closed", sort="updated", direction="desc")):
        if i >= MAX_PULLS or (pr.updated_at and pr.updated_at < since):
            break
        found.append(_images(pr, with_commits=True))
    return found


@api_call("listing open pull requests")
def open_pulls(repo: Repository) -> list[PullImages]:
    """Every open PR's head: its branch tag and head commit's sha tag are still in use."""
    found = []
    for i, pr in enumerate(repo.get_pulls(state="open")):
        if i >= MAX_PULLS:
            raise ScriptError(f"more than {MAX_PULLS} open pull requests; clean up by hand")
        found.append(_images(pr, with_commits=False))
    return found
