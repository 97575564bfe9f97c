"""Image build benchmark: prints cold build time, rebuild time after a source change, image size
and what our layers add over the base. Targets (issue 2): rebuild <= 10 % of cold; ours <= 1 MB.

    python -m tests.benchmarks.image_build [--runs 3]
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from pathlib import Path

from tests.support import docker


def timed_build(context: Path, tag: str, base: str, *, no_cache: bool) -> float:
    start = time.perf_counter()
    docker.build(context, tag, {}, base=base, no_cache=no_cache)
    return time.perf_counter() - start


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--runs", type=int, default=3, help="repetitions of each measurement (median shown)")
    parser.add_argument(
        "--skip-base", action="store_true", help="do not time a from-nothing build of the base (about 35 s)"
    )
    args = parser.parse_args()
    if not docker.engine_available():
        parser.error("no Docker engine answers `docker info`")
    base = docker.base_image()
    base_s = None
    if not args.skip_base:
        # A fresh machine has no base image yet: debootstrap + import is part of its cold build.
        scratch = "sample-app-bench-base:cold"
        docker.remove(scratch)
        start = time.perf_counter()
        docker.base_image(scratch)
        base_s = time.perf_counter() - start
        docker.remove(scratch)
    tag = "sample-app-bench:latest"
    cold, warm = [], []
    with tempfile.TemporaryDirectory() as tmp:
        context = docker.copy_context(Path(tmp))
        source = context / "sample_app" / "cli.py"
        for run in range(args.runs):
            cold.append(timed_build(context, tag, base, no_cache=True))
            source.write_text(source.read_text() + f"\n# benchmark edit {run}\n")
            warm.append(timed_build(context, tag, base, no_cache=False))
    total = docker.inspect(tag)["Size"]
    base_size = docker.inspect(base)["Size"]
    base_layers = len(docker.layers(base))
    ours = sum(docker.layer_sizes(tag)[base_layers:])
    docker.remove(tag)
    cold_s, warm_s = statistics.median(cold), statistics.median(warm)
    print(f"base image            {base}  {base_size / 1e6:.1f} MB")
    print(f"cold build (no cache) {cold_s:.2f} s   (median of {args.runs}: {', '.join(f'{t:.2f}' for t in cold)})")
    print(f"rebuild after edit    {warm_s:.2f} s   (median of {args.runs}: {', '.join(f'{t:.2f}' for t in warm)})")
    print(f"rebuild / cold        {100 * warm_s / cold_s:.1f} %   (target <= 10 %; base already built)")
    if base_s is not None:
        print(f"base from nothing     {base_s:.2f} s   (debootstrap + docker import)")
        print(
            f"cold on a new machine {base_s + cold_s:.2f} s   rebuild / that: {100 * warm_s / (base_s + cold_s):.1f} %"
        )
    print(f"image size            {total / 1e6:.1f} MB")
    print(f"our layers over base  {ours / 1e3:.1f} kB   (target <= 1000 kB)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
