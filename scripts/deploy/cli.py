"""Smoke deploy: pin the image CI built to its digest, verify it, and run it hardened.

    python -m scripts.deploy --image-json image/image.json --head-sha SHA --out deploy.json
    python -m scripts.deploy --image-json image/image.json --head-sha SHA --archive image.tar ...   (fork PRs, in CI)

The tag (default NAME:sha-SHA) is resolved to a digest through the registry API; the digest must
equal the one CI recorded and the image's org.opencontainers.image.revision label must equal SHA,
or nothing runs. Then `docker pull NAME@sha256:…` and a run of that digest with no network, a
read-only root, no capabilities, a non-root user, memory and PID limits and a timeout. Registry
credentials come from REGISTRY_USERNAME / REGISTRY_PASSWORD (for GHCR: the actor and GITHUB_TOKEN)
and are used in a private docker config that is deleted afterwards; with credentials, --image-name
(from trusted context) is required, so that image.json never picks the host they go to.
A fork's image is never run by CD: CI runs it from its archive on the fork's own, unprivileged
side (--archive), after checking the archive's own manifest against CI's record. What the
container prints is relayed with workflow commands stopped, so it cannot steer the runner.
deploy.json is written in every case, for the CD section of the PR comment.
Exit 0 success, 5 refused, 6 failed.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
from collections.abc import Mapping
from dataclasses import asdict
from pathlib import Path

from scripts.deploy import container
from scripts.deploy.archive import read_archive
from scripts.deploy.registry import ImageRef, RegistryClient
from scripts.deploy.verify import verify
from scripts.errors import DeployError, InputError, ScriptError, VerificationError
from scripts.model import SHA_RE, Deploy, Image
from scripts.report.collect import read_image
from scripts.workflow_commands import commands_stopped

OUTPUT_KEPT = 4000  # characters of each stream kept in deploy.json
# A pull or load of the image: slow registries and big layers, but never an hour-long hang.
TRANSFER_TIMEOUT = 900


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m scripts.deploy", description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--image-json", type=Path, required=True, help="image/image.json from CI's image job")
    parser.add_argument("--head-sha", required=True, help="workflow_run.head_sha: the commit CI ran on")
    parser.add_argument("--ref", help="tag to resolve (default: NAME:sha-HEAD_SHA from image.json)")
    parser.add_argument(
        "--image-name",
        help="REGISTRY/OWNER/NAME the image must have (from trusted context; image.json's name must match)",
    )
    parser.add_argument("--archive", type=Path, help="docker save archive to load instead of pulling (fork PRs)")
    parser.add_argument("--out", type=Path, help="where to write deploy.json")
    parser.add_argument(
        "--timeout", type=float, default=60.0, help="seconds before the container is killed (default 60)"
    )
    parser.add_argument("--expect", default="5", help="stdout expected of the smoke command (default 5)")
    parser.add_argument("--dry-run", action="store_true", help="resolve and verify only; pull and run nothing")
    parser.add_argument("args", nargs="*", default=["2", "3"], help="arguments for the service (default: 2 3)")
    return parser


class _DockerLogin:
    """docker login into a throw-away config directory, so that no credential outlives the run."""

    def __init__(self, client: RegistryClient) -> None:
        self.registry = client.registry
        self.credentials = client.credentials
        self.tmp: tempfile.TemporaryDirectory | None = None
        self.env: dict[str, str] | None = None

    def __enter__(self) -> dict[str, str] | None:
        if self.credentials and all(self.credentials):  # half a credential logs in to nothing
            user, password = self.credentials
            self.tmp = tempfile.TemporaryDirectory(prefix="deploy-docker-config-")
            self.env = {**os.environ, "DOCKER_CONFIG": self.tmp.name}
            container.docker(
                "login", "--username", user, "--password-stdin", self.registry, env=self.env, stdin=password
            )
        return self.env

    def __exit__(self, *exc: object) -> None:
        if self.tmp is not None:
            self.tmp.cleanup()


def _from_registry(args: argparse.Namespace, recorded: Image, env: Mapping[str, str]) -> tuple[str, str]:
    """Resolve and verify; pull by digest. Returns (what to run, its digest)."""
    if (env.get("REGISTRY_USERNAME") or env.get("REGISTRY_PASSWORD")) and not args.image_name:
        raise VerificationError(
            "registry credentials are set but --image-name is not: image.json may not choose their host"
        )
    if args.image_name and recorded.name != args.image_name.lower():
        raise VerificationError(f"CI's record names {recorded.name}, not {args.image_name.lower()}")
    ref = ImageRef.parse(args.ref or f"{recorded.name}:sha-{args.head_sha}")
    client = RegistryClient.from_env(ref.registry, env)
    resolved = client.resolve(ref)
    verify(recorded, resolved.digest, resolved.labels, args.head_sha)
    pinned = ref.with_digest(resolved.digest)
    if not args.dry_run:
        with _DockerLogin(client) as docker_env:
            container.docker("pull", "--quiet", pinned, timeout=TRANSFER_TIMEOUT, env=docker_env)
    return pinned, resolved.digest


def _from_archive(args: argparse.Namespace, recorded: Image) -> tuple[str, str]:
    """A fork's image, in the fork's own CI run: check the archive's own manifest against CI's
    record and the commit, load it, and run what the engine loaded only if it is that image. The
    engine's id is the config digest on the classic store and the manifest digest on containerd's;
    either must be one the archive itself names and whose content hashes to it."""
    archive = read_archive(args.archive)
    if recorded.digest not in archive.digests:
        raise VerificationError(
            f"the archive holds {', '.join(sorted(archive.digests))}, CI recorded {recorded.digest}"
        )
    verify(recorded, recorded.digest, archive.labels, args.head_sha)
    if args.dry_run:
        return recorded.digest, recorded.digest
    container.docker("load", "--input", str(args.archive), timeout=TRANSFER_TIMEOUT)
    reference = archive.tags[0] if archive.tags else recorded.digest
    image_id = container.docker("image", "inspect", "--format", "{{.Id}}", reference).stdout.strip()
    if image_id not in archive.digests:
        raise VerificationError(f"the engine loaded {image_id or 'nothing'}, which the archive does not name")
    return image_id, recorded.digest


def deploy(args: argparse.Namespace, env: Mapping[str, str]) -> Deploy:
    """The whole smoke deploy; every failure is a Deploy with a status and a one-line reason."""
    if not SHA_RE.match(args.head_sha):
        return Deploy("refused", f"refused to run: --head-sha {args.head_sha[:60]!r} is not a 40-character commit sha")
    # Until both are known, deploy.json carries "" for image and digest (Deploy's defaults).
    try:
        recorded = read_image(args.image_json)
        image, digest = _from_archive(args, recorded) if args.archive else _from_registry(args, recorded, env)
    except (VerificationError, InputError) as exc:
        # A record that does not parse is as untrustworthy as one that does not match.
        return Deploy("refused", f"refused to run: {exc}")
    except ScriptError as exc:
        return Deploy("failure", str(exc))
    if args.dry_run:
        return Deploy("skipped", f"dry run: verified {image}; would run it with {' '.join(args.args)}", image, digest)
    try:
        result = container.run(image, args.args, timeout=args.timeout)
    except ScriptError as exc:
        return Deploy("failure", str(exc), image=image, digest=digest)
    stdout, stderr = result.stdout[-OUTPUT_KEPT:], result.stderr[-OUTPUT_KEPT:]
    common = {
        "image": image,
        "digest": digest,
        "command": " ".join(result.command),
        "exit_code": result.exit_code,
        "stdout": stdout,
        "stderr": stderr,
        "duration": round(result.duration, 3),
        "expected_output": args.expect,
    }
    cut = ""
    if result.stdout_bytes > len(stdout):
        cut = f" (printed {result.stdout_bytes:,} bytes; the last {len(stdout):,} are kept)"
    if result.stderr_bytes > len(stderr):
        cut += f" (stderr: {result.stderr_bytes:,} bytes; the last {len(stderr):,} are kept)"
    if result.timed_out:
        return Deploy("timeout", f"killed after {args.timeout:g} s without finishing{cut}", **common)
    if result.exit_code != 0:
        return Deploy("failure", f"exited with status {result.exit_code}{cut}", **common)
    if result.stdout.strip() != args.expect:
        return Deploy("failure", f"printed {result.stdout.strip()[:40]!r}, expected {args.expect!r}{cut}", **common)
    return Deploy("success", f"{' '.join(args.args)} printed {args.expect} as expected", **common)


def main(argv: list[str] | None = None, env: Mapping[str, str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        result = deploy(args, os.environ if env is None else env)
    except Exception as exc:  # noqa: BLE001  (deploy.json is written whatever went wrong)
        result = Deploy("failure", f"internal error: {type(exc).__name__}: {str(exc)[:300]}")
    if args.out:
        args.out.parent.mkdir(parents=True, exist_ok=True)
        args.out.write_text(json.dumps(asdict(result), indent=1) + "\n", encoding="utf-8")
    print(f"deploy: {result.status}: {result.reason}", file=sys.stderr)
    if result.command:
        print(f"deploy: ran {result.command}", file=sys.stderr)
    if result.stdout:
        # The image's output is relayed as text: no line of it may act as a workflow command.
        with commands_stopped(sys.stdout):
            sys.stdout.write(result.stdout)
    return {"success": 0, "skipped": 0, "refused": VerificationError.exit_code}.get(
        result.status, DeployError.exit_code
    )


if __name__ == "__main__":
    raise SystemExit(main())
