"""What the end-to-end tests say when a workflow fails: CI's log of a failed run is all there is."""

from __future__ import annotations

import json

import pytest

from tests.e2e.pipeline import ActRun, parse_log

pytestmark = pytest.mark.static

JOB = "CI/Tests (Python 3.10)-1    "


def act_log(*lines: tuple[str, str]) -> str:
    """act's --json lines, as act prints them: one object per line, with job and msg."""
    return "\n".join(
        json.dumps({"job": job, "msg": msg, "time": f"2026-11-27T06:00:{i:02d}Z"}) for i, (job, msg) in enumerate(lines)
    )


def run_of(raw: str) -> ActRun:
    log, jobs = parse_log(raw)
    return ActRun("ci.yml", "pull_request", 1001, 1, 1.0, log, jobs)


def test_a_step_failing_with_nothing_marked__its_last_lines_are_shown():
    """All tests passed, then pytest's cleanup raised (an unclosed file found at the last garbage
    collection): no FAILED line anywhere, only the traceback says why."""
    raw = act_log(
        (JOB, "⭐ Run Main actions/checkout"),
        (JOB, "checked out, nothing to see"),
        (JOB, "  ✅  Success - Main actions/checkout"),
        (JOB, "⭐ Run Main python -m pytest"),
        (JOB, "\x1b[32m==== 1171 passed in 80.00s ====\x1b[0m"),
        (JOB, "Traceback (most recent call last):"),
        (JOB, "pytest.PytestUnraisableExceptionWarning: Exception ignored in: <_io.FileIO name=14>"),
        (JOB, "  ❌  Failure - Main python -m pytest"),
        ("CI/Lint ", "lint output of a job that passed"),
    )
    shown = run_of(raw).failures().splitlines()
    assert shown == [
        f"[{JOB}]   … ==== 1171 passed in 80.00s ====",
        f"[{JOB}]   … Traceback (most recent call last):",
        f"[{JOB}]   … pytest.PytestUnraisableExceptionWarning: Exception ignored in: <_io.FileIO name=14>",
        f"[{JOB}]   ❌  Failure - Main python -m pytest",
    ]


def test_marked_lines_once_tail_bounded_and_a_composite_failure_not_repeated():
    raw = act_log(
        (JOB, "⭐ Run Main python -m pytest"),
        *[(JOB, f"line {i}") for i in range(30)],
        (JOB, "FAILED tests/test_x.py::test_y - AssertionError"),
        (JOB, "FAIL Required test coverage of 90% not reached. Total coverage: 89.00%"),
        (JOB, "  ❌  Failure - Main python3 run.py actions/upload-artifact"),
        (JOB, "  ❌  Failure - Main actions/upload-artifact@0123"),
    )
    shown = run_of(raw).failures(tail=3).splitlines()
    assert shown == [
        f"[{JOB}] FAILED tests/test_x.py::test_y - AssertionError",
        f"[{JOB}] FAIL Required test coverage of 90% not reached. Total coverage: 89.00%",
        f"[{JOB}]   … line 27",
        f"[{JOB}]   … line 28",
        f"[{JOB}]   … line 29",
        f"[{JOB}]   ❌  Failure - Main python3 run.py actions/upload-artifact",
        f"[{JOB}]   ❌  Failure - Main actions/upload-artifact@0123",
    ]
