"""scripts.deploy.retention: what a closed PR's clean-up deletes, each history written out."""

from __future__ import annotations

from scripts.deploy.retention import plan_cleanup
from scripts.model import PackageVersion

PR_TAGS = {"branch-feature-x", "sha-" + "1" * 40, "sha-" + "2" * 40}


def d(n: int) -> str:
    return "sha256:" + f"{n:x}" * 64 if n < 16 else "sha256:" + f"{n:064x}"


def v(n: int, *tags: str) -> PackageVersion:
    return PackageVersion(n, d(n), tags)


def ids(cleanup) -> list[int]:
    return [x.id for x in cleanup.delete]


def test_the_prs_own_versions_go_everything_else_stays():
    versions = [
        v(1, "branch-feature-x", "sha-" + "2" * 40),  # the PR's newest push
        v(2, "sha-" + "1" * 40),  # its first commit
        v(3, "latest", "branch-main", "sha-" + "3" * 40),
        v(4, "1.2.0", "1.2", "1", "prod"),
        v(5, "branch-other", "sha-" + "4" * 40),  # another PR
        v(6),  # untagged, nothing deleted names it
    ]
    result = plan_cleanup(versions, pr_tags=PR_TAGS, children={})
    assert ids(result) == [1, 2]
    assert result.kept == ()


def test_a_version_with_any_other_tag_stays_whole_and_says_why():
    """GHCR deletes versions, not tags: a PR commit that main also built to the same digest keeps
    its sha- tag, because latest is on it too."""
    versions = [v(1, "sha-" + "1" * 40, "latest", "branch-main"), v(2, "branch-feature-x", "prod")]
    result = plan_cleanup(versions, pr_tags=PR_TAGS, children={})
    assert ids(result) == []
    assert [(k.id, why) for k, why in result.kept] == [(1, "also tagged branch-main, latest"), (2, "also tagged prod")]


def test_referrers_of_a_deleted_image_go_those_of_a_kept_one_stay():
    versions = [
        v(1, "branch-feature-x"),
        v(2, f"sha256-{'1' * 64}.att"),  # attestation of version 1 (cosign's fallback tag)
        v(3, f"sha256-{'1' * 64}"),  # OCI referrers fallback tag of version 1
        v(4, "latest"),
        v(5, f"sha256-{'4' * 64}.sig"),  # signature of the kept image
        v(6, f"sha256-{'1' * 64}.att", f"sha256-{'4' * 64}.att"),  # names a kept image too
    ]
    result = plan_cleanup(versions, pr_tags=PR_TAGS, children={})
    assert ids(result) == [1, 2, 3]


def test_a_referrer_tag_never_counts_as_the_prs_own():
    """sha256-<hex> of the PR's image is deleted as its referrer, never matched as a PR tag."""
    result = plan_cleanup([v(1, f"sha256-{'1' * 64}")], pr_tags=PR_TAGS | {f"sha256-{'1' * 64}"}, children={})
    assert ids(result) == []


def test_children_of_a_deleted_index_go_unless_something_staying_names_them():
    versions = [v(1, "branch-feature-x"), v(2), v(3), v(4, "latest"), v(5), v(6)]
    children = {d(1): frozenset({d(2), d(3)}), d(4): frozenset({d(3), d(5)})}
    result = plan_cleanup(versions, pr_tags=PR_TAGS, children=children)
    assert ids(result) == [1, 2]  # 3 is also in latest's index; 5 and 6 are not the PR's


def test_children_named_by_an_untagged_staying_version_stay():
    versions = [v(1, "branch-feature-x"), v(2), v(7)]
    children = {d(1): frozenset({d(2)}), d(7): frozenset({d(2)})}
    assert ids(plan_cleanup(versions, pr_tags=PR_TAGS, children=children)) == [1]


def test_children_not_deleted_when_not_every_staying_version_was_read():
    versions = [v(1, "branch-feature-x"), v(2)]
    result = plan_cleanup(versions, pr_tags=PR_TAGS, children={d(1): frozenset({d(2)})}, children_complete=False)
    assert ids(result) == [1]


def test_untagged_versions_are_never_pruned_for_being_untagged():
    versions = [v(1), v(2), v(3, "branch-feature-x")]
    assert ids(plan_cleanup(versions, pr_tags=PR_TAGS, children={})) == [3]


def test_nothing_of_the_prs_left__nothing_to_do():
    result = plan_cleanup([v(1, "latest")], pr_tags=PR_TAGS, children={})
    assert (result.delete, result.kept) == ((), ())
