"""scripts.sarif and scripts.parse.sources: Trivy's findings as alerts on this repository's own lines.

Oracles come from outside the code under test: the line a result points at is read back from the
file and must be the FROM line or the package's pin; the SARIF 2.1.0 schema (OASIS, vendored in
tests/fixtures/schemas/) checked by jsonschema; limits written out as GitHub documents them.
"""

from __future__ import annotations

import copy
import functools
import gzip
import json
import re
from pathlib import Path

import pytest

from scripts import sarif
from scripts.errors import InputError
from scripts.model import Finding, Findings, Vulnerability
from scripts.parse.sources import Line, Sources, base_line, normalize, pin_lines, read_sources
from scripts.parse.trivy import read_findings
from tests.support.sarif_schema import problems, schema_problems

ROOT = Path(__file__).resolve().parents[1]
REPORTS = ROOT / "tests" / "fixtures" / "reports"
TRIVY = sorted(p for p in REPORTS.glob("trivy-*") if "TRUNCATED" not in p.name)
REQUIREMENTS = [ROOT / "scripts" / "requirements.txt", ROOT / "requirements-dev.txt"]


def convert(report: Path, tmp_path: Path, *extra: str) -> dict:
    out = tmp_path / "out.sarif"
    args = [str(report), "--out", str(out), "--dockerfile", str(ROOT / "Dockerfile"), "--root", str(ROOT)]
    for path in REQUIREMENTS:
        args += ["--requirements", str(path)]
    assert sarif.main([*args, *extra]) == 0
    return json.loads(out.read_text(encoding="utf-8"))


def located(result: dict) -> tuple[str, int]:
    location = result["locations"][0]["physicalLocation"]
    return location["artifactLocation"]["uri"], location["region"]["startLine"]


@functools.cache
def lines_of(path: str) -> tuple[str, ...]:
    return tuple((ROOT / path).read_text(encoding="utf-8").splitlines())


def line_of(path: str, number: int) -> str:
    return lines_of(path)[number - 1]


def package_of(result: dict) -> str:
    return re.search(r"^Package: (.*)$", result["message"]["text"], re.MULTILINE)[1]


def finding(vid: str, package: str, severity: str, ecosystem: str = "os", score=None, location: str = "img") -> Finding:
    return Finding(Vulnerability(vid, package, "1.0", "1.1", severity, location=location), ecosystem, score)


SOURCES = Sources(
    base=Line("Dockerfile", 5, "FROM python:3.12-slim@sha256:ab"),
    pins={"requests": Line("requirements.txt", 12, "requests==2.32.3 \\")},
)


class TestEveryRealTrivyOutput:
    @pytest.mark.parametrize("report", TRIVY, ids=lambda p: p.name)
    def test_each_result__on_a_real_line_of_this_repository(self, report, tmp_path):
        document = convert(report, tmp_path)
        [run] = document["runs"]
        for result in run["results"]:
            path, number = located(result)
            text = line_of(path, number)
            if path == "Dockerfile":
                assert text.startswith("FROM python:3.12-slim@sha256:")
            else:
                assert path in ("scripts/requirements.txt", "requirements-dev.txt")
                pinned = re.match(r"([A-Za-z0-9._-]+)", text)[1]
                assert normalize(pinned) == normalize(package_of(result))

    @pytest.mark.parametrize("report", TRIVY, ids=lambda p: p.name)
    def test_output__valid_sarif_as_the_action_and_github_check_it(self, report, tmp_path):
        document = convert(report, tmp_path)
        assert problems(document, json.dumps(document)) == []

    def test_counts__one_result_per_vulnerability_package_and_file(self, tmp_path):
        """todo-api's scan: 158 findings, of which wheel's CVE-2026-24049 twice (its own install and
        setuptools' vendored copy): one alert naming both paths. Of the Python packages only pytest
        is pinned by a file given (requirements-dev.txt); Flask, pip, wheel go to FROM."""
        document = convert(REPORTS / "trivy-image-python311slim-todo-api.json", tmp_path)
        results = document["runs"][0]["results"]
        assert len(results) == 157
        assert len({r["partialFingerprints"][sarif.FINGERPRINT_KEY] for r in results}) == 157
        on_pins = [(located(r), package_of(r)) for r in results if located(r)[0] != "Dockerfile"]
        assert [(path, package) for (path, _), package in on_pins] == [("requirements-dev.txt", "pytest")]
        [wheel] = [r for r in results if package_of(r) == "wheel"]
        assert located(wheel) == ("Dockerfile", 5)
        assert (
            "In the image at: usr/local/lib/python3.11/site-packages/setuptools/_vendor/wheel-0.45.1.dist-info/METADATA, "
            "usr/local/lib/python3.11/site-packages/wheel-0.45.1.dist-info/METADATA\n"
        ) in wheel["message"]["text"]

    def test_python_package_of_the_base_image__on_from_with_its_image_path(self, tmp_path):
        """pip in the base image's site-packages: nothing of ours pins it, so it goes to FROM and
        the message keeps where it is in the image."""
        document = convert(REPORTS / "trivy-image-python36slim-buster-flask.sarif", tmp_path)
        pip = [r for r in document["runs"][0]["results"] if package_of(r) == "pip"]
        assert pip
        for result in pip:
            assert located(result) == ("Dockerfile", 5)
            assert "In the image at: usr/local/lib/python3.6/site-packages/pip-" in result["message"]["text"]

    def test_truncated_report__one_line_naming_the_file(self, tmp_path, capsys):
        bad = REPORTS / "trivy-image-python310slim-TRUNCATED-davix.sarif"
        assert sarif.main([str(bad), "--out", str(tmp_path / "o.sarif"), "--root", str(ROOT)]) == 3
        err = capsys.readouterr().err
        assert err.count("\n") == 1
        assert err.startswith(f"sarif: error: {bad}: not valid JSON")
        assert not (tmp_path / "o.sarif").exists()


class TestIdentity:
    def rebuild(self, data: dict) -> dict:
        """The same commit built again: another image digest, other layer digests, its paths listed
        in another order. What a rebuild changes, and nothing a fix changes."""
        again = copy.deepcopy(data)
        again["ArtifactName"] = "ghcr.io/o/r@sha256:" + "b" * 64
        again["Metadata"] = {"ImageID": "sha256:" + "c" * 64}
        for result in again["Results"]:
            for vuln in result.get("Vulnerabilities") or []:
                vuln["Layer"] = {"DiffID": "sha256:" + "d" * 64}
            result["Vulnerabilities"] = list(reversed(result.get("Vulnerabilities") or []))
        return again

    def fingerprints(self, data: dict, tmp_path: Path, name: str) -> dict[tuple[str, str], str]:
        path = tmp_path / f"{name}.json"
        path.write_text(json.dumps(data))
        results = convert(path, tmp_path)["runs"][0]["results"]
        return {(r["ruleId"], package_of(r)): r["partialFingerprints"][sarif.FINGERPRINT_KEY] for r in results}

    def test_two_rebuilds__identical_fingerprints(self, tmp_path):
        data = json.loads((REPORTS / "trivy-image-python311slim-todo-api.json").read_text())
        first = self.fingerprints(data, tmp_path, "first")
        second = self.fingerprints(self.rebuild(data), tmp_path, "second")
        assert first == second
        assert len(first) == 157

    def test_a_bump_that_fixes_one__only_that_one_gone(self, tmp_path):
        data = json.loads((REPORTS / "trivy-image-python311slim-todo-api.json").read_text())
        first = self.fingerprints(data, tmp_path, "first")
        bumped = self.rebuild(data)
        os_result = bumped["Results"][0]
        gone = os_result["Vulnerabilities"].pop(0)
        second = self.fingerprints(bumped, tmp_path, "second")
        key = (gone["VulnerabilityID"], gone["PkgName"])
        assert key in first
        assert key not in second
        assert {k: v for k, v in first.items() if k != key} == second

    def test_fingerprint__vulnerability_package_and_file_each_count(self):
        base = sarif.place([finding("CVE-1", "a", "HIGH")], SOURCES)[0].fingerprint
        assert sarif.place([finding("CVE-2", "a", "HIGH")], SOURCES)[0].fingerprint != base
        assert sarif.place([finding("CVE-1", "b", "HIGH")], SOURCES)[0].fingerprint != base
        moved = Sources(Line("build/Dockerfile", 5, "FROM x"), {})
        assert sarif.place([finding("CVE-1", "a", "HIGH")], moved)[0].fingerprint != base
        # ... and the line number, the image path and the versions do not
        elsewhere = Sources(Line("Dockerfile", 9, "FROM y"), {})
        other = Finding(Vulnerability("CVE-1", "a", "0.9", "", "HIGH", location="other/path"), "os")
        assert sarif.place([other], elsewhere)[0].fingerprint == base

    def test_the_readers_reserved_line_hash__never_set(self, tmp_path):
        """upload-sarif computes primaryLocationLineHash itself and warns on one it did not make."""
        document = convert(REPORTS / "trivy-debian-buster.json.golden", tmp_path)
        for result in document["runs"][0]["results"]:
            assert list(result["partialFingerprints"]) == ["trivyFinding/v1"]


class TestPlacement:
    def test_pinned_python_package__on_its_pin(self):
        [item] = sarif.place([finding("CVE-1", "Requests", "HIGH", "python")], SOURCES)
        assert (item.line.path, item.line.number, item.pinned) == ("requirements.txt", 12, True)

    def test_os_package_named_like_a_pin__still_on_from(self):
        """A Debian package called like a Python one is the base image's to fix."""
        [item] = sarif.place([finding("CVE-1", "requests", "HIGH", "os")], SOURCES)
        assert (item.line.path, item.line.number, item.pinned) == ("Dockerfile", 5, False)

    def test_unpinned_python_and_other_ecosystems__on_from(self):
        items = sarif.place(
            [finding("CVE-1", "flask", "HIGH", "python"), finding("CVE-2", "lodash", "HIGH", "other")], SOURCES
        )
        assert [(i.line.path, i.line.number) for i in items] == [("Dockerfile", 5), ("Dockerfile", 5)]

    def test_one_package_at_two_image_paths__one_alert_naming_both(self):
        items = sarif.place(
            [
                finding("CVE-1", "pip", "HIGH", "python", location="usr/lib/python3/site-packages/pip"),
                finding("CVE-1", "pip", "HIGH", "python", location="usr/local/lib/site-packages/pip"),
            ],
            SOURCES,
        )
        assert [i.image_paths for i in items] == [
            ("usr/lib/python3/site-packages/pip", "usr/local/lib/site-packages/pip")
        ]

    def test_message__versions_image_paths_and_what_to_do(self):
        document = sarif.to_sarif(
            Findings("Trivy", "0.70.0", "img", (finding("CVE-1", "requests", "HIGH", "python"),)), SOURCES
        )
        assert document["runs"][0]["results"][0]["message"]["text"] == (
            "Package: requests\nInstalled Version: 1.0\nFixed Version: 1.1\nSeverity: HIGH\nIn the image at: img\n"
            "Raise the pin of requests in requirements.txt (line 12) to 1.1."
        )
        document = sarif.to_sarif(Findings("Trivy", "", "img", (finding("CVE-2", "libc6", "LOW"),)), SOURCES)
        assert document["runs"][0]["results"][0]["message"]["text"].endswith(
            "Update the base image on Dockerfile line 5 to a digest whose libc6 is 1.1 or later."
        )


class TestSeverity:
    @pytest.mark.parametrize(
        ("severity", "score", "shown"),
        [
            ("CRITICAL", 9.8, "9.8"),
            ("CRITICAL", 9.0, "9.0"),
            (
                "CRITICAL",
                5.0,
                "9.5",
            ),  # Debian said CRITICAL, NVD's score says otherwise: the tab agrees with the comment
            ("HIGH", 7.5, "7.5"),
            ("HIGH", 9.1, "8.0"),
            ("HIGH", None, "8.0"),
            ("MEDIUM", 6.9, "6.9"),
            ("MEDIUM", 7.0, "5.5"),
            ("LOW", 0.1, "0.1"),
            ("LOW", 0.0, "2.0"),
            ("UNKNOWN", 7.0, None),
        ],
    )
    def test_security_severity__within_the_band_of_trivys_severity(self, severity, score, shown):
        assert sarif.security_severity(finding("CVE-1", "a", severity, score=score)) == shown

    def test_rule__tags_precision_level_and_help(self):
        items = (finding("CVE-1", "a", "MEDIUM", score=5.0), finding("CVE-1", "b", "CRITICAL", score=9.9))
        [rule] = sarif.to_sarif(Findings("Trivy", "", "img", items), SOURCES)["runs"][0]["tool"]["driver"]["rules"]
        assert rule["properties"] == {
            "precision": "very-high",
            "tags": ["security", "vulnerability", "CRITICAL"],
            "security-severity": "9.9",
        }
        assert rule["defaultConfiguration"] == {"level": "error"}
        assert rule["help"]["text"].splitlines()[2:] == [
            "- b 1.0: fixed in 1.1. Update the base image on Dockerfile line 5 to a digest whose b is 1.1 or later.",
            "- a 1.0: fixed in 1.1. Update the base image on Dockerfile line 5 to a digest whose a is 1.1 or later.",
        ]

    def test_trivy_json_score__from_the_severity_source_first(self, tmp_path):
        data = {
            "SchemaVersion": 2,
            "Results": [
                {
                    "Class": "os-pkgs",
                    "Type": "debian",
                    "Vulnerabilities": [
                        {
                            "VulnerabilityID": "CVE-1",
                            "PkgName": "a",
                            "Severity": "HIGH",
                            "SeveritySource": "debian",
                            "CVSS": {"nvd": {"V3Score": 9.8}, "debian": {"V3Score": 7.1}},
                        },
                        {"VulnerabilityID": "CVE-2", "PkgName": "b", "Severity": "HIGH", "CVSS": {"nvd": {"V3Score": 7.7}}},
                        {"VulnerabilityID": "CVE-3", "PkgName": "c", "Severity": "HIGH", "CVSS": {"ghsa": {"V3Score": 7.2}, "x": {"V3Score": 8.1}}},
                        {"VulnerabilityID": "CVE-4", "PkgName": "d", "Severity": "HIGH", "CVSS": {"nvd": {"V3Score": "NaN"}}},
                    ],
                }
            ],
        }  # fmt: skip
        path = tmp_path / "t.json"
        path.write_text(json.dumps(data))
        assert [f.score for f in read_findings(path).items] == [7.1, 7.7, 8.1, None]


def synthetic(count: int) -> Findings:
    """count distinct findings, a fifth of each severity, the CRITICAL ones last in the input."""
    severities = ("LOW", "UNKNOWN", "MEDIUM", "HIGH", "CRITICAL")
    items = tuple(
        Finding(
            Vulnerability(
                f"CVE-2026-{i:05d}",
                f"package-{i}",
                "1.0.0-1",
                "1.0.0-2",
                severities[i * 5 // count],
                url=f"https://avd.aquasec.com/nvd/cve-2026-{i:05d}",
                title=f"A vulnerability in package-{i}",
                location="usr/lib/x86_64-linux-gnu/libsomething.so",
            ),
            "os",
        )
        for i in range(count)
    )
    return Findings("Trivy", "0.70.0", "ghcr.io/o/r:sha-abc", items)


class TestLimits:
    def test_32000_results__within_every_limit_highest_kept(self):
        # Just enough that all UNKNOWN and some LOW must go (a fifth of each: 6,400).
        document = sarif.to_sarif(synthetic(32_000), SOURCES)
        [run] = document["runs"]
        assert len(run["results"]) == 25_000
        assert len(run["tool"]["driver"]["rules"]) <= 25_000
        kept = {r["level"] for r in run["results"]}
        severities = [r["message"]["text"].splitlines()[3] for r in run["results"]]
        assert severities.count("Severity: CRITICAL") == 6_400
        assert severities.count("Severity: HIGH") == 6_400
        assert severities.count("Severity: MEDIUM") == 6_400
        assert severities.count("Severity: LOW") == 5_800
        assert kept == {"error", "warning", "note"}
        assert run["properties"]["dropped"] == {
            "results": 7_000,
            "bySeverity": {"LOW": 600, "UNKNOWN": 6_400},
            "reason": "over GitHub's limits for one SARIF upload; the lowest severities were dropped first",
        }
        # The schema is checked on every real report above; here GitHub's limits (jsonschema would
        # take ~15 s over 25,000 results, for a shape the real reports already prove).
        assert problems(document, sarif.serialize(document), schema=False) == []

    def test_gzipped_size_over_the_limit__lowest_severities_dropped_until_under(self):
        document = sarif.to_sarif(synthetic(2_000), SOURCES, max_gzipped=60_000)
        # re-serialized and gzipped here, at the level the uploader uses (zlib's default, 6)
        text = json.dumps(document, ensure_ascii=False, separators=(",", ":"))
        assert len(gzip.compress(text.encode(), compresslevel=6)) <= 60_000
        severities = [r["message"]["text"].splitlines()[3] for r in document["runs"][0]["results"]]
        assert severities[0] == "Severity: CRITICAL"
        assert "Severity: UNKNOWN" not in severities
        dropped = document["runs"][0]["properties"]["dropped"]
        assert dropped["results"] == 2_000 - len(severities)
        assert dropped["bySeverity"]["UNKNOWN"] == 400

    def test_rules_limit__counted_apart_from_results(self):
        document = sarif.to_sarif(synthetic(100), SOURCES, max_rules=30)
        assert len(document["runs"][0]["tool"]["driver"]["rules"]) == 30
        assert len(document["runs"][0]["results"]) == 30

    def test_severity_option__only_those_uploaded(self, tmp_path):
        document = convert(REPORTS / "trivy-debian-buster.json.golden", tmp_path, "--severity", "critical")
        assert [r["level"] for r in document["runs"][0]["results"]] == ["error"]

    def test_nothing_found__a_run_with_an_empty_results_array(self):
        document = sarif.to_sarif(Findings("Trivy", "", "img", ()), SOURCES)
        assert document["runs"][0]["results"] == []
        assert schema_problems(document) == []


class TestSources:
    def test_from__the_final_stage_followed_through_its_aliases(self):
        text = (
            "# syntax=docker/dockerfile:1\n"
            "FROM --platform=$BUILDPLATFORM python:3.12 AS build\n"
            "RUN pip wheel .\n"
            "FROM python:3.12-slim@sha256:aa \\\n"
            "    AS runtime\n"
            "from runtime AS final\n"
            "COPY --from=build /w /w\n"
        )
        assert base_line(text) == Line("Dockerfile", 4, "FROM python:3.12-slim@sha256:aa \\")

    def test_from__none_or_unreadable_is_one_line(self):
        with pytest.raises(InputError, match=r"^Dockerfile: no FROM line$"):
            base_line("RUN true\n")
        with pytest.raises(InputError, match=r"^Dockerfile:2: a FROM line this reader does not understand$"):
            base_line("# x\nFROM a b c d\n")

    def test_pins__hashed_extras_markers_and_the_first_of_two(self):
        text = (
            "# comment==1\n"
            "-r other.txt\n"
            "coverage[toml]==7.16.2 ; python_full_version < '3.11' \\\n"
            "    --hash=sha256:aa\n"
            "coverage[toml]==7.17.4 ; python_full_version >= '3.11' \\\n"
            "Zope.Interface>=5\n"
            "    # via requests\n"
        )
        assert pin_lines(text, "r.txt") == {
            "coverage": Line("r.txt", 3, "coverage[toml]==7.16.2 ; python_full_version < '3.11'"),
            "zope-interface": Line("r.txt", 6, "Zope.Interface>=5"),
        }

    def test_read_sources__paths_relative_to_the_repository(self, tmp_path):
        (tmp_path / "docker").mkdir()
        (tmp_path / "docker" / "Dockerfile").write_text("FROM x\n")
        (tmp_path / "req.txt").write_text("requests==2\n")
        found = read_sources(tmp_path / "docker" / "Dockerfile", [tmp_path / "req.txt"], tmp_path)
        assert found == Sources(Line("docker/Dockerfile", 1, "FROM x"), {"requests": Line("req.txt", 1, "requests==2")})

    @pytest.mark.parametrize(
        ("setup", "message"),
        [
            ("missing", r"Dockerfile: file not found$"),
            ("outside", r"Dockerfile: not inside the repository"),
            ("binary", r"Dockerfile: not UTF-8 text$"),
        ],
    )
    def test_read_sources__bad_files_one_line(self, tmp_path, setup, message):
        root = tmp_path / "repo"
        root.mkdir()
        dockerfile = root / "Dockerfile"
        if setup == "outside":
            dockerfile = tmp_path / "Dockerfile"
            dockerfile.write_text("FROM x\n")
        elif setup == "binary":
            dockerfile.write_bytes(b"FROM \xff\n")
        with pytest.raises(InputError, match=message):
            read_sources(dockerfile, [], root)


class TestCli:
    def test_help(self, capsys):
        with pytest.raises(SystemExit, match="0"):
            sarif.main(["--help"])
        assert "python -m scripts.sarif" in capsys.readouterr().out

    def test_bad_severity__refused_by_argparse(self, capsys, tmp_path):
        with pytest.raises(SystemExit, match="2"):
            sarif.main(["x.json", "--out", str(tmp_path / "o"), "--severity", "SEVERE"])
        assert "expected some of CRITICAL,HIGH,MEDIUM,LOW,UNKNOWN, got 'SEVERE'" in capsys.readouterr().err

    def test_missing_report__one_line(self, capsys, tmp_path):
        missing = tmp_path / "nope.json"
        assert sarif.main([str(missing), "--out", str(tmp_path / "o"), "--root", str(ROOT)]) == 3
        err = capsys.readouterr().err
        assert err.count("\n") == 1
        assert err.startswith(f"sarif: error: {missing}")

    def test_unwritable_out__one_line(self, capsys, tmp_path):
        blocker = tmp_path / "file"
        blocker.write_text("")
        code = sarif.main(
            [str(REPORTS / "trivy-pip.json.golden"), "--out", str(blocker / "o.sarif"), "--dockerfile", str(ROOT / "Dockerfile"), "--root", str(ROOT)]
        )  # fmt: skip
        assert code == 1
        assert capsys.readouterr().err.startswith(f"sarif: error: {blocker / 'o.sarif'}: cannot be written")

    def test_summary_line(self, capsys, tmp_path):
        convert(REPORTS / "trivy-debian-buster.json.golden", tmp_path)
        assert capsys.readouterr().out == f"sarif: {tmp_path / 'out.sarif'}: 2 results, 2 rules\n"


class TestOneSetOfFindings:
    """The file code scanning gets is the file the PR report reads (ci.yml: reports/scan/trivy.sarif
    in the scan artifact): read back, it says what Trivy said."""

    def test_read_back__versions_severity_and_links_as_trivy_wrote_them(self, tmp_path):
        source = REPORTS / "trivy-debian-buster.json.golden"
        convert(source, tmp_path)
        from scripts.parse.trivy import parse_trivy

        theirs, ours = parse_trivy(source), parse_trivy(tmp_path / "out.sarif")
        assert ours.counts == theirs.counts == {"CRITICAL": 1, "HIGH": 0, "MEDIUM": 0, "LOW": 1, "UNKNOWN": 0}
        assert [(v.id, v.package, v.installed, v.fixed, v.severity, v.url) for v in ours.top] == [
            (v.id, v.package, v.installed, v.fixed, v.severity, v.url) for v in theirs.top
        ]
        assert ours.top[0].location == "Dockerfile"
        assert (ours.tool, ours.dropped) == (theirs.tool, 0)

    def test_no_fix__read_back_as_no_fix(self, tmp_path):
        from scripts.parse.trivy import parse_trivy

        items = (Finding(Vulnerability("CVE-1", "libc6", "2.36", "", "CRITICAL"), "os", 9.8),)
        path = tmp_path / "s.sarif"
        path.write_text(sarif.serialize(sarif.to_sarif(Findings("Trivy", "0.70.0", "img", items), SOURCES)))
        scan = parse_trivy(path)
        assert [(v.installed, v.fixed) for v in scan.top] == [("2.36", "")]
        assert scan.fixable_critical == 0

    def test_dropped__carried_to_the_report_and_said_in_the_comment(self, tmp_path):
        from scripts.parse.trivy import parse_trivy
        from scripts.report.render import render_report
        from tests.test_render import report

        path = tmp_path / "s.sarif"
        path.write_text(sarif.serialize(sarif.to_sarif(synthetic(100), SOURCES, max_results=60)))
        scan = parse_trivy(path)
        assert scan.dropped == 40
        assert sum(scan.counts.values()) == 60
        text = render_report(report(scan=scan))
        assert (
            "✂️ 40 lowest-severity findings left out of code scanning and these counts (over GitHub's limits for"
            " one upload); the full scan is in the `scan` artifact."
        ) in text

    def test_forged_dropped_count__ignored(self, tmp_path):
        from scripts.parse.trivy import parse_trivy

        document = sarif.to_sarif(synthetic(5), SOURCES)
        for forged in (-1, 10**12, "40", True):
            document["runs"][0]["properties"]["dropped"] = {"results": forged}
            path = tmp_path / "f.sarif"
            path.write_text(json.dumps(document))
            assert parse_trivy(path).dropped == 0


class TestAlertsLink:
    def test_the_prs_open_alerts__only_with_a_confirmed_pr_and_code_scanning_on(self):
        from scripts.report.render import Context, render_report
        from tests.test_render import report

        context = Context("https://github.com", "octo-org/sample-app", 7)
        link = "[open alerts on this PR](https://github.com/octo-org/sample-app/security/code-scanning?query=is%3Aopen+pr%3A7)"
        assert f"Each finding is an alert on the line where it is fixed: {link}" in render_report(
            report(), context=context
        )
        assert link not in render_report(report(), context=Context("https://github.com", "octo-org/sample-app"))
        assert link not in render_report(report(skipped=("code-scanning",)), context=context)
