"""Remove the images a closed pull request left in GHCR: its branch tag and its commits' sha tags.

    python -m scripts.cleanup --repo O/N --image-name ghcr.io/o/n --pr 7 [--dry-run]
    python -m scripts.cleanup --repo O/N --image-name ghcr.io/o/n --closed-within-days 8 [--dry-run]

A version (digest) is deleted when all its tags are the closed PR's own (branch-<head>,
sha-<commit>), never when main, a release, prod or an open PR's head still names it; the
attestations and untagged platform manifests of a deleted image go with it, those of a kept one
stay (scripts.deploy.retention). An open PR is refused; a fork's PR pushed nothing. --dry-run lists
what would go. Versions through GitHub's Packages API (GITHUB_TOKEN, or PACKAGES_TOKEN when set:
a classic PAT with delete:packages where GITHUB_TOKEN may not delete); indexes read through the
registry (REGISTRY_USERNAME / REGISTRY_PASSWORD).
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
from collections.abc import Mapping
from dataclasses import replace

from scripts.deploy.registry import ImageRef, RegistryClient
from scripts.deploy.retention import Cleanup, plan_cleanup
from scripts.errors import ApiError, InputError, Notice, VerificationError, one_line
from scripts.github import github_api, pull_images
from scripts.github.packages import PackagesClient
from scripts.image_tags import branch_tag
from scripts.model import PackageVersion

MAX_MANIFEST_READS = 300  # beyond this many versions, children are left alone (and it is said)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m scripts.cleanup", description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--repo", required=True, help="OWNER/NAME (github.repository)")
    parser.add_argument("--image-name", required=True, help="REGISTRY/OWNER/NAME of the package")
    which = parser.add_mutually_exclusive_group(required=True)
    which.add_argument("--pr", type=int, help="the closed pull request (pull_request: closed)")
    which.add_argument("--closed-within-days", type=int, help="every PR closed in the last N days (the weekly sweep)")
    parser.add_argument("--dry-run", action="store_true", help="list what would be deleted; delete nothing")
    return parser


def _pr_tags(closed: list[pull_images.PullImages], still_open: list[pull_images.PullImages], repo: str) -> set[str]:
    """Tags only these closed PRs made: a fork's PR pushed nothing, and whatever an open PR's
    head uses (its branch tag, its head commit) stays."""
    own = [pr for pr in closed if pr.head_repo.lower() == repo.lower()]
    tags = {branch_tag(pr.head_branch) for pr in own} | {f"sha-{c}" for pr in own for c in pr.commits}
    in_use = {branch_tag(pr.head_branch) for pr in still_open} | {f"sha-{c}" for pr in still_open for c in pr.commits}
    return tags - in_use


def _children(client: RegistryClient, ref: ImageRef, versions: list[PackageVersion]) -> tuple[dict, bool]:
    """digest -> what its index names, for every version when there are few enough to read."""
    if len(versions) > MAX_MANIFEST_READS:
        return {}, False
    found, complete = {}, True
    for version in versions:
        try:
            found[version.digest] = client.children(ref, version.digest)
        except ApiError:
            complete = False  # a version the registry will not show: its children are unknown
    return found, complete


def _report(plan: Cleanup, dry_run: bool) -> None:
    verb = "would delete" if dry_run else "deleting"
    for version in plan.delete:
        print(f"cleanup: {verb} version {version.id} {version.digest} [{', '.join(version.tags) or 'untagged'}]")
    for version, why in plan.kept:
        print(f"cleanup: keeping version {version.id} {version.digest} [{', '.join(version.tags)}]: {why}")


def run(args: argparse.Namespace, env: Mapping[str, str]) -> int:
    settings = github_api.Settings.from_env(env)
    repo = github_api.repository(github_api.connect(settings), args.repo)
    image = ImageRef.parse(args.image_name)
    owner, _, package = image.repository.partition("/")
    if image.tag or image.digest or owner != args.repo.split("/")[0].lower() or not package:
        raise InputError(f"--image-name {args.image_name[:100]!r}: REGISTRY/{args.repo.lower()} without tag or digest")
    if args.pr is not None:
        closed = [pull_images.pull_images(repo, args.pr)]
        if not closed[0].closed:
            raise VerificationError(f"pull request #{args.pr} is open: its images are still in use")
        if closed[0].head_repo.lower() != args.repo.lower():
            raise Notice(f"pull request #{args.pr} came from a fork, whose runs push nothing: nothing to clean up")
    else:
        since = dt.datetime.now(dt.timezone.utc) - dt.timedelta(days=args.closed_within_days)
        closed = pull_images.closed_since(repo, since)
    pr_tags = _pr_tags(closed, pull_images.open_pulls(repo), args.repo)
    token = env.get("PACKAGES_TOKEN") or settings.token
    organization = github_api.owner_is_organization(repo)
    packages = PackagesClient(replace(settings, token=token), owner, package, organization=organization)
    versions = packages.versions()
    registry = RegistryClient.from_env(image.registry, env)
    children, complete = _children(registry, image, versions)
    plan = plan_cleanup(versions, pr_tags=pr_tags, children=children, children_complete=complete)
    _report(plan, args.dry_run)
    if not complete:
        print("cleanup: not every version's manifest was read; untagged manifests are left alone")
    if not args.dry_run:
        for version in plan.delete:
            packages.delete(version)
    done = "would delete" if args.dry_run else "deleted"
    print(f"cleanup: {done} {len(plan.delete)} of {len(versions)} versions ({len(closed)} closed PR(s))")
    return 0


def main(argv: list[str] | None = None, env: Mapping[str, str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    if args.closed_within_days is not None and not 1 <= args.closed_within_days <= 400:
        build_parser().error("--closed-within-days takes 1 to 400")
    return one_line("python -m scripts.cleanup", lambda: run(args, os.environ if env is None else env))


if __name__ == "__main__":
    raise SystemExit(main())
