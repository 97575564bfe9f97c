"""Reading files that a pull request may have written: bounded in size, one clear error each."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from scripts.errors import InputError

MAX_JSON_BYTES = 64 * 1024 * 1024


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


def load_json(path: Path, max_bytes: int = MAX_JSON_BYTES) -> Any:
    """Parsed JSON, or InputError naming the file and what is wrong with it."""
    check_size(path, max_bytes)
    raw = path.read_bytes()
    if len(raw) > max_bytes:
        raise InputError(f"{path}: over the {max_bytes:,}-byte limit")
    try:
        return json.loads(raw)
    except UnicodeDecodeError:
        raise InputError(f"{path}: not UTF-8 text") from None
    except json.JSONDecodeError as exc:
        raise InputError(f"{path}: not valid JSON ({exc.msg} at line {exc.lineno}, column {exc.colno})") from None
    except RecursionError:
        raise InputError(f"{path}: JSON nested too deeply") from None
