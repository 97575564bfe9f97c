"""upload-artifact v7.0.0 and download-artifact v8.0.1, locally: a folder per artifact per run under
$E2E_ARTIFACTS/runs/<run id>/, laid out exactly as the real actions lay out files.

The rules reproduced (sources in ../shared/stand-ins.md, sections 1, 2 and 6):
- upload: the root stripped from each path is the search path itself for one search path (its
  parent when it names a single file), else the least common ancestor of the search paths; hidden
  names (a leading ".", the search root included) are skipped unless include-hidden-files; empty
  directories never appear; one file name with " : < > | * ? CR LF fails the whole upload; a
  name already used in the run is a 409 unless overwrite.
- download: no sub-folder when `name` is given, or merge-multiple, or exactly one artifact is
  selected; a sub-folder per artifact otherwise. `name` that matches nothing fails with the
  toolkit's message; a `pattern` that matches nothing downloads nothing, creates nothing and
  succeeds. run-id and repository count only with a github-token.
"""

from __future__ import annotations

import fnmatch
import hashlib
import os
import re
import shutil
from pathlib import Path

from _common import ENV, fail, flag, inp, output, workspace

FORBIDDEN_NAME = '"', ":", "<", ">", "|", "*", "?", "\r", "\n", "\\", "/"
FORBIDDEN_PATH = FORBIDDEN_NAME[:-2]
_GLOB = re.compile(r"[*?\[{]")
NOT_FOUND_HINT = (
    "\n        Please ensure that your artifact is not expired and the artifact was uploaded using a compatible"
    " version of toolkit/upload-artifact.\n        For more information, visit the GitHub Artifacts FAQ:"
    " https://github.com/actions/toolkit/blob/main/packages/artifact/docs/faq.md"
)


def runs_root() -> Path:
    return Path(ENV["E2E_ARTIFACTS"]) / "runs"


def artifact_url(run: str, artifact_id: int) -> str:
    server = ENV.get("GITHUB_SERVER_URL", "https://github.com")
    return f"{server}/{ENV.get('GITHUB_REPOSITORY', '')}/actions/runs/{run}/artifacts/{artifact_id}"


# ---- upload ---------------------------------------------------------------------------------------
def search_path(pattern: Path) -> Path:
    """The literal part of a pattern before its first segment with a wildcard."""
    parts = pattern.parts
    for i, part in enumerate(parts):
        if _GLOB.search(part):
            return Path(*parts[:i]) if i else Path(parts[0])
    return pattern


def _segment(part: str) -> str:
    """One path segment of a glob as a regex: * and ? never cross a "/"."""
    out, i = "", 0
    while i < len(part):
        char = part[i]
        end = part.find("]", i + 1) if char == "[" else -1
        if char == "*":
            out += "[^/]*"
        elif char == "?":
            out += "[^/]"
        elif end > i:
            body = part[i + 1 : end]
            out += "[" + ("^" + body[1:] if body.startswith("!") else body) + "]"
            i = end
        else:
            out += re.escape(char)
        i += 1
    return out


def _matches(pattern: Path, path: Path) -> bool:
    """@actions/glob's match: * within a segment, ** across segments; a directory that matches
    brings everything below it (implicit descendants)."""
    regex = "/".join(".*" if part == "**" else _segment(part) for part in str(pattern).split("/"))
    return re.fullmatch(regex + "(?:/.*)?", str(path)) is not None


def find_files(patterns: list[str], base: Path, hidden: bool) -> tuple[list[Path], list[Path]]:
    """(files, search paths): the files the patterns select, following symlinks, hidden names
    skipped unless asked for (the search root's own name included), directories left out."""
    includes = [p for p in patterns if not p.startswith("!")]
    excludes = [base / Path(p[1:]).expanduser() for p in patterns if p.startswith("!")]
    files: dict[Path, None] = {}
    searches: list[Path] = []
    for raw in includes:
        pattern = Path(raw).expanduser()
        pattern = pattern if pattern.is_absolute() else base / pattern
        pattern = Path(os.path.normpath(pattern))
        root = search_path(pattern)
        searches.append(root)
        if not root.exists() or (not hidden and root.name.startswith(".")):
            continue
        candidates = [root] if root.is_file() else []
        for folder, dirs, names in os.walk(root, followlinks=True):
            if not hidden:
                dirs[:] = [d for d in dirs if not d.startswith(".")]
                names = [n for n in names if not n.startswith(".")]
            candidates += [Path(folder) / n for n in sorted(names)]
        for candidate in candidates:
            if (
                candidate.is_file()
                and _matches(pattern, candidate)
                and not any(_matches(x, candidate) for x in excludes)
            ):
                files[candidate] = None  # a broken symlink is not a file: dropped silently
    return list(files), searches


def upload_root(files: list[Path], searches: list[Path]) -> Path:
    """The prefix stripped from every file's path inside the artifact."""
    unique = sorted(set(searches), key=lambda p: len(p.parts))
    kept = [p for p in unique if not any(q != p and p.is_relative_to(q) for q in unique)]
    if len(kept) == 1:
        only = kept[0]
        return only.parent if len(files) == 1 and files[0] == only else only
    return Path(os.path.commonpath([str(p) for p in kept]))


def upload_artifact() -> None:
    name = inp("name", "artifact")
    bad = next((c for c in FORBIDDEN_NAME if c in name), None)
    if not name or bad:
        fail(f"The artifact name is not valid: {name}. Contains the following character: {bad!r}")
    patterns = [p.strip() for p in inp("path").splitlines() if p.strip() and not p.strip().startswith("#")]
    files, searches = find_files(patterns, workspace(), flag("include-hidden-files"))
    if not files:
        behaviour = inp("if-no-files-found", "warn")
        message = f"No files were found with the provided path: {inp('path')}. No artifacts will be uploaded."
        if behaviour == "error":
            fail(message)
        print(f"::warning::{message}" if behaviour == "warn" else message)
        return
    root = upload_root(files, searches)
    for file in files:
        relative = str(file.relative_to(root))
        bad = next((c for c in FORBIDDEN_PATH if c in relative), None)
        if bad:
            fail(
                f"The path for one of the files in artifact is not valid: {relative}. Contains the following character: {bad!r}"
            )
    run = ENV.get("GITHUB_RUN_ID", "1")
    dest = runs_root() / run / name
    if dest.exists():
        if not flag("overwrite"):
            fail(
                "Failed to CreateArtifact: Received non-retryable error: Failed request: (409) Conflict:"
                " an artifact with this name already exists on the workflow run"
            )
        shutil.rmtree(dest)
    digest = hashlib.sha256()
    for file in files:
        target = dest / file.relative_to(root)
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(file, target)  # symlinks stored as their target's content
        digest.update(str(file.relative_to(root)).encode() + b"\0" + file.read_bytes())
    counter = runs_root() / run / ".ids"
    artifact_id = int(counter.read_text()) + 1 if counter.exists() else int(run) * 100 + 1
    counter.write_text(str(artifact_id))
    (dest.parent / f".{name}.id").write_text(str(artifact_id))
    print(f"uploaded {len(files)} files as {name!r} (run {run}, root {root})")
    output(
        **{
            "artifact-id": str(artifact_id),
            "artifact-url": artifact_url(run, artifact_id),
            "artifact-digest": digest.hexdigest(),
        }
    )


# ---- download -------------------------------------------------------------------------------------
def expand_braces(pattern: str) -> list[str]:
    """minimatch's brace expansion: a{b,c}d -> abd, acd (nested braces included)."""
    match = re.search(r"\{([^{}]*)\}", pattern)
    if not match or "," not in match.group(1):
        return [pattern]
    head, tail = pattern[: match.start()], pattern[match.end() :]
    return [x for option in match.group(1).split(",") for x in expand_braces(head + option + tail)]


def minimatch(pattern: str, name: str) -> bool:
    """new Minimatch(pattern) with default options: case-sensitive, braces expanded, and a
    wildcard never matches a leading dot."""
    for option in expand_braces(pattern):
        if name.startswith(".") and not option.startswith("."):
            continue
        if re.fullmatch(fnmatch.translate(option), name):
            return True
    return False


def target_folder(path: Path, artifact: str, *, by_name: bool, merge: bool, count: int) -> Path:
    """download-artifact's one-line rule (src/download-artifact.ts:189-194)."""
    return path if by_name or merge or count == 1 else path / artifact


def download_artifact() -> None:
    name, ids, pattern = inp("name"), inp("artifact-ids"), inp("pattern")
    if name and ids:
        fail("Inputs 'name' and 'artifact-ids' cannot be used together. Please specify only one.")
    # Another run (or repository) only with a token; without one the inputs are silently ignored.
    run = (inp("run-id") if inp("github-token") else "") or ENV.get("GITHUB_RUN_ID", "1")
    source = runs_root() / run
    available = sorted(p.name for p in source.iterdir() if p.is_dir()) if source.is_dir() else []
    path = Path(inp("path").replace("~", str(Path.home()), 1)) if inp("path") else workspace()
    path = path if path.is_absolute() else workspace() / path
    if name:
        if name not in available:
            fail(f"Unable to download artifact(s): Artifact not found for name: {name}{NOT_FOUND_HINT}")
        chosen = [name]
    elif ids:
        wanted = [i.strip() for i in ids.split(",") if i.strip()]
        if not all(i.isdigit() for i in wanted):
            fail(f"Invalid artifact-ids: {ids}")
        by_id = {(source / f".{a}.id").read_text().strip(): a for a in available}
        chosen = [by_id[i] for i in wanted if i in by_id]
        if not chosen:
            fail("None of the provided artifact IDs were found")
    else:
        chosen = [a for a in available if not pattern or minimatch(pattern, a)]
    for artifact in chosen:
        target = target_folder(path, artifact, by_name=bool(name), merge=flag("merge-multiple"), count=len(chosen))
        shutil.copytree(source / artifact, target, dirs_exist_ok=True)
        print(f"downloaded {artifact!r} from run {run} to {target}")
    print(f"Total of {len(chosen)} artifact(s) downloaded")
    output(**{"download-path": str(path)})
