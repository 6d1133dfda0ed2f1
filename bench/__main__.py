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
import time

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
    "abhtml": "bench.abhtml",
    "abcreate": "bench.abcreate",
    "abversus": "bench.abversus",
    "abscope": "bench.abscope",
    "ceilings": "bench.ceilings",
}
# Comparisons (of two commits, or of two ways of one query), not figures of this tree:
# `all` leaves them out.
NOT_IN_ALL = {"abhtml", "abcreate", "abversus", "abscope", "ceilings"}
# `all` (make bench) keeps the seeded PostgreSQL clusters under var/bench/, so only the
# first run pays for seeding them, and takes fewer samples where a benchmark's own
# defaults are long, to stay near 15 minutes after the first run (docs/performance.md,
# "Reproducing", has each one's time). Search reseeds 111,000 tasks a run on each
# backend and the SQLite orderings 212,000: `all` measures search on SQLite and the
# orderings on the kept PostgreSQL cluster; their other halves are run by hand.
ALL_EXTRA = {
    "ratios": ["--rounds", "2", "--seconds", "2"],
    "data": ["--pg-data", "var/bench/pgdata", "--total", "300000", "--repeat", "15"],
    "capacity": ["--seconds", "10"],
    "mix": ["--seconds", "20"],
    "profile": ["--requests", "100"],
    "imports": ["--rounds", "1"],
    "board": ["--rounds", "30"],
    "search": ["--db", "sqlite"],
    "stats": ["--pg-data", "var/bench/pgdata-stats"],
    # 30 requests a cell, not 8: a p50 of 8 put a deep page across projects over 1.5x
    # in about one run of three where 30 never did ("Round 26 (issue 15)"); ~12 s more.
    "orderings": ["--pg-data", "var/bench/pgdata-orderings", "--db", "postgres", "--rounds", "30"],
    "versus": ["--rounds", "30"],
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
        return run_all(["--write"] if args.write else [])
    args.run(args)
    return 0


def run_all(flags: list[str]) -> int:
    """Every benchmark in turn, one process each (each sets Django up against its own
    database), printing how long each took: the budget of `make bench` is kept by
    these figures."""
    failed, took = [], {}
    started = time.monotonic()
    for name in (name for name in BENCHMARKS if name not in NOT_IN_ALL):
        began = time.monotonic()
        argv = [sys.executable, "-m", "bench", name, *ALL_EXTRA.get(name, []), *flags]
        if subprocess.run(argv).returncode:
            failed.append(name)
        took[name] = time.monotonic() - began
    times = ", ".join(f"{name} {seconds:.0f} s" for name, seconds in took.items())
    print(f"bench all: {time.monotonic() - started:.0f} s ({times})", file=sys.stderr)
    if failed:
        print(f"failed: {', '.join(failed)}", file=sys.stderr)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
