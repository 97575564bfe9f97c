"""ruff's `check --output-format json` -> Lint. Pure."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

from scripts.errors import InputError
from scripts.model import MAX_RULES_KEPT, Lint, RuleCount
from scripts.untrusted import load_json


def parse_ruff(path: Path) -> Lint:
    """Findings counted by rule, most frequent first, each with one example message."""
    data = load_json(path)
    if not isinstance(data, list):
        raise InputError(f"{path}: expected a JSON list of ruff findings")
    counts: Counter[str] = Counter()
    examples: dict[str, str] = {}
    fixable = 0
    for item in data:
        if not isinstance(item, dict):
            raise InputError(f"{path}: a finding is not a JSON object")
        # Syntax errors come with "code": null.
        rule = item.get("code") if isinstance(item.get("code"), str) else "syntax-error"
        rule = rule[:100]
        counts[rule] += 1
        if rule not in examples:
            message = item.get("message") if isinstance(item.get("message"), str) else ""
            where = item.get("filename") if isinstance(item.get("filename"), str) else ""
            row = (item.get("location") or {}).get("row") if isinstance(item.get("location"), dict) else None
            examples[rule] = f"{Path(where).name}:{row}: {message}" if where else message
        if isinstance(item.get("fix"), dict):
            fixable += 1
    rules = tuple(RuleCount(rule, n, examples[rule][:300]) for rule, n in counts.most_common(MAX_RULES_KEPT))
    return Lint(total=sum(counts.values()), fixable=fixable, rules=rules)
