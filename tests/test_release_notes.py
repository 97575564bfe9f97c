"""scripts.report.release_notes: the release page written out by hand, and what a hostile smoke
output or URL cannot do to it."""

from __future__ import annotations

from scripts.deploy.versions import Version, plan
from scripts.model import Deploy
from scripts.report.release_notes import MAX_BODY, render_release

IMAGE = "ghcr.io/octo-org/sample-app"
DIGEST = "sha256:" + "a" * 64
SHA = "d" * 40
RUN = "https://github.com/octo-org/sample-app/actions/runs/11"


def deploy(stdout: str = "5\n") -> Deploy:
    return Deploy(
        "success",
        "2 3 printed 5 as expected",
        image=f"{IMAGE}@{DIGEST}",
        digest=DIGEST,
        command="docker run --rm x",
        exit_code=0,
        stdout=stdout,
        duration=1.25,
        expected_output="5",
    )


def test_body__written_out():
    body = render_release(plan(Version(1, 1, 9), ["1.2.0"]), IMAGE, DIGEST, SHA, RUN, deploy(), attestation="checked")
    assert body == "\n".join(
        [
            f"Image `{IMAGE}@{DIGEST}`, built once by CI for commit `{SHA}` ([the CI run]({RUN}))"
            " and promoted without a rebuild: the tags below name this digest.",
            "",
            "```text",
            f"docker pull {IMAGE}@{DIGEST}",
            "```",
            "",
            "| tag | now |",
            "|---|---|",
            "| `1.1.9` | → this digest |",
            "| `1.1` | → this digest |",
            "| `1` | stays on `1.2.0`, a newer release |",
            "| `prod` | stays on `1.2.0`, a newer release |",
            "",
            "Provenance: checked",
            "",
            "## ✅ Deploy: success",
            "2 3 printed 5 as expected",
            f"image: `{IMAGE}@{DIGEST}`",
            "command: `docker run --rm x`",
            "exit status 0 · ran 1.2 s · expected output `5`",
            "",
            "stdout:",
            "```text",
            "5",
            "```",
        ]
    )


def test_hostile_output__stays_inside_its_block():
    hostile = "```\n# Owned\n<!-- x -->\n@octocat [click](https://evil.example) <img src=x>\n````"
    body = render_release(plan(Version(1, 0, 0), []), IMAGE, DIGEST, SHA, RUN, deploy(hostile), attestation="ok")
    block = body[body.index("stdout:\n") + len("stdout:\n") :]
    fence = block.split("text\n", 1)[0]
    assert len(fence) >= 5  # longer than the four backticks inside
    assert block.rstrip().endswith(fence)
    assert block.count(fence) == 2
    assert "<!--" not in body


def test_unsafe_run_url__not_a_link():
    body = render_release(
        plan(Version(1, 0, 0), []), IMAGE, DIGEST, SHA, "javascript:alert(1)", deploy(), attestation="ok"
    )
    assert "(the CI run)" in body
    assert "javascript" not in body


def test_attestation_text__escaped_one_line():
    body = render_release(
        plan(Version(1, 0, 0), []), IMAGE, DIGEST, SHA, RUN, deploy(), attestation="<b>x</b>\n# y @octocat"
    )
    assert "Provenance: &lt;b&gt;x&lt;/b&gt; # y @\u200boctocat\n" in body  # one line: the # is mid-line


def test_body__never_over_githubs_limit():
    body = render_release(
        plan(Version(1, 0, 0), []), IMAGE, DIGEST, SHA, RUN, deploy("x" * 300_000), attestation="y" * 300_000
    )
    assert len(body) <= 125_000 == MAX_BODY
