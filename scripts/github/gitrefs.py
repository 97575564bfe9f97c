"""Names that git and GitHub accept, checked without either: branch names. Standard library only,
so that steps running on the runner's bare python3 can use it."""

from __future__ import annotations

import re

# git check-ref-format's rules for a branch: no controls, space, ~ ^ : ? * [ \, no "..", "@{" or
# "//", no component that starts with "." or ends with ".lock", not "@", not starting with "-".
# Everything else is allowed (fix#12, ü-umlaut, a@b).
_BRANCH_FORBIDDEN = re.compile(r"[\x00-\x20\x7f~^:?*\[\\]|\.\.|@\{|//")
MAX_REF_BYTES = 255


def valid_branch(name: str) -> bool:
    """True for every branch name that git and GitHub accept (255 bytes at most)."""
    if not name or name == "@" or len(name.encode("utf-8", "surrogatepass")) > MAX_REF_BYTES:
        return False
    if _BRANCH_FORBIDDEN.search(name) or name.startswith(("-", "/")) or name.endswith(("/", ".")):
        return False
    return not any(part.startswith(".") or part.endswith(".lock") for part in name.split("/"))
