"""A small HTTP server that answers the OCI distribution API's paths with whatever a test sets,
including what real registries sometimes send (odd challenges, wrong digests, huge bodies)."""

from __future__ import annotations

import base64
import hashlib
import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from scripts.deploy.registry import MANIFEST_TYPES


def digest(body: bytes) -> str:
    return "sha256:" + hashlib.sha256(body).hexdigest()


class Server:
    """path -> (status, headers, body); anything else 404. HEAD answers like GET without a body."""

    def __init__(self) -> None:
        self.routes: dict[str, tuple[int, dict[str, str], bytes]] = {}
        self.seen: list[str] = []
        self.headers: list[dict[str, str]] = []  # each request's headers, in the order of seen
        self.basic: str | None = None  # "user:pass": answer 401 Basic to any other Authorization
        self.bodies: list[bytes] = []  # each PUT's body, in order
        server = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args: object) -> None:
                pass

            def _serve(self) -> None:
                server.seen.append(f"{self.command} {self.path}")
                server.headers.append(dict(self.headers))
                if self.command == "PUT":
                    server.bodies.append(self.rfile.read(int(self.headers.get("Content-Length") or 0)))
                if server.basic is not None:
                    expected = "Basic " + base64.b64encode(server.basic.encode()).decode()
                    if self.headers.get("Authorization") != expected:
                        self.send_response(401)
                        self.send_header("WWW-Authenticate", 'Basic realm="test"')
                        self.send_header("Content-Length", "2")
                        self.end_headers()
                        if self.command != "HEAD":
                            self.wfile.write(b"{}")
                        return
                # A route with its query string (a page of tags/list) wins over the bare path.
                route = server.routes.get(self.path) or server.routes.get(self.path.split("?")[0])
                status, headers, body = route or (404, {}, b"{}")
                self.send_response(status)
                for key, value in headers.items():
                    self.send_header(key, value)
                if "Content-Length" not in headers:
                    self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                if self.command != "HEAD":
                    self.wfile.write(body)

            do_GET = _serve
            do_HEAD = _serve
            do_PUT = _serve

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.address = f"127.0.0.1:{self.httpd.server_address[1]}"
        threading.Thread(target=self.httpd.serve_forever, kwargs={"poll_interval": 0.005}, daemon=True).start()

    def stop(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()


def image(server, labels: dict[str, str] | None = None, tag: str = "v1") -> tuple[str, str]:
    """A config blob and manifest served under o/r:<tag>; returns (manifest digest, config digest)."""
    config = json.dumps({"config": {"Labels": labels or {"a": "b"}}}).encode()
    manifest = json.dumps(
        {"schemaVersion": 2, "mediaType": MANIFEST_TYPES[0], "config": {"digest": digest(config)}}
    ).encode()
    server.routes[f"/v2/o/r/blobs/{digest(config)}"] = (200, {}, config)
    for reference in (tag, digest(manifest)):
        server.routes[f"/v2/o/r/manifests/{reference}"] = (200, {"Content-Type": MANIFEST_TYPES[0]}, manifest)
    return digest(manifest), digest(config)
