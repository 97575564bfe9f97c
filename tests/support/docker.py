"""Small helpers around the real Docker engine, shared by the image tests and the benchmarks."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
from collections.abc import Mapping, Sequence
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
BASE_IMAGE_SCRIPT = ROOT / ".ci" / "base-image"
# What the Dockerfile may see; the same allow-list as .dockerignore, so copies build like the repo.
CONTEXT_FILES = ("Dockerfile", ".dockerignore", "sample_app")


def engine_available() -> bool:
    """True when a Docker engine answers (not just the client being installed)."""
    if shutil.which("docker") is None:
        return False
    probe = subprocess.run(["docker", "info"], capture_output=True, timeout=30, check=False)
    return probe.returncode == 0


FROM_LINE = re.compile(r"^FROM\s+(\S+)", re.M)


def pinned_base() -> str:
    """The base image the Dockerfile names on its (one) FROM line: the only copy of its digest."""
    match = FROM_LINE.search((ROOT / "Dockerfile").read_text())
    if not match:
        raise RuntimeError("Dockerfile has no FROM line")
    return match.group(1)


def with_base(dockerfile: str, base: str) -> str:
    """The Dockerfile's text with its first FROM image replaced by base (the local stand-in)."""
    return FROM_LINE.sub(lambda m: f"FROM {base}", dockerfile, count=1)


def base_image(tag: str | None = None) -> str:
    """The locally built Debian base (cached in the engine), made on first use. Where images can
    be pulled (GitHub's runners), TEST_BASE_IMAGE=pinned uses the Dockerfile's own pinned base, and
    any other value names an image to use instead."""
    pulled = os.environ.get("TEST_BASE_IMAGE")
    if pulled == "pinned":
        pulled = pinned_base()
    if pulled and tag is None:
        if subprocess.run(["docker", "image", "inspect", pulled], capture_output=True, check=False).returncode:
            subprocess.run(["docker", "pull", "--quiet", pulled], capture_output=True, timeout=600, check=True)
        return pulled
    env = {**os.environ, "BASE_IMAGE_TAG": tag} if tag else None
    done = subprocess.run(
        ["bash", str(BASE_IMAGE_SCRIPT)], capture_output=True, text=True, timeout=600, check=False, env=env
    )
    if done.returncode != 0:
        raise RuntimeError(f"{BASE_IMAGE_SCRIPT}: {done.stderr.strip()}")
    return done.stdout.strip().splitlines()[-1]


def copy_context(dest: Path) -> Path:
    """A private copy of the build context, so that a test can edit sources without touching the repo."""
    for name in CONTEXT_FILES:
        src = ROOT / name
        if src.is_dir():
            shutil.copytree(src, dest / name, ignore=shutil.ignore_patterns("__pycache__"))
        else:
            shutil.copy2(src, dest / name)
    return dest


def build(
    context: Path, tag: str, build_args: Mapping[str, str], *, base: str | None = None, no_cache: bool = False
) -> subprocess.CompletedProcess[str]:
    """docker build with no network, as everywhere here; raises with the build log on failure.
    With base, the context's Dockerfile is rewritten to build FROM it (the copy, never the repo's)."""
    if base is not None:
        dockerfile = context / "Dockerfile"
        dockerfile.write_text(with_base(dockerfile.read_text(), base))
    cmd = ["docker", "build", "--network", "none", "--tag", tag]
    for key, value in build_args.items():
        cmd += ["--build-arg", f"{key}={value}"]
    if no_cache:
        cmd.append("--no-cache")
    done = subprocess.run([*cmd, str(context)], capture_output=True, text=True, timeout=900, check=False)
    if done.returncode != 0:
        raise RuntimeError(f"docker build failed:\n{done.stdout}\n{done.stderr}")
    return done


def inspect(ref: str) -> dict:
    done = subprocess.run(["docker", "image", "inspect", ref], capture_output=True, text=True, check=True)
    return json.loads(done.stdout)[0]


def layers(ref: str) -> list[str]:
    return list(inspect(ref)["RootFS"]["Layers"])


def layer_sizes(ref: str) -> list[int]:
    """Sizes of the image's filesystem layers, oldest first (metadata-only steps left out)."""
    done = subprocess.run(
        ["docker", "history", "--no-trunc", "--human=false", "--format", "{{.Size}}\t{{.CreatedBy}}", ref],
        capture_output=True,
        text=True,
        check=True,
    )
    sizes = [int(line.split("\t", 1)[0]) for line in done.stdout.splitlines()]
    return list(reversed(sizes))


def run(image: str, *args: str, options: Sequence[str] = ()) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        ["docker", "run", "--rm", *options, image, *args], capture_output=True, text=True, timeout=120, check=False
    )


def remove(*refs: str) -> None:
    """Untag; --no-prune keeps the parent layers, which a build running at the same time (CI's
    matrix under act runs the suite three times at once) may be using as its cache."""
    subprocess.run(["docker", "image", "rm", "--force", "--no-prune", *refs], capture_output=True, check=False)
