"""Release versions and the tags a promotion moves: X.Y.Z, X.Y, X and prod, never backwards. Pure.

The registry's X.Y.Z tags are the record of what was released. A floating tag (X.Y, X, prod)
moves to a new release only when no released version it covers is newer: tagging v1.1.9 after
v1.2.0 publishes 1.1.9 and 1.1 but leaves 1 and prod on 1.2.0. A release tag itself is immutable:
once X.Y.Z names a digest it never names another.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass

from scripts.errors import InputError

# No pre-release or build suffix: a release candidate has no business moving prod.
_RELEASE = re.compile(r"(0|[1-9][0-9]{0,8})\.(0|[1-9][0-9]{0,8})\.(0|[1-9][0-9]{0,8})\Z")
PROD = "prod"


@dataclass(frozen=True, order=True)
class Version:
    major: int
    minor: int
    patch: int

    @classmethod
    def parse(cls, text: str) -> Version:
        """A git tag vX.Y.Z (the v is required: it is what release.yml triggers on)."""
        match = _RELEASE.match(text[1:]) if text.startswith("v") else None
        if match is None:
            raise InputError(f"{text[:60]!r} is not a release tag vX.Y.Z (digits only, no pre-release suffix)")
        return cls(*(int(part) for part in match.groups()))

    @classmethod
    def from_image_tag(cls, tag: str) -> Version | None:
        """X.Y.Z as the registry holds it, else None (branch-…, sha-…, 1.2, latest, …)."""
        match = _RELEASE.match(tag)
        return cls(*(int(part) for part in match.groups())) if match else None

    def __str__(self) -> str:
        return f"{self.major}.{self.minor}.{self.patch}"


@dataclass(frozen=True)
class Plan:
    version: Version
    move: tuple[str, ...]  # tags to point at the release's digest, X.Y.Z first
    held: tuple[tuple[str, Version], ...]  # floating tags left where they are, and the newer release that holds each


def plan(version: Version, image_tags: Iterable[str]) -> Plan:
    """Which tags this release moves, given every tag the repository has now."""
    released = {v for tag in image_tags if (v := Version.from_image_tag(tag)) is not None}
    floating = (
        (f"{version.major}.{version.minor}", lambda v: (v.major, v.minor) == (version.major, version.minor)),
        (f"{version.major}", lambda v: v.major == version.major),
        (PROD, lambda v: True),
    )
    move = [str(version)]
    held = []
    for tag, covers in floating:
        newer = max((v for v in released if covers(v) and v > version), default=None)
        if newer is None:
            move.append(tag)
        else:
            held.append((tag, newer))
    return Plan(version, tuple(move), tuple(held))
