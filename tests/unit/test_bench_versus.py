"""The Kanboard comparison (bench/versus.py) and the project rows of bench/ratios.py and
bench/data.py: registered, arguments parse, rows interleave fairly, the quoted
figures are the issue's and the verdict follows the measured ones (no server needed)."""

from __future__ import annotations

import argparse

import pytest

from bench import data, ratios, versus
from bench.__main__ import BENCHMARKS


def _parse(module, *argv: str) -> argparse.Namespace:
    parser = argparse.ArgumentParser()
    module.add_arguments(parser)
    return parser.parse_args(list(argv))


def test_it_is_registered_with_the_issues_sizes():
    assert BENCHMARKS["versus"] == "bench.versus"
    args = _parse(versus)
    assert (args.sizes, args.redis, args.run) == ([1_000, 20_000], False, versus.measure)


@pytest.mark.parametrize("argv", [["--rounds", "0"], ["--sizes", "-1"], ["--sizes", "x"]])
def test_bad_arguments_are_refused(argv):
    with pytest.raises(SystemExit):
        _parse(versus, *argv)


def test_every_size_and_request_leads_a_round_in_turn():
    cases = list(versus.CASES)
    orders = [versus.rotate(cases, r) for r in range(len(cases))]
    assert [order[0] for order in orders] == cases
    assert all(sorted(order) == sorted(cases) for order in orders)


def test_each_size_searches_a_word_of_its_own():
    sizes = [20_000, 1_000]
    assert versus.own_word(1_000, sizes) != versus.own_word(20_000, sizes)


def test_the_quoted_kanboard_figures_are_the_issues():
    assert [versus.KANBOARD[c][1_000] for c in versus.CASES] == [14.5, 10.0, 4.5, 8.7]
    assert [versus.KANBOARD[c][20_000] for c in versus.CASES] == [41.0, 23.6, 15.0, 38.7]


def _render(ms: dict[str, float]):
    args = _parse(versus, "--rounds", "4")
    sizes = [1_000, 20_000]
    series = {
        (size, case): versus.Series(latencies=[ms[case] / 1000] * 4, cpu=0.04)
        for size in sizes
        for case in versus.CASES
    }
    return versus.render(args, "SQLite", sizes, series, {1_000: 10, 20_000: 200}, 3.0)


def test_the_verdict_names_the_rows_behind_kanboard():
    text, raw = _render({"html_list": 14.0, "html_search": 12.0, "json_search": 4.0, "create": 8})
    assert "**not met** (HTML search behind)" in text
    assert "quoted from issue 15" in text
    assert raw["results"]["create:1000"]["app_cpu_ms"] == pytest.approx(10.0)
    text, _ = _render({"html_list": 14.0, "html_search": 9.0, "json_search": 4.0, "create": 8})
    assert "on every row (issue 15; Kanboard's figures quoted): met" in text


def test_the_project_rows_are_measured_by_default():
    args = _parse(ratios)
    assert set(ratios.PROJECT_ENDPOINTS) <= set(args.endpoints)
    assert set(args.endpoints) <= set(ratios.LABELS)
    args = _parse(data)
    assert (args.project_sizes, args.project_members) == ("1000,20000", 50)


@pytest.mark.django_db
def test_the_shared_project_is_read_by_an_editor_who_joined_by_invitation():
    from bench.seed import shared_project
    from projects.models import Membership, Role
    from tasks.models import Task
    from tasks.permissions import visible_tasks

    project, member = shared_project("shared", tasks=25, members=4)
    roles = dict(Membership.objects.filter(project=project).values_list("user_id", "role"))
    assert len(roles) == 4
    assert roles[member.pk] == Role.EDITOR
    assert project.created_by_id != member.pk
    tasks = Task.objects.filter(project=project)
    assert tasks.count() == 25
    assert not tasks.filter(column_id__isnull=True).exists()
    assert tasks.values("owner_id").distinct().count() == 4
    assert visible_tasks(member).filter(project=project).count() == 25
    assert shared_project("shared", tasks=25, members=4) == (project, member)  # reused


def test_the_ab_under_gunicorn_is_registered_and_left_out_of_all():
    from bench import abversus
    from bench.__main__ import NOT_IN_ALL

    assert BENCHMARKS["abversus"] == "bench.abversus"
    assert "abversus" in NOT_IN_ALL
    args = _parse(abversus)
    assert (args.base, args.against, args.size) == ("HEAD", None, 1_000)
    assert args.cases == ["floor", *versus.CASES]
    with pytest.raises(SystemExit):
        _parse(abversus, "--cases", "nothing")


def test_the_ab_table_compares_each_request_of_both_trees():
    from bench import abversus

    args = _parse(abversus, "--base", "abc123", "--cases", "floor", "create")
    samples = {
        ("A", "floor"): ([2.0, 2.0, 3.0], [2.0, 2.0, 2.0]),
        ("B", "floor"): ([2.0, 2.0, 2.0], [2.0, 2.0, 2.0]),
        ("A", "create"): ([10.0, 12.0, 14.0], [10.0, 10.0, 13.0]),
        ("B", "create"): ([9.0, 9.0, 30.0], [0.0, 10.0, 17.0]),
    }
    text, raw = abversus.render(args, "SQLite, in-process cache", samples, 5.0)
    assert "abc123 (A) against this tree (B)" in text
    assert "| create (POST /api/tasks/) | 12.00 | 9.00 | 0.75 | 11.00 | 9.00 | 0.82 |" in text
    assert raw["results"]["floor"]["b_p50_ms"] == 2.0


def test_kanboard_is_measured_only_when_a_checkout_is_named(tmp_path, monkeypatch):
    from bench.kanboard import kanboard_dir

    monkeypatch.delenv("KANBOARD_DIR", raising=False)
    assert kanboard_dir(None, default=tmp_path / "absent") is None
    assert kanboard_dir(None, default=tmp_path) == tmp_path.resolve()  # var/bench/kanboard
    assert _parse(versus, "--kanboard", str(tmp_path)).kanboard == str(tmp_path)
    with pytest.raises(SystemExit, match="not a Kanboard checkout"):
        kanboard_dir(str(tmp_path))
    (tmp_path / "jsonrpc.php").write_text("<?php\n")
    (tmp_path / "vendor").mkdir()
    assert kanboard_dir(str(tmp_path)) == tmp_path.resolve()
    monkeypatch.setenv("KANBOARD_DIR", str(tmp_path))
    assert kanboard_dir(None) == tmp_path.resolve()


def test_a_measured_kanboard_decides_the_verdict_not_the_quoted_figures():
    args = _parse(versus, "--rounds", "4")
    sizes = [1_000, 20_000]

    def series(ms: dict[str, float]) -> dict:
        return {
            (size, case): versus.Series(latencies=[ms[case] / 1000] * 4, cpu=0.02)
            for size in sizes
            for case in versus.CASES
        }

    ours = series({"html_list": 14.0, "html_search": 12.0, "json_search": 6.0, "create": 8})
    # Level with the quoted figures on no row but the HTML list; ahead of the measured
    # Kanboard on every row but the JSON search.
    theirs = series({"html_list": 20.0, "html_search": 13.0, "json_search": 5.0, "create": 9})
    planted = {1_000: 10, 20_000: 200}
    versions = "Kanboard main.2cba210 on PHP 8.2.36"
    text, raw = versus.render(args, "SQLite", sizes, ours, planted, 3.0, theirs, versions)
    assert "Kanboard measured in this run): **not met** (JSON search behind)" in text
    assert f"**Kanboard measured in this run** ({versions})" in text
    assert "| JSON search (GET /api/tasks/?search=, 30 a page) | 1,000 | 6.0 / 6.0 | 5.0 |" in text
    assert "| 5.0 / 5.0 | 5.0 | 1.20 | 4.5 | 0 / 0 |" in text
    assert raw["kanboard"] == versions
    assert raw["results"]["html_list:1000"]["kanboard_p50_ms"] == pytest.approx(20.0)
    assert raw["results"]["html_list:1000"]["kanboard_p50_ms_quoted"] == 14.5
    theirs = series({"html_list": 20.0, "html_search": 13.0, "json_search": 7.0, "create": 9})
    text, _ = versus.render(args, "SQLite", sizes, ours, {1_000: 10, 20_000: 200}, 3.0, theirs)
    assert "Kanboard measured in this run): met" in text
