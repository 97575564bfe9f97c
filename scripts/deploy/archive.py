"""A `docker save` archive, read for what it says of itself: which image it holds, by digest.

Pure: a tar file in, facts out; nothing is loaded or run. The archive is a fork's (the attacker's)
file, so only what hashes to its own name is believed: the config blob must hash to the digest its
file name gives, and each manifest the OCI index names must hash to that digest and point at the
same config. The digests that remain are the only ones an engine may report after loading it:
the config digest (the classic image store's id) or the manifest digest (containerd's).

Both layouts are read: the classic one (`manifest.json` naming `<hex>.json`) and the OCI one that
Docker 25 and later write (`index.json`, `blobs/sha256/<hex>`, and the same `manifest.json`).
"""

from __future__ import annotations

import hashlib
import re
import tarfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from scripts.errors import InputError, VerificationError
from scripts.model import DIGEST_RE
from scripts.untrusted import loads

MAX_ARCHIVE = 4 * 1024**3
MAX_METADATA = 8 * 1024 * 1024  # manifest.json, index.json, a manifest or a config blob
_CONFIG_NAME = re.compile(r"(?:blobs/sha256/)?([0-9a-f]{64})(?:\.json)?\Z")


@dataclass(frozen=True)
class Archive:
    config_digest: str
    manifest_digests: frozenset[str]
    labels: dict[str, str]
    tags: tuple[str, ...]

    @property
    def digests(self) -> frozenset[str]:
        """Every id an engine may give the image after `docker load`."""
        return frozenset({self.config_digest, *self.manifest_digests})


def _member(tar: tarfile.TarFile, name: str, path: Path) -> bytes | None:
    try:
        info = tar.getmember(name)
    except KeyError:
        return None
    if not info.isfile():
        raise VerificationError(f"{path}: {name} is not a regular file in the archive")
    if info.size > MAX_METADATA:
        raise VerificationError(f"{path}: {name} is over {MAX_METADATA:,} bytes")
    stream = tar.extractfile(info)
    return stream.read(MAX_METADATA + 1) if stream else None


def _json(raw: bytes, name: str, path: Path) -> Any:
    try:
        return loads(raw, f"{path}: {name}")
    except InputError as exc:
        raise VerificationError(str(exc)) from None


def _digest(raw: bytes) -> str:
    return "sha256:" + hashlib.sha256(raw).hexdigest()


def read_archive(path: Path) -> Archive:
    """The image a `docker save` archive holds; VerificationError when it cannot be believed."""
    size = path.stat().st_size if path.is_file() else -1
    if not 0 < size <= MAX_ARCHIVE:
        raise VerificationError(f"{path}: missing, empty or over {MAX_ARCHIVE:,} bytes")
    try:
        with tarfile.open(path, "r:") as tar:
            return _read(tar, path)
    except tarfile.TarError as exc:
        raise VerificationError(f"{path}: not a docker save archive ({exc})") from None


def _read(tar: tarfile.TarFile, path: Path) -> Archive:
    raw = _member(tar, "manifest.json", path)
    if raw is None:
        raise VerificationError(f"{path}: no manifest.json: not a docker save archive")
    entries = _json(raw, "manifest.json", path)
    if not isinstance(entries, list) or len(entries) != 1 or not isinstance(entries[0], dict):
        raise VerificationError(f"{path}: manifest.json must describe exactly one image")
    entry = entries[0]
    config_name = entry.get("Config")
    match = _CONFIG_NAME.match(config_name) if isinstance(config_name, str) else None
    if not match:
        raise VerificationError(f"{path}: manifest.json names no config blob")
    config_digest = f"sha256:{match.group(1)}"
    config_raw = _member(tar, config_name, path)
    if config_raw is None or _digest(config_raw) != config_digest:
        raise VerificationError(f"{path}: the config blob does not hash to {config_digest}")
    config = _json(config_raw, config_name, path)
    inner = config.get("config") if isinstance(config, dict) else None
    labels = (inner.get("Labels") if isinstance(inner, dict) else None) or {}
    if not isinstance(labels, dict):
        raise VerificationError(f"{path}: the image's Labels are not a JSON object")
    tags = entry.get("RepoTags") or []
    tags = tuple(t for t in tags if isinstance(t, str)) if isinstance(tags, list) else ()
    return Archive(
        config_digest=config_digest,
        manifest_digests=frozenset(_manifests(tar, path, config_digest)),
        labels={str(k): str(v) for k, v in labels.items()},
        tags=tags,
    )


def _manifests(tar: tarfile.TarFile, path: Path, config_digest: str) -> set[str]:
    """Digests of the OCI index's manifests that hash right and use this config."""
    raw = _member(tar, "index.json", path)
    if raw is None:
        return set()
    index = _json(raw, "index.json", path)
    entries = index.get("manifests") if isinstance(index, dict) else None
    found = set()
    for item in entries if isinstance(entries, list) else []:
        digest = item.get("digest") if isinstance(item, dict) else None
        if not isinstance(digest, str) or not DIGEST_RE.match(digest):
            continue
        blob = _member(tar, f"blobs/sha256/{digest.removeprefix('sha256:')}", path)
        if blob is None or _digest(blob) != digest:
            raise VerificationError(f"{path}: index.json names {digest}, which the archive does not hold as such")
        manifest = _json(blob, digest, path)
        config = manifest.get("config") if isinstance(manifest, dict) else None
        if isinstance(config, dict) and config.get("digest") == config_digest:
            found.add(digest)
    return found
