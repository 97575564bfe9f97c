"""trivy-action, upload-sarif and attest-build-provenance, offline."""

from __future__ import annotations

import hashlib
import json
import os
import re
import shutil
from pathlib import Path

from _common import ENV, add_path, fail, flag, inp, lines, output, sh, workspace


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
    if ENV.get("E2E_NO_CODE_SCANNING") == "1":
        # A repository with code scanning off answers 403; the action warns, then fails the step.
        print("::warning::The repo on which this action is running has not opted-in to CodeQL code scanning.")
        fail("Resource not accessible by integration")
    path = Path(inp("sarif_file"))
    path = path if path.is_absolute() else workspace() / path
    try:
        data = json.loads(path.read_text())
    except (OSError, ValueError) as exc:
        fail(f"Invalid SARIF. JSON syntax error: {exc}")
    if data.get("version") != "2.1.0" or not isinstance(data.get("runs"), list):
        fail(f"{path} is not SARIF 2.1.0")
    # The real action refuses a run without a results array (upload-lib.ts validateSarifFileSchema).
    for run in data["runs"]:
        if not isinstance(run, dict) or not isinstance(run.get("results"), list):
            fail(f'Unable to upload "{path}" as it is not valid SARIF: a run has no results array')
    dest = Path(ENV["E2E_ARTIFACTS"]) / "sarif" / ENV.get("GITHUB_RUN_ID", "1")
    dest.mkdir(parents=True, exist_ok=True)
    category = re.sub(r"[^A-Za-z0-9_.-]", "-", inp("category") or "default")
    shutil.copy2(path, dest / f"{category}.sarif")
    sarif_id = hashlib.sha256(path.read_bytes()).hexdigest()[:16]
    output(**{"sarif-id": sarif_id, "sarif-ids": json.dumps({"code-scanning": [sarif_id]})})


def attest() -> None:
    if ENV.get("E2E_NO_ATTESTATIONS") == "1":
        # A private repository without GitHub Enterprise Cloud cannot store attestations.
        fail("Failed to persist attestation: Feature not available for user-owned private repositories.")
    name, digest = inp("subject-name"), inp("subject-digest")
    if not (name and re.fullmatch(r"sha256:[0-9a-f]{64}", digest)):
        fail("subject-name and subject-digest (sha256:…) are required")
    statement = {
        "_type": "https://in-toto.io/Statement/v1",
        "subject": [{"name": name, "digest": {"sha256": digest.removeprefix("sha256:")}}],
        "predicateType": "https://slsa.dev/provenance/v1",
        "predicate": {"buildDefinition": {"buildType": "https://actions.github.io/buildtypes/workflow/v1",
                      "externalParameters": {"workflow": {"repository": ENV.get("GITHUB_REPOSITORY"), "ref": ENV.get("GITHUB_REF")}}}},
        "note": "unsigned: Sigstore is out of reach offline",
    }  # fmt: skip
    path = Path(ENV["RUNNER_TEMP"]) / "attestation.json"
    path.write_text(json.dumps(statement, indent=1))
    output(**{"bundle-path": str(path), "attestation-id": "0", "attestation-url": "", "storage-record-ids": ""})
