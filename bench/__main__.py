"""`python -m bench <benchmark> [options]`; `python -m bench all` runs the quick set.

Each benchmark starts its own servers on 127.0.0.1 (temporary directories, free
ports), stops them when done, prints its figures, and with --write replaces its
section of docs/performance.md.
"""

from __future__ import annotations

import argparse
import importlib
import subprocess
import sys

BENCHMARKS = {
    "ratios": "bench.ratios",
    "data": "bench.data",
    "memory": "bench.memory",
    "capacity": "bench.capacity",
    "mix": "bench.mix",
    "profile": "bench.profile",
    "imports": "bench.imports",
    "board": "bench.board",
    "search": "bench.search",
    "stats": "bench.stats",
    "orderings": "bench.orderings",
    "versus": "bench.versus",
}
# `all` keeps the seeded million-task database, so only the first run pays for it.
ALL_EXTRA = {
    "data": ["--pg-data", "var/bench/pgdata"],
    "orderings": ["--pg-data", "var/bench/pgdata-orderings"],
}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__)
    sub = parser.add_subparsers(dest="benchmark", required=True)
    for name, module in BENCHMARKS.items():
        doc = " ".join((importlib.import_module(module).__doc__ or "").split()).split(": ")[0]
        child = sub.add_parser(name, help=doc)
        child.add_argument("--write", action="store_true", help="update docs/performance.md")
        importlib.import_module(module).add_arguments(child)
    every = sub.add_parser("all", help="every benchmark with its default (quick) settings")
    every.add_argument("--write", action="store_true", help="update docs/performance.md")
    args = parser.parse_args(argv)
    if args.benchmark == "all":
        # One process per benchmark: each sets Django up against its own database.
        flags = ["--write"] if args.write else []
        failed = [
            name
            for name in BENCHMARKS
            if subprocess.run(
                [sys.executable, "-m", "bench", name, *ALL_EXTRA.get(name, []), *flags]
            ).returncode
        ]
        if failed:
            print(f"failed: {', '.join(failed)}", file=sys.stderr)
        return 1 if failed else 0
    args.run(args)
    return 0


if __name__ == "__main__":
    sys.exit(main())
