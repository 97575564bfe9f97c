"""sample_app, in-process and as a user runs it (a subprocess of ``python -m sample_app``)."""

from __future__ import annotations

import io
import runpy
import subprocess
import sys
from decimal import Decimal
from pathlib import Path

import pytest

import sample_app
from sample_app import cli

ROOT = Path(__file__).resolve().parent.parent


def run_inproc(*argv: str) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    status = cli.main(list(argv), stdout=out, stderr=err)
    return status, out.getvalue(), err.getvalue()


def run_cli(*argv: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "sample_app", *argv],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


class TestSums:
    @pytest.mark.parametrize(
        ("argv", "expected"),
        [
            (["2", "3"], "5"),
            (["1.5", "2.25"], "3.75"),
            (["0.1", "0.2"], "0.3"),
            (["-1", "1"], "0"),
            (["-0"], "0"),
            (["-1.5", "-2"], "-3.5"),
            (["1.50", "1"], "2.5"),
            (["100", "0"], "100"),
            (["-.5", "2."], "1.5"),
            (["+7"], "7"),
            (["99999999999999999999999999999999", "1"], "100000000000000000000000000000000"),
            (["0.000000000000000000000000000001", "1"], "1.000000000000000000000000000001"),
        ],
    )
    def test_main__adds_exactly(self, argv, expected):
        """The sum is exact decimal arithmetic, printed in fixed notation with no float noise."""
        status, out, err = run_inproc(*argv)
        assert (status, out, err) == (0, expected + "\n", "")

    def test_add__keeps_every_digit_of_long_operands(self):
        """No rounding even when operands are far longer than Decimal's default precision."""
        big = Decimal("1" * 500)
        assert cli.add([big, Decimal("0." + "1" * 400)]) == Decimal("1" * 500 + "." + "1" * 400)


class TestBadInput:
    @pytest.mark.parametrize("bad", ["abc", "nan", "inf", "-inf", "1e3", "1_000", "0x10", " 1", "", "1.2.3"])
    def test_main__rejects_non_numbers_naming_them(self, bad):
        """One line on stderr that names the argument, exit 2, nothing on stdout."""
        status, out, err = run_inproc("1", bad)
        assert status == 2
        assert out == ""
        assert err.count("\n") == 1
        assert repr(bad) in err

    def test_main__no_arguments_is_a_usage_error(self):
        """No numbers at all: one line naming what is missing, exit 2."""
        status, out, err = run_inproc()
        assert (status, out) == (2, "")
        assert err == "sample_app: error: expected at least one NUMBER (try --help)\n"

    def test_main__unknown_option_is_one_line(self):
        """argparse's usage block is not printed; one line only."""
        status, _, err = run_inproc("--frobnicate")
        assert status == 2
        assert err == "sample_app: error: unknown option: '--frobnicate'\n"

    @pytest.mark.parametrize(
        ("argv", "named"), [(["1", "-x", "2"], "-x"), (["-1e3"], "-1e3"), (["1", "2", "-inf"], "-inf")]
    )
    def test_main__dash_arguments_are_judged_as_numbers(self, argv, named):
        """Arguments that argparse would take for short options are named as bad numbers."""
        status, _, err = run_inproc(*argv)
        assert status == 2
        assert err == f"sample_app: error: not a number: {named!r}\n"

    def test_main__argparse_errors_are_one_line(self):
        """Errors that argparse itself raises also come out as one line and exit 2."""
        status, out, err = run_inproc("--version=3")
        assert (status, out) == (2, "")
        assert err == "sample_app: error: argument --version: ignored explicit argument '3'\n"

    def test_parse_number__shortens_a_huge_argument_in_the_message(self):
        """A megabyte of junk is named by its start, not echoed whole."""
        with pytest.raises(cli.UsageError, match=r"^not a number: 'x{40}…'$"):
            cli.parse_number("x" * 1_000_000)

    def test_parse_number__refuses_overlong_digit_strings(self):
        """Length is bounded, so a hostile argument cannot make the sum slow."""
        with pytest.raises(cli.UsageError, match=r"^not a number: '1{40}…'$"):
            cli.parse_number("1" * 1001)


class TestAsAUserRunsIt:
    def test_cli__two_plus_three(self):
        """The smoke command that CD runs in the container."""
        result = run_cli("2", "3")
        assert (result.returncode, result.stdout, result.stderr) == (0, "5\n", "")

    def test_cli__bad_argument_exits_2_without_traceback(self):
        result = run_cli("abc")
        assert result.returncode == 2
        assert result.stdout == ""
        assert result.stderr == "sample_app: error: not a number: 'abc'\n"

    def test_cli__negative_numbers_are_not_options(self):
        result = run_cli("-1.5", "-2")
        assert (result.returncode, result.stdout) == (0, "-3.5\n")

    def test_cli__help_and_version(self):
        help_ = run_cli("--help")
        assert help_.returncode == 0
        assert "Add the numbers given" in help_.stdout
        version = run_cli("--version")
        assert (version.returncode, version.stdout) == (0, f"sample_app {sample_app.__version__}\n")


def test_dunder_main__exits_with_mains_status(monkeypatch, capsys):
    """``python -m sample_app`` passes main()'s status to the interpreter."""
    monkeypatch.setattr(sys, "argv", ["sample_app", "2", "3"])
    with pytest.raises(SystemExit, match=r"^0$") as exc:
        runpy.run_module("sample_app", run_name="__main__", alter_sys=True)
    assert exc.value.code == 0
    assert capsys.readouterr().out == "5\n"
