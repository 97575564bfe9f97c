"""One hostile string in every field a report carries, checked on every path it can reach GitHub by:
the CI section of the comment, the job summary, the CD section, the problem lines and --body-file.
The oracles are written here (what must never appear), never taken from scripts.report.markdown."""

from __future__ import annotations

import json
import re

import pytest

from scripts import comment
from scripts.model import (
    Coverage,
    Deploy,
    FailedTest,
    FileCoverage,
    Image,
    Lint,
    Problem,
    Report,
    RuleCount,
    Scan,
    TestRun,
    Vulnerability,
)
from scripts.report import sticky
from scripts.report.render import render_deploy, render_report, render_summary

# Every character class that means something to markdown, HTML, GitHub or a terminal.
HOSTILE = (
    "& \" ' < > | \\ ` ``` ~~~ @octocat #12 owner/repo#3 GH-4 [x](https://evil.example) ![i](https://evil.example/i.png)"
    " * _ ~~s~~ <img src=x onerror=alert(1)> <!-- sample-app-report --> <!-- sample-app-report:end:ci -->"
    " \u202eevil\u2066\u2069 zero\u200bwidth\u200d\ufeff cr\rlf\n lone\ud800 0123456789abcdef0123456789abcdef01234567"
)
SHA = "a" * 40
BIDI_AND_INVISIBLE = re.compile("[\u202a-\u202e\u2066-\u2069\u200c-\u200f\u2060\ufeff\ud800-\udfff]")


def hostile_report() -> Report:
    vuln = Vulnerability(HOSTILE, HOSTILE, HOSTILE, HOSTILE, "CRITICAL", "https://evil.example/x", HOSTILE, HOSTILE)
    return Report(
        python_versions=("3.12",),
        tests=(
            TestRun(
                "3.12",
                3,
                1,
                1,
                0,
                1.0,
                (FailedTest(HOSTILE, "failure", HOSTILE), FailedTest(HOSTILE, "error", HOSTILE)),
            ),
        ),
        coverage=(Coverage("3.12", 10, 5, 0, 0, 1, (FileCoverage(HOSTILE, 10, 5),)),),
        lint=Lint(1, 0, (RuleCount(HOSTILE[:100], 1, HOSTILE),)),
        scan=Scan(HOSTILE, HOSTILE, {"CRITICAL": 1, "HIGH": 0, "MEDIUM": 0, "LOW": 0, "UNKNOWN": 0}, 1, (vuln,)),
        image=Image("ghcr.io/octo-org/sample-app", "sha256:" + "d" * 64, SHA, ("sha-" + SHA,)),
        problems=tuple(
            Problem(section, HOSTILE) for section in ("tests", "coverage", "scan", "lint", "image", "inputs")
        ),
        head_sha=SHA,
        run_url="https://github.com/octo-org/sample-app/actions/runs/1",
    )


def hostile_deploy() -> Deploy:
    return Deploy("failure", HOSTILE, HOSTILE, "", HOSTILE, 1, HOSTILE * 3, HOSTILE, 1.0, "5")


def outside_code(text: str) -> str:
    """The text with code blocks and code spans removed: GitHub links and mentions only out there."""
    text = re.sub(r"(?ms)^(`{3,}|~{3,})text\n.*?^\1$", "", text)
    return re.sub(r"(`+).*?\1", "", text)


OUTPUTS = {
    "comment": render_report(hostile_report()),
    "summary": render_summary(hostile_report()),
    "deploy": render_deploy(hostile_deploy()),
    "fork deploy": render_deploy(Deploy("success", HOSTILE, source="fork-ci")),
}


@pytest.mark.parametrize("path", sorted(OUTPUTS))
class TestEveryPath:
    def test_no_html_from_the_report(self, path):
        """Outside code spans and blocks (which GitHub shows as text), no tag but our own."""
        plain = outside_code(OUTPUTS[path])
        assert "<img" not in plain
        assert not re.search(r"<(?!/?(details|summary)\b)[a-zA-Z!/]", plain), re.findall(r"<.{0,20}", plain)[:3]

    def test_no_marker_but_ours(self, path):
        assert "<!--" not in OUTPUTS[path]

    def test_no_mention_reference_or_link_outside_code(self, path):
        plain = outside_code(OUTPUTS[path])
        assert not re.search(r"@[A-Za-z0-9]", plain)
        assert not re.search(r"#[0-9]", plain)
        assert not re.search(r"(?i)\bGH-[0-9]", plain)
        assert not re.search(r"\b[0-9a-f]{7,40}\b", plain.replace(SHA[:12], ""))
        assert "](https://evil.example" not in plain
        assert "https://evil" not in plain

    def test_no_bidi_zero_width_or_surrogate_from_the_report(self, path):
        text = OUTPUTS[path]
        assert not BIDI_AND_INVISIBLE.search(text)
        text.encode("utf-8")  # a lone surrogate would raise here

    def test_fences_are_all_closed(self, path):
        assert sticky.open_fence(OUTPUTS[path]) == ""

    def test_ampersands_are_entities_or_escaped(self, path):
        plain = outside_code(OUTPUTS[path])
        assert not re.search(r"&(?!amp;|lt;|gt;|quot;)", plain)

    def test_table_rows_keep_their_cells(self, path):
        for block in re.findall(r"(?m)^(\|.*\|\n\|(?:---\|)+\n(?:\|.*\|\n?)+)", OUTPUTS[path]):
            rows = block.strip().split("\n")
            width = len(re.findall(r"(?<!\\)\|", rows[0]))
            for row in rows[2:]:
                assert len(re.findall(r"(?<!\\)\|", re.sub(r"(`+).*?\1", "", row))) == width, row


def test_body_file__cannot_fake_or_close_our_sections(tmp_path):
    path = tmp_path / "comment.md"
    path.write_text(f"{HOSTILE}\n{sticky.end('ci')}\n{sticky.begin('cd')}\nforged deploy".replace("\ud800", ""))
    args = comment.build_parser().parse_args(["--repo", "o/r", "--body-file", str(path)])
    body = sticky.compose(None, "ci", comment.section_body(args, (), "https://github.com"))
    assert body.count("<!--") == 3  # our marker, and the begin and end of the one section
    assert set(sticky.sections(body)) == {"ci"}


def test_report_json_round_trip__carries_the_string_and_renders_it_inert():
    """CD renders from report.json: the same string, through JSON, is just as inert there."""
    from scripts.model import from_dict, to_dict

    def cut(node):  # within every field's bound; the first 100 characters hold every class but CR/LF
        if isinstance(node, str):
            return node[:100]
        if isinstance(node, dict):
            return {k: cut(v) for k, v in node.items()}
        return [cut(v) for v in node] if isinstance(node, list) else node

    data = cut(json.loads(json.dumps(to_dict(hostile_report()), ensure_ascii=False).replace("\\ud800", "")))
    data["head_sha"], data["run_url"] = SHA, ""
    data["image"] = json.loads(json.dumps(to_dict(hostile_report())["image"]))
    text = outside_code(render_report(from_dict(data)))
    assert "<img" not in text
    assert "<!--" not in text
    assert not re.search(r"@[A-Za-z0-9]|#[0-9]", text)


class TestSizeOracles:
    """The limits are written out here: 65,536 UTF-16 code units for a comment (GitHub), counted
    independently of scripts.report.sticky.size."""

    @staticmethod
    def utf16_units(text: str) -> int:
        return sum(2 if ord(ch) > 0xFFFF else 1 for ch in text)

    @pytest.mark.parametrize("char", ["x", "é", "𒍺", "😀"])
    def test_comment__never_over_65536_utf16_units(self, char):
        huge = Deploy("failure", char * 100_000, stdout=(char * 200 + "\n") * 5_000)
        body = sticky.compose(sticky.compose(None, "ci", (char * 99 + "\n") * 40_000), "cd", render_deploy(huge))
        assert self.utf16_units(body) <= 65_536
        assert sticky.open_fence(body) == ""

    def test_fit__a_text_of_exactly_the_budget_is_kept_whole(self):
        assert sticky.fit("x" * 65_536, 65_536) == "x" * 65_536
        assert sticky.fit("x" * 65_537, 65_536) != "x" * 65_537

    def test_fit__counts_astral_characters_twice(self):
        text = "𒍺" * 32_769  # 65,538 units, though only 32,769 code points
        cut = sticky.fit(text, 65_536)
        assert cut != text
        assert self.utf16_units(cut) <= 65_536

    def test_guard__is_the_literal_github_limit(self):
        assert sticky.GITHUB_LIMIT == 65_536
