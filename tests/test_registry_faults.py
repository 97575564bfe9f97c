"""The registry client against a local server that answers what real registries sometimes do:
odd challenges, broken token endpoints, manifests and blobs that do not match their digests."""

from __future__ import annotations

import json
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from scripts.deploy.registry import INDEX_TYPES, MANIFEST_TYPES, ImageRef, RegistryClient
from scripts.errors import ApiError
from tests.support.oci_server import Server, digest, image


@pytest.fixture
def server():
    s = Server()
    yield s
    s.stop()


def client(server, **kw) -> RegistryClient:
    return RegistryClient(server.address, "user", "pass", backoff=0.0, retries=1, **kw)


def ref(server, tag: str = "v1") -> ImageRef:
    return ImageRef.parse(f"{server.address}/o/r:{tag}")


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
        with pytest.raises(ApiError, match=r"manifest sha256:[0-9a-f]{64}: not valid JSON \(Expecting value"):
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
            ((200, {}, b"not json"), r"token endpoint's answer: not valid JSON \(Expecting value"),
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


class TestCredentialsStayHome:
    """Credentials go to the registry's own host (or its known token service), nowhere else."""

    @pytest.mark.parametrize(
        "realm",
        [
            "https://evil.example/token",  # another host
            "http://127.0.0.1:1@evil.example/token",  # userinfo: the host is evil.example
            "https://ghcr.io@evil.example/token",
            "https://auth.docker.io/token",  # Docker Hub's token host, but this registry is not Docker Hub
        ],
    )
    def test_realm_on_another_host__refused_before_any_request(self, server, realm):
        server.routes["/v2/o/r/manifests/v1"] = (401, {"WWW-Authenticate": f'Bearer realm="{realm}"'}, b"{}")
        with pytest.raises(ApiError, match=r"usable realm|another host's realm|plain-HTTP realm"):
            client(server).digest(ref(server))
        assert server.seen == ["HEAD /v2/o/r/manifests/v1"]

    def test_realm_on_another_host__anonymous_token_is_fetched(self, server):
        """Without credentials nothing can leak: a public registry's token service may live anywhere."""
        image(server)
        token_server = Server()
        token_server.routes["/token"] = (200, {}, b'{"token": "anon"}')
        realm = f'Bearer realm="http://{token_server.address}/token",service="s"'
        server.routes["/v2/o/r/manifests/v1"] = (401, {"WWW-Authenticate": realm}, b"{}")
        try:
            with pytest.raises(ApiError, match=r"authentication failed \(401\)"):
                RegistryClient(server.address, backoff=0.0, retries=0).digest(ref(server))
            assert [s.split("?")[0] for s in token_server.seen] == ["GET /token"]
        finally:
            token_server.stop()

    def test_docker_hub__its_token_host_is_known(self):
        hub = RegistryClient("registry-1.docker.io", "u", "p")
        assert hub._realm("https://auth.docker.io/token") == "https://auth.docker.io/token"
        with pytest.raises(ApiError, match="another host's realm"):
            hub._realm("https://auth.docker.io.evil.example/token")

    @pytest.mark.parametrize(
        ("registry", "local"),
        [
            ("127.0.0.1:5000", True),
            ("localhost", True),
            ("[::1]:5000", True),
            ("127.0.0.1:1@evil.example", False),
            ("localhost.evil.example", False),
            ("10.0.0.1:5000", False),
        ],
    )
    def test_is_local__parsed_as_a_url_host(self, registry, local):
        from scripts.deploy.registry import is_local

        assert is_local(registry) is local


class TestShapes:
    """Registry JSON of the wrong shape is one ApiError, never a traceback."""

    def serve_manifest(self, server, body: object, media_type: str = MANIFEST_TYPES[0]) -> None:
        raw = json.dumps(body).encode()
        for reference in ("v1", digest(raw)):
            server.routes[f"/v2/o/r/manifests/{reference}"] = (200, {"Content-Type": media_type}, raw)

    @pytest.mark.parametrize(
        ("body", "problem"),
        [
            ([1, 2], "the manifest is not a JSON object"),
            ({"mediaType": INDEX_TYPES[0], "manifests": "x"}, "has no manifests list"),
            (
                {"mediaType": INDEX_TYPES[0], "manifests": [{"platform": {"os": "linux", "architecture": "amd64"}}]},
                "names its image without a digest",
            ),
            (
                {"mediaType": INDEX_TYPES[0], "manifests": [{"digest": "x", "platform": "linux/amd64"}]},
                "no linux/amd64",
            ),
            ({"mediaType": MANIFEST_TYPES[0], "config": "sha256:abc"}, "has no config digest"),
            ({"mediaType": 7, "config": {}}, "mediaType is not a string"),
        ],
    )
    def test_manifest_shapes(self, server, body, problem):
        self.serve_manifest(server, body)
        with pytest.raises(ApiError, match=problem):
            client(server).resolve(ref(server))

    @pytest.mark.parametrize(
        ("config", "problem"),
        [
            (b'{"config": {"Labels": ["a", "b"]}}', "Labels are not a JSON object"),
            (b"[]", "the config blob is not a JSON object"),
            (
                b'{"config": {"Labels": {"n": 1' + b"0" * 5000 + b"}}}",
                r"config blob sha256:[0-9a-f]{64}: not valid JSON \(an integer of more than 4,300 digits\)",
            ),
        ],
    )
    def test_config_shapes(self, server, config, problem):
        server.routes[f"/v2/o/r/blobs/{digest(config)}"] = (200, {}, config)
        self.serve_manifest(server, {"mediaType": MANIFEST_TYPES[0], "config": {"digest": digest(config)}})
        with pytest.raises(ApiError, match=problem):
            client(server).resolve(ref(server))


class Trickle:
    """Serves one path with a body that never ends, or comes a byte at a time; no Content-Length."""

    def __init__(self, mode: str) -> None:
        self.mode = mode
        trickle = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.0"  # the body runs until the connection closes

            def log_message(self, *args: object) -> None:
                pass

            def do_HEAD(self) -> None:
                self.send_response(200)
                self.end_headers()

            def do_GET(self) -> None:
                self.send_response(200)
                self.send_header("Content-Type", MANIFEST_TYPES[0])
                self.end_headers()
                try:
                    for _ in range(100_000):  # bounded: stops by itself
                        if trickle.mode == "endless":
                            self.wfile.write(b" " * 65536)
                        else:
                            self.wfile.write(b" ")
                            self.wfile.flush()
                            time.sleep(0.2)
                except OSError:
                    pass

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.httpd.daemon_threads = True
        self.address = f"127.0.0.1:{self.httpd.server_address[1]}"
        threading.Thread(target=self.httpd.serve_forever, kwargs={"poll_interval": 0.005}, daemon=True).start()

    def stop(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()


class TestBoundedReads:
    def test_endless_manifest__stops_at_the_byte_cap(self):
        trickle = Trickle("endless")
        try:
            started = time.monotonic()
            with pytest.raises(ApiError, match=r"body is over the 4,194,304-byte limit"):
                RegistryClient(trickle.address, retries=0).resolve(ImageRef.parse(f"{trickle.address}/o/r:v1"))
            assert time.monotonic() - started < 30
        finally:
            trickle.stop()

    def test_declared_huge_manifest__refused_before_reading(self, server):
        server.routes["/v2/o/r/manifests/v1"] = (200, {"Content-Length": "600000000"}, b"")
        with pytest.raises(ApiError, match=r"body of 600,000,000 bytes is over the 4,194,304-byte limit"):
            client(server).resolve(ref(server))

    def test_byte_a_second__the_call_has_a_deadline(self):
        """A read timeout alone never fires while a byte keeps arriving; the call's deadline does."""
        trickle = Trickle("slow")
        try:
            started = time.monotonic()
            with pytest.raises(ApiError, match=r"after the deadline|did not finish within 1 s"):
                RegistryClient(trickle.address, retries=0, timeout=30, deadline=1).resolve(
                    ImageRef.parse(f"{trickle.address}/o/r:v1")
                )
            assert 0.8 < time.monotonic() - started < 10
        finally:
            trickle.stop()


class TestTokenExchange:
    def test_bearer__service_and_scope_passed_basic_credentials_to_the_token_and_the_token_back(self, server):
        import base64

        manifest_digest, _ = image(server)
        realm = f'Bearer realm="http://{server.address}/token",service="svc",scope="repository:o/r:pull"'
        server.routes["/token"] = (200, {}, b'{"access_token": "tok"}')
        # First answer: a challenge; then the manifest (routes are per path, so swap after the first).
        challenge = (401, {"WWW-Authenticate": realm}, b"{}")
        served = server.routes["/v2/o/r/manifests/v1"]
        server.routes["/v2/o/r/manifests/v1"] = challenge
        client = RegistryClient(server.address, "user", "pass", backoff=0.0, retries=0)
        with pytest.raises(ApiError, match=r"authentication failed \(401\)"):
            client.digest(ref(server))
        token_calls = [i for i, seen in enumerate(server.seen) if seen.startswith("GET /token")]
        assert server.seen[token_calls[0]] == "GET /token?service=svc&scope=repository%3Ao%2Fr%3Apull"
        basic = "Basic " + base64.b64encode(b"user:pass").decode()
        assert server.headers[token_calls[0]]["Authorization"] == basic
        assert server.headers[-1]["Authorization"] == "Bearer tok"
        server.routes["/v2/o/r/manifests/v1"] = served
        assert client.digest(ref(server)) == manifest_digest

    def test_bearer__scope_defaults_to_the_repository_pull(self, server):
        realm = f'Bearer realm="http://{server.address}/token"'
        server.routes["/v2/o/r/manifests/v1"] = (401, {"WWW-Authenticate": realm}, b"{}")
        server.routes["/token"] = (200, {}, b'{"token": "t"}')
        with pytest.raises(ApiError, match=r"authentication failed"):
            RegistryClient(server.address, backoff=0.0, retries=0).digest(ref(server))
        assert "GET /token?service=&scope=repository%3Ao%2Fr%3Apull" in server.seen

    @pytest.mark.parametrize(("status", "word"), [(401, "401"), (403, "403")])
    def test_token_refused__names_the_realm_and_status(self, server, status, word):
        realm_url = f"http://{server.address}/token"
        server.routes["/v2/o/r/manifests/v1"] = (401, {"WWW-Authenticate": f'Bearer realm="{realm_url}"'}, b"{}")
        server.routes["/token"] = (status, {}, b"{}")
        with pytest.raises(ApiError, match="token refused") as caught:
            client(server).digest(ref(server))
        assert (
            str(caught.value)
            == f"registry {server.address}: token refused by {realm_url} ({word}): check the credentials"
        )

    def test_realm_named_with_a_user_part__one_line(self, server):
        realm = "https://user@" + "h" * 120 + "/token"
        server.routes["/v2/o/r/manifests/v1"] = (401, {"WWW-Authenticate": f'Bearer realm="{realm}"'}, b"{}")
        with pytest.raises(ApiError, match="usable realm") as caught:
            client(server).digest(ref(server))
        assert str(caught.value) == f"registry {server.address}: Bearer challenge without a usable realm"

    def test_plain_http_realm__shown_cut_to_100(self, server):
        realm = "http://" + "h" * 120 + ".example/token"
        server.routes["/v2/o/r/manifests/v1"] = (401, {"WWW-Authenticate": f'Bearer realm="{realm}"'}, b"{}")
        with pytest.raises(ApiError, match="plain-HTTP realm") as caught:
            client(server).digest(ref(server))
        assert str(caught.value) == (
            f"registry {server.address}: refusing to send credentials to a plain-HTTP realm {realm[:100]}"
        )

    def test_another_hosts_realm__host_shown_cut_to_100(self, server):
        host = "h" * 120 + ".example"
        server.routes["/v2/o/r/manifests/v1"] = (
            401,
            {"WWW-Authenticate": f'Bearer realm="https://{host}/token"'},
            b"{}",
        )
        with pytest.raises(ApiError, match="another host") as caught:
            client(server).digest(ref(server))
        assert str(caught.value) == (
            f"registry {server.address}: refusing to send credentials to another host's realm ({host[:100]})"
        )


class TestResolveExactly:
    def serve(self, server, path: str, body: bytes, content_type: str = "") -> str:
        headers = {"Content-Type": content_type} if content_type else {}
        server.routes[f"/v2/o/r/{path}"] = (200, headers, body)
        return digest(body)

    def platform_image(self, server, arch: str) -> tuple[str, str]:
        config = json.dumps({"config": {"Labels": {"arch": arch}}}).encode()
        self.serve(server, f"blobs/{digest(config)}", config)
        manifest = json.dumps({"mediaType": MANIFEST_TYPES[0], "config": {"digest": digest(config)}}).encode()
        self.serve(server, f"manifests/{digest(manifest)}", manifest)
        return digest(manifest), digest(config)

    def test_index__the_linux_amd64_manifest_and_its_labels(self, server):
        arm, _ = self.platform_image(server, "arm64")
        amd, amd_config = self.platform_image(server, "amd64")
        index = json.dumps(
            {
                "manifests": [
                    {"digest": arm, "platform": {"os": "linux", "architecture": "arm64"}},
                    {"digest": amd, "platform": {"os": "linux", "architecture": "amd64"}},
                ]
            }
        ).encode()
        # No mediaType in the body: the Content-Type header (with parameters) says it is an index.
        index_digest = self.serve(server, "manifests/v1", index, INDEX_TYPES[0] + "; charset=utf-8")
        self.serve(server, f"manifests/{index_digest}", index, INDEX_TYPES[0])
        resolved = client(server).resolve(ref(server))
        assert (resolved.digest, resolved.media_type, resolved.manifest_digest, resolved.config_digest) == (
            index_digest,
            INDEX_TYPES[0],
            amd,
            amd_config,
        )
        assert resolved.labels == {"arch": "amd64"}

    def test_requests__accept_the_manifest_types_and_any_blob(self, server):
        image(server)
        client(server).resolve(ref(server))
        manifest_gets = [h for s, h in zip(server.seen, server.headers, strict=True) if "/manifests/" in s]
        blob_gets = [h for s, h in zip(server.seen, server.headers, strict=True) if "/blobs/" in s]
        assert {h["Accept"] for h in manifest_gets} == {
            "application/vnd.oci.image.index.v1+json, application/vnd.docker.distribution.manifest.list.v2+json,"
            " application/vnd.oci.image.manifest.v1+json, application/vnd.docker.distribution.manifest.v2+json"
        }
        assert [h["Accept"] for h in blob_gets] == ["*/*"]

    def test_declared_length_exactly_at_the_cap__read(self, server):
        from scripts.deploy.registry import MAX_CONFIG

        config = json.dumps({"config": {"Labels": {"a": "b"}}}).encode()
        config = config + b" " * (MAX_CONFIG - len(config))
        manifest = json.dumps({"mediaType": MANIFEST_TYPES[0], "config": {"digest": digest(config)}}).encode()
        server.routes[f"/v2/o/r/blobs/{digest(config)}"] = (200, {}, config)
        for reference in ("v1", digest(manifest)):
            server.routes[f"/v2/o/r/manifests/{reference}"] = (200, {}, manifest)
        assert client(server).resolve(ref(server)).labels == {"a": "b"}
        server.routes[f"/v2/o/r/blobs/{digest(config)}"] = (200, {}, config + b" ")
        with pytest.raises(ApiError, match=f"body of {MAX_CONFIG + 1:,} bytes is over the {MAX_CONFIG:,}-byte limit"):
            client(server).resolve(ref(server))

    @pytest.mark.parametrize("answer", [b"[]", b'"tok"', b'{"token": 5}', b'{"token": ""}'])
    def test_token_answer_without_a_token_string__one_line(self, server, answer):
        realm = f'Bearer realm="http://{server.address}/token"'
        server.routes["/v2/o/r/manifests/v1"] = (401, {"WWW-Authenticate": realm}, b"{}")
        server.routes["/token"] = (200, {}, answer)
        with pytest.raises(ApiError, match=r"token endpoint sent no token$"):
            client(server).digest(ref(server))
