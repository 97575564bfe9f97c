"""What a pull request can write into its own reports, and what must become of it: a Problem naming
the file (CI side) or a one-line refusal (CD side), never a traceback and never a blow-up."""

from __future__ import annotations

import json
import shutil
from dataclasses import replace
from pathlib import Path

import pytest

from scripts.errors import InputError, ScriptError
from scripts.model import MAX_PROBLEMS, MAX_VERSIONS, Problem, from_dict, to_dict
from scripts.parse.cobertura import parse_cobertura
from scripts.parse.junit import parse_junit
from scripts.parse.ruff_json import parse_ruff
from scripts.parse.trivy import parse_trivy
from scripts.report import cli as report_cli
from scripts.report.collect import collect
from scripts.untrusted import load_json

FIXTURES = Path(__file__).parent / "fixtures" / "reports"
VERSIONS = ("3.10", "3.11", "3.12")


def write(tmp_path: Path, name: str, data: bytes | str) -> Path:
    path = tmp_path / name
    path.write_bytes(data.encode() if isinstance(data, str) else data)
    return path


class TestJson:
    @pytest.mark.parametrize(
        ("raw", "problem"),
        [
            (b'{"a": "\\ud800"}', "a string holds a lone UTF-16 surrogate"),
            (b'{"\\udfff": 1}', "a string holds a lone UTF-16 surrogate"),
            (b'{"n": ' + b"1" * 5000 + b"}", r"not valid JSON \(an integer of more than 4,300 digits\)"),
            (b'{"n": NaN}', "NaN is not a JSON number"),
            (b'{"n": -Infinity}', "-Infinity is not a JSON number"),
            (b"[" + b"{}," * 1_000_001 + b"{}]", "more than 1,000,000 JSON objects and arrays"),
            (b"[" + b"0," * 4_000_001 + b"0]", "more than 4,000,000 JSON items"),
        ],
    )
    def test_load_json__refused_in_one_line(self, tmp_path, raw, problem):
        path = write(tmp_path, "x.json", raw)
        with pytest.raises(InputError, match=problem) as caught:
            load_json(path)
        assert str(caught.value).startswith(f"{path}: ")
        assert "\n" not in str(caught.value)

    def test_load_json__paired_surrogate_escapes_are_text(self, tmp_path):
        assert load_json(write(tmp_path, "x.json", b'{"a": "\\ud83d\\ude00"}')) == {"a": "\U0001f600"}

    def test_ruff__a_list_of_empty_objects_is_bounded(self, tmp_path):
        with pytest.raises(InputError, match="more than 1,000,000 JSON objects"):
            parse_ruff(write(tmp_path, "ruff.json", b"[" + b"{}," * 1_200_000 + b"{}]"))


class TestXml:
    @pytest.mark.parametrize("encoding", ["x", "UTF-7", "UTF-32", "Shift_JIS", "idna", "rot13", "zlib"])
    def test_encoding_python_cannot_decode__is_one_input_error(self, tmp_path, encoding):
        path = write(tmp_path, "junit.xml", f'<?xml version="1.0" encoding="{encoding}"?><testsuite/>')
        with pytest.raises(InputError, match=r"junit.xml: unsupported XML encoding \(") as caught:
            parse_junit(path, "3.12")
        assert "\n" not in str(caught.value)

    @pytest.mark.parametrize("encoding", ["utf-8", "UTF-16", "latin-1", "ascii", "cp1252"])
    def test_encodings_real_producers_write__still_read(self, tmp_path, encoding):
        text = f'<?xml version="1.0" encoding="{encoding}"?><testsuite><testcase name="t"/></testsuite>'
        path = write(tmp_path, "junit.xml", text.encode(encoding.replace("UTF-16", "utf-16")))
        assert parse_junit(path, "3.12").tests == 1

    def test_nesting__bounded_before_memory_goes(self, tmp_path):
        path = write(tmp_path, "junit.xml", "<testsuites>" + "<a>" * 5_000_000)
        with pytest.raises(InputError, match="elements nested deeper than 256 levels"):
            parse_junit(path, "3.12")

    def test_one_tag_with_millions_of_attributes__refused_while_streaming(self, tmp_path):
        attrs = b"".join(b' a%d="1"' % i for i in range(800_000))
        path = write(tmp_path, "coverage.xml", b"<coverage" + attrs + b"/>")
        with pytest.raises(InputError, match=r"one tag or comment is over 4,194,304 bytes long"):
            parse_cobertura(path, "3.12")

    def test_a_large_text_node_is_not_a_large_token(self, tmp_path):
        message = "x" * (6 * 1024 * 1024)
        path = write(
            tmp_path,
            "junit.xml",
            f'<testsuite><testcase name="t"><failure message="m">{message}</failure></testcase></testsuite>',
        )
        assert parse_junit(path, "3.12").failures == 1


class TestCoberturaNumbers:
    def coverage(self, tmp_path, root: str, lines: str = "") -> object:
        text = f'<coverage {root}><packages><package><classes><class filename="a.py"><lines>{lines}</lines></class></classes></package></packages></coverage>'
        return parse_cobertura(write(tmp_path, "coverage.xml", text), "3.12")

    @pytest.mark.parametrize("value", ["²", "١٢", "1" * 5000, "-1", "1e3", " 5"])
    def test_root_counts_that_are_not_plain_digits__ignored_for_the_lines(self, tmp_path, value):
        cov = self.coverage(
            tmp_path,
            f'lines-valid="{value}" lines-covered="1"',
            '<line number="1" hits="1"/><line number="2" hits="0"/>',
        )
        assert (cov.lines_valid, cov.lines_covered) == (2, 1)

    @pytest.mark.parametrize("hits", ["-1", "NaN", "", "0", "00", "²", "1.5"])
    def test_hits_that_are_not_a_positive_whole_number__not_covered(self, tmp_path, hits):
        cov = self.coverage(tmp_path, "", f'<line number="1" hits="{hits}"/>')
        assert (cov.lines_valid, cov.lines_covered) == (1, 0)

    def test_condition_coverage_of_400_digits__not_counted(self, tmp_path):
        digits = "9" * 400
        cov = self.coverage(
            tmp_path, "", f'<line number="1" hits="1" branch="true" condition-coverage="50% ({digits}/{digits})"/>'
        )
        assert (cov.branches_valid, cov.branches_covered) == (0, 0)

    def test_more_conditions_covered_than_exist__capped(self, tmp_path):
        cov = self.coverage(tmp_path, "", '<line number="1" hits="1" branch="true" condition-coverage="(5/2)"/>')
        assert (cov.branches_valid, cov.branches_covered) == (2, 2)


class TestTrivyShapes:
    @pytest.mark.parametrize(
        ("data", "problem"),
        [
            ({"version": "2.1.0", "runs": [{"tool": "x"}]}, "SARIF run without tool.driver"),
            ({"runs": ["x"]}, "SARIF run without tool.driver"),
            ({"runs": [{"tool": {"driver": {"name": "t"}}, "results": 7}]}, "a run's results is not a list"),
            ({"runs": [{"tool": {"driver": {"rules": {}}}, "results": []}]}, "tool.driver.rules is not a list"),
            ({"SchemaVersion": 2, "Results": "x"}, "Trivy JSON's Results is not a list"),
            ({"SchemaVersion": 2, "Results": [{"Vulnerabilities": 3}]}, "a result's Vulnerabilities is not a list"),
            ({"SchemaVersion": 2, "Results": [{"Secrets": {"a": 1}}]}, "a result's Secrets is not a list"),
        ],
    )
    def test_wrong_shapes__input_error_naming_the_file(self, tmp_path, data, problem):
        path = write(tmp_path, "trivy.json", json.dumps(data))
        with pytest.raises(InputError, match=f"^{path}: {problem}"):
            parse_trivy(path)

    def test_rule_id_that_is_a_list__skipped_not_a_crash(self, tmp_path):
        sarif = {
            "runs": [
                {
                    "tool": {"driver": {"name": "Trivy", "rules": [{"id": ["CVE-1"]}, {"id": "CVE-2"}]}},
                    "results": [{"ruleId": ["CVE-1"]}, {"ruleId": "CVE-2", "message": {"text": "Package: p"}}],
                }
            ]
        }
        scan = parse_trivy(write(tmp_path, "trivy.sarif", json.dumps(sarif)))
        assert scan.counts["UNKNOWN"] == 2

    def test_help_uri_over_500_characters__dropped_so_cd_accepts_the_report(self, tmp_path):
        long = "https://avd.aquasec.com/" + "a" * 600
        data = {
            "SchemaVersion": 2,
            "Results": [{"Vulnerabilities": [{"VulnerabilityID": "CVE-1", "Severity": "HIGH", "PrimaryURL": long}]}],
        }
        scan = parse_trivy(write(tmp_path, "trivy.json", json.dumps(data)))
        assert scan.top[0].url == ""


class TestOneSchema:
    """Every report.json CI can write is one CD accepts: CI clamps to exactly CD's limits."""

    def artifacts(self, tmp_path: Path) -> Path:
        root = tmp_path / "artifacts"
        for version in VERSIONS:
            folder = root / f"reports-py{version}"
            folder.mkdir(parents=True)
            shutil.copy(FIXTURES / "junit-pytest-misha-109-fail-skip.xml", folder / "junit.xml")
            shutil.copy(FIXTURES / "coverage-py-misha-3.xml", folder / "coverage.xml")
        (root / "scan").mkdir()
        shutil.copy(FIXTURES / "trivy-distroless-python27.json.golden", root / "scan" / "trivy.json")
        return root

    def round_trip(self, report) -> None:
        text = report_cli.report_json(report)
        assert from_dict(json.loads(text)) == report

    def test_every_fixture_report__accepted_by_cd(self, tmp_path):
        """Each real report in its slot, the other slots holding small ones: every file is read
        once, and every report.json CI writes from them is one CD accepts."""
        root = self.artifacts(tmp_path)
        folder = root / "reports-py3.12"
        slots = [(p, folder / "junit.xml") for p in sorted(FIXTURES.glob("junit-*.xml"))]
        slots += [(p, folder / "coverage.xml") for p in sorted(FIXTURES.glob("coverage-*.xml"))]
        slots += [
            (p, root / "scan" / ("trivy.sarif" if "sarif" in p.name else "trivy.json"))
            for p in sorted(FIXTURES.glob("trivy-*"))
        ]
        for source, slot in slots:
            original = slot.read_bytes() if slot.exists() else None
            for old in (root / "scan").iterdir() if slot.parent.name == "scan" else ():
                old.unlink()
            shutil.copy(source, slot)
            report = collect(root, ("3.12",), head_sha="a" * 40, run_url="https://github.com/o/r/actions/runs/1")
            self.round_trip(report)
            slot.unlink()
            if original is not None:
                slot.write_bytes(original)
            elif slot.parent.name == "scan":
                shutil.copy(FIXTURES / "trivy-distroless-python27.json.golden", root / "scan" / "trivy.json")

    def test_more_versions_and_problems_than_cd_takes__clamped(self, tmp_path):
        root = tmp_path / "artifacts"
        for minor in range(0, 40):
            (root / f"reports-py3.{minor}").mkdir(parents=True)  # empty: two problems each
        report = collect(root, VERSIONS)
        assert len(report.python_versions) == MAX_VERSIONS
        assert set(VERSIONS) <= set(report.python_versions)
        assert report.problems[0].message == "reports for more than 20 Python versions; only 20 are read"
        self.round_trip(report)

    def test_problems_over_cds_limit__the_last_says_how_many_more(self):
        from scripts.report.collect import _bounded

        kept = _bounded([Problem("lint", f"p{i}") for i in range(150)])
        assert len(kept) == MAX_PROBLEMS == 100
        assert kept[-1] == Problem("inputs", "… and 51 more problems (see the job log)")
        assert kept[-2] == Problem("lint", "p98")

    def test_a_report_cd_would_refuse__is_never_written(self, tmp_path):
        report = collect(self.artifacts(tmp_path), VERSIONS)
        broken = replace(report, python_versions=tuple(f"3.{i}" for i in range(MAX_VERSIONS + 1)))
        with pytest.raises(ScriptError, match=r"report\.json would be refused by CD"):
            report_cli.report_json(broken)


class TestCdRefusesWhatCiNeverWrites:
    """report.json as a fork could forge it: CD refuses in one line naming the field."""

    @pytest.fixture
    def good(self, tmp_path) -> dict:
        root = TestOneSchema().artifacts(tmp_path)
        return json.loads(json.dumps(to_dict(collect(root, VERSIONS))))

    @pytest.mark.parametrize(
        ("path", "value", "problem"),
        [
            (("coverage_threshold",), float("inf"), "coverage_threshold: out of range"),
            (("coverage_threshold",), -5, "coverage_threshold: out of range"),
            (("coverage_threshold",), 101, "coverage_threshold: out of range"),
            (("tests", 0, "duration"), -1.0, r"tests\[\].duration: out of range"),
            (("tests", 0, "skipped"), -1, r"tests\[\].skipped: out of range"),
            (("tests", 0, "failures"), 10**9, r"tests\[\]: failures, errors and skipped add up to more than tests"),
            (("tests", 0, "tests"), 2**53, r"tests\[\].tests: out of range"),
            (("tests", 0, "flaky"), 10**6, r"tests\[\]: more flaky tests than passed ones"),
            (("tests", 0, "flaky_tests"), ["a"], r"tests\[\]: more flaky tests than passed ones"),
            (("tests", 0, "flaky_tests"), [""], r"tests\[\].flaky_tests\[\]: expected a non-empty text"),
            (("tests", 0, "flaky_tests"), ["x"] * 201, r"tests\[\].flaky_tests: more than 200 items"),
            (("tests", 0, "from_header"), "yes", r"tests\[\].from_header: expected bool"),
            (("coverage", 0, "lines_covered"), 10**9, r"coverage\[\]: more lines or branches covered"),
            (("run_url",), "javascript:alert(1)", "run_url: not a valid value"),
            (("scan", "dropped"), -1, r"scan\.dropped: out of range"),
            (("tests", 0, "failed", 0, "file"), "../../etc/passwd", r"tests\[\]\.failed\[\]\.file: not a valid value"),
            (("tests", 0, "failed", 0, "line"), -3, r"tests\[\]\.failed\[\]\.line: out of range"),
            (("scan", "dropped"), "40", r"scan\.dropped: expected int"),
        ],
    )
    def test_forged_field__refused(self, good, path, value, problem):
        node = good
        for key in path[:-1]:
            node = node[key]
        node[path[-1]] = value
        with pytest.raises(InputError, match=f"^report.json.{problem}"):
            from_dict(good)


class TestAReadersBug:
    def test_an_unexpected_error_in_one_reader__is_a_problem_and_the_rest_renders(self, tmp_path, monkeypatch):
        from scripts.report import collect as collect_module

        def broken(_path):
            raise KeyError("a bug")

        monkeypatch.setattr(collect_module, "parse_ruff", broken)
        root = TestOneSchema().artifacts(tmp_path)
        (root / "lint").mkdir()
        (root / "lint" / "ruff.json").write_text("[]")
        report = collect(root, VERSIONS)
        assert Problem("lint", "could not read this input (KeyError: 'a bug')") in report.problems
        assert len(report.tests) == 3


class TestSafexmlBounds:
    """The bounds at their edges, with the whole message written out."""

    def parse(self, path: Path) -> list[str]:
        from scripts.parse import safexml

        seen: list[str] = []
        safexml.parse(path, lambda name, _attrs: seen.append(name), lambda _name: None)
        return seen

    def test_depth__256_accepted_257_refused(self, tmp_path):
        ok = write(tmp_path, "ok.xml", "<a>" * 256 + "</a>" * 256)
        assert len(self.parse(ok)) == 256
        deep = write(tmp_path, "deep.xml", "<a>" * 257 + "</a>" * 257)
        with pytest.raises(InputError, match="x") as caught:
            self.parse(deep)
        assert str(caught.value) == f"{deep}: line 1: elements nested deeper than 256 levels"

    @pytest.mark.parametrize(
        "prefix",
        [
            "<r><a/><a/>",  # closed siblings leave the depth where it was
            "<r><x><y/>",  # an end tag one level down returns to that level, not to the top
        ],
    )
    def test_depth__counted_down_exactly_at_each_end_tag(self, tmp_path, prefix):
        opened = prefix.count("<") - prefix.count("/>")
        path = write(tmp_path, "x.xml", prefix + "<b>" * (257 - opened))
        with pytest.raises(InputError, match="elements nested deeper than 256 levels"):
            self.parse(path)

    def test_unknown_encoding__message_names_it(self, tmp_path):
        name = "x" * 150
        path = write(tmp_path, "e.xml", f'<?xml version="1.0" encoding="{name}"?><a/>')
        with pytest.raises(InputError, match="unsupported XML encoding") as caught:
            self.parse(path)
        assert str(caught.value) == f"{path}: unsupported XML encoding ({('unknown encoding: ' + name)[:100]})"

    def test_a_handler_refusing_a_value__names_the_element(self, tmp_path):
        from scripts.parse import safexml

        def start(name, _attrs):
            raise ValueError("y" * 150)

        path = write(tmp_path, "h.xml", "<" + "e" * 60 + "/>")
        with pytest.raises(InputError, match="line 1") as caught:
            safexml.parse(path, start, lambda _n: None)
        assert str(caught.value) == f"{path}: line 1: <{'e' * 40}>: {'y' * 100}"

    def test_doctype__refused_with_its_reason(self, tmp_path):
        path = write(tmp_path, "d.xml", '<!DOCTYPE a SYSTEM "a.dtd" [<!ELEMENT a EMPTY>]><a/>')
        with pytest.raises(InputError, match="DOCTYPE") as caught:
            self.parse(path)
        assert str(caught.value) == (
            f"{path}: line 1: a DOCTYPE with an internal subset is not accepted (entity declarations are refused)"
        )

    def test_doctype_expat_would_see__refused(self, tmp_path):
        """A bare DOCTYPE is only blanked where it can be found byte for byte: in UTF-16 it
        reaches expat, which must still refuse it."""
        xml = '<?xml version="1.0" encoding="UTF-16"?>\n<!DOCTYPE a SYSTEM "a.dtd"><a/>'
        path = write(tmp_path, "d16.xml", xml.encode("utf-16"))
        with pytest.raises(InputError, match="DOCTYPE") as caught:
            self.parse(path)
        assert str(caught.value) == f"{path}: line 2: a DOCTYPE is accepted only at the start of a UTF-8 or ASCII file"
