"""scripts.deploy.versions: which tags a release moves, written out by hand for each history."""

from __future__ import annotations

import pytest

from scripts.deploy.versions import Version, plan
from scripts.errors import InputError


class TestParse:
    @pytest.mark.parametrize(
        ("tag", "parts"),
        [
            ("v1.2.0", (1, 2, 0)),
            ("v0.0.1", (0, 0, 1)),
            ("v10.20.30", (10, 20, 30)),
            ("v1.0.999999999", (1, 0, 999999999)),
        ],
    )
    def test_release_tags(self, tag, parts):
        assert Version.parse(tag) == Version(*parts)
        assert str(Version.parse(tag)) == tag[1:]

    @pytest.mark.parametrize(
        "tag",
        [
            "1.2.0",  # the git tag carries the v release.yml triggers on
            "v1.2",
            "v1.2.0.1",
            "v1.2.0-rc.1",  # a release candidate never moves prod
            "v1.2.0+build.5",
            "v01.2.0",  # semver: no leading zeros
            "v1.02.0",
            "v1.2.00",
            "V1.2.0",
            "v1.2.0\n",
            "v\uff11.2.0",  # a full-width digit is a digit to str.isdigit, not to us
            "v1234567890.0.0",
            "",
        ],
    )
    def test_everything_else_is_refused_in_one_line(self, tag):
        with pytest.raises(InputError, match=r"is not a release tag vX\.Y\.Z \(digits only, no pre-release suffix\)$"):
            Version.parse(tag)

    def test_image_tags(self):
        assert Version.from_image_tag("1.2.0") == Version(1, 2, 0)
        for other in ("v1.2.0", "1.2", "1", "prod", "latest", "sha-" + "a" * 40, "branch-1.2.0", "1.2.0-rc.1"):
            assert Version.from_image_tag(other) is None

    def test_order_is_numeric(self):
        assert Version(1, 10, 0) > Version(1, 9, 9)
        assert Version(2, 0, 0) > Version(1, 99, 99)


class TestPlan:
    def test_first_release_moves_all_four(self):
        result = plan(Version(1, 2, 0), ["latest", "sha-" + "a" * 40, "branch-main"])
        assert result.move == ("1.2.0", "1.2", "1", "prod")
        assert result.held == ()

    def test_newer_patch_moves_all_four(self):
        result = plan(Version(1, 2, 1), ["1.2.0", "1.2", "1", "prod"])
        assert result.move == ("1.2.1", "1.2", "1", "prod")

    def test_older_patch_after_a_newer_minor_moves_only_its_own_line(self):
        """The issue's case: v1.2.0, then v1.1.9. 1.1 moves; 1 and prod stay on 1.2.0."""
        result = plan(Version(1, 1, 9), ["1.2.0", "1.2", "1", "prod", "1.1.8", "1.1"])
        assert result.move == ("1.1.9", "1.1")
        assert result.held == (("1", Version(1, 2, 0)), ("prod", Version(1, 2, 0)))

    def test_a_fix_of_an_old_major_never_takes_prod(self):
        result = plan(Version(1, 4, 2), ["2.0.0", "1.4.1", "1.5.0"])
        assert result.move == ("1.4.2", "1.4")
        assert result.held == (("1", Version(1, 5, 0)), ("prod", Version(2, 0, 0)))

    def test_rerun_of_the_newest_release_moves_the_same_tags(self):
        """A rerun of release.yml for 1.2.0 (its own tag already there) is idempotent."""
        result = plan(Version(1, 2, 0), ["1.2.0", "1.2", "1", "prod", "1.1.0"])
        assert result.move == ("1.2.0", "1.2", "1", "prod")

    def test_numeric_not_lexical(self):
        """1.10.0 is newer than 1.9.0, although "1.10.0" < "1.9.0" as strings."""
        result = plan(Version(1, 9, 1), ["1.10.0"])
        assert result.held == (("1", Version(1, 10, 0)), ("prod", Version(1, 10, 0)))

    def test_tags_that_look_like_versions_but_are_not_do_not_hold_anything(self):
        result = plan(Version(1, 0, 0), ["9.9.9-rc.1", "v9.9.9", "9.9", "branch-9.9.9"])
        assert result.move == ("1.0.0", "1.0", "1", "prod")
