"""scripts.parse.diffs and scripts.report.compare on this project's own coverage at two commits
(tests/fixtures/compare/SOURCES.tsv): the expected figures are worked out by hand from the files,
written here as numbers."""

from __future__ import annotations

import functools
import json
import re
from pathlib import Path

import pytest

from scripts.model import Coverage, FailedTest, Report, TestRun, to_ranges
from scripts.parse.cobertura import parse_cobertura
from scripts.parse.diffs import PrFile, added_lines, pr_file
from scripts.report.compare import compare

FIXTURES = Path(__file__).parent / "fixtures" / "compare"


@functools.cache
def coverage_of(name: str) -> Coverage:
    """Parsed once per run: the Coverage is frozen, so tests may share it."""
    return parse_cobertura(FIXTURES / name, "3.12")


def report(coverage: str, failed: tuple[str, ...] = (), tests: int = 908) -> Report:
    cov = coverage_of(coverage)
    run = TestRun("3.12", tests, len(failed), 0, 0, 40.0, tuple(FailedTest(n, "failure", "boom") for n in failed))
    return Report(python_versions=("3.12",), tests=(run,), coverage=(cov,))


def files() -> list[PrFile]:
    entries = json.loads((FIXTURES / "pr-files.json").read_text())
    return [f for e in entries if (f := pr_file(e["filename"], e["status"], e.get("patch"))) is not None]


class TestChangedLines:
    def test_the_untested_function__25_percent_of_its_changed_lines(self):
        """Added: lines 22-28 of scripts/gitrefs.py. Executable among them: 24 (def, run at
        import), 26, 27, 28; covered: 24. 1 of 4 = 25 %; 26-28 uncovered."""
        result = compare(report("coverage-head.xml"), report("coverage-base.xml"), files(), "a" * 40, "the merge base")
        assert (result.changed_covered, result.changed_executable, result.changed_percent) == (1, 4, 25.0)
        [changed] = result.changed
        assert (changed.path, changed.uncovered) == ("scripts/gitrefs.py", ((26, 28),))

    def test_coverage_delta__by_hand(self):
        """Base: (3057 + 846) / (3119 + 906) = 96.97 %; head: (3058 + 846) / (3123 + 908) = 96.85 %."""
        result = compare(report("coverage-head.xml"), report("coverage-base.xml"), files(), "a" * 40, "the merge base")
        [delta] = result.versions
        assert (delta.coverage_base, delta.coverage_head, delta.coverage_change) == (96.97, 96.85, -0.12)

    def test_a_pr_that_changes_nothing_measured__delta_zero_no_changed_lines(self):
        readme = PrFile("README.md", added_lines("@@ -1,2 +1,3 @@\n a\n+b\n c"))
        result = compare(report("coverage-base.xml"), report("coverage-base.xml"), [readme], "a" * 40, "the merge base")
        assert result.versions[0].coverage_change == 0.0
        assert (result.changed, result.changed_executable, result.changed_percent) == ((), 0, None)

    def test_a_file_without_patch__named_never_guessed(self):
        result = compare(report("coverage-head.xml"), None, [PrFile("scripts/gitrefs.py", (), has_patch=False)])
        assert (result.files_without_patch, result.changed_executable) == (("scripts/gitrefs.py",), 0)
        assert (result.base_sha, result.versions) == ("", ())


class TestFailures:
    def test_new_and_already_failing__split_by_the_bases_list(self):
        head = report("coverage-head.xml", failed=("t::new", "t::old"))
        base = report("coverage-base.xml", failed=("t::old", "t::fixed"))
        result = compare(head, base, [], "a" * 40, "the merge base")
        assert (result.new_failures, result.already_failing) == (("t::new",), ("t::old",))

    def test_no_base__nothing_called_new(self):
        result = compare(report("coverage-head.xml", failed=("t::a",)), None, [])
        assert (result.new_failures, result.already_failing) == ((), ())

    def test_tests_added__counted_per_version(self):
        result = compare(report("coverage-head.xml", tests=911), report("coverage-base.xml"), [], "a" * 40, "x")
        assert (result.versions[0].tests_base, result.versions[0].tests_head) == (908, 911)


class TestDiffs:
    def test_hunks__added_lines_numbered_in_the_new_file(self):
        patch = (
            "@@ -1,4 +1,5 @@\n"
            " keep\n"
            "-gone\n"
            "+new two\n"
            "+new three\n"
            " keep four\n"
            "@@ -40,2 +41,3 @@ def f():\n"
            " forty-one\n"
            "+forty-two\n"
            "\\ No newline at end of file\n"
            " forty-three"
        )
        assert added_lines(patch) == (2, 3, 42)

    def test_real_patch__the_fixtures_seven_lines(self):
        assert files() == [PrFile("scripts/gitrefs.py", (22, 23, 24, 25, 26, 27, 28))]

    @pytest.mark.parametrize(
        ("path", "status", "patch", "expected"),
        [
            ("a.py", "removed", "@@ -1 +0,0 @@\n-x", None),
            ("../a.py", "modified", "@@ -1 +1 @@\n+x", None),
            ("logo.png", "added", None, PrFile("logo.png", (), has_patch=False)),
            ("a.py", "renamed", "@@ -3,0 +4 @@\n+x", PrFile("a.py", (4,))),
        ],
    )
    def test_api_entries(self, path, status, patch, expected):
        assert pr_file(path, status, patch) == expected

    def test_to_ranges(self):
        assert to_ranges([7, 1, 2, 3, 3]) == ((1, 3), (7, 7))
        assert to_ranges(set()) == ()


class TestPerLineData:
    def test_cobertura__each_files_run_and_missed_lines_as_ranges(self):
        """Oracle: ElementTree over the same file."""
        import xml.etree.ElementTree as ET

        cov = parse_cobertura(FIXTURES / "coverage-head.xml", "3.12")
        expected = {}
        for cls in ET.parse(FIXTURES / "coverage-head.xml").iter("class"):  # noqa: S314
            lines = [(int(x.get("number")), x.get("hits") != "0") for x in cls.iter("line")]
            expected[cls.get("filename")] = (
                to_ranges([n for n, hit in lines if hit]),
                to_ranges([n for n, hit in lines if not hit]),
            )
        assert {f.path: (f.covered, f.missed) for f in cov.lines} == expected
        assert cov.lines_complete is True
        gitrefs = next(f for f in cov.lines if f.path == "scripts/gitrefs.py")
        assert (gitrefs.covered, gitrefs.missed) == (
            ((4, 4), (6, 6), (11, 12), (15, 15), (17, 21), (24, 24)),
            ((26, 28),),
        )

    def test_report_json__round_trips_and_cd_refuses_forged_ranges(self):
        from scripts.errors import InputError
        from scripts.model import from_dict, to_dict

        good = report("coverage-head.xml")
        data = json.loads(json.dumps(to_dict(good)))
        assert from_dict(data) == good
        for forged, problem in (
            ([[5, 3]], "not ascending"),
            ([[1, 2], [3, 4]], "not ascending"),  # touching ranges are one range
            ([[0, 1]], "not ascending"),
            ([["1", 2]], "not ascending"),
            ([[1, 2]] * 100_001, "more than 100000 items"),
        ):
            data["coverage"][0]["lines"][0]["missed"] = forged
            with pytest.raises(InputError, match=problem):
                from_dict(data)

    def test_bounds__files_over_the_limit_left_out_and_said(self, tmp_path):
        classes = "".join(
            f'<class filename="f{i}.py"><lines><line number="1" hits="1"/></lines></class>' for i in range(2_001)
        )
        path = tmp_path / "c.xml"
        path.write_text(f"<coverage><packages><package><classes>{classes}</classes></package></packages></coverage>")
        cov = parse_cobertura(path, "3.12")
        assert (len(cov.lines), cov.lines_complete, cov.files_total) == (2_000, False, 2_001)


class TestInTheComment:
    def rendered(self, comparison, pr: int = 7) -> str:
        from scripts.report.render import Context, render_report

        head = report("coverage-head.xml")
        return render_report(head, context=Context("https://github.com", "octo-org/sample-app", pr, comparison))

    def test_deltas_and_changed_lines__as_a_reviewer_reads_them(self):
        c = compare(report("coverage-head.xml"), report("coverage-base.xml"), files(), "ab" * 20, "the merge base")
        text = self.rendered(c)
        assert (
            "### Compared with the base branch\n"
            "Against `abababababab` (the merge base).\n\n"
            "| Python | coverage | Δ | tests |\n|---|---|---|---|\n"
            "| 3.12 | 96.97 % → 96.85 % | ↓ 0.12 pp | 908 → 908 (+0) |\n\n"
            "Changed lines: **1 of 4 covered (25.0 %)**\n\n"
            "| file | covered | uncovered changed lines |\n|---|---|---|\n"
            "| `scripts/gitrefs.py` | 1/4 | [26-28](https://github.com/octo-org/sample-app/pull/7/files"
            "#diff-30cf458da7c911f79e2419737144d2663104b3200bd4889e8bacf717669d69d3R26-R28) |"
        ) in text
        assert text.index("### Compared with the base branch") < text.index("### Tests")

    def test_new_failures__named_first_in_the_status_line(self):
        head = report("coverage-head.xml", failed=("t::old", "t::new"))
        c = compare(head, report("coverage-base.xml", failed=("t::old",)), [], "ab" * 20, "the merge base")
        from scripts.report.render import status_line

        assert status_line(head, c).startswith(
            "## ❌ CI failed: 1 new failing (passing on the base); 2 failing on Python 3.12"
        )
        text = self.rendered(c)
        assert "🆕 **1 new failing** (passing or absent on the base):\n- `t::new`" in text
        assert "1 failing already on the base." in text

    def test_no_baseline__said_with_why(self):
        c = compare(report("coverage-head.xml"), None, files())
        text = self.rendered(c)
        assert "No baseline: no successful CI run of the base branch with a `pr-report` artifact was found" in text
        assert "Changed lines: **1 of 4 covered (25.0 %)**" in text

    def test_hostile_path__inert_and_no_link_without_a_confirmed_pr(self):
        from scripts.report.compare import ChangedFile, Comparison

        evil = "a`](javascript:x)<img src=x>.py"
        c = Comparison("ab" * 20, "x", changed=(ChangedFile(evil, 2, 0, ((1, 2),)),), changed_executable=2)
        text = self.rendered(c, pr=0)
        assert "| ``a`](javascript:x)<img src=x>.py`` | 0/2 | 1-2 |" in text  # in a code span: literal text
        prose = re.sub(r"(`+)(.+?)\1", "", text)
        assert "javascript" not in prose
        assert "<img" not in prose

    def test_ranges_over_every_version__bounded_in_all_cd_refuses_ci_clamps(self):
        """100,000 ranges in all, whatever the number of versions: twenty versions of 60,000
        would make report.json larger than CD loads."""
        from scripts.errors import InputError
        from scripts.model import Coverage, FileLines, from_dict, to_dict
        from scripts.report.collect import _within_line_budget

        many = tuple((n, n) for n in range(1, 100_003, 2))  # 50,001 ranges: two versions are just over
        covs = [Coverage(v, 1, 1, 0, 0, 1, lines=(FileLines("a.py", covered=many),)) for v in ("3.11", "3.12")]
        data = json.loads(json.dumps(to_dict(Report(python_versions=("3.11", "3.12"), coverage=tuple(covs)))))
        with pytest.raises(InputError, match=r"more than 100000 line ranges in all"):
            from_dict(data)
        clamped = _within_line_budget(covs)
        assert [(c.python, len(c.lines), c.lines_complete) for c in clamped] == [("3.11", 0, False), ("3.12", 1, True)]
        from_dict(json.loads(json.dumps(to_dict(Report(python_versions=("3.11", "3.12"), coverage=tuple(clamped))))))
