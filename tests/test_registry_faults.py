"""The registry client against a local server that answers what real registries sometimes do:
odd challenges, broken token endpoints, manifests and blobs that do not match their digests."""

from __future__ import annotations

import hashlib
import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from scripts.errors import ApiError
from scripts.registry import INDEX_TYPES, MANIFEST_TYPES, ImageRef, RegistryClient


def digest(body: bytes) -> str:
    return "sha256:" + hashlib.sha256(body).hexdigest()


class Server:
    """path -> (status, headers, body); anything else 404. HEAD answers like GET without a body."""

    def __init__(self) -> None:
        self.routes: dict[str, tuple[int, dict[str, str], bytes]] = {}
        self.seen: list[str] = []
        server = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args: object) -> None:
                pass

            def _serve(self) -> None:
                server.seen.append(f"{self.command} {self.path}")
                status, headers, body = server.routes.get(self.path.split("?")[0], (404, {}, b"{}"))
                self.send_response(status)
                for key, value in headers.items():
                    self.send_header(key, value)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                if self.command != "HEAD":
                    self.wfile.write(body)

            do_GET = _serve
            do_HEAD = _serve

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.address = f"127.0.0.1:{self.httpd.server_address[1]}"
        threading.Thread(target=self.httpd.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True).start()

    def stop(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()


@pytest.fixture
def server():
    s = Server()
    yield s
    s.stop()


def client(server, **kw) -> RegistryClient:
    return RegistryClient(server.address, "user", "pass", backoff=0.0, retries=1, **kw)


def ref(server, tag: str = "v1") -> ImageRef:
    return ImageRef.parse(f"{server.address}/o/r:{tag}")


def image(server, labels: dict[str, str] | None = None) -> tuple[str, str]:
    """A config blob and manifest served under o/r:v1; returns (manifest digest, config digest)."""
    config = json.dumps({"config": {"Labels": labels or {"a": "b"}}}).encode()
    manifest = json.dumps(
        {"schemaVersion": 2, "mediaType": MANIFEST_TYPES[0], "config": {"digest": digest(config)}}
    ).encode()
    server.routes[f"/v2/o/r/blobs/{digest(config)}"] = (200, {}, config)
    for reference in ("v1", digest(manifest)):
        server.routes[f"/v2/o/r/manifests/{reference}"] = (200, {"Content-Type": MANIFEST_TYPES[0]}, manifest)
    return digest(manifest), digest(config)


class TestResolve:
    def test_resolve__hashes_the_manifest_when_head_gives_no_digest(self, server):
        manifest_digest, config_digest = image(server, {"org.opencontainers.image.revision": "x"})
        resolved = client(server).resolve(ref(server))
        assert (resolved.digest, resolved.config_digest) == (manifest_digest, config_digest)
        assert resolved.labels == {"org.opencontainers.image.revision": "x"}
        assert server.seen[:2] == ["HEAD /v2/o/r/manifests/v1", "GET /v2/o/r/manifests/v1"]

    def test_resolve__manifest_that_does_not_match_its_digest(self, server):
        manifest_digest, _ = image(server)
        server.routes[f"/v2/o/r/manifests/{manifest_digest}"] = (200, {}, b'{"schemaVersion": 2, "tampered": true}')
        with pytest.raises(ApiError, match="manifest content does not match"):
            client(server).resolve(ImageRef.parse(f"{server.address}/o/r@{manifest_digest}"))

    def test_resolve__config_blob_that_does_not_match(self, server):
        _, config_digest = image(server)
        server.routes[f"/v2/o/r/blobs/{config_digest}"] = (200, {}, b'{"config": {}}')
        with pytest.raises(ApiError, match="config blob does not match"):
            client(server).resolve(ref(server))

    def test_resolve__manifest_without_config(self, server):
        body = json.dumps({"schemaVersion": 2, "mediaType": MANIFEST_TYPES[0]}).encode()
        server.routes["/v2/o/r/manifests/v1"] = (200, {}, body)
        server.routes[f"/v2/o/r/manifests/{digest(body)}"] = (200, {}, body)
        with pytest.raises(ApiError, match="has no config digest"):
            client(server).resolve(ref(server))

    def test_resolve__index_without_our_platform(self, server):
        body = json.dumps(
            {
                "mediaType": INDEX_TYPES[0],
                "manifests": [{"digest": "sha256:" + "0" * 64, "platform": {"os": "linux", "architecture": "arm64"}}],
            }
        ).encode()
        for reference in ("v1", digest(body)):
            server.routes[f"/v2/o/r/manifests/{reference}"] = (200, {}, body)
        with pytest.raises(ApiError, match="has no linux/amd64 image"):
            client(server).resolve(ref(server))

    def test_resolve__manifest_that_is_not_json(self, server):
        for reference in ("v1", digest(b"<html>")):
            server.routes[f"/v2/o/r/manifests/{reference}"] = (200, {}, b"<html>")
        with pytest.raises(ApiError, match="manifest is not JSON"):
            client(server).resolve(ref(server))


class TestAuth:
    @pytest.mark.parametrize(
        ("challenge", "problem"),
        [
            ("Negotiate", "401 with an unknown challenge"),
            ('Bearer realm="ftp://x/token"', "Bearer challenge without a usable realm"),
            ('Bearer realm="http://registry.example.com/token"', "refusing to send credentials to a plain-HTTP realm"),
        ],
    )
    def test_challenge__refused(self, server, challenge, problem):
        server.routes["/v2/o/r/manifests/v1"] = (401, {"WWW-Authenticate": challenge}, b"{}")
        with pytest.raises(ApiError, match=problem):
            client(server).digest(ref(server))
        assert not any("example.com" in seen for seen in server.seen)

    @pytest.mark.parametrize(
        ("token_answer", "problem"),
        [
            ((200, {}, b"not json"), "token endpoint sent no JSON"),
            ((200, {}, b"{}"), "token endpoint sent no token"),
            ((404, {}, b"{}"), "token endpoint answered 404"),
            ((403, {}, b"{}"), r"token refused by .* \(403\)"),
        ],
    )
    def test_token_endpoint__broken(self, server, token_answer, problem):
        realm = f'Bearer realm="http://{server.address}/token",service="s",scope="repository:o/r:pull"'
        server.routes["/v2/o/r/manifests/v1"] = (401, {"WWW-Authenticate": realm}, b"{}")
        server.routes["/token"] = token_answer
        with pytest.raises(ApiError, match=problem):
            client(server).digest(ref(server))

    @pytest.mark.parametrize(("status", "problem"), [(403, r"access denied \(403\) to o/r"), (418, "answered 418")])
    def test_request__other_statuses_are_one_line(self, server, status, problem):
        server.routes["/v2/o/r/manifests/v1"] = (status, {}, b"{}")
        with pytest.raises(ApiError, match=problem):
            client(server).digest(ref(server))

    def test_request__unreachable_registry(self):
        with pytest.raises(ApiError, match=r"failed after 2 tries \(ConnectionError\)"):
            RegistryClient("127.0.0.1:9", retries=1, backoff=0.0, timeout=2).digest(
                ImageRef.parse("127.0.0.1:9/o/r:v1")
            )
