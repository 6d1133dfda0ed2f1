"""``{% load routes %}`` (taskflow/templatetags/routes.py): the same answers, and the
same errors, as Django's ``{% url %}``, whatever it keeps between calls."""

from __future__ import annotations

import pytest
from django.template import Context, RequestContext, Template
from django.urls import NoReverseMatch, set_script_prefix

CASES = [
    "{% url 'tasks:list' %}",
    "{% url 'home' %}",
    "{% url 'tasks:detail' task_id %}",
    "{% url 'projects:detail' project_id %}",
    "{% url 'tasks:detail' task_id=task_id %}",
    "{% url 'tasks:list' as link %}[{{ link }}]",
    "{% url name %}",
    "{% url 'admin:tasks_task_change' 7 %}",
    "<a href=\"{% url 'tasks:detail' odd %}\">",
]
IDS = ["01HZX3K4M5N6P7Q8R9S0T1V2W3", "a b", "ü?#&'", "TASKIDMARKER", 42, None]


def _both(source: str, context: dict) -> tuple[str, str]:
    django = Template(source).render(Context(context))
    cached = Template("{% load routes %}" + source)
    return django, cached.render(Context(context))


@pytest.mark.parametrize("source", CASES)
@pytest.mark.parametrize("value", IDS)
def test_the_same_urls_as_django(source, value):
    context = {"task_id": value, "project_id": value, "odd": value, "name": "tasks:list"}
    for _ in range(2):  # the first call fills the cache, the second reads it
        django, cached = _both(source, context)
        assert cached == django


def test_the_script_prefix_is_part_of_the_answer():
    source = "{% url 'tasks:list' %} {% url 'tasks:detail' 'abc' %}"
    assert _both(source, {})[1] == "/tasks/ /tasks/abc/"
    set_script_prefix("/under/")
    try:
        django, cached = _both(source, {})
    finally:
        set_script_prefix("/")
    assert cached == django == "/under/tasks/ /under/tasks/abc/"


@pytest.mark.parametrize(
    "source",
    ["{% url 'no-such-route' %}", "{% url 'tasks:detail' 'a/b' %}", "{% url 'tasks:detail' '' %}"],
)
def test_the_same_errors_as_django(source):
    for template in (Template(source), Template("{% load routes %}" + source)):
        with pytest.raises(NoReverseMatch):
            template.render(Context({}))


def test_each_request_reads_its_own_script_prefix_once(rf, monkeypatch):
    from taskflow.templatetags import routes

    reads = []
    real = routes._env
    monkeypatch.setattr(routes, "_env", lambda: reads.append(1) or real())
    source = (
        "{% load routes %}{% url 'tasks:list' %} {% url 'tasks:detail' 'abc' %} {% url 'home' %}"
    )
    first = Template(source).render(RequestContext(rf.get("/"), {}))
    assert len(reads) == 1  # three links, one read of the prefix, URLconf and language
    set_script_prefix("/under/")
    try:
        second = Template(source).render(RequestContext(rf.get("/"), {}))
    finally:
        set_script_prefix("/")
    assert first == "/tasks/ /tasks/abc/ /"
    assert second == "/under/tasks/ /under/tasks/abc/ /under/"
    assert len(reads) == 2
