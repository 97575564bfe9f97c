"""GitHub Actions workflow commands (`::error …::`, `::notice::`, `::stop-commands::`), written safely.

The runner reads any stdout line that starts with `::` as a command. Text we did not write (a
package name, a branch name, a container's output) must never become one: data is
percent-encoded as the runner decodes it, and output we only relay is fenced off with
`::stop-commands::<random token>`, which the runner honours until it sees `::<token>::`.
"""

from __future__ import annotations

import secrets
from collections.abc import Iterator
from contextlib import contextmanager
from typing import TextIO


def escape(text: str, *, prop: bool = False) -> str:
    """GitHub's workflow-command escaping: the text cannot end the command or start another."""
    text = text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")
    return text.replace(":", "%3A").replace(",", "%2C") if prop else text


def command(name: str, message: str, **properties: str) -> str:
    """One command line, e.g. command("error", "x", title="CVE-1") -> '::error title=CVE-1::x'."""
    props = ",".join(f"{key}={escape(value, prop=True)}" for key, value in properties.items())
    return f"::{name}{' ' + props if props else ''}::{escape(message)}"


@contextmanager
def commands_stopped(out: TextIO) -> Iterator[None]:
    """Everything written to out inside the block is plain text to the runner, whatever it says.
    The token is random per use, so the relayed text cannot guess it and switch commands back on."""
    token = secrets.token_hex(16)
    out.write(f"::stop-commands::{token}\n")
    try:
        yield
    finally:
        out.write(f"\n::{token}::\n")
        out.flush()
