"""trivy-action, upload-sarif and attest-build-provenance, offline."""

from __future__ import annotations

import base64
import hashlib
import json
import os
import re
import shutil
import subprocess
import urllib.error
import urllib.request
from pathlib import Path

from _common import ENV, add_path, fail, flag, inp, lines, output, set_env, sh, workspace


def trivy() -> None:
    ref, archive = inp("image-ref"), inp("input")
    out = Path(inp("output") or "trivy-results")
    out = out if out.is_absolute() else workspace() / out
    out.parent.mkdir(parents=True, exist_ok=True)
    binary = ENV.get("E2E_TRIVY") or shutil.which("trivy") or fail("trivy is not installed") or ""
    # setup-trivy puts the binary on PATH for the steps that follow (trivy convert, say).
    if not flag("skip-setup-trivy"):
        add_path(Path(binary).parent)
    if ref and not archive:
        archive = str(Path(ENV["RUNNER_TEMP"]) / f"scan-{os.getpid()}.tar")
        sh("docker", "pull", "--quiet", ref)
        sh("docker", "save", "--output", archive, ref)
    name = ref or archive
    real = Path(ENV["RUNNER_TEMP"]) / f"trivy-real-{os.getpid()}.json"
    sh(binary, "image", "--input", archive, "--scanners", "secret", "--offline-scan", "--skip-check-update",
       "--skip-db-update", "--quiet", "--format", "json", "--output", str(real))  # fmt: skip
    scanned = json.loads(real.read_text())
    print(
        f"trivy {scanned.get('Trivy', {}).get('Version', '?')} scanned {name} offline: {len(scanned.get('Results') or [])} result groups"
    )
    fmt = inp("format", "table")
    if fmt == "sarif":
        data = json.loads(Path(ENV["E2E_TRIVY_SARIF"]).read_text())
        for run in data.get("runs", []):
            run.setdefault("properties", {})["imageName"] = name
        if flag("limit-severities-for-sarif"):
            wanted = set(lines("severity"))
            for run in data.get("runs", []):
                rules = {r["id"]: r for r in run["tool"]["driver"].get("rules", [])}
                run["results"] = [
                    r for r in run.get("results", [])
                    if wanted & set(rules.get(r.get("ruleId"), {}).get("properties", {}).get("tags", []))
                ]  # fmt: skip
        out.write_text(json.dumps(data))
    else:
        data = json.loads(Path(ENV["E2E_TRIVY_JSON"]).read_text())
        data["ArtifactName"] = name
        # The recorded vulnerabilities, plus whatever the real offline scan found (secrets).
        data["Results"] = data.get("Results", []) + (scanned.get("Results") or [])
        out.write_text(json.dumps(data))
    print(
        f"wrote {out} ({fmt}; vulnerabilities from the recorded scan {Path(ENV['E2E_TRIVY_' + ('SARIF' if fmt == 'sarif' else 'JSON')]).name})"
    )
    if inp("exit-code") not in ("", "0"):
        fail("exit-code gating is not used by these workflows; scripts.scan_gate applies the policy")


def upload_sarif() -> None:
    """What upload-sarif v4.36.2 checks before uploading, in its words (../shared/stand-ins.md §3),
    and what GitHub enforces on receipt; the file is kept per run and category for the tests."""
    path = Path(inp("sarif_file") or "../results")
    path = path if path.is_absolute() else workspace() / path
    if not path.exists():
        fail(f"Path does not exist: {path}")
    if path.is_dir():
        found = sorted(p for p in path.rglob("*.sarif") if not p.name.endswith((".quality.sarif", ".csra.sarif")))
        if not found:
            fail(f'No SARIF files found to upload in "{path}".')
        if len(found) > 1:
            fail("this stand-in uploads one SARIF file; the workflows here give one")
        path = found[0]
    text = path.read_text(encoding="utf-8")
    try:
        data = json.loads(text)
    except ValueError as exc:
        fail(f"Invalid SARIF. JSON syntax error: {exc}")
    if not isinstance(data, dict) or not isinstance(data.get("runs"), list):
        fail("Invalid SARIF. Missing 'runs' array.")
    # The schema check needs jsonschema, which the runner's python3 may not have: the test
    # environment's interpreter runs it (tests/support/sarif_schema.py: schema, results, one run per
    # category, GitHub's limits).
    checker = Path(ENV["E2E_STANDINS"]).resolve().parents[1] / "support" / "sarif_schema.py"
    done = subprocess.run([ENV["E2E_PYTHON"], str(checker), str(path)], capture_output=True, text=True, check=False)
    problems = done.stdout.strip().splitlines() or ([done.stderr.strip()[-500:]] if done.returncode else [])
    if any(p.startswith("Invalid SARIF.") or p.startswith("The CodeQL Action") for p in problems):
        fail(next(p for p in problems if p.startswith(("Invalid SARIF.", "The CodeQL Action"))))
    schema = [p.removeprefix("not valid SARIF: ") for p in problems if p.startswith("not valid SARIF: ")]
    if schema:
        fail(f'Unable to upload "{path}" as it is not valid SARIF:\n' + "\n".join(f"- {p}" for p in schema))
    category = inp("category")
    category = category if not category or category.endswith("/") else category + "/"
    tools = sorted({str(run.get("tool", {}).get("driver", {}).get("name", "")) for run in data["runs"]})
    for tool in tools:
        key = re.sub(r"[^A-Za-z0-9]", "_", f"CODEQL_UPLOAD_SARIF_{category}_{tool}").upper()
        if ENV.get(key):
            fail(
                "Aborting upload: only one run of the codeql/analyze or codeql/upload-sarif actions is allowed per job per tool/category."
            )
        set_env(**{key: "true"})
    if ENV.get("E2E_NO_CODE_SCANNING") == "1":
        # A repository with code scanning off answers 403; the action warns, then fails the step.
        print("::warning::The repo on which this action is running has not opted-in to CodeQL code scanning.")
        fail("Resource not accessible by integration")
    # What GitHub refuses on receipt: processing fails, which the action reports while polling.
    received = [p for p in problems if not p.startswith("not valid SARIF: ")]
    if received:
        fail("Code Scanning could not process the submitted SARIF file:\n" + "\n".join(received))
    for run in data["runs"]:
        if category and not run.get("automationDetails", {}).get("id"):
            run["automationDetails"] = {"id": category}
    dest = Path(ENV["E2E_ARTIFACTS"]) / "sarif" / ENV.get("GITHUB_RUN_ID", "1")
    dest.mkdir(parents=True, exist_ok=True)
    name = re.sub(r"[^A-Za-z0-9_.-]", "-", category.rstrip("/") or "default")
    (dest / f"{name}.sarif").write_text(json.dumps(data), encoding="utf-8")
    sarif_id = hashlib.sha256(text.encode()).hexdigest()[:16]
    output(**{"sarif-id": sarif_id, "sarif-ids": json.dumps({"code-scanning": {"sarifID": sarif_id}})})


def attest() -> None:
    """The provenance statement GitHub's attest action makes (SLSA v1 predicate, the workflow's
    repository, path and ref, the runner environment), stored through the attestations API as the
    action does. Unsigned: Sigstore is out of reach offline, and the gh stand-in says so."""
    if ENV.get("E2E_NO_ATTESTATIONS") == "1":
        # A private repository without GitHub Enterprise Cloud cannot store attestations.
        fail("Failed to persist attestation: Feature not available for user-owned private repositories.")
    name, digest = inp("subject-name"), inp("subject-digest")
    if not (name and re.fullmatch(r"sha256:[0-9a-f]{64}", digest)):
        fail("subject-name and subject-digest (sha256:…) are required")
    repository = ENV["GITHUB_REPOSITORY"]
    workflow_ref = ENV.get("GITHUB_WORKFLOW_REF", "")  # owner/repo/.github/workflows/x.yml@refs/…
    path, _, ref = workflow_ref.removeprefix(f"{repository}/").partition("@")
    statement = {
        "_type": "https://in-toto.io/Statement/v1",
        "subject": [{"name": name, "digest": {"sha256": digest.removeprefix("sha256:")}}],
        "predicateType": "https://slsa.dev/provenance/v1",
        "predicate": {
            "buildDefinition": {
                "buildType": "https://actions.github.io/buildtypes/workflow/v1",
                "externalParameters": {"workflow": {"ref": ref, "repository": f"https://github.com/{repository}", "path": path}},
                "internalParameters": {"github": {"event_name": ENV.get("GITHUB_EVENT_NAME", ""), "runner_environment": "github-hosted"}},
            },
            "runDetails": {"builder": {"id": f"https://github.com/{workflow_ref}"}, "metadata": {"invocationId": ENV.get("GITHUB_RUN_ID", "")}},
        },
    }  # fmt: skip
    bundle = {
        "mediaType": "application/vnd.dev.sigstore.bundle.v0.3+json",
        "verificationMaterial": {},  # no certificate: unsigned
        "dsseEnvelope": {
            "payload": base64.b64encode(json.dumps(statement).encode()).decode(),
            "payloadType": "application/vnd.in-toto+json",
            "signatures": [],
        },
    }
    path_out = Path(ENV["RUNNER_TEMP"]) / "attestation.json"
    path_out.write_text(json.dumps(bundle, indent=1))
    request = urllib.request.Request(  # noqa: S310  (the run's own API URL)
        f"{ENV['GITHUB_API_URL']}/repos/{repository}/attestations",
        data=json.dumps({"bundle": bundle}).encode(),
        headers={"Authorization": f"Bearer {inp('github-token')}", "Content-Type": "application/json"},
        method="POST",
    )
    try:
        with urllib.request.urlopen(request, timeout=30) as answer:  # noqa: S310  (the local API)
            attestation_id = str(json.loads(answer.read())["id"])
    except urllib.error.HTTPError as exc:
        fail(f"Failed to persist attestation: {exc.code} {exc.reason}")
    output(
        **{
            "bundle-path": str(path_out),
            "attestation-id": attestation_id,
            "attestation-url": "",
            "storage-record-ids": "",
        }
    )
