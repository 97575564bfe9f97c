"""The checks upload-sarif makes on a file before sending it (../shared/stand-ins.md, section 3),
plus what GitHub enforces on receipt, for the tests and the upload-sarif stand-in:

    python tests/support/sarif_schema.py FILE CATEGORY   # one problem per line, exit 1 if any

- the SARIF 2.1.0 JSON schema (jsonschema, draft 4: the schema's own draft); as in the action, the
  uri/uri-reference formats are not checked (it only logs them);
- a `results` array in every run and a `runs` array (stricter than the schema, as the action is);
- no two runs with the same tool and automationDetails.id (one run per category);
- GitHub's limits: 20 runs per file, 25,000 results and 25,000 rules per run, 100 tool
  extensions per run, 1,000 locations per result, 20 tags per rule, 10 MB gzipped.
"""

from __future__ import annotations

import functools
import gzip
import json
import sys
from pathlib import Path
from typing import Any

import jsonschema

SCHEMA_FILE = Path(__file__).resolve().parents[1] / "fixtures" / "schemas" / "sarif-schema-2.1.0.json"
MAX_RUNS = 20
MAX_RESULTS = 25_000
MAX_RULES = 25_000
MAX_GZIPPED = 10 * 1000 * 1000
MAX_EXTENSIONS = 100  # tool extensions per run
MAX_LOCATIONS = 1_000  # locations per result
MAX_TAGS = 20  # tags per rule


def _unique_items(validator: Any, unique: bool, instance: Any, schema: Any) -> Any:
    """uniqueItems by hashing each item's canonical JSON: jsonschema compares every pair, which
    takes minutes on a run with 25,000 rules (the real action's validator does not)."""
    if unique and validator.is_type(instance, "array"):
        seen = {json.dumps(item, sort_keys=True) for item in instance}
        if len(seen) != len(instance):
            yield jsonschema.ValidationError(f"{instance!r:.200} has non-unique elements")


_Validator = jsonschema.validators.extend(jsonschema.Draft4Validator, {"uniqueItems": _unique_items})


@functools.cache
def _validator() -> Any:
    return _Validator(json.loads(SCHEMA_FILE.read_text(encoding="utf-8")))


def schema_problems(document: Any) -> list[str]:
    validator = _validator()
    return [
        f"{'/'.join(str(p) for p in error.absolute_path) or '(root)'}: {error.message}"
        for error in sorted(validator.iter_errors(document), key=lambda e: list(map(str, e.absolute_path)))
    ]


def problems(document: Any, text: str, schema: bool = True) -> list[str]:
    """Every reason the action or GitHub would refuse this file, in the action's words where it
    has them. schema=False leaves out the schema (jsonschema takes ~15 s on 25,000 results)."""
    if not isinstance(document, dict) or not isinstance(document.get("runs"), list):
        return ["Invalid SARIF. Missing 'runs' array."]
    found = [f"not valid SARIF: {p}" for p in schema_problems(document)] if schema else []
    runs = document["runs"]
    if any(not isinstance(run, dict) or not isinstance(run.get("results"), list) for run in runs):
        found.append("Invalid SARIF. Missing 'results' array in run.")
    keys = [
        json.dumps([run.get("tool", {}).get("driver", {}).get("name"), run.get("automationDetails", {}).get("id")])
        for run in runs
        if isinstance(run, dict)
    ]
    if len(set(keys)) != len(keys):
        found.append("The CodeQL Action does not support uploading multiple SARIF runs with the same category.")
    if len(runs) > MAX_RUNS:
        found.append(f"more than {MAX_RUNS} runs")
    for run in runs:
        if isinstance(run, dict) and len(run.get("results") or []) > MAX_RESULTS:
            found.append(f"a run with more than {MAX_RESULTS} results")
        if not isinstance(run, dict):
            continue
        rules = run.get("tool", {}).get("driver", {}).get("rules") or []
        if len(rules) > MAX_RULES:
            found.append(f"a run with more than {MAX_RULES} rules")
        if len(run.get("tool", {}).get("extensions") or []) > MAX_EXTENSIONS:
            found.append(f"a run with more than {MAX_EXTENSIONS} tool extensions")
        if any(len(r.get("locations") or []) > MAX_LOCATIONS for r in run.get("results") or [] if isinstance(r, dict)):
            found.append(f"a result with more than {MAX_LOCATIONS} locations")
        if any(len(r.get("properties", {}).get("tags") or []) > MAX_TAGS for r in rules if isinstance(r, dict)):
            found.append(f"a rule with more than {MAX_TAGS} tags")
    # Level 1 compresses least: a file under the limit at level 1 is under it at any level.
    if len(gzip.compress(text.encode(), compresslevel=1)) > MAX_GZIPPED:
        found.append("SARIF file is too large")
    return found


def main(argv: list[str]) -> int:
    text = Path(argv[0]).read_text(encoding="utf-8")
    try:
        document = json.loads(text)
    except ValueError as exc:
        print(f"Invalid SARIF. JSON syntax error: {exc}")
        return 1
    found = problems(document, text)
    for problem in found:
        print(problem)
    return 1 if found else 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
