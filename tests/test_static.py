"""Static checks that every change must pass: ruff, hadolint, shellcheck. Zero findings."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = pytest.mark.static  # needs the tool wheels: runs once, in CI's full test leg
ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
SHELL_SCRIPTS = sorted(p for p in (ROOT / ".ci").iterdir() if p.is_file() and p.suffix not in {".txt", ".in"})


def tool(name: str) -> str:
    """The tool from the same environment as the tests (requirements-dev.txt pins it)."""
    path = BIN / name
    if not path.exists():
        pytest.fail(f"{name} is not installed in {BIN}: install requirements-dev.txt")
    return str(path)


def check(*cmd: str) -> None:
    done = subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True, timeout=120, check=False)
    assert done.returncode == 0, f"{' '.join(cmd)}:\n{done.stdout}{done.stderr}"


def test_ruff__check_is_clean():
    check(tool("ruff"), "check", "--output-format", "concise", ".")


def test_ruff__format_is_clean():
    check(tool("ruff"), "format", "--check", ".")


def test_hadolint__dockerfile_is_clean():
    check(tool("hadolint"), "Dockerfile")


def test_shellcheck__ci_scripts_are_clean():
    assert SHELL_SCRIPTS, "no scripts found under .ci/"
    check(tool("shellcheck"), "-x", *map(str, SHELL_SCRIPTS))
