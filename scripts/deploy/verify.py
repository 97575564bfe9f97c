"""Before CD runs anything: is it exactly what CI built for this commit? Pure; raises or returns."""

from __future__ import annotations

from scripts.errors import VerificationError
from scripts.model import DIGEST_RE, SHA_RE, Image

REVISION_LABEL = "org.opencontainers.image.revision"


def verify(recorded: Image, registry_digest: str, labels: dict[str, str], head_sha: str) -> None:
    """The registry's digest must equal CI's record, and the image must say it was built from head_sha.

    A mutable tag may have moved since CI pushed it (a later push, or someone else's); a record
    may have been forged. Only when both agree with each other and with the commit that
    workflow_run names is the image run."""
    if not SHA_RE.match(head_sha):
        raise VerificationError(f"head sha {head_sha[:60]!r} is not a 40-character commit sha")
    if not DIGEST_RE.match(registry_digest):
        raise VerificationError(f"registry digest {registry_digest[:80]!r} is not sha256:<64 hex>")
    problems = []
    if recorded.digest != registry_digest:
        problems.append(f"the registry has {registry_digest}, CI recorded {recorded.digest}")
    if recorded.head_sha != head_sha:
        problems.append(f"CI's record is for commit {recorded.head_sha[:12]}, not {head_sha[:12]}")
    revision = labels.get(REVISION_LABEL, "")
    if revision != head_sha:
        problems.append(f"label {REVISION_LABEL} is {revision[:40] or 'missing'!r}, not {head_sha[:12]}")
    if problems:
        raise VerificationError("; ".join(problems))
