"""Where in this repository an image's packages come from: the Dockerfile line that names the base
image, and the requirements lines that pin Python packages. Pure: text in, line numbers out.

Code scanning shows an alert on a line of the repository; these are the lines a fix changes (a
new base image digest, a higher pin).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

from scripts.errors import InputError
from scripts.untrusted import check_size

_FROM = re.compile(r"FROM\s+(?:--platform=\S+\s+)?(\S+)(?:\s+AS\s+(\S+))?\s*\Z", re.IGNORECASE)
# name, optional extras, then a version clause: the pinned line of a requirements file. A hashed
# file continues the line with "\"; the pin is on its first line.
_PIN = re.compile(r"([A-Za-z0-9][A-Za-z0-9._-]*)\s*(?:\[[^\]]*\])?\s*(?:===?|~=|>=|<=|!=|<|>)")
MAX_SOURCE_BYTES = 4 * 1024 * 1024


def normalize(name: str) -> str:
    """A distribution name as PyPI compares them (PEP 503): case and runs of -_. do not matter."""
    return re.sub(r"[-_.]+", "-", name).lower()


@dataclass(frozen=True)
class Line:
    path: str  # relative to the repository root, with "/" separators, as code scanning wants it
    number: int  # 1-based
    text: str


@dataclass(frozen=True)
class Sources:
    base: Line  # the FROM line of the image's final stage, following stage aliases
    pins: dict[str, Line] = field(default_factory=dict)  # normalized package name -> pinning line


def _logical_lines(text: str) -> list[tuple[int, str]]:
    """(first physical line number, joined text) of each instruction; "\\" continues a line."""
    result: list[tuple[int, str]] = []
    start, parts = 0, []
    for number, line in enumerate(text.splitlines(), start=1):
        if not parts:
            start = number
        stripped = line.rstrip()
        if stripped.endswith("\\"):
            parts.append(stripped[:-1])
            continue
        parts.append(stripped)
        result.append((start, " ".join(p.strip() for p in parts).strip()))
        parts = []
    if parts:
        result.append((start, " ".join(p.strip() for p in parts).strip()))
    return result


def base_line(text: str, path: str = "Dockerfile") -> Line:
    """The FROM line that brings the base image's files into the final stage: the last stage's FROM,
    followed through `FROM <earlier stage>` to the stage that names an image."""
    stages: list[tuple[str, str, int, str]] = []  # (image, alias, line number, line text)
    physical = text.splitlines()
    for number, line in _logical_lines(text):
        if line.startswith("#") or line[:4].upper() != "FROM":
            continue
        match = _FROM.match(line)
        if not match:
            raise InputError(f"{path}:{number}: a FROM line this reader does not understand")
        stages.append((match[1], (match[2] or "").lower(), number, physical[number - 1].strip()))
    if not stages:
        raise InputError(f"{path}: no FROM line")
    image, _, number, line = stages[-1]
    aliases = {alias: stage for stage in stages[:-1] if (alias := stage[1])}
    seen: set[str] = set()
    while image.lower() in aliases and image.lower() not in seen:
        seen.add(image.lower())
        image, _, number, line = aliases[image.lower()]
    return Line(path, number, line)


def pin_lines(text: str, path: str) -> dict[str, Line]:
    """Each pinned distribution's first line in a requirements file (several lines may pin one
    package under different environment markers: the first is where a reviewer looks)."""
    pins: dict[str, Line] = {}
    for number, line in enumerate(text.splitlines(), start=1):
        stripped = line.strip()
        match = _PIN.match(stripped)
        if match and not stripped.startswith(("#", "-")):
            pins.setdefault(normalize(match[1]), Line(path, number, stripped.rstrip("\\ ").strip()))
    return pins


def _read(path: Path, root: Path) -> tuple[str, str]:
    try:
        relative = path.resolve().relative_to(root.resolve()).as_posix()
    except ValueError:
        raise InputError(f"{path}: not inside the repository ({root})") from None
    check_size(path, MAX_SOURCE_BYTES)
    data = path.read_bytes()
    try:
        return relative, data.decode("utf-8")
    except UnicodeDecodeError:
        raise InputError(f"{path}: not UTF-8 text") from None


def read_sources(dockerfile: Path, requirements: list[Path], root: Path) -> Sources:
    """The base image line and the pins, with paths relative to root (the repository)."""
    relative, text = _read(dockerfile, root)
    pins: dict[str, Line] = {}
    for path in requirements:
        name, content = _read(path, root)
        for package, line in pin_lines(content, name).items():
            pins.setdefault(package, line)
    return Sources(base_line(text, relative), pins)
