"""The ceilings benchmark (bench/ceilings.py): registered outside `make bench`, its
arguments checked, and each ceiling does what its figures claim: the list page's rows
spliced into the first page's markup without the template engine, the same page; a
create without the write path's bookkeeping."""

from __future__ import annotations

import argparse

import pytest

import tasks.events
import tasks.views
from bench import ceilings
from bench.__main__ import BENCHMARKS, NOT_IN_ALL
from tasks.models import Activity, Task
from tests.conftest import client_for
from tests.factories import TaskFactory


def _parse(*argv: str) -> argparse.Namespace:
    parser = argparse.ArgumentParser()
    ceilings.add_arguments(parser)
    return parser.parse_args(list(argv))


def test_it_is_registered_and_left_out_of_make_bench():
    assert BENCHMARKS["ceilings"] == "bench.ceilings"
    assert "ceilings" in NOT_IN_ALL


def test_defaults_and_flags():
    args = _parse()
    assert (args.rounds, args.seconds, args.concurrency) == (3, 2.0, 4)
    assert args.run is ceilings.measure
    args = _parse("--rounds", "5", "--seconds", "0.5", "--concurrency", "2")
    assert (args.rounds, args.seconds, args.concurrency) == (5, 0.5, 2)


@pytest.mark.parametrize(
    "argv", [["--rounds", "0"], ["--seconds", "-1"], ["--concurrency", "many"]]
)
def test_bad_arguments_are_refused(argv):
    with pytest.raises(SystemExit):
        _parse(*argv)


def test_an_unknown_ceiling_is_refused():
    with pytest.raises(ValueError, match="html_list, create"):
        ceilings.install("everything")


def test_the_list_page_with_its_rows_spliced_is_the_built_page(client, user, monkeypatch):
    for number in range(3):
        TaskFactory(owner=user, title=f"Task <{number}> & co", tags=["home"])
    client.force_login(user)
    built = client.get("/tasks/")
    assert built.status_code == 200
    # Restored after the test: install() replaces the view module's render().
    monkeypatch.setattr(tasks.views, "render", tasks.views.render)
    ceilings.install("html_list")
    first, spliced = client.get("/tasks/"), client.get("/tasks/")
    assert [t.name for t in first.templates][:1] == ["tasks/list.html"]
    assert spliced.templates == []  # no template rendered: the rows alone
    page = ceilings.masked(built.content.decode())
    assert "Task &lt;2&gt; &amp; co" in page
    assert ceilings.masked(first.content.decode()) == page
    assert ceilings.masked(spliced.content.decode()) == page
    # Any other page, or the list with a query, is rendered as built.
    assert client.get("/tasks/?status=todo").templates


def test_a_create_without_the_write_path_records_nothing_else(user, monkeypatch):
    api = client_for(user)
    assert api.post("/api/tasks/", {"title": "Counted"}, format="json").status_code == 201
    assert Activity.objects.count() == 1
    monkeypatch.setattr(tasks.events, "task_written", tasks.events.task_written)
    ceilings.install("create")
    assert api.post("/api/tasks/", {"title": "Not counted"}, format="json").status_code == 201
    assert Task.objects.filter(owner=user).count() == 2
    assert Activity.objects.count() == 1
