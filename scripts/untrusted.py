"""Reading files that a pull request may have written: bounded in size, one clear error each.

Threats handled for JSON: a file over its byte cap; more containers or items than any real report
holds (64 MB of `[{},{},…]` would otherwise cost 1.7 GB once decoded); integers too long to
convert (Python refuses past 4,300 digits, with a ValueError); NaN and Infinity, which are not
JSON; lone UTF-16 surrogates (`"\\ud800"`), which decode but crash whatever encodes them later.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

from scripts.errors import InputError

MAX_JSON_BYTES = 64 * 1024 * 1024
# Upper bounds counted on the raw bytes before decoding (brackets and commas inside strings count
# too, so they overestimate): far above any real Trivy, SARIF or ruff output, and low enough that
# what json.loads builds stays within a few hundred MB.
MAX_JSON_CONTAINERS = 1_000_000
MAX_JSON_ITEMS = 4_000_000
_SURROGATE_ESCAPE = re.compile(rb"\\u[dD][89a-fA-F][0-9a-fA-F]{2}")


def check_size(path: Path, limit: int) -> int:
    """The file's size, or InputError when it is missing, not a file, empty or over the limit."""
    try:
        size = path.stat().st_size
    except FileNotFoundError:
        raise InputError(f"{path}: file not found") from None
    except OSError as exc:
        raise InputError(f"{path}: cannot read ({exc.strerror})") from None
    if not path.is_file():
        raise InputError(f"{path}: not a regular file")
    if size == 0:
        raise InputError(f"{path}: file is empty")
    if size > limit:
        raise InputError(f"{path}: {size:,} bytes is over the {limit:,}-byte limit")
    return size


def _no_constants(name: str) -> None:
    raise ValueError(f"{name} is not a JSON number")


def has_surrogate(value: object) -> bool:
    """True when a lone surrogate sits in any string (key or value) of decoded JSON."""
    stack = [value]
    while stack:
        item = stack.pop()
        if isinstance(item, str):
            if any("\ud800" <= ch <= "\udfff" for ch in item):
                return True
        elif isinstance(item, dict):
            stack.extend(item.keys())
            stack.extend(item.values())
        elif isinstance(item, list):
            stack.extend(item)
    return False


def loads(raw: bytes, where: str) -> Any:
    """Bounded, strict JSON from bytes; InputError naming `where` and what is wrong."""
    containers = raw.count(b"[") + raw.count(b"{")
    if containers > MAX_JSON_CONTAINERS:
        raise InputError(f"{where}: more than {MAX_JSON_CONTAINERS:,} JSON objects and arrays")
    if raw.count(b",") > MAX_JSON_ITEMS:
        raise InputError(f"{where}: more than {MAX_JSON_ITEMS:,} JSON items")
    try:
        data = json.loads(raw, parse_constant=_no_constants)
    except UnicodeDecodeError:
        raise InputError(f"{where}: not UTF-8 text") from None
    except json.JSONDecodeError as exc:
        raise InputError(f"{where}: not valid JSON ({exc.msg} at line {exc.lineno}, column {exc.colno})") from None
    except RecursionError:
        raise InputError(f"{where}: JSON nested too deeply") from None
    except ValueError as exc:  # an integer of more than 4,300 digits, NaN, Infinity
        # Python words the digit limit differently from one version to the next: say it once.
        reason = "an integer of more than 4,300 digits" if "integer string conversion" in str(exc) else str(exc)
        raise InputError(f"{where}: not valid JSON ({reason[:120]})") from None
    # Paired surrogate escapes decode to one character; only lone ones survive, and only escapes
    # can make them (raw surrogate bytes are not UTF-8), so most files skip the walk.
    if _SURROGATE_ESCAPE.search(raw) and has_surrogate(data):
        raise InputError(f"{where}: a string holds a lone UTF-16 surrogate (not text)")
    return data


def load_json(path: Path, max_bytes: int = MAX_JSON_BYTES) -> Any:
    """Parsed JSON, or InputError naming the file and what is wrong with it."""
    check_size(path, max_bytes)
    with path.open("rb") as stream:
        raw = stream.read(max_bytes + 1)
    if len(raw) > max_bytes:  # the file grew after the size check
        raise InputError(f"{path}: over the {max_bytes:,}-byte limit")
    return loads(raw, str(path))
