"""The board benchmark (bench/board.py): registered, its arguments parse, sizes are
interleaved fairly, and its verdicts follow the figures (no server needed)."""

from __future__ import annotations

import argparse

import pytest

from bench import board
from bench.__main__ import BENCHMARKS


def _parse(*argv: str) -> argparse.Namespace:
    parser = argparse.ArgumentParser()
    board.add_arguments(parser)
    return parser.parse_args(list(argv))


def test_it_is_registered():
    assert BENCHMARKS["board"] == "bench.board"


def test_defaults_are_the_issues_sizes_and_a_quick_run():
    args = _parse()
    assert (args.db, args.sizes, args.rounds) == ("postgres", [100, 1_000, 5_000, 20_000], 60)
    assert args.run is board.measure


def test_flags():
    args = _parse("--db", "sqlite", "--sizes", "10", "20", "--rounds", "3", "--note", "busy")
    assert (args.db, args.sizes, args.rounds, args.note) == ("sqlite", [10, 20], 3, "busy")


@pytest.mark.parametrize(
    "argv", [["--rounds", "0"], ["--sizes", "-5"], ["--sizes", "many"], ["--db", "oracle"]]
)
def test_bad_arguments_are_refused(argv):
    with pytest.raises(SystemExit):
        _parse(*argv)


def test_every_size_leads_a_round_in_turn():
    sizes = [100, 1_000, 5_000, 20_000]
    orders = [board.rounds_order(sizes, r) for r in range(4)]
    assert [order[0] for order in orders] == sizes
    assert all(sorted(order) == sizes for order in orders)


def _series(ms: float, size_bytes: int) -> board.Series:
    return board.Series(latencies=[ms / 1000] * 10, bytes=size_bytes)


def test_verdicts_follow_the_figures():
    args = _parse("--sizes", "100", "20000", "--rounds", "10")
    series = {
        (100, "page"): _series(10, 50_000),
        (20_000, "page"): _series(14, 120_000),
        (100, "api"): _series(10, 9_000),
        (20_000, "api"): _series(16, 9_000),
    }
    text, raw = board.render(args, "SQLite, Redis", [100, 20_000], series, 1.0)
    assert raw["results"]["page:20000"]["ratio_p50"] == pytest.approx(1.4)
    assert raw["verdicts"][0].endswith("1.40x that at 100 (target ≤ 1.5x: met)")
    assert raw["verdicts"][1].endswith("1.60x that at 100 (target ≤ 1.5x: **not met**)")
    assert "117.2 KB" in raw["verdicts"][2]
    assert "**not met**" in raw["verdicts"][2]
    assert text.startswith("### Board by project size (SQLite)")


def test_the_check_catches_a_board_missing_tasks():
    body = b'{"columns": [{"count": 60}, {"count": 30}]}'
    board.check([90], {90: body})
    with pytest.raises(RuntimeError, match="counts 90"):
        board.check([100], {100: body})
