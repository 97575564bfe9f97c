"""The OCI distribution API, through requests: resolve IMAGE:TAG to its digest and read its labels;
list tags and point a tag at a manifest's unchanged bytes (promotion without a rebuild).

Handles the two challenges registries send on a 401: Basic (a plain htpasswd registry) and
Bearer (GHCR, Docker Hub: fetch a token from the realm with the user's credentials, then retry).
Retries 5xx and connection errors with backoff; a 401, 403 or 404 is one clear line. Knows
nothing of the docker CLI or of GitHub.

Threats handled: a challenge whose realm is another host (credentials go only to the registry
itself or its known token service, over https, plain http only on loopback, never to a URL with
a user@ part); a body streamed without end or a byte a second (every body is read in chunks
under a byte cap and every call has an overall deadline); JSON of the wrong shape (an index entry
without a digest, a platform that is a string, a manifest that is a list): each is one ApiError.
"""

from __future__ import annotations

import hashlib
import re
import time
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qs, quote, urlsplit

import requests

from scripts import http_body
from scripts.errors import ApiError, InputError
from scripts.model import DIGEST_RE
from scripts.untrusted import loads

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
MAX_TOKEN_BODY = 64 * 1024
CALL_DEADLINE = 120.0  # seconds for one API call, retries and the whole body included
# Registries whose token service lives on another host; credentials may go there and nowhere else.
TOKEN_HOSTS = {
    "docker.io": "auth.docker.io",
    "index.docker.io": "auth.docker.io",
    "registry-1.docker.io": "auth.docker.io",
}

_REF = re.compile(
    r"(?P<registry>[A-Za-z0-9.-]+(?::[0-9]+)?)/(?P<repository>[A-Za-z0-9._/-]+?)"
    r"(?::(?P<tag>[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}))?(?:@(?P<digest>sha256:[0-9a-f]{64}))?\Z"
)
_CHALLENGE_PARAM = re.compile(r'(\w+)="([^"]*)"')
TAG_RE = re.compile(r"[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}\Z")


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
        # Docker's rule: the first part names a registry only with a dot, a port, or as localhost.
        if not match or not ("." in match["registry"] or ":" in match["registry"] or match["registry"] == "localhost"):
            raise InputError(f"{text[:100]!r} is not REGISTRY/REPOSITORY[:TAG][@DIGEST]")
        return cls(match["registry"], match["repository"].lower(), match["tag"] or "", match["digest"] or "")

    @property
    def name(self) -> str:
        return f"{self.registry}/{self.repository}"

    def with_digest(self, digest: str) -> str:
        return f"{self.name}@{digest}"


@dataclass(frozen=True)
class Body:
    """A response read in full (bounded): what the client needs of it, and nothing left open."""

    status_code: int
    headers: Any  # requests' case-insensitive mapping
    content: bytes


@dataclass(frozen=True)
class Resolved:
    digest: str  # of what the tag points at (an index for multi-platform images)
    media_type: str
    manifest_digest: str  # of the platform manifest whose config was read
    config_digest: str
    labels: dict[str, str]


def _host(netloc: str) -> str:
    """The host of host[:port], parsed as a URL would be; '' when it carries a user@ part."""
    try:
        parts = urlsplit(f"//{netloc}")
        parts.port  # noqa: B018  (a malformed port raises here)
    except ValueError:
        return ""
    return "" if "@" in parts.netloc else (parts.hostname or "").lower()


def is_local(registry: str) -> bool:
    """Docker itself talks plain HTTP to loopback registries; so do we, and only to those."""
    return _host(registry) in ("localhost", "127.0.0.1", "::1")


def _obj(value: object, what: str, registry: str) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise ApiError(f"registry {registry}: {what} is not a JSON object")
    return value


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
        deadline: float = CALL_DEADLINE,
    ) -> None:
        self.registry = registry
        self.base = f"{'http' if is_local(registry) else 'https'}://{registry}"
        self.credentials = (username, password) if username or password else None
        self.session = session or requests.Session()
        self.session.trust_env = False  # no proxy or .netrc from the environment decides where credentials go
        self.timeout = timeout
        self.deadline = deadline
        self.retries = retries
        self.backoff = backoff
        self.auth_header: dict[str, str] = {}  # Bearer token, once a challenge asked for one
        self.basic = False  # Basic credentials, once a challenge asked for them

    @classmethod
    def from_env(cls, registry: str, env: Mapping[str, str]) -> RegistryClient:
        """A client with the credentials REGISTRY_USERNAME / REGISTRY_PASSWORD give (anonymous
        when unset): how every command that talks to the registry gets them."""
        return cls(registry, env.get("REGISTRY_USERNAME") or "", env.get("REGISTRY_PASSWORD") or "")

    # ---- transport --------------------------------------------------------------------------
    def _send(
        self,
        method: str,
        url: str,
        headers: dict[str, str] | None = None,
        *,
        deadline: float,
        cap: int = MAX_MANIFEST,
        **kw: Any,
    ) -> Body:
        """One request with retries on 5xx and network errors, its body read in full under `cap`
        bytes and the whole under `deadline` (time.monotonic()); 4xx come back to the caller."""
        failures: list[str] = []
        where = f"registry {self.registry}: {method} {url.split('?')[0]}"
        for attempt in range(self.retries + 1):
            if attempt:
                time.sleep(min(self.backoff * 2 ** (attempt - 1), max(deadline - time.monotonic(), 0)))
            left = deadline - time.monotonic()
            if left <= 0:
                raise ApiError(f"{where} did not finish within {self.deadline:g} s")
            try:
                response = self.session.request(
                    method, url, headers=headers, timeout=min(self.timeout, left), stream=True, **kw
                )
                with response:
                    if response.status_code >= 500:
                        failures.append(f"HTTP {response.status_code}")
                        continue
                    # A HEAD answer has no body: urllib3 reads none, whatever its headers say.
                    return Body(response.status_code, response.headers, self._read(response, cap, deadline, where))
            except requests.RequestException as exc:
                failures.append(type(exc).__name__)
        raise ApiError(f"{where} failed after {self.retries + 1} tries ({failures[-1]})")

    @staticmethod
    def _read(response: requests.Response, cap: int, deadline: float, where: str) -> bytes:
        """The body, chunk by chunk: over `cap` bytes or past the deadline, an ApiError at once."""
        return b"".join(http_body.chunks(response, cap, deadline, where))

    def _json(self, raw: bytes, what: str) -> Any:
        """untrusted.loads for what the registry sent: its faults are ApiErrors, not bad input."""
        try:
            return loads(raw, f"registry {self.registry}: {what}")
        except InputError as exc:
            raise ApiError(str(exc)) from None

    def _realm(self, realm: str) -> str:
        """The token URL, if credentials may go there: https (http only on loopback), no user@
        part, and the registry's own host or its known token service."""
        unusable = ApiError(f"registry {self.registry}: Bearer challenge without a usable realm")
        try:
            parts = urlsplit(realm)
            parts.port  # noqa: B018  (a malformed port raises here)
        except ValueError:
            raise unusable from None
        host = (parts.hostname or "").lower()
        if parts.scheme not in ("https", "http") or not host or "@" in parts.netloc:
            raise unusable
        if parts.scheme == "http" and not is_local(parts.netloc):
            raise ApiError(
                f"registry {self.registry}: refusing to send credentials to a plain-HTTP realm {realm[:100]}"
            )
        own = _host(self.registry)
        if self.credentials and host not in (own, TOKEN_HOSTS.get(own)):
            raise ApiError(
                f"registry {self.registry}: refusing to send credentials to another host's realm ({host[:100]})"
            )
        return realm

    def _token(self, challenge: str, scope: str, deadline: float) -> str:
        params = dict(_CHALLENGE_PARAM.findall(challenge))
        realm = self._realm(params.get("realm") or "")
        query = {"service": params.get("service", ""), "scope": params.get("scope", scope)}
        response = self._send("GET", realm, deadline=deadline, cap=MAX_TOKEN_BODY, params=query, auth=self.credentials)
        if response.status_code in (401, 403):
            raise ApiError(
                f"registry {self.registry}: token refused by {realm} ({response.status_code}): check the credentials"
            )
        if response.status_code != 200:
            raise ApiError(f"registry {self.registry}: token endpoint answered {response.status_code}")
        body = self._json(response.content, "token endpoint's answer")
        token = body.get("token") or body.get("access_token") if isinstance(body, dict) else None
        if not isinstance(token, str) or not token:
            raise ApiError(f"registry {self.registry}: token endpoint sent no token")
        return token

    def _auth(self) -> tuple[str, str] | None:
        return self.credentials if self.basic else None

    def request(
        self,
        method: str,
        path: str,
        accept: str,
        scope: str,
        cap: int = MAX_MANIFEST,
        *,
        data: bytes | None = None,
        content_type: str = "",
        ok: tuple[int, ...] = (200,),
    ) -> Body:
        """A call under /v2/, answering an auth challenge once; 4xx become one-line ApiErrors.
        `data` is sent as the body (PUT of a manifest) with `content_type`; `ok` are the answers
        that mean it worked (201 for a PUT, 202 for a DELETE)."""
        url = f"{self.base}/v2/{path}"
        deadline = time.monotonic() + self.deadline
        headers = {"Accept": accept, **({"Content-Type": content_type} if content_type else {})}
        response = self._send(
            method, url, {**headers, **self.auth_header}, deadline=deadline, cap=cap, auth=self._auth(), data=data
        )
        if response.status_code == 401:
            challenge = response.headers.get("WWW-Authenticate", "")
            kind = challenge.split(" ", 1)[0].lower()
            if kind == "bearer":
                self.auth_header = {"Authorization": f"Bearer {self._token(challenge, scope, deadline)}"}
            elif kind == "basic" and self.credentials:
                self.basic = True
            elif kind == "basic":
                raise ApiError(
                    f"registry {self.registry}: needs credentials (set REGISTRY_USERNAME and REGISTRY_PASSWORD)"
                )
            else:
                raise ApiError(f"registry {self.registry}: 401 with an unknown challenge {challenge[:60]!r}")
            response = self._send(
                method, url, {**headers, **self.auth_header}, deadline=deadline, cap=cap, auth=self._auth(), data=data
            )
        if response.status_code == 401:
            raise ApiError(f"registry {self.registry}: authentication failed (401): check the credentials")
        if response.status_code == 403:
            raise ApiError(
                f"registry {self.registry}: access denied (403) to {path.split('/manifests/')[0].split('/blobs/')[0]}"
            )
        if response.status_code == 404:
            raise ApiError(f"registry {self.registry}: not found (404): {path.split('?')[0]}")
        if response.status_code not in ok:
            raise ApiError(f"registry {self.registry}: {method} {path.split('?')[0]} answered {response.status_code}")
        return response

    # ---- API ----------------------------------------------------------------------------------
    def _manifest(self, ref: ImageRef, reference: str) -> tuple[str, dict[str, Any], str]:
        media_type, body, digest, _ = self._manifest_bytes(ref, reference)
        return media_type, body, digest

    def _manifest_bytes(self, ref: ImageRef, reference: str) -> tuple[str, dict[str, Any], str, bytes]:
        scope = f"repository:{ref.repository}:pull"
        response = self.request("GET", f"{ref.repository}/manifests/{reference}", ACCEPT, scope)
        raw = response.content
        digest = "sha256:" + hashlib.sha256(raw).hexdigest()
        if reference.startswith("sha256:") and digest != reference:
            raise ApiError(f"registry {self.registry}: manifest content does not match {reference}")
        body = _obj(self._json(raw, f"manifest {digest}"), "the manifest", self.registry)
        media_type = body.get("mediaType") or response.headers.get("Content-Type", "").split(";")[0]
        if not isinstance(media_type, str):
            raise ApiError(f"registry {self.registry}: manifest's mediaType is not a string")
        return media_type, body, digest, raw

    def manifest_bytes(self, ref: ImageRef, digest: str) -> tuple[str, bytes]:
        """The exact bytes stored under `digest` (hash-checked) and their media type: what a
        retag must PUT unchanged, so that the tag names the very same digest."""
        if not DIGEST_RE.match(digest):
            raise ApiError(f"registry {self.registry}: {digest[:80]!r} is not sha256:<64 hex>")
        media_type, _, _, raw = self._manifest_bytes(ref, digest)
        if media_type not in INDEX_TYPES + MANIFEST_TYPES:
            raise ApiError(f"registry {self.registry}: {digest} is a {media_type[:80]!r}, not an image or index")
        return media_type, raw

    def children(self, ref: ImageRef, digest: str) -> frozenset[str]:
        """The digests an index names (its platform images and attestation manifests); none for
        an image manifest or anything else."""
        media_type, body, _ = self._manifest(ref, digest)
        if media_type not in INDEX_TYPES:
            return frozenset()
        entries = body.get("manifests")
        if not isinstance(entries, list):
            raise ApiError(f"registry {self.registry}: index {digest} has no manifests list")
        named = [m.get("digest") for m in entries if isinstance(m, dict)]
        if len(named) != len(entries) or not all(isinstance(x, str) and DIGEST_RE.match(x) for x in named):
            raise ApiError(f"registry {self.registry}: index {digest} names a manifest without a digest")
        return frozenset(named)

    def put_manifest(self, ref: ImageRef, tag: str, media_type: str, raw: bytes) -> str:
        """Point `tag` at these manifest bytes (no rebuild, no re-encoding). The registry must
        answer with the bytes' own digest, or the tag does not name what was verified."""
        if not TAG_RE.match(tag):
            raise ApiError(f"registry {self.registry}: {tag[:80]!r} is not a valid tag")
        expected = "sha256:" + hashlib.sha256(raw).hexdigest()
        response = self.request(
            "PUT",
            f"{ref.repository}/manifests/{tag}",
            ACCEPT,
            f"repository:{ref.repository}:pull,push",
            MAX_TOKEN_BODY,
            data=raw,
            content_type=media_type,
            ok=(201,),
        )
        answered = response.headers.get("Docker-Content-Digest", "")
        if answered and answered != expected:
            raise ApiError(f"registry {self.registry}: tag {tag} now names {answered[:80]}, not {expected}")
        return expected

    def tags(self, ref: ImageRef, *, page: int = 1000, max_pages: int = 100) -> list[str]:
        """Every tag of the repository, page by page. Only the `last` of each Link header is
        taken: the next URL is ours to build, so a Link never sends the request elsewhere."""
        scope = f"repository:{ref.repository}:pull"
        found: list[str] = []
        last = ""
        for _ in range(max_pages):
            query = f"?n={page}" + (f"&last={quote(last, safe='')}" if last else "")
            response = self.request("GET", f"{ref.repository}/tags/list{query}", "application/json", scope)
            body = _obj(self._json(response.content, "tag list"), "the tag list", self.registry)
            names = body.get("tags") or []
            if not isinstance(names, list) or not all(isinstance(t, str) for t in names):
                raise ApiError(f"registry {self.registry}: tag list's tags are not strings")
            found.extend(names)
            link = response.headers.get("Link", "")
            following = parse_qs(urlsplit(link.split(";")[0].strip().strip("<>")).query).get("last", [""])[0]
            if 'rel="next"' not in link or not names or not following or following == last:
                return found
            last = following
        raise ApiError(f"registry {self.registry}: more than {max_pages * page} tags in {ref.repository}")

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
        # A digest is asked for by digest, and _manifest_bytes checks the content hashes to it.
        media_type, body, digest = self._manifest(ref, reference)
        manifest_digest, manifest = digest, body
        if media_type in INDEX_TYPES:
            entries = body.get("manifests")
            if not isinstance(entries, list):
                raise ApiError(f"registry {self.registry}: index {reference} has no manifests list")
            chosen = next(
                (
                    m
                    for m in entries
                    if isinstance(m, dict)
                    and isinstance(m.get("platform"), dict)
                    and m["platform"].get("os") == platform[0]
                    and m["platform"].get("architecture") == platform[1]
                ),
                None,
            )
            if chosen is None:
                raise ApiError(f"registry {self.registry}: {reference} has no {platform[0]}/{platform[1]} image")
            if not isinstance(chosen.get("digest"), str) or not DIGEST_RE.match(chosen["digest"]):
                raise ApiError(f"registry {self.registry}: index {reference} names its image without a digest")
            _, manifest, manifest_digest = self._manifest(ref, chosen["digest"])
        config = manifest.get("config")
        config_digest = config.get("digest") if isinstance(config, dict) else None
        if not isinstance(config_digest, str) or not DIGEST_RE.match(config_digest):
            raise ApiError(f"registry {self.registry}: manifest {manifest_digest} has no config digest")
        response = self.request(
            "GET", f"{ref.repository}/blobs/{config_digest}", "*/*", f"repository:{ref.repository}:pull", MAX_CONFIG
        )
        if "sha256:" + hashlib.sha256(response.content).hexdigest() != config_digest:
            raise ApiError(f"registry {self.registry}: config blob does not match {config_digest}")
        image_config = _obj(
            self._json(response.content, f"config blob {config_digest}"), "the config blob", self.registry
        )
        inner = image_config.get("config")
        labels = (inner.get("Labels") if isinstance(inner, dict) else None) or {}
        if not isinstance(labels, dict):
            raise ApiError(f"registry {self.registry}: the image's Labels are not a JSON object")
        return Resolved(
            reference, media_type, manifest_digest, config_digest, {str(k): str(v) for k, v in labels.items()}
        )
