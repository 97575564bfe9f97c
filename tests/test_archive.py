"""A fork's `docker save` archive, read for what it says of itself (pure: tar files made here)."""

from __future__ import annotations

import hashlib
import io
import json
import tarfile
from pathlib import Path

import pytest

from scripts.deploy.archive import read_archive
from scripts.errors import VerificationError

SHA = "0123456789abcdef0123456789abcdef01234567"


def sha(raw: bytes) -> str:
    return hashlib.sha256(raw).hexdigest()


def make_tar(path: Path, files: dict[str, bytes], links: dict[str, str] | None = None) -> Path:
    with tarfile.open(path, "w") as tar:
        for name, data in files.items():
            info = tarfile.TarInfo(name)
            info.size = len(data)
            tar.addfile(info, io.BytesIO(data))
        for name, target in (links or {}).items():
            info = tarfile.TarInfo(name)
            info.type = tarfile.SYMTYPE
            info.linkname = target
            tar.addfile(info)
    return path


CONFIG = json.dumps({"config": {"Labels": {"org.opencontainers.image.revision": SHA}}}).encode()


def classic(tmp_path: Path, config: bytes = CONFIG, **extra: bytes) -> Path:
    """What Docker 20.10 writes: manifest.json naming <hex>.json."""
    manifest = json.dumps([{"Config": f"{sha(config)}.json", "RepoTags": ["img:tag"], "Layers": []}]).encode()
    return make_tar(tmp_path / "classic.tar", {"manifest.json": manifest, f"{sha(config)}.json": config, **extra})


def oci(tmp_path: Path, config: bytes = CONFIG, index_digest: str | None = None) -> tuple[Path, str]:
    """What Docker 25+ writes: an OCI layout with index.json, plus the same manifest.json."""
    image_manifest = json.dumps({"schemaVersion": 2, "config": {"digest": f"sha256:{sha(config)}"}}).encode()
    index = json.dumps({"manifests": [{"digest": index_digest or f"sha256:{sha(image_manifest)}"}]}).encode()
    files = {
        "index.json": index,
        "manifest.json": json.dumps([{"Config": f"blobs/sha256/{sha(config)}", "RepoTags": ["img:tag"]}]).encode(),
        f"blobs/sha256/{sha(config)}": config,
        f"blobs/sha256/{sha(image_manifest)}": image_manifest,
    }
    return make_tar(tmp_path / "oci.tar", files), f"sha256:{sha(image_manifest)}"


class TestWhatTheArchiveSays:
    def test_classic_layout__config_digest_labels_and_tag(self, tmp_path):
        archive = read_archive(classic(tmp_path))
        assert archive.digests == {f"sha256:{sha(CONFIG)}"}
        assert archive.labels == {"org.opencontainers.image.revision": SHA}
        assert archive.tags == ("img:tag",)

    def test_oci_layout__the_manifest_digest_is_an_id_too(self, tmp_path):
        """The containerd image store (Docker 29's default) reports the manifest digest as the id."""
        path, manifest_digest = oci(tmp_path)
        assert read_archive(path).digests == {f"sha256:{sha(CONFIG)}", manifest_digest}


class TestWhatIsNotBelieved:
    def test_config_that_does_not_hash_to_its_name(self, tmp_path):
        manifest = json.dumps([{"Config": f"{'1' * 64}.json"}]).encode()
        path = make_tar(tmp_path / "x.tar", {"manifest.json": manifest, f"{'1' * 64}.json": CONFIG})
        with pytest.raises(VerificationError, match=f"the config blob does not hash to sha256:{'1' * 64}"):
            read_archive(path)

    def test_index_naming_a_manifest_it_does_not_hold(self, tmp_path):
        path, _ = oci(tmp_path, index_digest="sha256:" + "2" * 64)
        with pytest.raises(
            VerificationError, match=f"index.json names sha256:{'2' * 64}, which the archive does not hold"
        ):
            read_archive(path)

    def test_two_images(self, tmp_path):
        manifest = json.dumps([{"Config": "a.json"}, {"Config": "b.json"}]).encode()
        with pytest.raises(VerificationError, match=r"manifest\.json must describe exactly one image"):
            read_archive(make_tar(tmp_path / "x.tar", {"manifest.json": manifest}))

    def test_manifest_json_that_is_a_symlink(self, tmp_path):
        path = make_tar(tmp_path / "x.tar", {}, links={"manifest.json": "/etc/passwd"})
        with pytest.raises(VerificationError, match=r"manifest\.json is not a regular file in the archive"):
            read_archive(path)

    @pytest.mark.parametrize(
        ("files", "problem"),
        [
            ({"other": b"x"}, "no manifest.json: not a docker save archive"),
            ({"manifest.json": b"[" + b"1" * 5000 + b"]"}, "an integer of more than 4,300 digits"),
            ({"manifest.json": b'[{"Config": "../../etc/passwd"}]'}, "manifest.json names no config blob"),
        ],
    )
    def test_broken_metadata(self, tmp_path, files, problem):
        with pytest.raises(VerificationError, match=problem):
            read_archive(make_tar(tmp_path / "x.tar", files))

    def test_not_a_tar(self, tmp_path):
        path = tmp_path / "x.tar"
        path.write_bytes(b"\0" * 100 + b"not a tar")
        with pytest.raises(VerificationError, match="not a docker save archive"):
            read_archive(path)

    def test_missing(self, tmp_path):
        with pytest.raises(VerificationError, match="missing, empty or over 4,294,967,296 bytes"):
            read_archive(tmp_path / "none.tar")
