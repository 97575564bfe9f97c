"""scripts.github.github_api's own pieces: settings from the environment, the client it builds, and the
one-line descriptions of failures. The publishing paths are in test_comment.py."""

from __future__ import annotations

import pytest
import requests
from github import GithubException

from scripts.errors import ScriptError
from scripts.github import github_api
from scripts.github.github_api import Settings, describe
from tests.support.fake_github import FakeGitHub

REPO = "octo-org/sample-app"


class TestSettings:
    def test_defaults__from_a_token_alone(self):
        assert Settings.from_env({"GITHUB_TOKEN": "t"}) == Settings(
            token="t",
            api_url="https://api.github.com",
            server_url="https://github.com",
            retries=6,
            backoff=1.0,
            secondary_rate_wait=60.0,
            max_rate_limit_wait=600.0,
            timeout=30.0,
            pace_requests=0.25,
            pace_writes=1.0,
        )

    def test_every_variable_is_read_and_urls_lose_a_trailing_slash(self):
        env = {
            "GITHUB_TOKEN": "t",
            "GITHUB_API_URL": "https://ghe.example/api/v3/",
            "GITHUB_SERVER_URL": "https://ghe.example/",
            "GITHUB_RETRIES": "2",
            "GITHUB_RETRY_BACKOFF": "0.5",
            "GITHUB_SECONDARY_RATE_WAIT": "7",
            "GITHUB_PACE_REQUESTS": "0.1",
            "GITHUB_PACE_WRITES": "0.2",
        }
        settings = Settings.from_env(env)
        assert (settings.api_url, settings.server_url) == ("https://ghe.example/api/v3", "https://ghe.example")
        assert (settings.retries, settings.backoff, settings.secondary_rate_wait) == (2, 0.5, 7.0)
        assert (settings.pace_requests, settings.pace_writes) == (0.1, 0.2)

    def test_no_token__one_line(self):
        with pytest.raises(
            ScriptError, match=r"^GITHUB_TOKEN is not set \(the token is read from the environment only\)$"
        ):
            Settings.from_env({})

    @pytest.mark.parametrize(
        "name",
        [
            "GITHUB_RETRIES",
            "GITHUB_RETRY_BACKOFF",
            "GITHUB_SECONDARY_RATE_WAIT",
            "GITHUB_PACE_REQUESTS",
            "GITHUB_PACE_WRITES",
        ],
    )
    def test_numbers_that_are_not__one_line(self, name):
        with pytest.raises(
            ScriptError, match=r"^the GITHUB_RETRIES, GITHUB_RETRY_\* and GITHUB_PACE_\* variables take numbers$"
        ):
            Settings.from_env({"GITHUB_TOKEN": "t", name: "many"})


class TestClient:
    @pytest.fixture
    def fake(self):
        server = FakeGitHub().start()
        server.add_pull(REPO, 7, head_sha="a" * 40, head_owner="octo-org", head_branch="x")
        yield server
        server.stop()

    def client(self, fake, **kw):
        settings = Settings(
            token="test-token", api_url=fake.url, retries=2, backoff=0, pace_requests=0, pace_writes=0, **kw
        )
        return github_api.connect(settings)

    def test_pages_of_100(self, fake):
        repo = github_api.repository(self.client(fake), REPO)
        list(repo.get_pull(7).get_issue_comments())
        assert any("per_page=100" in path for method, path in fake.state.requests if "/comments" in path)

    @pytest.mark.parametrize("method", ["PATCH", "DELETE"])
    def test_writes_that_are_safe_to_repeat__retried_on_a_502(self, fake, method):
        comment = fake.add_comment(REPO, 7, "<!-- sample-app-report -->\nx")
        fake.fault(method, rf"/issues/comments/{comment['id']}$", 502, {"message": "Server Error"})
        pr = github_api.repository(self.client(fake), REPO).get_pull(7)
        [ours] = list(pr.get_issue_comments())
        ours.edit("y") if method == "PATCH" else ours.delete()
        assert [m for m, p in fake.state.requests if m == method] == [method, method]


class TestDescribe:
    def test_github_error_with_a_message(self):
        exc = GithubException(422, {"message": "Validation Failed" + "x" * 300}, None)
        assert describe(exc) == "GitHub API answered 422: Validation Failed" + "x" * 183

    def test_github_error_without_data(self):
        assert describe(GithubException(500, None, None)) == "GitHub API answered 500: no message"

    def test_network_error(self):
        exc = requests.ConnectionError("refused " + "z" * 300)
        assert describe(exc) == "GitHub API unreachable: ConnectionError: refused " + "z" * 192

    @pytest.mark.parametrize(
        ("header", "needed"),
        [
            ("actions=read", "actions=read"),
            ("pull_requests=write,contents=read", "pull_requests=write,contents=read"),
            (
                "pull_requests=read,contents=read; issues=read,contents=read",
                "pull_requests=read,contents=read or issues=read,contents=read",
            ),
            ("<script>=x", ""),  # not the header's grammar: not repeated
            ("", ""),
        ],
    )
    def test_token_without_the_permission__the_one_it_lacks(self, header, needed):
        """GitHub's documented forms of X-Accepted-GitHub-Permissions (alternatives after ';')."""
        exc = GithubException(
            403, {"message": "Resource not accessible by integration"}, {"x-accepted-github-permissions": header}
        )
        hint = f" (the token needs {needed})" if needed else ""
        assert describe(exc) == f"GitHub API answered 403: Resource not accessible by integration{hint}"

    def test_permission_header__only_on_a_refusal(self):
        exc = GithubException(422, {"message": "Validation Failed"}, {"X-Accepted-GitHub-Permissions": "issues=write"})
        assert describe(exc) == "GitHub API answered 422: Validation Failed"

    def test_anything_else(self):
        assert describe(KeyError("k")) == "GitHub API call failed: KeyError: 'k'"

    def test_repo_name__checked_and_shown_cut(self):
        with pytest.raises(ScriptError, match=r"^--repo: 'x{80}' is not OWNER/NAME$"):
            github_api.check_repo("x" * 100)


class TestDescribeExactly:
    def test_404_naming_the_permission__said(self):
        exc = GithubException(404, {"message": "Not Found"}, {"X-Accepted-GitHub-Permissions": "pull_requests=read"})
        assert describe(exc) == "GitHub API answered 404: Not Found (the token needs pull_requests=read)"

    def test_long_messages__cut_to_200(self):
        exc = GithubException(403, {"message": "m" * 300}, {"X-Accepted-GitHub-Permissions": "contents=write"})
        assert describe(exc) == f"GitHub API answered 403: {'m' * 200} (the token needs contents=write)"
        assert describe(ValueError("v" * 300)) == f"GitHub API call failed: ValueError: {'v' * 200}"

    def test_retry_error__its_reason_or_itself(self):
        class Wrapped:
            reason = "too many 502 error responses"

        assert describe(requests.exceptions.RetryError(Wrapped())) == (
            "GitHub API kept failing after retries (too many 502 error responses)"
        )
        assert describe(requests.exceptions.RetryError("plain")) == "GitHub API kept failing after retries (plain)"
        assert describe(requests.exceptions.RetryError()) == "GitHub API kept failing after retries ()"


class TestNeededPermissionsExactly:
    def test_all_of_and_alternatives__spaces_dropped(self):
        headers = {"X-Accepted-GitHub-Permissions": "contents=read, pull_requests=write; actions=read"}
        assert github_api.needed_permissions(headers) == "contents=read,pull_requests=write or actions=read"

    def test_no_headers__nothing_said(self):
        assert github_api.needed_permissions(None) == ""
        assert github_api.needed_permissions({}) == ""
        assert describe(GithubException(403, {"message": "Forbidden"}, None)) == "GitHub API answered 403: Forbidden"

    def test_long_lists__cut_to_200(self):
        value = "; ".join(f"scope{chr(97 + i % 26)}=read" for i in range(40))
        said = github_api.needed_permissions({"x-accepted-github-permissions": value})
        assert len(said) == 200
        assert said == " or ".join(f"scope{chr(97 + i % 26)}=read" for i in range(40))[:200]

    def test_urls_lose_only_trailing_slashes(self):
        settings = Settings.from_env(
            {
                "GITHUB_TOKEN": "t",
                "GITHUB_API_URL": "https://ghe.example/X/",
                "GITHUB_SERVER_URL": "https://ghe.example/X//",
            }
        )
        assert (settings.api_url, settings.server_url) == ("https://ghe.example/X", "https://ghe.example/X")
