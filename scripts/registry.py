"""The OCI distribution API, through requests: resolve IMAGE:TAG to its digest and read its labels.

Handles the two challenges registries send on a 401: Basic (a plain htpasswd registry) and
Bearer (GHCR, Docker Hub: fetch a token from the realm with the user's credentials, then retry).
Retries 5xx and connection errors with backoff; a 401, 403 or 404 is one clear line. Knows
nothing of the docker CLI or of GitHub.
"""

from __future__ import annotations

import hashlib
import re
import time
from dataclasses import dataclass
from typing import Any

import requests

from scripts.errors import ApiError, InputError
from scripts.model import DIGEST_RE

INDEX_TYPES = (
    "application/vnd.oci.image.index.v1+json",
    "application/vnd.docker.distribution.manifest.list.v2+json",
)
MANIFEST_TYPES = (
    "application/vnd.oci.image.manifest.v1+json",
    "application/vnd.docker.distribution.manifest.v2+json",
)
ACCEPT = ", ".join(INDEX_TYPES + MANIFEST_TYPES)
MAX_MANIFEST = 4 * 1024 * 1024
MAX_CONFIG = 8 * 1024 * 1024

_REF = re.compile(
    r"(?P<registry>[A-Za-z0-9.-]+(?::[0-9]+)?)/(?P<repository>[A-Za-z0-9._/-]+?)"
    r"(?::(?P<tag>[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}))?(?:@(?P<digest>sha256:[0-9a-f]{64}))?\Z"
)
_CHALLENGE_PARAM = re.compile(r'(\w+)="([^"]*)"')


@dataclass(frozen=True)
class ImageRef:
    registry: str
    repository: str  # lower-cased: GHCR and Docker refuse upper-case repository paths
    tag: str = ""
    digest: str = ""

    @classmethod
    def parse(cls, text: str) -> ImageRef:
        """registry/owner/name[:tag][@sha256:…]; the registry part is required."""
        match = _REF.match(text)
        registry = match["registry"] if match else ""
        if not match or not ("." in registry or ":" in registry or registry == "localhost"):
            raise InputError(f"{text[:100]!r} is not REGISTRY/REPOSITORY[:TAG][@DIGEST]")
        return cls(match["registry"], match["repository"].lower(), match["tag"] or "", match["digest"] or "")

    @property
    def name(self) -> str:
        return f"{self.registry}/{self.repository}"

    def with_digest(self, digest: str) -> str:
        return f"{self.name}@{digest}"


@dataclass(frozen=True)
class Resolved:
    digest: str  # of what the tag points at (an index for multi-platform images)
    media_type: str
    manifest_digest: str  # of the platform manifest whose config was read
    config_digest: str
    labels: dict[str, str]


def is_local(registry: str) -> bool:
    """Docker itself talks plain HTTP to loopback registries; so do we, and only to those."""
    host = registry.rsplit(":", 1)[0] if registry.count(":") == 1 else registry
    return host in ("localhost", "127.0.0.1", "[::1]")


class RegistryClient:
    """One registry, one set of credentials. Tokens are cached per scope for the client's life."""

    def __init__(
        self,
        registry: str,
        username: str = "",
        password: str = "",
        *,
        session: requests.Session | None = None,
        timeout: float = 30.0,
        retries: int = 4,
        backoff: float = 0.5,
    ) -> None:
        self.registry = registry
        self.base = f"{'http' if is_local(registry) else 'https'}://{registry}"
        self.credentials = (username, password) if username or password else None
        self.session = session or requests.Session()
        self.session.trust_env = False  # no proxy or .netrc from the environment decides where credentials go
        self.timeout = timeout
        self.retries = retries
        self.backoff = backoff
        self.auth_header: dict[str, str] = {}  # Bearer token, once a challenge asked for one
        self.basic = False  # Basic credentials, once a challenge asked for them

    # ---- transport --------------------------------------------------------------------------
    def _send(self, method: str, url: str, headers: dict[str, str], **kw: Any) -> requests.Response:
        """One request with retries on 5xx and network errors; 4xx come back to the caller."""
        last = ""
        for attempt in range(self.retries + 1):
            if attempt:
                time.sleep(self.backoff * 2 ** (attempt - 1))
            try:
                response = self.session.request(method, url, headers=headers, timeout=self.timeout, **kw)
            except requests.RequestException as exc:
                last = f"{type(exc).__name__}"
                continue
            if response.status_code < 500:
                return response
            last = f"HTTP {response.status_code}"
        raise ApiError(
            f"registry {self.registry}: {method} {url.split('?')[0]} failed after {self.retries + 1} tries ({last})"
        )

    def _token(self, challenge: str, scope: str) -> str:
        params = dict(_CHALLENGE_PARAM.findall(challenge))
        realm = params.get("realm", "")
        if not realm.startswith(("https://", "http://")):
            raise ApiError(f"registry {self.registry}: Bearer challenge without a usable realm")
        if realm.startswith("http://") and not is_local(realm.split("/")[2]):
            raise ApiError(f"registry {self.registry}: refusing to send credentials to a plain-HTTP realm {realm}")
        query = {"service": params.get("service", ""), "scope": params.get("scope", scope)}
        response = self._send("GET", realm, {}, params=query, auth=self.credentials)
        if response.status_code in (401, 403):
            raise ApiError(
                f"registry {self.registry}: token refused by {realm} ({response.status_code}): check the credentials"
            )
        if response.status_code != 200:
            raise ApiError(f"registry {self.registry}: token endpoint answered {response.status_code}")
        try:
            body = response.json()
        except ValueError:
            raise ApiError(f"registry {self.registry}: token endpoint sent no JSON") from None
        token = body.get("token") or body.get("access_token") if isinstance(body, dict) else None
        if not isinstance(token, str) or not token:
            raise ApiError(f"registry {self.registry}: token endpoint sent no token")
        return token

    def _auth(self) -> tuple[str, str] | None:
        return self.credentials if self.basic else None

    def request(self, method: str, path: str, accept: str, scope: str) -> requests.Response:
        """GET/HEAD under /v2/, answering an auth challenge once; 4xx become one-line ApiErrors."""
        url = f"{self.base}/v2/{path}"
        response = self._send(method, url, {"Accept": accept, **self.auth_header}, auth=self._auth())
        if response.status_code == 401:
            challenge = response.headers.get("WWW-Authenticate", "")
            kind = challenge.split(" ", 1)[0].lower()
            if kind == "bearer":
                self.auth_header = {"Authorization": f"Bearer {self._token(challenge, scope)}"}
            elif kind == "basic" and self.credentials:
                self.basic = True
            elif kind == "basic":
                raise ApiError(
                    f"registry {self.registry}: needs credentials (set REGISTRY_USERNAME and REGISTRY_PASSWORD)"
                )
            else:
                raise ApiError(f"registry {self.registry}: 401 with an unknown challenge {challenge[:60]!r}")
            response = self._send(method, url, {"Accept": accept, **self.auth_header}, auth=self._auth())
        if response.status_code == 401:
            raise ApiError(f"registry {self.registry}: authentication failed (401): check the credentials")
        if response.status_code == 403:
            raise ApiError(
                f"registry {self.registry}: access denied (403) to {path.split('/manifests/')[0].split('/blobs/')[0]}"
            )
        if response.status_code == 404:
            raise ApiError(f"registry {self.registry}: not found (404): {path}")
        if response.status_code != 200:
            raise ApiError(f"registry {self.registry}: {method} {path} answered {response.status_code}")
        return response

    # ---- API ----------------------------------------------------------------------------------
    def _manifest(self, ref: ImageRef, reference: str) -> tuple[str, dict[str, Any], str]:
        scope = f"repository:{ref.repository}:pull"
        response = self.request("GET", f"{ref.repository}/manifests/{reference}", ACCEPT, scope)
        raw = response.content
        if len(raw) > MAX_MANIFEST:
            raise ApiError(f"registry {self.registry}: manifest over {MAX_MANIFEST} bytes")
        digest = "sha256:" + hashlib.sha256(raw).hexdigest()
        if reference.startswith("sha256:") and digest != reference:
            raise ApiError(f"registry {self.registry}: manifest content does not match {reference}")
        try:
            body = response.json()
        except ValueError:
            raise ApiError(f"registry {self.registry}: manifest is not JSON") from None
        media_type = body.get("mediaType") or response.headers.get("Content-Type", "").split(";")[0]
        return media_type, body, digest

    def digest(self, ref: ImageRef) -> str:
        """What the tag points at now: HEAD first (cheap, no pull counted), GET when HEAD has no digest."""
        scope = f"repository:{ref.repository}:pull"
        response = self.request("HEAD", f"{ref.repository}/manifests/{ref.tag or 'latest'}", ACCEPT, scope)
        digest = response.headers.get("Docker-Content-Digest", "")
        if DIGEST_RE.match(digest):
            return digest
        return self._manifest(ref, ref.tag or "latest")[2]

    def resolve(self, ref: ImageRef, platform: tuple[str, str] = ("linux", "amd64")) -> Resolved:
        """Tag (or digest) -> digest, the platform manifest, its config and the image's labels."""
        reference = ref.digest or self.digest(ref)
        media_type, body, digest = self._manifest(ref, reference)
        if digest != reference:
            raise ApiError(f"registry {self.registry}: manifest for {reference} hashes to {digest}")
        manifest_digest, manifest = digest, body
        if media_type in INDEX_TYPES:
            entries = [m for m in body.get("manifests", []) if isinstance(m, dict)]
            chosen = next(
                (
                    m
                    for m in entries
                    if (m.get("platform") or {}).get("os") == platform[0]
                    and (m.get("platform") or {}).get("architecture") == platform[1]
                ),
                None,
            )
            if chosen is None:
                raise ApiError(f"registry {self.registry}: {reference} has no {platform[0]}/{platform[1]} image")
            _, manifest, manifest_digest = self._manifest(ref, chosen["digest"])
        config_digest = (manifest.get("config") or {}).get("digest", "")
        if not DIGEST_RE.match(str(config_digest)):
            raise ApiError(f"registry {self.registry}: manifest {manifest_digest} has no config digest")
        response = self.request(
            "GET", f"{ref.repository}/blobs/{config_digest}", "*/*", f"repository:{ref.repository}:pull"
        )
        if (
            len(response.content) > MAX_CONFIG
            or "sha256:" + hashlib.sha256(response.content).hexdigest() != config_digest
        ):
            raise ApiError(f"registry {self.registry}: config blob does not match {config_digest}")
        try:
            labels = (response.json().get("config") or {}).get("Labels") or {}
        except (ValueError, AttributeError):
            raise ApiError(f"registry {self.registry}: config blob is not an image config") from None
        return Resolved(
            reference, media_type, manifest_digest, config_digest, {str(k): str(v) for k, v in labels.items()}
        )
