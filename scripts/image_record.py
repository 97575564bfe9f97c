"""Write image/image.json, CI's record of the image it built, for the report and for CD.

    python -m scripts.image_record --out image/image.json

Reads the image job's values from the environment (set through `env:` in the workflow, never
interpolated into the script): IMAGE_NAME (registry/owner/repo, lower-cased here), DIGEST (the
pushed manifest digest), IMAGE_ID (the config digest, used when nothing was pushed), TAGS
(metadata-action's newline-separated list), HEAD_SHA and PUSHED ("true"/"false").
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from collections.abc import Mapping
from dataclasses import asdict
from pathlib import Path

from scripts.errors import InputError
from scripts.model import image_from_dict


def record(env: Mapping[str, str]) -> dict:
    """The record, validated exactly as the report and CD will read it."""
    pushed = env.get("PUSHED", "").lower() == "true"
    digest = env.get("DIGEST", "") if pushed else env.get("IMAGE_ID", "")
    tags = [t.rsplit(":", 1)[-1] for t in env.get("TAGS", "").split() if t]
    data = {
        "name": env.get("IMAGE_NAME", "").lower(),
        "digest": digest,
        "head_sha": env.get("HEAD_SHA", ""),
        "tags": tags,
        "pushed": pushed,
    }
    return asdict(image_from_dict(data, where="image record"))


def main(argv: list[str] | None = None, env: Mapping[str, str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m scripts.image_record", description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--out", type=Path, required=True)
    parser.add_argument(
        "--github-output", type=Path, help="append name=, digest= and ref= to this file ($GITHUB_OUTPUT)"
    )
    args = parser.parse_args(argv)
    try:
        data = record(os.environ if env is None else env)
    except InputError as exc:
        print(f"image_record: error: {exc}", file=sys.stderr)
        return exc.exit_code
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(data, indent=1) + "\n", encoding="utf-8")
    if args.github_output:
        with args.github_output.open("a", encoding="utf-8") as out:
            out.write(f"name={data['name']}\ndigest={data['digest']}\nref={data['name']}@{data['digest']}\n")
    print(
        f"image_record: {data['name']}@{data['digest']} ({'pushed' if data['pushed'] else 'not pushed'})",
        file=sys.stderr,
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
