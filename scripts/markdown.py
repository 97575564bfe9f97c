"""Escaping for GitHub-flavoured markdown. Every string from a report goes through here.

Threats handled: HTML injection, markdown structure (tables, links, emphasis), @mentions that would
page people, a fake copy of our hidden marker, and breaking out of a code block.
"""

from __future__ import annotations

import re

ZWSP = "\u200b"
# Inline text never starts a line (every line we write starts with our own prefix), so only the
# characters that act mid-line are escaped; "<", ">", "&" and quotes become HTML entities.
_MD_SPECIAL = re.compile(r"([\\`*_{}\[\]|~])")
_AUTOLINK = re.compile(r"(?i)(https?|ftp)://|www\.")
_MENTION = re.compile(r"@(?=[A-Za-z0-9_-])")
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f]")
_ANSI = re.compile(r"\x1b\[[0-9;?]*[A-Za-z]")
_BACKTICKS = re.compile(r"`+")
_SAFE_URL = re.compile(r"https?://[A-Za-z0-9._~:/?#=&%+@!$,;*-]+\Z")


def shorten(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: max(limit - 1, 0)] + "…"


def inline(text: str, limit: int = 200) -> str:
    """One line of plain text, safe anywhere in markdown, a table cell included."""
    text = shorten(" ".join(_CONTROL.sub(" ", _ANSI.sub("", text)).split()), limit)
    text = text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace('"', "&quot;")
    text = _MD_SPECIAL.sub(r"\\\1", text)
    # No clickable links from report text: a test name is not allowed to point reviewers anywhere.
    text = _AUTOLINK.sub(lambda m: m.group(0)[:-1] + ZWSP + m.group(0)[-1], text)
    return _MENTION.sub("@" + ZWSP, text)


def code(text: str, limit: int = 200, *, in_table: bool = False) -> str:
    """Inline code; the fence is longer than any run of backticks inside. In a table cell a pipe
    would end the cell even inside code, so it is escaped there (GitHub shows it as |)."""
    text = shorten(" ".join(_CONTROL.sub(" ", _ANSI.sub("", text)).split()), limit)
    text = text.replace("<!--", "<" + ZWSP + "!--")
    if in_table:
        text = text.replace("|", "\\|")
    longest = max((len(m) for m in _BACKTICKS.findall(text)), default=0)
    fence = "`" * (longest + 1)
    pad = " " if text.startswith("`") or text.endswith("`") or not text else ""
    return f"{fence}{pad}{text}{pad}{fence}"


def code_block(text: str, max_chars: int = 2000, max_lines: int = 40) -> str:
    """A fenced block that the content cannot close, with the tail kept when it is too long."""
    text = _CONTROL.sub("", _ANSI.sub("", text.replace("\r\n", "\n").replace("\t", "    ")))
    lines = text.splitlines()
    notes = []
    if len(lines) > max_lines:
        notes.append(f"… {len(lines) - max_lines} earlier lines cut …")
        lines = lines[-max_lines:]
    text = "\n".join(lines)
    if len(text) > max_chars:
        notes.append(f"… {len(text) - max_chars} earlier characters cut …")
        text = text[-max_chars:]
    text = "\n".join([*notes, text]) if notes else text
    # No line of the output can become one of our marker lines, even inside the block.
    text = text.replace("<!--", "<" + ZWSP + "!--")
    longest = max((len(m) for m in _BACKTICKS.findall(text)), default=0)
    fence = "`" * max(3, longest + 1)
    return f"{fence}text\n{text}\n{fence}"


def safe_url(url: str) -> str:
    """The URL if it is a plain http(s) URL with no markdown-significant characters, else ''."""
    return url if _SAFE_URL.match(url) and "](" not in url else ""


def link(text: str, url: str, limit: int = 200) -> str:
    """[text](url) when the URL is safe, plain escaped text otherwise."""
    shown = inline(text, limit)
    url = safe_url(url)
    return f"[{shown}]({url})" if url else shown


def table(header: list[str], rows: list[list[str]]) -> str:
    """Cells must already be escaped (inline/code/link)."""
    lines = ["| " + " | ".join(header) + " |", "|" + "|".join("---" for _ in header) + "|"]
    lines += ["| " + " | ".join(row) + " |" for row in rows]
    return "\n".join(lines)
