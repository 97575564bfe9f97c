"""The small scripts that CI's steps call: lint, image_record, scan_gate, and the step outputs."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import ClassVar

import pytest

from scripts import image_record, lint, matrix, scan_gate, workflow_commands
from scripts.parse.ruff_json import parse_ruff
from scripts.report import cli as report

FIXTURES = Path(__file__).parent / "fixtures"
SHA = "a" * 40
DIGEST = "sha256:" + "b" * 64
IMAGE_ID = "sha256:" + "c" * 64


class TestLint:
    def test_lint__writes_json_and_prints_annotations_without_failing(self, tmp_path, capsys, monkeypatch):
        source = tmp_path / "bad.py"
        source.write_text("import os\n")
        monkeypatch.chdir(tmp_path)
        assert lint.main(["--out", str(tmp_path / "lint" / "ruff.json"), "bad.py"]) == 0
        assert parse_ruff(tmp_path / "lint" / "ruff.json").total >= 1
        assert "::error title=ruff (F401),file=" in capsys.readouterr().out


class TestImageRecord:
    ENV: ClassVar[dict[str, str]] = {
        "IMAGE_NAME": "ghcr.io/Octo-Org/Sample-App",
        "DIGEST": DIGEST,
        "IMAGE_ID": IMAGE_ID,
        "HEAD_SHA": SHA,
    }

    def test_image_record__pushed(self, tmp_path):
        out, outputs = tmp_path / "image" / "image.json", tmp_path / "outputs"
        env = {
            **self.ENV,
            "PUSHED": "true",
            "TAGS": f"ghcr.io/octo-org/sample-app:branch-main\nghcr.io/octo-org/sample-app:sha-{SHA}",
        }
        assert image_record.main(["--out", str(out), "--github-output", str(outputs)], env=env) == 0
        data = json.loads(out.read_text())
        assert data == {
            "name": "ghcr.io/octo-org/sample-app",
            "digest": DIGEST,
            "head_sha": SHA,
            "tags": ["branch-main", f"sha-{SHA}"],
            "size": None,
            "pushed": True,
        }
        assert f"ref=ghcr.io/octo-org/sample-app@{DIGEST}" in outputs.read_text()

    def test_image_record__fork_records_the_image_id(self, tmp_path):
        out = tmp_path / "image.json"
        assert image_record.main(["--out", str(out)], env={**self.ENV, "PUSHED": "false", "DIGEST": ""}) == 0
        assert json.loads(out.read_text())["digest"] == IMAGE_ID

    def test_image_record__refuses_what_cd_would_refuse(self, tmp_path, capsys):
        assert (
            image_record.main(["--out", str(tmp_path / "x.json")], env={**self.ENV, "PUSHED": "true", "DIGEST": ""})
            == 3
        )
        assert "image record.digest: missing" in capsys.readouterr().err


class TestScanGate:
    def test_scan_gate__fails_on_fixable_critical(self, capsys):
        assert scan_gate.main([str(FIXTURES / "reports" / "trivy-debian-buster.json.golden")]) == 1
        assert "::error title=CVE-2019-18224::libidn2-0 2.0.5-1 has a fix in 2.0.5-1+deb10u1" in capsys.readouterr().out

    def test_scan_gate__passes_unfixed_criticals(self):
        """todo-api has 2 CRITICAL, neither fixable: reported, not failing."""
        assert scan_gate.main([str(FIXTURES / "reports" / "trivy-image-python311slim-todo-api.json")]) == 0

    def test_scan_gate__broken_report(self, capsys):
        assert scan_gate.main([str(FIXTURES / "reports" / "trivy-image-python310slim-TRUNCATED-davix.sarif")]) == 3
        assert "not valid JSON" in capsys.readouterr().err

    @pytest.mark.parametrize(
        ("text", "escaped"), [("a\nb", "a%0Ab"), ("100%", "100%25"), ("x\r::set-output", "x%0D::set-output")]
    )
    def test_escape__workflow_commands(self, text, escaped):
        assert workflow_commands.escape(text) == escaped

    def test_escape__properties(self):
        assert workflow_commands.escape("a:b,c", prop=True) == "a%3Ab%2Cc"


def test_matrix__github_output(tmp_path):
    out = tmp_path / "out"
    assert matrix.main(["--github-output", str(out)]) == 0
    assert out.read_text() == (
        'python=["3.10", "3.11", "3.12"]\n'
        'matrix={"python": ["3.10", "3.11", "3.12"], "include": [{"python": "3.12", "suite": "full"}]}\n'
    )


class TestImageTags:
    @pytest.mark.parametrize(
        ("branch", "tag"),
        [
            ("main", "branch-main"),
            ("release-1.2", "branch-release-1.2"),
            ("fix#12", "branch-fix-12-5bc19252"),
            ("fix@12", "branch-fix-12-b49e3634"),
            ("ü-umlaut", "branch-umlaut-ea90203f"),
            ("Feature/ABC", "branch-feature-abc-f718f729"),
            ("feature/abc", "branch-feature-abc-97e3361f"),
        ],
    )
    def test_branch_tag__valid_and_unique(self, branch, tag):
        from scripts.image_tags import branch_tag

        assert branch_tag(branch) == tag

    def test_branch_tag__long_names_fit_docker_limit(self):
        from scripts.image_tags import branch_tag

        tags = {branch_tag("a" * 200), branch_tag("a" * 201), branch_tag("a" * 119)}
        assert len(tags) == 3
        assert all(len(t) <= 128 and re.fullmatch(r"[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}", t) for t in tags)
        assert branch_tag("a" * 120) == "branch-" + "a" * 120  # 127 characters: kept whole

    @pytest.mark.parametrize("bad", ["", "-x", "a..b", "a b", "a:b", "a~b", "x.lock", ".hidden", "a//b", "@", "a@{b"])
    def test_branch_tag__names_git_refuses(self, bad, capsys):
        from scripts import image_tags

        assert image_tags.main([f"--branch={bad}"]) == 3
        assert capsys.readouterr().err.startswith("image_tags: error: ")


def test_matrix__plain_for_shell(capsys):
    assert matrix.main(["--plain"]) == 0
    assert capsys.readouterr().out == "3.10 3.11 3.12\n"


def test_report__step_summary(tmp_path):
    summary = tmp_path / "summary"
    summary.write_text("earlier step\n")
    assert (
        report.main([str(FIXTURES / "artifacts"), "--out", str(tmp_path / "o"), "--step-summary", str(summary)], env={})
        == 0
    )
    text = summary.read_text()
    assert text.startswith("earlier step\n## ❌ CI failed")


class TestWorkflowCommands:
    def test_commands_stopped__fences_the_text_with_a_fresh_token(self):
        import io

        first, second = io.StringIO(), io.StringIO()
        for out in (first, second):
            with workflow_commands.commands_stopped(out):
                out.write("::error::x")
        lines = first.getvalue().split("\n")
        token = lines[0].removeprefix("::stop-commands::")
        assert len(token) == 32
        assert lines[1:] == ["::error::x", f"::{token}::", ""]
        assert second.getvalue().split("\n")[0] != lines[0]

    def test_command__message_cannot_start_a_second_command(self):
        line = workflow_commands.command("notice", "a\n::error::b %", title="t:1,2")
        assert line == "::notice title=t%3A1%2C2::a%0A::error::b %25"


class TestReportSkipped:
    def test_report__failed_attestation_and_sarif_steps_become_notes(self, tmp_path):
        out = tmp_path / "out"
        argv = [str(tmp_path), "--out", str(out), "--attestation", "failure", "--code-scanning", "success"]
        assert report.main(argv, env={}) == 0
        assert json.loads((out / "report.json").read_text())["skipped"] == ["attestation"]

    def test_report__threshold_must_be_a_percentage(self, tmp_path, capsys):
        assert report.main([str(tmp_path), "--dry-run", "--threshold", "nan"], env={}) == 1
        assert capsys.readouterr().err == "report: error: --threshold: nan is not a percentage from 0 to 100\n"
