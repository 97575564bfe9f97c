"""Trivy output (SARIF 2.1.0, or Trivy's own JSON) -> Scan. Pure.

Trivy's SARIF keeps the facts a reviewer wants in prose: "Package: x", "Installed Version: y",
"Fixed Version: z" in each result's message, the severity in the rule's tags. Older templates
(Trivy 0.15) put package and severity elsewhere; both shapes are read.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from scripts.errors import InputError
from scripts.model import MAX_URL, MAX_VULNS_KEPT, SEVERITIES, Finding, Findings, Scan, Vulnerability
from scripts.untrusted import load_json

_FIELD = re.compile(r"^(Package|Installed Version|Fixed Version|Severity): *(.*)$", re.MULTILINE)
MAX_DROPPED = 10**9
_SAFE_URL = re.compile(r"https://[A-Za-z0-9._~:/?#=&%+-]+\Z")
# Trivy's package types for Python (JSON's Result.Type), and the paths a Python package's
# metadata or lock file has in SARIF, which carries no type.
_PYTHON_TYPES = frozenset({"python-pkg", "pip", "pipenv", "poetry", "uv", "conda-pkg", "pyproject"})
_PYTHON_PATH = re.compile(
    r"(?:^|/)(?:site-packages|dist-packages)/|(?:^|/)(?:requirements[^/]*\.txt|Pipfile\.lock|poetry\.lock|uv\.lock|pyproject\.toml)\Z"
)


def _text(node: object, *keys: str) -> str:
    for key in keys:
        if not isinstance(node, dict):
            return ""
        node = node.get(key)
    return node if isinstance(node, str) else ""


def _fields(*texts: str) -> dict[str, str]:
    found: dict[str, str] = {}
    for text in texts:
        for key, value in _FIELD.findall(text):
            found.setdefault(key, value.strip())
    return found


def _severity(value: str) -> str:
    value = value.upper()
    return value if value in SEVERITIES else "UNKNOWN"


def _url(value: str) -> str:
    return value if len(value) <= MAX_URL and _SAFE_URL.match(value) else ""


def _score(value: object) -> float | None:
    """A CVSS base score as code scanning takes it: a number from 0 to 10, else none."""
    if isinstance(value, str):
        try:
            value = float(value)
        except ValueError:
            return None
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not 0 <= value <= 10:
        return None
    return float(value)


def _cvss(v: dict[str, Any]) -> float | None:
    """The V3 score of the source Trivy took the severity from, else NVD's, else the highest."""
    cvss = _dict(v.get("CVSS"))
    for source in (_text(v, "SeveritySource"), "nvd"):
        score = _score(_dict(cvss.get(source)).get("V3Score"))
        if score is not None:
            return score
    scores = [_score(_dict(entry).get("V3Score")) for entry in cvss.values()]
    return max((x for x in scores if x is not None), default=None)


def _title(rule: dict[str, Any], vuln_id: str) -> str:
    short = _text(rule, "shortDescription", "text")
    # The 0.15 template's short description is only "<id> Package: <name>"; the full one says more.
    if not short or short.startswith(vuln_id):
        short = _text(rule, "fullDescription", "text") or short
    return short[:300]


def summarize(vulns: list[Vulnerability], tool: str, target: str, dropped: int = 0) -> Scan:
    """Counts by severity, and the CRITICAL/HIGH worth showing first. A finding is counted once per
    place it is installed, as Trivy counts it (the same wheel in two site-packages is two)."""
    unique = list({(v.id, v.package, v.installed, v.location): v for v in vulns}.values())
    counts = dict.fromkeys(SEVERITIES, 0)
    for vuln in unique:
        counts[vuln.severity] += 1
    rank = {severity: i for i, severity in enumerate(SEVERITIES)}
    top = sorted(
        (v for v in unique if v.severity in ("CRITICAL", "HIGH")),
        key=lambda v: (rank[v.severity], v.fixed == "", v.id, v.package),
    )
    return Scan(
        tool=tool[:100],
        target=target[:500],
        counts=counts,
        fixable_critical=sum(1 for v in unique if v.severity == "CRITICAL" and v.fixed),
        top=tuple(top[:MAX_VULNS_KEPT]),
        dropped=dropped,
    )


def _dict(node: object) -> dict[str, Any]:
    return node if isinstance(node, dict) else {}


def _list(node: object, path: Path, what: str) -> list[Any]:
    """A list where the format has one; null and absent read as empty, anything else is refused."""
    if node is None:
        return []
    if not isinstance(node, list):
        raise InputError(f"{path}: {what} is not a list")
    return node


def _from_sarif(data: dict[str, Any], path: Path) -> Findings:
    runs = data.get("runs")
    if not isinstance(runs, list):
        raise InputError(f"{path}: SARIF without a runs list")
    found_items: list[Finding] = []
    tool = version = target = ""
    dropped = 0
    for run in runs:
        if not isinstance(run, dict) or not isinstance(_dict(run.get("tool")).get("driver"), dict):
            raise InputError(f"{path}: SARIF run without tool.driver")
        driver = run["tool"]["driver"]
        if not tool:
            tool, version = _text(driver, "name") or "unknown", _text(driver, "version")
        target = target or _text(run, "properties", "imageName")
        # scripts.sarif says how many findings it left out to stay within GitHub's limits.
        count = _dict(_dict(run.get("properties")).get("dropped")).get("results")
        dropped += count if type(count) is int and 0 <= count <= MAX_DROPPED else 0
        rules = _list(driver.get("rules"), path, "tool.driver.rules")
        by_id = {r["id"]: r for r in rules if isinstance(r, dict) and isinstance(r.get("id"), str)}
        for result in _list(run.get("results"), path, "a run's results"):
            if not isinstance(result, dict):
                continue
            rule_id = _text(result, "ruleId")
            index = result.get("ruleIndex")
            # Look up by id first: Trivy 0.15's template wrote ruleIndex values that point elsewhere.
            rule = by_id.get(rule_id)
            if rule is None and type(index) is int and 0 <= index < len(rules):
                rule = rules[index]
            rule = _dict(rule)
            found = _fields(_text(result, "message", "text"), _text(rule, "help", "text"))
            tags = _dict(rule.get("properties")).get("tags")
            tags = tags if isinstance(tags, list) else []
            tag_severity = next((t for t in tags if isinstance(t, str) and t.upper() in SEVERITIES), "")
            vuln_id, _, legacy_package = rule_id.partition("/")
            package = found.get("Package") or legacy_package or _text(rule, "shortDescription", "text")
            locations = result.get("locations")
            where = (
                _text(locations[0], "physicalLocation", "artifactLocation", "uri")
                if isinstance(locations, list) and locations
                else ""
            )
            target = target or where
            vuln = Vulnerability(
                id=vuln_id[:200] or "?",
                package=package[:200],
                installed=found.get("Installed Version", "")[:200],
                fixed=found.get("Fixed Version", "")[:500],
                severity=_severity(tag_severity or found.get("Severity", "")),
                url=_url(_text(rule, "helpUri")),
                title=_title(rule, vuln_id),
                location=where[:500],
            )
            ecosystem = "python" if _PYTHON_PATH.search(where) else "os"
            score = _score(_dict(rule.get("properties")).get("security-severity"))
            found_items.append(Finding(vuln, ecosystem, score))
    return Findings(tool, version, target, tuple(found_items), dropped)


def _ecosystem(result: dict[str, Any]) -> str:
    if _text(result, "Class") == "os-pkgs":
        return "os"
    if _text(result, "Type") in _PYTHON_TYPES:
        return "python"
    return "other" if _text(result, "Class") == "lang-pkgs" else "os"


def _from_trivy_json(data: dict[str, Any], path: Path) -> Findings:
    items: list[Finding] = []
    for result in _list(data.get("Results"), path, "Trivy JSON's Results"):
        if not isinstance(result, dict):
            continue
        ecosystem = _ecosystem(result)
        for v in _list(result.get("Vulnerabilities"), path, "a result's Vulnerabilities"):
            if isinstance(v, dict):
                vuln = Vulnerability(
                    id=_text(v, "VulnerabilityID")[:200] or "?",
                    package=_text(v, "PkgName")[:200],
                    installed=_text(v, "InstalledVersion")[:200],
                    fixed=_text(v, "FixedVersion")[:500],
                    severity=_severity(_text(v, "Severity")),
                    url=_url(_text(v, "PrimaryURL")),
                    title=_text(v, "Title")[:300],
                    location=(_text(v, "PkgPath") or _text(result, "Target"))[:500],
                )
                items.append(Finding(vuln, ecosystem, _cvss(v)))
        for kind, key in (("misconfig", "Misconfigurations"), ("secret", "Secrets")):
            for m in _list(result.get(key), path, f"a result's {key}"):
                if isinstance(m, dict) and (kind == "secret" or _text(m, "Status") == "FAIL"):
                    vuln = Vulnerability(
                        id=(_text(m, "ID") or _text(m, "RuleID"))[:200] or "?",
                        package=_text(result, "Target")[:200],
                        installed="",
                        fixed="",
                        severity=_severity(_text(m, "Severity")),
                        url=_url(_text(m, "PrimaryURL")),
                        title=_text(m, "Title")[:300],
                        location=_text(result, "Target")[:500],
                    )
                    items.append(Finding(vuln, "other"))
    return Findings("Trivy", _text(data, "Trivy", "Version"), _text(data, "ArtifactName"), tuple(items))


def read_findings(path: Path) -> Findings:
    """Every finding of a Trivy SARIF or JSON report, in the report's order. InputError when it is
    neither."""
    data = load_json(path)
    if isinstance(data, dict) and "runs" in data:
        return _from_sarif(data, path)
    if isinstance(data, dict) and ("SchemaVersion" in data or "Results" in data):
        return _from_trivy_json(data, path)
    raise InputError(f"{path}: neither SARIF (no 'runs') nor Trivy JSON (no 'SchemaVersion')")


def parse_trivy(path: Path) -> Scan:
    """Read a Trivy SARIF or JSON report into the report's summary. InputError when it is neither."""
    found = read_findings(path)
    tool = f"{found.tool} {found.version}".strip()
    return summarize([f.vuln for f in found.items], tool, found.target, found.dropped)
