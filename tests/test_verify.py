"""verify(): the checks before anything runs. Pure, so every mismatch is cheap to test."""

from __future__ import annotations

import pytest

from scripts.deploy.verify import REVISION_LABEL, verify
from scripts.errors import VerificationError
from scripts.model import Image

SHA = "a" * 40
DIGEST = "sha256:" + "b" * 64
RECORD = Image("ghcr.io/octo-org/sample-app", DIGEST, SHA)


def test_verify__all_agree():
    verify(RECORD, DIGEST, {REVISION_LABEL: SHA}, SHA)


@pytest.mark.parametrize(
    ("digest", "labels", "head", "problem"),
    [
        ("sha256:" + "c" * 64, {REVISION_LABEL: SHA}, SHA, "the registry has sha256:ccc"),
        (DIGEST, {}, SHA, "label org.opencontainers.image.revision is 'missing'"),
        (DIGEST, {REVISION_LABEL: "d" * 40}, SHA, "is 'dddddddddddddddddddddddddddddddddddddddd', not aaaaaaaaaaaa"),
        (DIGEST, {REVISION_LABEL: "e" * 40}, "e" * 40, "CI's record is for commit aaaaaaaaaaaa, not eeeeeeeeeeee"),
        (DIGEST, {REVISION_LABEL: SHA}, "main", "is not a 40-character commit sha"),
        ("latest", {REVISION_LABEL: SHA}, SHA, "is not sha256:<64 hex>"),
    ],
)
def test_verify__refuses(digest, labels, head, problem):
    with pytest.raises(VerificationError, match=problem.replace("(", r"\(")):
        verify(RECORD, digest, labels, head)


def test_verify__names_every_mismatch_at_once():
    with pytest.raises(VerificationError, match=r"^the registry has sha256:c{64}, CI recorded .*; label ") as exc:
        verify(RECORD, "sha256:" + "c" * 64, {}, SHA)
    assert str(exc.value).count(";") == 1


class TestExactMessages:
    """Each refusal's whole line, written out: it is what a maintainer reads in the deploy log."""

    def test_every_mismatch_in_one_line(self):
        head = "c" * 40
        long_label = "9" * 50
        with pytest.raises(VerificationError, match=r"^the registry has ") as caught:
            verify(Image("ghcr.io/o/r", DIGEST, "e" * 40), "sha256:" + "f" * 64, {REVISION_LABEL: long_label}, head)
        assert str(caught.value) == (
            f"the registry has sha256:{'f' * 64}, CI recorded {DIGEST}; "
            f"CI's record is for commit eeeeeeeeeeee, not cccccccccccc; "
            f"label org.opencontainers.image.revision is '{'9' * 40}', not cccccccccccc"
        )

    def test_malformed_head_sha_is_shown_cut_to_60(self):
        with pytest.raises(VerificationError, match=r"^head sha ") as caught:
            verify(RECORD, DIGEST, {REVISION_LABEL: SHA}, "x" * 100)
        assert str(caught.value) == f"head sha {'x' * 60!r} is not a 40-character commit sha"

    def test_malformed_digest_is_shown_cut_to_80(self):
        with pytest.raises(VerificationError, match=r"^registry digest ") as caught:
            verify(RECORD, "y" * 100, {REVISION_LABEL: SHA}, SHA)
        assert str(caught.value) == f"registry digest {'y' * 80!r} is not sha256:<64 hex>"
