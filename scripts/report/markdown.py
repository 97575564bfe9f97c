"""Escaping for GitHub-flavoured markdown. Every string from a report goes through here.

Threats handled: HTML injection, markdown structure (tables, links, emphasis), @mentions that would
page people, a fake copy of our hidden marker, breaking out of a code block, references the bot
would post into other issues and repositories (#1, owner/repo#1, GH-2, commit shas), invisible and
bidirectional controls that make a name read as something else, lone surrogates, and links to
hosts nobody vetted (a user@host URL included).
"""

from __future__ import annotations

import re
from urllib.parse import urlsplit

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
# Zero-width, bidirectional and other invisible format characters: removed from report text, so
# "evil\u202etxt.exe" cannot read as another name and "@\u200boctocat" cannot dodge our escaping.
_INVISIBLE = re.compile(
    "[\u00ad\u034f\u061c\u115f\u1160\u17b4\u17b5\u180b-\u180f\u200b-\u200f\u2028-\u202e"
    "\u2060-\u206f\u3164\ufeff\uffa0\ufff9-\ufffb\U000e0000-\U000e007f]"
)
_SURROGATE = re.compile("[\ud800-\udfff]")
# What GitHub turns into cross-references: #1 and owner/repo#1, GH-1, and commit shas.
_ISSUE_REF = re.compile(r"#(?=[0-9])")
_GH_REF = re.compile(r"(?i)\b(gh)-(?=[0-9])")
_SHA_LIKE = re.compile(r"\b[0-9a-fA-F]{7,40}\b")


def clean(text: str) -> str:
    """Report text without controls, ANSI colour, invisible characters or lone surrogates."""
    text = _SURROGATE.sub("\ufffd", _INVISIBLE.sub("", _ANSI.sub("", text)))
    return _CONTROL.sub(" ", text)


def _break_sha(match: re.Match[str]) -> str:
    """abcdef0123456 -> abcdef\u200b0123456...: no run of 7 hex digits is left to link."""
    sha = match.group(0)
    return ZWSP.join(sha[i : i + 6] for i in range(0, len(sha), 6))


def shorten(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: max(limit - 1, 0)] + "…"


def inline(text: str, limit: int = 200) -> str:
    """One line of plain text, safe anywhere in markdown, a table cell included."""
    text = shorten(" ".join(clean(text).split()), limit)
    text = text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace('"', "&quot;")
    text = _MD_SPECIAL.sub(r"\\\1", text)
    # No clickable links from report text: a test name is not allowed to point reviewers anywhere.
    text = _AUTOLINK.sub(lambda m: m.group(0)[:-1] + ZWSP + m.group(0)[-1], text)
    # No cross-references: the bot must not post a mention into someone else's issue or commit.
    text = _SHA_LIKE.sub(_break_sha, text)
    text = _GH_REF.sub(lambda m: m.group(1) + ZWSP + "-", _ISSUE_REF.sub("#" + ZWSP, text))
    return _MENTION.sub("@" + ZWSP, text)


def code(text: str, limit: int = 200, *, in_table: bool = False) -> str:
    """Inline code; the fence is longer than any run of backticks inside. In a table cell a pipe
    would end the cell even inside code, so it is escaped there (GitHub shows it as |)."""
    text = shorten(" ".join(clean(text).split()), limit)
    text = text.replace("<!--", "<" + ZWSP + "!--")
    if in_table:
        text = text.replace("|", "\\|")
    longest = max((len(m) for m in _BACKTICKS.findall(text)), default=0)
    fence = "`" * (longest + 1)
    pad = " " if text.startswith("`") or text.endswith("`") or not text else ""
    return f"{fence}{pad}{text}{pad}{fence}"


def code_block(text: str, max_chars: int = 2000, max_lines: int = 40) -> str:
    """A fenced block that the content cannot close, with the tail kept when it is too long."""
    text = text.replace("\r\n", "\n").replace("\r", "\n").replace("\t", "    ")
    text = _CONTROL.sub("", _SURROGATE.sub("\ufffd", _INVISIBLE.sub("", _ANSI.sub("", text))))
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


def safe_url(url: str, hosts: frozenset[str] | None = None) -> str:
    """The URL if it is a plain https URL (http only for loopback) with no markdown-significant
    characters and no user@ part, on one of `hosts` when given; else ''."""
    if not _SAFE_URL.match(url) or "](" in url:
        return ""
    try:
        parts = urlsplit(url)
        parts.port  # noqa: B018  (a malformed port raises here)
    except ValueError:
        return ""
    host = (parts.hostname or "").lower()
    if "@" in parts.netloc or not host:
        return ""
    if parts.scheme != "https" and host not in ("127.0.0.1", "localhost"):
        return ""
    if hosts is not None and host not in hosts:
        return ""
    return url


def link(text: str, url: str, limit: int = 200, hosts: frozenset[str] | None = None) -> str:
    """[text](url) when the URL is safe (and on `hosts`, when given), plain escaped text otherwise."""
    shown = inline(text, limit)
    url = safe_url(url, hosts)
    return f"[{shown}]({url})" if url else shown


def table(header: list[str], rows: list[list[str]]) -> str:
    """Cells must already be escaped (inline/code/link)."""
    lines = ["| " + " | ".join(header) + " |", "|" + "|".join("---" for _ in header) + "|"]
    lines += ["| " + " | ".join(row) + " |" for row in rows]
    return "\n".join(lines)
