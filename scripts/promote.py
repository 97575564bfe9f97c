"""Promote a release by digest: the image CI built for the tagged commit gets the version's tags.

    python -m scripts.promote verify --repo O/N --tag v1.2.0 --image-name ghcr.io/o/n --out release/
    python -m scripts.promote publish --repo O/N --tag v1.2.0 --image-name ghcr.io/o/n --out release/ \\
        --deploy release/deploy.json [--dry-run]

verify: the tag's commit (through the API; --sha, when given, must agree), the newest successful
CI run of a push of that commit to the default branch (--branch), its `image` artifact
(digest-checked), and the registry's sha-<commit> resolved to a digest that must equal CI's
record, with the revision label naming the commit. Writes OUT/image.json (what scripts.deploy
smoke-runs) and OUT/release.json; appends digest=, image= and sha= to --github-output.

publish: reads OUT/release.json back, refuses unless the smoke deploy succeeded on that digest,
fetches the manifest's exact bytes by digest and PUTs them under X.Y.Z, X.Y, X and prod (never
moving X.Y, X or prod behind a newer release; an existing X.Y.Z must already name the digest),
then creates or updates the GitHub release. --dry-run prints the plan and the release body.

GITHUB_TOKEN (actions: read, contents: write for the release) and REGISTRY_USERNAME /
REGISTRY_PASSWORD (packages: write) come from the environment. Nothing is built here.
"""

from __future__ import annotations

import argparse
import json
import os
import tempfile
from collections.abc import Mapping
from dataclasses import asdict
from pathlib import Path

from scripts.deploy.registry import ImageRef, RegistryClient
from scripts.deploy.verify import verify
from scripts.deploy.versions import Version, plan
from scripts.errors import InputError, VerificationError, one_line
from scripts.github import baseline, github_api, releases
from scripts.model import DIGEST_RE, SHA_RE, Deploy, deploy_from_dict
from scripts.report.collect import read_image
from scripts.report.release_notes import render_release
from scripts.untrusted import load_json

IMAGE_ARTIFACT = "image"
IMAGE_PATH = Path("image") / "image.json"  # inside the artifact (ci.yml's image job uploads reports/)
MAX_IMAGE_ZIP = 1024 * 1024
UNSIGNED = "the statement's subject is this digest; its Sigstore signature is checked by `gh attestation verify` in release.yml"


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m scripts.promote", description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    sub = parser.add_subparsers(dest="stage", required=True)
    for name, what in (("verify", "find and verify the image"), ("publish", "tag it and publish the release")):
        stage = sub.add_parser(name, help=what, prog=f"python -m scripts.promote {name}")
        stage.add_argument("--repo", required=True, help="OWNER/NAME (github.repository)")
        stage.add_argument("--tag", required=True, help="the git tag vX.Y.Z being released")
        stage.add_argument("--image-name", required=True, help="REGISTRY/OWNER/NAME (from trusted context)")
        stage.add_argument("--out", type=Path, required=True, help="folder for image.json and release.json")
    verify_stage, publish_stage = sub.choices["verify"], sub.choices["publish"]
    verify_stage.add_argument(
        "--sha", default="", help="the commit the workflow ran on (github.sha); must be the tag's (empty: not checked)"
    )
    verify_stage.add_argument("--branch", default="main", help="the branch CI must have passed on (default main)")
    verify_stage.add_argument("--github-output", type=Path, help="append digest=, image= and sha= to this file")
    publish_stage.add_argument("--deploy", type=Path, required=True, help="deploy.json of the smoke run by digest")
    publish_stage.add_argument(
        "--attestation", default=UNSIGNED, help="what the release says of the provenance check (one line)"
    )
    publish_stage.add_argument("--dry-run", action="store_true", help="print the plan and the body; change nothing")
    return parser


def _registry(image_name: str, env: Mapping[str, str]) -> tuple[ImageRef, RegistryClient]:
    ref = ImageRef.parse(image_name)
    if ref.tag or ref.digest:
        raise InputError(f"--image-name {image_name[:100]!r}: a name without tag or digest")
    return ref, RegistryClient.from_env(ref.registry, env)


def run_verify(args: argparse.Namespace, env: Mapping[str, str]) -> int:
    version = Version.parse(args.tag)
    if args.sha and not SHA_RE.match(args.sha):
        raise InputError(f"--sha {args.sha[:60]!r} is not a 40-character commit sha")
    settings = github_api.Settings.from_env(env)
    gh = github_api.connect(settings)
    repo = github_api.repository(gh, args.repo)
    sha = releases.tag_commit(repo, args.tag)
    if args.sha and args.sha != sha:
        raise VerificationError(f"tag {args.tag} names {sha[:12]}, but this run is for {args.sha[:12]}")
    run = releases.release_run(repo, sha, args.branch)
    with tempfile.TemporaryDirectory(prefix="promote-") as work:
        unpacked = baseline.unpacked_artifact(
            settings, repo, args.repo, run.run_id, IMAGE_ARTIFACT, Path(work), MAX_IMAGE_ZIP
        )
        if unpacked is None or not (unpacked / IMAGE_PATH).is_file():
            raise InputError(f"CI run {run.run_id}: no {IMAGE_ARTIFACT} artifact with {IMAGE_PATH} (expired?)")
        recorded = read_image(unpacked / IMAGE_PATH)
    name, client = _registry(args.image_name, env)
    if recorded.name != name.name:
        raise VerificationError(f"CI's record names {recorded.name}, not {name.name}")
    if not recorded.pushed:
        raise VerificationError(f"CI run {run.run_id} pushed no image")
    resolved = client.resolve(ImageRef(name.registry, name.repository, tag=f"sha-{sha}"))
    verify(recorded, resolved.digest, resolved.labels, sha)
    args.out.mkdir(parents=True, exist_ok=True)
    (args.out / "image.json").write_text(json.dumps(asdict(recorded), indent=1) + "\n", encoding="utf-8")
    release = {"tag": args.tag, "version": str(version), "sha": sha, "digest": resolved.digest}
    release |= {"image": name.name, "ci_run_id": run.run_id, "ci_run_url": run.url}
    (args.out / "release.json").write_text(json.dumps(release, indent=1) + "\n", encoding="utf-8")
    if args.github_output:
        with args.github_output.open("a", encoding="utf-8") as out:
            out.write(f"digest={resolved.digest}\nimage={name.name}\nsha={sha}\n")
    print(f"promote: {args.tag} is commit {sha}, built by CI run {run.run_id}: {name.with_digest(resolved.digest)}")
    return 0


def _read_release(path: Path, tag: str, image: str) -> dict:
    """release.json as verify wrote it, for this tag and image; anything else is refused."""
    data = load_json(path, 64 * 1024)
    fields = {"tag": str, "version": str, "sha": str, "digest": str, "image": str, "ci_run_id": int, "ci_run_url": str}
    if not isinstance(data, dict) or any(not isinstance(data.get(k), t) for k, t in fields.items()):
        raise InputError(f"{path}: not a release record written by `promote verify`")
    if data["tag"] != tag or data["image"] != image:
        raise VerificationError(f"{path} is for {data['tag'][:40]} of {data['image'][:100]}, not {tag} of {image}")
    if not SHA_RE.match(data["sha"]) or not DIGEST_RE.match(data["digest"]):
        raise InputError(f"{path}: sha or digest malformed")
    return data


def run_publish(args: argparse.Namespace, env: Mapping[str, str]) -> int:
    version = Version.parse(args.tag)
    name, client = _registry(args.image_name, env)
    release = _read_release(args.out / "release.json", args.tag, name.name)
    digest = release["digest"]
    deploy: Deploy = deploy_from_dict(load_json(args.deploy, 1024 * 1024), where=str(args.deploy))
    if deploy.status != "success" or deploy.digest != digest:
        raise VerificationError(
            f"the smoke deploy of {digest} did not succeed ({deploy.status} on {deploy.digest or 'no digest'}); nothing is tagged"
        )
    media_type, raw = client.manifest_bytes(name, digest)
    existing = client.tags(name)
    if str(version) in existing:
        current = client.digest(ImageRef(name.registry, name.repository, tag=str(version)))
        if current != digest:
            raise VerificationError(f"tag {version} already names {current}; a release tag is never moved")
    moves = plan(version, existing)
    body = render_release(
        moves, name.name, digest, release["sha"], release["ci_run_url"], deploy, attestation=args.attestation
    )
    held = ", ".join(f"{tag} stays on {newer}" for tag, newer in moves.held)
    print(f"promote: {version} → {digest}: tags {', '.join(moves.move)}" + (f"; {held}" if held else ""))
    if args.dry_run:
        print(body)
        return 0
    for tag in moves.move:
        client.put_manifest(name, tag, media_type, raw)
    settings = github_api.Settings.from_env(env)
    repo = github_api.repository(github_api.connect(settings), args.repo)
    published = releases.upsert_release(repo, args.tag, f"{version}", body)
    summary = {**release, "moved": list(moves.move), "held": {tag: str(v) for tag, v in moves.held}}
    summary["release_url"] = published.url
    (args.out / "promotion.json").write_text(json.dumps(summary, indent=1) + "\n", encoding="utf-8")
    print(f"promote: release {'created' if published.created else 'updated'}: {published.url}")
    return 0


def main(argv: list[str] | None = None, env: Mapping[str, str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    env = os.environ if env is None else env
    stage = run_verify if args.stage == "verify" else run_publish
    return one_line(f"python -m scripts.promote {args.stage}", lambda: stage(args, env))


if __name__ == "__main__":
    raise SystemExit(main())
