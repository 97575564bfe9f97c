"""JUnit XML (pytest, unittest, jest, surefire, bazel, ...) -> TestRun. Pure: a path in, a model out.

Counts come from the <testcase> elements, never from the header attributes, which real
producers get wrong (PyGithub's own report says tests=1623 over 1008 cases). Only a file with no
<testcase> at all falls back to its suite header, and says so: a header that reports a failure
must not read as an empty green run.

Producers that re-run failed tests record it in one of two ways: surefire nests <flakyFailure>
in the case that finally passed (and <rerunFailure> in one that never did); gotestsum
--rerun-fails, xcresult/trainer and web-test-runner write the case again. One rule covers both:
a test's final outcome counts, and earlier failures mark it flaky.
"""

from __future__ import annotations

import heapq
import math
import re
from pathlib import Path

from scripts.errors import InputError
from scripts.model import MAX_COUNT, MAX_FAILED_KEPT, MAX_SLOWEST, REL_PATH_RE, FailedTest, SlowTest, TestRun
from scripts.parse import safexml

_ROOTS = ("testsuites", "testsuite")
_RANK = {"skipped": 1, "failure": 2, "error": 3}
_FLAKY = ("flakyFailure", "flakyError")
# status= values of a case that never ran: Ant/Jenkins schema, googletest's DISABLED_ tests.
_NOT_RUN = ("disabled", "notrun")
_MAX_MESSAGE_TEXT = 4096
# A case is recognised as a rerun only while its earlier failure is remembered; the bound keeps
# a hostile file of millions of distinct failing cases to a few MiB.
MAX_RERUN_TRACKED = 10_000
# GitHub stops a self-hosted job after 5 days; a longer test run is a unit error, not a duration.
MAX_PLAUSIBLE_SECONDS = 5 * 24 * 3600.0
_DIGITS = re.compile(r"[0-9]+\Z")


# A traceback frame as pytest writes it in the failure text: "tests/test_x.py:12: AssertionError"
# (the failing line) or "tests/test_x.py:12: in test_y" (a frame on the way).
_FRAME = re.compile(r"^[ \t]*([^\s:]+\.py):([0-9]{1,7}): ", re.MULTILINE)


def location(attrs: dict[str, str], text: str) -> tuple[str, int]:
    """Where a failing test failed, as a repository path and line. The traceback's last frame in
    the case's own file wins (the failing line itself; the file attribute may be longer than the
    frame's path, pytest writes frames relative to its rootdir), then the case's file/line
    attributes (xunit1, Jest and others), then the last frame in the module its classname names,
    then the last frame. ("", 0) when nothing is a safe relative path."""
    frames = [(f, int(n)) for f, n in _FRAME.findall(text) if REL_PATH_RE.match(f) and 0 < int(n) <= MAX_COUNT]
    file, line = attrs.get("file", ""), attrs.get("line", "")
    if REL_PATH_RE.match(file):
        same = [n for f, n in frames if file == f or file.endswith("/" + f)]
        if same:
            return file, same[-1]
        return file, int(line) if line.isdigit() and 0 < int(line) <= MAX_COUNT else 0
    module = attrs.get("classname", "").split("::")[0]
    own = [frame for frame in frames if module and frame[0].removesuffix(".py").replace("/", ".") in module]
    return (own or frames or [("", 0)])[-1]


def first_line(text: str, limit: int = 300) -> str:
    for line in text.splitlines():
        if line := line.strip():
            return line if len(line) <= limit else line[: limit - 1] + "…"
    return ""


def _seconds(value: str | None) -> float:
    try:
        number = float(value) if value else 0.0
    except ValueError:
        return 0.0
    return number if math.isfinite(number) and number >= 0.0 else 0.0


def _case_seconds(value: str | None) -> float:
    """One case's time, by the rule duration() applies to the run: whole numbers beyond any job's
    length are nanoseconds (container-structure-test), anything else implausible is no figure."""
    return duration([_seconds(value)], bool(value) and value.isdigit())


def _header_count(attrs: dict[str, str], key: str, where: str) -> int:
    value = attrs.get(key, "0").strip() or "0"
    if not _DIGITS.match(value) or len(value) > 16 or int(value) > MAX_COUNT:
        raise InputError(f"{where}: suite header {key}={value[:20]!r} is not a count")
    return int(value)


def duration(candidates: list[float], integral: bool) -> float:
    """The first figure present (the producer's wall time, else its suites', else the cases' sum),
    in seconds. container-structure-test writes nanoseconds: a figure beyond any possible job
    length, written in whole numbers, is read as such; anything else implausible is no figure."""
    for value in candidates:
        if value:
            if value <= MAX_PLAUSIBLE_SECONDS:
                return value
            if integral and value / 1e9 <= MAX_PLAUSIBLE_SECONDS:
                return value / 1e9
            return 0.0
    return 0.0


def parse_junit(path: Path, python: str) -> TestRun:
    """Read one JUnit file. InputError for anything that is not a JUnit report."""
    depth = 0
    root: list[str] = []
    tests = failures = errors = skipped = 0
    case_time = 0.0
    root_time = 0.0
    integral = True  # every time= so far a whole number (nanoseconds, when implausible as seconds)
    suite_times: list[float] = []  # <testsuite> children of the root
    headers: list[dict[str, str]] = []  # the root's counts, else its <testsuite> children's
    root_header = False
    suites: list[str] = []  # names of the open <testsuite> elements
    failed: list[FailedTest] = []
    rerun: dict[tuple[str, str, str], FailedTest | str] = {}  # failed earlier: its entry or kind
    failed_names: set[str] = set()  # the name= of every case in rerun: a cheap first check
    flaky: list[str] = []
    flaky_count = 0
    # State of the <testcase> being read.
    in_case = False
    case_attrs: dict[str, str] = {}
    outcome = ""  # "", "skipped", "failure" or "error"
    message = ""
    was_flaky = False
    collecting = False
    text: list[str] = []
    text_len = 0
    bound: list = []  # the expat parser, so that text is only delivered while it is wanted
    slow: list[tuple[float, int, str]] = []  # a min-heap of the MAX_SLOWEST longest cases
    this_case_seconds = 0.0
    cases_seen = 0  # ties keep the earlier case

    def timed(value: str | None) -> float:
        nonlocal integral
        if value and integral and not value.isdigit():
            integral = False
        return _seconds(value)

    def start(name: str, attrs: dict[str, str]) -> None:
        nonlocal depth, in_case, case_attrs, outcome, message, collecting, text_len, root_time, case_time
        nonlocal was_flaky, root_header, this_case_seconds, cases_seen
        depth += 1
        if depth == 1:
            root.append(name)
            if name not in _ROOTS:
                raise InputError(f"{path}: root element <{name[:40]}> is not <testsuites> or <testsuite>")
            if "time" in attrs:
                root_time = timed(attrs["time"])
            if "tests" in attrs:
                headers.append(attrs)
                root_header = True
        if name == "testcase":
            in_case = True
            case_attrs = attrs
            status = attrs.get("status")
            outcome = "skipped" if status and status.lower() in _NOT_RUN else ""
            message = ""
            was_flaky = False
            cases_seen += 1
            this_case_seconds = 0.0
            value = attrs.get("time")
            if value:
                seconds = timed(value) if not root_time else _seconds(value)  # one parse per case
                if not root_time:  # the cases' sum is only the fallback for the duration
                    case_time += seconds
                # Most cases are quicker than the fifth slowest so far: compared, and out.
                if seconds > (slow[0][0] if len(slow) >= MAX_SLOWEST else 0.0):
                    this_case_seconds = _case_seconds(value)
        elif in_case and name in _RANK:
            if _RANK[name] > _RANK.get(outcome, 0):
                outcome = name
                message = attrs.get("message", "")
                collecting = name != "skipped"
                text.clear()
                text_len = 0
                bound[0].CharacterDataHandler = data if collecting else None
        elif in_case and name in _FLAKY:
            was_flaky = True
        elif name == "testsuite":
            suites.append(attrs.get("name", "")[:500])
            if depth == 2:
                if "time" in attrs:
                    suite_times.append(timed(attrs["time"]))
                if "tests" in attrs and not root_header:
                    headers.append(attrs)

    def data(chunk: str) -> None:
        nonlocal text_len
        if collecting and text_len < _MAX_MESSAGE_TEXT:
            text.append(chunk)
            text_len += len(chunk)

    def count(kind: str, sign: int) -> None:
        nonlocal tests, failures, errors, skipped
        tests += sign
        if kind == "skipped":
            skipped += sign
        elif kind == "failure":
            failures += sign
        elif kind == "error":
            errors += sign

    def end(name: str) -> None:
        nonlocal depth, in_case, collecting, flaky_count, tests
        depth -= 1
        if name in ("failure", "error"):
            collecting = False
            bound[0].CharacterDataHandler = None
        elif name == "testcase":
            in_case = False
            failing = outcome in ("failure", "error")
            earlier = None
            case = case_attrs.get("name", "")
            # Most cases pass under a name that never failed: no key, no label, no lookup.
            if failing or was_flaky or case in failed_names:
                classname = case_attrs.get("classname", "")
                label = (f"{classname}::{case}" if classname else case)[:500]
                key = (suites[-1] if suites else "", classname[:500], case[:500])
                earlier = rerun.pop(key, None)
                if earlier is not None:  # a rerun: the earlier attempt no longer counts
                    if isinstance(earlier, FailedTest):
                        failed.remove(earlier)
                        earlier = earlier.kind
                    count(earlier, -1)
            if outcome:
                count(outcome, 1)
            else:
                tests += 1
            if failing:
                entry: FailedTest | str = outcome
                if len(failed) < MAX_FAILED_KEPT:
                    body = "".join(text)
                    shown = first_line(message) or first_line(body) or outcome
                    file, line = location(case_attrs, body)
                    entry = FailedTest(name=label, kind=outcome, message=shown, file=file, line=line)
                    failed.append(entry)
                if len(rerun) < MAX_RERUN_TRACKED:
                    rerun[key] = entry
                    failed_names.add(case)
            elif not outcome and (was_flaky or earlier is not None):
                flaky_count += 1
                if len(flaky) < MAX_FAILED_KEPT:
                    flaky.append(label)
            if this_case_seconds > 0 and (len(slow) < MAX_SLOWEST or this_case_seconds > slow[0][0]):
                classname = case_attrs.get("classname", "")
                entry_name = (f"{classname}::{case}" if classname else case)[:500] or "(unnamed)"
                # A rerun of a test already kept: one row, its longest attempt.
                again = next((i for i, kept in enumerate(slow) if kept[2] == entry_name), None)
                timed_case = (this_case_seconds, -cases_seen, entry_name)
                if again is not None:
                    timed_case = max(timed_case, slow.pop(again))
                    heapq.heapify(slow)
                heapq.heappush(slow, timed_case)
                if len(slow) > MAX_SLOWEST:
                    heapq.heappop(slow)
        elif name == "testsuite" and suites:
            suites.pop()

    safexml.parse(path, start, end, bind=bound.append)
    if not root:
        raise InputError(f"{path}: no XML element found")
    from_header = False
    if tests == 0 and headers:
        counts = [sum(_header_count(h, key, str(path)) for h in headers) for key in ("tests", "failures", "errors")]
        not_run = sum(_header_count(h, key, str(path)) for h in headers for key in ("skipped", "disabled"))
        if counts[0]:
            if counts[1] + counts[2] + not_run > counts[0]:
                raise InputError(f"{path}: suite header counts more failed and skipped tests than tests")
            tests, failures, errors, skipped = counts[0], counts[1], counts[2], not_run
            from_header = True
    return TestRun(
        python=python,
        tests=tests,
        failures=failures,
        errors=errors,
        skipped=skipped,
        duration=round(duration([root_time, sum(suite_times), case_time], integral), 3),
        failed=tuple(failed),
        flaky=flaky_count,
        flaky_tests=tuple(flaky),
        from_header=from_header,
        slowest=tuple(SlowTest(name, round(seconds, 3)) for seconds, _, name in sorted(slow, reverse=True)),
    )
