"""Streaming XML for untrusted reports: bounded size, no internal DTD, no entities, no external anything.

Reports from a pull request are attacker-controlled. expat is driven directly (it is what
ElementTree uses underneath) so that an internal DTD subset is refused the moment it starts: an
entity bomb never gets to expand, and no entity can pull in a file or a URL. The callbacks are
plain functions, which keeps a 100,000-case JUnit file to a fraction of a second and a few MiB.

gcovr, simplecov and istanbul write `<!DOCTYPE coverage SYSTEM '...coverage-04.dtd'>`. Such a
declaration, with no internal subset, is blanked out of the prolog before expat sees it: nothing
is ever fetched, and the document is parsed as if it had none. Handing it to expat instead would
make an undefined `&name;` in an attribute silently empty (the XML rule for documents with an
external subset) rather than an error. Any other DOCTYPE reaches expat and is refused.

Memory is bounded by what the file may make expat hold, not only by its size: nesting deeper
than MAX_DEPTH is refused (64 MB of unclosed tags would cost gigabytes), and so is any one token
(a start tag, a comment) still incomplete after MAX_TOKEN bytes, since expat builds a start tag's
whole attribute dictionary before anyone can look at it (one tag with millions of attributes).
An encoding declaration that Python cannot decode (UTF-7, UTF-32, rot13, zlib, ...) is one
InputError like any other malformed input.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path
from xml.parsers import expat

from scripts.errors import InputError
from scripts.untrusted import check_size

MAX_XML_BYTES = 64 * 1024 * 1024
MAX_DEPTH = 256
MAX_TOKEN = 4 * 1024 * 1024
_CHUNK = 256 * 1024

StartHandler = Callable[[str, dict[str, str]], None]
EndHandler = Callable[[str], None]


class _Refused(Exception):
    pass


_QUOTED = rb"""(?:"[^"]*"|'[^']*')"""
# The prolog up to a DOCTYPE without an internal subset, in an ASCII-compatible encoding. Each
# repeated part matches one character or one whole comment/PI, so matching stays linear.
_BARE_DOCTYPE = re.compile(
    rb"\A(?:\xef\xbb\xbf)?(?:<\?xml[^>]{0,200}\?>)?(?:\s|<!--(?:(?!-->).)*-->|<\?(?:(?!\?>).)*\?>)*"
    rb"(<!DOCTYPE\s+[A-Za-z_:][-\w.:]{0,200}"
    rb"(?:\s+SYSTEM\s+" + _QUOTED + rb"|\s+PUBLIC\s+" + _QUOTED + rb"\s+" + _QUOTED + rb")?\s*>)",
    re.S,
)


def blank_bare_doctype(head: bytes) -> bytes:
    """head with a leading DOCTYPE that has no internal subset replaced by spaces (newlines kept,
    so that line numbers in errors stay true); any other head unchanged."""
    match = _BARE_DOCTYPE.match(head)
    if match is None:
        return head
    begin, end = match.span(1)
    return head[:begin] + re.sub(rb"[^\n]", b" ", head[begin:end]) + head[end:]


def _refuse_dtd(_name: str, _system_id: str | None, _public_id: str | None, has_internal_subset: int) -> None:
    if has_internal_subset:
        raise _Refused("a DOCTYPE with an internal subset is not accepted (entity declarations are refused)")
    raise _Refused("a DOCTYPE is accepted only at the start of a UTF-8 or ASCII file")


def _refuse_entity(*_args: object) -> None:
    raise _Refused("entity declarations are not accepted")


def _check_pending(parser: expat.XMLParserType, read: int) -> None:
    """CurrentByteIndex stays at the start of a token that expat is still buffering."""
    if read - max(parser.CurrentByteIndex, 0) > MAX_TOKEN:
        raise _Refused(f"one tag or comment is over {MAX_TOKEN:,} bytes long")


def parse(
    path: Path,
    start: StartHandler,
    end: EndHandler,
    *,
    max_bytes: int = MAX_XML_BYTES,
    bind: Callable[[expat.XMLParserType], None] | None = None,
) -> None:
    """Feed the file to the handlers, or raise InputError naming the file, line and problem.

    bind receives the parser before parsing starts, so that a caller can switch the character
    data handler on only while it wants text (expat otherwise calls it for every newline)."""
    check_size(path, max_bytes)
    parser = expat.ParserCreate()
    parser.buffer_text = True
    parser.ordered_attributes = False
    parser.StartDoctypeDeclHandler = _refuse_dtd
    parser.EntityDeclHandler = _refuse_entity
    # An external entity reference without a DTD still reaches this handler; refuse it too.
    parser.ExternalEntityRefHandler = _refuse_entity
    parser.SkippedEntityHandler = _refuse_entity
    parser.SetParamEntityParsing(expat.XML_PARAM_ENTITY_PARSING_NEVER)
    depth = 0

    def guarded_start(name: str, attrs: dict[str, str]) -> None:
        nonlocal depth
        depth += 1
        if depth > MAX_DEPTH:
            raise _Refused(f"elements nested deeper than {MAX_DEPTH} levels")
        try:
            start(name, attrs)
        except (LookupError, ValueError) as exc:  # a handler's bug must not read as an encoding error
            raise _Refused(f"<{name[:40]}>: {str(exc)[:100]}") from None

    def guarded_end(name: str) -> None:
        nonlocal depth
        depth -= 1
        end(name)

    parser.StartElementHandler = guarded_start
    parser.EndElementHandler = guarded_end
    if bind is not None:
        bind(parser)
    read = 0
    try:
        with path.open("rb") as stream:
            while chunk := stream.read(_CHUNK):
                if not read:
                    chunk = blank_bare_doctype(chunk)
                read += len(chunk)
                if read > max_bytes:  # the file grew after the size check
                    raise InputError(f"{path}: over the {max_bytes:,}-byte limit")
                parser.Parse(chunk, False)
                _check_pending(parser, read)
            parser.Parse(b"", True)
    except _Refused as exc:
        raise InputError(f"{path}: line {parser.CurrentLineNumber}: {exc}") from None
    except expat.ExpatError as exc:
        raise InputError(f"{path}: not well-formed XML ({expat.ErrorString(exc.code)} at line {exc.lineno})") from None
    except (LookupError, ValueError) as exc:  # UnicodeError is a ValueError
        raise InputError(f"{path}: unsupported XML encoding ({str(exc)[:100]})") from None
