"""The per-row template tags of the task list (tasks.templatetags.task_ui): the same
markup as the {% url %} tags and option loops they replace, for less rendering work."""

from __future__ import annotations

import pytest
from django.template import Context, Template
from django.urls import reverse, set_script_prefix

from tasks.models import Status
from tasks.templatetags.task_ui import status_options, task_url


@pytest.mark.parametrize("name", ["detail", "set-status", "edit", "delete"])
def test_task_url_is_what_reverse_gives(name):
    assert task_url(name, "01HZX3K4M5N6P7Q8R9S0T1V2W3") == reverse(
        f"tasks:{name}", args=["01HZX3K4M5N6P7Q8R9S0T1V2W3"]
    )


def test_task_url_follows_the_script_prefix():
    set_script_prefix("/under/")
    try:
        url = task_url("detail", "01HZX3K4M5N6P7Q8R9S0T1V2W3")
    finally:
        set_script_prefix("/")
    assert url == "/under/tasks/01HZX3K4M5N6P7Q8R9S0T1V2W3/"
    assert task_url("detail", "01HZX3K4M5N6P7Q8R9S0T1V2W3") == "/tasks/01HZX3K4M5N6P7Q8R9S0T1V2W3/"


@pytest.mark.parametrize("task_id", ["a b", "ü?#", "TASKIDMARKER"])
def test_task_url_quotes_like_reverse(task_id):
    assert task_url("detail", task_id) == reverse("tasks:detail", args=[task_id])


def test_status_options_render_like_the_template_loop():
    loop = Template(
        '{% for value, label in choices %}<option value="{{ value }}"'
        "{% if value == selected %} selected{% endif %}>{{ label }}</option>{% endfor %}"
    )
    for selected in [*Status.values, "unknown"]:
        expected = loop.render(Context({"choices": Status.choices, "selected": selected}))
        assert status_options(selected) == expected


HOSTILE = [("<b>&\"'", "<script>x</script>"), ("plain", "Plain & <i>")]


@pytest.mark.parametrize("choices", ["status", "priority", "sort", "hostile"])
def test_choice_options_render_like_the_template_loop(choices):
    from tasks.forms import PRIORITY_CHOICES, SORT_CHOICES

    choices = {
        "status": Status.choices,
        "priority": PRIORITY_CHOICES,
        "sort": SORT_CHOICES,
        "hostile": HOSTILE,
    }[choices]
    loop = Template(
        '{% for value, label in choices %}<option value="{{ value }}"'
        "{% if selected == value %} selected{% endif %}>{{ label }}</option>{% endfor %}"
    )
    tag = Template("{% load task_ui %}{% choice_options choices selected %}")
    for selected in [*(value for value, _ in choices), "", "unknown", "<b>&\"'"]:
        context = {"choices": choices, "selected": selected}
        expected = loop.render(Context(context))
        assert tag.render(Context(context)) == expected
        assert expected.count(" selected") == (selected in dict(choices))


def test_choice_options_without_selected_marks_none():
    loop = Template(
        '{% for value, label in choices %}<option value="{{ value }}">{{ label }}</option>'
        "{% endfor %}"
    )
    tag = Template("{% load task_ui %}{% choice_options choices %}")
    context = {"choices": [*Status.choices, *HOSTILE]}
    assert tag.render(Context(context)) == loop.render(Context(context))


def test_choice_options_are_worked_out_once_per_choice_marked():
    from django.utils.translation import gettext_lazy

    from tasks.templatetags import task_ui

    task_ui._CHOICE_OPTIONS.clear()
    tag = Template("{% load task_ui %}{% choice_options choices selected %}")
    first = tag.render(Context({"choices": Status.choices, "selected": "done"}))
    assert len(task_ui._CHOICE_OPTIONS) == 1
    # Rendered again from the memo, and the same markup as a fresh rendering.
    assert tag.render(Context({"choices": Status.choices, "selected": "done"})) == first
    # Values that are none of the choices share the entry of "none marked": a stream of
    # hand-edited query strings cannot grow the memo.
    for junk in ["", "unknown", "<b>", "x" * 300]:
        tag.render(Context({"choices": Status.choices, "selected": junk}))
    assert len(task_ui._CHOICE_OPTIONS) == 2
    # A lazily translated label is rendered each time (its text depends on the language).
    lazy = [("a", gettext_lazy("To do"))]
    assert tag.render(Context({"choices": lazy, "selected": "a"})).count(" selected") == 1
    assert len(task_ui._CHOICE_OPTIONS) == 2
