"""scripts.fetch and scripts.github.unzip: a run's artifacts, downloaded from the local fake GitHub as real
zips (made with zipfile), unpacked into the layout scripts.report reads, and hostile zips refused
in one line with nothing written outside the folder."""

from __future__ import annotations

import functools
import io
import json
import re
import stat
import zipfile
from pathlib import Path

import pytest
import yaml

from scripts import comment, fetch
from scripts.errors import InputError
from scripts.github import unzip
from scripts.report import cli as report
from scripts.report import sticky
from tests.support.fake_github import FakeGitHub
from tests.support.zips import raw_zip, zeros_deflated

ROOT = Path(__file__).resolve().parent.parent
ARTIFACTS = Path(__file__).parent / "fixtures" / "artifacts"
REPO = "octo-org/sample-app"
TOKEN = "fetch-token"
HEAD = "e" * 40
LONG_1024 = "/".join(["d" * 255] * 3 + ["e" * 254, "f"])


def make_zip(entries: dict[str, bytes | str], *, modes: dict[str, int] | None = None) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in entries.items():
            info = zipfile.ZipInfo(name)
            info.compress_type = zipfile.ZIP_DEFLATED
            if modes and name in modes:
                info.external_attr = modes[name] << 16
            archive.writestr(info, data)
    return buffer.getvalue()


def folder_zip(folder: Path, prefix: str) -> bytes:
    """An artifact as CI uploads it: the folder's files under their own top-level name."""
    return make_zip(
        {f"{prefix}/{p.relative_to(folder).as_posix()}": p.read_bytes() for p in folder.rglob("*") if p.is_file()}
    )


def tree(root: Path) -> list[str]:
    return sorted(p.relative_to(root).as_posix() for p in root.rglob("*") if p.is_file())


@pytest.fixture
def github():
    server = FakeGitHub(token=TOKEN).start()
    yield server
    server.stop()


@pytest.fixture
def env(github) -> dict[str, str]:
    return {"GITHUB_TOKEN": TOKEN, "GITHUB_API_URL": github.url, "GITHUB_PACE_REQUESTS": "0", "GITHUB_PACE_WRITES": "0"}


def ci_run(github: FakeGitHub, run_id: int = 42, extra: dict[str, bytes] | None = None) -> None:
    zips = {name: folder_zip(ARTIFACTS / name, name) for name in ("reports-py3.10", "reports-py3.11", "reports-py3.12")}
    zips |= {name: folder_zip(ARTIFACTS / name, name) for name in ("lint", "scan", "image")}
    zips |= extra or {}
    names = [*zips, "image-archive", "octo-org~sample-app~ABC123.dockerbuild"]
    github.add_run(REPO, run_id, names, zips=zips)


class TestFetch:
    def test_run__laid_out_as_the_report_job_reads_it(self, github, env, tmp_path, capsys):
        ci_run(github)
        github.add_workflow_run(REPO, 42, HEAD)
        out = tmp_path / "artifacts"
        assert fetch.main(["--repo", REPO, "--run-id", "42", "--out", str(out)], env) == 0
        expected = sorted(
            f"{name}/{p.relative_to(ARTIFACTS / name).as_posix()}"
            for name in ("image", "lint", "reports-py3.10", "reports-py3.11", "reports-py3.12", "scan")
            for p in (ARTIFACTS / name).rglob("*")
            if p.is_file()
        )
        assert tree(out) == sorted([".run.json", *expected])
        assert (out / "reports-py3.12" / "junit.xml").read_bytes() == (
            ARTIFACTS / "reports-py3.12" / "junit.xml"
        ).read_bytes()
        record = json.loads((out / ".run.json").read_text())
        assert (record["repository"], record["run_id"], record["head_sha"]) == (REPO, 42, HEAD)
        assert record["server_url"] == "https://github.com"
        assert record["artifacts"][0] == {
            "name": "reports-py3.10",
            "url": f"https://github.com/{REPO}/actions/runs/42/artifacts/4200",
            "size": len(folder_zip(ARTIFACTS / "reports-py3.10", "reports-py3.10")),
            "expired": False,
        }
        assert [a["name"] for a in record["artifacts"]] == [
            "reports-py3.10",
            "reports-py3.11",
            "reports-py3.12",
            "lint",
            "scan",
            "image",
            "image-archive",
        ]  # the .dockerbuild record is left out, as in CD's comment
        printed = capsys.readouterr().out
        assert "image-archive" not in printed  # not what the report job downloads
        assert f"next: python -m scripts.report {out} --dry-run" in printed

    def test_fetch_then_report_dry_run__the_ci_section_cd_would_post(self, github, env, tmp_path, capsys):
        """Laptop: fetch, then report --dry-run. Pipeline: the report job's report.json, rendered by
        CD's comment with the run's links. The two CI sections are the same, byte for byte."""
        ci_run(github)
        github.add_workflow_run(REPO, 42, HEAD)
        github.add_pull(REPO, 7, head_sha=HEAD, head_owner="octo-org", head_branch="feature")
        out = tmp_path / "fetched"
        assert fetch.main(["--repo", REPO, "--pr", "7", "--out", str(out)], env) == 0
        capsys.readouterr()
        assert report.main([str(out), "--dry-run"], env={}) == 0
        on_the_laptop = capsys.readouterr().out

        ci_env = {"GITHUB_SERVER_URL": "https://github.com", "GITHUB_REPOSITORY": REPO, "GITHUB_RUN_ID": "42"}
        assert report.main([str(ARTIFACTS), "--out", str(tmp_path / "ci"), "--head-sha", HEAD], env=ci_env) == 0
        cd_args = ["--repo", REPO, "--pr", "7", "--head-sha", HEAD, "--report", str(tmp_path / "ci" / "report.json")]
        assert comment.main([*cd_args, "--run-id", "42", "--author", "github-actions[bot]", "--dry-run"], env) == 0
        posted = sticky.sections(capsys.readouterr().out)["ci"]
        assert on_the_laptop == posted + "\n"
        assert f"commit `{HEAD[:12]}`" in posted
        assert f"(https://github.com/{REPO}/actions/runs/42/artifacts/4200)" in posted
        assert f"(https://github.com/{REPO}/security/code-scanning?query=is%3Aopen+pr%3A7)" in posted

    @pytest.mark.parametrize(
        ("patch", "problem"),
        [
            ({"server_url": "javascript:alert(1)"}, ".run.json.server_url: not a valid value"),
            ({"head_sha": "HEAD"}, ".run.json.head_sha: not a valid value"),
            (
                {"artifacts": [{"name": "x", "url": "https://evil.example/a b"}]},
                ".run.json.artifacts[].url: not a valid value",
            ),
            ({"repository": "../../x"}, ".run.json.repository: not a valid value"),
        ],
    )
    def test_run_record__checked_like_every_input(self, tmp_path, capsys, patch, problem):
        folder = tmp_path / "a"
        folder.mkdir()
        good = {"repository": REPO, "server_url": "https://github.com", "run_id": 1, "head_sha": HEAD, "artifacts": []}
        (folder / ".run.json").write_text(json.dumps(good | patch))
        assert report.main([str(folder), "--dry-run"], env={}) == 3
        err = capsys.readouterr().err
        assert err == f"report: error: {folder / '.run.json'}{problem.removeprefix('.run.json')}\n"

    def test_pr__the_newest_ci_run_of_its_head(self, github, env, tmp_path, capsys):
        head = "c" * 40
        github.add_pull(REPO, 9, head_sha=head, head_owner="octo-org", head_branch="feature")
        ci_run(github, run_id=41)
        ci_run(github, run_id=43)
        github.add_workflow_run(REPO, 41, head)
        github.add_workflow_run(REPO, 50, head, path=".github/workflows/cd.yml", event="workflow_run")
        github.add_workflow_run(REPO, 43, head)
        github.add_workflow_run(REPO, 44, "d" * 40)
        github.add_workflow_run(REPO, 51, head, path=".github/workflows/cd.yml", event="workflow_run")
        assert fetch.main(["--repo", REPO, "--pr", "9", "--out", str(tmp_path / "a")], env) == 0
        assert "run 43: 6 artifact(s)" in capsys.readouterr().out

    def test_pr__no_ci_run_yet(self, github, env, tmp_path, capsys):
        github.add_pull(REPO, 9, head_sha="c" * 40, head_owner="octo-org", head_branch="feature")
        assert fetch.main(["--repo", REPO, "--pr", "9", "--out", str(tmp_path / "a")], env) == 4
        assert capsys.readouterr().err == (
            "fetch: error: pull request #9: no run of .github/workflows/ci.yml for its head cccccccccccc (yet)\n"
        )

    def test_token__never_sent_to_the_download_host(self, github, env, tmp_path):
        ci_run(github)
        assert fetch.main(["--repo", REPO, "--run-id", "42", "--out", str(tmp_path / "a")], env) == 0
        assert len(github.state.blob_requests) == 6
        for headers in github.state.blob_requests:
            assert "Authorization" not in headers
            assert TOKEN not in str(headers)

    def test_dry_run__lists_and_downloads_nothing(self, github, env, tmp_path, capsys):
        ci_run(github)
        out = tmp_path / "a"
        assert (
            fetch.main(["--repo", REPO, "--run-id", "42", "--out", str(out), "--dry-run", "--name", "lint"], env) == 0
        )
        assert capsys.readouterr().out == "would fetch lint (20 bytes) from run 42\n".replace(
            "20", f"{len(folder_zip(ARTIFACTS / 'lint', 'lint')):,}"
        )
        assert not out.exists()
        assert github.state.blob_requests == []

    def test_zip_not_what_github_lists__refused(self, github, env, tmp_path, capsys):
        ci_run(github)
        github.state.zips[4200 + 5] = make_zip({"image/image.json": "{}"})  # the 6th artifact, "image"
        assert fetch.main(["--repo", REPO, "--run-id", "42", "--out", str(tmp_path / "a")], env) == 5
        assert capsys.readouterr().err == (
            "fetch: refused: artifact 'image': the zip's sha256 is not the digest GitHub lists for it\n"
        )

    def test_out_not_empty__nothing_overwritten(self, github, env, tmp_path, capsys):
        ci_run(github)
        out = tmp_path / "a"
        out.mkdir()
        (out / "mine.txt").write_text("keep")
        assert fetch.main(["--repo", REPO, "--run-id", "42", "--out", str(out)], env) == 1
        assert (
            capsys.readouterr().err
            == f"fetch: error: --out {out}: exists and is not an empty folder (nothing is overwritten)\n"
        )
        assert (out / "mine.txt").read_text() == "keep"

    def test_nothing_matches__one_line(self, github, env, tmp_path, capsys):
        github.add_run(REPO, 42, ["something-else"])
        assert fetch.main(["--repo", REPO, "--run-id", "42", "--out", str(tmp_path / "a")], env) == 1
        assert capsys.readouterr().err == "fetch: error: run 42: no artifact matches reports-py*, lint, scan, image\n"

    def test_expired__said_so(self, github, env, tmp_path, capsys):
        ci_run(github)
        github.state.runs[(REPO, 42)][0]["expired"] = True
        assert fetch.main(["--repo", REPO, "--run-id", "42", "--out", str(tmp_path / "a")], env) == 1
        assert capsys.readouterr().err == (
            "fetch: error: run 42: expired (past the retention period): reports-py3.10\n"
        )

    def test_token_without_the_permission__names_it(self, github, env, tmp_path, capsys):
        github.fault(
            "GET",
            r"/actions/runs/42$",
            403,
            {"message": "Resource not accessible by personal access token"},
            headers={"X-Accepted-GitHub-Permissions": "actions=read"},
        )
        env = env | {"GITHUB_RETRIES": "0"}
        assert fetch.main(["--repo", REPO, "--run-id", "42", "--out", str(tmp_path / "a")], env) == 4
        # as a whole line: PyGithub's retry logger may write to stderr too, in some runners
        assert (
            "fetch: error: listing the run's artifacts: GitHub API answered 403: Resource not accessible by"
            " personal access token (the token needs actions=read)"
        ) in capsys.readouterr().err.splitlines()

    @pytest.mark.parametrize(
        ("status", "body", "headers", "line"),
        [
            (410, {"message": "Gone"}, {}, "GitHub answered 410: Gone"),
            (
                403,
                {"message": "Resource not accessible by integration"},
                {"X-Accepted-GitHub-Permissions": "actions=read"},
                "GitHub answered 403: Resource not accessible by integration (the token needs actions=read)",
            ),
            (404, {"message": "Not Found"}, {}, "GitHub answered 404: Not Found"),
            (500, ["not", "an", "object"], {}, "GitHub answered 500: Internal Server Error"),
            (451, {"message": "m" * 300}, {}, "GitHub answered 451: " + "m" * 200),
            (
                404,
                {"message": "Not Found"},
                {"X-Accepted-GitHub-Permissions": "actions=read"},
                "GitHub answered 404: Not Found (the token needs actions=read)",  # a private repo's 404
            ),
            (410, {"message": "Gone"}, {"X-Accepted-GitHub-Permissions": "actions=read"}, "GitHub answered 410: Gone"),
        ],
    )
    def test_download_refused__one_line_naming_the_artifact(
        self, github, env, tmp_path, capsys, status, body, headers, line
    ):
        ci_run(github)
        github.fault("GET", r"/actions/artifacts/4200/zip$", status, body, headers)
        assert fetch.main(["--repo", REPO, "--run-id", "42", "--out", str(tmp_path / "a")], env) == 4
        assert capsys.readouterr().err == f"fetch: error: downloading artifact 'reports-py3.10': {line}\n"

    def test_download_over_the_cap__stopped(self, github, env, tmp_path, capsys, monkeypatch):
        ci_run(github)
        monkeypatch.setattr(fetch, "MAX_ZIP_BYTES", 100)
        assert fetch.main(["--repo", REPO, "--run-id", "42", "--out", str(tmp_path / "a")], env) == 4
        size = len(github.state.zips[4200])
        assert capsys.readouterr().err == (
            f"fetch: error: downloading artifact 'reports-py3.10': body of {size:,} bytes is over the 100-byte limit\n"
        )

    def test_download_host_unreachable__one_line(self, github, env, tmp_path, capsys):
        ci_run(github)
        github.fault("GET", r"/actions/artifacts/4200/zip$", 302, None, {"Location": "http://127.0.0.1:9/blob"})
        assert fetch.main(["--repo", REPO, "--run-id", "42", "--out", str(tmp_path / "a")], env) == 4
        err = capsys.readouterr().err
        assert err.startswith(
            "fetch: error: downloading artifact 'reports-py3.10': GitHub API unreachable: ConnectionError"
        )
        assert err.count("\n") == 1

    def test_download__proxy_and_netrc_from_the_environment_ignored(self, github, env, tmp_path, monkeypatch):
        """A proxy variable would send the token to the proxy (here: a refusing port). The listing
        is PyGithub's and honours a proxy, as a user behind one needs; it is done first."""
        from scripts.github import github_api

        ci_run(github)
        settings = github_api.Settings.from_env(env)
        repo = github_api.repository(github_api.connect(settings), REPO)
        [lint] = [a for a in github_api.run_artifacts(repo, 42) if a.name == "lint"]
        for name in ("HTTP_PROXY", "http_proxy", "ALL_PROXY", "all_proxy"):
            monkeypatch.setenv(name, "http://127.0.0.1:9")
        monkeypatch.setenv("NO_PROXY", "")
        monkeypatch.setenv("no_proxy", "")
        (tmp_path / ".netrc").write_text("machine 127.0.0.1 login thief password stolen\n")
        monkeypatch.setenv("NETRC", str(tmp_path / ".netrc"))
        github_api.download_artifact(settings, REPO, lint, tmp_path / "lint.zip", max_bytes=10**6)
        assert (tmp_path / "lint.zip").read_bytes() == github.state.zips[lint.id]

    def test_no_token__one_line(self, tmp_path, capsys):
        assert fetch.main(["--repo", REPO, "--run-id", "1", "--out", str(tmp_path / "a")], {}) == 1
        assert capsys.readouterr().err == (
            "fetch: error: GITHUB_TOKEN is not set (the token is read from the environment only)\n"
        )

    def test_api_502__one_line_after_retries(self, github, env, tmp_path, capsys):
        ci_run(github)
        github.fault("GET", r"/actions/runs/42$", 502, {"message": "Bad Gateway"}, times=10)
        env = env | {"GITHUB_RETRIES": "1", "GITHUB_RETRY_BACKOFF": "0"}
        assert fetch.main(["--repo", REPO, "--run-id", "42", "--out", str(tmp_path / "a")], env) == 4
        lines = [line for line in capsys.readouterr().err.splitlines() if line.startswith("fetch:")]
        assert len(lines) == 1
        assert lines[0].startswith("fetch: error: listing the run's artifacts: GitHub API kept failing after retries")

    def test_hostile_artifact__refused_and_the_folder_holds_only_whole_artifacts(self, github, env, tmp_path, capsys):
        ci_run(github, extra={"scan": make_zip({"scan/trivy.json": "{}", "../../escaped.txt": "x"})})
        out = tmp_path / "work" / "a"
        assert fetch.main(["--repo", REPO, "--run-id", "42", "--out", str(out)], env) == 3
        assert capsys.readouterr().err == (
            "fetch: error: artifact 'scan': entry '../../escaped.txt': unsafe name (absolute, '..', ':', '\\\\'"
            " or a control character)\n"
        )
        assert not list(tmp_path.rglob("escaped.txt"))
        assert not any(p.name.startswith(".fetch-") for p in (tmp_path / "work").iterdir())  # work folder removed
        assert all(not p.startswith("scan/") for p in tree(out))

    @pytest.mark.parametrize(
        ("hostile", "line"),
        [
            (
                lambda: make_zip({"scan/../../../etc/cron.d/x": "x"}),
                "entry 'scan/../../../etc/cron.d/x': unsafe name (absolute, '..', ':', '\\\\' or a control character)",
            ),
            (
                lambda: make_zip({"scan/link": "/etc/passwd"}, modes={"scan/link": stat.S_IFLNK | 0o777}),
                "entry 'scan/link': a symlink is not unpacked",
            ),
            (
                lambda: raw_zip([("scan/trivy.json", zeros_deflated(1024), 1024**3, 0)]),
                "entry 'scan/trivy.json': inflates past 67,108,864 bytes",
            ),
            (
                lambda: raw_zip([(f"scan/e{i}", b"\x03\x00", 0, 0) for i in range(100_000)]),
                "more than 10,000 entries (100,000)",
            ),
            (
                lambda: make_zip({"scan/C:trivy.json": "{}"}),
                "entry 'scan/C:trivy.json': unsafe name (absolute, '..', ':', '\\\\' or a control character)",
            ),
        ],
        ids=["zip-slip", "symlink", "1-GiB-bomb", "100000-entries", "colon"],
    )
    def test_hostile_zip_from_the_api__one_line_nothing_outside(self, github, env, tmp_path, capsys, hostile, line):
        """Each hostile artifact served by the (fake) API as a zip: one line, exit 3, nothing of it
        written anywhere, the folder holding only whole artifacts."""
        ci_run(github, extra={"scan": hostile()})
        work = tmp_path / "work"
        work.mkdir()
        assert fetch.main(["--repo", REPO, "--run-id", "42", "--out", str(work / "a")], env) == 3
        assert capsys.readouterr().err == f"fetch: error: artifact 'scan': {line}\n"
        assert not any(p.name.startswith(".fetch-") for p in work.iterdir())
        assert not any(p.startswith("scan/") for p in tree(work / "a"))
        assert tree(tmp_path) == [f"work/a/{p}" for p in tree(work / "a")]

    def test_two_artifacts_writing_one_file__refused_not_overwritten(self, github, env, tmp_path, capsys):
        ci_run(github, extra={"reports-py3.99": make_zip({"lint/ruff.json": "[{}]"})})
        assert fetch.main(["--repo", REPO, "--run-id", "42", "--out", str(tmp_path / "a")], env) == 3
        assert (
            capsys.readouterr().err
            == "fetch: error: artifact 'reports-py3.99': 'lint/ruff.json' is also in another artifact\n"
        )
        assert (tmp_path / "a" / "lint" / "ruff.json").read_bytes() == (ARTIFACTS / "lint" / "ruff.json").read_bytes()

    def test_pattern__the_same_as_ci_ymls_report_job(self):
        """fetch lays out what the report job downloads: the two lists cannot drift apart."""
        workflow = yaml.safe_load((ROOT / ".github" / "workflows" / "ci.yml").read_text())
        steps = workflow["jobs"]["report"]["steps"]
        patterns = [s["with"]["pattern"] for s in steps if "download-artifact" in s.get("uses", "")]
        assert patterns == ["{" + ",".join(fetch.REPORT_ARTIFACTS) + "}"]
        assert all(s["with"].get("merge-multiple") is True for s in steps if "download-artifact" in s.get("uses", ""))


class TestUnzip:
    def extract(self, tmp_path: Path, entries: dict, **kw) -> Path:
        path = tmp_path / "a.zip"
        path.write_bytes(make_zip(entries, **kw.pop("zip_kw", {})))
        dest = tmp_path / "out" / "staged"
        unzip.extract(path, dest, "artifact 'x'", **kw)
        return dest

    @pytest.mark.parametrize(
        "name",
        [
            "../evil",
            "a/../../evil",
            "/etc/passwd",
            "C:/windows/evil",
            "C:evil",
            "a\\..\\evil",
            "a/b:stream",
            "a/./b",
            "a//b",
            "tab\there",
            "del\x7f",
            "x" * 256,
            ("a/" * 600) + "b",
        ],
    )
    def test_unsafe_names__refused_before_anything_is_written(self, tmp_path, name):
        with pytest.raises(InputError, match="unsafe name") as caught:
            self.extract(tmp_path, {"ok.txt": "fine", name: "x"})
        assert str(caught.value) == (
            f"artifact 'x': entry {name[:200]!r}: unsafe name (absolute, '..', ':', '\\\\' or a control character)"
        )
        assert not (tmp_path / "out" / "staged").exists()
        assert tree(tmp_path) == ["a.zip"]

    @pytest.mark.parametrize(
        ("mode", "kind"),
        [
            (stat.S_IFLNK | 0o777, "a symlink"),
            (stat.S_IFCHR | 0o644, "a character device"),
            (stat.S_IFBLK | 0o644, "a block device"),
            (stat.S_IFIFO | 0o644, "a FIFO"),
            (stat.S_IFSOCK | 0o644, "a socket"),
        ],
    )
    def test_special_files__refused(self, tmp_path, mode, kind):
        with pytest.raises(InputError, match=kind) as caught:
            self.extract(tmp_path, {"link": "/etc/passwd"}, zip_kw={"modes": {"link": mode}})
        assert str(caught.value) == f"artifact 'x': entry 'link': {kind} is not unpacked"
        assert not (tmp_path / "out" / "staged").exists()

    def test_directory_entries__made_and_files_under_them_written(self, tmp_path):
        dest = self.extract(tmp_path, {"reports-py3.12/": "", "reports-py3.12/junit.xml": "<testsuite/>"})
        assert tree(dest) == ["reports-py3.12/junit.xml"]
        assert (dest / "reports-py3.12").is_dir()

    @pytest.mark.parametrize(
        ("mode", "kind"),
        [
            (stat.S_IFDIR | 0o755, "a directory entry with a file's name"),
            (0o070000, "an entry of unknown type 70000"),
        ],
    )
    def test_odd_types__refused(self, tmp_path, mode, kind):
        with pytest.raises(InputError, match="is not unpacked") as caught:
            self.extract(tmp_path, {"thing": "x"}, zip_kw={"modes": {"thing": mode}})
        assert str(caught.value) == f"artifact 'x': entry 'thing': {kind} is not unpacked"

    def test_encrypted_entry__refused(self, tmp_path):
        path = tmp_path / "a.zip"
        path.write_bytes(make_zip({"secret.txt": "x"}))
        data = bytearray(path.read_bytes())
        for header, offset in ((b"PK\x03\x04", 6), (b"PK\x01\x02", 8)):
            at = data.index(header)
            data[at + offset] |= 0x1
        path.write_bytes(bytes(data))
        with pytest.raises(InputError, match="encrypted") as caught:
            unzip.extract(path, tmp_path / "out", "artifact 'x'")
        assert str(caught.value) == "artifact 'x': entry 'secret.txt': encrypted"

    def test_declared_entries__read_from_the_end_record(self, tmp_path):
        path = tmp_path / "a.zip"
        path.write_bytes(make_zip({f"f{i}": "" for i in range(7)}))
        assert unzip.declared_entries(path) == 7
        path.write_bytes(b"no end record here")
        assert unzip.declared_entries(path) is None
        path.write_bytes(raw_zip([(f"e{i}", b"\x03\x00", 0, 0) for i in range(70_000)]))
        assert unzip.declared_entries(path) == 70_000

    @pytest.mark.parametrize(
        ("name", "path"),
        [
            ("a/b.txt", "a/b.txt"),
            ("dir/", "dir"),
            (LONG_1024, LONG_1024),  # 1,024 characters
            (LONG_1024 + "f", None),  # 1,025
            ("ü" * 127, "ü" * 127),  # 254 bytes in UTF-8
            ("ü" * 128, None),  # 256 bytes: over the file system's 255
            ("", None),
            ("/", None),
        ],
    )
    def test_entry_path__limits_exactly(self, name, path):
        got = unzip.entry_path(name)
        assert (str(got) if got is not None else None) == path

    def test_nested_paths__folders_made_at_any_depth_and_in_any_order(self, tmp_path):
        entries = {"a/b/c.txt": "deep", "a/": "", "d1/d2/": "", "my report (1).xml": "spaces", "reports/X": "x"}
        dest = self.extract(tmp_path, entries)
        assert tree(dest) == ["a/b/c.txt", "my report (1).xml", "reports/X"]
        assert (dest / "d1" / "d2").is_dir()

    def test_extract__returns_what_it_wrote(self, tmp_path):
        path = tmp_path / "a.zip"
        path.write_bytes(make_zip({"x/": "", "x/one": "1", "two": "2"}))
        written = unzip.extract(path, tmp_path / "out", "artifact 'x'")
        assert [str(p) for p in written] == ["x/one", "two"]

    def test_caps__exactly_at_the_cap_is_accepted(self, tmp_path):
        path = tmp_path / "a.zip"
        path.write_bytes(make_zip({"a": bytes(600), "b": bytes(400)}))
        limits = unzip.Limits(entries=2, file_bytes=600, total_bytes=1000)
        assert len(unzip.extract(path, tmp_path / "out", "artifact 'x'", limits)) == 2

    def test_end_record_that_lies__the_directory_is_counted_too(self, tmp_path):
        data = bytearray(raw_zip([(f"e{i}", b"\x03\x00", 0, 0) for i in range(12)]))
        end = data.rindex(b"PK\x05\x06")
        data[end + 8 : end + 12] = (1).to_bytes(2, "little") * 2  # "1 entry", but 12 in the directory
        path = tmp_path / "a.zip"
        path.write_bytes(bytes(data))
        assert unzip.declared_entries(path) == 1
        with pytest.raises(InputError, match="more than") as caught:
            unzip.extract(path, tmp_path / "out", "artifact 'x'", unzip.Limits(entries=10))
        assert str(caught.value) == "artifact 'x': more than 10 entries (12)"

    def test_declared_entries__the_last_end_record_not_one_inside_a_file(self, tmp_path):
        buffer = io.BytesIO()
        with zipfile.ZipFile(buffer, "w", zipfile.ZIP_STORED) as archive:
            archive.writestr("decoy", b"PK\x05\x06" + b"\x00" * 4 + b"\x63\x00\x63\x00" + b"\x00" * 10)
            archive.writestr("real", b"x")
        path = tmp_path / "a.zip"
        path.write_bytes(buffer.getvalue())
        assert unzip.declared_entries(path) == 2

    def test_declared_entries__an_empty_zip_declares_none(self, tmp_path):
        buffer = io.BytesIO()
        zipfile.ZipFile(buffer, "w").close()
        path = tmp_path / "a.zip"
        path.write_bytes(buffer.getvalue())
        assert len(buffer.getvalue()) == 22
        assert unzip.declared_entries(path) == 0

    def test_merge__nested_files_moved_into_place(self, tmp_path):
        staged, dest = tmp_path / "staged", tmp_path / "dest"
        (staged / "a" / "b").mkdir(parents=True)
        (staged / "a" / "b" / "c.txt").write_text("c")
        dest.mkdir()
        unzip.merge(staged, dest, "artifact 'x'")
        assert tree(dest) == ["a/b/c.txt"]
        assert not staged.exists()

    def test_limits__the_defaults(self):
        assert unzip.Limits() == unzip.Limits(
            entries=10_000, file_bytes=64 * 1024 * 1024, total_bytes=512 * 1024 * 1024
        )

    def test_name_at_the_limits__accepted(self, tmp_path):
        part = "p" * 255
        dest = self.extract(tmp_path, {f"{part}/x": "ok"})
        assert tree(dest) == [f"{part}/x"]

    def test_regular_files_with_and_without_a_unix_mode__unpacked(self, tmp_path):
        dest = self.extract(
            tmp_path, {"a/b.txt": "one", "c.txt": "two"}, zip_kw={"modes": {"c.txt": stat.S_IFREG | 0o644}}
        )
        assert tree(dest) == ["a/b.txt", "c.txt"]
        assert (dest / "a" / "b.txt").read_text() == "one"

    def test_zip_bomb__stops_at_the_cap(self, tmp_path):
        """1 GiB of zeros in a zip of about 1 MB: inflating stops at the per-file cap (peak
        memory: tests/benchmarks/hostile.py)."""
        path = tmp_path / "bomb.zip"
        path.write_bytes(raw_zip([("reports-py3.12/junit.xml", zeros_deflated(1024), 1024**3, 0)]))
        assert path.stat().st_size < 2 * 1024 * 1024
        with pytest.raises(InputError, match="inflates past") as caught:
            unzip.extract(path, tmp_path / "out", "artifact 'bomb'")
        assert str(caught.value) == "artifact 'bomb': entry 'reports-py3.12/junit.xml': inflates past 67,108,864 bytes"
        assert not (tmp_path / "out").exists()
        assert tree(tmp_path) == ["bomb.zip"]

    def test_total__capped_across_entries(self, tmp_path):
        entries = {f"f{i}": bytes(600) for i in range(3)}
        path = tmp_path / "a.zip"
        path.write_bytes(make_zip(entries))
        with pytest.raises(InputError, match="inflates past 1,000 bytes in all"):
            unzip.extract(path, tmp_path / "out", "artifact 'x'", unzip.Limits(total_bytes=1000))

    def test_declared_size_not_trusted(self, tmp_path):
        """An entry whose header claims 10 bytes but inflates to 100 KiB is still cut at the cap."""
        path = tmp_path / "a.zip"
        path.write_bytes(make_zip({"big": bytes(100 * 1024)}))
        data = bytearray(path.read_bytes())
        for header, offset in ((b"PK\x03\x04", 22), (b"PK\x01\x02", 24)):
            at = data.index(header)
            data[at + offset : at + offset + 4] = (10).to_bytes(4, "little")
        path.write_bytes(bytes(data))
        with pytest.raises(InputError, match="entry 'big'"):
            unzip.extract(path, tmp_path / "out", "artifact 'x'", unzip.Limits(file_bytes=4096))
        assert not (tmp_path / "out").exists()

    def test_too_many_entries__refused_from_the_directory(self, tmp_path):
        path = tmp_path / "many.zip"
        path.write_bytes(raw_zip([(f"e{i}", b"\x03\x00", 0, 0) for i in range(100_000)]))
        with pytest.raises(InputError, match=re.escape("more than 10,000 entries (100,000)")):
            unzip.extract(path, tmp_path / "out", "artifact 'x'")
        assert not (tmp_path / "out").exists()

    @pytest.mark.parametrize(
        ("entries", "problem"),
        [
            ({"A.txt": "1", "a.txt": "2"}, "entry 'a.txt': appears twice"),
            ({"a": "file", "a/b": "under a file"}, "entry 'a/b': cannot be written"),
        ],
    )
    def test_clashing_names__refused(self, tmp_path, entries, problem):
        with pytest.raises(InputError, match=re.escape(problem)):
            self.extract(tmp_path, entries)

    def test_not_a_zip__one_line(self, tmp_path):
        path = tmp_path / "a.zip"
        path.write_bytes(b"<html>an error page</html>")
        with pytest.raises(InputError, match=r"^artifact 'x': not a zip file \(File is not a zip file\)$"):
            unzip.extract(path, tmp_path / "out", "artifact 'x'")

    def test_corrupt_entry__one_line(self, tmp_path):
        path = tmp_path / "a.zip"
        path.write_bytes(make_zip({"a.txt": "hello world " * 100}))
        data = bytearray(path.read_bytes())
        at = data.index(b"PK\x03\x04") + 30 + len("a.txt") + 5
        data[at] ^= 0xFF
        path.write_bytes(bytes(data))
        # zlib's own words or the CRC check's, whichever notices first: never an empty reason
        with pytest.raises(
            InputError,
            match=r"^artifact 'x': entry 'a.txt': corrupt \((Error -3 while decompressing data|Bad CRC-32)[^)]*\)$",
        ):
            unzip.extract(path, tmp_path / "out", "artifact 'x'")


class TestUnzipExactly:
    """The end record read from the tail, at the edges of its window, and every message's name
    cut to 200 characters: oracles written out."""

    LONG = "d" * 230  # a valid name (at most 255 a part) longer than what messages show

    @pytest.fixture
    def zip64(self) -> bytes:
        """65,536 entries: the end record says 0xFFFF and zip64's records hold the count."""
        return _zip64()

    def write(self, tmp_path: Path, data: bytes) -> Path:
        path = tmp_path / "a.zip"
        path.write_bytes(data)
        return path

    def test_zip64_behind_the_longest_comment__the_window_reaches_its_locator(self, tmp_path, zip64):
        """The locator sits exactly 65,535 + 22 + 20 bytes before the end: the first byte read."""
        data = zip64[:-2] + (65_535).to_bytes(2, "little") + b"c" * 65_535
        assert unzip.declared_entries(self.write(tmp_path, data)) == 65_536

    def test_zip64_record_not_where_the_locator_points__the_end_records_count(self, tmp_path, zip64):
        data = bytearray(zip64)
        locator = data.rindex(b"PK\x06\x07")
        data[locator + 8 : locator + 16] = (0).to_bytes(8, "little")  # points at a local header
        assert unzip.declared_entries(self.write(tmp_path, bytes(data))) == 0xFFFF

    def test_zip64_records_only_when_the_end_record_says_0xffff(self, tmp_path, zip64):
        data = bytearray(zip64)
        end = data.rindex(b"PK\x05\x06")
        data[end + 8 : end + 12] = (3).to_bytes(2, "little") * 2
        assert unzip.declared_entries(self.write(tmp_path, bytes(data))) == 3

    def test_an_end_record_cut_short__none(self, tmp_path):
        assert unzip.declared_entries(self.write(tmp_path, b"junk" + b"PK\x05\x06" + bytes(5))) is None

    def test_an_end_record_declaring_too_many__refused_before_the_directory_is_read(self, tmp_path):
        data = bytearray(raw_zip([(f"e{i}", b"\x03\x00", 0, 0) for i in range(3)]))
        end = data.rindex(b"PK\x05\x06")
        data[end + 8 : end + 12] = (20_000).to_bytes(2, "little") * 2
        with pytest.raises(InputError, match=r"^artifact 'x': more than 10,000 entries \(20,000\)$"):
            unzip.extract(self.write(tmp_path, bytes(data)), tmp_path / "out", "artifact 'x'")

    def test_long_names__cut_to_200_in_every_message(self, tmp_path):
        shown = repr(self.LONG[:200])
        cases = [
            ({self.LONG: "1", self.LONG.upper(): "2"}, f"entry {self.LONG.upper()[:200]!r}: appears twice"),
            (
                {self.LONG: "a file", f"{self.LONG}/b": "under it"},
                f"entry {(self.LONG + '/b')[:200]!r}: cannot be written (File exists)",
            ),
        ]
        for entries, problem in cases:
            with pytest.raises(InputError, match=r"^artifact 'x': ") as caught:
                unzip.extract(self.write(tmp_path, make_zip(entries)), tmp_path / "out", "artifact 'x'")
            assert str(caught.value) == f"artifact 'x': {problem}"
        with pytest.raises(InputError, match=r"^artifact 'x': ") as caught:
            unzip.extract(
                self.write(tmp_path, make_zip({self.LONG: "y" * 50})),
                tmp_path / "out",
                "artifact 'x'",
                unzip.Limits(file_bytes=10),
            )
        assert str(caught.value) == f"artifact 'x': entry {shown}: inflates past 10 bytes"

    def test_long_name_already_there__cut_to_200(self, tmp_path):
        """A file of that name already in the folder is never overwritten."""
        dest = tmp_path / "out"
        (dest / "d").mkdir(parents=True)
        (dest / "d" / self.LONG).write_text("mine")
        archive = zipfile.ZipFile(self.write(tmp_path, make_zip({f"d/{self.LONG}": "1"})))
        with pytest.raises(InputError, match=r"^artifact 'x': ") as caught:
            unzip._unpack(archive, dest, "artifact 'x'", unzip.Limits())
        name = repr(("d/" + self.LONG)[:200])
        assert str(caught.value) == f"artifact 'x': entry {name}: a file of that name is already there"
        assert (dest / "d" / self.LONG).read_text() == "mine"

    def test_corrupt_long_name__cut_to_200(self, tmp_path):
        data = bytearray(make_zip({self.LONG: "hello world " * 100}))
        at = data.index(b"PK\x03\x04") + 30 + len(self.LONG) + 5
        data[at] ^= 0xFF
        with pytest.raises(InputError, match=rf"^artifact 'x': entry {re.escape(repr(self.LONG[:200]))}: corrupt \("):
            unzip.extract(self.write(tmp_path, bytes(data)), tmp_path / "out", "artifact 'x'")


@functools.cache
def _zip64() -> bytes:
    return raw_zip([(f"e{i}", b"\x03\x00", 0, 0) for i in range(65_536)])
