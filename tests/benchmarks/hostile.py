"""Peak memory and time of each hostile input that used to blow up, within the size caps.

    python -m tests.benchmarks.hostile

Each input is written to a file first; a fresh interpreter then reads it the way CI or CD would
(the same parser and entry point) and reports its own peak RSS, so the figures are the reader's
alone. The target is at most 300 MB each (issue: 64 MB of unclosed tags took 2.8 GB, one element
with 6.2 M attributes 1.7 GB, a ruff.json of [{},{},...] 1.7 GB, a 600 MB manifest 1.2 GB).
Prints figures; asserts nothing.
"""

from __future__ import annotations

import json
import subprocess
import sys
import tempfile
import textwrap
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

from tests.support.zips import raw_zip, zeros_deflated

ROOT = Path(__file__).resolve().parents[2]
MB = 1024 * 1024
TARGET_MB = 300

# VmHWM (the peak of this process's own memory map) rather than ru_maxrss, which Linux carries
# over from the parent across fork and exec.
READER = textwrap.dedent(
    """
    import re, sys, time
    sys.path.insert(0, {root!r})
    from pathlib import Path
    from scripts.errors import ScriptError
    P = {path!r}
    started = time.monotonic()
    outcome = "read"
    try:
        {call}
    except ScriptError as exc:
        outcome = "refused: " + (str(exc).replace(P, "FILE") if P else str(exc))[:90]
    peak = int(re.search(r"VmHWM:\\s+(\\d+)", open("/proc/self/status").read()).group(1)) / 1024
    print(f"{{peak:.0f}}\\t{{time.monotonic() - started:.2f}}\\t{{outcome}}")
    """
)


def inputs(folder: Path) -> list[tuple[str, Path, str]]:
    """(name, file, the call that reads it) for each blow-up input, 64 MB or just under."""
    cases = []

    def write(name: str, data: bytes) -> Path:
        path = folder / name
        path.write_bytes(data[: 64 * MB])
        return path

    unclosed = write("unclosed.xml", b"<testsuites>" + b"<a>" * (64 * MB // 3))
    cases.append(
        (
            "64 MB of unclosed tags (JUnit)",
            unclosed,
            "from scripts.parse.junit import parse_junit; parse_junit(Path(P), '3.12')",
        )
    )
    attrs = b"<coverage" + b"".join(b' a%d="1"' % i for i in range(6_200_000))
    many = write("attributes.xml", attrs[: 64 * MB - 2] + b"/>")
    cases.append(
        (
            "one element, 6.2 M attributes (Cobertura)",
            many,
            "from scripts.parse.cobertura import parse_cobertura; parse_cobertura(Path(P), '3.12')",
        )
    )
    empties = write("ruff.json", b"[" + b"{}," * (64 * MB // 3 - 2) + b"{}]")
    cases.append(
        ("ruff.json of [{},{},...]", empties, "from scripts.parse.ruff_json import parse_ruff; parse_ruff(Path(P))")
    )
    zeros = write("trivy.json", b'{"SchemaVersion": 2, "Results": [' + b"0," * (64 * MB // 2 - 40) + b"0]}")
    cases.append(
        ("Trivy JSON of 32 M numbers", zeros, "from scripts.parse.trivy import parse_trivy; parse_trivy(Path(P))")
    )
    deep = write("deep.json", b"[" * (64 * MB))
    cases.append(("64 MB of [[[[", deep, "from scripts.parse.ruff_json import parse_ruff; parse_ruff(Path(P))"))
    text = (
        b'<testsuite><testcase name="t"><failure message="m">' + b"x" * (60 * MB) + b"</failure></testcase></testsuite>"
    )
    cases.append(
        (
            "a 60 MB failure text (JUnit)",
            write("text.xml", text),
            "from scripts.parse.junit import parse_junit; parse_junit(Path(P), '3.12')",
        )
    )
    report = {
        "schema_version": 1,
        "python_versions": ["3.12"],
        "problems": [{"section": "x", "message": "y" * 900}] * 100_000,
    }
    forged = write("report.json", json.dumps(report).encode())
    cases.append(
        (
            "report.json of 100,000 problems (CD)",
            forged,
            "from scripts.model import from_dict; from scripts.untrusted import load_json; from_dict(load_json(Path(P), 16 * 1024 * 1024))",
        )
    )
    bomb = folder / "bomb.zip"
    bomb.write_bytes(raw_zip([("reports-py3.12/junit.xml", zeros_deflated(1024), 1024**3, 0)]))
    unpack = "from scripts.github.unzip import extract; extract(Path(P), Path(P + '.out'), 'artifact')"
    cases.append(("zip bomb: 1 GiB of zeros in 1 MB (fetch, ≤ 100)", bomb, unpack))
    many = folder / "many.zip"
    many.write_bytes(raw_zip([(f"e{i}", b"\x03\x00", 0, 0) for i in range(100_000)]))
    cases.append(("zip of 100,000 empty entries (fetch, ≤ 100)", many, unpack))
    return cases


class Endless(BaseHTTPRequestHandler):
    """A manifest of 600 MB, sent without a Content-Length."""

    protocol_version = "HTTP/1.0"

    def log_message(self, *args: object) -> None:
        pass

    def do_HEAD(self) -> None:
        self.send_response(200)
        self.end_headers()

    def do_GET(self) -> None:
        self.send_response(200)
        self.end_headers()
        chunk = b" " * MB
        try:
            for _ in range(600):
                self.wfile.write(chunk)
        except OSError:
            pass


def run(call: str, path: str) -> str:
    code = READER.format(root=str(ROOT), call=call, path=path)
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=600, check=False)
    return done.stdout.strip() or f"0\t0\tcrashed: {done.stderr.strip().splitlines()[-1][:100]}"


def main() -> int:
    rows = []
    with tempfile.TemporaryDirectory(prefix="sample-app-hostile-") as tmp:
        for name, path, call in inputs(Path(tmp)):
            rows.append((name, run(call, str(path))))
            path.unlink()
    server = ThreadingHTTPServer(("127.0.0.1", 0), Endless)
    server.daemon_threads = True
    threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.005}, daemon=True).start()
    address = f"127.0.0.1:{server.server_address[1]}"
    call = f"from scripts.deploy.registry import ImageRef, RegistryClient; RegistryClient({address!r}, retries=0).resolve(ImageRef.parse({address!r} + '/o/r:v1'))"
    rows.append(("a 600 MB manifest from the registry (CD)", run(call, "")))
    server.shutdown()
    print(f"{'input':44} {'peak MB':>8} {'seconds':>8}  outcome (target: peak ≤ {TARGET_MB} MB)")
    for name, line in rows:
        peak, seconds, outcome = line.split("\t", 2)
        print(f"{name:44} {float(peak):8.0f} {float(seconds):8.2f}  {outcome}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
