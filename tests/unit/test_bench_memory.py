"""The memory benchmark's verdict (bench/memory.py): each worker, this venv's and the
production install's, is judged on its own samples (no server needed)."""

from __future__ import annotations

import argparse

from bench import memory


def _args(*argv: str) -> argparse.Namespace:
    parser = argparse.ArgumentParser()
    memory.add_arguments(parser)
    return parser.parse_args(list(argv))


def _run(*rss: float) -> memory.Run:
    return memory.Run([(i * 1000, mb) for i, mb in enumerate(rss)], errors=0, elapsed_s=1.0)


def test_a_worker_under_the_line_and_flat_is_met():
    run = _run(100.0, 110.0, 111.0, 111.5, 112.0)
    assert (run.final, run.growth, run.met) == (112.0, 1.0, True)


def test_a_worker_over_the_line_or_still_growing_is_not():
    assert not _run(100.0, 119.0, 120.0).met
    assert not _run(90.0, 95.0, 100.0, 103.0).met  # +3 MB over the second half


def test_each_worker_gets_its_own_verdict_in_the_report():
    dev, prod = _run(105.0, 120.0, 120.5), _run(92.0, 103.5, 104.0)
    boots, imports = [(0.7, 0.6)], [(0.5, 0.5)]
    text, raw = memory._render(_args(), "SQLite", imports, boots, dev, prod)
    this_venv, production = (
        next(line for line in text.splitlines() if line.startswith(prefix))
        for prefix in ("- Worker RSS after", "- The same worker from a production install")
    )
    assert "**120.5 MB**" in this_venv
    assert "**not met**" in this_venv
    assert "**104.0 MB**" in production
    assert "(met)" in production
    assert "| 2000 | 120.5 | 104.0 |" in text
    assert raw["production_rss_samples"] == prod.samples


def test_the_production_pass_can_be_skipped():
    text, raw = memory._render(
        _args("--no-production"), "SQLite", [(0.5, 0.5)], [(0.7, 0.6)], _run(100.0, 101.0), None
    )
    assert "production install" not in text
    assert raw["production_rss_samples"] is None
