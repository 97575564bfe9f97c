"""A local GitHub REST API on 127.0.0.1 for PyGithub: real HTTP, GitHub's own response shapes.

Bodies are built from GitHub's OpenAPI examples (tests/fixtures/github-api/), with every URL
pointing back at this server, as PyGithub requires. It holds pull requests, issue comments and
workflow-run artifacts; faults (a 502, a secondary rate limit with Retry-After) are queued per
route. Used in-process by the integration tests and by the end-to-end pipeline (tests/e2e/).
"""

from __future__ import annotations

import base64
import contextlib
import copy
import hashlib
import json
import re
import threading
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, unquote, urlsplit

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures" / "github-api"
REAL_API = "https://api.github.com"


def load(name: str) -> Any:
    return json.loads((FIXTURES / name).read_text(encoding="utf-8"))


@dataclass
class Fault:
    method: str
    path: str  # regex, matched against the path without the query
    status: int
    body: dict[str, Any]
    headers: dict[str, str] = field(default_factory=dict)
    times: int = 1


@dataclass
class State:
    token: str = "test-token"
    viewer: str = "github-actions[bot]"
    user_403: bool = True  # GET /user refuses the Actions token, as on GitHub
    pulls: dict[tuple[str, int], dict[str, Any]] = field(default_factory=dict)
    comments: dict[int, dict[str, Any]] = field(default_factory=dict)
    runs: dict[tuple[str, int], list[dict[str, Any]]] = field(default_factory=dict)
    zips: dict[int, bytes] = field(default_factory=dict)  # artifact id -> its zip
    workflow_runs: list[dict[str, Any]] = field(default_factory=list)  # newest first, as GitHub lists
    blob_requests: list[dict[str, str]] = field(default_factory=list)  # headers the blob host received
    faults: list[Fault] = field(default_factory=list)
    requests: list[tuple[str, str]] = field(default_factory=list)
    pull_files: dict[tuple[str, int], list[dict[str, Any]]] = field(default_factory=dict)
    merge_bases: dict[tuple[str, str, str], str] = field(default_factory=dict)  # (repo, base, head) -> sha
    tags: dict[tuple[str, str], dict[str, str]] = field(default_factory=dict)  # (repo, tag) -> git ref object
    tag_objects: dict[tuple[str, str], dict[str, Any]] = field(default_factory=dict)  # annotated tags by sha
    releases: dict[int, dict[str, Any]] = field(default_factory=dict)
    attestations: list[dict[str, Any]] = field(default_factory=list)  # {"repo", "digests", "bundle", "id"}
    owner_types: dict[str, str] = field(default_factory=dict)  # login -> "Organization" (default "User")
    package_ids: dict[str, int] = field(default_factory=dict)  # digest -> version id, stable once given
    package_deletes: list[tuple[str, int]] = field(default_factory=list)  # (package path, version id)
    pull_commits: dict[tuple[str, int], list[str]] = field(default_factory=dict)  # oldest first
    next_id: int = 1000
    list_barrier: threading.Barrier | None = None


class FakeGitHub:
    """Start with .start(); the base URL is .url. Thread-safe; one lock for the state."""

    def __init__(self, token: str = "test-token") -> None:
        self.state = State(token=token)
        self.default_base = "master"  # GitHub's example pull request's base branch
        self.lock = threading.Lock()
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(self))
        self.server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        self.thread = threading.Thread(target=self.server.serve_forever, kwargs={"poll_interval": 0.005}, daemon=True)

    def start(self) -> FakeGitHub:
        self.thread.start()
        return self

    def client_env(self, **extra: str) -> dict[str, str]:
        """The environment a script under test talks to this server with: its token and URL,
        github.com as the server for links, and no waits between requests or retries."""
        return {
            "GITHUB_TOKEN": self.state.token,
            "GITHUB_API_URL": self.url,
            "GITHUB_SERVER_URL": "https://github.com",
            "GITHUB_RETRY_BACKOFF": "0",
            "GITHUB_PACE_REQUESTS": "0",
            "GITHUB_PACE_WRITES": "0",
            **extra,
        }

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()

    # ---- building state -------------------------------------------------------------------
    def _rewrite(self, data: Any) -> Any:
        return json.loads(json.dumps(data).replace(REAL_API, self.url))

    def add_pull(
        self,
        repo: str,
        number: int,
        *,
        head_sha: str,
        head_owner: str,
        head_branch: str,
        state: str = "open",
        base_ref: str | None = None,
    ) -> dict[str, Any]:
        base_owner, name = repo.split("/")
        pr = copy.deepcopy(load("get-pull.200.json"))
        text = json.dumps(pr).replace("octocat/Hello-World", repo).replace("/1347", f"/{number}")
        pr = self._rewrite(json.loads(text))
        pr.update(number=number, state=state, id=number * 10)
        head_repo = f"{head_owner}/{name}"
        pr["head"].update(sha=head_sha, ref=head_branch, label=f"{head_owner}:{head_branch}")
        pr["head"]["repo"].update(full_name=head_repo, fork=head_owner != base_owner)
        pr["head"]["repo"]["owner"]["login"] = head_owner
        pr["base"]["ref"] = base_ref or self.default_base
        with self.lock:
            self.state.pulls[(repo, number)] = pr
        return pr

    def add_comment(self, repo: str, number: int, body: str, login: str = "github-actions[bot]") -> dict[str, Any]:
        with self.lock:
            return self._new_comment(repo, number, body, login)

    def _new_comment(self, repo: str, number: int, body: str, login: str) -> dict[str, Any]:
        self.state.next_id += 1
        cid = self.state.next_id
        comment = copy.deepcopy(load("list-issue-comments.200.json")[0])
        comment = self._rewrite(json.loads(json.dumps(comment).replace("octocat/Hello-World", repo)))
        user = self._rewrite(load("github-actions-bot.simple-user.json"))
        if login != user["login"]:
            user.update(login=login, id=abs(hash(login)) % 10**7, type="User")
        comment.update(
            id=cid,
            body=body,
            user=user,
            url=f"{self.url}/repos/{repo}/issues/comments/{cid}",
            html_url=f"https://github.com/{repo}/pull/{number}#issuecomment-{cid}",
            issue_url=f"{self.url}/repos/{repo}/issues/{number}",
        )
        comment["_repo"], comment["_number"] = repo, number
        self.state.comments[cid] = comment
        return comment

    def add_run(
        self,
        repo: str,
        run_id: int,
        artifact_names: list[str],
        ids: list[int] | None = None,
        zips: dict[str, bytes] | None = None,
    ) -> None:
        """A run and its artifacts; with zips, each artifact downloads as those bytes, listed
        with their size and sha256 digest as GitHub lists them."""
        template = load("list-workflow-run-artifacts.200.json")["artifacts"][0]
        artifacts = []
        for i, name in enumerate(artifact_names):
            artifact = self._rewrite(copy.deepcopy(template))
            artifact_id = ids[i] if ids else run_id * 100 + i
            artifact.update(id=artifact_id, name=name, expired=False)
            artifact["url"] = f"{self.url}/repos/{repo}/actions/artifacts/{artifact_id}"
            artifact["archive_download_url"] = f"{artifact['url']}/zip"
            if zips and name in zips:
                data = zips[name]
                artifact.update(size_in_bytes=len(data), digest="sha256:" + hashlib.sha256(data).hexdigest())
                with self.lock:
                    self.state.zips[artifact_id] = data
            artifacts.append(artifact)
        with self.lock:
            self.state.runs[(repo, run_id)] = artifacts

    def add_pull_files(self, repo: str, number: int, entries: list[dict[str, Any]]) -> None:
        """The PR's changed files as "List pull request files" answers (GitHub stops at 3,000)."""
        with self.lock:
            self.state.pull_files[(repo, number)] = entries

    def set_merge_base(self, repo: str, base: str, head: str, sha: str) -> None:
        with self.lock:
            self.state.merge_bases[(repo, base, head)] = sha

    def add_workflow_run(
        self,
        repo: str,
        run_id: int,
        head_sha: str,
        *,
        path: str = ".github/workflows/ci.yml",
        event: str = "pull_request",
        conclusion: str = "success",
        branch: str = "main",
    ) -> None:
        """A run as GET /repos/{repo}/actions/runs lists it (newest first)."""
        run = self._rewrite(copy.deepcopy(load("list-workflow-runs.200.json")["workflow_runs"][0]))
        text = json.dumps(run).replace("octo-org/octo-repo", repo).replace("octocat/Hello-World", repo)
        run = json.loads(text.replace("30433642", str(run_id)))
        run.update(
            id=run_id,
            head_sha=head_sha,
            path=f"{path}@refs/heads/main",
            event=event,
            status="completed",
            conclusion=conclusion,
            head_branch=branch,
        )
        with self.lock:
            self.state.workflow_runs.insert(0, run)

    def add_tag(self, repo: str, tag: str, commit: str, *, annotated: bool = False) -> None:
        """A git tag: lightweight (the ref names the commit) or annotated (the ref names a tag
        object, which names the commit), as GET /git/ref/tags/{tag} answers."""
        obj = {"type": "commit", "sha": commit, "url": f"{self.url}/repos/{repo}/git/commits/{commit}"}
        if annotated:
            tag_sha = hashlib.sha1(f"{repo}:{tag}:{commit}".encode()).hexdigest()  # noqa: S324  (an id, as git's)
            with self.lock:
                self.state.tag_objects[(repo, tag_sha)] = {"tag": tag, "sha": tag_sha, "object": obj}
            obj = {"type": "tag", "sha": tag_sha, "url": f"{self.url}/repos/{repo}/git/tags/{tag_sha}"}
        with self.lock:
            self.state.tags[(repo, tag)] = obj

    def serve_packages(self, registry: str, username: str, password: str) -> None:
        """GHCR's Packages API for the container packages in this (real) registry: package
        OWNER/NAME is the registry's repository owner/name; versions are its tagged manifests
        and, untagged, what their indexes name; a delete deletes the manifest by digest."""
        self.packages_registry = (registry, username, password)

    def releases_of(self, repo: str) -> list[dict[str, Any]]:
        with self.lock:
            return [copy.deepcopy(r) for r in self.state.releases.values() if r["_repo"] == repo]

    def fault(
        self,
        method: str,
        path: str,
        status: int,
        body: dict[str, Any],
        headers: dict[str, str] | None = None,
        times: int = 1,
    ) -> None:
        with self.lock:
            self.state.faults.append(Fault(method, path, status, body, headers or {}, times))

    def comments_on(self, repo: str, number: int) -> list[dict[str, Any]]:
        """Copies, oldest first: a later update does not change what a test already read."""
        with self.lock:
            found = [
                copy.deepcopy(c) for c in self.state.comments.values() if c["_repo"] == repo and c["_number"] == number
            ]
        return sorted(found, key=lambda c: c["id"])


ROUTES: list[tuple[str, re.Pattern[str], str]] = [
    ("GET", re.compile(r"/repos/([^/]+/[^/]+)\Z"), "get_repo"),
    ("GET", re.compile(r"/repos/([^/]+/[^/]+)/pulls/(\d+)\Z"), "get_pull"),
    ("GET", re.compile(r"/repos/([^/]+/[^/]+)/pulls\Z"), "list_pulls"),
    ("GET", re.compile(r"/repos/([^/]+/[^/]+)/pulls/(\d+)/files\Z"), "list_pull_files"),
    ("GET", re.compile(r"/repos/([^/]+/[^/]+)/pulls/(\d+)/commits\Z"), "list_pull_commits"),
    ("GET", re.compile(r"/repos/([^/]+/[^/]+)/compare/(.+)\Z"), "compare"),
    ("GET", re.compile(r"/repos/([^/]+/[^/]+)/issues/(\d+)/comments\Z"), "list_comments"),
    ("POST", re.compile(r"/repos/([^/]+/[^/]+)/issues/(\d+)/comments\Z"), "create_comment"),
    ("PATCH", re.compile(r"/repos/([^/]+/[^/]+)/issues/comments/(\d+)\Z"), "update_comment"),
    ("DELETE", re.compile(r"/repos/([^/]+/[^/]+)/issues/comments/(\d+)\Z"), "delete_comment"),
    ("GET", re.compile(r"/repos/([^/]+/[^/]+)/actions/runs/(\d+)\Z"), "get_run"),
    ("GET", re.compile(r"/repos/([^/]+/[^/]+)/actions/runs/(\d+)/artifacts\Z"), "list_artifacts"),
    ("GET", re.compile(r"/repos/([^/]+/[^/]+)/actions/runs\Z"), "list_runs"),
    ("GET", re.compile(r"/repos/([^/]+/[^/]+)/actions/artifacts/(\d+)/zip\Z"), "download_artifact"),
    ("GET", re.compile(r"/repos/([^/]+/[^/]+)/git/ref/tags/(.+)\Z"), "get_tag_ref"),
    ("GET", re.compile(r"/repos/([^/]+/[^/]+)/git/tags/([0-9a-f]{40})\Z"), "get_tag_object"),
    ("GET", re.compile(r"/repos/([^/]+/[^/]+)/releases/tags/(.+)\Z"), "get_release_by_tag"),
    ("POST", re.compile(r"/repos/([^/]+/[^/]+)/releases\Z"), "create_release"),
    ("PATCH", re.compile(r"/repos/([^/]+/[^/]+)/releases/(\d+)\Z"), "update_release"),
    ("POST", re.compile(r"/repos/([^/]+/[^/]+)/attestations\Z"), "create_attestation"),
    ("GET", re.compile(r"/repos/([^/]+/[^/]+)/attestations/(sha256:[0-9a-f]{64})\Z"), "list_attestations"),
    ("GET", re.compile(r"/(orgs|users)/([^/]+)/packages/container/([^/]+)/versions\Z"), "list_package_versions"),
    (
        "DELETE",
        re.compile(r"/(orgs|users)/([^/]+)/packages/container/([^/]+)/versions/(\d+)\Z"),
        "delete_package_version",
    ),
    ("POST", re.compile(r"/graphql\Z"), "graphql"),
    ("GET", re.compile(r"/user\Z"), "get_user"),
]


def _handler(fake: FakeGitHub) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"
        # One segment per response: without these, Nagle and delayed ACKs add 40 ms to each call.
        disable_nagle_algorithm = True
        wbufsize = 1 << 16

        def log_message(self, *args: object) -> None:  # quiet
            pass

        def _send(self, status: int, body: Any = None, headers: dict[str, str] | None = None) -> None:
            raw = b"" if body is None else json.dumps(body).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json; charset=utf-8")
            self.send_header("Content-Length", str(len(raw)))
            self.send_header("X-RateLimit-Limit", "1000")
            self.send_header("X-RateLimit-Remaining", "999")
            self.send_header("X-RateLimit-Reset", "4102444800")
            self.send_header("X-RateLimit-Used", "1")
            self.send_header("X-RateLimit-Resource", "core")
            self.send_header("X-GitHub-Media-Type", "github.v3; format=json")
            for key, value in (headers or {}).items():
                self.send_header(key, value)
            self.end_headers()
            self.wfile.write(raw)

        def _body(self) -> dict[str, Any]:
            length = int(self.headers.get("Content-Length") or 0)
            try:
                return json.loads(self.rfile.read(length) or b"{}")
            except ValueError:
                return {}

        def _dispatch(self, method: str) -> None:
            split = urlsplit(self.path)
            path, query = split.path, parse_qs(split.query)
            body = self._body() if method in ("POST", "PATCH") else {}
            state = fake.state
            if path.startswith("/_blob/") and method == "GET":  # the signed-URL host: no token wanted
                return self.blob(path.removeprefix("/_blob/"))
            with fake.lock:
                state.requests.append((method, self.path))
                if self.headers.get("Authorization") not in (f"token {state.token}", f"Bearer {state.token}"):
                    return self._send(401, load("error.401.bad-credentials.json"))
                for fault in state.faults:
                    if fault.method == method and fault.times > 0 and re.search(fault.path, path):
                        fault.times -= 1
                        return self._send(fault.status, fault.body, fault.headers)
            for route_method, pattern, name in ROUTES:
                match = pattern.match(path)
                if match and route_method == method:
                    return getattr(self, name)(*match.groups(), query=query, body=body)
            return self._send(404, load("error.404.not-found.json"))

        def do_GET(self) -> None:
            self._dispatch("GET")

        def do_POST(self) -> None:
            self._dispatch("POST")

        def do_PATCH(self) -> None:
            self._dispatch("PATCH")

        def do_DELETE(self) -> None:
            self._dispatch("DELETE")

        # ---- endpoints ---------------------------------------------------------------
        def _paginate(self, items: list[Any], query: dict[str, list[str]], wrap: str | None = None) -> None:
            per_page = min(int(query.get("per_page", ["30"])[0]), 100)
            page = int(query.get("page", ["1"])[0])
            chunk = items[(page - 1) * per_page : page * per_page]
            last = max((len(items) + per_page - 1) // per_page, 1)
            base = f"{fake.url}{urlsplit(self.path).path}"
            links = []
            extra = "".join(f"&{k}={v[0]}" for k, v in query.items() if k not in ("page", "per_page"))
            if page < last:
                links.append(f'<{base}?per_page={per_page}&page={page + 1}{extra}>; rel="next"')
                links.append(f'<{base}?per_page={per_page}&page={last}{extra}>; rel="last"')
            if page > 1:
                links.append(f'<{base}?per_page={per_page}&page={page - 1}{extra}>; rel="prev"')
                links.append(f'<{base}?per_page={per_page}&page=1{extra}>; rel="first"')
            headers = {"Link": ", ".join(links)} if links else {}
            body = {"total_count": len(items), wrap: chunk} if wrap else chunk
            self._send(200, body, headers)

        def get_repo(self, repo: str, **_: Any) -> None:
            owner, name = repo.split("/")
            data = json.loads(json.dumps(load("get-repo.200.json")).replace("octocat/Hello-World", repo))
            data = fake._rewrite(data)
            data.update(name=name, full_name=repo, description="A containerized Python service")
            data["owner"]["login"] = owner
            with fake.lock:
                data["owner"]["type"] = fake.state.owner_types.get(owner, "User")
            self._send(200, data)

        def get_pull(self, repo: str, number: str, **_: Any) -> None:
            with fake.lock:
                pr = fake.state.pulls.get((repo, int(number)))
            self._send(200, pr) if pr else self._send(404, load("error.404.not-found.json"))

        def list_pulls(self, repo: str, query: dict[str, list[str]], **_: Any) -> None:
            state = query.get("state", ["open"])[0]
            head = query.get("head", [""])[0]
            with fake.lock:
                pulls = [
                    pr
                    for (r, _n), pr in sorted(fake.state.pulls.items())
                    if r == repo
                    and (state == "all" or pr["state"] == state)
                    and (not head or pr["head"]["label"] == head)
                ]
            self._paginate(pulls, query)

        def list_comments(self, repo: str, number: str, query: dict[str, list[str]], **_: Any) -> None:
            barrier = fake.state.list_barrier
            if barrier is not None and query.get("page", ["1"])[0] == "1":
                with contextlib.suppress(threading.BrokenBarrierError):
                    barrier.wait(timeout=5)
            items = [{k: v for k, v in c.items() if not k.startswith("_")} for c in fake.comments_on(repo, int(number))]
            self._paginate(sorted(items, key=lambda c: c["id"]), query)

        def create_comment(self, repo: str, number: str, body: dict[str, Any], **_: Any) -> None:
            if not isinstance(body.get("body"), str):
                return self._send(
                    422, {"message": "Validation Failed", "documentation_url": "https://docs.github.com/rest"}
                )
            if len(body["body"]) > 65536:
                return self._send(
                    422,
                    {
                        "message": "Validation Failed",
                        "errors": [
                            {
                                "resource": "IssueComment",
                                "code": "custom",
                                "field": "body",
                                "message": "body is too long (maximum is 65536 characters)",
                            }
                        ],
                        "documentation_url": "https://docs.github.com/rest",
                    },
                )
            with fake.lock:
                comment = fake._new_comment(repo, int(number), body["body"], fake.state.viewer)
            public = {k: v for k, v in comment.items() if not k.startswith("_")}
            self._send(201, public, {"Location": public["url"]})

        def update_comment(self, repo: str, cid: str, body: dict[str, Any], **_: Any) -> None:
            with fake.lock:
                comment = fake.state.comments.get(int(cid))
                if comment is None or comment["_repo"] != repo:
                    return self._send(404, load("error.404.not-found.json"))
                if len(body.get("body", "")) > 65536:
                    return self._send(
                        422, {"message": "Validation Failed", "documentation_url": "https://docs.github.com/rest"}
                    )
                comment["body"] = body.get("body", "")
                public = {k: v for k, v in comment.items() if not k.startswith("_")}
            self._send(200, public)

        def delete_comment(self, repo: str, cid: str, **_: Any) -> None:
            with fake.lock:
                comment = fake.state.comments.pop(int(cid), None)
            self._send(204) if comment else self._send(404, load("error.404.not-found.json"))

        def get_run(self, repo: str, run_id: str, **_: Any) -> None:
            with fake.lock:
                known = (repo, int(run_id)) in fake.state.runs
            if not known:
                return self._send(404, load("error.404.not-found.json"))
            run = fake._rewrite(load("get-workflow-run.200.json"))
            text = json.dumps(run).replace("octo-org/octo-repo", repo).replace("30433642", run_id)
            run = json.loads(text)
            with fake.lock:  # what add_workflow_run said of this run, if anything
                listed = next((r for r in fake.state.workflow_runs if r["id"] == int(run_id)), None)
            if listed:
                run.update({k: listed[k] for k in ("head_sha", "path", "event", "status", "conclusion")})
            self._send(200, run)

        def list_artifacts(self, repo: str, run_id: str, query: dict[str, list[str]], **_: Any) -> None:
            with fake.lock:
                artifacts = fake.state.runs.get((repo, int(run_id)))
            if artifacts is None:
                return self._send(404, load("error.404.not-found.json"))
            self._paginate(artifacts, query, wrap="artifacts")

        def list_runs(self, repo: str, query: dict[str, list[str]], **_: Any) -> None:
            """Filters as GitHub's: head_sha, branch (head_branch), event, and status, which
            also takes a conclusion (status=success lists completed runs that succeeded)."""
            wanted = {k: query.get(k, [""])[0] for k in ("head_sha", "branch", "event", "status")}
            fields = {"head_sha": "head_sha", "branch": "head_branch", "event": "event"}

            def keep(run: dict[str, Any]) -> bool:
                if run["repository"]["full_name"] != repo:
                    return False
                if any(wanted[k] and run.get(field) != wanted[k] for k, field in fields.items()):
                    return False
                status = wanted["status"]
                return not status or status in (run.get("status"), run.get("conclusion"))

            with fake.lock:
                runs = [r for r in fake.state.workflow_runs if keep(r)]
            self._paginate(runs, query, wrap="workflow_runs")

        def list_pull_commits(self, repo: str, number: str, query: dict[str, list[str]], **_: Any) -> None:
            """The PR's commits, oldest first, at most 250 (GitHub's cap for this endpoint); only
            the sha of each is filled in beyond the shape."""
            with fake.lock:
                pr = fake.state.pulls.get((repo, int(number)))
                shas = fake.state.pull_commits.get((repo, int(number)))
            if pr is None:
                return self._send(404, load("error.404.not-found.json"))
            shas = shas if shas is not None else [pr["head"]["sha"]]
            commits = [
                {"sha": sha, "url": f"{fake.url}/repos/{repo}/commits/{sha}", "commit": {"message": "c"}, "parents": []}
                for sha in shas[:250]
            ]
            self._paginate(commits, query)

        def list_pull_files(self, repo: str, number: str, query: dict[str, list[str]], **_: Any) -> None:
            with fake.lock:
                entries = fake.state.pull_files.get((repo, int(number)))
            if entries is None:
                return self._send(404, load("error.404.not-found.json"))
            self._paginate(entries[:3000], query)

        def compare(self, repo: str, basehead: str, **_: Any) -> None:
            base, _, head = unquote(basehead).partition("...")
            with fake.lock:
                merge_base = fake.state.merge_bases.get((repo, base, head))
            if merge_base is None:
                return self._send(404, load("error.404.not-found.json"))
            text = json.dumps(load("compare-commits.200.json")).replace("octocat/Hello-World", repo)
            data = fake._rewrite(json.loads(text))
            data["merge_base_commit"]["sha"] = merge_base
            self._send(200, data)

        def download_artifact(self, repo: str, artifact_id: str, **_: Any) -> None:
            """302 to a short-lived URL on another host, as GitHub does (here: "localhost", a
            different host name for the same server, so a client that forwards the token shows)."""
            with fake.lock:
                known = int(artifact_id) in fake.state.zips and any(
                    a["id"] == int(artifact_id) for (r, _), arts in fake.state.runs.items() if r == repo for a in arts
                )
            if not known:
                return self._send(404, load("error.404.not-found.json"))
            port = fake.server.server_address[1]
            self._send(302, None, {"Location": f"http://localhost:{port}/_blob/{artifact_id}?sig=x&expires=60"})

        def blob(self, rest: str) -> None:
            artifact_id = urlsplit(rest).path
            with fake.lock:
                fake.state.blob_requests.append(dict(self.headers.items()))
                data = fake.state.zips.get(int(artifact_id)) if artifact_id.isdigit() else None
            if data is None:
                return self._send(404, None)
            self.send_response(200)
            self.send_header("Content-Type", "application/zip")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def get_tag_ref(self, repo: str, tag: str, **_: Any) -> None:
            tag = unquote(tag)
            with fake.lock:
                obj = fake.state.tags.get((repo, tag))
            if obj is None:
                return self._send(404, load("error.404.not-found.json"))
            url = f"{fake.url}/repos/{repo}/git/refs/tags/{tag}"
            self._send(200, {"ref": f"refs/tags/{tag}", "node_id": "REF_x", "url": url, "object": obj})

        def get_tag_object(self, repo: str, sha: str, **_: Any) -> None:
            with fake.lock:
                obj = fake.state.tag_objects.get((repo, sha))
            self._send(200, obj) if obj else self._send(404, load("error.404.not-found.json"))

        def _public_release(self, release: dict[str, Any]) -> dict[str, Any]:
            return {k: v for k, v in release.items() if not k.startswith("_")}

        def get_release_by_tag(self, repo: str, tag: str, **_: Any) -> None:
            tag = unquote(tag)
            with fake.lock:
                found = next(
                    (r for r in fake.state.releases.values() if r["_repo"] == repo and r["tag_name"] == tag), None
                )
                public = self._public_release(found) if found else None
            self._send(200, public) if public else self._send(404, load("error.404.not-found.json"))

        def _release_invalid(self, body: dict[str, Any]) -> dict[str, Any] | None:
            """GitHub's 422s for a release body: not a string, or over 125,000 characters."""
            text = body.get("body", "")
            if isinstance(text, str) and len(text) <= 125_000:
                return None
            errors = [{"resource": "Release", "code": "custom", "field": "body", "message": "body is too long (maximum is 125000 characters)"}]  # fmt: skip
            return {
                "message": "Validation Failed",
                "errors": errors,
                "documentation_url": "https://docs.github.com/rest",
            }

        def create_release(self, repo: str, body: dict[str, Any], **_: Any) -> None:
            tag = body.get("tag_name")
            invalid = self._release_invalid(body)
            with fake.lock:
                taken = any(r["_repo"] == repo and r["tag_name"] == tag for r in fake.state.releases.values())
            if not isinstance(tag, str) or not tag or taken or invalid:
                errors = [{"resource": "Release", "code": "already_exists", "field": "tag_name"}] if taken else []
                return self._send(422, invalid or {"message": "Validation Failed", "errors": errors})
            release = json.loads(json.dumps(load("create-release.201.json")).replace("octocat/Hello-World", repo))
            release = fake._rewrite(release)
            with fake.lock:
                fake.state.next_id += 1
                rid = fake.state.next_id
                release.update(
                    id=rid,
                    tag_name=tag,
                    name=body.get("name", tag),
                    body=body.get("body", ""),
                    draft=bool(body.get("draft", False)),
                    prerelease=bool(body.get("prerelease", False)),
                    url=f"{fake.url}/repos/{repo}/releases/{rid}",
                    html_url=f"https://github.com/{repo}/releases/tag/{tag}",
                    _repo=repo,
                )
                fake.state.releases[rid] = release
                public = self._public_release(release)
            self._send(201, public, {"Location": public["url"]})

        def update_release(self, repo: str, rid: str, body: dict[str, Any], **_: Any) -> None:
            invalid = self._release_invalid(body)
            with fake.lock:
                release = fake.state.releases.get(int(rid))
                if release is None or release["_repo"] != repo:
                    return self._send(404, load("error.404.not-found.json"))
                if invalid:
                    return self._send(422, invalid)
                release.update({k: body[k] for k in ("name", "body", "draft", "prerelease") if k in body})
                public = self._public_release(release)
            self._send(200, public)

        def create_attestation(self, repo: str, body: dict[str, Any], **_: Any) -> None:
            """Stores the bundle under every sha256 subject of its in-toto statement, as GitHub
            indexes attestations by subject digest; a bundle without one is a 422."""
            bundle = body.get("bundle")
            try:
                payload = bundle["dsseEnvelope"]["payload"]
                statement = json.loads(base64.b64decode(payload))
                digests = [f"sha256:{s['digest']['sha256']}" for s in statement["subject"]]
            except (KeyError, TypeError, ValueError):
                return self._send(
                    422, {"message": "Validation Failed", "documentation_url": "https://docs.github.com/rest"}
                )
            with fake.lock:
                fake.state.next_id += 1
                aid = fake.state.next_id
                fake.state.attestations.append({"repo": repo, "digests": digests, "bundle": bundle, "id": aid})
            self._send(201, {"id": aid})

        def list_attestations(self, repo: str, digest: str, query: dict[str, list[str]], **_: Any) -> None:
            with fake.lock:
                found = [
                    {"bundle": a["bundle"], "repository_id": 1296269, "bundle_url": None}
                    for a in fake.state.attestations
                    if a["repo"].lower() == repo.lower() and digest in a["digests"]
                ]
            if not found:
                return self._send(404, load("error.404.not-found.json"))
            self._send(200, {"attestations": found})

        def _package(self, kind: str, owner: str, name: str) -> tuple[Any, str] | None:
            """The registry client and repository behind a package, or None (GitHub's 404) when
            there is no registry, or the owner is of the other kind (/orgs/ for a user)."""
            backend = getattr(fake, "packages_registry", None)
            with fake.lock:
                owner_type = fake.state.owner_types.get(owner, "User")
            if backend is None or (kind == "orgs") != (owner_type == "Organization"):
                return None
            from scripts.deploy.registry import RegistryClient  # the tests' own copy of the client

            return RegistryClient(*backend), f"{owner}/{unquote(name)}".lower()

        def _versions(self, client: Any, repository: str) -> list[dict[str, Any]]:
            from scripts.deploy.registry import ImageRef
            from scripts.errors import ApiError

            ref = ImageRef(client.registry, repository)
            try:
                tags = client.tags(ref)
            except ApiError:
                tags = []  # no such repository yet: no versions
            by_digest: dict[str, list[str]] = {}
            for tag in sorted(tags):
                by_digest.setdefault(client.digest(ImageRef(client.registry, repository, tag=tag)), []).append(tag)
            for digest in list(by_digest):
                for child in sorted(client.children(ref, digest)):
                    by_digest.setdefault(child, [])
            with fake.lock:
                for digest in by_digest:
                    fake.state.package_ids.setdefault(digest, 40000 + len(fake.state.package_ids))
                ids = {d: fake.state.package_ids[d] for d in by_digest}
            owner, name = repository.split("/", 1)
            versions = []
            for digest, tags in sorted(by_digest.items(), key=lambda item: -ids[item[0]]):  # newest first
                item = copy.deepcopy(load("list-package-versions.200.json")[0])
                text = json.dumps(item).replace("users/octocat", f"users/{owner}").replace("hello_docker", name)
                item = fake._rewrite(json.loads(text.replace("45763", str(ids[digest]))))
                item.update(id=ids[digest], name=digest)
                item["metadata"]["container"]["tags"] = tags
                versions.append(item)
            return versions

        def list_package_versions(
            self, kind: str, owner: str, name: str, query: dict[str, list[str]], **_: Any
        ) -> None:
            found = self._package(kind, owner, name)
            if found is None:
                return self._send(404, load("error.404.not-found.json"))
            versions = self._versions(*found)
            per_page = min(int(query.get("per_page", ["30"])[0]), 100)
            page = int(query.get("page", ["1"])[0])
            self._send(200, versions[(page - 1) * per_page : page * per_page])  # no Link header: none documented

        def delete_package_version(self, kind: str, owner: str, name: str, vid: str, **_: Any) -> None:
            found = self._package(kind, owner, name)
            with fake.lock:
                digest = next((d for d, i in fake.state.package_ids.items() if i == int(vid)), None)
            if found is None or digest is None:
                return self._send(404, load("error.404.not-found.json"))
            client, repository = found
            scope = f"repository:{repository}:delete"
            client.request("DELETE", f"{repository}/manifests/{digest}", "*/*", scope, ok=(202,))
            with fake.lock:
                fake.state.package_deletes.append((repository, int(vid)))
                del fake.state.package_ids[digest]
            self._send(204)

        def graphql(self, body: dict[str, Any], **_: Any) -> None:
            if "viewer" in str(body.get("query", "")):
                return self._send(200, {"data": {"viewer": {"login": fake.state.viewer}}})
            self._send(200, {"errors": [{"message": "unsupported query in the fake"}]})

        def get_user(self, **_: Any) -> None:
            if fake.state.user_403:
                return self._send(403, load("get-authenticated-user.403.github-token.json"))
            user = fake._rewrite(load("github-actions-bot.simple-user.json"))
            self._send(200, {**user, "login": fake.state.viewer})

    return Handler
