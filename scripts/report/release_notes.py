"""The GitHub release's body: which digest the version names, how to pull it, which tags moved and
which a newer release holds, the CI run that built it and the smoke deploy's result. Pure.
"""

from __future__ import annotations

from scripts.deploy.versions import Plan
from scripts.model import Deploy
from scripts.report import markdown as md
from scripts.report.render import render_deploy

MAX_BODY = 125_000  # GitHub refuses a longer release body (422)
DEPLOY_BUDGET = 20_000


def render_release(
    plan: Plan, image: str, digest: str, sha: str, ci_run_url: str, deploy: Deploy, *, attestation: str
) -> str:
    """Markdown for the release page. Every value is escaped or fenced: the image name and the
    deploy's output are data, never markup."""
    pinned = f"{image}@{digest}"
    rows = [[md.code(tag, 140, in_table=True), "→ this digest"] for tag in plan.move]
    rows += [
        [md.code(tag, 140, in_table=True), f"stays on {md.code(str(newer), 40, in_table=True)}, a newer release"]
        for tag, newer in plan.held
    ]
    lines = [
        f"Image {md.code(pinned, 400)}, built once by CI for commit {md.code(sha, 40)}"
        f" ({md.link('the CI run', ci_run_url)}) and promoted without a rebuild: the tags below name this digest.",
        "",
        md.code_block(f"docker pull {pinned}", 600, 3),
        "",
        md.table(["tag", "now"], rows),
        "",
        f"Provenance: {md.inline(attestation, 300)}",
        "",
        render_deploy(deploy, DEPLOY_BUDGET),
    ]
    body = "\n".join(lines)
    return body if len(body) <= MAX_BODY else body[: MAX_BODY - 40] + "\n\n_(cut to GitHub's limit)_"
