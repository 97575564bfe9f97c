"""scripts.github.packages against the local GitHub REST server, answers set per test: GitHub's own
example body, pages, refusals and a server that fails first. Oracles written out."""

from __future__ import annotations

import pytest

from scripts.errors import ApiError, InputError
from scripts.github import github_api, packages
from scripts.github.packages import PackagesClient
from scripts.model import PackageVersion
from tests.support.fake_github import load

VERSIONS = r"/packages/container/[^/]+/versions\Z"


@pytest.fixture
def fake(fake_github):
    return fake_github


@pytest.fixture
def settings(fake):
    return github_api.Settings.from_env(fake.client_env())


def item(n: int, *tags: str) -> dict:
    return {
        "id": n,
        "name": "sha256:" + f"{n:064x}",
        "metadata": {"package_type": "container", "container": {"tags": list(tags)}},
    }


class TestVersions:
    def test_githubs_example__ids_digests_tags(self, fake, settings):
        fake.fault("GET", VERSIONS, 200, load("list-package-versions.200.json"))
        client = PackagesClient(settings, "octocat", "hello_docker", organization=False)
        assert client.versions() == [
            PackageVersion(
                45763, "sha256:08a44bab0bddaddd8837a8b381aebc2e4b933768b981685a9e088360af0d3dd9", ("latest",)
            ),
            PackageVersion(881, "sha256:b3d3e366b55f9a54599220198b3db5da8f53592acbbb7dc7e4e9878762fc5344", ()),
        ]
        assert fake.state.requests == [
            ("GET", "/users/octocat/packages/container/hello_docker/versions?per_page=100&page=1")
        ]

    def test_organization_path_and_a_package_name_with_a_slash(self, fake, settings):
        fake.fault("GET", VERSIONS, 200, [])
        PackagesClient(settings, "octo-org", "team/app", organization=True).versions()
        assert fake.state.requests == [
            ("GET", "/orgs/octo-org/packages/container/team%2Fapp/versions?per_page=100&page=1")
        ]

    def test_pages_until_a_short_one(self, fake, settings):
        fake.fault("GET", VERSIONS, 200, [item(n) for n in range(1, 101)])
        fake.fault("GET", VERSIONS, 200, [item(101, "latest")])
        found = PackagesClient(settings, "octocat", "app", organization=False).versions()
        assert [v.id for v in found] == list(range(1, 102))
        assert [path.rsplit("&", 1)[1] for _, path in fake.state.requests] == ["page=1", "page=2"]

    def test_too_many_versions__refused_rather_than_guessed(self, fake, settings, monkeypatch):
        monkeypatch.setattr(packages, "MAX_PAGES", 2)
        fake.fault("GET", VERSIONS, 200, [item(n) for n in range(1, 101)], times=5)
        with pytest.raises(ApiError, match=r"^package octocat/app: more than 200 versions; clean up by hand first$"):
            PackagesClient(settings, "octocat", "app", organization=False).versions()

    @pytest.mark.parametrize(
        ("body", "said"),
        [
            (
                [{"id": True, "name": "sha256:" + "a" * 64, "metadata": {"container": {"tags": []}}}],
                "a version without a numeric id",
            ),
            (
                [{"id": 0, "name": "sha256:" + "a" * 64, "metadata": {"container": {"tags": []}}}],
                "a version without a numeric id",
            ),
            (
                [{"id": 5, "name": "1.0.4", "metadata": {"package_type": "npm"}}],
                "version 5 is named '1.0.4', not a digest",
            ),
            (
                [{"id": 5, "name": "sha256:" + "a" * 64, "metadata": {"package_type": "npm"}}],
                "version 5 has no container tag list",
            ),
            (
                [{"id": 5, "name": "sha256:" + "a" * 64, "metadata": {"container": {"tags": [1]}}}],
                "version 5 has no container tag list",
            ),
            (["x"], "a version that is not an object"),
            ({"versions": []}, "the version list is not a list"),
        ],
    )
    def test_malformed_answers__one_line_each(self, fake, settings, body, said):
        fake.fault("GET", VERSIONS, 200, body)
        with pytest.raises(ApiError, match=rf"^package octocat/app: {said}$"):
            PackagesClient(settings, "octocat", "app", organization=False).versions()

    def test_5xx__retried(self, fake, settings):
        fake.fault("GET", VERSIONS, 502, {"message": "Bad Gateway"}, times=2)
        fake.fault("GET", VERSIONS, 200, [item(1, "latest")])
        assert [v.id for v in PackagesClient(settings, "octocat", "app", organization=False).versions()] == [1]
        assert len(fake.state.requests) == 3

    def test_5xx_throughout__one_line_after_five_tries(self, fake, settings):
        fake.fault("GET", VERSIONS, 503, {"message": "Unavailable"}, times=9)
        with pytest.raises(ApiError, match=r"^package octocat/app: GET failed after 5 tries \(HTTP 503\)$"):
            PackagesClient(settings, "octocat", "app", organization=False).versions()
        assert len(fake.state.requests) == 5

    def test_403_names_the_permission_github_asks_for(self, fake, settings):
        fake.fault("GET", VERSIONS, 403, {"message": "Forbidden"}, {"X-Accepted-GitHub-Permissions": "packages=read"})
        with pytest.raises(
            ApiError,
            match=r"^package octocat/app: listing versions answered 403: Forbidden \(the token needs packages=read\)$",
        ):
            PackagesClient(settings, "octocat", "app", organization=False).versions()


class TestDelete:
    def test_204__done_by_id(self, fake, settings):
        fake.fault("DELETE", r"/versions/881\Z", 204, {})
        PackagesClient(settings, "octo-org", "app", organization=True).delete(
            PackageVersion(881, "sha256:" + "b" * 64, ())
        )
        assert fake.state.requests == [("DELETE", "/orgs/octo-org/packages/container/app/versions/881")]

    @pytest.mark.parametrize("status", [404, 403, 401, 200])
    def test_anything_else__one_line_naming_the_version(self, fake, settings, status):
        fake.fault("DELETE", r"/versions/881\Z", status, {"message": "nope"})
        with pytest.raises(
            ApiError,
            match=rf"^package octo-org/app: deleting version 881 \(sha256:bbbbbbbbbbbb…\) answered {status}: nope",
        ):
            PackagesClient(settings, "octo-org", "app", organization=True).delete(
                PackageVersion(881, "sha256:" + "b" * 64, ())
            )

    def test_token_goes_nowhere_else(self, settings):
        client = PackagesClient(settings, "octocat", "app", organization=False)
        assert client.session.trust_env is False
        assert client.base == f"{settings.api_url}/users/octocat/packages/container/app"


@pytest.mark.parametrize(
    ("owner", "package"), [("octo org", "app"), ("-x", "app"), ("octocat", "App"), ("octocat", "../x"), ("octocat", "")]
)
def test_names__checked_before_any_request(settings, owner, package):
    with pytest.raises(InputError, match=r"is not a (GitHub login|container package name)$"):
        PackagesClient(settings, owner, package, organization=False)
