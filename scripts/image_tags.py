"""The image's branch tag, valid and unique for every branch name that git and GitHub accept.

    python -m scripts.image_tags --branch "$BRANCH" --github-output "$GITHUB_OUTPUT"   # branch=branch-...

docker/metadata-action turns each run of characters outside [A-Za-z0-9._-] into one "-" and stops
there: it neither lower-cases nor enforces Docker's 128-character limit, so `fix#12` and `fix@12`
share a tag, `Feature` and `feature` differ only in case, and a 200-character branch makes a tag
the registry refuses. Here the tag is the branch name when that is already a clean lower-case tag;
otherwise its sanitised, lower-cased form, cut to fit, with 8 hex digits of the name's SHA-256, so
two branches never share a tag and the same branch always gets the same one.
"""

from __future__ import annotations

import argparse
import hashlib
import re
import sys
from pathlib import Path

from scripts.errors import InputError
from scripts.github.gitrefs import valid_branch

PREFIX = "branch-"
MAX_TAG = 128
_UNSAFE = re.compile(r"[^a-z0-9_.-]+")
_CLEAN = re.compile(r"[a-z0-9_.-]+\Z")


def branch_tag(branch: str) -> str:
    """branch-<name>, valid for Docker (at most 128 characters) and unique per branch."""
    if not valid_branch(branch):
        raise InputError(f"{branch[:80]!r} is not a branch name git accepts")
    tag = PREFIX + branch
    if _CLEAN.match(branch) and len(tag) <= MAX_TAG:
        return tag
    digest = hashlib.sha256(branch.encode("utf-8")).hexdigest()[:8]
    readable = _UNSAFE.sub("-", branch.lower()).strip("-.") or "x"
    room = MAX_TAG - len(PREFIX) - len(digest) - 1
    return f"{PREFIX}{readable[:room].rstrip('-.')}-{digest}"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m scripts.image_tags", description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--branch", required=True, help="the branch name (github.head_ref on PRs, else ref_name)")
    parser.add_argument("--github-output", type=Path, help="append branch=<tag> to this file ($GITHUB_OUTPUT)")
    args = parser.parse_args(argv)
    try:
        tag = branch_tag(args.branch)
    except InputError as exc:
        print(f"image_tags: error: {exc}", file=sys.stderr)
        return exc.exit_code
    print(tag)
    if args.github_output:
        with args.github_output.open("a", encoding="utf-8") as out:
            out.write(f"branch={tag}\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
