"""PR report at scale: prints time and peak memory for a generated report of 100,000 test cases,
a 5,000-file coverage.xml and 10,000 SARIF results, and the same JUnit parse done by junitparser
(the parser of EnricoMi/publish-unit-test-result-action) side by side. Each measurement runs in a
fresh interpreter; memory is the peak RSS (VmHWM) above that interpreter's RSS after imports.
junitparser runs on xml.etree here (lxml is not installed); the action installs lxml beside it.

    python -m tests.benchmarks.report_scale [--cases 100000] [--files 5000] [--results 10000]

Targets (issue 3): whole report <= 2 s and <= 100 MB; the JUnit part >= 1.5x faster than
junitparser with <= 1/4 of its peak memory; an entity bomb refused in < 1 s.
"""

from __future__ import annotations

import argparse
import json
import random
import subprocess
import sys
import tempfile
from pathlib import Path

# Run inside a child interpreter: prints {"seconds", "peak_mb", "base_mb"} for one job.
CHILD = r"""
import json, sys, time
def status_mb(key):
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith(key + ":"):
                return int(line.split()[1]) / 1024
job, arg = sys.argv[1], sys.argv[2]
if job == "ours-junit":
    from scripts.parse.junit import parse_junit as work
    run = lambda: work(__import__("pathlib").Path(arg), "3.12")
elif job == "junitparser":
    from junitparser import JUnitXml, Failure, Error, Skipped
    def run():
        xml = JUnitXml.fromfile(arg)
        counts = [0, 0, 0, 0]
        for suite in xml:
            for case in suite:
                counts[0] += 1
                kinds = {type(r) for r in case.result}
                if Error in kinds:
                    counts[2] += 1
                elif Failure in kinds:
                    counts[1] += 1
                elif Skipped in kinds:
                    counts[3] += 1
        return counts
elif job == "ours-report":
    from pathlib import Path
    from scripts.report.collect import collect
    from scripts.report.render import render_report, render_summary
    def run():
        report = collect(Path(arg), ("3.12",))
        return len(render_report(report)) + len(render_summary(report))
elif job == "bomb":
    from pathlib import Path
    from scripts.parse.junit import parse_junit
    from scripts.errors import InputError
    def run():
        try:
            parse_junit(Path(arg), "3.12")
        except InputError as exc:
            return str(exc)
base = status_mb("VmRSS")
start = time.perf_counter()
result = run()
seconds = time.perf_counter() - start
# VmHWM, not ru_maxrss: after fork+exec, ru_maxrss still carries the parent's peak.
peak = status_mb("VmHWM")
print(json.dumps({"seconds": seconds, "peak_mb": peak - base, "base_mb": base, "result": str(result)[:120]}))
"""

BOMB = (
    '<?xml version="1.0"?>\n<!DOCTYPE lolz [<!ENTITY lol "lol">'
    + "".join(f'<!ENTITY lol{i} "{("&lol" + str(i - 1) + ";") * 10 if i > 1 else "&lol;" * 10}">' for i in range(1, 10))
    + ']>\n<testsuites><testsuite><testcase name="&lol9;"/></testsuite></testsuites>\n'
)


def junit(path: Path, cases: int) -> None:
    rng = random.Random(1)
    with path.open("w", encoding="utf-8") as f:
        f.write('<?xml version="1.0" encoding="utf-8"?>\n<testsuites><testsuite name="pytest" time="812.5">\n')
        for i in range(cases):
            name = f'classname="tests.test_module_{i // 500}" name="test_case_{i}[param-{rng.randint(0, 9999)}]" time="0.0{i % 97}"'
            roll = rng.random()
            if roll < 0.02:
                f.write(
                    f'<testcase {name}><failure message="AssertionError: assert {i} == {i + 1}">Traceback (most recent call last):\n  File "tests/test_module.py", line {i % 300}, in test\n    assert {i} == {i + 1}\nAssertionError</failure></testcase>\n'
                )
            elif roll < 0.05:
                f.write(
                    f'<testcase {name}><skipped type="pytest.skip" message="needs docker">tests/test_module.py:{i % 300}: needs docker</skipped></testcase>\n'
                )
            else:
                f.write(f"<testcase {name}/>\n")
        f.write("</testsuite></testsuites>\n")


def cobertura(path: Path, files: int) -> None:
    rng = random.Random(2)
    lines_valid = lines_covered = 0
    body = []
    for i in range(files):
        n = rng.randint(20, 120)
        hits = [rng.random() < 0.85 for _ in range(n)]
        lines_valid += n
        lines_covered += sum(hits)
        rows = "".join(f'<line number="{j + 1}" hits="{int(h)}"/>' for j, h in enumerate(hits))
        body.append(
            f'<class name="m{i}.py" filename="pkg{i // 100}/m{i}.py" line-rate="{sum(hits) / n:.4f}" branch-rate="0" complexity="0"><methods/><lines>{rows}</lines></class>\n'
        )
    with path.open("w", encoding="utf-8") as f:
        f.write(
            f'<?xml version="1.0" ?>\n<coverage version="7.12.0" lines-valid="{lines_valid}" lines-covered="{lines_covered}" line-rate="{lines_covered / lines_valid:.4f}" branches-valid="0" branches-covered="0" branch-rate="0" complexity="0">\n<packages><package name="pkg"><classes>\n'
        )
        f.writelines(body)
        f.write("</classes></package></packages></coverage>\n")


def sarif(path: Path, results: int) -> None:
    rng = random.Random(3)
    severities = ["CRITICAL", "HIGH", "MEDIUM", "LOW", "UNKNOWN"]
    rules, out = [], []
    for i in range(results):
        sev = rng.choice(severities)
        rid = f"CVE-2026-{10000 + i}"
        rules.append({"id": rid, "name": "OsPackageVulnerability", "shortDescription": {"text": f"pkg{i % 300}: issue {i}"},
                      "helpUri": f"https://avd.aquasec.com/nvd/{rid.lower()}", "properties": {"tags": ["vulnerability", "security", sev]}})  # fmt: skip
        fixed = f"1.{i % 7}.1" if rng.random() < 0.5 else ""
        text = f"Package: pkg{i % 300}\nInstalled Version: 1.0.{i % 11}\nVulnerability {rid}\nSeverity: {sev}\nFixed Version: {fixed}\nLink: [{rid}](https://avd.aquasec.com/nvd/{rid.lower()})"
        out.append({"ruleId": rid, "ruleIndex": i, "level": "error", "message": {"text": text},
                    "locations": [{"physicalLocation": {"artifactLocation": {"uri": "app (debian 12.8)"}}}]})  # fmt: skip
    doc = {
        "version": "2.1.0",
        "runs": [{"tool": {"driver": {"name": "Trivy", "version": "0.70.0", "rules": rules}}, "results": out}],
    }
    path.write_text(json.dumps(doc), encoding="utf-8")


def measure(job: str, arg: Path) -> dict:
    done = subprocess.run([sys.executable, "-c", CHILD, job, str(arg)], capture_output=True, text=True, check=True)
    return json.loads(done.stdout)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--cases", type=int, default=100_000)
    parser.add_argument("--files", type=int, default=5_000)
    parser.add_argument("--results", type=int, default=10_000)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        folder = root / "reports-py3.12"
        folder.mkdir()
        junit(folder / "junit.xml", args.cases)
        cobertura(folder / "coverage.xml", args.files)
        (root / "scan").mkdir()
        sarif(root / "scan" / "trivy.sarif", args.results)
        (root / "bomb.xml").write_text(BOMB)
        size = lambda p: p.stat().st_size / 1e6  # noqa: E731
        print(f"inputs: junit.xml {args.cases:,} cases {size(folder / 'junit.xml'):.1f} MB; coverage.xml {args.files:,} files "
              f"{size(folder / 'coverage.xml'):.1f} MB; trivy.sarif {args.results:,} results {size(root / 'scan' / 'trivy.sarif'):.1f} MB")  # fmt: skip
        ours = measure("ours-junit", folder / "junit.xml")
        theirs = measure("junitparser", folder / "junit.xml")
        whole = measure("ours-report", root)
        bomb = measure("bomb", root / "bomb.xml")
    print(f"{'':32}{'time':>9}{'peak MB':>10}")
    print(f"{'JUnit, scripts.parse.junit':32}{ours['seconds']:8.2f}s{ours['peak_mb']:10.1f}")
    print(f"{'JUnit, junitparser':32}{theirs['seconds']:8.2f}s{theirs['peak_mb']:10.1f}")
    print(f"{'whole report (parse + render)':32}{whole['seconds']:8.2f}s{whole['peak_mb']:10.1f}")
    print(f"{'entity bomb refused':32}{bomb['seconds']:8.4f}s")
    print(f"JUnit speed-up {theirs['seconds'] / ours['seconds']:.1f}x (target >= 1.5x); "
          f"memory {ours['peak_mb'] / max(theirs['peak_mb'], 0.1):.2f} of junitparser's (target <= 0.25)")  # fmt: skip
    print(f"whole report: target <= 2 s and <= 100 MB; interpreter baseline {whole['base_mb']:.0f} MB not counted")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
