"""Streaming XML for untrusted reports: bounded size, no DTD, no entities, no external anything.

Reports from a pull request are attacker-controlled. expat is driven directly (it is what
ElementTree uses underneath) so that a DOCTYPE is refused the moment it starts: an entity bomb
never gets to expand, and no entity can pull in a file or a URL. The callbacks are plain
functions, which keeps a 100,000-case JUnit file to a fraction of a second and a few MiB.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from xml.parsers import expat

from scripts.errors import InputError
from scripts.untrusted import check_size

MAX_XML_BYTES = 64 * 1024 * 1024
_CHUNK = 1 << 20

StartHandler = Callable[[str, dict[str, str]], None]
EndHandler = Callable[[str], None]


class _Refused(Exception):
    pass


def _refuse_dtd(*_args: object) -> None:
    raise _Refused("DOCTYPE declarations are not accepted (entity expansion is refused)")


def _refuse_entity(*_args: object) -> None:
    raise _Refused("entity declarations are not accepted")


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
    parser.SetParamEntityParsing(expat.XML_PARAM_ENTITY_PARSING_NEVER)
    parser.StartElementHandler = start
    parser.EndElementHandler = end
    if bind is not None:
        bind(parser)
    read = 0
    try:
        with path.open("rb") as stream:
            while chunk := stream.read(_CHUNK):
                read += len(chunk)
                if read > max_bytes:  # the file grew after the size check
                    raise InputError(f"{path}: over the {max_bytes:,}-byte limit")
                parser.Parse(chunk, False)
            parser.Parse(b"", True)
    except _Refused as exc:
        raise InputError(f"{path}: line {parser.CurrentLineNumber}: {exc}") from None
    except expat.ExpatError as exc:
        raise InputError(f"{path}: not well-formed XML ({expat.ErrorString(exc.code)} at line {exc.lineno})") from None
