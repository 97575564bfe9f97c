"""Trivy's image findings as code-scanning alerts on this repository's own lines.

    python -m scripts.sarif reports/scan/trivy.json --out trivy.sarif [--dockerfile Dockerfile]
        [--requirements requirements.txt ...] [--severity CRITICAL,HIGH,MEDIUM]

Trivy's SARIF puts each finding at a path inside the image (usr/lib/..., site-packages/...): no
alert sits on a line of the repository, nothing says where to fix it, and the identity follows the
image. Here each finding is placed where the fix goes: a Python package pinned in a requirements
file on its pin; anything else (the base image's OS packages, Python packages that came with the
base image) on the Dockerfile's FROM line, with the image path kept in the message. The identity
is (vulnerability, package, file), so rebuilds keep the alert and a bump that fixes it closes it.

Within GitHub's limits (25,000 results and rules per run, 10 MB gzipped): the lowest severities
are dropped first, and the run's properties say how many. Standard library only: CI's scan job
runs it on the runner's python3.
"""

from __future__ import annotations

import argparse
import gzip
import hashlib
import json
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from scripts.errors import ScriptError, one_line
from scripts.model import SEVERITIES, Finding, Findings
from scripts.parse.sources import Line, Sources, normalize, read_sources
from scripts.parse.trivy import read_findings

SCHEMA = "https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/sarif-schema-2.1.0.json"
# GitHub's limits for one uploaded file (docs: code scanning, "SARIF results exceed one or more limits"
# and "SARIF file is too large").
MAX_RESULTS = 25_000
MAX_RULES = 25_000
MAX_GZIPPED_BYTES = 10 * 1000 * 1000
MAX_IMAGE_PATHS = 5  # image paths named in one result's message
MAX_HELP_PACKAGES = 20  # packages listed in one rule's help
FINGERPRINT_KEY = "trivyFinding/v1"
# GitHub sorts and filters by security-severity: > 9.0 critical, 7.0-8.9 high, 4.0-6.9 medium,
# 0.1-3.9 low. A CVSS score is kept when it falls in the band of Trivy's severity, so that the tab
# and the PR comment agree; otherwise the band's middle stands in.
_BANDS = {"CRITICAL": (9.0, 10.0, 9.5), "HIGH": (7.0, 8.9, 8.0), "MEDIUM": (4.0, 6.9, 5.5), "LOW": (0.1, 3.9, 2.0)}
_LEVEL = {"CRITICAL": "error", "HIGH": "error", "MEDIUM": "warning", "LOW": "note", "UNKNOWN": "note"}
_RANK = {severity: i for i, severity in enumerate(SEVERITIES)}


@dataclass(frozen=True)
class Placed:
    """One alert: a finding, the repository line where it is fixed, and where it sits in the image."""

    finding: Finding
    line: Line
    image_paths: tuple[str, ...]
    pinned: bool  # on a requirements pin, rather than on the base image's FROM line

    @property
    def fingerprint(self) -> str:
        vuln = self.finding.vuln
        key = "\0".join((vuln.id, vuln.package, self.line.path))
        return hashlib.sha256(key.encode()).hexdigest()[:32]


def security_severity(finding: Finding) -> str | None:
    """The score code scanning shows, as the decimal string it expects; None for UNKNOWN."""
    band = _BANDS.get(finding.vuln.severity)
    if band is None:
        return None
    low, high, middle = band
    score = finding.score if finding.score is not None and low <= finding.score <= high else middle
    return f"{score:.1f}"


def place(findings: Iterable[Finding], sources: Sources) -> list[Placed]:
    """Each (vulnerability, package, repository line) once, the image paths it was found at kept."""
    placed: dict[tuple[str, str, str], tuple[Finding, Line, list[str]]] = {}
    for finding in findings:
        vuln = finding.vuln
        pin = sources.pins.get(normalize(vuln.package)) if finding.ecosystem == "python" else None
        line = pin or sources.base
        key = (vuln.id, vuln.package, line.path)
        if key not in placed:
            placed[key] = (finding, line, [])
        paths = placed[key][2]
        if vuln.location and vuln.location not in paths:
            paths.append(vuln.location)
    return [Placed(f, line, tuple(paths), line is not sources.base) for f, line, paths in placed.values()]


def _order(item: Placed) -> tuple[int, float, str, str]:
    finding = item.finding
    return (_RANK[finding.vuln.severity], -(finding.score or 0.0), finding.vuln.id, finding.vuln.package)


def _fix(item: Placed) -> str:
    vuln = item.finding.vuln
    if item.pinned:
        target = f"the pin of {vuln.package} in {item.line.path} (line {item.line.number})"
        return (
            f"Raise {target} to {vuln.fixed}." if vuln.fixed else f"No fixed version yet; consider replacing {target}."
        )
    where = f"the base image on {item.line.path} line {item.line.number}"
    if vuln.fixed:
        return f"Update {where} to a digest whose {vuln.package} is {vuln.fixed} or later."
    return f"No fixed version yet; a newer or smaller base image ({where}) may not carry {vuln.package}."


def _message(item: Placed) -> str:
    vuln = item.finding.vuln
    lines = [
        f"Package: {vuln.package}",
        # Trivy's own wording, empty where it leaves a field empty: scripts.parse.trivy reads these back
        # when the report job renders this file in the PR comment.
        f"Installed Version: {vuln.installed}",
        f"Fixed Version: {vuln.fixed}",
        f"Severity: {vuln.severity}",
    ]
    if item.image_paths:
        shown = ", ".join(item.image_paths[:MAX_IMAGE_PATHS])
        more = len(item.image_paths) - MAX_IMAGE_PATHS
        lines.append(f"In the image at: {shown}" + (f" and {more} more" if more > 0 else ""))
    lines.append(_fix(item))
    return "\n".join(lines)


def _rule(vuln_id: str, items: list[Placed]) -> dict[str, Any]:
    first = items[0].finding
    worst = min(items, key=_order).finding
    title = first.vuln.title or vuln_id
    help_lines = [f"{title}", ""]
    for item in items[:MAX_HELP_PACKAGES]:
        vuln = item.finding.vuln
        help_lines.append(
            f"- {vuln.package} {vuln.installed or '(version unknown)'}: fixed in {vuln.fixed or 'no release yet'}. {_fix(item)}"
        )
    if len(items) > MAX_HELP_PACKAGES:
        help_lines.append(f"- and {len(items) - MAX_HELP_PACKAGES} more packages")
    properties: dict[str, Any] = {"precision": "very-high", "tags": ["security", "vulnerability", worst.vuln.severity]}
    severity = security_severity(worst)
    if severity is not None:
        properties["security-severity"] = severity
    rule: dict[str, Any] = {
        "id": vuln_id,
        "name": "OsPackageVulnerability" if worst.ecosystem == "os" else "PackageVulnerability",
        "shortDescription": {"text": title},
        "fullDescription": {"text": title},
        "defaultConfiguration": {"level": _LEVEL[worst.vuln.severity]},
        "help": {"text": "\n".join(help_lines)},
        "properties": properties,
    }
    if first.vuln.url:
        rule["helpUri"] = first.vuln.url
    return rule


def _document(found: Findings, kept: list[Placed], dropped: dict[str, int]) -> dict[str, Any]:
    by_rule: dict[str, list[Placed]] = {}
    for item in kept:
        by_rule.setdefault(item.finding.vuln.id, []).append(item)
    index = {vuln_id: i for i, vuln_id in enumerate(by_rule)}
    results = [
        {
            "ruleId": item.finding.vuln.id,
            "ruleIndex": index[item.finding.vuln.id],
            "level": _LEVEL[item.finding.vuln.severity],
            "message": {"text": _message(item)},
            "locations": [
                {
                    "physicalLocation": {
                        "artifactLocation": {"uri": item.line.path},
                        "region": {"startLine": item.line.number},
                    }
                }
            ],
            "partialFingerprints": {FINGERPRINT_KEY: item.fingerprint},
        }
        for item in kept
    ]
    properties: dict[str, Any] = {"imageName": found.target}
    if dropped:
        properties["dropped"] = {
            "results": sum(dropped.values()),
            "bySeverity": dropped,
            "reason": "over GitHub's limits for one SARIF upload; the lowest severities were dropped first",
        }
    driver: dict[str, Any] = {
        "name": found.tool or "Trivy",
        "informationUri": "https://github.com/aquasecurity/trivy",
        "rules": [_rule(vuln_id, items) for vuln_id, items in by_rule.items()],
    }
    if found.version:
        driver["version"] = found.version
    return {
        "$schema": SCHEMA,
        "version": "2.1.0",
        "runs": [{"tool": {"driver": driver}, "results": results, "properties": properties}],
    }


def gzipped_size(document: dict[str, Any]) -> int:
    """The size GitHub's limit applies to: the upload is gzip of the JSON text."""
    return len(gzip.compress(serialize(document).encode(), compresslevel=6, mtime=0))


def serialize(document: dict[str, Any]) -> str:
    return json.dumps(document, ensure_ascii=False, separators=(",", ":"))


def to_sarif(
    found: Findings,
    sources: Sources,
    severities: Iterable[str] = SEVERITIES,
    max_results: int = MAX_RESULTS,
    max_rules: int = MAX_RULES,
    max_gzipped: int = MAX_GZIPPED_BYTES,
) -> dict[str, Any]:
    """One SARIF 2.1.0 run within GitHub's limits, highest severities kept first."""
    wanted = set(severities)
    placed = sorted((p for p in place(found.items, sources) if p.finding.vuln.severity in wanted), key=_order)
    keep = len(placed)
    rules: set[str] = set()
    for i, item in enumerate(placed):
        rules.add(item.finding.vuln.id)
        if i >= max_results or len(rules) > max_rules:
            keep = i
            break
    while True:
        kept = placed[:keep]
        dropped: dict[str, int] = {}
        for item in placed[keep:]:
            dropped[item.finding.vuln.severity] = dropped.get(item.finding.vuln.severity, 0) + 1
        document = _document(found, kept, dropped)
        if keep == 0 or gzipped_size(document) <= max_gzipped:
            return document
        keep = keep * 9 // 10  # a tenth at a time: a few rounds, however large the scan


def _severities(value: str) -> tuple[str, ...]:
    chosen = tuple(part.strip().upper() for part in value.split(",") if part.strip())
    unknown = [s for s in chosen if s not in SEVERITIES]
    if unknown or not chosen:
        raise argparse.ArgumentTypeError(f"expected some of {','.join(SEVERITIES)}, got {value!r}")
    return chosen


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m scripts.sarif", description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("report", type=Path, help="Trivy's JSON (or SARIF) report of the image")
    parser.add_argument("--out", type=Path, required=True, help="where to write the SARIF for upload-sarif")
    parser.add_argument("--dockerfile", type=Path, default=Path("Dockerfile"), help="default: Dockerfile")
    parser.add_argument(
        "--requirements", type=Path, action="append", default=[], help="a requirements file the image installs (repeat)"
    )
    parser.add_argument("--root", type=Path, default=Path(), help="the repository root (default: .)")
    parser.add_argument(
        "--severity", type=_severities, default=SEVERITIES, help="comma-separated severities to upload (default: all)"
    )
    args = parser.parse_args(argv)

    def run() -> int:
        found = read_findings(args.report)
        sources = read_sources(args.dockerfile, args.requirements, args.root)
        document = to_sarif(found, sources, args.severity)
        try:
            args.out.parent.mkdir(parents=True, exist_ok=True)
            args.out.write_text(serialize(document), encoding="utf-8")
        except OSError as exc:
            raise ScriptError(f"{args.out}: cannot be written ({exc.strerror or exc})") from None
        run_ = document["runs"][0]
        dropped = run_["properties"].get("dropped", {}).get("results", 0)
        print(
            f"sarif: {args.out}: {len(run_['results'])} results, {len(run_['tool']['driver']['rules'])} rules"
            + (f"; {dropped} of the lowest severities dropped to stay within GitHub's limits" if dropped else "")
        )
        return 0

    return one_line("sarif", run)


if __name__ == "__main__":
    raise SystemExit(main())
