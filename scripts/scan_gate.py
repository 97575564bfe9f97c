"""The image-scan policy (SECURITY.md): fail on a CRITICAL vulnerability that has a fix.

    python -m scripts.scan_gate scan/trivy.json

Unfixed CRITICALs and everything below CRITICAL are reported (code scanning, the PR comment)
but do not fail CI: nothing can be done about them by a rebuild.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from scripts.errors import InputError
from scripts.parse.trivy import parse_trivy
from scripts.workflow_commands import command


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m scripts.scan_gate", description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("report", type=Path, help="Trivy JSON or SARIF report")
    args = parser.parse_args(argv)
    try:
        scan = parse_trivy(args.report)
    except InputError as exc:
        print(f"scan_gate: error: {exc}", file=sys.stderr)
        return exc.exit_code
    fixable = [v for v in scan.top if v.severity == "CRITICAL" and v.fixed]
    for vuln in fixable:
        message = f"{vuln.package} {vuln.installed} has a fix in {vuln.fixed}"
        print(command("error", message, title=vuln.id))
    counts = ", ".join(f"{k} {v}" for k, v in scan.counts.items())
    print(f"scan_gate: {counts}; fixable CRITICAL: {scan.fixable_critical}", file=sys.stderr)
    return 1 if scan.fixable_critical else 0


if __name__ == "__main__":
    raise SystemExit(main())
