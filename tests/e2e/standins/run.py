"""The work behind each stand-in action, done locally: python3 run.py OWNER/NAME[/PATH].

Inputs arrive as INPUT_* variables (the composite action.yml maps every declared input), outputs
go to $GITHUB_OUTPUT. Each stand-in reproduces what the pinned action observably does (paths,
hidden files, errors, sanitizing: ../shared/stand-ins.md), never kinder, and does locally what the
real one would fetch from the internet:

- checkout: clones the end-to-end run's local repository at GITHUB_SHA or `ref` (_checkout.py).
- setup-python, setup-uv: pyenv's interpreters and the dev requirements' uv (_python.py).
- upload-artifact, download-artifact: a folder per artifact per run under $E2E_ARTIFACTS, with
  the real path, hidden-file, naming and placement rules (_artifacts.py).
- setup-buildx, login, metadata, build-push: the real Docker engine and the local registry; builds
  run with no network on the local base ($E2E_BASE_IMAGE); the digest is the pushed one (_docker.py).
- trivy-action: the real offline Trivy binary scans the image; the vulnerability part, which needs
  a database download, is a recorded real scan from tests/fixtures/reports/ (_scan.py).
- upload-sarif: the checks the real action makes before uploading; keeps the file (_scan.py).
- attest-build-provenance: an unsigned in-toto statement (no Sigstore offline) (_scan.py).

Standard library only: it runs on whatever python3 the runner has.
"""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _artifacts import download_artifact, upload_artifact
from _checkout import checkout
from _docker import build_push, login, metadata, setup_buildx
from _python import setup_python, setup_uv
from _scan import attest, trivy, upload_sarif

HANDLERS = {
    "actions/checkout": checkout,
    "actions/setup-python": setup_python,
    "astral-sh/setup-uv": setup_uv,
    "actions/upload-artifact": upload_artifact,
    "actions/download-artifact": download_artifact,
    "docker/setup-buildx-action": setup_buildx,
    "docker/login-action": login,
    "docker/metadata-action": metadata,
    "docker/build-push-action": build_push,
    "aquasecurity/trivy-action": trivy,
    "github/codeql-action/upload-sarif": upload_sarif,
    "actions/attest-build-provenance": attest,
}

if __name__ == "__main__":
    HANDLERS[sys.argv[1]]()
