"""A pull request's changed lines, from the unified-diff hunks GitHub's API gives per file. Pure.

GitHub's "List pull request files" answers each file with its `patch` (the hunks), except for
binary files and files whose diff is too large: those have no patch, and their changed lines are
unknown (scripts.report.compare says so rather than guessing).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from scripts.model import REL_PATH_RE

_HUNK = re.compile(r"@@ -[0-9]{1,9}(?:,[0-9]{1,9})? \+([0-9]{1,9})(?:,[0-9]{1,9})? @@")
MAX_PATCH_CHARS = 4 * 1024 * 1024


@dataclass(frozen=True)
class PrFile:
    path: str  # repository-relative, as the API names it (the new name of a renamed file)
    added: tuple[int, ...] = ()  # lines added or changed, numbered in the new file
    has_patch: bool = True  # False: binary or too large, its changed lines are unknown


def added_lines(patch: str) -> tuple[int, ...]:
    """The new file's numbers of the lines a patch adds ("+"), hunk by hunk."""
    added: list[int] = []
    line = 0
    for text in patch[:MAX_PATCH_CHARS].splitlines():
        hunk = _HUNK.match(text)
        if hunk:
            line = int(hunk[1])
        elif not line or text.startswith(("-", "\\")):
            continue  # before the first hunk, a removed line, or "\ No newline at end of file"
        elif text.startswith("+"):
            added.append(line)
            line += 1
        else:
            line += 1  # context
    return tuple(added)


def pr_file(path: str, status: str, patch: str | None) -> PrFile | None:
    """One entry of the API's file list; None for a removed file or a path we would not link."""
    if status == "removed" or not REL_PATH_RE.match(path):
        return None
    if patch is None:
        return PrFile(path, (), has_patch=False)
    return PrFile(path, added_lines(patch))
