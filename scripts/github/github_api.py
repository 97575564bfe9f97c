"""GitHub, through PyGithub: the sticky comment, the trusted PR lookup, artifact links.

Knows HTTP and the API's shapes; knows nothing of markdown (bodies arrive as strings, and which
comment is ours is asked of scripts.report.sticky). The only place that builds a GitHub client is
connect(); everything else takes a client or a repository and can be tested against a local
server that speaks the REST API.
"""

from __future__ import annotations

import functools
import hashlib
import re
import time
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path

import requests
from github import Auth, Github, GithubException, GithubRetry
from github.IssueComment import IssueComment
from github.PullRequest import PullRequest
from github.Repository import Repository

from scripts import http_body
from scripts.errors import ApiError, Notice, ScriptError, VerificationError
from scripts.github.gitrefs import valid_branch
from scripts.model import SHA_RE, Artifact
from scripts.report import sticky

REPO_RE = re.compile(r"[A-Za-z0-9](?:[A-Za-z0-9-]{0,38})/[A-Za-z0-9._-]{1,100}\Z")
DOWNLOAD_DEADLINE = 600.0  # seconds for one artifact's zip, however slowly it arrives
OWNER_RE = re.compile(r"[A-Za-z0-9](?:[A-Za-z0-9-]{0,38})\Z")


@dataclass(frozen=True)
class Settings:
    """Everything the client needs, read from a mapping (the environment in real use)."""

    token: str
    api_url: str = "https://api.github.com"
    server_url: str = "https://github.com"
    retries: int = 6
    backoff: float = 1.0
    secondary_rate_wait: float = 60.0
    max_rate_limit_wait: float = 600.0
    timeout: float = 30.0
    # PyGithub's pacing, kept on by default: GitHub asks for a pause between writes to stay
    # clear of the secondary rate limit. Tests against the local server turn it off.
    pace_requests: float = 0.25
    pace_writes: float = 1.0

    @classmethod
    def from_env(cls, env: Mapping[str, str]) -> Settings:
        token = env.get("GITHUB_TOKEN", "")
        if not token:
            raise ScriptError("GITHUB_TOKEN is not set (the token is read from the environment only)")
        try:
            retries = int(env.get("GITHUB_RETRIES", cls.retries))
            backoff = float(env.get("GITHUB_RETRY_BACKOFF", cls.backoff))
            secondary = float(env.get("GITHUB_SECONDARY_RATE_WAIT", cls.secondary_rate_wait))
            pace_requests = float(env.get("GITHUB_PACE_REQUESTS", cls.pace_requests))
            pace_writes = float(env.get("GITHUB_PACE_WRITES", cls.pace_writes))
        except ValueError:
            raise ScriptError("the GITHUB_RETRIES, GITHUB_RETRY_* and GITHUB_PACE_* variables take numbers") from None
        return cls(
            token=token,
            api_url=env.get("GITHUB_API_URL", "https://api.github.com").rstrip("/"),
            server_url=env.get("GITHUB_SERVER_URL", "https://github.com").rstrip("/"),
            retries=retries,
            backoff=backoff,
            secondary_rate_wait=secondary,
            pace_requests=pace_requests,
            pace_writes=pace_writes,
        )


def connect(settings: Settings) -> Github:
    """A client that retries 5xx and rate limits (honouring Retry-After), 100 items a page."""
    retry = GithubRetry(
        total=settings.retries,
        backoff_factor=settings.backoff,
        secondary_rate_wait=settings.secondary_rate_wait,
        max_rate_limit_wait=settings.max_rate_limit_wait,
        # PATCH (editing the comment) is not in urllib3's default list; retrying it is idempotent.
        allowed_methods=frozenset({"GET", "POST", "PATCH", "DELETE", "HEAD"}),
    )
    return Github(
        auth=Auth.Token(settings.token),
        base_url=settings.api_url,
        per_page=100,
        retry=retry,
        timeout=int(settings.timeout),
        seconds_between_requests=settings.pace_requests,
        seconds_between_writes=settings.pace_writes,
    )


def needed_permissions(headers: Mapping[str, str] | None) -> str:
    """What X-Accepted-GitHub-Permissions says the endpoint needs ("actions=read"; alternatives
    joined by " or "), or "" when GitHub did not say."""
    if not headers:
        return ""
    value = next((v for k, v in headers.items() if k.lower() == "x-accepted-github-permissions"), "")
    sets = [",".join(p.strip() for p in s.split(",") if p.strip()) for s in str(value).split(";")]
    return " or ".join(s for s in sets if re.fullmatch(r"[a-z_]+=[a-z]+(,[a-z_]+=[a-z]+)*", s))[:200]


def describe(exc: Exception) -> str:
    """One line for a failed API call; for a token without the permission, the one it lacks."""
    if isinstance(exc, GithubException):
        data = exc.data if isinstance(exc.data, dict) else {}
        message = str(data.get("message") or exc.message or "no message")
        needed = needed_permissions(exc.headers) if exc.status in (403, 404) else ""
        if needed:
            return f"GitHub API answered {exc.status}: {message[:200]} (the token needs {needed})"
        return f"GitHub API answered {exc.status}: {message[:200]}"
    if isinstance(exc, requests.exceptions.RetryError):
        reason = getattr(exc.args[0], "reason", None) if exc.args else None
        return f"GitHub API kept failing after retries ({reason or exc})"
    if isinstance(exc, requests.RequestException):
        return f"GitHub API unreachable: {type(exc).__name__}: {str(exc)[:200]}"
    return f"GitHub API call failed: {type(exc).__name__}: {str(exc)[:200]}"


def api_call(what: str) -> Callable:
    """Decorator: GitHub and network errors become ApiError naming what we were doing."""

    def wrap(func: Callable) -> Callable:
        @functools.wraps(func)
        def inner(*args: object, **kwargs: object) -> object:
            try:
                return func(*args, **kwargs)
            except ScriptError:
                raise
            except (GithubException, requests.RequestException) as exc:
                raise ApiError(f"{what}: {describe(exc)}") from None

        return inner

    return wrap


def check_repo(full_name: str) -> str:
    if not REPO_RE.match(full_name):
        raise ScriptError(f"--repo: {full_name[:80]!r} is not OWNER/NAME")
    return full_name


def repository(gh: Github, full_name: str) -> Repository:
    """A lazy repository: no request until something is asked of it."""
    return gh.withLazy(True).get_repo(check_repo(full_name))


@api_call("reading the repository's owner")
def owner_is_organization(repo: Repository) -> bool:
    """Whether the repository belongs to an organization (its packages live under /orgs/)."""
    return repo.owner.type == "Organization"


@api_call("finding the token's own login")
def own_login(gh: Github) -> str:
    """The login that comments made with this token carry. GET /user answers 403 to the Actions
    token, so GraphQL's viewer is asked first; it answers for both kinds of token."""
    try:
        _, data = gh.requester.graphql_query("query { viewer { login } }", {})
        login = data.get("data", {}).get("viewer", {}).get("login")
        if isinstance(login, str) and login:
            return login
    except GithubException:
        pass
    return gh.get_user().login


def _ours(comments: Iterator[IssueComment], author: str) -> list[IssueComment]:
    return [c for c in comments if c.user is not None and c.user.login == author and sticky.is_ours(c.body)]


@api_call("reading the pull request's comments")
def our_comments(pr: PullRequest, author: str) -> list[IssueComment]:
    """Our comments on the PR, oldest first, from every page (not only the first 100)."""
    return sorted(_ours(iter(pr.get_issue_comments()), author), key=lambda c: c.id)


@dataclass(frozen=True)
class Outcome:
    action: str  # "created", "updated", "unchanged", "would create", "would update"
    comment_id: int | None
    url: str


@api_call("writing the sticky comment")
def upsert(pr: PullRequest, author: str, make_body: Callable[[str | None], str], *, dry_run: bool = False) -> Outcome:
    """Update our one comment in place, or create it when there is none.

    Two runs can both find no comment and both create one. After creating, the list is read
    again: the oldest of ours is kept, the newer one's section is merged into it and it is deleted,
    so the pull request ends with exactly one comment whichever run finishes last.
    """
    existing = our_comments(pr, author)
    if dry_run:  # the body is still made, merged with what is there: the dry run shows it
        if existing:
            make_body(existing[0].body)
            return Outcome("would update", existing[0].id, existing[0].html_url)
        make_body(None)
        return Outcome("would create", None, "")
    if existing:
        keep, extra = existing[0], existing[1:]
        body = make_body(keep.body)
        action = "unchanged"
        if body != keep.body:
            keep.edit(body)
            action = "updated"
        for comment in extra:
            comment.delete()
        return Outcome(action, keep.id, keep.html_url)
    mine = pr.create_issue_comment(make_body(None))
    now = our_comments(pr, author)
    if now and now[0].id != mine.id:
        keep = now[0]
        keep.edit(make_body(keep.body))
        mine.delete()
        return Outcome("updated", keep.id, keep.html_url)
    return Outcome("created", mine.id, mine.html_url)


@api_call("looking up the pull request")
def find_pull_request(repo: Repository, head_owner: str, head_branch: str, head_sha: str) -> PullRequest:
    """The open PR whose head is head_owner:head_branch at exactly head_sha.

    workflow_run.pull_requests is empty for PRs from forks, so the PR is found by its head; the
    sha check makes sure it is the commit CI ran on, not a later push to the same branch. When
    the PR has moved on (a newer push, whose own run will comment) or was closed, there is
    nothing to write: a Notice, not a failure.
    """
    if not OWNER_RE.match(head_owner) or not valid_branch(head_branch) or not SHA_RE.match(head_sha):
        raise VerificationError("head owner, branch or sha is malformed; refusing to look up a pull request")
    moved_on = []
    for pr in repo.get_pulls(state="open", head=f"{head_owner}:{head_branch}"):
        if pr.head.sha == head_sha:
            return pr
        moved_on.append(pr)
    if moved_on:
        raise Notice(
            f"pull request #{moved_on[0].number} has moved on to {moved_on[0].head.sha[:12]}; this run was for"
            f" {head_sha[:12]}, so the newer run writes the comment"
        )
    raise Notice(f"no open pull request from {head_owner}:{head_branch}; nothing to comment on")


@api_call("checking the pull request number")
def confirm_pull_request(repo: Repository, number: int, head_sha: str) -> PullRequest:
    """The PR with that number, but only if the API says its head is head_sha and it is open."""
    if not SHA_RE.match(head_sha):
        raise VerificationError("head sha is malformed; refusing to trust a pull request number")
    try:
        pr = repo.get_pull(number)
        head = pr.head.sha  # the repository is lazy: this is where the request is made
    except GithubException as exc:
        if exc.status == 404:
            raise VerificationError(f"pull request #{number} does not exist") from None
        raise
    if head != head_sha:
        raise VerificationError(f"pull request #{number} has head {pr.head.sha[:12]}, not {head_sha[:12]}")
    if pr.state != "open":
        raise VerificationError(f"pull request #{number} is {pr.state}")
    return pr


@api_call("listing the run's artifacts")
def list_artifacts(repo: Repository, full_name: str, run_id: int, server_url: str) -> tuple[Artifact, ...]:
    """Links to each artifact of a run (the artifact-url output exists only inside that run)."""
    run = repo.get_workflow_run(run_id)
    return tuple(
        Artifact(
            name=a.name,
            url=f"{server_url}/{full_name}/actions/runs/{run_id}/artifacts/{a.id}",
            size=a.size_in_bytes,
            expired=bool(a.expired),
        )
        for a in run.get_artifacts()
        if not a.name.endswith(".dockerbuild")
    )


@dataclass(frozen=True)
class RunArtifact:
    id: int
    name: str
    size: int
    expired: bool
    digest: str  # "sha256:<hex>" of the zip as GitHub stored it, or "" (older artifacts)


@api_call("listing the run's artifacts")
def run_artifacts(repo: Repository, run_id: int) -> tuple[RunArtifact, ...]:
    """Every artifact of a run, from every page."""
    run = repo.get_workflow_run(run_id)
    found = []
    for a in run.get_artifacts():
        digest = a.raw_data.get("digest") or ""
        found.append(
            RunArtifact(
                id=a.id,
                name=a.name,
                size=a.size_in_bytes,
                expired=bool(a.expired),
                digest=digest if isinstance(digest, str) and re.fullmatch(r"sha256:[0-9a-f]{64}", digest) else "",
            )
        )
    return tuple(found)


@api_call("finding the pull request's newest CI run")
def newest_pr_run(repo: Repository, number: int, workflow_path: str = ".github/workflows/ci.yml") -> int:
    """The id of the newest run of the CI workflow on the PR's current head commit."""
    pr = repo.get_pull(number)
    head = pr.head.sha
    for run in repo.get_workflow_runs(head_sha=head):
        if run.path.split("@")[0] == workflow_path and run.event in ("pull_request", "pull_request_target"):
            return run.id
    raise ApiError(f"pull request #{number}: no run of {workflow_path} for its head {head[:12]} (yet)")


def download_artifact(
    settings: Settings,
    full_name: str,
    artifact: RunArtifact,
    out: Path,
    *,
    max_bytes: int,
    session: requests.Session | None = None,
) -> None:
    """Stream the artifact's zip into out, at most max_bytes, within settings.timeout per read.

    GitHub answers with a redirect to a short-lived signed URL on another host; requests drops the
    Authorization header when a redirect leaves the API's host, so the token never reaches it.
    The zip's sha256 must be the digest GitHub lists for the artifact, when it lists one."""
    url = f"{settings.api_url}/repos/{check_repo(full_name)}/actions/artifacts/{int(artifact.id)}/zip"
    http = session or requests.Session()
    http.trust_env = False  # no proxy or .netrc from the environment gets the token
    where = f"artifact {artifact.name[:100]!r}"
    try:
        response = http.get(
            url,
            headers={"Authorization": f"token {settings.token}", "Accept": "application/vnd.github+json"},
            stream=True,
            timeout=settings.timeout,
            allow_redirects=True,
        )
    except requests.RequestException as exc:
        raise ApiError(f"downloading {where}: {describe(exc)}") from None
    with response:
        if response.status_code != 200:
            try:
                data = response.json()
            except ValueError:
                data = {}
            message = str(data.get("message") if isinstance(data, dict) else "")[:200] or response.reason
            needed = needed_permissions(response.headers) if response.status_code in (403, 404) else ""
            hint = f" (the token needs {needed})" if needed else ""
            raise ApiError(f"downloading {where}: GitHub answered {response.status_code}: {message}{hint}")
        digest = hashlib.sha256()
        # A server that drips a byte just inside each read timeout must still end.
        deadline = time.monotonic() + DOWNLOAD_DEADLINE
        try:
            with out.open("wb") as sink:
                for chunk in http_body.chunks(response, max_bytes, deadline, f"downloading {where}"):
                    digest.update(chunk)
                    sink.write(chunk)
        except requests.RequestException as exc:
            raise ApiError(f"downloading {where}: {describe(exc)}") from None
    if artifact.digest and f"sha256:{digest.hexdigest()}" != artifact.digest:
        raise VerificationError(f"{where}: the zip's sha256 is not the digest GitHub lists for it")


@api_call("reading the workflow run")
def run_head_sha(repo: Repository, run_id: int) -> str:
    """The commit the run ran on (for a pull request, its head commit), as the API says."""
    return repo.get_workflow_run(run_id).head_sha


MAX_PR_FILES = 3_000  # GitHub's "List pull request files" stops here
MAX_BASE_RUNS_SCANNED = 100


@dataclass(frozen=True)
class BaseRun:
    run_id: int
    sha: str
    note: str  # which commit this is, as the comment says it


@api_call("finding the base branch's CI run")
def base_run(
    repo: Repository, base_ref: str, head_sha: str, workflow_path: str = ".github/workflows/ci.yml"
) -> BaseRun | None:
    """The newest successful push run of CI on the PR's merge base, else the newest successful
    push run on the base branch (the comment then says which commit it compared with). None when
    neither is found among the newest MAX_BASE_RUNS_SCANNED runs."""

    def ours(run: object) -> bool:
        return run.path.split("@")[0] == workflow_path and run.event == "push" and run.head_branch == base_ref

    merge_base = repo.compare(base_ref, head_sha).merge_base_commit.sha
    for i, run in enumerate(repo.get_workflow_runs(head_sha=merge_base, status="success")):
        if i >= MAX_BASE_RUNS_SCANNED:
            break
        if ours(run):
            return BaseRun(run.id, run.head_sha, "the merge base")
    for i, run in enumerate(repo.get_workflow_runs(branch=base_ref, event="push", status="success")):
        if i >= MAX_BASE_RUNS_SCANNED:
            break
        if ours(run):
            note = f"the newest successful run on {base_ref}; the merge base has none"
            return BaseRun(run.id, run.head_sha, note)
    return None


@api_call("listing the pull request's files")
def pr_files(pr: PullRequest) -> tuple[list[tuple[str, str, str | None]], bool]:
    """(path, status, patch or None) of each changed file, every page, and whether GitHub's cap
    of 3,000 files cut the list."""
    files = []
    for i, f in enumerate(pr.get_files()):
        if i >= MAX_PR_FILES:
            return files, True
        patch = f.raw_data.get("patch")
        files.append((f.filename, f.status, patch if isinstance(patch, str) else None))
    return files, len(files) >= MAX_PR_FILES
