"""GitHub's Packages REST API for one GHCR container package: its versions (digest and tags) and
deleting one. Through requests: PyGithub has no Packages API. Knows nothing of what to delete.

Versions are listed page by page (100 a page; the API documents no Link header, so a short page
is the last), every body bounded in bytes and time; 5xx and network errors are retried with
backoff; a 401/403/404 is one line that says which permission a token needs for it.
"""

from __future__ import annotations

import re
import time
from urllib.parse import quote

import requests

from scripts import http_body
from scripts.errors import ApiError, InputError
from scripts.github.github_api import OWNER_RE, Settings, needed_permissions
from scripts.model import DIGEST_RE, PackageVersion
from scripts.untrusted import loads

PER_PAGE = 100
MAX_PAGES = 100  # 10,000 versions: beyond that, a clean-up should not guess
MAX_PAGE_BODY = 8 * 1024 * 1024
CALL_DEADLINE = 120.0
_PACKAGE_RE = re.compile(r"[a-z0-9][a-z0-9._/-]{0,199}\Z")


def _version(item: object, where: str) -> PackageVersion:
    """One listed version, checked: an id, a digest for a name, a list of string tags."""
    if not isinstance(item, dict):
        raise ApiError(f"{where}: a version that is not an object")
    vid, digest = item.get("id"), item.get("name")
    container = (item.get("metadata") or {}).get("container") if isinstance(item.get("metadata"), dict) else None
    tags = container.get("tags") if isinstance(container, dict) else None
    if not isinstance(vid, int) or isinstance(vid, bool) or vid <= 0:
        raise ApiError(f"{where}: a version without a numeric id")
    if not isinstance(digest, str) or not DIGEST_RE.match(digest):
        raise ApiError(f"{where}: version {vid} is named {str(digest)[:80]!r}, not a digest")
    if not isinstance(tags, list) or not all(isinstance(t, str) for t in tags):
        raise ApiError(f"{where}: version {vid} has no container tag list")
    return PackageVersion(vid, digest, tuple(tags))


class PackagesClient:
    """The versions of container package `package` owned by `owner` (an organization or a user)."""

    def __init__(
        self,
        settings: Settings,
        owner: str,
        package: str,
        *,
        organization: bool,
        session: requests.Session | None = None,
        retries: int = 4,
    ) -> None:
        if not OWNER_RE.match(owner):
            raise InputError(f"owner {owner[:60]!r} is not a GitHub login")
        if not _PACKAGE_RE.match(package):
            raise InputError(f"package {package[:60]!r} is not a container package name")
        kind = "orgs" if organization else "users"
        self.base = f"{settings.api_url}/{kind}/{owner}/packages/container/{quote(package, safe='')}"
        self.where = f"package {owner}/{package}"
        self.settings = settings
        self.retries = retries
        self.session = session or requests.Session()
        self.session.trust_env = False  # no proxy or .netrc from the environment gets the token

    def _call(self, method: str, url: str, cap: int) -> tuple[int, bytes, dict[str, str]]:
        deadline = time.monotonic() + CALL_DEADLINE
        headers = {
            "Authorization": f"Bearer {self.settings.token}",
            "Accept": "application/vnd.github+json",
            "X-GitHub-Api-Version": "2022-11-28",
        }
        last = ""
        for attempt in range(self.retries + 1):
            if attempt:
                time.sleep(min(self.settings.backoff * 2 ** (attempt - 1), max(deadline - time.monotonic(), 0)))
            left = deadline - time.monotonic()
            if left <= 0:
                break
            try:
                response = self.session.request(
                    method, url, headers=headers, timeout=min(self.settings.timeout, left), stream=True
                )
                with response:
                    if response.status_code >= 500:
                        last = f"HTTP {response.status_code}"
                        continue
                    body = b"".join(http_body.chunks(response, cap, deadline, f"{self.where}: {method}"))
                    return response.status_code, body, dict(response.headers)
            except requests.RequestException as exc:
                last = type(exc).__name__
        raise ApiError(f"{self.where}: {method} failed after {self.retries + 1} tries ({last or 'deadline'})")

    def _refused(self, status: int, body: bytes, headers: dict[str, str], doing: str) -> ApiError:
        try:
            message = str((loads(body, "error") or {}).get("message", ""))[:200]
        except (InputError, AttributeError):
            message = ""
        needed = needed_permissions(headers) if status in (401, 403, 404) else ""
        hint = f" (the token needs {needed})" if needed else ""
        if status in (401, 403) and not needed:
            hint = " (a token that may administer the package: GITHUB_TOKEN with packages: write and admin access to it, or a classic PAT with delete:packages)"
        return ApiError(f"{self.where}: {doing} answered {status}: {message or 'no message'}{hint}")

    def versions(self) -> list[PackageVersion]:
        """Every active version, newest first as GitHub lists them."""
        found: list[PackageVersion] = []
        for page in range(1, MAX_PAGES + 1):
            status, body, headers = self._call(
                "GET", f"{self.base}/versions?per_page={PER_PAGE}&page={page}", MAX_PAGE_BODY
            )
            if status != 200:
                raise self._refused(status, body, headers, "listing versions")
            try:
                items = loads(body, "versions")
            except InputError:
                raise ApiError(f"{self.where}: the version list is not JSON") from None
            if not isinstance(items, list):
                raise ApiError(f"{self.where}: the version list is not a list")
            found.extend(_version(item, self.where) for item in items)
            if len(items) < PER_PAGE:
                return found
        raise ApiError(f"{self.where}: more than {MAX_PAGES * PER_PAGE:,} versions; clean up by hand first")

    def delete(self, version: PackageVersion) -> None:
        """Delete one version (all its tags go with it). A 404 is an error too: the version was
        just listed, so it means no access far more often than a race (cleanup.yml runs one at
        a time)."""
        status, body, headers = self._call("DELETE", f"{self.base}/versions/{int(version.id)}", 64 * 1024)
        if status == 204:
            return
        raise self._refused(status, body, headers, f"deleting version {version.id} ({version.digest[:19]}…)")
