"""`python -m bench all` (make bench): every quick flag it passes is one its benchmark
accepts, and it keeps the seeded clusters (no server needed)."""

from __future__ import annotations

import argparse
import importlib

import pytest

from bench.__main__ import ALL_EXTRA, BENCHMARKS


@pytest.mark.parametrize("name", sorted(ALL_EXTRA))
def test_the_quick_flags_parse(name):
    parser = argparse.ArgumentParser()
    parser.add_argument("--write", action="store_true")
    importlib.import_module(BENCHMARKS[name]).add_arguments(parser)
    args = parser.parse_args([*ALL_EXTRA[name], "--write"])
    assert args.write


def test_the_seeded_clusters_are_reused():
    for name in ("data", "stats", "orderings"):
        flags = ALL_EXTRA[name]
        assert flags[flags.index("--pg-data") + 1].startswith("var/bench/")
