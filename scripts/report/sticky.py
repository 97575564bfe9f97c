"""The one sticky comment: hidden markers, sections owned by CI and by CD, and the size guard.

Pure text. A comment is ours when its first line is MARKER (and, checked by the publisher, its
author is the token's own login). Each workflow rewrites only its own section and keeps the
others, so CI's rerun never wipes CD's deploy result and the reverse.
"""

from __future__ import annotations

import re
from collections.abc import Callable

MARKER = "<!-- sample-app-report -->"
SECTIONS = ("ci", "cd")
GITHUB_LIMIT = 65_536
_SECTION = re.compile(
    r"^<!-- sample-app-report:begin:(\w+) -->\n(.*?)\n<!-- sample-app-report:end:\1 -->$", re.S | re.M
)
CUT_NOTE = "\n\n_…cut here: GitHub's comment limit is 65,536 characters; the full report is in the job summary._"
_FENCE = re.compile(r"^ {0,3}(`{3,}|~{3,})")


def begin(name: str) -> str:
    return f"<!-- sample-app-report:begin:{name} -->"


def end(name: str) -> str:
    return f"<!-- sample-app-report:end:{name} -->"


def size(text: str) -> int:
    """Length as GitHub may count it: UTF-16 code units, never less than len()."""
    return len(text.encode("utf-16-le")) // 2


def is_ours(body: str | None) -> bool:
    return bool(body) and body.split("\n", 1)[0].strip() == MARKER


def sections(body: str | None) -> dict[str, str]:
    """The sections found in an existing comment body, by name. A body edited in the web UI comes
    back with CRLF line ends; read as LF, or the sections (and the other workflow's) are lost."""
    if not is_ours(body):
        return {}
    text = (body or "").replace("\r\n", "\n")
    return {m.group(1): m.group(2) for m in _SECTION.finditer(text) if m.group(1) in SECTIONS}


def open_fence(text: str) -> str:
    """The fence that a cut at the end of text would leave open ('' when none): a block opened
    with four backticks is closed only by four or more, and ~~~ only by ~~~."""
    current = ""
    for line in text.split("\n"):
        match = _FENCE.match(line)
        if not match:
            continue
        fence = match.group(1)
        if not current:
            current = fence
        elif fence[0] == current[0] and len(fence) >= len(current) and not line.strip()[len(fence) :].strip():
            current = ""
    return current


def utf8_size(text: str) -> int:
    """Length in bytes, as the step summary's 1 MiB limit counts it."""
    return len(text.encode("utf-8"))


def fit(text: str, budget: int, measure: Callable[[str], int] = size) -> str:
    """The text, cut with a note when it is over the budget (UTF-16 units unless told otherwise)."""
    if measure(text) <= budget:
        return text
    # Room for the note and for closing the longest fence the text could leave open.
    longest = max((len(m.group(1)) for m in map(_FENCE.match, text.split("\n")) if m), default=0)
    room = max(budget - measure(CUT_NOTE) - 1 - longest, 0)
    cut = text[:room]
    while measure(cut) > room:
        cut = cut[: len(cut) - max((measure(cut) - room) // 4, 1)]
    # Do not leave an unclosed code fence or a half table row behind.
    cut = cut.rsplit("\n", 1)[0] if "\n" in cut else cut
    fence = open_fence(cut)
    if fence:
        cut += "\n" + fence
    # Under a budget too small for even the note, nothing is better than too much.
    return cut + CUT_NOTE if measure(cut + CUT_NOTE) <= budget else ""


def compose(existing: str | None, name: str, content: str) -> str:
    """A full comment body: our section replaced (or added), the other sections kept, under the limit."""
    if name not in SECTIONS:
        raise ValueError(f"unknown section {name!r}")
    parts = sections(existing)
    parts[name] = content.strip("\n")

    def body() -> str:
        blocks = [f"{begin(n)}\n{parts[n]}\n{end(n)}" for n in SECTIONS if n in parts]
        return MARKER + "\n" + "\n\n".join(blocks) + "\n"

    # Over the limit: shorten the longest section first. Each workflow renders its own within its
    # budget, so that is normally the one being written; a kept one that is too long (a body from
    # an older version, or edited by hand) is cut instead of the fresh result.
    for section in sorted(parts, key=lambda n: size(parts[n]), reverse=True):
        over = size(body()) - GITHUB_LIMIT
        if over <= 0:
            break
        parts[section] = fit(parts[section], max(size(parts[section]) - over, 0))
    return body()
