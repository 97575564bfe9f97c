"""Cobertura XML (coverage.py's `coverage xml`, and other producers) -> Coverage. Pure.

Totals come from the root's lines-/branches- attributes when present (what coverage.py's own
report prints); per-file figures are counted from the <line> elements of each <class>.

Numbers are read as plain ASCII digits of bounded length: "²" is a digit to str.isdigit() and
int() of 5,000 digits raises, so neither may reach int(). A line is covered only when its hits
are a positive whole number ("-1" and "NaN" are not). The number of files kept while reading is
bounded, so a file of millions of <class> elements cannot exhaust memory.
"""

from __future__ import annotations

import re
from pathlib import Path

from scripts.errors import InputError
from scripts.model import (
    MAX_COUNT,
    MAX_FILES_KEPT,
    MAX_LINE_FILES,
    MAX_RANGES,
    Coverage,
    FileCoverage,
    FileLines,
    to_ranges,
)
from scripts.parse import safexml

_CONDITION = re.compile(r"\(([0-9]{1,9})/([0-9]{1,9})\)")
_NUMBER = re.compile(r"[0-9]{1,15}\Z")
MAX_FILES = 200_000
MAX_LINES_TRACKED = 2_000_000  # line numbers held while reading, over all files


def _int(attrs: dict[str, str], key: str) -> int | None:
    value = attrs.get(key)
    if value is None or not _NUMBER.match(value):
        return None
    return int(value)


def _hit(value: str | None) -> bool:
    """Covered: hits is a whole number above zero in ASCII digits ("²" is a digit to isdigit()).
    Producers write "0" for a missed line, never "-1" or "NaN". String methods only: this runs
    once per line of a 5,000-file report."""
    return bool(value) and value != "0" and value.isdigit() and value.isascii() and value.strip("0") != ""


def parse_cobertura(path: Path, python: str, *, keep: int = MAX_FILES_KEPT) -> Coverage:
    """Read one Cobertura file. InputError for anything that is not a coverage report."""
    depth = 0
    root_attrs: dict[str, str] = {}
    # filename -> [lines_valid, lines_covered, branches_valid, branches_covered]
    files: dict[str, list[int]] = {}
    current: list[int] | None = None
    in_method = 0
    # filename -> (covered line numbers, missed line numbers), while MAX_LINES_TRACKED allows
    numbers: dict[str, tuple[list[int], list[int]]] = {}
    current_numbers: tuple[list[int], list[int]] | None = None
    tracked = 0
    complete = True

    def start(name: str, attrs: dict[str, str]) -> None:
        nonlocal depth, current, in_method, current_numbers, tracked, complete
        depth += 1
        if depth == 1:
            if name != "coverage":
                raise InputError(f"{path}: root element <{name[:40]}> is not <coverage>")
            root_attrs.update(attrs)
        elif name == "line":
            # <method> elements repeat their class's lines in some producers; count each once.
            if current is None or in_method:
                return
            current[0] += 1
            hit = _hit(attrs.get("hits"))
            if hit:
                current[1] += 1
            if current_numbers is not None:
                number = attrs.get("number", "")
                # str methods, not the regex: this runs once per line of every file
                value = int(number) if number.isascii() and number.isdigit() and len(number) <= 9 else 0
                if tracked < MAX_LINES_TRACKED and 0 < value <= MAX_COUNT:
                    (current_numbers[0] if hit else current_numbers[1]).append(value)
                    tracked += 1
                else:
                    complete = False
            branch = attrs.get("branch")
            if branch is not None and branch.lower() == "true":
                match = _CONDITION.search(attrs.get("condition-coverage", ""))
                if match:
                    valid = int(match.group(2))
                    current[2] += valid
                    current[3] += min(int(match.group(1)), valid)
        elif name == "class":
            filename = (attrs.get("filename") or attrs.get("name") or "?")[:500]
            if filename not in files and len(files) >= MAX_FILES:
                raise InputError(f"{path}: more than {MAX_FILES:,} files")
            current = files.setdefault(filename, [0, 0, 0, 0])
            current_numbers = numbers.setdefault(filename, ([], []))
        elif name == "method":
            in_method += 1

    def end(name: str) -> None:
        nonlocal depth, current, in_method, current_numbers
        depth -= 1
        if name == "class":
            current = None
            current_numbers = None
        elif name == "method":
            in_method -= 1

    safexml.parse(path, start, end)
    if not root_attrs and not files:
        raise InputError(f"{path}: no <coverage> element found")
    per_file = [FileCoverage(p, *counts) for p, counts in files.items()]
    lines_valid = _int(root_attrs, "lines-valid")
    lines_covered = _int(root_attrs, "lines-covered")
    if lines_valid is None or lines_covered is None:
        lines_valid = sum(f.lines_valid for f in per_file)
        lines_covered = sum(f.lines_covered for f in per_file)
    branches_valid = _int(root_attrs, "branches-valid")
    branches_covered = _int(root_attrs, "branches-covered")
    if branches_valid is None or branches_covered is None:
        branches_valid = sum(f.branches_valid for f in per_file)
        branches_covered = sum(f.branches_covered for f in per_file)
    if lines_covered > lines_valid or branches_covered > branches_valid:
        raise InputError(f"{path}: covered counts exceed valid counts")
    lowest = sorted((f for f in per_file if f.percent < 100.0), key=lambda f: (f.percent, -f.missed, f.path))
    lines: list[FileLines] = []
    ranges = 0
    for filename, (hit_lines, missed_lines) in numbers.items():
        missed_set = set(missed_lines) - set(hit_lines)  # a line listed twice counts as run if once run
        entry = FileLines(filename, to_ranges(hit_lines), to_ranges(missed_set))
        ranges += len(entry.covered) + len(entry.missed)
        if len(lines) >= MAX_LINE_FILES or ranges > MAX_RANGES:
            complete = False
            break
        lines.append(entry)
    return Coverage(
        python=python,
        lines_valid=lines_valid,
        lines_covered=lines_covered,
        branches_valid=branches_valid,
        branches_covered=branches_covered,
        files_total=len(per_file),
        lowest=tuple(lowest[:keep]),
        lines=tuple(lines),
        lines_complete=complete,
    )
