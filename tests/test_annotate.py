"""Failing tests as annotations on the diff: file and line from real JUnit files, GitHub's limit of
10 error annotations per step, and every field escaped (the JUnit file may be a fork's)."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from scripts import annotate
from scripts.parse.junit import location, parse_junit

REPORTS = Path(__file__).resolve().parent / "fixtures" / "reports"


def layout(tmp_path: Path, **files: str) -> Path:
    """reports-py<version>/junit.xml from fixtures, keyed by version ("3_12" for 3.12)."""
    for version, name in files.items():
        folder = tmp_path / f"reports-py{version.replace('_', '.')}"
        folder.mkdir()
        shutil.copy(REPORTS / name, folder / "junit.xml")
    return tmp_path


class TestWhereATestFailed:
    @pytest.mark.parametrize(
        ("fixture", "expected"),
        [
            # pytest xunit2: no file attribute; the traceback's failing line in the module the classname names
            ("junit-dorny-python-xunit-pytest.xml", [("tests/test_lib.py", 25), ("tests/test_lib.py", 32)]),
            # pytest xunit1: file="test/test_spark.py" line="819" (the def, 0-based); the frames say
            # test_spark.py:821, :836, :852 relative to pytest's rootdir: the last one, in the file given
            ("junit-enricomi-pytest-junit.fail.xml", [("test/test_spark.py", 852)]),
            # file and line attributes and no traceback
            ("junit-enricomi-unsupported-unicode.xml", [("test/test-4.py", 4), ("test/test-5.py", 5), ("test/test-6.py", 6), ("test/test-7.py", 7)]),
            # Java: no file, no Python frame
            ("junit-dorny-java-pulsar.xml", [("", 0)]),
        ],
    )  # fmt: skip
    def test_real_reports(self, fixture, expected):
        run = parse_junit(REPORTS / fixture, "3.12")
        assert [(t.file, t.line) for t in run.failed] == expected

    def test_paths_outside_the_repository__never_a_location(self):
        text = "/etc/passwd.py:3: in x\n../up.py:4: in y\nC:\\\\w.py:5: in z\n"
        assert location({"file": "/abs/t.py", "line": "9", "classname": "t"}, text) == ("", 0)
        assert location({"file": "../t.py", "line": "9"}, "") == ("", 0)
        assert location({}, "tests/a.py:7: AssertionError\n") == ("tests/a.py", 7)
        assert location({"file": "tests/a.py", "line": "x"}, "") == ("tests/a.py", 0)
        assert location({"file": "tests/a.py", "line": "0"}, "") == ("tests/a.py", 0)


class TestAnnotations:
    def test_one_per_failing_test_versions_merged(self, tmp_path):
        root = layout(
            tmp_path, **{"3_10": "junit-dorny-python-xunit-pytest.xml", "3_12": "junit-dorny-python-xunit-pytest.xml"}
        )
        assert annotate.annotations(root) == [
            "::error file=tests/test_lib.py,line=25,title=failure%3A tests.test_lib%3A%3Atest_always_fail::assert False (Python 3.10, 3.12)",
            "::error file=tests/test_lib.py,line=32,title=failure%3A tests.test_lib%3A%3Atest_error::Exception: error (Python 3.10, 3.12)",
        ]  # fmt: skip

    def test_versions_in_numeric_order(self, tmp_path):
        root = layout(
            tmp_path, **{"3_9": "junit-dorny-python-xunit-pytest.xml", "3_10": "junit-dorny-python-xunit-pytest.xml"}
        )
        assert annotate.annotations(root)[0].endswith("(Python 3.9, 3.10)")

    def test_over_githubs_limit__ten_then_a_notice(self, tmp_path):
        root = layout(tmp_path, **{"3_12": "junit-pytest-legacy-evalml-1173.xml"})
        assert len(annotate.annotations(root)) == 2
        lines = annotate.annotations(root, limit=1)
        assert len(lines) == 2
        assert lines[1] == "::notice::1 more failing tests than GitHub shows as annotations: see the PR comment"
        assert annotate.MAX_ANNOTATIONS == 10

    def test_hostile_fields__one_command_each_nothing_injected(self, tmp_path):
        folder = tmp_path / "reports-py3.12"
        folder.mkdir()
        (folder / "junit.xml").write_text(
            '<testsuite><testcase classname="x" name="a,b::c&#10;::error::owned" file="t.py" line="3">'
            '<failure message="line one&#10;::add-mask::x %0A"/></testcase></testsuite>'
        )
        [line] = annotate.annotations(tmp_path)
        assert line == (
            "::error file=t.py,line=3,title=failure%3A x%3A%3Aa%2Cb%3A%3Ac%0A%3A%3Aerror%3A%3Aowned::"
            "line one (Python 3.12)"
        )

    def test_unreadable_junit__a_warning_and_the_others_still_read(self, tmp_path):
        root = layout(tmp_path, **{"3_12": "junit-dorny-python-xunit-pytest.xml"})
        (tmp_path / "reports-py3.11").mkdir()
        (tmp_path / "reports-py3.11" / "junit.xml").write_text("<testsuite><testcase>")
        lines = annotate.annotations(root)
        assert lines[0].startswith("::warning::annotate: ")
        assert "reports-py3.11/junit.xml" in lines[0]
        assert len(lines) == 3

    def test_cli__prints_them_and_exits_0_over_failing_tests(self, tmp_path, capsys):
        root = layout(tmp_path, **{"3_12": "junit-dorny-python-xunit-pytest.xml"})
        assert annotate.main([str(root)]) == 0
        assert capsys.readouterr().out.count("::error file=tests/test_lib.py") == 2

    def test_cli__not_a_folder_one_line(self, tmp_path, capsys):
        assert annotate.main([str(tmp_path / "none")]) == 1
        assert capsys.readouterr().err == f"annotate: error: {tmp_path / 'none'}: not a folder\n"
