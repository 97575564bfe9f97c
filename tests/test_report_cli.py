"""python -m scripts.report on a folder laid out as CI's artifacts, and report.json's round trip."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import sys
from dataclasses import replace
from pathlib import Path

import pytest

from scripts import matrix
from scripts.errors import InputError
from scripts.model import SCHEMA_VERSION, from_dict, to_dict
from scripts.report import cli as report
from scripts.report.collect import collect

ROOT = Path(__file__).resolve().parent.parent
ARTIFACTS = ROOT / "tests" / "fixtures" / "artifacts"
SHA = "0123456789abcdef0123456789abcdef01234567"
ENV = {"GITHUB_SERVER_URL": "https://github.com", "GITHUB_REPOSITORY": "octo-org/sample-app", "GITHUB_RUN_ID": "42"}


@pytest.fixture
def artifacts(tmp_path) -> Path:
    """A private copy of the artifact layout, to break parts of it."""
    return Path(shutil.copytree(ARTIFACTS, tmp_path / "artifacts"))


def dry_run(folder: Path, capsys, *extra: str) -> tuple[int, str, str]:
    status = report.main([str(folder), "--dry-run", "--head-sha", SHA, *extra], env=ENV)
    out = capsys.readouterr()
    return status, out.out, out.err


class TestCli:
    def test_report__dry_run_renders_every_section(self, capsys):
        status, out, _ = dry_run(ARTIFACTS, capsys)
        assert status == 0
        assert out.startswith("## ❌ CI failed: 2 failing on Python 3.10; 1 failing on Python 3.11;")
        for expected in (
            "| 3.12 | ✅ | 1008 | 0 | 0 | 0 |",
            "`tests.test_lib::test_always_fail` (failure): assert False",
            "### Coverage",
            "Lowest-covered files (Python 3.12):",
            "ghcr.io/octo-org/sample-app@sha256:0123456789abcdef",
            "CRITICAL **23** · HIGH **70** · MEDIUM **56** · LOW **6** · UNKNOWN **9** (Trivy 0.56.1)",
            "[CVE-2020-35527](https://avd.aquasec.com/nvd/cve-2020-35527)",
            "⚠️ 5 findings, 4 fixable",
            "| `F401` | 2 | lintme.py:1: \\`os\\` imported but unused |",
            "[artifacts of this run](https://github.com/octo-org/sample-app/actions/runs/42#artifacts)",
        ):
            assert expected in out, expected
        assert "> ⚠️" not in out

    def test_report__as_a_user_runs_it(self):
        done = subprocess.run(
            [sys.executable, "-m", "scripts.report", str(ARTIFACTS), "--dry-run"],
            cwd=ROOT,
            capture_output=True,
            text=True,
            check=False,
        )
        assert done.returncode == 0
        assert "### Vulnerabilities (image scan)" in done.stdout

    @pytest.mark.parametrize(
        ("breakage", "line"),
        [
            ("rm reports-py3.11", "Python 3.11: reports-py3.11/ is missing (no reports uploaded)"),
            ("empty reports-py3.10/junit.xml", "reports-py3.10/junit.xml: file is empty"),
            ("garbage reports-py3.12/coverage.xml", "reports-py3.12/coverage.xml: not well-formed XML"),
            ("rm lint/ruff.json", "lint/ruff.json: file not found"),
            ("garbage lint/ruff.json", "lint/ruff.json: not valid JSON"),
            ("rm scan/trivy.sarif", "scan/trivy.sarif: file not found (no image scan uploaded)"),
            ("truncate scan/trivy.sarif", "scan/trivy.sarif: not valid JSON"),
            ("rm image/image.json", "image/image.json: file not found"),
            ("badimage image/image.json", "image/image.json.digest: not a valid value"),
        ],
    )
    def test_report__broken_input_still_renders_and_names_it(self, artifacts, capsys, breakage, line):
        action, target = breakage.split()
        path = artifacts / target
        if action == "rm":
            shutil.rmtree(path) if path.is_dir() else path.unlink()
        elif action == "empty":
            path.write_bytes(b"")
        elif action == "garbage":
            path.write_bytes(b"\x00\xffnot a report")
        elif action == "truncate":
            path.write_bytes(path.read_bytes()[:5000])
        else:
            data = json.loads(path.read_text())
            path.write_text(json.dumps({**data, "digest": "sha256:nothex"}))
        status, out, err = dry_run(artifacts, capsys)
        assert status == 0
        assert f"> ⚠️ {line}" in out.replace("\\", "")
        assert line in err
        assert "### Tests" in out
        assert "### Coverage" in out
        assert "### Image" in out

    def test_report__missing_folder_still_renders(self, tmp_path, capsys):
        status, out, _ = dry_run(tmp_path / "nothing", capsys)
        assert status == 0
        assert "artifact folder not found" in out
        assert out.count("⚠️ missing") == 6  # tests and coverage, for each of the three versions

    def test_report__writes_three_files(self, tmp_path, capsys):
        out = tmp_path / "out"
        assert report.main([str(ARTIFACTS), "--out", str(out), "--head-sha", SHA], env=ENV) == 0
        assert sorted(p.name for p in out.iterdir()) == ["comment.md", "report.json", "summary.md"]
        data = json.loads((out / "report.json").read_text())
        assert data["schema_version"] == SCHEMA_VERSION
        assert data["head_sha"] == SHA
        assert len((out / "summary.md").read_bytes()) <= 1024 * 1024
        assert (out / "comment.md").read_text().startswith("## ❌ CI failed")

    def test_report__bad_head_sha_is_an_error(self, capsys):
        assert report.main([str(ARTIFACTS), "--dry-run", "--head-sha", "main"], env={}) == 1
        assert "not a 40-character commit sha" in capsys.readouterr().err

    def test_report__unwritable_out(self, tmp_path, capsys):
        blocker = tmp_path / "file"
        blocker.write_text("x")
        assert report.main([str(ARTIFACTS), "--out", str(blocker / "sub")], env={}) == 1
        assert "report: error:" in capsys.readouterr().err

    def test_report__run_url_needs_all_three_variables(self):
        assert report.run_url({"GITHUB_SERVER_URL": "https://github.com", "GITHUB_REPOSITORY": "o/r"}) == ""


class TestReportJson:
    def test_from_dict__round_trips(self):
        built = collect(ARTIFACTS, ("3.10", "3.11", "3.12"), head_sha=SHA)
        assert from_dict(json.loads(json.dumps(to_dict(built)))) == built

    def test_from_dict__round_trips_flaky_and_header_counts(self):
        built = collect(ARTIFACTS, ("3.12",), head_sha=SHA)
        run = replace(built.tests[0], flaky=2, flaky_tests=("t::a", "t::b"), from_header=True)
        built = replace(built, tests=(run,))
        back = from_dict(json.loads(json.dumps(to_dict(built))))
        assert (back.tests[0].flaky, back.tests[0].flaky_tests, back.tests[0].from_header) == (
            2,
            ("t::a", "t::b"),
            True,
        )

    @pytest.mark.parametrize(
        ("patch", "problem"),
        [
            ({"schema_version": 99}, "schema_version 99 is not 1"),
            ({"tests": [{"python": "3.12", "tests": "many"}]}, "tests[].tests: expected int"),
            (
                {"tests": [{"python": "3.12", "tests": True, "failures": 0, "errors": 0, "skipped": 0}]},
                "expected a number",
            ),
            ({"tests": [{"python": "3.12", "tests": -1, "failures": 0, "errors": 0, "skipped": 0}]}, "out of range"),
            (
                {"image": {"name": "ghcr.io/o/r", "digest": "sha256:" + "a" * 64, "head_sha": "x"}},
                "image.head_sha: not a valid value",
            ),
            (
                {"image": {"name": "ghcr.io/O/R", "digest": "sha256:" + "a" * 64, "head_sha": SHA}},
                "image.name: not a valid value",
            ),
            ({"problems": [{"section": "x", "message": "m" * 5000}]}, "longer than 1000 characters"),
            ({"artifacts": [{"name": "a", "url": "javascript:alert(1)"}]}, "artifacts[].url: not a valid value"),
            ({"tests": [{}] * 21}, "more than 20 items"),
        ],
    )
    def test_from_dict__rejects_forged_fields(self, patch, problem):
        data = {**json.loads(json.dumps(to_dict(collect(ARTIFACTS, ("3.12",))))), **patch}
        with pytest.raises(InputError, match=re.escape(problem)):
            from_dict(data)

    def test_from_dict__not_an_object(self):
        with pytest.raises(InputError, match="expected an object"):
            from_dict([])


class TestMatrix:
    def test_python_versions__from_the_classifiers(self):
        assert matrix.python_versions() == ("3.10", "3.11", "3.12")

    def test_matrix__prints_json(self, capsys):
        assert matrix.main([]) == 0
        assert json.loads(capsys.readouterr().out) == ["3.10", "3.11", "3.12"]

    def test_matrix__no_classifiers(self, tmp_path, capsys):
        bad = tmp_path / "pyproject.toml"
        bad.write_text("[project]\nname = 'x'\n")
        assert matrix.main(["--pyproject", str(bad)]) == 3
        assert "no 'Programming Language :: Python :: 3.X' classifiers" in capsys.readouterr().err

    def test_matrix__unreadable(self, tmp_path):
        with pytest.raises(InputError, match="cannot read"):
            matrix.python_versions(tmp_path / "missing.toml")

    def test_version_key__sorts_numerically(self):
        assert sorted(["3.9", "3.10", "x"], key=matrix.version_key) == ["3.9", "3.10", "x"]
