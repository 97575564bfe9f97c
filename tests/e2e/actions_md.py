"""Read ../shared/actions.md (copied to tests/fixtures/actions.md): each pinned action's declared
inputs (name, required, default) and outputs, as its action.yml at the pinned tag has them."""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

ACTIONS_MD = Path(__file__).resolve().parents[1] / "fixtures" / "actions.md"
_HEADING = re.compile(r"^## (\S+) @ (v\S+)$")
_ROW = re.compile(r"^\| `([^`]+)` \| (.*)$")


@dataclass(frozen=True)
class Input:
    name: str
    required: bool | None  # None: the action.yml has no `required:` key
    default: str | None  # None: no `default:` key


@dataclass(frozen=True)
class ActionSpec:
    action: str  # owner/name[/subpath]
    tag: str
    inputs: tuple[Input, ...]
    outputs: tuple[str, ...]


def _cells(rest: str) -> list[str]:
    return [c.strip() for c in re.split(r"(?<!\\)\|", rest)]


def _default(cell: str) -> str | None:
    if cell in ("—", ""):
        return None
    if cell.startswith("`''`"):
        return ""
    values = re.findall(r"`([^`]*)`", cell)
    return "\n".join(values) if values else cell


def parse(path: Path = ACTIONS_MD) -> dict[str, ActionSpec]:
    specs: dict[str, ActionSpec] = {}
    current: str | None = None
    tag = ""
    section = ""
    inputs: list[Input] = []
    outputs: list[str] = []

    def flush() -> None:
        if current:
            specs[current] = ActionSpec(current, tag, tuple(inputs), tuple(outputs))

    for line in path.read_text(encoding="utf-8").splitlines():
        if heading := _HEADING.match(line):
            flush()
            current, tag, section, inputs, outputs = heading.group(1), heading.group(2), "", [], []
        elif line.startswith("### "):
            section = line[4:].strip().lower()
        elif current and (row := _ROW.match(line)):
            cells = _cells(row.group(2))
            if section == "inputs":
                required = None if cells[0].startswith("not declared") else cells[0] == "true"
                inputs.append(Input(row.group(1), required, _default(cells[1].replace("\\|", "|"))))
            elif section == "outputs":
                outputs.append(row.group(1))
    flush()
    return specs
