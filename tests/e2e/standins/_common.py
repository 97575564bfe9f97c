"""What every stand-in shares: its inputs (INPUT_*), outputs ($GITHUB_OUTPUT), PATH and env files,
failing like an action (::error:: and exit 1), and running commands. Standard library only."""

from __future__ import annotations

import hashlib
import json
import os
import re
import subprocess
import sys
from pathlib import Path

ENV = os.environ


def inp(name: str, default: str = "") -> str:
    return ENV.get("INPUT_" + name.upper().replace("-", "_"), default) or default


def flag(name: str, default: bool = False) -> bool:
    value = inp(name, "true" if default else "false").strip().lower()
    return value == "true"


def lines(name: str) -> list[str]:
    return [x.strip() for x in re.split(r"[\n,]", inp(name)) if x.strip()]


def _append(variable: str, values: dict[str, str]) -> None:
    """name=value lines in a runner file ($GITHUB_OUTPUT, $GITHUB_ENV), the heredoc form for
    multi-line values, as the runner reads them."""
    with Path(ENV[variable]).open("a", encoding="utf-8") as out:
        for key, value in values.items():
            if "\n" in value:
                marker = f"EOF_{hashlib.sha256(value.encode()).hexdigest()[:12]}"
                out.write(f"{key}<<{marker}\n{value}\n{marker}\n")
            else:
                out.write(f"{key}={value}\n")


def output(**values: str) -> None:
    _append("GITHUB_OUTPUT", values)


def set_env(**values: str) -> None:
    _append("GITHUB_ENV", values)


def add_path(directory: str | Path) -> None:
    with Path(ENV["GITHUB_PATH"]).open("a", encoding="utf-8") as out:
        out.write(f"{directory}\n")


def fail(message: str) -> None:
    print(f"::error::{message}")
    sys.exit(1)


def sh(*cmd: str, capture: bool = True, check: bool = True, input: str | None = None) -> str:
    print("+ " + " ".join(cmd), flush=True)
    done = subprocess.run(cmd, capture_output=capture, text=True, check=False, input=input)
    if check and done.returncode != 0:
        fail(f"{cmd[0]} {cmd[1] if len(cmd) > 1 else ''} failed: {(done.stderr or done.stdout or '').strip()[-800:]}")
    return done.stdout if capture else ""


def workspace() -> Path:
    return Path(ENV.get("GITHUB_WORKSPACE", "."))


def event() -> dict:
    path = ENV.get("GITHUB_EVENT_PATH")
    return json.loads(Path(path).read_text()) if path and Path(path).exists() else {}
