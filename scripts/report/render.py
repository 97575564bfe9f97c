"""Report -> markdown: the CI section of the sticky comment, the job summary, and the CD section.

Pure: no files, no HTTP. Every string from a report passes through scripts.report.markdown. Sections are
rendered at decreasing levels of detail until the whole fits the budget (GitHub refuses comments
over 65,536 characters); what was shortened is said in the comment, and sticky.fit is the final
guard.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from dataclasses import dataclass

from scripts.model import SEVERITIES, Coverage, Deploy, Report, TestRun
from scripts.report import markdown as md
from scripts.report.compare import Comparison
from scripts.report.sticky import fit, size, utf8_size

# Room left in the comment for the CD section and the markers.
CD_BUDGET = 6_000
CI_BUDGET = 65_536 - CD_BUDGET - 500
SUMMARY_BUDGET = 1_000_000  # bytes; $GITHUB_STEP_SUMMARY takes at most 1 MiB (1,048,576) per step


@dataclass(frozen=True)
class Detail:
    """How many rows each long list may show."""

    failed: int
    files: int
    vulns: int
    rules: int


COMMENT_LEVELS = (
    Detail(failed=30, files=10, vulns=15, rules=15),
    Detail(failed=15, files=5, vulns=10, rules=10),
    Detail(failed=5, files=3, vulns=5, rules=5),
    Detail(failed=0, files=0, vulns=0, rules=0),
)
SUMMARY_LEVELS = (Detail(failed=200, files=50, vulns=200, rules=100), *COMMENT_LEVELS)

ICON = {True: "✅", False: "❌"}
# Where a vulnerability's link may point: the advisory databases Trivy and its data sources use.
# Any other host in a report (which a fork writes) is shown as text, never as a link.
ADVISORY_HOSTS = frozenset(
    {
        "avd.aquasec.com",
        "nvd.nist.gov",
        "www.cve.org",
        "cve.mitre.org",
        "github.com",
        "osv.dev",
        "security-tracker.debian.org",
        "ubuntu.com",
        "access.redhat.com",
        "security.alpinelinux.org",
        "pkg.go.dev",
        "rustsec.org",
        "www.suse.com",
        "alas.aws.amazon.com",
    }
)


@dataclass(frozen=True)
class Context:
    """Facts the renderer takes from trusted context (the workflow's own variables, or CD's event),
    never from a report: where GitHub is and which repository this is, for links we build."""

    server_url: str = ""
    repository: str = ""
    pr: int = 0  # the PR the API confirmed, for links filtered to it; 0 when there is none
    comparison: Comparison | None = None  # with the base branch's report, made by CD from the API

    def diff_url(self, path: str, first: int, last: int) -> str:
        """Lines of a file in the PR's diff view: GitHub anchors a file by the SHA-256 of its path."""
        if not (self.server_url and self.repository and self.pr > 0):
            return ""
        anchor = hashlib.sha256(path.encode()).hexdigest()
        return f"{self.server_url}/{self.repository}/pull/{self.pr}/files#diff-{anchor}R{first}-R{last}"

    def alerts_url(self) -> str:
        """The repository's open code-scanning alerts on this PR."""
        if not (self.server_url and self.repository and self.pr > 0):
            return ""
        return f"{self.server_url}/{self.repository}/security/code-scanning?query=is%3Aopen+pr%3A{self.pr}"

    def package_url(self, image_name: str) -> str:
        """The GHCR package page of the image, when the image is this repository's GHCR package."""
        owner, _, name = self.repository.partition("/")
        if not (self.server_url and owner and name) or image_name != f"ghcr.io/{self.repository.lower()}":
            return ""
        return f"{self.server_url}/{self.repository}/pkgs/container/{name.lower()}"


def _seconds(value: float) -> str:
    return f"{value:.1f} s" if value < 120 else f"{value / 60:.1f} min"


def _pct(value: float) -> str:
    return f"{value:.1f} %"


def _problems(report: Report, section: str) -> list[str]:
    return [f"> ⚠️ {md.inline(p.message, 300)}" for p in report.problems if p.section == section]


def failing(report: Report) -> list[str]:
    """Why the run is not green, short phrases; empty when all is well."""
    reasons = []
    for version in report.python_versions:
        run = report.test_run(version)
        if run is None:
            reasons.append(f"no test results for Python {version}")
        elif not run.ok:
            reasons.append(f"{run.failures + run.errors} failing on Python {version}")
    low = [c for c in report.coverage if c.percent < report.coverage_threshold]
    if low:
        reasons.append(f"coverage below {report.coverage_threshold:g} % on {', '.join(c.python for c in low)}")
    if report.scan and report.scan.fixable_critical:
        reasons.append(f"{report.scan.fixable_critical} fixable CRITICAL vulnerabilities")
    return reasons


def status_line(report: Report, comparison: Comparison | None = None) -> str:
    reasons = failing(report)
    if comparison is not None and comparison.new_failures:
        # What this PR broke comes first; what was already broken on the base is in the list.
        reasons.insert(0, f"{len(comparison.new_failures)} new failing (passing on the base)")
    sha = f" · commit {md.code(report.head_sha[:12])}" if report.head_sha else ""
    if reasons:
        return f"## ❌ CI failed: {md.inline('; '.join(reasons), 400)}{sha}"
    if report.problems:
        return f"## ⚠️ CI passed, with {len(report.problems)} missing or broken report(s){sha}"
    return f"## ✅ CI passed{sha}"


def _tests(report: Report, detail: Detail) -> tuple[list[str], list[str]]:
    rows = []
    for version in report.python_versions:
        run = report.test_run(version)
        if run is None:
            rows.append([md.inline(version), "⚠️ missing", "n/a", "n/a", "n/a", "n/a", "n/a"])
            continue
        rows.append(
            [
                md.inline(version),
                ICON[run.ok],
                str(run.passed),
                str(run.failures),
                str(run.errors),
                str(run.skipped),
                _seconds(run.duration),
            ]
        )
    out = ["### Tests", md.table(["Python", "", "passed", "failed", "errors", "skipped", "time"], rows)]
    out += _problems(report, "tests")
    cuts: list[str] = []
    out += [
        f"> ⚠️ Python {md.inline(run.python)}: counted from the suite header; the file lists no test cases"
        for run in report.tests
        if run.from_header
    ]
    failed_runs: list[TestRun] = [r for r in report.tests if r.failed]
    total_failed = sum(r.failures + r.errors for r in report.tests)
    if failed_runs:
        shown = 0
        items = []
        for run in failed_runs:
            for test in run.failed:
                if shown >= detail.failed:
                    break
                items.append(
                    f"- **{md.inline(run.python)}** {md.code(test.name, 150)} ({test.kind}): {md.inline(test.message, 200)}"
                )
                shown += 1
        if shown:
            out += [
                "",
                f"<details open><summary>Failing tests ({total_failed})</summary>",
                "",
                *items,
                "",
                "</details>",
            ]
        if shown < total_failed:
            cuts.append(f"{shown} of {total_failed} failing tests shown")
    flaky_runs = [r for r in report.tests if r.flaky]
    if flaky_runs:
        total_flaky = sum(r.flaky for r in flaky_runs)
        names = [(run.python, name) for run in flaky_runs for name in run.flaky_tests][: detail.failed]
        out += ["", f"🔁 **{total_flaky} flaky** (failed, then passed on a rerun; counted as passed)"]
        if names:
            out += [
                "",
                f"<details><summary>Flaky tests ({total_flaky})</summary>",
                "",
                *(f"- **{md.inline(python)}** {md.code(name, 150)}" for python, name in names),
                "",
                "</details>",
            ]
        if len(names) < total_flaky:
            cuts.append(f"{len(names)} of {total_flaky} flaky tests shown")
    slowest = [(run.python, test) for run in report.tests for test in run.slowest]
    if slowest and detail.failed:
        rows = [[md.inline(python, 20), md.code(test.name, 150), f"{test.seconds:.2f} s"] for python, test in slowest]
        out += [
            "",
            "<details><summary>Slowest tests</summary>",
            "",
            md.table(["Python", "test", "time"], rows),
            "",
            "</details>",
        ]
    return out, cuts


def _coverage(report: Report, detail: Detail) -> tuple[list[str], list[str]]:
    out = ["### Coverage"]
    rows = []
    for version in report.python_versions:
        cov = report.coverage_for(version)
        if cov is None:
            rows.append([md.inline(version), "⚠️ missing", "n/a", "n/a", "n/a"])
            continue
        branches = _pct(cov.branch_percent) if cov.branch_percent is not None else "n/a"
        ok = cov.percent >= report.coverage_threshold
        rows.append(
            [
                md.inline(version),
                f"{ICON[ok]} **{_pct(cov.percent)}**",
                _pct(cov.line_percent),
                branches,
                str(cov.files_total),
            ]
        )
    out.append(md.table(["Python", f"total (≥ {report.coverage_threshold:g} %)", "lines", "branches", "files"], rows))
    out += _problems(report, "coverage")
    cuts = []
    latest: Coverage | None = report.coverage[-1] if report.coverage else None
    if latest and latest.lowest and detail.files:
        rows = [
            [md.code(f.path, 120, in_table=True), _pct(f.percent), str(f.missed)] for f in latest.lowest[: detail.files]
        ]
        out += [
            "",
            f"Lowest-covered files (Python {md.inline(latest.python)}):",
            "",
            md.table(["file", "cover", "missed lines"], rows),
        ]
    if latest and len(latest.lowest) > detail.files:
        cuts.append(f"{min(detail.files, len(latest.lowest))} of {len(latest.lowest)} under-covered files shown")
    return out, cuts


def _scan(report: Report, detail: Detail, context: Context) -> tuple[list[str], list[str]]:
    out = ["### Vulnerabilities (image scan)"]
    scan = report.scan
    out += _problems(report, "scan")
    if "code-scanning" in report.skipped:
        out.append(
            "⏭️ Not uploaded to code scanning: enable it for this repository (Settings → Code security);"
            " the findings are below and in the `scan` artifact."
        )
    if scan is None:
        return out, []
    counts = " · ".join(f"{severity} **{scan.counts.get(severity, 0)}**" for severity in SEVERITIES)
    tool = f" ({md.inline(scan.tool, 60)})" if scan.tool else ""
    out.append(f"{counts}{tool}")
    if scan.fixable_critical:
        out.append(f"❌ {scan.fixable_critical} CRITICAL with a fix available: CI fails on these (SECURITY.md).")
    if scan.dropped:
        out.append(
            f"✂️ {scan.dropped} lowest-severity findings left out of code scanning and these counts"
            " (over GitHub's limits for one upload); the full scan is in the `scan` artifact."
        )
    alerts = context.alerts_url()
    if alerts and "code-scanning" not in report.skipped:
        out.append(
            f"Each finding is an alert on the line where it is fixed: {md.link('open alerts on this PR', alerts, 60)}"
        )
    cuts = []
    listed = 0
    if scan.top and detail.vulns:
        # The same package installed in two places is two findings (as Trivy counts), one row here.
        places: dict[tuple[str, str, str, str], int] = {}
        for v in scan.top:
            key = (v.id, v.package, v.installed, v.fixed)
            places[key] = places.get(key, 0) + 1
        shown = list(dict.fromkeys((v.id, v.package, v.installed, v.fixed) for v in scan.top))
        by_key = {(v.id, v.package, v.installed, v.fixed): v for v in reversed(scan.top)}
        rows = []
        for key in shown[: detail.vulns]:
            v, count = by_key[key], places[key]
            listed += count
            package = md.inline(v.package, 60) + (f" ({count} places)" if count > 1 else "")
            fixed = md.inline(v.fixed, 60) if v.fixed else "no fix yet"
            rows.append(
                [
                    md.link(v.id, v.url, 60, ADVISORY_HOSTS),
                    v.severity,
                    package,
                    f"{md.inline(v.installed, 40)} → {fixed}",
                    md.inline(v.title, 100),
                ]
            )
        out += ["", md.table(["id", "severity", "package", "installed → fixed", "title"], rows)]
    high = scan.counts.get("CRITICAL", 0) + scan.counts.get("HIGH", 0)
    if high > listed:
        cuts.append(f"{listed} of {high} CRITICAL/HIGH findings shown")
    return out, cuts


def _lint(report: Report, detail: Detail) -> tuple[list[str], list[str]]:
    out = ["### Lint (ruff, non-blocking)"]
    out += _problems(report, "lint")
    lint = report.lint
    if lint is None:
        return out, []
    if not lint.total:
        out.append("✅ no findings")
        return out, []
    out.append(f"⚠️ {lint.total} findings, {lint.fixable} fixable with `ruff check --fix`")
    if detail.rules:
        rows = [
            [md.code(r.rule, 40, in_table=True), str(r.count), md.inline(r.example, 150)]
            for r in lint.rules[: detail.rules]
        ]
        out += ["", md.table(["rule", "count", "example"], rows)]
    cuts = (
        [f"{min(detail.rules, len(lint.rules))} of {len(lint.rules)} lint rules shown"]
        if len(lint.rules) > detail.rules
        else []
    )
    return out, cuts


def _image(report: Report, context: Context) -> list[str]:
    out = ["### Image"]
    out += _problems(report, "image")
    image = report.image
    if image is None:
        return out
    if not image.pushed:
        out.append(
            f"{md.code(image.reference, 300)} (built, not pushed: pull request from a fork, saved as an artifact)"
        )
    else:
        package = context.package_url(image.name)
        name = md.link(image.name, package, 200) if package else md.code(image.name, 200)
        out.append(f"{name} (pushed) · digest {md.code(image.digest, 100)}")
        out.append(f"pull: {md.code('docker pull ' + image.reference, 320)}")
    if "attestation" in report.skipped:
        out.append(
            "⏭️ No build provenance attestation stored: attestations need a public repository or GitHub"
            " Enterprise Cloud. The image was still pushed and deployed by digest."
        )
    if image.tags:
        out.append("tags: " + ", ".join(md.code(t, 140) for t in image.tags[:10]))
    if image.size:
        out.append(f"size: {image.size / 1e6:.1f} MB")
    return out


def _artifacts(report: Report) -> list[str]:
    if report.artifacts:
        links = [md.link(a.name, a.url, 80) + (" (expired)" if a.expired else "") for a in report.artifacts[:30]]
        return ["### Artifacts", " · ".join(links)]
    if report.run_url:
        return ["### Artifacts", md.link("artifacts of this run", report.run_url + "#artifacts")]
    return []


def _footer(report: Report, cuts: list[str]) -> list[str]:
    out = []
    if cuts:
        where = md.link("job summary", report.run_url) if report.run_url else "job summary"
        out.append(
            f"_Shortened to fit: {md.inline('; '.join(cuts), 500)}. Full report: the {where} and the `pr-report` artifact._"
        )
    others = [p for p in report.problems if p.section not in {"tests", "coverage", "scan", "lint", "image"}]
    out += [f"> ⚠️ {md.inline(p.message, 300)}" for p in others]
    return out


def _arrow(change: float | None) -> str:
    if change is None:
        return "n/a"
    if change == 0:
        return "±0"
    return f"{'↑' if change > 0 else '↓'} {abs(change):.2f} pp"


def _compared(context: Context, detail: Detail) -> tuple[list[str], list[str]]:
    """What changed against the base branch: the reviewer's first question."""
    c = context.comparison
    if c is None:
        return [], []
    out = ["### Compared with the base branch"]
    cuts: list[str] = []
    if not c.base_sha:
        out.append(
            "No baseline: no successful CI run of the base branch with a `pr-report` artifact was found"
            " (artifacts expire after the repository's retention period)."
        )
    else:
        out.append(f"Against {md.code(c.base_sha[:12])} ({md.inline(c.base_note, 120)}).")
        rows = []
        for v in c.versions:
            base = f"{v.coverage_base:.2f} %" if v.coverage_base is not None else "n/a"
            head = f"{v.coverage_head:.2f} %" if v.coverage_head is not None else "n/a"
            tests = "n/a"
            if v.tests_base is not None and v.tests_head is not None:
                tests = f"{v.tests_base} → {v.tests_head} ({v.tests_head - v.tests_base:+d})"
            rows.append([md.inline(v.python, 20), f"{base} → {head}", _arrow(v.coverage_change), tests])
        if rows:
            out += ["", md.table(["Python", "coverage", "Δ", "tests"], rows)]
    if c.new_failures:
        shown = c.new_failures[: detail.failed]
        out += ["", f"🆕 **{len(c.new_failures)} new failing** (passing or absent on the base):"]
        out += [f"- {md.code(name, 150)}" for name in shown]
        if len(shown) < len(c.new_failures):
            cuts.append(f"{len(shown)} of {len(c.new_failures)} new failures shown")
    if c.already_failing:
        out += ["", f"{len(c.already_failing)} failing already on the base."]
    if c.changed_percent is not None:
        out += [
            "",
            f"Changed lines: **{c.changed_covered} of {c.changed_executable} covered ({c.changed_percent:.1f} %)**",
        ]
        rows = []
        for f in [f for f in c.changed if f.uncovered][: detail.files]:
            ranges = [
                md.link(f"{first}" if first == last else f"{first}-{last}", context.diff_url(f.path, first, last), 20)
                for first, last in f.uncovered[:10]
            ]
            more = f" and {len(f.uncovered) - 10} more" if len(f.uncovered) > 10 else ""
            rows.append([md.code(f.path, 120), f"{f.covered}/{f.executable}", ", ".join(ranges) + more])
        if rows:
            out += ["", md.table(["file", "covered", "uncovered changed lines"], rows)]
        uncovered_files = sum(1 for f in c.changed if f.uncovered)
        if uncovered_files > len(rows):
            cuts.append(f"{len(rows)} of {uncovered_files} files with uncovered changed lines shown")
    elif c.base_sha or c.changed:
        out += ["", "Changed lines: none that coverage measures."]
    if c.files_without_patch:
        out.append(
            f"{len(c.files_without_patch)} changed files have no diff in the API (binary or too large):"
            " their lines are not counted."
        )
    if c.files_truncated:
        out.append("GitHub lists only the first 3,000 changed files: the rest are not counted.")
    if not c.line_data_complete:
        out.append("Some files' line data was left out of report.json (over its bounds): those lines are not counted.")
    return out, cuts


def _render(report: Report, detail: Detail, context: Context) -> str:
    tests, cut_tests = _tests(report, detail)
    coverage, cut_cov = _coverage(report, detail)
    scan, cut_scan = _scan(report, detail, context)
    lint, cut_lint = _lint(report, detail)
    cuts = cut_tests + cut_cov + cut_scan + cut_lint
    compared, cut_compared = _compared(context, detail)
    cuts = cut_compared + cuts
    blocks = [
        [status_line(report, context.comparison)],
        compared,
        tests,
        coverage,
        _image(report, context),
        scan,
        lint,
        _artifacts(report),
        _footer(report, cuts),
    ]
    return "\n\n".join("\n".join(block) for block in blocks if block)


def render_report(
    report: Report,
    budget: int = CI_BUDGET,
    levels: tuple[Detail, ...] = COMMENT_LEVELS,
    measure: Callable[[str], int] = size,
    context: Context = Context(),
) -> str:
    """The CI section: the most detail that fits the budget; sticky.fit guarantees the limit."""
    text = ""
    for detail in levels:
        text = _render(report, detail, context)
        if measure(text) <= budget:
            return text
    return fit(text, budget, measure)


def render_summary(report: Report, context: Context = Context()) -> str:
    """The job summary: the same report with longer lists, under the 1 MiB step-summary limit
    (counted in bytes: a CJK test name is three of them)."""
    return render_report(report, SUMMARY_BUDGET, SUMMARY_LEVELS, utf8_size, context)


def render_deploy(deploy: Deploy, budget: int = CD_BUDGET) -> str:
    """The CD section: what ran, by digest, and what it printed."""
    icons = {"success": "✅", "failure": "❌", "timeout": "⏱️", "refused": "⛔", "skipped": "⏭️"}
    head = f"## {icons.get(deploy.status, '❔')} Deploy: {md.inline(deploy.status, 20)}"
    lines = [head]
    if deploy.source == "fork-ci":
        lines.append(
            "_Reported by the fork's own CI run: CD never runs a fork's image, so this result is the"
            " fork's word, not verified here._"
        )
    if deploy.reason:
        lines.append(md.inline(deploy.reason, 400))
    if deploy.image:
        lines.append(f"image: {md.code(deploy.image, 300)}")
    if deploy.command:
        lines.append(f"command: {md.code(deploy.command, 500)}")
    facts = []
    if deploy.exit_code is not None:
        facts.append(f"exit status {deploy.exit_code}")
    if deploy.duration:
        facts.append(f"ran {_seconds(deploy.duration)}")
    if deploy.expected_output:
        facts.append(f"expected output {md.code(deploy.expected_output, 60)}")
    if facts:
        lines.append(" · ".join(facts))
    if deploy.stdout:
        lines += ["", "stdout:", md.code_block(deploy.stdout, 1500, 30)]
    if deploy.stderr:
        lines += ["", "stderr:", md.code_block(deploy.stderr, 1500, 30)]
    return fit("\n".join(lines), budget)
