"""The stand-ins behave as the pinned actions do (../shared/stand-ins.md), never kinder: each rule the
workflows rely on is run here through run.py, as act runs it, with the expected result written out.
A stand-in that quietly put files where the real action does not would let act pass what GitHub fails."""

from __future__ import annotations

import copy
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.support.fake_github import FakeGitHub

# Harness, not pipeline code: it does not change with the Python version, so it runs once.
pytestmark = pytest.mark.static
STANDINS = Path(__file__).resolve().parent / "e2e" / "standins"
RUN = STANDINS / "run.py"


def parse_outputs(text: str) -> dict[str, str]:
    """$GITHUB_OUTPUT as the runner reads it: name=value, or name<<DELIMITER ... DELIMITER."""
    outputs: dict[str, str] = {}
    lines = iter(text.splitlines())
    for line in lines:
        if "<<" in line and ("=" not in line or line.index("<<") < line.index("=")):
            name, delimiter = line.split("<<", 1)
            value = []
            for inner in lines:
                if inner == delimiter:
                    break
                value.append(inner)
            outputs[name] = "\n".join(value)
        elif "=" in line:
            name, value = line.split("=", 1)
            outputs[name] = value
    return outputs


class Runner:
    """One workspace and artifact store; .run(action, **inputs) runs the stand-in like act would."""

    def __init__(self, tmp: Path) -> None:
        self.tmp = tmp
        self.workspace = tmp / "ws"
        self.workspace.mkdir()
        self.env = {
            "PATH": os.environ["PATH"],
            "GITHUB_WORKSPACE": str(self.workspace),
            "GITHUB_RUN_ID": "7",
            "GITHUB_REPOSITORY": "octo-org/sample-app",
            "E2E_ARTIFACTS": str(tmp / "store"),
            "RUNNER_TEMP": str(tmp),
        }

    def run(self, action: str, **inputs: str) -> tuple[int, str, dict[str, str]]:
        out, env_file = self.tmp / "output", self.tmp / "env"
        out.write_text("")
        env_file.write_text("")
        env = {**self.env, "GITHUB_OUTPUT": str(out), "GITHUB_ENV": str(env_file)}
        env |= {"INPUT_" + k.upper(): v for k, v in inputs.items()}
        done = subprocess.run(
            [sys.executable, str(RUN), action], env=env, capture_output=True, text=True, timeout=60, check=False
        )
        return done.returncode, done.stdout + done.stderr, parse_outputs(out.read_text())

    def files(self, where: Path) -> list[str]:
        return sorted(str(p.relative_to(where)) for p in where.rglob("*") if p.is_file())

    def artifact(self, name: str, run: str = "7") -> list[str]:
        return self.files(self.tmp / "store" / "runs" / run / name)

    def write(self, *paths: str) -> None:
        for path in paths:
            target = self.workspace / path
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_text(path)


@pytest.fixture
def gh(tmp_path) -> Runner:
    return Runner(tmp_path)


class TestUploadArtifact:
    def test_one_folder__its_contents_at_the_top(self, gh):
        gh.write("reports/lint/ruff.json")
        assert gh.run("actions/upload-artifact", NAME="lint", PATH="reports/")[0] == 0
        assert gh.artifact("lint") == ["lint/ruff.json"]

    def test_one_file__at_the_top(self, gh):
        gh.write("out/deploy/deploy.json")
        assert gh.run("actions/upload-artifact", NAME="d", PATH="out/deploy/deploy.json")[0] == 0
        assert gh.artifact("d") == ["deploy.json"]

    def test_a_second_path__changes_the_layout_of_the_first(self, gh):
        gh.write("dist/app.js", "README.md")
        assert gh.run("actions/upload-artifact", NAME="a", PATH="dist/")[0] == 0
        assert gh.run("actions/upload-artifact", NAME="b", PATH="dist/\nREADME.md")[0] == 0
        assert gh.artifact("a") == ["app.js"]
        assert gh.artifact("b") == ["README.md", "dist/app.js"]

    def test_wildcard__root_is_the_literal_part(self, gh):
        gh.write("out/some/x.txt")
        assert gh.run("actions/upload-artifact", NAME="w", PATH="out/*/x.txt")[0] == 0
        assert gh.artifact("w") == ["some/x.txt"]

    def test_hidden_files_and_empty_folders__left_out(self, gh):
        gh.write("reports/htmlcov/index.html", "reports/htmlcov/.gitignore", "reports/.cache/x")
        (gh.workspace / "reports" / "empty").mkdir()
        assert gh.run("actions/upload-artifact", NAME="r", PATH="reports/")[0] == 0
        assert gh.artifact("r") == ["htmlcov/index.html"]

    def test_hidden_search_root__uploads_nothing(self, gh):
        gh.write(".build/out.txt")
        code, log, outputs = gh.run("actions/upload-artifact", NAME="h", PATH=".build/")
        assert code == 0
        assert "No files were found with the provided path: .build/. No artifacts will be uploaded." in log
        assert outputs == {}

    def test_no_files__error_when_asked(self, gh):
        code, log, _ = gh.run("actions/upload-artifact", NAME="n", PATH="nothing/", IF_NO_FILES_FOUND="error")
        assert code == 1
        assert "::error::No files were found with the provided path: nothing/. No artifacts will be uploaded." in log

    def test_a_file_name_with_a_colon__fails_the_whole_upload(self, gh):
        gh.write("r/ok.txt", "r/report:1.txt")
        code, log, _ = gh.run("actions/upload-artifact", NAME="c", PATH="r/")
        assert code == 1
        assert "The path for one of the files in artifact is not valid: report:1.txt" in log
        assert not (gh.tmp / "store" / "runs" / "7" / "c").exists()

    @pytest.mark.parametrize("name", ["a/b", "a:b", "a|b", ""])
    def test_artifact_name_rules(self, gh, name):
        gh.write("f.txt")
        assert gh.run("actions/upload-artifact", NAME=name or "x\r", PATH="f.txt")[0] == 1

    def test_same_name_twice__409_unless_overwrite(self, gh):
        gh.write("f.txt")
        assert gh.run("actions/upload-artifact", NAME="x", PATH="f.txt")[0] == 0
        code, log, _ = gh.run("actions/upload-artifact", NAME="x", PATH="f.txt")
        assert code == 1
        assert "(409) Conflict: an artifact with this name already exists on the workflow run" in log
        code, _, outputs = gh.run("actions/upload-artifact", NAME="x", PATH="f.txt", OVERWRITE="true")
        assert code == 0
        assert outputs["artifact-id"] == "702"  # a new id: the first was 701


class TestDownloadArtifact:
    @pytest.fixture
    def stored(self, gh):
        for name in ("reports-py3.10", "reports-py3.12", "lint", "image-archive"):
            folder = name.split("-py")[0] if "-py" not in name else name
            gh.write(f"up/{name}/{folder}/f.txt")
            assert gh.run("actions/upload-artifact", NAME=name, PATH=f"up/{name}/")[0] == 0
        return gh

    def dest(self, gh) -> Path:
        return gh.tmp / "dest"

    def test_by_name__never_a_sub_folder(self, stored):
        assert stored.run("actions/download-artifact", NAME="lint", PATH=str(self.dest(stored)))[0] == 0
        assert stored.files(self.dest(stored)) == ["lint/f.txt"]

    def test_pattern_matching_one__no_sub_folder_either(self, stored):
        """The trap: reports-py* with only one leg uploaded puts its files at the top."""
        assert stored.run("actions/download-artifact", PATTERN="reports-py3.1[0]", PATH=str(self.dest(stored)))[0] == 0
        assert stored.files(self.dest(stored)) == ["reports-py3.10/f.txt"]

    def test_pattern_matching_two__a_sub_folder_each(self, stored):
        assert stored.run("actions/download-artifact", PATTERN="reports-py*", PATH=str(self.dest(stored)))[0] == 0
        assert stored.files(self.dest(stored)) == [
            "reports-py3.10/reports-py3.10/f.txt",
            "reports-py3.12/reports-py3.12/f.txt",
        ]

    def test_merge_multiple__one_folder_whatever_the_count(self, stored):
        code, log, _ = stored.run(
            "actions/download-artifact",
            PATTERN="{reports-py*,lint,scan,image}",
            MERGE_MULTIPLE="true",
            PATH=str(self.dest(stored)),
        )
        assert code == 0
        assert stored.files(self.dest(stored)) == ["lint/f.txt", "reports-py3.10/f.txt", "reports-py3.12/f.txt"]
        assert "Total of 3 artifact(s) downloaded" in log

    def test_name_not_found__fails_with_the_toolkits_message(self, stored):
        code, log, _ = stored.run("actions/download-artifact", NAME="pr-report", PATH=str(self.dest(stored)))
        assert code == 1
        assert "Unable to download artifact(s): Artifact not found for name: pr-report" in log

    def test_pattern_matching_nothing__succeeds_and_creates_nothing(self, stored):
        code, log, outputs = stored.run("actions/download-artifact", PATTERN="scan", PATH=str(self.dest(stored)))
        assert code == 0
        assert "Total of 0 artifact(s) downloaded" in log
        assert not self.dest(stored).exists()
        assert outputs["download-path"] == str(self.dest(stored))

    def test_run_id_without_a_token__is_ignored(self, stored):
        """Without github-token the action reads the current run, whatever run-id says."""
        stored.env["GITHUB_RUN_ID"] = "8"
        code, log, _ = stored.run("actions/download-artifact", NAME="lint", RUN_ID="7", PATH=str(self.dest(stored)))
        assert code == 1
        assert "Artifact not found for name: lint" in log
        code, _, _ = stored.run(
            "actions/download-artifact", NAME="lint", RUN_ID="7", GITHUB_TOKEN="t", PATH=str(self.dest(stored))
        )
        assert code == 0

    def test_name_and_ids_together__refused(self, stored):
        code, log, _ = stored.run("actions/download-artifact", NAME="lint", ARTIFACT_IDS="701")
        assert code == 1
        assert "Inputs 'name' and 'artifact-ids' cannot be used together. Please specify only one." in log

    def test_star_never_matches_a_leading_dot(self, gh):
        from importlib import import_module

        sys.path.insert(0, str(STANDINS))
        try:
            artifacts = import_module("_artifacts")
        finally:
            sys.path.remove(str(STANDINS))
        assert artifacts.minimatch("*", "lint")
        assert not artifacts.minimatch("*", ".hidden")
        assert artifacts.minimatch("{a,b}-*", "b-1")
        assert not artifacts.minimatch("Lint", "lint")  # case-sensitive


class TestMetadata:
    @pytest.fixture(autouse=True)
    def api(self, gh):
        """The real action always asks the API for the repository; here the fake GitHub answers."""
        github = FakeGitHub(token="meta-token").start()
        gh.env |= {"GITHUB_API_URL": github.url, "INPUT_GITHUB_TOKEN": "meta-token"}
        yield github
        github.stop()

    def labels(self, gh) -> tuple[int, str, dict[str, str]]:
        path = gh.tmp / "event.json"
        path.write_text("{}")
        gh.env |= {"GITHUB_EVENT_PATH": str(path), "GITHUB_EVENT_NAME": "push", "GITHUB_REF": "refs/heads/main"}
        gh.env |= {"GITHUB_SHA": "m" * 40}
        code, log, outputs = gh.run(
            "docker/metadata-action", IMAGES="ghcr.io/octo-org/sample-app", TAGS="type=raw,value=x"
        )
        labels = dict(line.split("=", 1) for line in outputs.get("labels", "").splitlines())
        return code, log, labels

    def test_repository_labels__from_the_api_answer(self, gh, api):
        code, _, labels = self.labels(gh)
        assert code == 0
        assert ("GET", "/repos/octo-org/sample-app") in api.state.requests
        assert labels["org.opencontainers.image.title"] == "sample-app"
        assert labels["org.opencontainers.image.licenses"] == "MIT"
        assert labels["org.opencontainers.image.source"] == "https://github.com/octo-org/sample-app"
        assert labels["org.opencontainers.image.url"] == "https://github.com/octo-org/sample-app"
        assert labels["org.opencontainers.image.description"] == "A containerized Python service"
        assert labels["org.opencontainers.image.revision"] == "m" * 40

    @pytest.mark.parametrize(("status", "shown"), [(401, None), (404, "HttpError: 404"), (502, "HttpError: 502")])
    def test_api_refusing__fails_the_step(self, gh, api, status, shown):
        """Not wrapped in a try/catch in the real action (src/main.ts:14-16): the step fails."""
        if status == 401:
            gh.env["INPUT_GITHUB_TOKEN"] = "wrong"
            shown = "HttpError: 401"
        else:
            api.fault("GET", r"^/repos/octo-org/sample-app\Z", status, {"message": "nope"})
        code, log, _ = self.labels(gh)
        assert code == 1
        assert f"::error::{shown}" in log

    def tags(self, gh, tags: str, *, ref: str, event: dict, event_name: str = "push", **env: str) -> tuple[int, str]:
        path = gh.tmp / "event.json"
        path.write_text(json.dumps(event))
        gh.env |= {"GITHUB_EVENT_PATH": str(path), "GITHUB_EVENT_NAME": event_name, "GITHUB_REF": ref}
        gh.env |= {"GITHUB_SHA": "m" * 40, **env}
        code, log, outputs = gh.run("docker/metadata-action", IMAGES="ghcr.io/Octo-Org/App", TAGS=tags)
        return code, outputs.get("tag-names", "") if code == 0 else log

    def test_sanitizing__runs_of_other_characters_become_one_dash_nothing_more(self, gh):
        long = "a" * 200
        code, names = self.tags(
            gh,
            f"type=raw,value=feature/foo+bar\ntype=raw,value=Feature/ABC\ntype=raw,value={long}",
            ref="refs/heads/x",
            event={},
        )
        assert code == 0
        # not lower-cased, not cut to 128: the real action leaves both to the registry to refuse
        assert names.split("\n") == ["feature-foo-bar", "Feature-ABC", long]

    def test_is_default_branch__false_on_every_pull_request(self, gh):
        event = {"repository": {"default_branch": "main"}, "pull_request": {"head": {"sha": "h" * 40}}}
        code, names = self.tags(
            gh,
            "type=raw,value=latest,enable={{is_default_branch}}\ntype=sha,format=long,prefix=sha-",
            ref="refs/pull/3/merge",
            event=event,
            event_name="pull_request",
            DOCKER_METADATA_PR_HEAD_SHA="true",
        )
        assert (code, names) == (0, "sha-" + "h" * 40)

    def test_sha_on_pull_request__the_merge_commit_without_the_switch(self, gh):
        event = {"pull_request": {"head": {"sha": "h" * 40}}}
        code, names = self.tags(
            gh, "type=sha,format=long,prefix=sha-", ref="refs/pull/3/merge", event=event, event_name="pull_request"
        )
        assert (code, names) == (0, "sha-" + "m" * 40)

    def test_branch_ref__nothing_on_pull_request(self, gh):
        code, names = self.tags(
            gh, "type=ref,event=branch", ref="refs/pull/3/merge", event={}, event_name="pull_request"
        )
        assert (code, names) == (0, "")

    def test_enable__must_be_true_or_false(self, gh):
        code, log = self.tags(gh, "type=raw,value=x,enable=yes", ref="refs/heads/main", event={})
        assert code == 1
        assert "Invalid value for enable attribute: yes" in log


class TestCheckout:
    @pytest.fixture
    def origin(self, gh):
        repo = gh.tmp / "origin"
        git = ["git", "-C", str(repo)]
        subprocess.run(["git", "init", "-q", "-b", "main", str(repo)], check=True)
        subprocess.run(
            [*git, "-c", "user.email=a@b", "-c", "user.name=a", "commit", "-q", "--allow-empty", "-m", "one"],
            check=True,
        )
        first = subprocess.run([*git, "rev-parse", "HEAD"], capture_output=True, text=True, check=True).stdout.strip()
        subprocess.run(
            [*git, "-c", "user.email=a@b", "-c", "user.name=a", "commit", "-q", "--allow-empty", "-m", "two"],
            check=True,
        )
        second = subprocess.run([*git, "rev-parse", "HEAD"], capture_output=True, text=True, check=True).stdout.strip()
        gh.env |= {"E2E_ORIGIN": str(repo), "GITHUB_SHA": second, "GITHUB_REF": "refs/pull/3/merge"}
        return first, second

    def head(self, gh) -> str:
        done = subprocess.run(["git", "-C", str(gh.workspace), "rev-parse", "HEAD"], capture_output=True, text=True)
        return done.stdout.strip()

    def test_default__github_sha(self, gh, origin):
        """On pull_request that is the merge commit, not the PR head."""
        code, _, outputs = gh.run("actions/checkout", PERSIST_CREDENTIALS="false")
        assert code == 0
        assert self.head(gh) == origin[1] == outputs["commit"]

    def test_ref__that_commit(self, gh, origin):
        assert gh.run("actions/checkout", REF=origin[0], PERSIST_CREDENTIALS="false")[0] == 0
        assert self.head(gh) == origin[0]

    def test_persist_credentials__leaves_a_token_for_later_steps(self, gh, origin):
        assert gh.run("actions/checkout", PERSIST_CREDENTIALS="true")[0] == 0
        config = (gh.workspace / ".git" / "config").read_text()
        assert "extraheader = AUTHORIZATION: basic" in config
        assert gh.run("actions/checkout", PERSIST_CREDENTIALS="false")[0] == 0
        assert "extraheader" not in (gh.workspace / ".git" / "config").read_text()

    def test_workflow_run__refuses_the_prs_own_commit(self, gh, origin):
        path = gh.tmp / "event.json"
        path.write_text(json.dumps({"workflow_run": {"head_sha": origin[0]}}))
        gh.env |= {"GITHUB_EVENT_NAME": "workflow_run", "GITHUB_EVENT_PATH": str(path)}
        code, log, _ = gh.run("actions/checkout", REF=origin[0], PERSIST_CREDENTIALS="false")
        assert code == 1
        assert "Refusing to check out fork pull request code from a 'workflow_run' workflow." in log


class TestUploadSarif:
    """upload-sarif v4.36.2's checks before uploading, in its words (stand-ins.md §3), and GitHub's
    limits on receipt."""

    @pytest.fixture
    def up(self, gh) -> Runner:
        gh.env |= {"E2E_STANDINS": str(STANDINS), "E2E_PYTHON": sys.executable}
        return gh

    def sarif(self, up: Runner, document: object, name: str = "t.sarif") -> str:
        path = up.workspace / name
        path.write_text(document if isinstance(document, str) else json.dumps(document))
        return name

    def good(self, results: list | None = None) -> dict:
        return {
            "version": "2.1.0",
            "runs": [{"tool": {"driver": {"name": "Trivy", "rules": []}}, "results": results or []}],
        }

    def test_valid__kept_per_run_and_category_with_the_category_as_its_id(self, up):
        code, log, outputs = up.run(
            "github/codeql-action/upload-sarif", SARIF_FILE=self.sarif(up, self.good()), CATEGORY="trivy-image"
        )
        assert code == 0, log
        kept = json.loads((up.tmp / "store" / "sarif" / "7" / "trivy-image.sarif").read_text())
        assert kept["runs"][0]["automationDetails"] == {"id": "trivy-image/"}
        assert len(outputs["sarif-id"]) == 16

    def test_not_json__the_actions_message(self, up):
        code, log, _ = up.run("github/codeql-action/upload-sarif", SARIF_FILE=self.sarif(up, "{"))
        assert code == 1
        assert "::error::Invalid SARIF. JSON syntax error:" in log

    def test_a_run_without_results__refused_though_the_schema_allows_it(self, up):
        document = self.good()
        del document["runs"][0]["results"]
        code, log, _ = up.run("github/codeql-action/upload-sarif", SARIF_FILE=self.sarif(up, document))
        assert code == 1
        assert "::error::Invalid SARIF. Missing 'results' array in run." in log

    def test_schema_violation__refused_naming_the_file_and_the_error(self, up):
        document = self.good([{"message": {"text": "x"}, "level": "fatal"}])
        name = self.sarif(up, document)
        code, log, _ = up.run("github/codeql-action/upload-sarif", SARIF_FILE=name)
        assert code == 1
        assert f'::error::Unable to upload "{up.workspace / name}" as it is not valid SARIF:' in log
        assert "- runs/0/results/0/level: 'fatal' is not one of" in log

    def test_two_runs_of_one_tool_and_category__refused(self, up):
        document = self.good()
        document["runs"].append(copy.deepcopy(document["runs"][0]))
        code, log, _ = up.run("github/codeql-action/upload-sarif", SARIF_FILE=self.sarif(up, document))
        assert code == 1
        assert "The CodeQL Action does not support uploading multiple SARIF runs with the same category." in log

    def test_second_upload_in_one_job_same_category_and_tool__refused(self, up):
        name = self.sarif(up, self.good())
        assert up.run("github/codeql-action/upload-sarif", SARIF_FILE=name, CATEGORY="c")[0] == 0
        exported = (up.tmp / "env").read_text()
        assert exported == "CODEQL_UPLOAD_SARIF_C__TRIVY=true\n"
        up.env["CODEQL_UPLOAD_SARIF_C__TRIVY"] = "true"
        code, log, _ = up.run("github/codeql-action/upload-sarif", SARIF_FILE=name, CATEGORY="c")
        assert code == 1
        assert (
            "only one run of the codeql/analyze or codeql/upload-sarif actions is allowed per job per tool/category"
            in log
        )

    def test_over_githubs_result_limit__processing_fails(self, up):
        results = [{"message": {"text": "x"}, "ruleId": "r"}] * 25_001
        code, log, _ = up.run("github/codeql-action/upload-sarif", SARIF_FILE=self.sarif(up, self.good(results)))
        assert code == 1
        assert "Code Scanning could not process the submitted SARIF file:" in log
        assert "a run with more than 25000 results" in log

    @pytest.mark.parametrize(
        ("change", "problem"),
        [
            (lambda run: run["tool"].update(extensions=[{"name": f"e{i}"} for i in range(101)]), "more than 100 tool extensions"),
            (lambda run: run["results"].append({"message": {"text": "x"}, "locations": [{}] * 1_001}), "more than 1000 locations"),
            (lambda run: run["tool"]["driver"]["rules"].append({"id": "r", "properties": {"tags": [f"t{i}" for i in range(21)]}}), "more than 20 tags"),
        ],
    )  # fmt: skip
    def test_githubs_other_limits__processing_fails(self, up, change, problem):
        document = self.good()
        change(document["runs"][0])
        code, log, _ = up.run("github/codeql-action/upload-sarif", SARIF_FILE=self.sarif(up, document))
        assert code == 1
        assert "Code Scanning could not process the submitted SARIF file:" in log
        assert problem in log

    def test_missing_path__the_actions_message(self, up):
        code, log, _ = up.run("github/codeql-action/upload-sarif", SARIF_FILE="nope.sarif")
        assert code == 1
        assert f"::error::Path does not exist: {up.workspace / 'nope.sarif'}" in log

    def test_two_runs__an_alert_fixed_by_a_bump_closes_the_rest_stay(self, up, tmp_path):
        """Code scanning keeps each category's latest upload; an alert is (rule, fingerprints). Two
        CI runs upload scripts.sarif's file for a scan and for the scan after a base-image bump that
        fixed one finding: that alert is gone from the category's latest, every other one is the
        same alert as before."""
        from scripts import sarif

        root = Path(__file__).resolve().parents[1]
        data = json.loads(
            (root / "tests" / "fixtures" / "reports" / "trivy-image-python311slim-todo-api.json").read_text()
        )
        bumped = copy.deepcopy(data)
        fixed = bumped["Results"][0]["Vulnerabilities"].pop(0)
        bumped["ArtifactName"] = "todo-api@sha256:" + "e" * 64
        for run_id, scan in (("7", data), ("8", bumped)):
            (tmp_path / "scan.json").write_text(json.dumps(scan))
            argv = [str(tmp_path / "scan.json"), "--out", str(up.workspace / "t.sarif"), "--root", str(root)]
            assert sarif.main([*argv, "--dockerfile", str(root / "Dockerfile")]) == 0
            up.env["GITHUB_RUN_ID"] = run_id
            assert up.run("github/codeql-action/upload-sarif", SARIF_FILE="t.sarif", CATEGORY="trivy-image")[0] == 0

        def alerts(run_id: str) -> set[tuple[str, str]]:
            kept = json.loads((up.tmp / "store" / "sarif" / run_id / "trivy-image.sarif").read_text())
            return {(r["ruleId"], json.dumps(r["partialFingerprints"])) for r in kept["runs"][0]["results"]}

        before, after = alerts("7"), alerts("8")
        closed = before - after
        assert [rule for rule, _ in closed] == [fixed["VulnerabilityID"]]
        assert after == before - closed


class TestAttestAndGhAttestationVerify:
    """attest-build-provenance stores its (unsigned) statement through the attestations API as the
    action does; the gh stand-in verifies it as `gh attestation verify` would, failing on every
    mismatch the real CLI fails on, and says it could not check the signature."""

    DIGEST = "sha256:" + "c" * 64
    GH = STANDINS / "bin" / "gh"

    @pytest.fixture
    def api(self):
        server = FakeGitHub().start()
        yield server
        server.stop()

    def attest(self, gh, api, **extra) -> tuple[int, str, dict[str, str]]:
        gh.env |= {
            "GITHUB_API_URL": api.url,
            "GITHUB_WORKFLOW_REF": "octo-org/sample-app/.github/workflows/ci.yml@refs/heads/main",
            "GITHUB_EVENT_NAME": "push",
            **extra,
        }
        return gh.run(
            "actions/attest-build-provenance",
            subject_name="ghcr.io/octo-org/sample-app",
            subject_digest=self.DIGEST,
            github_token=api.state.token,
        )

    def verify(self, api, *args: str, token: str | None = "x") -> subprocess.CompletedProcess[str]:
        env = {"PATH": os.environ["PATH"], "GITHUB_API_URL": api.url}
        if token is not None:
            env["GH_TOKEN"] = api.state.token if token == "x" else token
        return subprocess.run(
            [sys.executable, str(self.GH), *args], env=env, capture_output=True, text=True, timeout=60, check=False
        )

    def standard(self, digest: str | None = None) -> list[str]:
        return [
            "attestation",
            "verify",
            f"oci://ghcr.io/octo-org/sample-app@{digest or self.DIGEST}",
            "--repo",
            "octo-org/sample-app",
            "--signer-workflow",
            "octo-org/sample-app/.github/workflows/ci.yml",
            "--source-ref",
            "refs/heads/main",
            "--deny-self-hosted-runners",
        ]

    def test_attest__stored_under_the_subject_digest(self, gh, api):
        code, log, outputs = self.attest(gh, api)
        assert code == 0, log
        [stored] = api.state.attestations
        assert (stored["repo"], stored["digests"]) == ("octo-org/sample-app", [self.DIGEST])
        assert outputs["attestation-id"] == str(stored["id"])

    def test_attest__a_repository_that_cannot_store_them_fails_like_github(self, gh, api):
        code, log, _ = self.attest(gh, api, E2E_NO_ATTESTATIONS="1")
        assert code == 1
        assert (
            "::error::Failed to persist attestation: Feature not available for user-owned private repositories." in log
        )
        assert api.state.attestations == []

    def test_gh__verifies_what_ci_attested_and_says_it_is_unsigned(self, gh, api):
        self.attest(gh, api)
        done = self.verify(api, *self.standard())
        assert done.returncode == 0, done.stderr
        assert (
            done.stdout
            == "✓ Verification succeeded! (stand-in: the statement is unsigned; Sigstore is not checked offline)\n"
        )

    def test_gh__no_attestation_for_the_digest(self, gh, api):
        self.attest(gh, api)
        done = self.verify(api, *self.standard("sha256:" + "d" * 64))
        assert done.returncode == 1
        assert "✗ Loading attestations from GitHub API failed" in done.stderr

    @pytest.mark.parametrize(
        ("flag", "value", "failed"),
        [
            ("--signer-workflow", "octo-org/sample-app/.github/workflows/release.yml", "signer workflow"),
            ("--source-ref", "refs/heads/feature", "source ref"),
        ],
    )
    def test_gh__a_mismatch_fails(self, gh, api, flag, value, failed):
        self.attest(gh, api)
        args = self.standard()
        args[args.index(flag) + 1] = value
        done = self.verify(api, *args)
        assert done.returncode == 1
        assert f"{failed} did not match" in done.stderr

    def test_gh__built_from_another_ref_fails_source_ref(self, gh, api):
        self.attest(gh, api, GITHUB_WORKFLOW_REF="octo-org/sample-app/.github/workflows/ci.yml@refs/pull/7/merge")
        done = self.verify(api, *self.standard())
        assert done.returncode == 1
        assert "source ref did not match" in done.stderr

    def test_gh__without_a_token_like_gh_in_actions(self, api):
        done = self.verify(api, *self.standard(), token=None)
        assert done.returncode == 4
        assert done.stderr.startswith(
            "gh: To use GitHub CLI in a GitHub Actions workflow, set the GH_TOKEN environment variable."
        )

    @pytest.mark.parametrize(
        "args",
        [
            ["release", "create", "v1"],
            ["attestation", "verify", "oci://ghcr.io/octo-org/sample-app:latest", "--repo", "octo-org/sample-app"],
            ["attestation", "verify", "oci://ghcr.io/octo-org/sample-app@sha256:" + "c" * 64],
        ],
    )
    def test_gh__anything_else_fails(self, api, args):
        assert self.verify(api, *args).returncode == 1
