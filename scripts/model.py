"""The report's data: frozen dataclasses, and their JSON form (report.json, versioned).

Nothing here reads files or talks HTTP. from_dict() is strict because the CD side reads
report.json from an artifact that a fork may have written: every field is type-checked and
bounded, and anything else is an InputError.
"""

from __future__ import annotations

import re
from dataclasses import asdict, dataclass, field
from typing import Any

from scripts.errors import InputError

SCHEMA_VERSION = 1
SEVERITIES = ("CRITICAL", "HIGH", "MEDIUM", "LOW", "UNKNOWN")
# Steps CI may skip on a repository without the feature; each is shown as a note, never a failure.
SKIPPABLE = ("attestation", "code-scanning")
# Kept in the model; counts stay exact beyond these.
MAX_FAILED_KEPT = 200
MAX_VULNS_KEPT = 200
# A path inside the repository: relative, "/"-separated, no "." or ".." segment, no odd characters.
REL_PATH_RE = re.compile(r"(?!/)(?!.*(?:^|/)\.{1,2}(?:/|\Z))[A-Za-z0-9_./+-]{1,300}\Z")
MAX_FILES_KEPT = 50
MAX_RULES_KEPT = 100
MAX_TEXT = 1000
MAX_VERSIONS = 20
MAX_PROBLEMS = 100
MAX_URL = 500
MAX_COUNT = 2**53 - 1  # exact in every JSON reader
MAX_SECONDS = 1e9

DIGEST_RE = re.compile(r"sha256:[0-9a-f]{64}\Z")
SHA_RE = re.compile(r"[0-9a-f]{40}\Z")
_URL_RE = re.compile(r"https?://[^\s<>()\[\]`]+\Z")
# Docker reference grammar, simplified: registry[:port]/path, lower-case path components.
IMAGE_NAME_RE = re.compile(r"[a-z0-9.-]+(?::[0-9]+)?(?:/[a-z0-9]+(?:[._-][a-z0-9]+)*)+\Z")
TAG_RE = re.compile(r"[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}\Z")


@dataclass(frozen=True)
class FailedTest:
    name: str
    kind: str  # "failure" or "error"
    message: str
    file: str = ""  # repository-relative, from the JUnit attributes or the traceback; "" if unknown
    line: int = 0  # 1-based; 0 if unknown


@dataclass(frozen=True)
class SlowTest:
    name: str
    seconds: float


MAX_SLOWEST = 5


@dataclass(frozen=True)
class TestRun:
    __test__ = False  # a results record, not a pytest test class
    python: str
    tests: int
    failures: int
    errors: int
    skipped: int
    duration: float
    failed: tuple[FailedTest, ...] = ()
    flaky: int = 0  # passed in the end, after failing an earlier attempt
    flaky_tests: tuple[str, ...] = ()  # the first MAX_FAILED_KEPT of them
    from_header: bool = False  # the file lists no cases: counts are its suite header's
    slowest: tuple[SlowTest, ...] = ()  # the MAX_SLOWEST longest cases, longest first

    @property
    def passed(self) -> int:
        return self.tests - self.failures - self.errors - self.skipped

    @property
    def ok(self) -> bool:
        return self.failures == 0 and self.errors == 0


@dataclass(frozen=True)
class FileCoverage:
    path: str
    lines_valid: int
    lines_covered: int
    branches_valid: int = 0
    branches_covered: int = 0

    @property
    def percent(self) -> float:
        return percent(self.lines_covered + self.branches_covered, self.lines_valid + self.branches_valid)

    @property
    def missed(self) -> int:
        return self.lines_valid - self.lines_covered


Ranges = tuple[tuple[int, int], ...]  # inclusive line ranges, ascending, not touching
MAX_LINE_FILES = 2_000  # files whose per-line data report.json carries
MAX_RANGES = 100_000  # ranges, over all those files


@dataclass(frozen=True)
class FileLines:
    """Which lines of a file were executed, for coverage of a PR's changed lines (scripts.report.compare)."""

    path: str
    covered: Ranges = ()
    missed: Ranges = ()


def to_ranges(lines: list[int] | set[int]) -> Ranges:
    """Sorted line numbers as inclusive ranges: [1, 2, 3, 7] -> ((1, 3), (7, 7))."""
    ranges: list[tuple[int, int]] = []
    for line in sorted(set(lines)):
        if ranges and line == ranges[-1][1] + 1:
            ranges[-1] = (ranges[-1][0], line)
        else:
            ranges.append((line, line))
    return tuple(ranges)


@dataclass(frozen=True)
class Coverage:
    python: str
    lines_valid: int
    lines_covered: int
    branches_valid: int
    branches_covered: int
    files_total: int
    lowest: tuple[FileCoverage, ...] = ()  # the lowest-covered files, worst first
    lines: tuple[FileLines, ...] = ()  # per-line data, bounded by MAX_LINE_FILES and MAX_RANGES
    lines_complete: bool = True  # False when the bounds left some files' lines out

    @property
    def percent(self) -> float:
        """coverage.py's total: lines and branches together, as --cov-fail-under judges it."""
        return percent(self.lines_covered + self.branches_covered, self.lines_valid + self.branches_valid)

    @property
    def line_percent(self) -> float:
        return percent(self.lines_covered, self.lines_valid)

    @property
    def branch_percent(self) -> float | None:
        return percent(self.branches_covered, self.branches_valid) if self.branches_valid else None


@dataclass(frozen=True)
class RuleCount:
    rule: str
    count: int
    example: str  # one message for that rule


@dataclass(frozen=True)
class Lint:
    total: int
    fixable: int
    rules: tuple[RuleCount, ...] = ()  # most frequent first


@dataclass(frozen=True)
class Vulnerability:
    id: str
    package: str
    installed: str
    fixed: str  # "" when no fix is published
    severity: str
    url: str = ""
    title: str = ""
    location: str = ""  # where the package is installed; one package can be installed twice


@dataclass(frozen=True)
class Finding:
    """A vulnerability as code scanning needs it (scripts.sarif): which ecosystem the package
    belongs to, which decides the line of this repository where it is fixed, and its CVSS score.
    Not part of report.json."""

    vuln: Vulnerability
    ecosystem: str  # "os" (the base image's packages), "python", or "other"
    score: float | None = None  # CVSS base score, 0.0-10.0, when the scanner gives one


@dataclass(frozen=True)
class Findings:
    tool: str
    version: str
    target: str
    items: tuple[Finding, ...]
    dropped: int = 0  # left out of an earlier conversion to stay within GitHub's limits


@dataclass(frozen=True)
class Scan:
    tool: str
    target: str
    counts: dict[str, int]  # by severity, every key of SEVERITIES present
    fixable_critical: int
    top: tuple[Vulnerability, ...] = ()  # CRITICAL and HIGH, fixable first
    dropped: int = 0  # findings scripts.sarif left out to stay within GitHub's limits


@dataclass(frozen=True)
class Image:
    name: str  # registry/owner/repo, lower-case
    digest: str
    head_sha: str
    tags: tuple[str, ...] = ()
    size: int | None = None
    pushed: bool = True

    @property
    def reference(self) -> str:
        return f"{self.name}@{self.digest}"


@dataclass(frozen=True)
class PackageVersion:
    """One version of a GHCR container package: a digest and every tag on it."""

    id: int
    digest: str
    tags: tuple[str, ...]


@dataclass(frozen=True)
class Artifact:
    name: str
    url: str
    size: int | None = None
    expired: bool = False


@dataclass(frozen=True)
class Problem:
    """An input that was missing or broken: shown as one line, never a crash."""

    section: str
    message: str


@dataclass(frozen=True)
class Deploy:
    status: str  # "success", "failure", "refused", "timeout", "skipped"
    reason: str
    image: str = ""
    digest: str = ""
    command: str = ""
    exit_code: int | None = None
    stdout: str = ""
    stderr: str = ""
    duration: float = 0.0
    expected_output: str = ""
    # Who ran it: "cd" (CD pulled and ran it by digest) or "fork-ci" (a fork's own CI run reported
    # it; CD never runs a fork's image). Set by CD from trusted context, never read from a fork.
    source: str = "cd"


@dataclass(frozen=True)
class Report:
    python_versions: tuple[str, ...]
    tests: tuple[TestRun, ...] = ()
    coverage: tuple[Coverage, ...] = ()
    lint: Lint | None = None
    scan: Scan | None = None
    image: Image | None = None
    artifacts: tuple[Artifact, ...] = ()
    problems: tuple[Problem, ...] = ()
    head_sha: str = ""
    run_url: str = ""
    coverage_threshold: float = 90.0
    skipped: tuple[str, ...] = ()  # of SKIPPABLE
    schema_version: int = field(default=SCHEMA_VERSION)

    def test_run(self, python: str) -> TestRun | None:
        return next((run for run in self.tests if run.python == python), None)

    def coverage_for(self, python: str) -> Coverage | None:
        return next((cov for cov in self.coverage if cov.python == python), None)


def percent(part: int, whole: int) -> float:
    return 100.0 * part / whole if whole else 100.0


# ---------------------------------------------------------------------------------------------
# JSON form. to_dict is dataclasses.asdict; from_dict re-checks every field, because the CD side
# reads this from an artifact that the PR (possibly a fork) produced.


def to_dict(report: Report) -> dict[str, Any]:
    return asdict(report)


class _Reader:
    """Typed access to an untrusted mapping; every failure names the path of the bad field."""

    def __init__(self, data: object, where: str) -> None:
        if not isinstance(data, dict):
            raise InputError(f"{where}: expected an object")
        self.data = data
        self.where = where

    def _get(self, key: str, kind: type | tuple[type, ...], default: object) -> Any:
        value = self.data.get(key, default)
        if value is default:
            return default
        if isinstance(value, bool) and kind in (int, float, (int, float)):
            raise InputError(f"{self.where}.{key}: expected a number")
        if not isinstance(value, kind):
            raise InputError(f"{self.where}.{key}: expected {getattr(kind, '__name__', 'a value')}")
        return value

    def text(
        self, key: str, default: str | None = None, *, max_len: int = MAX_TEXT, pattern: re.Pattern | None = None
    ) -> str:
        value = self._get(key, str, default)
        if value is None or (not value and default is None):
            raise InputError(f"{self.where}.{key}: missing")
        if len(value) > max_len:
            raise InputError(f"{self.where}.{key}: longer than {max_len} characters")
        if pattern is not None and value and not pattern.match(value):
            raise InputError(f"{self.where}.{key}: not a valid value")
        return value

    def texts(self, key: str, max_items: int) -> list[str]:
        values = self.items(key, max_items)
        for value in values:
            if not isinstance(value, str) or not value or len(value) > MAX_TEXT:
                raise InputError(f"{self.where}.{key}[]: expected a non-empty text of up to {MAX_TEXT} characters")
        return values

    def count(self, key: str, default: int | None = None, *, nullable: bool = False) -> Any:
        if nullable and self.data.get(key, default) is None:
            return None
        value = self._get(key, int, default)
        if value is None:
            raise InputError(f"{self.where}.{key}: missing")
        if not 0 <= value <= MAX_COUNT:
            raise InputError(f"{self.where}.{key}: out of range")
        return value

    def exit_code(self, key: str) -> int | None:
        """A process's exit status: None (killed), or -255 to 255 as docker reports it."""
        value = self._get(key, int, None)
        if value is not None and not -255 <= value <= 255:
            raise InputError(f"{self.where}.{key}: out of range")
        return value

    def real(self, key: str, default: float | None = None, *, high: float = MAX_SECONDS) -> float:
        """A finite number from 0 to high: JSON's 1e999 decodes to infinity, and a negative or
        infinite figure would read as "coverage below inf %" in the comment."""
        value = self._get(key, (int, float), default)
        if value is None:
            raise InputError(f"{self.where}.{key}: missing")
        if not 0 <= value <= high:  # NaN fails both comparisons
            raise InputError(f"{self.where}.{key}: out of range")
        return float(value)

    def flag(self, key: str, default: bool) -> bool:
        return self._get(key, bool, default)

    def items(self, key: str, max_items: int) -> list[Any]:
        value = self._get(key, list, [])
        if len(value) > max_items:
            raise InputError(f"{self.where}.{key}: more than {max_items} items")
        return value

    def obj(self, key: str) -> _Reader | None:
        value = self.data.get(key)
        return None if value is None else _Reader(value, f"{self.where}.{key}")


def _test_run(r: _Reader) -> TestRun:
    failed = tuple(
        FailedTest(
            name=f.text("name"),
            kind=f.text("kind", pattern=re.compile(r"(failure|error)\Z")),
            message=f.text("message", ""),
            file=f.text("file", "", max_len=300, pattern=REL_PATH_RE),
            line=f.count("line", 0),
        )
        for f in (_Reader(item, f"{r.where}.failed[]") for item in r.items("failed", MAX_FAILED_KEPT))
    )
    run = TestRun(
        python=r.text("python", max_len=20),
        tests=r.count("tests"),
        failures=r.count("failures"),
        errors=r.count("errors"),
        skipped=r.count("skipped"),
        duration=r.real("duration", 0.0),
        failed=failed,
        flaky=r.count("flaky", 0),
        flaky_tests=tuple(r.texts("flaky_tests", MAX_FAILED_KEPT)),
        from_header=r.flag("from_header", False),
        slowest=tuple(
            SlowTest(name=t.text("name"), seconds=t.real("seconds"))
            for t in (_Reader(item, f"{r.where}.slowest[]") for item in r.items("slowest", MAX_SLOWEST))
        ),
    )
    if run.passed < 0:
        raise InputError(f"{r.where}: failures, errors and skipped add up to more than tests")
    if run.flaky > run.passed or len(run.flaky_tests) > run.flaky:
        raise InputError(f"{r.where}: more flaky tests than passed ones")
    return run


def _covered_within_valid(r: _Reader, item: FileCoverage | Coverage) -> None:
    if item.lines_covered > item.lines_valid or item.branches_covered > item.branches_valid:
        raise InputError(f"{r.where}: more lines or branches covered than there are")


def _file_coverage(r: _Reader) -> FileCoverage:
    item = FileCoverage(
        path=r.text("path"),
        lines_valid=r.count("lines_valid"),
        lines_covered=r.count("lines_covered"),
        branches_valid=r.count("branches_valid", 0),
        branches_covered=r.count("branches_covered", 0),
    )
    _covered_within_valid(r, item)
    return item


def _coverage(r: _Reader, budget: list[int] | None = None) -> Coverage:
    item = Coverage(
        python=r.text("python", max_len=20),
        lines_valid=r.count("lines_valid"),
        lines_covered=r.count("lines_covered"),
        branches_valid=r.count("branches_valid", 0),
        branches_covered=r.count("branches_covered", 0),
        files_total=r.count("files_total", 0),
        lowest=tuple(_file_coverage(_Reader(i, f"{r.where}.lowest[]")) for i in r.items("lowest", MAX_FILES_KEPT)),
        lines=_file_lines(r, [MAX_RANGES] if budget is None else budget),
        lines_complete=r.flag("lines_complete", True),
    )
    _covered_within_valid(r, item)
    return item


def _ranges(r: _Reader, key: str, budget: list[int]) -> Ranges:
    ranges = r.items(key, MAX_RANGES)
    budget[0] -= len(ranges)
    if budget[0] < 0:
        raise InputError(f"{r.where}.{key}: more than {MAX_RANGES} line ranges in all")
    result: list[tuple[int, int]] = []
    after = 0  # the next range must start past the previous one's end, not touching it
    for pair in ranges:
        if type(pair) is not list or len(pair) != 2:
            raise InputError(f"{r.where}.{key}: not ascending [first, last] line ranges")
        first, last = pair
        if type(first) is not int or type(last) is not int or not after < first <= last <= MAX_COUNT:
            raise InputError(f"{r.where}.{key}: not ascending [first, last] line ranges")
        after = last + 1
        result.append((first, last))
    return tuple(result)


def _file_lines(r: _Reader, budget: list[int]) -> tuple[FileLines, ...]:
    """Per-line data; budget (shared by every Python version of a report) bounds the ranges in all,
    so that report.json stays far under what CD loads (16 MiB)."""
    return tuple(
        FileLines(
            path=f.text("path", max_len=500),
            covered=_ranges(f, "covered", budget),
            missed=_ranges(f, "missed", budget),
        )
        for f in (_Reader(i, f"{r.where}.lines[]") for i in r.items("lines", MAX_LINE_FILES))
    )


def _lint(r: _Reader) -> Lint:
    rules = tuple(
        RuleCount(rule=x.text("rule", max_len=100), count=x.count("count"), example=x.text("example", ""))
        for x in (_Reader(i, f"{r.where}.rules[]") for i in r.items("rules", MAX_RULES_KEPT))
    )
    return Lint(total=r.count("total"), fixable=r.count("fixable", 0), rules=rules)


def _vulnerability(r: _Reader) -> Vulnerability:
    return Vulnerability(
        id=r.text("id", max_len=200),
        package=r.text("package", max_len=200),
        installed=r.text("installed", "", max_len=200),
        fixed=r.text("fixed", "", max_len=500),
        severity=r.text("severity", pattern=re.compile("(" + "|".join(SEVERITIES) + r")\Z")),
        url=r.text("url", "", max_len=MAX_URL),
        title=r.text("title", ""),
        location=r.text("location", "", max_len=500),
    )


def _scan(r: _Reader) -> Scan:
    counts_reader = r.obj("counts") or _Reader({}, f"{r.where}.counts")
    counts = {severity: counts_reader.count(severity, 0) for severity in SEVERITIES}
    return Scan(
        tool=r.text("tool", "", max_len=100),
        target=r.text("target", "", max_len=500),
        counts=counts,
        fixable_critical=r.count("fixable_critical", 0),
        top=tuple(_vulnerability(_Reader(i, f"{r.where}.top[]")) for i in r.items("top", MAX_VULNS_KEPT)),
        dropped=r.count("dropped", 0),
    )


def image_from_reader(r: _Reader) -> Image:
    tags = []
    for tag in r.items("tags", 50):
        if not isinstance(tag, str) or not TAG_RE.match(tag):
            raise InputError(f"{r.where}.tags: {str(tag)[:60]!r} is not a valid tag")
        tags.append(tag)
    return Image(
        name=r.text("name", max_len=255, pattern=IMAGE_NAME_RE),
        digest=r.text("digest", pattern=DIGEST_RE),
        head_sha=r.text("head_sha", pattern=SHA_RE),
        tags=tuple(tags),
        size=r.count("size", None, nullable=True),
        pushed=r.flag("pushed", True),
    )


def image_from_dict(data: object, where: str = "image") -> Image:
    return image_from_reader(_Reader(data, where))


def _artifact(r: _Reader) -> Artifact:
    url = r.text("url", max_len=MAX_URL, pattern=_URL_RE)
    return Artifact(
        name=r.text("name", max_len=200),
        url=url,
        size=r.count("size", None, nullable=True),
        expired=r.flag("expired", False),
    )


RUN_RECORD = ".run.json"  # hidden, so that CI's own artifact download never has one


@dataclass(frozen=True)
class RunContext:
    """What the trusted side knows of a CI run and the report cannot: written by scripts.fetch
    as DIR/.run.json from the API, so that a report built on a laptop links as CD's comment does."""

    repository: str
    server_url: str
    run_id: int
    head_sha: str
    artifacts: tuple[Artifact, ...] = ()
    pr: int = 0  # the PR fetch was asked for (found through the API), 0 for a run id

    @property
    def run_url(self) -> str:
        return f"{self.server_url}/{self.repository}/actions/runs/{self.run_id}"


def run_context_from_dict(data: object, where: str = ".run.json") -> RunContext:
    r = _Reader(data, where)
    return RunContext(
        repository=r.text("repository", max_len=140, pattern=re.compile(r"[A-Za-z0-9-]{1,39}/[A-Za-z0-9._-]{1,100}\Z")),
        server_url=r.text("server_url", max_len=200, pattern=_URL_RE),
        run_id=r.count("run_id"),
        head_sha=r.text("head_sha", pattern=SHA_RE),
        artifacts=tuple(_artifact(_Reader(i, f"{where}.artifacts[]")) for i in r.items("artifacts", 100)),
        pr=r.count("pr", 0),
    )


def deploy_from_dict(data: object, where: str = "deploy") -> Deploy:
    r = _Reader(data, where)
    return Deploy(
        status=r.text("status", pattern=re.compile(r"(success|failure|refused|timeout|skipped)\Z")),
        reason=r.text("reason", ""),
        image=r.text("image", "", max_len=500),
        digest=r.text("digest", "", pattern=DIGEST_RE),
        command=r.text("command", "", max_len=2000),
        exit_code=r.exit_code("exit_code"),
        stdout=r.text("stdout", "", max_len=20_000),
        stderr=r.text("stderr", "", max_len=20_000),
        duration=r.real("duration", 0.0),
        expected_output=r.text("expected_output", "", max_len=200),
        source=r.text("source", "cd", pattern=re.compile(r"(cd|fork-ci)\Z")),
    )


def _skippable(r: _Reader, value: object) -> str:
    if value not in SKIPPABLE:
        raise InputError(f"{r.where}.skipped: {str(value)[:40]!r} is not one of {', '.join(SKIPPABLE)}")
    return str(value)


def from_dict(data: object, where: str = "report.json") -> Report:
    """A Report from its JSON form, checked field by field; InputError names the bad field."""
    r = _Reader(data, where)
    version = r.count("schema_version")
    if version != SCHEMA_VERSION:
        raise InputError(f"{where}: schema_version {version} is not {SCHEMA_VERSION}")
    versions = tuple(v for v in r.items("python_versions", MAX_VERSIONS) if isinstance(v, str) and len(v) <= 20)
    lint, scan, image = r.obj("lint"), r.obj("scan"), r.obj("image")
    ranges = [MAX_RANGES]  # over every version's per-line data
    return Report(
        schema_version=version,
        python_versions=versions,
        tests=tuple(_test_run(_Reader(i, f"{where}.tests[]")) for i in r.items("tests", MAX_VERSIONS)),
        coverage=tuple(_coverage(_Reader(i, f"{where}.coverage[]"), ranges) for i in r.items("coverage", MAX_VERSIONS)),
        lint=_lint(lint) if lint else None,
        scan=_scan(scan) if scan else None,
        image=image_from_reader(image) if image else None,
        artifacts=tuple(_artifact(_Reader(i, f"{where}.artifacts[]")) for i in r.items("artifacts", 100)),
        problems=tuple(
            Problem(section=p.text("section", max_len=50), message=p.text("message"))
            for p in (_Reader(i, f"{where}.problems[]") for i in r.items("problems", MAX_PROBLEMS))
        ),
        head_sha=r.text("head_sha", "", pattern=SHA_RE),
        run_url=r.text("run_url", "", max_len=MAX_URL, pattern=_URL_RE),
        coverage_threshold=r.real("coverage_threshold", 90.0, high=100.0),
        skipped=tuple(_skippable(r, s) for s in r.items("skipped", len(SKIPPABLE))),
    )
