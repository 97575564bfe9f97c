"""Rendering: escaping, the sticky markers, the size budget, and what a reader sees."""

from __future__ import annotations

import re
from dataclasses import replace

import pytest

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
from scripts.report import markdown as md
from scripts.report import sticky
from scripts.report.render import (
    CD_BUDGET,
    CI_BUDGET,
    SUMMARY_LEVELS,
    Context,
    render_deploy,
    render_report,
    render_summary,
    status_line,
)
from scripts.report.sticky import utf8_size

SHA = "c" * 40
HOSTILE = "<img src=x onerror=alert(1)> **bold** [click](https://evil.example) @octocat `tick` | pipe <!-- sample-app-report -->\n# heading"


def report(**kw) -> Report:
    base = {
        "python_versions": ("3.10", "3.11", "3.12"),
        "tests": tuple(TestRun(v, 10, 0, 0, 1, 1.5) for v in ("3.10", "3.11", "3.12")),
        "coverage": tuple(
            Coverage(v, 100, 95, 10, 9, 3, (FileCoverage("a.py", 20, 15),)) for v in ("3.10", "3.11", "3.12")
        ),
        "lint": Lint(0, 0),
        "scan": Scan("Trivy 0.70", "img", dict.fromkeys(("CRITICAL", "HIGH", "MEDIUM", "LOW", "UNKNOWN"), 0), 0),
        "image": Image("ghcr.io/octo-org/sample-app", "sha256:" + "d" * 64, SHA, ("sha-" + SHA,)),
        "head_sha": SHA,
        "run_url": "https://github.com/octo-org/sample-app/actions/runs/1",
    }
    return Report(**{**base, **kw})


class TestFlakyAndHeaderCounts:
    def test_flaky__own_line_and_list_and_still_green(self):
        runs = (
            TestRun("3.11", 10, 0, 0, 0, 1.0, flaky=1, flaky_tests=("t::a",)),
            TestRun("3.12", 10, 0, 0, 0, 1.0, flaky=2, flaky_tests=("t::b", "t::c")),
        )
        text = render_report(report(python_versions=("3.11", "3.12"), tests=runs, coverage=()))
        assert "🔁 **3 flaky** (failed, then passed on a rerun; counted as passed)" in text
        assert "<details><summary>Flaky tests (3)</summary>" in text
        assert "- **3.11** `t::a`\n- **3.12** `t::b`\n- **3.12** `t::c`" in text
        assert status_line(report(tests=runs, python_versions=("3.11", "3.12"))).startswith("## ✅ CI passed")

    def test_flaky__listed_after_the_failing_tests(self):
        failed = (FailedTest("t::broken", "failure", "boom"),)
        runs = (TestRun("3.12", 10, 1, 0, 0, 1.0, failed, flaky=1, flaky_tests=("t::shaky",)),)
        text = render_report(report(python_versions=("3.12",), tests=runs, coverage=()))
        assert text.index("Failing tests (1)") < text.index("Flaky tests (1)")

    def test_flaky__names_hostile_stay_inert(self):
        runs = (TestRun("3.12", 1, 0, 0, 0, 1.0, flaky=1, flaky_tests=(HOSTILE,)),)
        text = render_report(report(python_versions=("3.12",), tests=runs, coverage=()))
        prose = re.sub(r"(`+)(.+?)\1", "", text)
        assert "<img" not in prose
        assert "@octocat" not in prose
        assert "<!--" not in text

    def test_flaky__more_than_shown_says_so(self):
        names = tuple(f"t::n{i}" for i in range(200))
        runs = (TestRun("3.12", 500, 0, 0, 0, 1.0, flaky=450, flaky_tests=names),)
        text = render_report(report(python_versions=("3.12",), tests=runs, coverage=()))
        assert "of 450 flaky tests shown" in text
        assert "`t::n199`" not in text

    def test_no_flaky__no_line(self):
        assert "flaky" not in render_report(report()).lower()

    def test_counts_from_the_header__said_under_the_table(self):
        runs = (TestRun("3.12", 6, 1, 0, 2, 0.01, from_header=True), TestRun("3.11", 6, 0, 0, 0, 1.0))
        text = render_report(report(python_versions=("3.11", "3.12"), tests=runs, coverage=()))
        assert "> ⚠️ Python 3.12: counted from the suite header; the file lists no test cases" in text
        assert "Python 3.11: counted" not in text


class TestEscaping:
    def test_inline__neutralises_html_markdown_mentions_links_and_markers(self):
        out = md.inline(HOSTILE, 500)
        assert "<" not in out
        assert ">" not in out
        assert "\n" not in out
        assert "@octocat" not in out  # a zero-width space breaks the mention
        assert "https://evil" not in out  # no autolink
        assert "<!--" not in out
        assert r"\*\*bold\*\*" in out
        assert r"\[click\]" in out
        assert r"\|" in out
        assert r"\`tick\`" in out

    def test_inline__shortens(self):
        assert md.inline("x" * 500, 10) == "x" * 9 + "…"

    def test_code__fence_longer_than_any_backtick_run(self):
        assert md.code("a ``` b") == "````a ``` b````"
        assert md.code("`x`") == "`` `x` ``"

    def test_code_block__cannot_be_closed_by_its_content(self):
        block = md.code_block("before\n```\n" + sticky.end("ci") + "\n````\nafter")
        fence = block.split("text", 1)[0]
        assert len(fence) == 5
        assert block.endswith("\n" + fence)
        assert sticky.end("ci") not in block

    def test_code_block__keeps_the_tail_and_says_what_was_cut(self):
        block = md.code_block("\n".join(f"line {i}" for i in range(100)), max_lines=10)
        assert "… 90 earlier lines cut …" in block
        assert "line 99" in block
        assert "line 89" not in block

    def test_code_block__strips_terminal_escapes(self):
        assert "\x1b" not in md.code_block("\x1b[31mred\x1b[0m")

    @pytest.mark.parametrize(
        ("url", "safe"),
        [
            ("https://avd.aquasec.com/nvd/cve-2024-1135", True),
            ("javascript:alert(1)", False),
            ("https://x.example/a)(b", False),
            ("https://x.example/ spaced", False),
        ],
    )
    def test_link__only_plain_urls(self, url, safe):
        assert (md.link("t", url) == f"[t]({url})") is safe


class TestExactEscaping:
    """Expected output written out in full: an escape that is dropped, doubled or upper-cased shows."""

    @pytest.mark.parametrize(
        ("text", "shown"),
        [
            ('a & b < c > d " e', "a &amp; b &lt; c &gt; d &quot; e"),
            ("&amp;", "&amp;amp;"),
            ("* _ ` [ ] { } | ~ \\", "\\* \\_ \\` \\[ \\] \\{ \\} \\| \\~ \\\\"),
            ("see https://x.io and www.y.io", "see https:/\u200b/x.io and www\u200b.y.io"),
            ("FTP://x", "FTP:/\u200b/x"),
            ("a\x1b[31mred\x1b[0m\tb\x00c", "ared b c"),
            ("  many   spaces\nand\r\nlines  ", "many spaces and lines"),
            ("", ""),
        ],
    )
    def test_inline(self, text, shown):
        assert md.inline(text) == shown

    @pytest.mark.parametrize(
        ("text", "limit", "shown"),
        [("abcdef", 6, "abcdef"), ("abcdefg", 6, "abcde…"), ("ab", 1, "…"), ("ab", 0, "…")],
    )
    def test_shorten__at_and_over_the_limit(self, text, limit, shown):
        assert md.shorten(text, limit) == shown

    @pytest.mark.parametrize(
        ("text", "shown"),
        [
            ("plain", "`plain`"),
            ("`start", "`` `start ``"),
            ("end`", "`` end` ``"),
            ("mid`dle", "``mid`dle``"),
            ("", "`  `"),
            ("a <!-- b", "`a <\u200b!-- b`"),
            ("a\nb\tc", "`a b c`"),
        ],
    )
    def test_code(self, text, shown):
        assert md.code(text) == shown

    def test_code__pipes_escaped_only_in_tables(self):
        assert md.code("a|b", in_table=True) == "`a\\|b`"
        assert md.code("a|b") == "`a|b`"

    def test_code_block__exact(self):
        assert md.code_block("a\r\nb\rc\td") == "```text\na\nb\nc    d\n```"
        assert md.code_block("x <!-- y") == "```text\nx <\u200b!-- y\n```"
        assert md.code_block("\x1b[31mred\x00\x1b[0m") == "```text\nred\n```"

    def test_code_block__cut_at_exactly_the_limits(self):
        assert md.code_block("a\nb", max_lines=2) == "```text\na\nb\n```"
        assert md.code_block("a\nb\nc", max_lines=2) == "```text\n… 1 earlier lines cut …\nb\nc\n```"
        assert md.code_block("abcd", max_chars=4) == "```text\nabcd\n```"
        assert md.code_block("abcdef", max_chars=4) == "```text\n… 2 earlier characters cut …\ncdef\n```"

    def test_table__exact(self):
        assert md.table(["a", "b"], [["1", "2"], ["3", "4"]]) == "| a | b |\n|---|---|\n| 1 | 2 |\n| 3 | 4 |"

    @pytest.mark.parametrize(
        ("url", "kept"),
        [
            ("http://127.0.0.1:5000/x", True),
            ("http://localhost/x", True),
            ("http://[::1]:8080/x", False),  # brackets are outside the plain-URL alphabet
            ("http://127.0.0.2/x", False),
            ("http://localhost.evil.example/x", False),
            ("https://x.example:99999/", False),
            ("https://x.example/a](b", False),
            ("https:///nohost", False),
        ],
    )
    def test_safe_url(self, url, kept):
        assert md.safe_url(url) == (url if kept else "")

    def test_link__text_is_escaped_and_shortened(self):
        assert md.link("a*b" * 100, "https://x.example/", 5) == "[a\\*ba…](https://x.example/)"
        assert md.link("a*b", "javascript:x") == "a\\*b"


class TestReferencesAndInvisibles:
    """The bot posts what it renders: nothing in a report may become a cross-reference that GitHub
    writes into another issue, PR or commit, nor hide behind invisible characters."""

    @pytest.mark.parametrize(
        ("text", "shown"),
        [
            ("fixes #12", "fixes #\u200b12"),
            ("see octo/repo#3", "see octo/repo#\u200b3"),
            ("GH-42 and gh-7", "GH\u200b-42 and gh\u200b-7"),
            (
                "at 0123456789abcdef0123456789abcdef01234567",
                "at 012345\u200b6789ab\u200bcdef01\u200b234567\u200b89abcd\u200bef0123\u200b4567",
            ),
            ("short deadbee", "short deadbe\u200be"),
            ("version 3.12 and #tag", "version 3.12 and #tag"),
        ],
    )
    def test_inline__references_are_broken(self, text, shown):
        assert md.inline(text) == shown

    @pytest.mark.parametrize(
        "control", ["\u202e", "\u2066", "\u2067", "\u2068", "\u2069", "\u200b", "\u200d", "\ufeff", "\u061c"]
    )
    def test_inline_code_and_block__strip_bidi_and_zero_width(self, control):
        assert md.inline(f"ab{control}c") == "abc"
        assert md.code(f"ab{control}c") == "`abc`"
        assert md.code_block(f"ab{control}c") == "```text\nabc\n```"

    def test_inline__lone_surrogate_becomes_the_replacement_character(self):
        assert md.inline("a\ud800b") == "a\ufffdb"

    @pytest.mark.parametrize(
        "url",
        [
            "https://github.com@evil.example/",
            "https://evil.example/phish",
            "http://avd.aquasec.com/x",  # plain http off loopback
            "https://avd.aquasec.com.evil.example/x",
            "https://user:pw@avd.aquasec.com/x",
        ],
    )
    def test_vulnerability_links__only_to_advisory_hosts(self, url):
        from scripts.report.render import ADVISORY_HOSTS

        assert md.link("CVE-1", url, hosts=ADVISORY_HOSTS) == "CVE-1"

    def test_vulnerability_links__advisory_host_is_a_link(self):
        from scripts.report.render import ADVISORY_HOSTS

        url = "https://avd.aquasec.com/nvd/cve-2024-1135"
        assert md.link("CVE-2024-1135", url, hosts=ADVISORY_HOSTS) == f"[CVE-2024-1135]({url})"


class TestSticky:
    def test_compose__replaces_only_its_own_section(self):
        body = sticky.compose(sticky.compose(None, "ci", "ci v1"), "cd", "cd v1")
        body = sticky.compose(body, "ci", "ci v2")
        assert sticky.sections(body) == {"ci": "ci v2", "cd": "cd v1"}
        assert body.startswith(sticky.MARKER + "\n")

    def test_sections__not_ours_without_the_first_line_marker(self):
        assert sticky.sections("hello " + sticky.MARKER) == {}
        assert not sticky.is_ours(None)

    def test_compose__rejects_unknown_sections(self):
        with pytest.raises(ValueError, match="unknown section"):
            sticky.compose(None, "evil", "x")

    def test_compose__guards_the_limit_whatever_it_is_given(self):
        body = sticky.compose(sticky.compose(None, "cd", "deployed"), "ci", "row\n" * 40_000)
        assert sticky.size(body) <= sticky.GITHUB_LIMIT
        assert sticky.sections(body)["cd"] == "deployed"
        assert "GitHub's comment limit" in body

    def test_fit__counts_astral_characters_as_github_may(self):
        text = "𒍺" * 40_000  # 2 UTF-16 units each
        assert sticky.size(sticky.fit(text, 65_536)) <= 65_536

    def test_fit__closes_an_open_code_fence(self):
        cut = sticky.fit("```text\n" + "x\n" * 1000, 200)
        assert cut.count("```") % 2 == 0

    def test_fit__a_four_backtick_block_is_closed_by_four(self):
        """Counting "```" would see an even count here and leave the block open, swallowing the end
        marker that follows the section."""
        text = "````text\n```\n" + "x\n" * 1000
        cut = sticky.fit(text, 300)
        assert cut.endswith("\n````" + sticky.CUT_NOTE)
        assert sticky.open_fence(cut.removesuffix(sticky.CUT_NOTE)) == ""
        assert len(cut) <= 300

    def test_fit__cuts_at_the_last_whole_line_that_fits(self):
        note = sticky.CUT_NOTE
        text = "aaaa\nbbbb\ncccc\n" + "d" * 200
        # room = budget - note - 1 (newline before a closing fence) - longest fence (none here)
        assert sticky.fit(text, len(note) + 1 + 10) == "aaaa\nbbbb" + note
        assert sticky.fit(text, len(note) + 1 + 9) == "aaaa" + note
        assert sticky.fit(text, len(text)) == text
        assert sticky.fit(text, len(note) - 1) == ""  # not even the note fits

    def test_fit__keeps_room_to_close_the_fence(self):
        note = sticky.CUT_NOTE
        text = "````text\n" + "x\n" * 200
        cut = sticky.fit(text, len(note) + 1 + 4 + 20)
        assert cut == "````text\nx\nx\nx\nx\nx\n````" + note
        assert len(cut) <= len(note) + 1 + 4 + 20

    def test_fit__counted_by_the_measure_given(self):
        note_bytes = len(sticky.CUT_NOTE.encode("utf-8"))
        text = "é\n" * 100
        cut = sticky.fit(text, note_bytes + 1 + 9, sticky.utf8_size)
        assert cut == "é\né\né" + sticky.CUT_NOTE
        assert sticky.utf8_size(cut) <= note_bytes + 1 + 9

    def test_compose__section_content_loses_only_its_outer_newlines(self):
        body = sticky.compose(None, "ci", "\n\n  line one\nline two  \n\n")
        assert body == (
            "<!-- sample-app-report -->\n<!-- sample-app-report:begin:ci -->\n  line one\nline two  \n"
            "<!-- sample-app-report:end:ci -->\n"
        )

    def test_compose__both_sections_in_a_fixed_order(self):
        body = sticky.compose(sticky.compose(None, "cd", "deployed"), "ci", "tested")
        assert body == (
            "<!-- sample-app-report -->\n"
            "<!-- sample-app-report:begin:ci -->\ntested\n<!-- sample-app-report:end:ci -->\n\n"
            "<!-- sample-app-report:begin:cd -->\ndeployed\n<!-- sample-app-report:end:cd -->\n"
        )

    def test_compose__a_body_exactly_at_the_limit_is_not_cut(self):
        empty = sticky.compose(None, "ci", "")
        room = 65_536 - len(empty)
        body = sticky.compose(None, "ci", "x" * room)
        assert len(body) == 65_536
        assert "GitHub's comment limit" not in body
        assert "GitHub's comment limit" in sticky.compose(None, "ci", "x" * (room + 1))

    def test_compose__an_overlong_kept_section_is_cut_only_as_far_as_needed(self):
        old = sticky.compose(None, "ci", "line\n" * 20_000)
        body = sticky.compose(old, "cd", "deployed")
        assert len(body) <= 65_536
        assert len(body) > 65_536 - 10
        assert sticky.sections(body)["cd"] == "deployed"

    @pytest.mark.parametrize(
        ("text", "open_"),
        [("```\nx", "```"), ("```\nx\n```", ""), ("~~~\n```\n", "~~~"), ("````\n```\n", "````"), ("x", "")],
    )
    def test_open_fence(self, text, open_):
        assert sticky.open_fence(text) == open_

    def test_sections__a_body_edited_in_the_web_ui_comes_back_with_crlf(self):
        body = sticky.compose(sticky.compose(None, "ci", "ci v1\nline"), "cd", "deployed")
        edited = body.replace("\n", "\r\n")
        assert sticky.sections(edited) == {"ci": "ci v1\nline", "cd": "deployed"}
        assert sticky.sections(sticky.compose(edited, "ci", "ci v2")) == {"ci": "ci v2", "cd": "deployed"}


class TestReport:
    def test_status__green(self):
        assert status_line(report()) == "## ✅ CI passed · commit `cccccccccccc`"

    def test_status__names_every_reason_to_fail(self):
        r = report(
            tests=(TestRun("3.10", 10, 2, 1, 0, 1.0), TestRun("3.12", 10, 0, 0, 0, 1.0)),
            coverage=(Coverage("3.12", 100, 50, 0, 0, 1),),
            scan=Scan("t", "i", {"CRITICAL": 2, "HIGH": 0, "MEDIUM": 0, "LOW": 0, "UNKNOWN": 0}, 1),
        )
        line = status_line(r)
        assert line.startswith("## ❌ CI failed")
        for phrase in (
            "3 failing on Python 3.10",
            "no test results for Python 3.11",
            "coverage below 90 % on 3.12",
            "1 fixable CRITICAL",
        ):
            assert phrase in line

    def test_status__warns_on_missing_inputs_when_nothing_failed(self):
        line = status_line(report(problems=(Problem("lint", "lint/ruff.json: file not found"),)))
        assert line.startswith("## ⚠️ CI passed, with 1 missing or broken report(s)")

    def test_render__every_section_with_its_facts(self):
        text = render_report(report())
        for heading in (
            "### Tests",
            "### Coverage",
            "### Image",
            "### Vulnerabilities (image scan)",
            "### Lint (ruff, non-blocking)",
            "### Artifacts",
        ):
            assert heading in text
        assert "ghcr.io/octo-org/sample-app@sha256:" + "d" * 64 in text
        assert "| 3.11 | ✅ | 9 | 0 | 0 | 1 | 1.5 s |" in text

    def test_render__missing_parts_are_one_line_each(self):
        problems = (
            Problem("lint", "lint/ruff.json: file not found"),
            Problem("scan", "scan/trivy.sarif: not valid JSON (Expecting value at line 1, column 1)"),
        )
        text = render_report(report(lint=None, scan=None, problems=problems))
        assert "> ⚠️ lint/ruff.json: file not found" in text
        assert "> ⚠️ scan/trivy.sarif: not valid JSON (Expecting value at line 1, column 1)" in text

    def test_render__hostile_test_names_stay_inert(self):
        """Outside code spans nothing is HTML, a mention, a link or a heading; inside them GitHub
        shows the text literally. No marker survives anywhere."""
        failed = (FailedTest(HOSTILE, "failure", HOSTILE),)
        text = render_report(report(tests=(TestRun("3.12", 1, 1, 0, 0, 0.1, failed),)))
        prose = re.sub(r"(`+)(.+?)\1", "", text)
        assert "<img" not in prose
        assert "@octocat" not in prose
        assert "](https://evil" not in prose
        assert "<!--" not in text
        assert not re.search(r"^# heading", text, re.M)

    def test_render__pipes_in_table_code_cells_do_not_split_the_row(self):
        cov = Coverage("3.12", 10, 5, 0, 0, 1, (FileCoverage("weird|name.py", 10, 5),))
        row = next(line for line in render_report(report(coverage=(cov,))).splitlines() if "weird" in line)
        assert row.count(" | ") == 2
        assert r"weird\|name.py" in row

    def test_render__100000_failures_fit_the_comment_and_say_what_was_cut(self):
        """The issue's bar: a report with 100,000 failing tests stays within 65,536 characters."""
        failed = tuple(FailedTest(f"tests/test_{i}.py::test_{'x' * 200}", "failure", "E" * 300) for i in range(200))
        runs = tuple(TestRun(v, 100_000, 100_000, 0, 0, 9.0, failed) for v in ("3.10", "3.11", "3.12"))
        text = render_report(report(tests=runs))
        assert sticky.size(text) <= CI_BUDGET
        assert "of 300000 failing tests shown" in text
        assert "Full report: the [job summary]" in text
        assert sticky.size(sticky.compose(None, "ci", text)) <= sticky.GITHUB_LIMIT

    def test_render__long_vulnerability_and_lint_tables_are_shortened(self):
        vulns = tuple(Vulnerability(f"CVE-{i}", "pkg", "1", "2", "HIGH", "", "t" * 300) for i in range(200))
        scan = Scan("t", "i", {"CRITICAL": 0, "HIGH": 200, "MEDIUM": 0, "LOW": 0, "UNKNOWN": 0}, 0, vulns)
        lint = Lint(500, 0, tuple(RuleCount(f"R{i}", 5, "m" * 300) for i in range(100)))
        text = render_report(report(scan=scan, lint=lint))
        assert "15 of 200 CRITICAL/HIGH findings shown" in text
        assert "15 of 100 lint rules shown" in text

    def test_render__one_row_for_a_package_installed_twice(self):
        """Trivy counts the same wheel in two site-packages twice; the table shows it once, saying so."""
        twice = tuple(Vulnerability("CVE-1", "wheel", "0.45", "0.46", "HIGH", location=where) for where in ("a", "b"))
        scan = Scan("t", "i", {"CRITICAL": 0, "HIGH": 2, "MEDIUM": 0, "LOW": 0, "UNKNOWN": 0}, 0, twice)
        text = render_report(report(scan=scan))
        assert text.count("CVE-1") == 1
        assert "wheel (2 places)" in text
        assert "findings shown" not in text

    def test_summary__shows_more_than_the_comment_within_1_mib(self):
        failed = tuple(FailedTest(f"t{i}", "failure", "m") for i in range(200))
        r = report(tests=(TestRun("3.12", 200, 200, 0, 0, 1.0, failed),))
        summary, comment = render_summary(r), render_report(r)
        assert summary.count("(failure)") == 200
        assert comment.count("(failure)") == 30
        assert len(summary.encode()) <= 1024 * 1024

    def test_summary__is_bounded_in_bytes_not_characters(self):
        """The step summary's limit is bytes: CJK test names (3 bytes a character) are measured as
        such, where a character count would let the text run to three times the budget."""
        failed = tuple(FailedTest("测试" * 300, "failure", "失败" * 300) for _ in range(200))
        r = report(tests=(TestRun("3.12", 200, 200, 0, 0, 1.0, failed),))
        by_bytes = render_report(r, 30_000, SUMMARY_LEVELS, utf8_size)
        by_chars = render_report(r, 30_000, SUMMARY_LEVELS)
        assert len(by_bytes.encode()) <= 30_000
        assert len(by_chars.encode()) > 30_000
        assert "(failure)" in by_bytes

    def test_render__image_built_but_not_pushed_for_forks(self):
        text = render_report(report(image=replace(report().image, pushed=False)))
        assert "built, not pushed" in text
        assert "docker pull" not in text

    def test_render__image_links_its_package_page_and_gives_the_pull_line(self):
        text = render_report(report(), context=Context("https://github.com", "Octo-Org/Sample-App"))
        digest = "sha256:" + "d" * 64
        assert (
            "[ghcr.io/octo-org/sample-app](https://github.com/Octo-Org/Sample-App/pkgs/container/sample-app)"
            f" (pushed) · digest `{digest}`"
        ) in text
        assert f"pull: `docker pull ghcr.io/octo-org/sample-app@{digest}`" in text

    @pytest.mark.parametrize(
        "name",
        ["ghcr.io/someone-else/sample-app", "127.0.0.1:5000/octo-org/sample-app", "ghcr.io/octo-org/sample-app2"],
    )
    def test_render__no_package_link_for_an_image_that_is_not_ours_on_ghcr(self, name):
        text = render_report(
            report(image=replace(report().image, name=name)),
            context=Context("https://github.com", "octo-org/sample-app"),
        )
        assert "/pkgs/container/" not in text
        assert f"`{name}` (pushed)" in text

    def test_render__skipped_steps_are_said_not_failed(self):
        text = render_report(report(skipped=("attestation", "code-scanning")))
        assert status_line(report(skipped=("attestation", "code-scanning"))) == status_line(report())
        assert "⏭️ No build provenance attestation stored: attestations need a public repository" in text
        assert "⏭️ Not uploaded to code scanning: enable it for this repository" in text


class TestDeploy:
    def test_render_deploy__success(self):
        d = Deploy(
            "success",
            "printed 5 as expected",
            "ghcr.io/o/r@sha256:" + "e" * 64,
            "sha256:" + "e" * 64,
            "docker run … 2 3",
            0,
            "5\n",
            "",
            0.8,
            "5",
        )
        text = render_deploy(d)
        assert text.startswith("## ✅ Deploy: success")
        assert "@sha256:" in text
        assert "exit status 0" in text
        assert "```text\n5\n```" in text

    def test_render_deploy__huge_hostile_output_stays_in_budget(self):
        out = ("@octocat <!-- x --> ```\n" * 500_000)[:10_000_000]
        text = render_deploy(Deploy("failure", "exit 1", stdout=out, stderr=out))
        assert sticky.size(text) <= CD_BUDGET
        assert "<!--" not in text
