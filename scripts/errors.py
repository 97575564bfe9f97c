"""Errors a user can act on. Each kind has its own exit code; main() prints one line, no traceback."""

from __future__ import annotations

import sys
from collections.abc import Callable

from scripts.workflow_commands import command


class ScriptError(Exception):
    """Base: a message fit to print on one line, and the exit code for it."""

    exit_code = 1


class InputError(ScriptError):
    """A file we were given is missing, too big, or not what it claims to be."""

    exit_code = 3


class ApiError(ScriptError):
    """The GitHub or registry API refused, failed or answered something we cannot use."""

    exit_code = 4


class VerificationError(ScriptError):
    """What we were about to trust does not match what the trusted source says."""

    exit_code = 5


class DeployError(ScriptError):
    """The smoke deploy could not run, or ran and failed."""

    exit_code = 6


class Notice(ScriptError):
    """Nothing to do, and that is the right outcome (the PR moved on, the run was superseded)."""

    exit_code = 0


def one_line(prog: str, action: Callable[[], int]) -> int:
    """Run a CLI's work; each error is one line naming the program, and its exit code. A Notice
    is a ::notice:: (exit 0): the runner shows it without failing the step."""
    try:
        return action()
    except Notice as exc:
        print(command("notice", f"{prog}: {exc}"))
        return exc.exit_code
    except VerificationError as exc:
        print(f"{prog}: refused: {exc}", file=sys.stderr)
        return exc.exit_code
    except ScriptError as exc:
        print(f"{prog}: error: {exc}", file=sys.stderr)
        return exc.exit_code
