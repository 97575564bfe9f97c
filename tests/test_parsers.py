"""Parsers on the real outputs in tests/fixtures/reports/ (whence: SOURCES.tsv), and on hostile input.

The expected counts are those the fixtures' SOURCES.tsv states for each file, counted from the
elements (not the header attributes, which real producers get wrong).
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from scripts.errors import InputError
from scripts.model import MAX_FAILED_KEPT
from scripts.parse.cobertura import parse_cobertura
from scripts.parse.junit import parse_junit
from scripts.parse.ruff_json import parse_ruff
from scripts.parse.trivy import parse_trivy

FIXTURES = Path(__file__).parent / "fixtures" / "reports"

ENTITY_BOMB = """<?xml version="1.0"?>
<!DOCTYPE lolz [
 <!ENTITY lol "lol">
 <!ENTITY lol1 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
 <!ENTITY lol2 "&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;">
 <!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">
 <!ENTITY lol4 "&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;">
 <!ENTITY lol5 "&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;">
 <!ENTITY lol6 "&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;">
 <!ENTITY lol7 "&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;">
 <!ENTITY lol8 "&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;">
 <!ENTITY lol9 "&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;">
]>
<testsuites><testsuite><testcase name="&lol9;"/></testsuite></testsuites>
"""

XXE = """<?xml version="1.0"?>
<!DOCTYPE x [<!ENTITY secret SYSTEM "file:///etc/passwd">]>
<testsuite><testcase name="&secret;"><failure message="&secret;"/></testcase></testsuite>
"""


def write(tmp_path: Path, name: str, content: str | bytes) -> Path:
    path = tmp_path / name
    path.write_bytes(content.encode() if isinstance(content, str) else content)
    return path


class TestJunit:
    @pytest.mark.parametrize(
        ("name", "tests", "failures", "errors", "skipped"),
        [
            ("junit-dorny-java-pulsar.xml", 808, 1, 0, 14),
            ("junit-dorny-jest-large-4239.xml", 4239, 2, 0, 30),
            ("junit-dorny-python-unittest.xml", 8, 1, 1, 2),
            ("junit-dorny-python-xunit-pytest.xml", 10, 2, 0, 2),  # header says tests=15
            ("junit-enricomi-bazel-suite-logs.xml", 1, 0, 1, 0),
            ("junit-enricomi-jest-jest-junit.xml", 2, 0, 0, 0),
            ("junit-enricomi-junit.multiresult.xml", 4, 1, 1, 1),  # the worst result of a case counts
            ("junit-enricomi-minimal-attributes.xml", 4, 1, 1, 1),
            ("junit-enricomi-mocha-latex-utensils.xml", 109, 0, 0, 0),
            ("junit-enricomi-no-cases.xml", 0, 0, 0, 0),
            ("junit-enricomi-pytest-junit.fail.xml", 5, 1, 0, 1),
            ("junit-enricomi-pytest-junit.gloo.standalone.xml", 97, 0, 0, 17),
            ("junit-enricomi-pytest-junit.mpi.standalone.xml", 97, 0, 0, 1),
            ("junit-enricomi-scalatest-TEST-uk.co.gresearch.spark.diff.DiffOptionsSuite.xml", 5, 0, 0, 0),
            ("junit-enricomi-testsuite-in-testsuite.xml", 5, 0, 0, 0),
            ("junit-enricomi-testsuite-root.xml", 5, 0, 0, 0),
            ("junit-enricomi-unsupported-unicode.xml", 7, 2, 2, 2),
            ("junit-enricomi-with-xml-entities.xml", 4, 1, 1, 2),
            ("junit-pytest-collection-error-windows.xml", 1, 0, 1, 0),
            ("junit-pytest-empty-0-tests-loopy.xml", 0, 0, 0, 0),
            ("junit-pytest-legacy-evalml-1173.xml", 1173, 2, 0, 36),
            ("junit-pytest-misha-109-fail-skip.xml", 109, 1, 0, 2),
            ("junit-pytest-openbb-3216.xml", 3216, 0, 0, 32),
            ("junit-pytest-pygithub-1008cases-header1623.xml", 1008, 0, 0, 0),  # header says 1623
        ],
    )
    def test_parse_junit__counts_real_reports(self, name, tests, failures, errors, skipped):
        run = parse_junit(FIXTURES / name, "3.12")
        assert (run.tests, run.failures, run.errors, run.skipped) == (tests, failures, errors, skipped)
        assert run.passed == tests - failures - errors - skipped
        assert len(run.failed) == failures + errors

    def test_parse_junit__names_and_first_message_lines(self):
        run = parse_junit(FIXTURES / "junit-pytest-collection-error-windows.xml", "3.11")
        [failed] = run.failed
        assert (failed.name, failed.kind, failed.message) == (
            "tests.unit.test_dtype_utils",
            "error",
            "collection failure",
        )
        run = parse_junit(FIXTURES / "junit-enricomi-bazel-suite-logs.xml", "3.11")
        assert run.failed[0].message == "exited with error code 1"

    def test_parse_junit__decodes_entities_and_unicode(self):
        names = {f.name for f in parse_junit(FIXTURES / "junit-enricomi-with-xml-entities.xml", "3").failed}
        assert names == {"Test with 'apostrophe' in the test name", "Test with & in the test name"}
        messages = [f.message for f in parse_junit(FIXTURES / "junit-enricomi-unsupported-unicode.xml", "3").failed]
        assert any("𒍺" in m for m in messages)

    def test_parse_junit__duration_is_the_producers_wall_time(self):
        assert parse_junit(FIXTURES / "junit-enricomi-pytest-junit.fail.xml", "3").duration == 2.481

    @pytest.mark.parametrize(
        ("name", "problem"),
        [
            ("junit-enricomi-empty.xml", "file is empty"),
            ("junit-enricomi-non-xml.xml", "not well-formed XML"),
            ("junit-enricomi-pytest-corrupt-xml.xml", "not well-formed XML (no element found at line 11)"),
            ("junit-enricomi-non-junit.xml", "root element <suites> is not <testsuites> or <testsuite>"),
        ],
    )
    def test_parse_junit__malformed_real_files_name_file_and_problem(self, name, problem):
        with pytest.raises(InputError, match=re.escape(problem)) as exc:
            parse_junit(FIXTURES / name, "3.12")
        assert str(exc.value).startswith(f"{FIXTURES / name}: ")
        assert problem in str(exc.value)

    def test_parse_junit__refuses_an_entity_bomb_before_expanding_it(self, tmp_path):
        """The DOCTYPE is refused as it starts; nothing is expanded (timed in the benchmark)."""
        with pytest.raises(InputError, match="a DOCTYPE with an internal subset is not accepted"):
            parse_junit(write(tmp_path, "bomb.xml", ENTITY_BOMB), "3.12")

    def test_parse_junit__refuses_external_entities(self, tmp_path):
        with pytest.raises(InputError, match="a DOCTYPE with an internal subset is not accepted"):
            parse_junit(write(tmp_path, "xxe.xml", XXE), "3.12")

    def test_parse_junit__refuses_an_oversized_file_without_reading_it(self, tmp_path):
        """A 200 MB file is refused from its size alone (sparse here, so the test writes nothing)."""
        path = tmp_path / "huge.xml"
        with path.open("wb") as f:
            f.truncate(200 * 1024 * 1024)
        with pytest.raises(InputError, match=r"209,715,200 bytes is over the 67,108,864-byte limit"):
            parse_junit(path, "3.12")

    def test_parse_junit__binary_garbage(self, tmp_path):
        with pytest.raises(InputError, match="not well-formed XML"):
            parse_junit(write(tmp_path, "garbage.xml", os.urandom(4096) + b"\x00"), "3.12")

    def test_parse_junit__missing_file_and_directory(self, tmp_path):
        with pytest.raises(InputError, match="file not found"):
            parse_junit(tmp_path / "nope.xml", "3.12")
        with pytest.raises(InputError, match="not a regular file"):
            parse_junit(tmp_path, "3.12")

    def test_parse_junit__keeps_a_bounded_list_of_failures(self, tmp_path):
        cases = "".join(f'<testcase name="t{i}"><failure message="m{i}"/></testcase>' for i in range(1000))
        run = parse_junit(write(tmp_path, "many.xml", f"<testsuite>{cases}</testsuite>"), "3.12")
        assert run.failures == 1000
        assert len(run.failed) == MAX_FAILED_KEPT

    def test_parse_junit__message_from_text_when_no_attribute(self, tmp_path):
        xml = "<testsuite><testcase name='t'><error>\n\n  Traceback: boom\nmore</error></testcase></testsuite>"
        assert parse_junit(write(tmp_path, "t.xml", xml), "3").failed[0].message == "Traceback: boom"

    def test_parse_junit__nonsense_times_do_not_break_the_duration(self, tmp_path):
        xml = "<testsuite><testcase name='a' time='soon'/><testcase name='b' time='-5'/><testcase name='c' time='1.5'/></testsuite>"
        assert parse_junit(write(tmp_path, "t.xml", xml), "3").duration == 1.5

    def test_parse_junit__utf16_with_bom(self, tmp_path):
        xml = '<?xml version="1.0" encoding="UTF-16"?><testsuite><testcase name="ü"/></testsuite>'
        assert parse_junit(write(tmp_path, "u16.xml", xml.encode("utf-16")), "3").tests == 1


class TestWhatRealProducersWrite:
    """Files of producers other than pytest, each counted by hand from the file itself."""

    def test_disabled_cases__skipped_not_passed(self):
        """22 cases: 10 status='disabled' (the header's disabled='10'), 4 failed, 2 errored."""
        run = parse_junit(FIXTURES / "junit-mikepenz-disabled.xml", "3.12")
        assert (run.tests, run.passed, run.failures, run.errors, run.skipped) == (22, 6, 4, 2, 10)

    def test_disabled_status__any_case_and_googletests_notrun(self, tmp_path):
        xml = "<testsuite><testcase name='a' status='DISABLED'/><testcase name='b' status='notrun'/><testcase name='c' status='run'/></testsuite>"
        run = parse_junit(write(tmp_path, "d.xml", xml), "3")
        assert (run.tests, run.passed, run.skipped) == (3, 1, 2)

    def test_disabled_case_that_failed__counts_as_failed(self, tmp_path):
        xml = "<testsuite><testcase name='a' status='disabled'><failure message='m'/></testcase></testsuite>"
        run = parse_junit(write(tmp_path, "d.xml", xml), "3")
        assert (run.failures, run.skipped) == (1, 0)

    def test_header_without_cases__its_counts_said_to_be_the_headers(self):
        run = parse_junit(FIXTURES / "junit-enricomi-no-cases-but-tests.xml", "3.12")
        assert (run.tests, run.passed, run.failures, run.errors, run.skipped) == (6, 3, 1, 0, 2)
        assert run.from_header is True
        assert run.ok is False

    def test_header_without_cases__zero_tests_stays_an_empty_run(self):
        run = parse_junit(FIXTURES / "junit-enricomi-no-cases.xml", "3.12")
        assert (run.tests, run.from_header) == (0, False)

    def test_header_without_cases__suites_summed_root_counts_preferred(self, tmp_path):
        xml = (
            "<testsuites><testsuite tests='3' failures='1'/><testsuite tests='4' errors='2' disabled='1'/></testsuites>"
        )
        run = parse_junit(write(tmp_path, "h.xml", xml), "3")
        assert (run.tests, run.failures, run.errors, run.skipped) == (7, 1, 2, 1)
        xml = "<testsuites tests='5' failures='5'><testsuite tests='3' failures='1'/></testsuites>"
        run = parse_junit(write(tmp_path, "h.xml", xml), "3")
        assert (run.tests, run.failures) == (5, 5)

    def test_header_with_cases__ignored(self):
        run = parse_junit(FIXTURES / "junit-dorny-python-xunit-pytest.xml", "3.12")
        assert (run.tests, run.from_header) == (10, False)  # its header says tests=15

    @pytest.mark.parametrize(
        ("header", "problem"),
        [
            ("tests='2' failures='2' skipped='1'", "suite header counts more failed and skipped tests than tests"),
            ("tests='2' failures='x'", "suite header failures='x' is not a count"),
            ("tests='-1'", "suite header tests='-1' is not a count"),
            ("tests='99999999999999999999'", "is not a count"),
        ],
    )
    def test_header_without_cases__nonsense_refused(self, tmp_path, header, problem):
        path = write(tmp_path, "h.xml", f"<testsuite {header}/>")
        with pytest.raises(InputError, match=re.escape(problem)) as caught:
            parse_junit(path, "3")
        assert str(caught.value).startswith(f"{path}: ")

    def test_nanosecond_times__read_as_nanoseconds(self):
        """container-structure-test: root time="1967986371" is 1.97 s, not 62 years."""
        run = parse_junit(FIXTURES / "junit-mikepenz-container-structure-test.xml", "3.12")
        assert run.duration == 1.968
        assert run.tests == 3

    def test_nanosecond_case_times__summed_then_converted(self, tmp_path):
        xml = "<testsuite><testcase name='a' time='999638317'/><testcase name='b' time='2000000000'/></testsuite>"
        assert parse_junit(write(tmp_path, "n.xml", xml), "3").duration == 3.0

    @pytest.mark.parametrize(
        ("times", "seconds"),
        [
            (("432000",), 432000.0),  # 5 days: the longest job GitHub runs, still seconds
            (("432001000000",), 432.001),  # beyond, and a whole number: nanoseconds
            (("500000.5",), 0.0),  # not a whole number: no unit makes it plausible
            (("1e300", "1e300"), 0.0),
            (("9" * 400,), 0.0),  # infinite as a float
            (("nan",), 0.0),
        ],
    )
    def test_implausible_times__nanoseconds_or_no_duration(self, tmp_path, times, seconds):
        cases = "".join(f"<testcase name='t{i}' time='{t}'/>" for i, t in enumerate(times))
        run = parse_junit(write(tmp_path, "n.xml", f"<testsuite>{cases}</testsuite>"), "3")
        assert run.duration == seconds

    def test_surefire_reruns__final_outcome_counts_flaky_marked(self):
        """rerunFailure/rerunError: failed every attempt. flakyFailure/flakyError: passed in the end."""
        run = parse_junit(FIXTURES / "junit-enricomi-surefire-flaky.xml", "3.12")
        assert (run.tests, run.passed, run.failures, run.errors) == (4, 2, 1, 1)
        assert run.flaky == 2
        assert run.flaky_tests == (
            "example.ExampleTests::failsAssertionOnlyFirstAttempt",
            "example.ExampleTests::throwsOnlyFirstAttempt",
        )

    def test_repeated_cases__a_rerun_replaces_the_failed_attempt(self):
        """xcresult/trainer writes each attempt: fail then pass is one flaky pass, fail twice is
        one failure. Two passes of one name are two tests (parametrized alike), never merged."""
        run = parse_junit(FIXTURES / "junit-xcode-trainer-retried-tests.xml", "3.12")
        assert (run.tests, run.passed, run.failures, run.errors) == (5, 4, 1, 0)
        assert run.flaky_tests == ("TicketRepositoryTests::offline filtering keeps the active ticket",)
        assert [f.name for f in run.failed] == ["TicketRepositoryTests::an expired ticket is dropped"]

    def test_repeated_cases__only_within_one_suite(self, tmp_path):
        """The same test under two suites (two browsers, two packages) is two tests."""
        xml = """<testsuites><testsuite name="chrome"><testcase classname="c" name="t"><failure/></testcase></testsuite>
        <testsuite name="firefox"><testcase classname="c" name="t"/></testsuite></testsuites>"""
        run = parse_junit(write(tmp_path, "r.xml", xml), "3")
        assert (run.tests, run.failures, run.flaky) == (2, 1, 0)

    def test_repeated_cases__rerun_that_errors_replaces_the_failure(self, tmp_path):
        xml = """<testsuite><testcase name="t"><failure message="first"/></testcase>
        <testcase name="t"><error message="second"/></testcase></testsuite>"""
        run = parse_junit(write(tmp_path, "r.xml", xml), "3")
        assert (run.tests, run.failures, run.errors, run.flaky) == (1, 0, 1, 0)
        assert [(f.kind, f.message) for f in run.failed] == [("error", "second")]

    def test_repeated_cases__beyond_the_kept_failures_still_recognised(self, tmp_path):
        """The 250th failing test is not in the kept list, but its rerun still replaces it."""
        cases = "".join(f'<testcase name="t{i}"><failure/></testcase>' for i in range(250))
        xml = f'<testsuite>{cases}<testcase name="t249"/></testsuite>'
        run = parse_junit(write(tmp_path, "r.xml", xml), "3")
        assert (run.tests, run.failures, run.flaky, len(run.failed)) == (250, 249, 1, MAX_FAILED_KEPT)

    def test_coverlet_branch_true__its_branches_counted(self):
        """coverlet writes branch="True" (capital T): 2 lines and 4 branches, all covered."""
        cov = parse_cobertura(FIXTURES / "coverage-coverlet-1.9-issue760.xml", "3.12")
        assert (cov.lines_valid, cov.lines_covered, cov.branches_valid, cov.branches_covered) == (2, 2, 4, 4)
        assert cov.branch_percent == 100.0

    def test_gcovr_doctype__accepted(self):
        """gcovr writes <!DOCTYPE coverage SYSTEM '...coverage-04.dtd'> in every version."""
        cov = parse_cobertura(FIXTURES / "coverage-gcovr-8.0-simple1-gcc14.xml", "3.12")
        assert (cov.lines_valid, cov.lines_covered, cov.branches_valid, cov.branches_covered) == (11, 7, 4, 2)

    def test_external_dtd__never_fetched_and_its_entities_never_defined(self, tmp_path):
        """The DTD would define &secret;: it is neither read from disk nor fetched over HTTP, and
        the reference is refused, in text and in an attribute alike."""
        import http.server
        import threading

        requests: list[str] = []

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_GET(self):
                requests.append(self.path)
                self.send_response(200)
                self.end_headers()
                self.wfile.write(b'<!ENTITY secret "leaked">')

            def log_message(self, *_args):
                pass

        server = http.server.HTTPServer(("127.0.0.1", 0), Handler)
        threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.005}, daemon=True).start()
        dtd = write(tmp_path, "evil.dtd", '<!ENTITY secret "leaked">')
        try:
            for system in (f"http://127.0.0.1:{server.server_port}/coverage-04.dtd", dtd.as_uri()):
                ok = write(
                    tmp_path,
                    "ok.xml",
                    f"<!DOCTYPE testsuite SYSTEM '{system}'><testsuite><testcase name='a'/></testsuite>",
                )
                assert parse_junit(ok, "3").tests == 1
                for body in ("<testcase name='a'>&secret;</testcase>", "<testcase name='&secret;'/>"):
                    path = write(
                        tmp_path, "x.xml", f"<!DOCTYPE testsuite SYSTEM '{system}'><testsuite>{body}</testsuite>"
                    )
                    with pytest.raises(InputError, match="undefined entity"):
                        parse_junit(path, "3")
        finally:
            server.shutdown()
            server.server_close()
        assert requests == []

    def test_parameter_entity__refused_and_never_fetched(self, tmp_path):
        xml = "<!DOCTYPE testsuite [<!ENTITY % remote SYSTEM 'http://127.0.0.1:9/x.dtd'> %remote;]><testsuite/>"
        with pytest.raises(InputError, match="a DOCTYPE with an internal subset is not accepted"):
            parse_junit(write(tmp_path, "p.xml", xml), "3")

    def test_doctype_blanked__line_numbers_kept(self, tmp_path):
        xml = "<?xml version='1.0'?>\n<!DOCTYPE coverage\n  SYSTEM 'c.dtd'>\n<coverage>\n<oops></coverage>"
        with pytest.raises(InputError, match=re.escape("at line 5")):
            parse_cobertura(write(tmp_path, "c.xml", xml), "3")

    @pytest.mark.parametrize(
        "prolog",
        [
            "<!DOCTYPE coverage>",
            "<!DOCTYPE coverage PUBLIC '-//x//EN' 'http://example.invalid/c.dtd'>",
            "\ufeff<?xml version='1.0' encoding='UTF-8'?><!-- gcovr --><?pi x?>\n<!DOCTYPE coverage SYSTEM \"c.dtd\">",
        ],
    )
    def test_bare_doctype_forms__accepted(self, tmp_path, prolog):
        path = write(tmp_path, "c.xml", prolog + '<coverage lines-valid="0" lines-covered="0"/>')
        assert parse_cobertura(path, "3").lines_valid == 0


class TestCobertura:
    @pytest.mark.parametrize(
        ("name", "lines_valid", "lines_covered", "branches_valid", "branches_covered", "files"),
        [
            ("coverage-py-4.5.4-mittab-79files.xml", 4689, 1594, 0, 0, 79),
            ("coverage-py-7.10.7-alchemiser-222files.xml", 13334, 7456, 0, 0, 222),
            ("coverage-py-7.12-branch-kibray-54files.xml", 13881, 8130, 3090, 912, 54),
            ("coverage-py-7.12-flask-small.xml", 462, 191, 0, 0, 6),
            ("coverage-py-misha-1.xml", 1530, 489, 0, 0, 47),
            ("coverage-py-misha-2.xml", 1759, 1565, 436, 361, 32),
            ("coverage-py-misha-3.xml", 8, 8, 4, 2, 1),
        ],
    )
    def test_parse_cobertura__totals_of_real_reports(
        self, name, lines_valid, lines_covered, branches_valid, branches_covered, files
    ):
        cov = parse_cobertura(FIXTURES / name, "3.12")
        assert (cov.lines_valid, cov.lines_covered, cov.branches_valid, cov.branches_covered, cov.files_total) == (
            lines_valid,
            lines_covered,
            branches_valid,
            branches_covered,
            files,
        )

    def test_parse_cobertura__percent_is_coverage_pys_total(self):
        """Lines and branches together, as `coverage report` and --cov-fail-under compute it."""
        cov = parse_cobertura(FIXTURES / "coverage-py-misha-2.xml", "3.12")
        assert cov.percent == pytest.approx(100 * (1565 + 361) / (1759 + 436))
        assert cov.line_percent == pytest.approx(88.97, abs=0.01)  # the file's line-rate 0.8897

    def test_parse_cobertura__lowest_files_worst_first(self):
        cov = parse_cobertura(FIXTURES / "coverage-py-7.12-flask-small.xml", "3.12")
        percents = [f.percent for f in cov.lowest]
        assert percents == sorted(percents)
        assert cov.lowest[0].percent == 0.0

    def test_parse_cobertura__counts_method_lines_once(self, tmp_path):
        """Java producers repeat a class's lines under <method>; they are not counted twice."""
        xml = """<coverage><packages><package><classes><class filename="A.java">
          <methods><method><lines><line number="1" hits="1"/></lines></method></methods>
          <lines><line number="1" hits="1"/><line number="2" hits="0" branch="true" condition-coverage="50% (1/2)"/></lines>
        </class></classes></package></packages></coverage>"""
        cov = parse_cobertura(write(tmp_path, "c.xml", xml), "3")
        assert (cov.lines_valid, cov.lines_covered, cov.branches_valid, cov.branches_covered) == (2, 1, 2, 1)

    def test_parse_cobertura__branch_percent_apart_from_lines(self):
        """All 8 lines covered but 2 of 4 branches: lines 100 %, branches 50 %, total 83.3 %."""
        cov = parse_cobertura(FIXTURES / "coverage-py-misha-3.xml", "3.12")
        assert (cov.line_percent, cov.branch_percent) == (100.0, 50.0)
        assert cov.percent == pytest.approx(100 * 10 / 12)

    @pytest.mark.parametrize(
        ("content", "problem"),
        [
            ("<testsuite/>", "root element <testsuite> is not <coverage>"),
            ('<coverage lines-valid="1" lines-covered="5"/>', "covered counts exceed valid counts"),
            ("<coverage><class", "not well-formed XML"),
            (ENTITY_BOMB.replace("testsuites", "coverage"), "DOCTYPE"),
        ],
    )
    def test_parse_cobertura__rejects(self, tmp_path, content, problem):
        with pytest.raises(InputError, match=problem):
            parse_cobertura(write(tmp_path, "c.xml", content), "3")


class TestTrivy:
    @pytest.mark.parametrize(
        ("name", "counts", "fixable_critical"),
        [
            ("trivy-alpine-310.sarif.golden", [0, 0, 4, 0, 0], 0),
            ("trivy-debian-buster.json.golden", [1, 0, 0, 1, 0], 1),
            ("trivy-distroless-python27.json.golden", [0, 0, 2, 2, 0], 0),
            ("trivy-fs-requirements-flask-small.sarif", [0, 2, 0, 0, 0], 0),
            ("trivy-image-python310-fastapi.json", [4, 32, 0, 0, 0], 4),  # same wheel in two site-packages
            ("trivy-image-python311slim-todo-api.json", [2, 12, 43, 65, 36], 0),
            ("trivy-image-python312slim-EMPTY-results.sarif", [0, 0, 0, 0, 0], 0),
            ("trivy-image-python36slim-buster-flask.sarif", [23, 70, 56, 6, 9], 23),
            ("trivy-image-python39-trixie-flask-885vulns.json", [0, 50, 144, 669, 22], 0),
            ("trivy-image-ubuntu2004-speedtest.sarif", [0, 0, 34, 8, 0], 0),
            ("trivy-pip.json.golden", [0, 1, 1, 0, 0], 0),
        ],
    )
    def test_parse_trivy__counts_by_severity(self, name, counts, fixable_critical):
        scan = parse_trivy(FIXTURES / name)
        assert [scan.counts[s] for s in ("CRITICAL", "HIGH", "MEDIUM", "LOW", "UNKNOWN")] == counts
        assert scan.fixable_critical == fixable_critical

    def test_parse_trivy__legacy_template_follows_rule_ids(self):
        """Trivy 0.15's template wrote 60 ruleIndex values that point at other rules (the jQuery
        results point at curl's rules); the ruleId matches each message, so it is what we follow.
        Counted by ruleIndex the file would say CRITICAL 56 / HIGH 40, as its SOURCES.tsv line does."""
        scan = parse_trivy(FIXTURES / "trivy-legacy-template-v0.15-alpine.sarif")
        assert scan.counts == {"CRITICAL": 27, "HIGH": 37, "MEDIUM": 46, "LOW": 3, "UNKNOWN": 11}
        curl = next(v for v in scan.top if v.id == "CVE-2018-14618")
        assert (curl.package, curl.installed, curl.fixed) == ("curl", "7.61.0-r0", "7.61.1-r0")
        assert curl.url == "https://avd.aquasec.com/nvd/cve-2018-14618"

    def test_parse_trivy__sarif_details_from_the_message(self):
        scan = parse_trivy(FIXTURES / "trivy-fs-requirements-flask-small.sarif")
        first = scan.top[0]
        assert (first.id, first.package, first.installed, first.fixed, first.severity) == (
            "CVE-2024-1135",
            "gunicorn",
            "21.2.0",
            "22.0.0",
            "HIGH",
        )
        assert scan.tool == "Trivy 0.67.2"

    def test_parse_trivy__top_is_critical_then_high_fixable_first(self):
        scan = parse_trivy(FIXTURES / "trivy-image-python311slim-todo-api.json")
        severities = [v.severity for v in scan.top]
        assert severities == sorted(severities, key=["CRITICAL", "HIGH"].index)
        highs = [v for v in scan.top if v.severity == "HIGH"]
        assert [bool(v.fixed) for v in highs] == sorted((bool(v.fixed) for v in highs), reverse=True)

    def test_parse_trivy__truncated_real_file(self):
        with pytest.raises(
            InputError, match=r"not valid JSON \(Expecting property name enclosed in double quotes at line 423"
        ):
            parse_trivy(FIXTURES / "trivy-image-python310slim-TRUNCATED-davix.sarif")

    @pytest.mark.parametrize(
        ("content", "problem"),
        [
            ('{"hello": 1}', "neither SARIF"),
            ("[1, 2]", "neither SARIF"),
            ('{"runs": 5}', "SARIF without a runs list"),
            ('{"SchemaVersion": 2, "Results": {}}', "Results is not a list"),
            ("[" * 100_000 + "]" * 100_000, "nested too deeply"),
            (b'{"a": "\xff"}', "not UTF-8"),
        ],
    )
    def test_parse_trivy__rejects(self, tmp_path, content, problem):
        with pytest.raises(InputError, match=problem):
            parse_trivy(write(tmp_path, "t.json", content))

    def test_parse_trivy__drops_unsafe_links(self, tmp_path):
        data = {"SchemaVersion": 2, "Results": [{"Target": "x", "Vulnerabilities": [
            {"VulnerabilityID": "CVE-1", "PkgName": "p", "InstalledVersion": "1", "Severity": "CRITICAL",
             "PrimaryURL": "javascript:alert(1)"}]}]}  # fmt: skip
        assert parse_trivy(write(tmp_path, "t.json", json.dumps(data))).top[0].url == ""


class TestRuff:
    def test_parse_ruff__real_ruff_output(self, tmp_path):
        """ruff itself writes the input: two findings, counted by rule."""
        source = write(tmp_path, "bad.py", "import os\nimport sys\n")
        out = subprocess.run(
            [
                str(Path(sys.executable).parent / "ruff"),
                "check",
                "--isolated",
                "--select",
                "F401",
                "--output-format",
                "json",
                "--exit-zero",
                str(source),
            ],
            capture_output=True,
            check=True,
        ).stdout
        lint = parse_ruff(write(tmp_path, "ruff.json", out))
        assert lint.total == 2
        assert lint.fixable == 2
        [rule] = lint.rules
        assert (rule.rule, rule.count) == ("F401", 2)
        assert rule.example == "bad.py:1: `os` imported but unused"

    def test_parse_ruff__no_findings(self, tmp_path):
        assert parse_ruff(write(tmp_path, "r.json", "[]")).total == 0

    def test_parse_ruff__syntax_errors_have_no_code(self, tmp_path):
        data = [{"code": None, "message": "SyntaxError: bad", "filename": "x.py", "location": {"row": 3}, "fix": None}]
        lint = parse_ruff(write(tmp_path, "r.json", json.dumps(data)))
        assert lint.rules[0].rule == "syntax-error"

    @pytest.mark.parametrize(
        ("content", "problem"),
        [
            ('{"a": 1}', "expected a JSON list of ruff findings"),
            ("[1]", "a finding is not a JSON object"),
            ("not json", r"not valid JSON \(Expecting value at line 1, column 1\)"),
        ],
    )
    def test_parse_ruff__rejects(self, tmp_path, content, problem):
        with pytest.raises(InputError, match=f"r.json: {problem}$"):
            parse_ruff(write(tmp_path, "r.json", content))


class TestSlowestTests:
    def test_the_five_longest__as_the_file_says(self):
        """Oracle: ElementTree over the same file, sorted by each case's time attribute."""
        import xml.etree.ElementTree as ET

        fixture = FIXTURES / "junit-pytest-openbb-3216.xml"
        cases = [
            (float(c.get("time")), f"{c.get('classname')}::{c.get('name')}")
            for c in ET.parse(fixture).iter("testcase")  # noqa: S314
            if c.get("time")
        ]
        expected = [(name, round(t, 3)) for t, name in sorted(cases, key=lambda x: -x[0])[:5]]
        run = parse_junit(fixture, "3.12")
        assert [(t.name, t.seconds) for t in run.slowest] == expected

    def test_a_rerun__one_row_with_its_longest_attempt(self):
        run = parse_junit(FIXTURES / "junit-xcode-trainer-retried-tests.xml", "3.12")
        assert [(t.name, t.seconds) for t in run.slowest] == [
            ("TicketRepositoryTests::offline filtering keeps the active ticket", 0.9),
            ("TicketRepositoryTests::an expired ticket is dropped", 0.4),
            ('TicketRepositoryTests::a ticket is filtered by city ("MAD")', 0.2),
            ("TicketRepositoryTests::a ticket without a session is ignored", 0.1),
        ]

    def test_nanoseconds__read_as_the_runs_duration_is(self):
        """container-structure-test: time="999638317" on a case is 0.9996 s."""
        run = parse_junit(FIXTURES / "junit-mikepenz-container-structure-test.xml", "3.12")
        assert [(t.name, t.seconds) for t in run.slowest] == [("Command Test: apt-get upgrade", 1.0)]

    def test_in_the_comment__a_table_per_version_names_inert(self):
        from scripts.model import SlowTest, TestRun
        from scripts.report.render import render_report
        from tests.test_render import HOSTILE, report

        runs = (TestRun("3.12", 3, 0, 0, 0, 9.0, slowest=(SlowTest("t::slow", 7.5), SlowTest(HOSTILE, 0.25))),)
        text = render_report(report(python_versions=("3.12",), tests=runs, coverage=()))
        assert (
            "<details><summary>Slowest tests</summary>\n\n| Python | test | time |\n|---|---|---|\n| 3.12 | `t::slow` | 7.50 s |"
            in text
        )
        assert "<img" not in text.split("Slowest tests")[1].replace("`<img", "")

    @pytest.mark.parametrize(
        ("slowest", "problem"),
        [
            ([{"name": "a", "seconds": 1.0}] * 6, r"tests\[\]\.slowest: more than 5 items"),
            ([{"name": "a", "seconds": -1}], r"tests\[\]\.slowest\[\]\.seconds: out of range"),
            ([{"name": "", "seconds": 1}], r"tests\[\]\.slowest\[\]\.name"),
        ],
    )
    def test_forged_in_report_json__refused_by_cd(self, slowest, problem):
        import json

        from scripts.errors import InputError
        from scripts.model import Report, TestRun, from_dict, to_dict

        data = json.loads(
            json.dumps(to_dict(Report(python_versions=("3.12",), tests=(TestRun("3.12", 1, 0, 0, 0, 1.0),))))
        )
        data["tests"][0]["slowest"] = slowest
        with pytest.raises(InputError, match=problem):
            from_dict(data)
