"""setup-python and setup-uv: pyenv's interpreters and the uv of the dev requirements, on PATH."""

from __future__ import annotations

import shutil
from pathlib import Path

from _common import ENV, add_path, fail, flag, inp, output, set_env, sh, workspace


def python_bin(version: str) -> Path:
    root = Path(ENV.get("PYENV_ROOT", Path.home() / ".pyenv")) / "versions"
    found = sorted(root.glob(f"{version}.*/bin/python{version}")) + sorted(root.glob(f"{version}/bin/python3"))
    if found:
        return found[-1]
    on_path = shutil.which(f"python{version}")
    if on_path:
        return Path(on_path)
    fail(f"no Python {version} on this machine (pyenv or PATH)")
    raise AssertionError


def setup_python() -> None:
    version = inp("python-version") or "3.12"
    # A version the runner's tool cache and the manifest do not have fails the job right here,
    # before any step that would upload reports (the end-to-end run withholds some on purpose).
    if version in [v.strip() for v in ENV.get("E2E_MISSING_PYTHONS", "").split(",")]:
        fail(f"The version '{version}' with architecture 'x64' was not found for this operating system.")
    binary = python_bin(version)
    add_path(binary.parent)
    exact = sh(str(binary), "-c", "import platform; print(platform.python_version())").strip()
    output(**{"python-version": exact, "python-path": str(binary), "cache-hit": "false"})


def setup_uv() -> None:
    uv = ENV.get("E2E_UV") or shutil.which("uv")
    if not uv:
        fail("uv is not installed here (E2E_UV or PATH)")
    add_path(Path(uv).parent)
    version = sh(uv, "--version").split()[1]
    values = {
        "uv-version": version,
        "uv-path": uv,
        "uvx-path": str(Path(uv).parent / "uvx"),
        "cache-hit": "false",
        "cache-key": "",
    }
    python = inp("python-version")
    if python:
        set_env(UV_PYTHON=python)
        values["python-version"] = python
    if flag("activate-environment"):
        venv = workspace() / (inp("venv-path") or ".venv")
        interpreter = str(python_bin(python)) if python else (shutil.which("python3") or "python3")
        sh(uv, "venv", "--quiet", "--python", interpreter, str(venv))
        add_path(venv / "bin")
        set_env(VIRTUAL_ENV=str(venv))
        values["venv"] = str(venv)
    output(**values)
