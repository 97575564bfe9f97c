"""Which package versions a closed pull request leaves behind, and may go. Pure.

A version (one digest, all its tags) goes when every tag it has is the PR's own: its branch-<head>
tag or sha-<commit> of one of its commits. Anything else on it (latest, branch-main, a release's
X.Y.Z, X.Y, X, prod, another branch's tag, another commit's sha-) keeps the whole version, and
the branch tag with it: GHCR deletes versions, not tags. What hangs off a deleted image goes
with it: referrer tags (sha256-<hex>, sha256-<hex>.att/.sig/.sbom, as cosign and ORAS name
attestations and signatures) of its digest, and the untagged platform and attestation manifests
of its index, unless a kept index names them too. Untagged versions nothing deleted refers to
are never touched: pruning "untagged" is how attested images get broken.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from scripts.model import PackageVersion

_REFERRER_TAG = re.compile(r"sha256-([0-9a-f]{64})(?:\.[a-z0-9]{1,20})?\Z")


@dataclass(frozen=True)
class Cleanup:
    delete: tuple[PackageVersion, ...]
    kept: tuple[tuple[PackageVersion, str], ...]  # versions carrying a PR tag that stay, and why


def plan_cleanup(
    versions: Iterable[PackageVersion],
    *,
    pr_tags: set[str],
    children: Mapping[str, frozenset[str]],
    children_complete: bool = True,
) -> Cleanup:
    """pr_tags: the tags only this PR's runs made (branch-<head>, sha-<each commit>; the caller
    leaves out a branch tag another open PR still uses). children: digest -> the digests an
    index names, for every version the caller read; children_complete says it read every version
    that stays. When it did not, no child is deleted: one that a version not read names would be
    lost."""
    versions = list(versions)
    own = [v for v in versions if v.tags and not any(_REFERRER_TAG.match(t) for t in v.tags)]
    doomed = {v.digest: v for v in own if set(v.tags) <= pr_tags}
    kept = tuple(
        (v, "also tagged " + ", ".join(sorted(set(v.tags) - pr_tags)[:5]))
        for v in own
        if v.digest not in doomed and set(v.tags) & pr_tags
    )
    # Referrers (attestations, signatures) of a deleted image, by their fallback tags.
    for v in versions:
        targets = {m.group(1) for t in v.tags if (m := _REFERRER_TAG.match(t))}
        if targets and len(targets) == len(v.tags) and all(f"sha256:{t}" in doomed for t in targets):
            doomed.setdefault(v.digest, v)
    # Children of deleted indexes, unless anything that stays names them.
    staying = {v.digest for v in versions if v.digest not in doomed}
    named_by_staying = set().union(*(children.get(d, frozenset()) for d in staying)) if staying else set()
    orphans = set().union(*(children.get(d, frozenset()) for d in list(doomed))) if doomed else set()
    for v in versions:
        if children_complete and not v.tags and v.digest in orphans and v.digest not in named_by_staying:
            doomed.setdefault(v.digest, v)
    order = {v.digest: i for i, v in enumerate(versions)}
    return Cleanup(tuple(sorted(doomed.values(), key=lambda v: order[v.digest])), kept)
