"""JUnit XML (pytest, unittest, jest, surefire, bazel, ...) -> TestRun. Pure: a path in, a model out.

Counts come from the <testcase> elements, never from the header attributes, which real
producers get wrong (PyGithub's own report says tests=1623 over 1008 cases).
"""

from __future__ import annotations

from pathlib import Path

from scripts import safexml
from scripts.errors import InputError
from scripts.model import MAX_FAILED_KEPT, FailedTest, TestRun

_ROOTS = ("testsuites", "testsuite")
_RANK = {"skipped": 1, "failure": 2, "error": 3}
_MAX_MESSAGE_TEXT = 4096


def first_line(text: str, limit: int = 300) -> str:
    for line in text.splitlines():
        if line := line.strip():
            return line if len(line) <= limit else line[: limit - 1] + "…"
    return ""


def _float(value: str | None) -> float:
    try:
        number = float(value) if value else 0.0
    except ValueError:
        return 0.0
    return number if 0.0 <= number < 1e9 else 0.0


def parse_junit(path: Path, python: str) -> TestRun:
    """Read one JUnit file. InputError for anything that is not a JUnit report."""
    depth = 0
    root: list[str] = []
    tests = failures = errors = skipped = 0
    case_time = 0.0
    root_time = 0.0
    suite_times: list[float] = []  # <testsuite> children of the root
    failed: list[FailedTest] = []
    # State of the <testcase> being read.
    in_case = False
    case_attrs: dict[str, str] = {}
    outcome = ""  # "", "skipped", "failure" or "error"
    message = ""
    collecting = False
    text: list[str] = []
    text_len = 0
    bound: list = []  # the expat parser, so that text is only delivered while it is wanted

    def start(name: str, attrs: dict[str, str]) -> None:
        nonlocal depth, in_case, case_attrs, outcome, message, collecting, text_len, root_time, case_time
        depth += 1
        if depth == 1:
            root.append(name)
            if name not in _ROOTS:
                raise InputError(f"{path}: root element <{name[:40]}> is not <testsuites> or <testsuite>")
            if "time" in attrs:
                root_time = _float(attrs["time"])
        if name == "testcase":
            in_case = True
            case_attrs = attrs
            outcome = ""
            message = ""
            if not root_time:  # the cases' sum is only the fallback for the duration
                case_time += _float(attrs.get("time"))
        elif in_case and name in _RANK:
            if _RANK[name] > _RANK.get(outcome, 0):
                outcome = name
                message = attrs.get("message", "")
                collecting = name != "skipped"
                text.clear()
                text_len = 0
                bound[0].CharacterDataHandler = data if collecting else None
        elif name == "testsuite" and depth == 2 and "time" in attrs:
            suite_times.append(_float(attrs["time"]))

    def data(chunk: str) -> None:
        nonlocal text_len
        if collecting and text_len < _MAX_MESSAGE_TEXT:
            text.append(chunk)
            text_len += len(chunk)

    def end(name: str) -> None:
        nonlocal depth, in_case, collecting, tests, failures, errors, skipped
        depth -= 1
        if name in ("failure", "error"):
            collecting = False
            bound[0].CharacterDataHandler = None
        elif name == "testcase":
            in_case = False
            tests += 1
            if outcome == "skipped":
                skipped += 1
            elif outcome:
                if outcome == "failure":
                    failures += 1
                else:
                    errors += 1
                if len(failed) < MAX_FAILED_KEPT:
                    shown = first_line(message) or first_line("".join(text)) or outcome
                    classname, case = case_attrs.get("classname", ""), case_attrs.get("name", "")
                    name = f"{classname}::{case}" if classname else case
                    failed.append(FailedTest(name=name[:500], kind=outcome, message=shown))

    safexml.parse(path, start, end, bind=bound.append)
    if not root:
        raise InputError(f"{path}: no XML element found")
    # The producer's own wall time when it gives one; else the suites'; else the cases' sum.
    duration = root_time or sum(suite_times) or case_time
    return TestRun(
        python=python,
        tests=tests,
        failures=failures,
        errors=errors,
        skipped=skipped,
        duration=round(duration, 3),
        failed=tuple(failed),
    )
