"""actions/checkout v7.0.1, from the end-to-end run's local repository ($E2E_ORIGIN) instead of
GitHub. act would otherwise copy the working tree whatever the workflow asks (run with
--no-skip-checkout so that this stand-in is used), hiding the difference that matters here:

- no `ref`: GITHUB_SHA, which on pull_request is the merge commit of refs/pull/N/merge, not
  the PR's head (CO:src/input-helper.ts:79-89);
- `ref`: that branch, tag or sha;
- in a workflow_run or pull_request_target workflow, a ref that is the PR's head or merge
  commit is refused unless allow-unsafe-pr-checkout (CO:src/unsafe-pr-checkout-helper.ts);
- persist-credentials leaves an auth header in .git/config for later git commands; clean wipes
  what an earlier run left in the workspace.
"""

from __future__ import annotations

import re
import shutil
from pathlib import Path

from _common import ENV, event, fail, flag, inp, output, sh, workspace


def _unsafe(ref: str) -> bool:
    if ENV.get("GITHUB_EVENT_NAME") not in ("workflow_run", "pull_request_target") or not ref:
        return False
    ev = event()
    shas = {
        ev.get("workflow_run", {}).get("head_sha"),
        ev.get("pull_request", {}).get("head", {}).get("sha"),
        ev.get("pull_request", {}).get("merge_commit_sha"),
    }
    return ref in shas or re.fullmatch(r"refs/pull/\d+/(head|merge)", ref) is not None


def checkout() -> None:
    origin = ENV.get("E2E_ORIGIN")
    if not origin:
        fail("E2E_ORIGIN is not set: the end-to-end harness names the local repository to clone")
    ref = inp("ref")
    if _unsafe(ref) and not flag("allow-unsafe-pr-checkout"):
        fail(
            f"Refusing to check out fork pull request code from a '{ENV.get('GITHUB_EVENT_NAME')}' workflow."
            " Set allow-unsafe-pr-checkout: true only if the code is trusted."
        )
    target = workspace() / inp("path") if inp("path") else workspace()
    if flag("clean", default=True) and target.exists():
        for child in target.iterdir():
            shutil.rmtree(child) if child.is_dir() and not child.is_symlink() else child.unlink()
    target.mkdir(parents=True, exist_ok=True)
    commit = ref or ENV.get("GITHUB_SHA", "")
    sh("git", "clone", "--quiet", "--no-checkout", origin, str(target))
    if not re.fullmatch(r"[0-9a-f]{40}", commit):
        commit = sh("git", "-C", str(target), "rev-parse", f"origin/{commit}^{{commit}}").strip()
    sh("git", "-C", str(target), "checkout", "--quiet", "--detach", commit)
    sh(
        "git",
        "-C",
        str(target),
        "remote",
        "set-url",
        "origin",
        f"https://github.com/{ENV.get('GITHUB_REPOSITORY', '')}",
    )
    if flag("persist-credentials", default=True):
        # What the real action leaves behind: a token any later git command (or step) can read.
        sh(
            "git",
            "-C",
            str(target),
            "config",
            "--local",
            "http.https://github.com/.extraheader",
            "AUTHORIZATION: basic ***",
        )
    output(ref=ref or ENV.get("GITHUB_REF", ""), commit=commit)
    print(f"checked out {commit} into {Path(target)}")
