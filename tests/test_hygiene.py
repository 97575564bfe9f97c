"""Habits of this suite that a reviewer would otherwise have to catch by eye."""

from __future__ import annotations

import ast
from pathlib import Path

TESTS = Path(__file__).resolve().parent


def test_pytest_raises__always_says_which_error_it_expects():
    """A bare pytest.raises(InputError) passes on any InputError, the wrong one included."""
    bare = []
    for path in sorted(TESTS.rglob("test_*.py")):
        for node in ast.walk(ast.parse(path.read_text(), str(path))):
            if (
                isinstance(node, ast.Call)
                and isinstance(node.func, ast.Attribute)
                and node.func.attr == "raises"
                and isinstance(node.func.value, ast.Name)
                and node.func.value.id == "pytest"
                and not any(keyword.arg == "match" for keyword in node.keywords)
            ):
                bare.append(f"{path.relative_to(TESTS)}:{node.lineno}")
    assert bare == []
