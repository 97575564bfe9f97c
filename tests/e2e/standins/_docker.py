"""setup-buildx, login, metadata and build-push: the real Docker engine and the local registry."""

from __future__ import annotations

import json
import os
import re
import time
import urllib.error
import urllib.request
from pathlib import Path

from _common import ENV, event, fail, flag, inp, lines, output, set_env, sh


def setup_buildx() -> None:
    sh("docker", "version", "--format", "{{.Server.Version}}")
    output(
        name="local",
        driver="docker",
        platforms="linux/amd64",
        nodes="[]",
        endpoint="default",
        status="running",
        flags="",
    )


def login() -> None:
    registry = inp("registry")
    if not (inp("username") and inp("password")):
        fail("Username and password required")
    sh("docker", "login", "--username", inp("username"), "--password-stdin", registry, input=inp("password"))


def sanitize_tag(value: str) -> str:
    """metadata-action's only clean-up (src/meta.ts:654-660): every run of characters outside
    [a-zA-Z0-9._-] becomes one "-". No lower-casing, no 128-character limit, no fix for a
    leading "." or "-": a stand-in must not be kinder than that."""
    return re.sub(r"[^a-zA-Z0-9._-]+", "-", value)


def repository_data() -> dict:
    """metadata-action always asks GET /repos/{owner}/{repo} with its github-token input, outside
    any try/catch (src/main.ts:14-16): when the API refuses, the step fails, and so must this."""
    api = ENV.get("GITHUB_API_URL", "https://api.github.com")
    if not api.startswith(("http://", "https://")):
        fail(f"GITHUB_API_URL is not an http(s) URL: {api[:100]}")
    request = urllib.request.Request(  # noqa: S310 - the scheme is checked just above
        f"{api}/repos/{ENV.get('GITHUB_REPOSITORY', '')}",
        headers={"Authorization": f"token {inp('github-token')}", "Accept": "application/vnd.github+json"},
    )
    opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
    try:
        with opener.open(request, timeout=30) as response:
            return json.load(response)
    except urllib.error.HTTPError as exc:
        fail(f"HttpError: {exc.code} {exc.reason}")
    except (OSError, ValueError) as exc:
        fail(f"request to the GitHub API failed: {exc}")
    raise AssertionError("unreachable")


def metadata() -> None:
    repo_data = repository_data()
    ev = event()
    event_name = ENV.get("GITHUB_EVENT_NAME", "")
    ref = ENV.get("GITHUB_REF", "")
    sha = ENV.get("GITHUB_SHA", "")
    head_sha = ev.get("pull_request", {}).get("head", {}).get("sha")
    if (
        re.search("true", ENV.get("DOCKER_METADATA_PR_HEAD_SHA", ""), re.I)
        and "pull_request" in event_name
        and head_sha
    ):
        sha = head_sha
    default_branch = ev.get("repository", {}).get("default_branch")
    always = any(name in event_name for name in ("create", "discussion", "issues", "schedule"))
    is_default = always or (ref.startswith("refs/heads/") and ref.removeprefix("refs/heads/") == default_branch)
    images = [i.lower() for i in lines("images")]
    tags: list[str] = []
    for rule in [r.strip() for r in inp("tags").splitlines() if r.strip()]:
        attrs = dict(part.split("=", 1) for part in rule.split(",") if "=" in part)
        enable = attrs.get("enable", "true").replace("{{is_default_branch}}", str(is_default).lower())
        if enable not in ("true", "false"):
            fail(f"Invalid value for enable attribute: {enable}")
        if enable != "true":
            continue
        prefix, suffix = attrs.get("prefix", ""), attrs.get("suffix", "")
        kind = attrs.get("type")
        value = None
        if kind == "ref" and attrs.get("event") == "branch" and ref.startswith("refs/heads/"):
            value = ref.removeprefix("refs/heads/")
        elif kind == "ref" and attrs.get("event") == "pr" and ref.startswith("refs/pull/"):
            value = "pr-" + ref.split("/")[2]
        elif kind == "sha":
            value = sha if attrs.get("format") == "long" else sha[:7]
        elif kind == "raw":
            value = attrs.get("value", "")
        if value:
            tag = sanitize_tag(prefix + value + suffix)
            if tag not in tags:
                tags.append(tag)
    if not tags:
        print("::warning::No Docker tag has been generated. Check tags input.")
    version = tags[0] if tags else ""
    # From the API answer, as the real action does (src/meta.ts:540-566).
    labels = {
        "org.opencontainers.image.created": time.strftime("%Y-%m-%dT%H:%M:%S.000Z", time.gmtime()),
        "org.opencontainers.image.description": repo_data.get("description") or "",
        "org.opencontainers.image.licenses": (repo_data.get("license") or {}).get("spdx_id") or "",
        "org.opencontainers.image.revision": sha,
        "org.opencontainers.image.source": repo_data.get("html_url") or "",
        "org.opencontainers.image.title": repo_data.get("name") or "",
        "org.opencontainers.image.url": repo_data.get("html_url") or "",
        "org.opencontainers.image.version": version,
    }
    full = [f"{image}:{tag}" for image in images for tag in tags]
    label_lines = [f"{k}={v}" for k, v in labels.items()]
    values = {
        "version": version,
        "tags": "\n".join(full),
        "tag-names": "\n".join(tags),
        "labels": "\n".join(label_lines),
        "annotations": "\n".join(f"manifest:{line}" for line in label_lines),
        "json": json.dumps({"tags": full, "labels": labels}),
        "bake-file-tags": "",
        "bake-file-labels": "",
        "bake-file-annotations": "",
        "bake-file": "",
    }
    output(**values)
    # Like the real action (DOCKER_METADATA_SET_OUTPUT_ENV unset): every output also as an env var.
    if ENV.get("DOCKER_METADATA_SET_OUTPUT_ENV", "true").lower() != "false":
        set_env(**{f"DOCKER_METADATA_OUTPUT_{k.upper().replace('-', '_')}": v for k, v in values.items()})


def build_push() -> None:
    context = inp("context") or "."
    cmd = ["docker", "build", "--network", "none"]
    dockerfile = Path(inp("file") or Path(context) / "Dockerfile")
    text = dockerfile.read_text()
    base = ENV.get("E2E_BASE_IMAGE")
    if base:  # no image can be pulled here: the FROM line's image becomes the local base
        text = re.sub(r"^FROM\s+\S+", f"FROM {base}", text, count=1, flags=re.M)
    cmd += ["--file", "-"]
    args = [a for a in inp("build-args").splitlines() if a.strip()]
    for arg in args:
        cmd += ["--build-arg", arg.strip()]
    for label in [x for x in inp("labels").splitlines() if x.strip()]:
        cmd += ["--label", label.strip()]
    tags = [t for t in inp("tags").splitlines() if t.strip()]
    for tag in tags:
        cmd += ["--tag", tag.strip()]
    if flag("no-cache"):
        cmd.append("--no-cache")
    iidfile = Path(ENV["RUNNER_TEMP"]) / f"iid-{os.getpid()}"
    cmd += ["--iidfile", str(iidfile), context]
    sh(*cmd, capture=False, input=text)
    image_id = iidfile.read_text().strip()
    digest = ""
    if flag("push"):
        for tag in tags:
            pushed = sh("docker", "push", tag)
            found = re.findall(r"digest: (sha256:[0-9a-f]{64})", pushed)
            digest = found[-1] if found else digest
        if inp("provenance") or inp("sbom"):
            print(
                f"note: provenance={inp('provenance')!r} sbom={inp('sbom')!r} need BuildKit; the legacy builder here records none"
            )
    for out in [o for o in inp("outputs").splitlines() if o.strip()]:
        attrs = dict(part.split("=", 1) for part in out.split(","))
        if attrs.get("type") == "docker" and attrs.get("dest"):
            sh("docker", "save", "--output", attrs["dest"], tags[0] if tags else image_id)
    metadata_json = {"containerimage.config.digest": image_id, "image.name": ",".join(tags)}
    if digest:
        metadata_json["containerimage.digest"] = digest
    output(imageid=image_id, digest=digest, metadata=json.dumps(metadata_json))
