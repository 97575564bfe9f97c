"""A real OCI registry (Debian's docker-registry, distribution v2) on 127.0.0.1 with htpasswd auth,
and a Bearer-token front for it that behaves like GHCR's auth flow."""

from __future__ import annotations

import base64
import hashlib
import json
import os
import secrets
import shutil
import socket
import subprocess
import threading
import time
import urllib.error
import urllib.request
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qs, urlsplit


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@dataclass
class Registry:
    address: str  # 127.0.0.1:PORT
    username: str
    password: str
    process: subprocess.Popen
    docker_config: Path  # a DOCKER_CONFIG with a login to this registry

    @property
    def docker_env(self) -> dict[str, str]:
        return {**os.environ, "DOCKER_CONFIG": str(self.docker_config)}

    def docker(self, *args: str, timeout: float = 300) -> str:
        done = subprocess.run(
            ["docker", *args], capture_output=True, text=True, env=self.docker_env, timeout=timeout, check=False
        )
        if done.returncode != 0:
            raise RuntimeError(f"docker {' '.join(args)}: {done.stderr.strip()}")
        return done.stdout

    def push(self, local: str, repository: str, tag: str) -> str:
        """Push a local image; returns its digest in this registry."""
        ref = f"{self.address}/{repository}:{tag}"
        self.docker("tag", local, ref)
        out = self.docker("push", ref)
        digest = next(w for line in out.splitlines() for w in line.split() if w.startswith("sha256:"))
        self.docker("image", "rm", "--no-prune", ref)
        return digest

    def stop(self) -> None:
        self.process.terminate()
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.process.kill()


def _serve(binary: str, workdir: Path, address: str, htpasswd: Path) -> subprocess.Popen:
    config = workdir / "config.yml"
    config.write_text(
        json.dumps(  # YAML is a superset of JSON
            {
                "version": 0.1,
                "log": {"level": "warn"},
                "storage": {"filesystem": {"rootdirectory": str(workdir / "data")}, "delete": {"enabled": True}},
                "http": {"addr": address},
                "auth": {"htpasswd": {"realm": "local-registry", "path": str(htpasswd)}},
            }
        )
    )
    with (workdir / "registry.log").open("w") as log:  # the child keeps its own descriptor
        return subprocess.Popen([binary, "serve", str(config)], stdout=log, stderr=subprocess.STDOUT)


def _answers(address: str, process: subprocess.Popen, credentials: tuple[str, str], seconds: float = 20) -> bool:
    """True once /v2/ accepts our credentials: proof that the registry on that port is ours, not
    one of a parallel session's. False if our process died (port taken) or time ran out."""
    token = base64.b64encode(":".join(credentials).encode()).decode()
    request = urllib.request.Request(f"http://{address}/v2/", headers={"Authorization": f"Basic {token}"})
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline and process.poll() is None:
        try:
            with urllib.request.urlopen(request, timeout=1):  # noqa: S310 - loopback
                return process.poll() is None
        except OSError:
            time.sleep(0.1)
    return False


def start_registry(workdir: Path, username: str = "ci", password: str | None = None) -> Registry:
    """docker-registry with htpasswd auth on a free loopback port; waits until it answers."""
    binary = shutil.which("docker-registry")
    if binary is None:
        raise RuntimeError("docker-registry is not installed (apt-get install docker-registry)")
    password = password or secrets.token_urlsafe(16)
    htpasswd = workdir / "htpasswd"
    import bcrypt  # only the registry tests need it, and only their CI leg installs it

    htpasswd.write_text(f"{username}:{bcrypt.hashpw(password.encode(), bcrypt.gensalt(rounds=5)).decode()}\n")
    # A free port can be taken between our probe and the registry's bind (the suite may run three
    # times at once under act): try a few ports before giving up.
    for _ in range(5):
        address = f"127.0.0.1:{free_port()}"
        process = _serve(binary, workdir, address, htpasswd)
        if _answers(address, process, (username, password)):
            break
        process.kill()
        process.wait()
    else:
        raise RuntimeError(f"docker-registry did not start: {(workdir / 'registry.log').read_text()[-500:]}")
    docker_config = workdir / "docker-config"
    docker_config.mkdir()
    registry = Registry(address, username, password, process, docker_config)
    subprocess.run(
        ["docker", "login", "--username", username, "--password-stdin", address],
        input=password,
        text=True,
        capture_output=True,
        env=registry.docker_env,
        check=True,
    )
    return registry


class BearerFront:
    """A registry front that speaks the Bearer flow (as GHCR does) and proxies to the real one.

    /v2/... without a valid token: 401 with WWW-Authenticate: Bearer realm=…,service=…,scope=….
    /token with the right Basic credentials: {"token": …}. A fault queue can answer 502s first.
    """

    def __init__(self, upstream: Registry, username: str = "octo", password: str = "ghp_test") -> None:
        self.upstream = upstream
        self.username, self.password = username, password
        self.token = secrets.token_hex(16)  # the first token handed out; more are made per scope
        self.scopes: dict[str, str] = {}  # token -> the scope it was issued for
        self.fail_next = 0
        self.requests: list[tuple[str, str, str]] = []
        self.extra: dict[str, tuple[str, bytes]] = {}  # path -> (content type, body): synthetic manifests
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self.address = f"127.0.0.1:{self.server.server_address[1]}"
        threading.Thread(target=self.server.serve_forever, kwargs={"poll_interval": 0.005}, daemon=True).start()

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        front = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args: object) -> None:
                pass

            def _reply(self, status: int, body: bytes = b"", headers: dict[str, str] | None = None) -> None:
                self.send_response(status)
                for key, value in (headers or {}).items():
                    self.send_header(key, value)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                if self.command != "HEAD":
                    self.wfile.write(body)

            def _serve(self) -> None:
                front.requests.append((self.command, self.path, self.headers.get("Authorization", "")))
                if self.path.startswith("/token"):
                    expected = "Basic " + base64.b64encode(f"{front.username}:{front.password}".encode()).decode()
                    if self.headers.get("Authorization") != expected:
                        return self._reply(401, b'{"errors":[{"code":"UNAUTHORIZED"}]}')
                    # Like GHCR's token service: a token is good for the scope it was asked for.
                    scope = parse_qs(urlsplit(self.path).query).get("scope", [""])[0]
                    token = front.token if not front.scopes else secrets.token_hex(16)
                    front.scopes[token] = scope
                    return self._reply(200, json.dumps({"token": token}).encode(), {"Content-Type": "application/json"})
                if front.fail_next > 0:
                    front.fail_next -= 1
                    return self._reply(502, b"bad gateway")
                path = urlsplit(self.path).path
                repo = path.split("/manifests/")[0].split("/blobs/")[0].split("/tags/list")[0].removeprefix("/v2/")
                actions = "pull,push" if self.command in ("PUT", "POST", "PATCH", "DELETE") else "pull"
                given = self.headers.get("Authorization", "").removeprefix("Bearer ")
                granted = front.scopes.get(given, "").removeprefix(f"repository:{repo}:").split(",")
                if not front.scopes.get(given, "").startswith(f"repository:{repo}:") or not all(
                    a in granted for a in actions.split(",")
                ):
                    challenge = f'Bearer realm="http://{front.address}/token",service="{front.address}",scope="repository:{repo}:{actions}"'
                    if given in front.scopes:
                        challenge += ',error="insufficient_scope"'
                    return self._reply(401, b'{"errors":[{"code":"UNAUTHORIZED"}]}', {"WWW-Authenticate": challenge})
                if self.path in front.extra:
                    kind, body = front.extra[self.path]
                    digest = "sha256:" + hashlib.sha256(body).hexdigest()
                    return self._reply(200, body, {"Content-Type": kind, "Docker-Content-Digest": digest})
                length = int(self.headers.get("Content-Length") or 0)
                data = self.rfile.read(length) if length else None
                request = urllib.request.Request(
                    f"http://{front.upstream.address}{self.path}", data=data, method=self.command
                )
                request.add_header("Accept", self.headers.get("Accept", "*/*"))
                if self.headers.get("Content-Type"):
                    request.add_header("Content-Type", self.headers["Content-Type"])
                basic = base64.b64encode(f"{front.upstream.username}:{front.upstream.password}".encode()).decode()
                request.add_header("Authorization", f"Basic {basic}")
                try:
                    with urllib.request.urlopen(request, timeout=30) as response:  # noqa: S310 - loopback
                        body = response.read()
                        status, headers = response.status, response.headers
                except urllib.error.HTTPError as exc:
                    body, status, headers = exc.read(), exc.code, exc.headers
                keep = {k: headers[k] for k in ("Content-Type", "Docker-Content-Digest", "Link") if headers.get(k)}
                return self._reply(status, body, keep)

            do_GET = _serve
            do_HEAD = _serve
            do_PUT = _serve

        return Handler
