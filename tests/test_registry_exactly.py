"""The registry client's decisions with exact oracles, against the local OCI server: which
references parse, where plain HTTP and credentials go, how often and how long it retries, what
each failure says. Messages are written out here, not taken from the code."""

from __future__ import annotations

import gzip
import json

import pytest

from scripts.deploy import registry
from scripts.deploy.registry import INDEX_TYPES, MANIFEST_TYPES, ImageRef, RegistryClient
from scripts.errors import ApiError, InputError
from tests.support.oci_server import Server, digest, image

DIGEST = "sha256:" + "a" * 64


def serve_config(server: Server, config: bytes) -> None:
    """o/r:v1, a manifest whose config blob is exactly these bytes (oci_server.image makes a
    well-formed one; these tests need malformed ones)."""
    body = json.dumps(
        {"schemaVersion": 2, "mediaType": MANIFEST_TYPES[0], "config": {"digest": digest(config)}}
    ).encode()
    server.routes["/v2/o/r/manifests/v1"] = (200, {}, body)
    server.routes[f"/v2/o/r/manifests/{digest(body)}"] = (200, {}, body)
    server.routes[f"/v2/o/r/blobs/{digest(config)}"] = (200, {}, config)


def bearer(server: Server, extra: str = "") -> str:
    """The registry's Bearer challenge, naming the local token endpoint and the service "reg"."""
    return f'Bearer realm="http://{server.address}/token",service="reg"{extra}'


def refused(server: Server, reference: str = "o/r:v1", match: str = "registry") -> str:
    """The one-line ApiError that resolving REGISTRY/reference ends in."""
    with pytest.raises(ApiError, match=match) as caught:
        RegistryClient(server.address).resolve(ImageRef.parse(f"{server.address}/{reference}"))
    return str(caught.value)


@pytest.fixture
def server():
    s = Server()
    yield s
    s.stop()


class TestImageRef:
    @pytest.mark.parametrize(
        ("text", "parsed"),
        [
            ("ghcr.io/Octo-Org/App:v1", ("ghcr.io", "octo-org/app", "v1", "")),
            ("localhost/o/r", ("localhost", "o/r", "", "")),
            ("localhost:5000/o/r:t", ("localhost:5000", "o/r", "t", "")),
            ("registry:5000/o/r", ("registry:5000", "o/r", "", "")),
            (f"ghcr.io/o/r@{DIGEST}", ("ghcr.io", "o/r", "", DIGEST)),
            (f"ghcr.io/o/r:v1@{DIGEST}", ("ghcr.io", "o/r", "v1", DIGEST)),
        ],
    )
    def test_parse__accepted(self, text, parsed):
        ref = ImageRef.parse(text)
        assert (ref.registry, ref.repository, ref.tag, ref.digest) == parsed

    @pytest.mark.parametrize(
        "text",
        [
            "octo/app:v1",  # no registry: Docker would read "octo" as a Docker Hub user
            "registry/o/r",  # a bare word is not a host unless it is localhost
            "LOCALHOST/o/r",
            "ghcr.io",
            "",
            "ghcr.io/o/r:-bad",
            "ghcr.io/o/r@sha256:short",
        ],
    )
    def test_parse__refused_in_one_line(self, text):
        with pytest.raises(InputError, match="is not REGISTRY") as caught:
            ImageRef.parse(text)
        assert str(caught.value) == f"{text!r} is not REGISTRY/REPOSITORY[:TAG][@DIGEST]"

    def test_parse__long_input_shown_cut_to_100(self):
        text = "x" * 150
        with pytest.raises(InputError, match="is not REGISTRY") as caught:
            ImageRef.parse(text)
        assert str(caught.value) == f"{'x' * 100!r} is not REGISTRY/REPOSITORY[:TAG][@DIGEST]"


class TestWhereRequestsGo:
    @pytest.mark.parametrize(
        ("address", "base"),
        [
            ("ghcr.io", "https://ghcr.io"),
            ("127.0.0.1:5000", "http://127.0.0.1:5000"),
            ("localhost:5000", "http://localhost:5000"),
            ("[::1]:5000", "http://[::1]:5000"),
            ("registry.example:5000", "https://registry.example:5000"),
            ("user@127.0.0.1:5000", "https://user@127.0.0.1:5000"),  # a user part is never "local"
        ],
    )
    def test_plain_http_only_to_loopback(self, address, base):
        assert RegistryClient(address).base == base

    @pytest.mark.parametrize(
        ("username", "password", "credentials"),
        [("", "", None), ("u", "", ("u", "")), ("", "p", ("", "p")), ("u", "p", ("u", "p"))],
    )
    def test_credentials__either_half_is_sent(self, username, password, credentials):
        """A registry token alone (no user name) is valid for some registries: never dropped."""
        assert RegistryClient("ghcr.io", username, password).credentials == credentials

    def test_defaults__anonymous_30_s_reads_4_retries_half_second_backoff(self):
        client = RegistryClient("ghcr.io")
        assert (client.credentials, client.timeout, client.retries, client.backoff) == (None, 30.0, 4, 0.5)
        assert (client.deadline, client.basic, client.auth_header) == (120.0, False, {})

    def test_environment_proxy_and_netrc__ignored(self, server, monkeypatch, tmp_path):
        """trust_env off: a proxy variable would otherwise send the request (and the credentials)
        to the proxy, here a port that refuses every connection."""
        manifest_digest, _ = image(server)
        monkeypatch.setenv("HTTP_PROXY", "http://127.0.0.1:9")
        monkeypatch.setenv("http_proxy", "http://127.0.0.1:9")
        monkeypatch.setenv("NO_PROXY", "")
        monkeypatch.setenv("no_proxy", "")
        (tmp_path / ".netrc").write_text("machine 127.0.0.1 login thief password stolen\n")
        monkeypatch.setenv("NETRC", str(tmp_path / ".netrc"))
        client = RegistryClient(server.address, retries=0)
        assert client.session.trust_env is False
        assert client.resolve(ImageRef.parse(f"{server.address}/o/r:v1")).digest == manifest_digest
        assert all("Authorization" not in h for h in server.headers)


class TestRetries:
    def test_5xx__retried_with_doubling_backoff_then_one_line(self, server, monkeypatch):
        slept: list[float] = []
        monkeypatch.setattr(registry.time, "sleep", slept.append)
        server.routes["/v2/o/r/manifests/v1"] = (500, {}, b"{}")
        client = RegistryClient(server.address, retries=3, backoff=0.5)
        with pytest.raises(ApiError, match="failed after") as caught:
            client.digest(ImageRef.parse(f"{server.address}/o/r:v1"))
        assert str(caught.value) == (
            f"registry {server.address}: HEAD http://{server.address}/v2/o/r/manifests/v1 failed after 4 tries (HTTP 500)"
        )
        assert slept == [0.5, 1.0, 2.0]
        assert server.seen == ["HEAD /v2/o/r/manifests/v1"] * 4

    def test_501__not_retried_as_a_server_hiccup_but_reported(self, server, monkeypatch):
        """Every 5xx is retried (501 too): the status is then named."""
        monkeypatch.setattr(registry.time, "sleep", lambda _s: None)
        server.routes["/v2/o/r/manifests/v1"] = (501, {}, b"{}")
        with pytest.raises(ApiError, match=r"failed after 2 tries \(HTTP 501\)"):
            RegistryClient(server.address, retries=1).digest(ImageRef.parse(f"{server.address}/o/r:v1"))
        assert len(server.seen) == 2

    def test_4xx__not_retried(self, server, monkeypatch):
        monkeypatch.setattr(registry.time, "sleep", lambda _s: pytest.fail("a 404 is not retried"))
        with pytest.raises(ApiError, match="not found") as caught:
            RegistryClient(server.address, retries=3).digest(ImageRef.parse(f"{server.address}/o/r:v1"))
        assert str(caught.value) == f"registry {server.address}: not found (404): o/r/manifests/v1"
        assert server.seen == ["HEAD /v2/o/r/manifests/v1"]

    def test_backoff__never_past_the_deadline(self, server, monkeypatch):
        slept: list[float] = []
        monkeypatch.setattr(registry.time, "sleep", slept.append)
        server.routes["/v2/o/r/manifests/v1"] = (503, {}, b"{}")
        client = RegistryClient(server.address, retries=2, backoff=1000.0, deadline=5.0)
        with pytest.raises(ApiError, match="failed after 3 tries"):
            client.digest(ImageRef.parse(f"{server.address}/o/r:v1"))
        assert len(slept) == 2
        assert all(0 < s <= 5.0 for s in slept)

    def test_deadline_passed__one_line_naming_it(self, server, monkeypatch):
        clock = iter([0.0, 0.0, 200.0, 200.0, 200.0])
        monkeypatch.setattr(registry.time, "monotonic", lambda: next(clock))
        monkeypatch.setattr(registry.time, "sleep", lambda _s: None)
        server.routes["/v2/o/r/manifests/v1"] = (503, {}, b"{}")
        with pytest.raises(ApiError, match="did not finish") as caught:
            RegistryClient(server.address, retries=3).digest(ImageRef.parse(f"{server.address}/o/r:v1"))
        assert str(caught.value) == (
            f"registry {server.address}: HEAD http://{server.address}/v2/o/r/manifests/v1 did not finish within 120 s"
        )

    def test_query_string__not_in_the_message(self, server, monkeypatch):
        """A token URL's query (service, scope) stays out of the error line."""
        monkeypatch.setattr(registry.time, "sleep", lambda _s: None)
        challenge = bearer(server, ',scope="repository:o/r:pull"')
        server.routes["/v2/o/r/manifests/v1"] = (401, {"WWW-Authenticate": challenge}, b"{}")
        server.routes["/token"] = (502, {}, b"{}")
        with pytest.raises(ApiError, match="failed after") as caught:
            RegistryClient(server.address, retries=1).digest(ImageRef.parse(f"{server.address}/o/r:v1"))
        assert str(caught.value) == (
            f"registry {server.address}: GET http://{server.address}/token failed after 2 tries (HTTP 502)"
        )


class TestEncodedBodies:
    def test_gzip_body__inflated_and_counted_inflated(self, server):
        """A registry may gzip its answers: the manifest is read as JSON after inflating, and the
        byte cap counts inflated bytes (a small gzip of a huge body is stopped at the cap)."""
        manifest = json.dumps({"schemaVersion": 2, "mediaType": MANIFEST_TYPES[0]}).encode()
        server.routes["/v2/o/r/manifests/v1"] = (200, {"Content-Encoding": "gzip"}, gzip.compress(manifest))
        body = RegistryClient(server.address).request("GET", "o/r/manifests/v1", "*/*", "s")
        assert body.content == manifest
        bomb = gzip.compress(b" " * 2_000_000)
        server.routes["/v2/o/r/manifests/v2"] = (200, {"Content-Encoding": "gzip"}, bomb)
        with pytest.raises(ApiError, match="over the") as caught:
            RegistryClient(server.address).request("GET", "o/r/manifests/v2", "*/*", "s", cap=1_000_000)
        assert str(caught.value) == (
            f"registry {server.address}: GET http://{server.address}/v2/o/r/manifests/v2: body is over the 1,000,000-byte limit"
        )


class TestAnswers:
    def test_digest__head_header_taken_and_latest_by_default(self, server):
        server.routes["/v2/o/r/manifests/latest"] = (200, {"Docker-Content-Digest": DIGEST}, b"")
        client = RegistryClient(server.address)
        assert client.digest(ImageRef.parse(f"{server.address}/o/r")) == DIGEST
        assert server.seen == ["HEAD /v2/o/r/manifests/latest"]

    def test_digest__without_the_header_the_manifest_is_hashed(self, server):
        body = json.dumps({"schemaVersion": 2}).encode()
        server.routes["/v2/o/r/manifests/latest"] = (200, {}, body)
        assert RegistryClient(server.address).digest(ImageRef.parse(f"{server.address}/o/r")) == digest(body)
        assert server.seen == ["HEAD /v2/o/r/manifests/latest", "GET /v2/o/r/manifests/latest"]

    def test_media_type__from_content_type_when_the_manifest_has_none(self, server):
        """An index without mediaType (older registries) is still known as one by its header."""
        _, config_digest = image(server, tag="amd")
        amd = digest(server.routes["/v2/o/r/manifests/amd"][2])
        index = json.dumps(
            {"schemaVersion": 2, "manifests": [{"digest": amd, "platform": {"os": "linux", "architecture": "amd64"}}]}
        ).encode()
        headers = {"Content-Type": f"{INDEX_TYPES[0]}; charset=utf-8"}
        server.routes["/v2/o/r/manifests/multi"] = (200, headers, index)
        server.routes[f"/v2/o/r/manifests/{digest(index)}"] = (200, headers, index)
        resolved = RegistryClient(server.address).resolve(ImageRef.parse(f"{server.address}/o/r:multi"))
        assert (resolved.media_type, resolved.manifest_digest, resolved.config_digest) == (
            INDEX_TYPES[0],
            amd,
            config_digest,
        )

    def test_media_type__none_anywhere_is_empty(self, server):
        body = json.dumps({"schemaVersion": 2, "config": {"digest": DIGEST}}).encode()
        server.routes[f"/v2/o/r/manifests/{digest(body)}"] = (200, {"Content-Type": ""}, body)
        server.routes[f"/v2/o/r/blobs/{DIGEST}"] = (404, {}, b"{}")
        assert (
            refused(server, f"o/r@{digest(body)}", match="not found")
            == f"registry {server.address}: not found (404): o/r/blobs/{DIGEST}"
        )

    @pytest.mark.parametrize(
        ("path", "shown"),
        [("o/r/manifests/v1", "o/r"), (f"o/r/blobs/{DIGEST}", "o/r")],
    )
    def test_403__names_the_repository_only(self, server, path, shown):
        server.routes[f"/v2/{path}"] = (403, {}, b"{}")
        client = RegistryClient(server.address)
        with pytest.raises(ApiError, match="access denied") as caught:
            client.request("GET", path, "*/*", "repository:o/r:pull")
        assert str(caught.value) == f"registry {server.address}: access denied (403) to {shown}"

    def test_other_status__method_path_and_status(self, server):
        server.routes["/v2/o/r/manifests/v1"] = (418, {}, b"{}")
        with pytest.raises(ApiError, match="answered") as caught:
            RegistryClient(server.address).request("GET", "o/r/manifests/v1", "*/*", "s")
        assert str(caught.value) == f"registry {server.address}: GET o/r/manifests/v1 answered 418"

    def test_unknown_challenge__shown_cut_to_60(self, server):
        challenge = "Negotiate " + "n" * 100
        server.routes["/v2/o/r/manifests/v1"] = (401, {"WWW-Authenticate": challenge}, b"{}")
        with pytest.raises(ApiError, match="unknown challenge") as caught:
            RegistryClient(server.address).request("GET", "o/r/manifests/v1", "*/*", "s")
        assert str(caught.value) == f"registry {server.address}: 401 with an unknown challenge {challenge[:60]!r}"

    @pytest.mark.parametrize(
        ("headers", "shown"),
        [({}, "''"), ({"WWW-Authenticate": 'Bearer\trealm="x"'}, "'Bearer\\trealm=\"x\"'")],
        ids=["no-challenge", "tab-not-space"],
    )
    def test_401_without_a_challenge_of_rfc_7235s_shape__unknown(self, server, headers, shown):
        """RFC 7235: the scheme, then one or more spaces; no header, or a tab, is no known scheme."""
        server.routes["/v2/o/r/manifests/v1"] = (401, headers, b"{}")
        with pytest.raises(ApiError, match="unknown challenge") as caught:
            RegistryClient(server.address).request("GET", "o/r/manifests/v1", "*/*", "s")
        assert str(caught.value) == f"registry {server.address}: 401 with an unknown challenge {shown}"

    @pytest.mark.parametrize(
        "challenge",
        [
            'Bearer service="reg"',
            'Bearer realm=""',
            'Bearer realm="https:///token"',
            'Bearer realm="https://reg.example:99999/token"',
            'Bearer realm="ftp://reg.example/token"',
            'Bearer realm="https://user@reg.example/token"',
        ],
        ids=["no-realm", "empty", "no-host", "bad-port", "not-http", "user-part"],
    )
    def test_bearer_realm_unusable__one_line_and_no_token_asked(self, server, challenge):
        server.routes["/v2/o/r/manifests/v1"] = (401, {"WWW-Authenticate": challenge}, b"{}")
        with pytest.raises(ApiError, match="realm") as caught:
            RegistryClient(server.address).request("GET", "o/r/manifests/v1", "*/*", "s")
        assert str(caught.value) == f"registry {server.address}: Bearer challenge without a usable realm"
        assert len(server.seen) == 1

    def test_challenge_kind__the_first_word_only(self, server):
        """'Basic realm="Bearer x"' is a Basic challenge, whatever its parameters say."""
        server.routes["/v2/o/r/manifests/v1"] = (401, {"WWW-Authenticate": 'Basic realm="Bearer x"'}, b"{}")
        with pytest.raises(ApiError, match="needs credentials") as caught:
            RegistryClient(server.address).request("GET", "o/r/manifests/v1", "*/*", "s")
        assert str(caught.value) == (
            f"registry {server.address}: needs credentials (set REGISTRY_USERNAME and REGISTRY_PASSWORD)"
        )

    def test_basic_credentials__sent_after_the_challenge_only(self, server):
        server.basic = "u:p"
        image(server)
        client = RegistryClient(server.address, "u", "p")
        client.resolve(ImageRef.parse(f"{server.address}/o/r:v1"))
        assert "Authorization" not in server.headers[0]
        assert all(h.get("Authorization") == "Basic dTpw" for h in server.headers[1:])

    def test_token_scope__the_challenges_or_the_repositorys(self, server):
        challenge = bearer(server)
        server.routes["/v2/o/r/manifests/v1"] = (401, {"WWW-Authenticate": challenge}, b"{}")
        server.routes["/token"] = (200, {}, json.dumps({"token": "t"}).encode())
        with pytest.raises(ApiError, match="authentication failed"):
            RegistryClient(server.address).request("GET", "o/r/manifests/v1", "*/*", "repository:o/r:pull")
        assert server.seen[1] == "GET /token?service=reg&scope=repository%3Ao%2Fr%3Apull"

    def test_token_answer__capped_at_64_kib(self, server):
        """A token service that answers more than a token ever is (64 KiB) is cut off, not read."""
        challenge = bearer(server)
        server.routes["/v2/o/r/manifests/v1"] = (401, {"WWW-Authenticate": challenge}, b"{}")
        body = json.dumps({"token": "t" * 70_000}).encode()
        server.routes["/token"] = (200, {}, body)
        with pytest.raises(ApiError, match="over the 65,536-byte limit") as caught:
            RegistryClient(server.address).request("GET", "o/r/manifests/v1", "*/*", "repository:o/r:pull")
        assert str(caught.value) == (
            f"registry {server.address}: GET http://{server.address}/token: body of {len(body):,} bytes"
            " is over the 65,536-byte limit"
        )

    def test_token_scope__the_one_the_challenge_names(self, server):
        challenge = bearer(server, ',scope="repository:o/r:pull,push"')
        server.routes["/v2/o/r/manifests/v1"] = (401, {"WWW-Authenticate": challenge}, b"{}")
        server.routes["/token"] = (200, {}, json.dumps({"token": "t"}).encode())
        with pytest.raises(ApiError, match="authentication failed"):
            RegistryClient(server.address).request("GET", "o/r/manifests/v1", "*/*", "repository:o/r:pull")
        assert server.seen[1] == "GET /token?service=reg&scope=repository%3Ao%2Fr%3Apull%2Cpush"

    def test_cap__kept_on_the_request_retried_after_a_challenge(self, server):
        """The first answer asks for a token; the retried request's answer is over the 10-byte cap."""
        challenge = bearer(server)
        server.routes["/token"] = (200, {}, json.dumps({"token": "t"}).encode())
        server.routes["/v2/o/r/blobs/x"] = (401, {"WWW-Authenticate": challenge}, b"{}")
        client = RegistryClient(server.address)
        send = client._send

        def then_a_big_body(*args, **kw):
            if server.seen[-1:] == ["GET /token?service=reg&scope=s"]:
                server.routes["/v2/o/r/blobs/x"] = (200, {}, b"x" * 100)
            return send(*args, **kw)

        client._send = then_a_big_body
        with pytest.raises(ApiError, match="over the 10-byte limit"):
            client.request("GET", "o/r/blobs/x", "*/*", "s", cap=10)

    def test_token_answer_not_json__names_the_endpoint(self, server):
        challenge = bearer(server)
        server.routes["/v2/o/r/manifests/v1"] = (401, {"WWW-Authenticate": challenge}, b"{}")
        server.routes["/token"] = (200, {}, b"<html>")
        with pytest.raises(ApiError, match="token") as caught:
            RegistryClient(server.address).request("GET", "o/r/manifests/v1", "*/*", "s")
        assert str(caught.value) == (
            f"registry {server.address}: token endpoint's answer: not valid JSON (Expecting value at line 1, column 1)"
        )

    @pytest.mark.parametrize(
        ("manifest", "problem"),
        [
            (b"[]", "the manifest is not a JSON object"),
            (
                b"{",
                "manifest {digest}: not valid JSON (Expecting property name enclosed in double quotes"
                " at line 1, column 2)",
            ),
        ],
    )
    def test_manifest_not_an_object__named(self, server, manifest, problem):
        server.routes["/v2/o/r/manifests/v1"] = (200, {}, manifest)
        assert refused(server) == f"registry {server.address}: " + problem.replace("{digest}", digest(manifest))

    def test_config_not_json__named_with_its_digest(self, server):
        config = b"<html>"
        serve_config(server, config)
        assert refused(server) == (
            f"registry {server.address}: config blob {digest(config)}: not valid JSON"
            " (Expecting value at line 1, column 1)"
        )

    def test_config_not_an_object__named(self, server):
        serve_config(server, b"[1]")
        assert refused(server) == f"registry {server.address}: the config blob is not a JSON object"

    def test_manifest_hashing_to_another_digest__both_named(self, server):
        body = json.dumps({"schemaVersion": 2}).encode()
        server.routes["/v2/o/r/manifests/v1"] = (200, {"Docker-Content-Digest": DIGEST}, body)
        server.routes[f"/v2/o/r/manifests/{DIGEST}"] = (200, {}, body)
        assert refused(server) == f"registry {server.address}: manifest content does not match {DIGEST}"

    def test_labels__missing_config_section_is_no_labels(self, server):
        serve_config(server, json.dumps({"architecture": "amd64"}).encode())
        assert RegistryClient(server.address).resolve(ImageRef.parse(f"{server.address}/o/r:v1")).labels == {}


class TestRetag:
    """Promotion's registry calls: the manifest's exact bytes by digest, PUT unchanged under a
    tag, every tag listed page by page."""

    def _manifest(self, server: Server) -> tuple[bytes, str]:
        raw = b'{"schemaVersion": 2, "mediaType": "application/vnd.oci.image.index.v1+json", "manifests": []}'
        server.routes[f"/v2/o/r/manifests/{digest(raw)}"] = (200, {"Content-Type": INDEX_TYPES[0]}, raw)
        return raw, digest(raw)

    def test_manifest_bytes__exact_bytes_and_media_type(self, server):
        raw, wanted = self._manifest(server)
        client = RegistryClient(server.address)
        assert client.manifest_bytes(ImageRef(server.address, "o/r"), wanted) == (
            "application/vnd.oci.image.index.v1+json",
            raw,
        )

    def test_manifest_bytes__content_not_matching_the_digest_refused(self, server):
        raw, wanted = self._manifest(server)
        server.routes[f"/v2/o/r/manifests/{wanted}"] = (200, {}, raw + b" ")
        with pytest.raises(ApiError, match=rf"manifest content does not match {wanted}$"):
            RegistryClient(server.address).manifest_bytes(ImageRef(server.address, "o/r"), wanted)

    def test_manifest_bytes__only_a_digest_is_asked_for(self, server):
        with pytest.raises(ApiError, match=r"'latest' is not sha256:<64 hex>$"):
            RegistryClient(server.address).manifest_bytes(ImageRef(server.address, "o/r"), "latest")
        assert server.seen == []

    def test_manifest_bytes__a_config_blob_or_artifact_is_not_an_image(self, server):
        raw = b'{"schemaVersion": 2, "mediaType": "application/vnd.in-toto+json"}'
        server.routes[f"/v2/o/r/manifests/{digest(raw)}"] = (200, {}, raw)
        with pytest.raises(ApiError, match=r"is a 'application/vnd.in-toto\+json', not an image or index$"):
            RegistryClient(server.address).manifest_bytes(ImageRef(server.address, "o/r"), digest(raw))

    def test_put_manifest__the_same_bytes_with_their_media_type(self, server):
        raw, wanted = self._manifest(server)
        server.routes["/v2/o/r/manifests/1.2.0"] = (201, {"Docker-Content-Digest": wanted}, b"")
        client = RegistryClient(server.address)
        assert client.put_manifest(ImageRef(server.address, "o/r"), "1.2.0", INDEX_TYPES[0], raw) == wanted
        assert server.seen == ["PUT /v2/o/r/manifests/1.2.0"]
        assert server.bodies == [raw]
        assert server.headers[0]["Content-Type"] == "application/vnd.oci.image.index.v1+json"

    def test_put_manifest__registry_naming_another_digest_is_refused(self, server):
        raw, wanted = self._manifest(server)
        server.routes["/v2/o/r/manifests/prod"] = (201, {"Docker-Content-Digest": DIGEST}, b"")
        with pytest.raises(ApiError, match=rf"tag prod now names {DIGEST}, not {wanted}$"):
            RegistryClient(server.address).put_manifest(ImageRef(server.address, "o/r"), "prod", INDEX_TYPES[0], raw)

    def test_put_manifest__200_is_not_the_201_the_spec_requires(self, server):
        raw, _ = self._manifest(server)
        server.routes["/v2/o/r/manifests/prod"] = (200, {}, b"")
        with pytest.raises(ApiError, match=r"PUT o/r/manifests/prod answered 200$"):
            RegistryClient(server.address).put_manifest(ImageRef(server.address, "o/r"), "prod", INDEX_TYPES[0], raw)

    @pytest.mark.parametrize("tag", ["", "-x", ".x", "a/b", "a:b", "a" * 129, "1.2.0\n"])
    def test_put_manifest__invalid_tag_never_sent(self, server, tag):
        with pytest.raises(ApiError, match=r"is not a valid tag$"):
            RegistryClient(server.address).put_manifest(ImageRef(server.address, "o/r"), tag, INDEX_TYPES[0], b"{}")
        assert server.seen == []

    def test_put_manifest__basic_credentials_after_the_challenge(self, server):
        raw, wanted = self._manifest(server)
        server.basic = "ci:secret"
        server.routes["/v2/o/r/manifests/1"] = (201, {"Docker-Content-Digest": wanted}, b"")
        RegistryClient(server.address, "ci", "secret").put_manifest(
            ImageRef(server.address, "o/r"), "1", INDEX_TYPES[0], raw
        )
        assert server.seen == ["PUT /v2/o/r/manifests/1", "PUT /v2/o/r/manifests/1"]
        assert server.bodies == [raw, raw]  # the body is sent again with the credentials

    def test_tags__pages_followed_by_last_only(self, server):
        """The Link header's host is never used: only its `last`, on our own URL."""
        server.routes["/v2/o/r/tags/list?n=2"] = (
            200,
            {"Link": '<https://elsewhere.example/v2/o/r/tags/list?n=2&last=b>; rel="next"'},
            b'{"name": "o/r", "tags": ["a", "b"]}',
        )
        server.routes["/v2/o/r/tags/list?n=2&last=b"] = (
            200,
            {"Link": '</v2/o/r/tags/list?n=2&last=d>; rel="next"'},
            b'{"name": "o/r", "tags": ["c", "d"]}',
        )
        server.routes["/v2/o/r/tags/list?n=2&last=d"] = (200, {}, b'{"name": "o/r", "tags": ["e"]}')
        assert RegistryClient(server.address).tags(ImageRef(server.address, "o/r"), page=2) == ["a", "b", "c", "d", "e"]
        assert server.seen == [
            "GET /v2/o/r/tags/list?n=2",
            "GET /v2/o/r/tags/list?n=2&last=b",
            "GET /v2/o/r/tags/list?n=2&last=d",
        ]

    def test_tags__the_same_last_again_ends_the_listing(self, server):
        server.routes["/v2/o/r/tags/list?n=1"] = (200, {"Link": '</x?n=1&last=a>; rel="next"'}, b'{"tags": ["a"]}')
        server.routes["/v2/o/r/tags/list?n=1&last=a"] = (
            200,
            {"Link": '</x?n=1&last=a>; rel="next"'},
            b'{"tags": ["b"]}',
        )
        assert RegistryClient(server.address).tags(ImageRef(server.address, "o/r"), page=1) == ["a", "b"]
        assert len(server.seen) == 2

    def test_tags__a_registry_that_never_ends_is_cut(self, server):
        server.routes["/v2/o/r/tags/list?n=1"] = (200, {"Link": '</x?n=1&last=a>; rel="next"'}, b'{"tags": ["a"]}')
        for this, following in (("a", "b"), ("b", "c"), ("c", "d")):
            server.routes[f"/v2/o/r/tags/list?n=1&last={this}"] = (
                200,
                {"Link": f'</x?n=1&last={following}>; rel="next"'},
                json.dumps({"tags": [following]}).encode(),
            )
        with pytest.raises(ApiError, match=r"more than 3 tags in o/r$"):
            RegistryClient(server.address).tags(ImageRef(server.address, "o/r"), page=1, max_pages=3)
        assert len(server.seen) == 3

    def test_tags__none_yet_is_an_empty_list(self, server):
        server.routes["/v2/o/r/tags/list"] = (200, {}, b'{"name": "o/r", "tags": null}')
        assert RegistryClient(server.address).tags(ImageRef(server.address, "o/r")) == []

    @pytest.mark.parametrize(
        ("body", "said"),
        [
            (b'{"tags": "a"}', "tag list's tags are not strings"),
            (b'{"tags": [1]}', "tag list's tags are not strings"),
            (b"[]", "the tag list is not a JSON object"),
            (b"nope", r"tag list: not valid JSON \(Expecting value at line 1, column 1\)"),
        ],
    )
    def test_tags__malformed_list_refused(self, server, body, said):
        server.routes["/v2/o/r/tags/list"] = (200, {}, body)
        with pytest.raises(ApiError, match=rf"^registry 127\.0\.0\.1:\d+: {said}$"):
            RegistryClient(server.address).tags(ImageRef(server.address, "o/r"))


class TestMoreExactly:
    """What the mutation run showed no test pinned down: scopes, headers, cuts, children."""

    def test_resolve__token_scopes_are_pull_on_the_repository(self, server):
        """A challenge that names no scope: manifest and config blob are both asked with pull."""
        challenge = {"WWW-Authenticate": bearer(server)}
        server.routes["/token"] = (200, {}, b'{"token": "t"}')
        server.routes[f"/v2/o/r/manifests/{DIGEST}"] = (401, challenge, b"{}")
        refused(server, f"o/r@{DIGEST}", match="authentication failed")
        assert server.seen[1] == "GET /token?service=reg&scope=repository%3Ao%2Fr%3Apull"
        server.seen.clear()
        config = json.dumps({"config": {}}).encode()
        serve_config(server, config)
        server.routes[f"/v2/o/r/blobs/{digest(config)}"] = (401, challenge, b"{}")
        refused(server, match="authentication failed")
        assert [s for s in server.seen if s.startswith("GET /token")] == [
            "GET /token?service=reg&scope=repository%3Ao%2Fr%3Apull"
        ]

    def test_put_manifest__push_scope_and_the_accept_header(self, server):
        raw = b'{"schemaVersion": 2, "mediaType": "application/vnd.oci.image.index.v1+json", "manifests": []}'
        challenge = {"WWW-Authenticate": bearer(server)}
        server.routes["/token"] = (200, {}, b'{"token": "t"}')
        server.routes["/v2/o/r/manifests/1.2.0"] = (401, challenge, b"{}")
        with pytest.raises(ApiError, match="authentication failed"):
            RegistryClient(server.address).put_manifest(ImageRef(server.address, "o/r"), "1.2.0", INDEX_TYPES[0], raw)
        assert server.seen[1] == "GET /token?service=reg&scope=repository%3Ao%2Fr%3Apull%2Cpush"
        assert server.headers[0]["Accept"] == (
            "application/vnd.oci.image.index.v1+json, application/vnd.docker.distribution.manifest.list.v2+json,"
            " application/vnd.oci.image.manifest.v1+json, application/vnd.docker.distribution.manifest.v2+json"
        )

    def test_put_manifest__an_answer_without_a_digest_header_is_taken(self, server):
        """The spec says SHOULD: a registry that omits Docker-Content-Digest is not refused."""
        raw = b'{"schemaVersion": 2}'
        server.routes["/v2/o/r/manifests/prod"] = (201, {}, b"")
        client = RegistryClient(server.address)
        assert client.put_manifest(ImageRef(server.address, "o/r"), "prod", MANIFEST_TYPES[0], raw) == digest(raw)

    def test_put_manifest__answers_and_tags_shown_cut_to_80(self, server):
        raw = b'{"schemaVersion": 2}'
        server.routes["/v2/o/r/manifests/prod"] = (201, {"Docker-Content-Digest": "d" * 100}, b"")
        with pytest.raises(ApiError, match="now names") as caught:
            RegistryClient(server.address).put_manifest(ImageRef(server.address, "o/r"), "prod", MANIFEST_TYPES[0], raw)
        assert str(caught.value) == f"registry {server.address}: tag prod now names {'d' * 80}, not {digest(raw)}"
        with pytest.raises(ApiError, match="not a valid tag") as caught:
            RegistryClient(server.address).put_manifest(ImageRef(server.address, "o/r"), "/" * 100, "x", raw)
        assert str(caught.value) == f"registry {server.address}: {'/' * 80!r} is not a valid tag"

    def test_manifest_bytes__digest_and_media_type_shown_cut_to_80(self, server):
        client = RegistryClient(server.address)
        with pytest.raises(ApiError, match="is not sha256") as caught:
            client.manifest_bytes(ImageRef(server.address, "o/r"), "x" * 100)
        assert str(caught.value) == f"registry {server.address}: {'x' * 80!r} is not sha256:<64 hex>"
        raw = json.dumps({"mediaType": "m" * 100}).encode()
        server.routes[f"/v2/o/r/manifests/{digest(raw)}"] = (200, {}, raw)
        with pytest.raises(ApiError, match="not an image or index") as caught:
            client.manifest_bytes(ImageRef(server.address, "o/r"), digest(raw))
        assert str(caught.value) == f"registry {server.address}: {digest(raw)} is a {'m' * 80!r}, not an image or index"

    def test_get__sends_no_content_type(self, server):
        image(server)
        RegistryClient(server.address).resolve(ImageRef.parse(f"{server.address}/o/r:v1"))
        assert all("Content-Type" not in headers for headers in server.headers)

    @pytest.mark.parametrize(
        ("status", "said"), [(404, "not found (404): o/r/tags/list"), (418, "GET o/r/tags/list answered 418")]
    )
    def test_failures__named_without_the_query(self, server, status, said):
        server.routes["/v2/o/r/tags/list"] = (status, {}, b"{}")
        with pytest.raises(ApiError, match="tags/list") as caught:
            RegistryClient(server.address).tags(ImageRef(server.address, "o/r"))
        assert str(caught.value) == f"registry {server.address}: {said}"

    def test_config_blob_refused__the_method_named_as_sent(self, server):
        config = json.dumps({"config": {}}).encode()
        serve_config(server, config)
        server.routes[f"/v2/o/r/blobs/{digest(config)}"] = (418, {}, b"")
        assert (
            refused(server, match="answered 418")
            == f"registry {server.address}: GET o/r/blobs/{digest(config)} answered 418"
        )

    @pytest.mark.parametrize(
        ("env", "credentials"),
        [
            ({}, None),
            ({"REGISTRY_USERNAME": "", "REGISTRY_PASSWORD": ""}, None),
            ({"REGISTRY_USERNAME": "u"}, ("u", "")),
            ({"REGISTRY_PASSWORD": "p"}, ("", "p")),
            ({"REGISTRY_USERNAME": "u", "REGISTRY_PASSWORD": "p"}, ("u", "p")),
        ],
    )
    def test_from_env__credentials_as_set(self, env, credentials):
        assert RegistryClient.from_env("ghcr.io", env).credentials == credentials


class TestChildren:
    """What an index names (its platform images and attestations): what clean-up must keep or
    delete with it. An image manifest has none."""

    def serve(self, server: Server, body: dict) -> str:
        raw = json.dumps(body).encode()
        server.routes[f"/v2/o/r/manifests/{digest(raw)}"] = (200, {}, raw)
        return digest(raw)

    def test_index__its_manifests(self, server):
        a, b = "sha256:" + "1" * 64, "sha256:" + "2" * 64
        index = self.serve(server, {"mediaType": INDEX_TYPES[0], "manifests": [{"digest": a}, {"digest": b}]})
        assert RegistryClient(server.address).children(ImageRef(server.address, "o/r"), index) == {a, b}

    def test_image_manifest__none(self, server):
        manifest = self.serve(server, {"mediaType": MANIFEST_TYPES[0], "manifests": [{"digest": DIGEST}]})
        assert RegistryClient(server.address).children(ImageRef(server.address, "o/r"), manifest) == frozenset()

    @pytest.mark.parametrize(
        ("manifests", "said"),
        [
            (None, "has no manifests list"),
            ({"digest": DIGEST}, "has no manifests list"),
            ([{"digest": DIGEST}, "x"], "names a manifest without a digest"),
            ([{"digest": DIGEST}, {}], "names a manifest without a digest"),
            ([{"digest": "sha256:abc"}], "names a manifest without a digest"),
            ([{"digest": 7}], "names a manifest without a digest"),
        ],
        ids=["missing", "object", "a-string", "no-digest", "short-digest", "number"],
    )
    def test_malformed_index__one_line(self, server, manifests, said):
        body = {"mediaType": INDEX_TYPES[0]} | ({} if manifests is None else {"manifests": manifests})
        index = self.serve(server, body)
        with pytest.raises(ApiError, match=said) as caught:
            RegistryClient(server.address).children(ImageRef(server.address, "o/r"), index)
        assert str(caught.value) == f"registry {server.address}: index {index} {said}"


class TestTagsAndRetriesExactly:
    def test_tags__defaults_a_thousand_a_page_a_hundred_pages_json_and_pull_scope(self, server):
        server.routes["/v2/o/r/tags/list?n=1000"] = (
            200,
            {"Link": '</x?n=1000&last=t0>; rel="next"'},
            b'{"tags": ["t0"]}',
        )
        for n in range(100):
            server.routes[f"/v2/o/r/tags/list?n=1000&last=t{n}"] = (
                200,
                {"Link": f'</x?n=1000&last=t{n + 1}>; rel="next"'},
                json.dumps({"tags": [f"t{n + 1}"]}).encode(),
            )
        with pytest.raises(ApiError, match="more than") as caught:
            RegistryClient(server.address).tags(ImageRef(server.address, "o/r"))
        assert str(caught.value) == f"registry {server.address}: more than 100000 tags in o/r"
        assert len(server.seen) == 100
        assert server.seen[0] == "GET /v2/o/r/tags/list?n=1000"
        assert server.headers[0]["Accept"] == "application/json"

    def test_tags__token_scope_is_pull(self, server):
        challenge = bearer(server)
        server.routes["/token"] = (200, {}, b'{"token": "t"}')
        server.routes["/v2/o/r/tags/list"] = (401, {"WWW-Authenticate": challenge}, b"{}")
        with pytest.raises(ApiError, match="authentication failed"):
            RegistryClient(server.address).tags(ImageRef(server.address, "o/r"))
        assert server.seen[1] == "GET /token?service=reg&scope=repository%3Ao%2Fr%3Apull"

    def test_retries__the_last_failure_is_the_one_named(self, server, monkeypatch):
        answers = iter([503, 504])

        def next_answer(_seconds: float) -> None:
            server.routes["/v2/o/r/manifests/v1"] = (next(answers), {}, b"{}")

        monkeypatch.setattr(registry.time, "sleep", next_answer)
        server.routes["/v2/o/r/manifests/v1"] = (502, {}, b"{}")
        with pytest.raises(ApiError, match="failed after") as caught:
            RegistryClient(server.address, retries=2).digest(ImageRef.parse(f"{server.address}/o/r:v1"))
        assert str(caught.value).endswith("failed after 3 tries (HTTP 504)")

    def test_retries__the_url_named_without_its_query(self, server, monkeypatch):
        monkeypatch.setattr(registry.time, "sleep", lambda _seconds: None)
        server.routes["/v2/o/r/tags/list"] = (502, {}, b"{}")
        with pytest.raises(ApiError, match="failed after") as caught:
            RegistryClient(server.address, retries=1).tags(ImageRef(server.address, "o/r"))
        assert str(caught.value) == (
            f"registry {server.address}: GET http://{server.address}/v2/o/r/tags/list failed after 2 tries (HTTP 502)"
        )

    def test_put_manifest__the_answer_read_under_64_kib(self, server):
        """A PUT's answer is a status and a header; a registry sending a body larger than any
        token is cut off, not read."""
        raw = b'{"schemaVersion": 2}'
        server.routes["/v2/o/r/manifests/prod"] = (201, {"Docker-Content-Digest": digest(raw)}, b"x" * 70_000)
        with pytest.raises(ApiError, match="limit") as caught:
            RegistryClient(server.address).put_manifest(ImageRef(server.address, "o/r"), "prod", MANIFEST_TYPES[0], raw)
        assert str(caught.value) == (
            f"registry {server.address}: PUT http://{server.address}/v2/o/r/manifests/prod:"
            " body of 70,000 bytes is over the 65,536-byte limit"
        )
