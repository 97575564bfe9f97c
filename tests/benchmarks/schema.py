"""report.json validation on CD's side: the hand-written model.from_dict against typed decoders.

    python -m tests.benchmarks.schema       # msgspec and pydantic, where installed (not project deps)

The input is the largest report.json CD accepts (20 versions with 200 failed tests each, 50 files,
200 vulnerabilities, 100 rules, 100 problems, 100 artifacts), written by CI's own code. Each
decoder gets the same bytes and the same bounds; the figures are the best of 20 runs. Prints
figures; asserts nothing.
"""

# No `from __future__ import annotations`: msgspec reads the local Structs' annotations at run time.
import json
import time
from collections.abc import Callable

from scripts.model import (
    MAX_FAILED_KEPT,
    MAX_FILES_KEPT,
    MAX_RULES_KEPT,
    MAX_VULNS_KEPT,
    Artifact,
    Coverage,
    FailedTest,
    FileCoverage,
    Image,
    Lint,
    Problem,
    Report,
    RuleCount,
    Scan,
    TestRun,
    Vulnerability,
    from_dict,
    to_dict,
)

SHA = "a" * 40


def largest() -> bytes:
    versions = tuple(f"3.{i}" for i in range(20))
    failed = tuple(
        FailedTest(f"tests/test_x.py::test_{i}" * 3, "failure", "assert x == y " * 10) for i in range(MAX_FAILED_KEPT)
    )
    files = tuple(FileCoverage(f"pkg/module_{i}.py", 100, 50, 10, 5) for i in range(MAX_FILES_KEPT))
    vulns = tuple(
        Vulnerability(
            f"CVE-2026-{i}", "openssl", "3.0.1", "3.0.2", "HIGH", "https://avd.aquasec.com/nvd/x", "t" * 100, "usr/lib"
        )
        for i in range(MAX_VULNS_KEPT)
    )
    report = Report(
        python_versions=versions,
        tests=tuple(TestRun(v, 10_000, 200, 0, 5, 12.5, failed) for v in versions),
        coverage=tuple(Coverage(v, 10_000, 9_000, 2_000, 1_500, 500, files) for v in versions),
        lint=Lint(300, 20, tuple(RuleCount(f"E{i}", 3, "x.py:1: message") for i in range(MAX_RULES_KEPT))),
        scan=Scan("Trivy 0.70.0", "img", {"CRITICAL": 1, "HIGH": 199, "MEDIUM": 0, "LOW": 0, "UNKNOWN": 0}, 1, vulns),
        image=Image("ghcr.io/octo-org/sample-app", "sha256:" + "d" * 64, SHA, ("sha-" + SHA,)),
        artifacts=tuple(Artifact(f"a{i}", f"https://github.com/o/r/actions/runs/1/artifacts/{i}") for i in range(100)),
        problems=tuple(Problem("inputs", "p" * 200) for _ in range(100)),
        head_sha=SHA,
        run_url="https://github.com/o/r/actions/runs/1",
    )
    return json.dumps(to_dict(report)).encode()


def best(run: Callable[[], object], times: int = 20) -> float:
    fastest = float("inf")
    for _ in range(times):
        start = time.perf_counter()
        run()
        fastest = min(fastest, time.perf_counter() - start)
    return fastest


def msgspec_decoder() -> Callable[[bytes], object] | None:
    try:
        import msgspec
        from msgspec import Meta, Struct
    except ImportError:
        return None
    from typing import Annotated, Literal

    Count = Annotated[int, Meta(ge=0, le=2**53 - 1)]
    Text = Annotated[str, Meta(max_length=1000)]

    class MFailed(Struct, forbid_unknown_fields=False):
        name: Text
        kind: Literal["failure", "error"]
        message: Text = ""

    class MRun(Struct):
        python: Annotated[str, Meta(max_length=20)]
        tests: Count
        failures: Count
        errors: Count
        skipped: Count
        duration: Annotated[float, Meta(ge=0, le=1e9)] = 0.0
        failed: Annotated[list[MFailed], Meta(max_length=200)] = []

    class MFile(Struct):
        path: Text
        lines_valid: Count
        lines_covered: Count
        branches_valid: Count = 0
        branches_covered: Count = 0

    class MCoverage(Struct):
        python: Annotated[str, Meta(max_length=20)]
        lines_valid: Count
        lines_covered: Count
        branches_valid: Count = 0
        branches_covered: Count = 0
        files_total: Count = 0
        lowest: Annotated[list[MFile], Meta(max_length=50)] = []

    class MRule(Struct):
        rule: Annotated[str, Meta(max_length=100)]
        count: Count
        example: Text = ""

    class MLint(Struct):
        total: Count
        fixable: Count = 0
        rules: Annotated[list[MRule], Meta(max_length=100)] = []

    class MVuln(Struct):
        id: Annotated[str, Meta(max_length=200)]
        package: Annotated[str, Meta(max_length=200)]
        severity: Literal["CRITICAL", "HIGH", "MEDIUM", "LOW", "UNKNOWN"]
        installed: Annotated[str, Meta(max_length=200)] = ""
        fixed: Annotated[str, Meta(max_length=500)] = ""
        url: Annotated[str, Meta(max_length=500)] = ""
        title: Text = ""
        location: Annotated[str, Meta(max_length=500)] = ""

    class MScan(Struct):
        counts: dict[str, Count]
        tool: Annotated[str, Meta(max_length=100)] = ""
        target: Annotated[str, Meta(max_length=500)] = ""
        fixable_critical: Count = 0
        top: Annotated[list[MVuln], Meta(max_length=200)] = []

    class MImage(Struct):
        name: Annotated[
            str, Meta(max_length=255, pattern=r"^[a-z0-9.-]+(?::[0-9]+)?(?:/[a-z0-9]+(?:[._-][a-z0-9]+)*)+$")
        ]
        digest: Annotated[str, Meta(pattern=r"^sha256:[0-9a-f]{64}$")]
        head_sha: Annotated[str, Meta(pattern=r"^[0-9a-f]{40}$")]
        tags: Annotated[
            list[Annotated[str, Meta(pattern=r"^[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$")]], Meta(max_length=50)
        ] = []
        size: Count | None = None
        pushed: bool = True

    class MArtifact(Struct):
        name: Annotated[str, Meta(max_length=200)]
        url: Annotated[str, Meta(max_length=500, pattern=r"^https?://[^\s<>()\[\]`]+$")]
        size: Count | None = None
        expired: bool = False

    class MProblem(Struct):
        section: Annotated[str, Meta(max_length=50)]
        message: Text

    class MReport(Struct):
        schema_version: Literal[1]
        python_versions: Annotated[list[Annotated[str, Meta(max_length=20)]], Meta(max_length=20)]
        tests: Annotated[list[MRun], Meta(max_length=20)] = []
        coverage: Annotated[list[MCoverage], Meta(max_length=20)] = []
        lint: MLint | None = None
        scan: MScan | None = None
        image: MImage | None = None
        artifacts: Annotated[list[MArtifact], Meta(max_length=100)] = []
        problems: Annotated[list[MProblem], Meta(max_length=100)] = []
        head_sha: Annotated[str, Meta(pattern=r"^([0-9a-f]{40})?$")] = ""
        run_url: Annotated[str, Meta(max_length=500)] = ""
        coverage_threshold: Annotated[float, Meta(ge=0, le=100)] = 90.0
        skipped: list[Literal["attestation", "code-scanning"]] = []

    decoder = msgspec.json.Decoder(MReport, strict=True)
    return decoder.decode


def pydantic_decoder() -> Callable[[bytes], object] | None:
    try:
        from pydantic import TypeAdapter
    except ImportError:
        return None
    # pydantic validates the model's own dataclasses directly: types only, none of the bounds, so
    # this is a lower bound on what pydantic with the same constraints would cost.
    adapter = TypeAdapter(Report)
    return lambda raw: adapter.validate_json(raw)


def main() -> int:
    raw = largest()
    print(f"largest report.json CD accepts: {len(raw):,} bytes")
    hand = best(lambda: from_dict(json.loads(raw)))
    print(f"  model.from_dict (hand-written, json.loads included) {hand * 1000:8.2f} ms")
    for name, make in (
        ("msgspec Struct, strict, same bounds", msgspec_decoder),
        ("pydantic TypeAdapter(Report), types only", pydantic_decoder),
    ):
        decode = make()
        if decode is None:
            print(f"  {name:48} not installed (pip install it beside the project to compare)")
            continue
        seconds = best(lambda decode=decode: decode(raw))
        print(f"  {name:48} {seconds * 1000:8.2f} ms")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
