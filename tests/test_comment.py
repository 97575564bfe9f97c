"""scripts.comment against a local GitHub REST API: PyGithub over real HTTP, GitHub's shapes."""

from __future__ import annotations

import json
import threading

import pytest

from scripts import comment
from scripts.report import sticky
from tests.support.fake_github import FakeGitHub, load

REPO = "octo-org/sample-app"
SHA = "a" * 40
OTHER_SHA = "b" * 40


@pytest.fixture
def fake():
    server = FakeGitHub().start()
    server.add_pull(REPO, 7, head_sha=SHA, head_owner="octo-org", head_branch="feature/x")
    yield server
    server.stop()


@pytest.fixture
def env(fake):
    return fake.client_env(GITHUB_RETRIES="3", GITHUB_SECONDARY_RATE_WAIT="1")


@pytest.fixture
def body(tmp_path):
    def make(text: str = "## ✅ CI passed") -> str:
        path = tmp_path / f"body-{abs(hash(text))}.md"
        path.write_text(text, encoding="utf-8")
        return str(path)

    return make


def run(env, *argv: str) -> int:
    return comment.main(["--repo", REPO, *argv], env=env)


def ci(body_file: str, pr: str = "7", sha: str = SHA) -> list[str]:
    return ["--pr", pr, "--head-sha", sha, "--body-file", body_file]


def writes(fake) -> list[tuple[str, str]]:
    return [(m, p) for m, p in fake.state.requests if m in ("POST", "PATCH", "DELETE") and "graphql" not in p]


class TestUpsert:
    def test_comment__creates_one_sticky_comment(self, fake, env, body):
        """No comment yet: one is created, with the hidden marker, as the token's own login."""
        assert run(env, *ci(body("first"))) == 0
        [made] = fake.comments_on(REPO, 7)
        assert made["body"].startswith(sticky.MARKER + "\n")
        assert sticky.sections(made["body"]) == {"ci": "first"}
        assert made["user"]["login"] == "github-actions[bot]"

    def test_comment__updates_in_place_on_the_next_run(self, fake, env, body):
        """A second run edits the same comment (PATCH), never a second POST."""
        run(env, *ci(body("first")))
        [first] = fake.comments_on(REPO, 7)
        assert run(env, *ci(body("second"))) == 0
        [after] = fake.comments_on(REPO, 7)
        assert after["id"] == first["id"]
        assert sticky.sections(after["body"])["ci"] == "second"
        assert [m for m, _ in writes(fake)] == ["POST", "PATCH"]

    def test_comment__finds_its_comment_beyond_the_first_page(self, fake, env, body):
        """With 150 other comments around it, ours (number 130) is found on page 2 and updated."""
        for i in range(129):
            fake.add_comment(REPO, 7, f"chatter {i}", login="octocat")
        ours = fake.add_comment(REPO, 7, sticky.compose(None, "ci", "old"))
        for i in range(21):
            fake.add_comment(REPO, 7, f"more chatter {i}", login="octocat")
        assert run(env, *ci(body("new"))) == 0
        mine = [c for c in fake.comments_on(REPO, 7) if sticky.is_ours(c["body"])]
        assert [c["id"] for c in mine] == [ours["id"]]
        assert sticky.sections(mine[0]["body"])["ci"] == "new"
        assert any("page=2" in path for _, path in fake.state.requests)

    def test_comment__ignores_the_marker_in_someone_elses_comment(self, fake, env, body):
        """A user who pastes our marker does not get their comment overwritten."""
        forged = fake.add_comment(REPO, 7, sticky.compose(None, "ci", "I am the bot now"), login="mallory")
        assert run(env, *ci(body("real"))) == 0
        bodies = {c["id"]: c for c in fake.comments_on(REPO, 7)}
        assert bodies[forged["id"]]["body"] == sticky.compose(None, "ci", "I am the bot now")
        [ours] = [c for c in bodies.values() if c["user"]["login"] == "github-actions[bot]"]
        assert sticky.sections(ours["body"])["ci"] == "real"

    def test_comment__keeps_the_cd_section_when_ci_rewrites(self, fake, env, body):
        fake.add_comment(REPO, 7, sticky.compose(sticky.compose(None, "ci", "old ci"), "cd", "deployed"))
        assert run(env, *ci(body("new ci"))) == 0
        [made] = fake.comments_on(REPO, 7)
        assert sticky.sections(made["body"]) == {"ci": "new ci", "cd": "deployed"}

    def test_comment__keeps_the_ci_section_when_cd_writes(self, fake, env, tmp_path):
        fake.add_comment(REPO, 7, sticky.compose(None, "ci", "tests passed"))
        deploy = tmp_path / "deploy.json"
        deploy.write_text(json.dumps({"status": "success", "reason": "printed 5", "stdout": "5\n"}))
        assert run(env, "--pr", "7", "--head-sha", SHA, "--deploy", str(deploy)) == 0
        [made] = fake.comments_on(REPO, 7)
        parts = sticky.sections(made["body"])
        assert parts["ci"] == "tests passed"
        assert "Deploy: success" in parts["cd"]

    def test_comment__two_runs_at_once_end_with_one_comment(self, fake, env, body):
        """Both runs list before either creates (a barrier in the fake forces the race)."""
        fake.state.list_barrier = threading.Barrier(2)
        ci_file, statuses = body("from ci"), []
        cd_file = body("from cd")
        threads = [
            threading.Thread(target=lambda: statuses.append(run(env, *ci(ci_file)))),
            threading.Thread(target=lambda: statuses.append(run(env, *ci(cd_file), "--section", "cd"))),
        ]
        for t in threads:
            t.start()
        for t in threads:
            t.join(30)
        fake.state.list_barrier = None
        assert statuses == [0, 0]
        [survivor] = fake.comments_on(REPO, 7)
        assert sticky.sections(survivor["body"]) == {"ci": "from ci", "cd": "from cd"}


class TestFaults:
    def test_comment__retries_a_502(self, fake, env, body):
        """A 502 on the write is retried; exactly one comment results."""
        fake.fault("POST", r"/issues/7/comments$", 502, {"message": "Server Error"})
        assert run(env, *ci(body())) == 0
        assert len(fake.comments_on(REPO, 7)) == 1
        assert [m for m, _ in writes(fake)] == ["POST", "POST"]

    def test_comment__waits_out_a_secondary_rate_limit(self, fake, env, body):
        """A 403 secondary rate limit with Retry-After: 1 is retried after that second, not after the
        default secondary wait (set to 60 s here), and not reported."""
        run(env, *ci(body("one")))
        limited = load("error.403.secondary-rate-limit.json")
        fake.fault("PATCH", r"/issues/comments/\d+$", 403, limited, {"Retry-After": "1"})
        statuses: list[int] = []
        second = body("two")
        worker = threading.Thread(
            target=lambda: statuses.append(run({**env, "GITHUB_SECONDARY_RATE_WAIT": "60"}, *ci(second))), daemon=True
        )
        worker.start()
        worker.join(30)
        assert not worker.is_alive(), "Retry-After was ignored: the client waited the default secondary wait"
        assert statuses == [0]
        assert [m for m, _ in writes(fake)] == ["POST", "PATCH", "PATCH"]
        [made] = fake.comments_on(REPO, 7)
        assert sticky.sections(made["body"])["ci"] == "two"

    def test_comment__token_that_cannot_write_names_the_permission(self, fake, env, body, capsys):
        """A read-only token: GitHub's 403 says which permission the endpoint needs; so do we."""
        refused = {"message": "Resource not accessible by personal access token", "status": "403"}
        headers = {"X-Accepted-GitHub-Permissions": "issues=write; pull_requests=write"}
        fake.fault("POST", r"/issues/7/comments$", 403, refused, headers)
        assert run(env, *ci(body())) == 4
        # as a whole line: PyGithub's retry logger may write to stderr too, in some runners
        assert (
            "comment: error: writing the sticky comment: GitHub API answered 403: Resource not accessible by"
            " personal access token (the token needs issues=write or pull_requests=write)"
        ) in capsys.readouterr().err.splitlines()

    def test_comment__persistent_502_is_one_clear_line(self, fake, env, body, capsys):
        fake.fault("GET", r"/issues/7/comments$", 502, {"message": "Server Error"}, times=10)
        assert run(env, *ci(body())) == 4
        err = capsys.readouterr().err
        assert err == (
            "comment: error: reading the pull request's comments: "
            "GitHub API kept failing after retries (too many 502 error responses)\n"
        )
        assert fake.comments_on(REPO, 7) == []

    def test_comment__bad_credentials(self, fake, env, body, capsys):
        assert run({**env, "GITHUB_TOKEN": "wrong"}, *ci(body())) == 4
        assert "401" in capsys.readouterr().err

    def test_comment__no_token_is_a_clear_error(self, env, body, capsys):
        assert run({k: v for k, v in env.items() if k != "GITHUB_TOKEN"}, *ci(body())) == 1
        assert "GITHUB_TOKEN is not set" in capsys.readouterr().err


class TestTrustedLookup:
    def test_comment__forged_pr_number_is_ignored(self, fake, env, body, capsys):
        """The artifact says #99; the API says the head commit belongs to #7: #7 gets the comment."""
        fake.add_pull(REPO, 99, head_sha=OTHER_SHA, head_owner="octo-org", head_branch="other")
        argv = ["--head-owner", "octo-org", "--head-branch", "feature/x", "--head-sha", SHA, "--pr", "99"]
        assert run(env, *argv, "--body-file", body()) == 0
        assert len(fake.comments_on(REPO, 7)) == 1
        assert fake.comments_on(REPO, 99) == []
        assert "ignored PR number 99" in capsys.readouterr().err

    def test_comment__fork_pr_found_by_head_owner_and_branch(self, fake, env, body):
        """workflow_run.pull_requests is empty for forks: the lookup by head finds the PR anyway."""
        fake.add_pull(REPO, 8, head_sha=OTHER_SHA, head_owner="forker", head_branch="main")
        argv = ["--head-owner", "forker", "--head-branch", "main", "--head-sha", OTHER_SHA]
        assert run(env, *argv, "--body-file", body()) == 0
        assert len(fake.comments_on(REPO, 8)) == 1

    def test_comment__number_whose_head_moved_on_is_refused(self, fake, env, body, capsys):
        """A PR number is trusted only when its head is the commit CI ran on."""
        assert run(env, *ci(body(), sha=OTHER_SHA)) == 5
        assert "refused: pull request #7 has head" in capsys.readouterr().err
        assert writes(fake) == []

    def test_comment__head_moved_on_is_a_notice_not_a_failure(self, fake, env, body, capsys):
        """A superseded push's run finishes after the PR moved on: nothing to write, exit 0."""
        argv = ["--head-owner", "octo-org", "--head-branch", "feature/x", "--head-sha", OTHER_SHA]
        assert run(env, *argv, "--body-file", body()) == 0
        assert writes(fake) == []
        assert capsys.readouterr().out == (
            f"::notice::comment: pull request #7 has moved on to {SHA[:12]}; this run was for {OTHER_SHA[:12]},"
            " so the newer run writes the comment\n"
        )

    def test_comment__no_open_pr_for_the_head_is_a_notice(self, fake, env, body, capsys):
        argv = ["--head-owner", "octo-org", "--head-branch", "feature/gone", "--head-sha", SHA]
        assert run(env, *argv, "--body-file", body()) == 0
        assert writes(fake) == []
        assert "no open pull request from octo-org:feature/gone; nothing to comment on" in capsys.readouterr().out

    def test_comment__stale_number_given_by_hand_is_refused(self, fake, env, body):
        """--pr N is a person's claim: a head that differs is refused, not noticed."""
        assert run(env, *ci(body(), sha=OTHER_SHA)) == 5
        assert writes(fake) == []

    def test_comment__unknown_pr_is_refused(self, fake, env, body):
        assert run(env, *ci(body(), pr="12345")) == 5


class TestOther:
    def test_comment__dry_run_writes_nothing(self, fake, env, body, capsys):
        assert run(env, *ci(body("preview")), "--dry-run") == 0
        out = capsys.readouterr()
        assert sticky.sections(out.out)["ci"] == "preview"
        assert "would create" in out.err
        assert writes(fake) == []

    def test_comment__dry_run_shows_the_body_merged_with_the_other_section(self, fake, env, body, capsys):
        assert run(env, *ci(body("first"))) == 0
        capsys.readouterr()
        fake.add_comment(REPO, 7, "someone else's comment")
        [ours] = [c for c in fake.comments_on(REPO, 7) if sticky.is_ours(c["body"])]
        deploy = sticky.compose(ours["body"], "cd", "deployed")
        fake.state.comments[ours["id"]]["body"] = deploy
        assert run(env, *ci(body("second")), "--dry-run") == 0
        out = capsys.readouterr()
        assert sticky.sections(out.out) == {"ci": "second", "cd": "deployed"}
        assert out.err == f"comment: would update the ci section on #7 {ours['html_url']}\n"
        assert sticky.sections(fake.state.comments[ours["id"]]["body"])["ci"] == "first"

    def test_comment__dry_run_would_create__one_line_no_trailing_space(self, fake, env, body, capsys):
        assert run(env, *ci(body("new")), "--dry-run") == 0
        assert capsys.readouterr().err == "comment: would create the ci section on #7\n"

    def test_comment__head_lookup_without_a_number__no_warning(self, fake, env, body, capsys):
        argv = ["--head-owner", "octo-org", "--head-branch", "feature/x", "--head-sha", SHA, "--body-file", body("x")]
        assert run(env, *argv) == 0
        assert "warning" not in capsys.readouterr().err

    def test_comment__dry_run_without_a_token__links_on_github_com_by_default(self, tmp_path, capsys):
        from scripts.model import Report, to_dict

        report = tmp_path / "report.json"
        report.write_text(json.dumps(to_dict(Report(python_versions=("3.12",)))))
        argv = ["--pr", "7", "--head-sha", SHA, "--report", str(report), "--run-id", "5", "--dry-run"]
        assert run({}, *argv) == 0
        assert f"(https://github.com/{REPO}/actions/runs/5#artifacts)" in capsys.readouterr().out
        assert run({"GITHUB_SERVER_URL": "https://ghe.example/"}, *argv) == 0
        assert f"(https://ghe.example/{REPO}/actions/runs/5#artifacts)" in capsys.readouterr().out

    def test_comment__reads_the_process_environment_when_given_none(self, body, capsys, monkeypatch):
        monkeypatch.delenv("GITHUB_TOKEN", raising=False)
        monkeypatch.setenv("GITHUB_SERVER_URL", "https://ghe.example")
        assert comment.main(["--repo", REPO, *ci(body("env")), "--dry-run"]) == 0
        assert "would write the ci section" in capsys.readouterr().err

    def test_comment__dry_run_without_a_token_prints_the_body(self, env, body, capsys):
        assert run({}, *ci(body("offline")), "--dry-run") == 0
        assert sticky.sections(capsys.readouterr().out)["ci"] == "offline"

    def test_comment__body_file_cannot_fake_markers(self, fake, env, body):
        """A body that carries our end marker cannot close our section early or start another."""
        evil = f"hi\n{sticky.end('ci')}\n{sticky.begin('cd')}\nfake deploy"
        assert run(env, *ci(body(evil))) == 0
        [made] = fake.comments_on(REPO, 7)
        assert set(sticky.sections(made["body"])) == {"ci"}

    def test_comment__report_json_is_rendered_with_artifact_links(self, fake, env, tmp_path):
        from scripts.model import Report, to_dict

        report = tmp_path / "report.json"
        report.write_text(json.dumps(to_dict(Report(python_versions=("3.12",)))))
        fake.add_run(REPO, 4242, ["reports-py3.12", "pr-report", "octo-org~sample-app~ABC.dockerbuild"])
        assert run(env, "--pr", "7", "--head-sha", SHA, "--report", str(report), "--run-id", "4242") == 0
        [made] = fake.comments_on(REPO, 7)
        assert "(https://github.com/octo-org/sample-app/actions/runs/4242/artifacts/424200)" in made["body"]
        assert "dockerbuild" not in made["body"]

    def test_comment__alerts_link_names_the_pr_the_api_confirmed_not_the_one_given(self, fake, env, tmp_path):
        """Code scanning's alerts link carries the PR number the API found for the head commit; a
        number given on the command line that the API contradicts never reaches a link."""
        from scripts.model import Report, Scan, to_dict

        scan = Scan("Trivy", "img", {"CRITICAL": 0, "HIGH": 0, "MEDIUM": 0, "LOW": 0, "UNKNOWN": 0}, 0)
        report = tmp_path / "report.json"
        report.write_text(json.dumps(to_dict(Report(python_versions=("3.12",), scan=scan))))
        argv = ["--head-owner", "octo-org", "--head-branch", "feature/x", "--head-sha", SHA, "--pr", "3"]
        assert run(env, *argv, "--report", str(report)) == 0
        [made] = fake.comments_on(REPO, 7)
        assert "(https://github.com/octo-org/sample-app/security/code-scanning?query=is%3Aopen+pr%3A7)" in made["body"]
        assert "pr%3A3" not in made["body"]

    def test_comment__report_json_cannot_choose_links_or_the_commit(self, fake, env, tmp_path):
        """A fork writes report.json: its run_url, head sha and vulnerability links are not shown;
        the run link and the commit come from trusted context (--run-id, --head-sha)."""
        from scripts.model import Report, Scan, Vulnerability, to_dict

        forged = Report(
            python_versions=("3.12",),
            head_sha=OTHER_SHA,
            run_url="https://evil.example/phish",
            scan=Scan(
                "Trivy",
                "img",
                {"CRITICAL": 1, "HIGH": 0, "MEDIUM": 0, "LOW": 0, "UNKNOWN": 0},
                0,
                (Vulnerability("CVE-1", "p #9", "1", "", "CRITICAL", url="https://github.com@evil.example/"),),
            ),
        )
        report = tmp_path / "report.json"
        report.write_text(json.dumps(to_dict(forged)))
        fake.add_run(REPO, 4242, [])
        assert run(env, "--pr", "7", "--head-sha", SHA, "--report", str(report), "--run-id", "4242") == 0
        [made] = fake.comments_on(REPO, 7)
        assert f"commit `{SHA[:12]}`" in made["body"]
        assert OTHER_SHA[:12] not in made["body"]
        assert "](https://evil.example" not in made["body"]
        assert "](https://github.com@evil.example" not in made["body"]
        assert (
            "[artifacts of this run](https://github.com/octo-org/sample-app/actions/runs/4242#artifacts)"
            in made["body"]
        )
        assert "p #\u200b9" in made["body"]

    def test_comment__unreadable_report_json_is_one_line(self, fake, env, tmp_path, capsys):
        report = tmp_path / "report.json"
        report.write_bytes(b'{"schema_version": 1, "python_versions": ["\\ud800"]}')
        assert run(env, "--pr", "7", "--head-sha", SHA, "--report", str(report)) == 3
        err = capsys.readouterr().err
        assert err == f"comment: error: {report}: a string holds a lone UTF-16 surrogate (not text)\n"
        assert writes(fake) == []

    def test_comment__deploy_from_a_fork_is_marked_as_its_word(self, fake, env, tmp_path):
        deploy = tmp_path / "deploy.json"
        deploy.write_text(json.dumps({"status": "success", "reason": "ok", "source": "cd"}))
        assert run(env, "--pr", "7", "--head-sha", SHA, "--deploy", str(deploy), "--deploy-source", "fork-ci") == 0
        [made] = fake.comments_on(REPO, 7)
        assert "Reported by the fork's own CI run" in sticky.sections(made["body"])["cd"]

    def test_comment__deploy_without_the_flag_is_cds_own(self, fake, env, tmp_path):
        """A fork's file cannot claim the marker away or onto CD's own result: the flag decides."""
        deploy = tmp_path / "deploy.json"
        deploy.write_text(json.dumps({"status": "success", "reason": "ok", "source": "fork-ci"}))
        assert run(env, "--pr", "7", "--head-sha", SHA, "--deploy", str(deploy)) == 0
        [made] = fake.comments_on(REPO, 7)
        assert "Reported by the fork's own CI run" not in made["body"]

    def test_own_login__falls_back_to_get_user(self, fake, env, body):
        """Where GraphQL fails (some GHES setups), GET /user names the login."""
        fake.state.user_403 = False
        fake.fault("POST", r"/graphql$", 400, {"message": "nope"}, times=5)
        assert run(env, *ci(body())) == 0
        assert len(fake.comments_on(REPO, 7)) == 1


class TestInputsExactly:
    """What comment reads, at its limits, with the whole message written out."""

    def test_deploy_json__256_kib_at_most_and_errors_name_the_file(self, fake, env, tmp_path, capsys):
        deploy = tmp_path / "deploy.json"
        deploy.write_text('{"status": "success", "reason": "' + "r" * (256 * 1024 - 35) + '"}')
        assert deploy.stat().st_size == 256 * 1024
        assert run(env, "--pr", "7", "--head-sha", SHA, "--deploy", str(deploy)) == 3  # reason over 1000 chars
        assert capsys.readouterr().err == f"comment: error: {deploy}.reason: longer than 1000 characters\n"
        deploy.write_text(deploy.read_text() + " ")
        assert run(env, "--pr", "7", "--head-sha", SHA, "--deploy", str(deploy)) == 3
        assert capsys.readouterr().err == (
            f"comment: error: {deploy}: {256 * 1024 + 1:,} bytes is over the {256 * 1024:,}-byte limit\n"
        )

    def test_report_json__16_mib_at_most(self, fake, env, tmp_path, capsys):
        report = tmp_path / "report.json"
        report.write_bytes(b" " * (16 * 1024 * 1024 + 1))
        assert run(env, "--pr", "7", "--head-sha", SHA, "--report", str(report)) == 3
        assert capsys.readouterr().err == (
            f"comment: error: {report}: {16 * 1024 * 1024 + 1:,} bytes is over the {16 * 1024 * 1024:,}-byte limit\n"
        )

    def test_report_json__errors_name_the_file_and_field(self, fake, env, tmp_path, capsys):
        report = tmp_path / "report.json"
        report.write_text('{"schema_version": 1, "coverage_threshold": -1}')
        assert run(env, "--pr", "7", "--head-sha", SHA, "--report", str(report)) == 3
        assert capsys.readouterr().err == f"comment: error: {report}.coverage_threshold: out of range\n"

    def test_report_json__the_package_link_comes_from_the_server_and_repository(self, fake, env, tmp_path):
        from scripts.model import Image, Report, to_dict

        image = Image("ghcr.io/octo-org/sample-app", "sha256:" + "d" * 64, SHA, pushed=True)
        report = tmp_path / "report.json"
        report.write_text(json.dumps(to_dict(Report(python_versions=("3.12",), image=image))))
        assert (
            run(
                {**env, "GITHUB_SERVER_URL": "https://ghe.example"},
                "--pr",
                "7",
                "--head-sha",
                SHA,
                "--report",
                str(report),
            )
            == 0
        )
        [made] = fake.comments_on(REPO, 7)
        assert (
            "[ghcr.io/octo-org/sample-app](https://ghe.example/octo-org/sample-app/pkgs/container/sample-app)"
            in made["body"]
        )
        assert "/actions/runs/" not in made["body"]  # no --run-id: no run link at all

    def test_body_file__not_utf8_is_one_line(self, fake, env, tmp_path, capsys):
        path = tmp_path / "comment.md"
        path.write_bytes(b"\xff\xfe bad")
        assert run(env, *ci(str(path))) == 3
        assert capsys.readouterr().err == f"comment: error: {path}: not UTF-8 text\n"

    def test_body_file__markers_defanged_exactly(self, fake, env, body):
        assert run(env, *ci(body("a <!-- b"))) == 0
        [made] = fake.comments_on(REPO, 7)
        assert sticky.sections(made["body"])["ci"] == "a <\u200b!-- b"

    @pytest.mark.parametrize(
        "argv",
        [
            ["--head-owner", "octo-org", "--head-sha", SHA],
            ["--head-branch", "feature/x", "--head-sha", SHA],
            ["--head-owner", "octo-org", "--head-branch", "feature/x"],
        ],
    )
    def test_head_lookup__owner_branch_and_sha_go_together(self, fake, env, body, capsys, argv):
        assert run(env, *argv, "--body-file", body()) == 1
        assert capsys.readouterr().err == "comment: error: --head-owner, --head-branch and --head-sha go together\n"


class TestUsageExactly:
    @pytest.mark.parametrize(
        ("argv", "code", "line"),
        [
            (
                ["--body-file", "b"],
                1,
                "comment: error: give --pr, or --head-owner with --head-branch, to name the pull request",
            ),
            (
                ["--pr", "7", "--body-file", "b"],
                1,
                "comment: error: --head-sha is required: a PR number is trusted only when its head commit matches",
            ),
            (
                ["--pr", "7", "--head-sha", SHA, "--body-file", "b", "--run-id", "1"],
                1,
                "comment: error: --run-id goes with --report",
            ),
            (
                ["--pr", "7", "--head-sha", SHA, "--body-file", "b", "--deploy-source", "fork-ci"],
                1,
                "comment: error: --deploy-source goes with --deploy",
            ),
            (
                ["--pr", "7", "--head-sha", "x" * 80, "--body-file", "b"],
                5,
                f"comment: refused: --head-sha {'x' * 60!r} is not a 40-character commit sha",
            ),
        ],
    )
    def test_misuse__one_line_and_its_exit_status(self, fake, env, capsys, argv, code, line):
        assert run(env, *argv) == code
        assert capsys.readouterr().err == line + "\n"
        assert writes(fake) == []

    def test_dry_run_without_a_token__prints_the_body_and_what_it_would_do(self, tmp_path, capsys):
        from scripts.model import Report, to_dict

        report = tmp_path / "report.json"
        report.write_text(json.dumps(to_dict(Report(python_versions=("3.12",)))))
        argv = ["--pr", "7", "--head-sha", SHA, "--report", str(report), "--run-id", "9", "--dry-run"]
        assert run({"GITHUB_SERVER_URL": "https://ghe.example/"}, *argv) == 0
        out, err = capsys.readouterr()
        assert out.startswith("<!-- sample-app-report -->\n<!-- sample-app-report:begin:ci -->\n")
        assert "[artifacts of this run](https://ghe.example/octo-org/sample-app/actions/runs/9#artifacts)" in out
        assert err == "comment: dry run, no GITHUB_TOKEN: would write the ci section on octo-org/sample-app\n"

    def test_a_pr_number_the_api_contradicts__ignored_with_a_warning(self, fake, env, body, capsys):
        argv = ["--head-owner", "octo-org", "--head-branch", "feature/x", "--head-sha", SHA, "--pr", "3"]
        assert run(env, *argv, "--body-file", body()) == 0
        err = capsys.readouterr().err
        assert "comment: warning: ignored PR number 3 (the API says the head commit belongs to #7)\n" in err
        assert err.endswith(f"comment: created the ci section on #7 {fake.comments_on(REPO, 7)[0]['html_url']}\n")
