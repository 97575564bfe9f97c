"""Command line: ``python -m sample_app 2 3`` prints ``5``."""

from __future__ import annotations

import argparse
import re
import sys
from collections.abc import Sequence
from decimal import Context, Decimal
from typing import NoReturn, TextIO

from sample_app import __version__

# Plain decimal notation only: exponents would let "1e999999999" ask for a billion-digit answer,
# and Decimal's own parser would also accept "nan", "inf" and "1_000".
_NUMBER = re.compile(r"[+-]?(?:\d+(?:\.\d*)?|\.\d+)\Z")
_MAX_LEN = 1000

EXIT_USAGE = 2


class UsageError(Exception):
    """A bad command line; the message names the offending argument."""


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> NoReturn:
        # argparse prints the whole usage block first; the user asked for one line.
        raise UsageError(message)


def parse_number(text: str) -> Decimal:
    """Turn one argument into an exact Decimal, or raise UsageError naming it."""
    if len(text) > _MAX_LEN or not _NUMBER.match(text):
        shown = text if len(text) <= 40 else text[:40] + "…"
        raise UsageError(f"not a number: {shown!r}")
    return Decimal(text)


def add(numbers: Sequence[Decimal]) -> Decimal:
    """Exact sum: the context is wide enough that no digit is ever rounded away."""
    digits = max(len(n.as_tuple().digits) - n.as_tuple().exponent for n in numbers)
    context = Context(prec=digits + _MAX_LEN + len(numbers))
    total = Decimal(0)
    for number in numbers:
        total = context.add(total, number)
    return context.normalize(total) if total else Decimal(0)


def format_number(value: Decimal) -> str:
    """Fixed notation, never scientific: ``3.75``, ``5``, ``-1``."""
    return format(value, "f")


def parse_args(argv: Sequence[str] | None) -> list[Decimal]:
    """The numbers on the command line, or UsageError naming the first bad argument."""
    args, extra = build_parser().parse_known_args(argv)
    # argparse only takes "-1" and "-1.5" as numbers; "-inf" or "-1e3" would come back as unknown
    # options, so anything that is not a long option is judged as a number, and named if it is not.
    options = [text for text in extra if text.startswith("--")]
    if options:
        raise UsageError(f"unknown option: {options[0]!r}")
    texts = [*args.numbers, *extra]
    if not texts:
        raise UsageError("expected at least one NUMBER (try --help)")
    return [parse_number(text) for text in texts]


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(
        prog="sample_app",
        description="Add the numbers given and print the sum (integers and decimals, negative too).",
        epilog="Example: python -m sample_app 1.5 2.25   ->   3.75",
    )
    parser.add_argument("numbers", nargs="*", metavar="NUMBER", help="a number such as 2, -1 or 1.5")
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    return parser


def main(argv: Sequence[str] | None = None, stdout: TextIO | None = None, stderr: TextIO | None = None) -> int:
    """Run the CLI and return the exit status (0, or 2 for bad input)."""
    stdout = stdout or sys.stdout
    stderr = stderr or sys.stderr
    try:
        total = add(parse_args(argv))
    except UsageError as exc:
        print(f"sample_app: error: {exc}", file=stderr)
        return EXIT_USAGE
    print(format_number(total), file=stdout)
    return 0
