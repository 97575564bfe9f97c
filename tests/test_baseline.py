"""comment --compare against a local server that speaks GitHub's REST shapes: the base branch's
pr-report found through the API (merge base first), the PR's files, the comparison in the
comment, the optional gate. Trusted lookup: only push runs of CI on the base branch count."""

from __future__ import annotations

import io
import json
import zipfile
from pathlib import Path

import pytest

from scripts import comment
from scripts.model import to_dict
from scripts.report import sticky
from tests.support.fake_github import FakeGitHub
from tests.test_compare import report

REPO = "octo-org/sample-app"
HEAD = "a" * 40
BASE = "b" * 40
OLDER = "c" * 40
FIXTURES = Path(__file__).parent / "fixtures" / "compare"


def pr_report_zip(sha_note: str = "") -> bytes:
    data = io.BytesIO()
    with zipfile.ZipFile(data, "w") as z:
        z.writestr("pr-report/report.json", json.dumps(to_dict(report("coverage-base.xml", failed=("t::old",)))))
        z.writestr("pr-report/comment.md", sha_note)
    return data.getvalue()


@pytest.fixture
def fake():
    server = FakeGitHub().start()
    server.add_pull(REPO, 7, head_sha=HEAD, head_owner="octo-org", head_branch="feature/x")
    server.add_pull_files(REPO, 7, json.loads((FIXTURES / "pr-files.json").read_text()))
    server.set_merge_base(REPO, "master", HEAD, BASE)
    yield server
    server.stop()


@pytest.fixture
def env(fake):
    return fake.client_env()


@pytest.fixture
def head_json(tmp_path) -> str:
    path = tmp_path / "report.json"
    path.write_text(json.dumps(to_dict(report("coverage-head.xml", failed=("t::old", "t::new")))))
    return str(path)


def base_run(fake, run_id: int, sha: str, *, event: str = "push", branch: str = "master", zips: bool = True) -> None:
    fake.add_workflow_run(REPO, run_id, sha, event=event, branch=branch)
    fake.add_run(REPO, run_id, ["pr-report", "lint"], zips={"pr-report": pr_report_zip()} if zips else None)


def posted(env, fake, head_json: str, *extra: str) -> tuple[int, str]:
    argv = ["--repo", REPO, "--pr", "7", "--head-sha", HEAD, "--report", head_json, "--compare", *extra]
    code = comment.main(argv, env=env)
    [made] = fake.comments_on(REPO, 7)
    return code, sticky.sections(made["body"])["ci"]


class TestCompare:
    def test_merge_bases_run__deltas_new_failures_and_changed_lines(self, fake, env, head_json):
        base_run(fake, 500, BASE)
        code, text = posted(env, fake, head_json)
        assert code == 0
        assert "Against `bbbbbbbbbbbb` (the merge base)." in text
        assert "| 3.12 | 96.97 % → 96.85 % | ↓ 0.12 pp | 908 → 908 (+0) |" in text
        assert "🆕 **1 new failing** (passing or absent on the base):\n- `t::new`" in text
        assert "Changed lines: **1 of 4 covered (25.0 %)**" in text
        assert "/pull/7/files#diff-30cf458da7c911f79e2419737144d2663104b3200bd4889e8bacf717669d69d3R26-R28)" in text
        assert text.startswith("## ❌ CI failed: 1 new failing (passing on the base)")

    def test_no_run_at_the_merge_base__the_newest_on_the_branch_and_says_which(self, fake, env, head_json):
        base_run(fake, 400, OLDER)
        code, text = posted(env, fake, head_json)
        assert code == 0
        assert "Against `cccccccccccc` (the newest successful run on master; the merge base has none)." in text

    def test_a_prs_own_run_at_the_merge_base__never_the_baseline(self, fake, env, head_json):
        """A pull_request run (a fork's, say) on the merge base's commit, or a push run on another
        branch, could carry any report.json: only push runs on the base branch count."""
        base_run(fake, 600, BASE, event="pull_request")
        base_run(fake, 601, BASE, branch="feature/x")
        code, text = posted(env, fake, head_json)
        assert code == 0
        assert "No baseline: no successful CI run of the base branch with a `pr-report` artifact was found" in text

    def test_base_artifact_expired_or_missing__no_baseline_the_rest_still_shown(self, fake, env, head_json):
        base_run(fake, 500, BASE, zips=False)
        fake.state.runs[(REPO, 500)] = [a for a in fake.state.runs[(REPO, 500)] if a["name"] != "pr-report"]
        code, text = posted(env, fake, head_json)
        assert code == 0
        assert "No baseline" in text
        assert "Changed lines: **1 of 4 covered (25.0 %)**" in text

    def test_gate__exit_1_after_the_comment_is_written(self, fake, env, head_json, capsys):
        base_run(fake, 500, BASE)
        code, text = posted(env, fake, head_json, "--diff-cover-fail-under", "50")
        assert code == 1
        assert "Changed lines: **1 of 4 covered (25.0 %)**" in text
        err = capsys.readouterr().err
        assert err.endswith(
            "comment: error: coverage of the changed lines is 25.0 %, under --diff-cover-fail-under 50\n"
        )

    def test_gate_met__exit_0(self, fake, env, head_json):
        base_run(fake, 500, BASE)
        assert posted(env, fake, head_json, "--diff-cover-fail-under", "25")[0] == 0

    @pytest.mark.parametrize(
        ("argv", "message"),
        [
            (["--body-file", "x.md", "--compare"], "--compare goes with --report"),
            (["--report", "r.json", "--diff-cover-fail-under", "50"], "--diff-cover-fail-under takes a percentage"),
            (["--report", "r.json", "--compare", "--diff-cover-fail-under", "101"], "--diff-cover-fail-under takes"),
        ],
    )
    def test_options_that_do_not_go_together__one_line(self, env, argv, message, capsys):
        assert comment.main(["--repo", REPO, "--pr", "7", "--head-sha", HEAD, *argv], env=env) == 1
        assert capsys.readouterr().err.startswith(f"comment: error: {message}")

    def test_base_report_forged_or_broken__a_warning_and_no_baseline(self, fake, env, head_json, capsys):
        fake.add_workflow_run(REPO, 500, BASE, event="push", branch="master")
        data = io.BytesIO()
        with zipfile.ZipFile(data, "w") as z:
            z.writestr("pr-report/report.json", '{"python_versions": "not a list"}')
        fake.add_run(REPO, 500, ["pr-report"], zips={"pr-report": data.getvalue()})
        code, text = posted(env, fake, head_json)
        assert code == 0
        assert "No baseline" in text
        assert (
            "comment: warning: the base's report could not be used: run 500's pr-report: report.json"
            in capsys.readouterr().err
        )

    def test_api_failing_for_the_comparison__the_comment_still_written(self, fake, env, head_json, capsys):
        fake.state.merge_bases.clear()  # compare answers 404
        code, text = posted(env, fake, head_json)
        assert code == 0
        assert "### Compared with the base branch" not in text
        assert (
            "comment: warning: no comparison with the base branch: finding the base branch's CI run: GitHub API answered 404"
            in capsys.readouterr().err
        )

    @pytest.mark.parametrize(("gate", "code"), [("0", 0), ("100", 1)])
    def test_gate_bounds__0_and_100_taken(self, fake, env, head_json, gate, code):
        base_run(fake, 500, BASE)
        assert posted(env, fake, head_json, "--diff-cover-fail-under", gate)[0] == code

    def test_gate_below_0__refused(self, env, head_json, capsys):
        argv = ["--repo", REPO, "--pr", "7", "--head-sha", HEAD, "--report", head_json, "--compare"]
        assert comment.main([*argv, "--diff-cover-fail-under", "-0.5"], env=env) == 1
        assert capsys.readouterr().err.startswith("comment: error: --diff-cover-fail-under takes a percentage")

    def test_dry_run_without_token__no_link_to_an_unconfirmed_pr(self, tmp_path, capsys):
        """Without a token the PR number is not confirmed: no alerts link names it (with a token,
        the same report gets the link: test_comment)."""
        from dataclasses import replace

        from scripts.model import Scan

        scan = Scan("Trivy", "img", dict.fromkeys(("CRITICAL", "HIGH", "MEDIUM", "LOW", "UNKNOWN"), 0), 0)
        path = tmp_path / "scanned.json"
        path.write_text(json.dumps(to_dict(replace(report("coverage-head.xml"), scan=scan))))
        argv = ["--repo", REPO, "--pr", "7", "--head-sha", HEAD, "--report", str(path), "--dry-run"]
        assert comment.main(argv, env={}) == 0
        out = capsys.readouterr().out
        assert "### Tests" in out
        assert "code-scanning?query" not in out
