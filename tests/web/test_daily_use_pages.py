"""Daily-use page features without a browser: one-click complete forms, quick add,
folded filters, Markdown descriptions and their preview."""

import pytest
from django.urls import reverse
from django.utils import timezone

from tasks import services
from tasks.models import DESCRIPTION_MAX, Status, Task

pytestmark = pytest.mark.django_db

LIST = reverse("tasks:list")
NEW = reverse("tasks:create")
PREVIEW = reverse("tasks:markdown-preview")


def _create(owner, **fields):
    return services.task_create(actor=owner, **{"title": "A task", **fields})[0]


def test_every_row_has_a_one_click_complete_button(web, user):
    todo = _create(user, title="Open one")
    done = _create(user, title="Closed one", status=Status.DONE)
    html = web.get(LIST).content.decode()
    status_url = reverse("tasks:set-status", args=[todo.pk])
    assert f'action="{status_url}" class="complete">' in html
    assert f'name="next" value="/tasks/#task-{todo.pk}"' in html
    assert 'value="done" class="check" aria-pressed="false" aria-label="Done: “Open one”"' in html
    assert 'value="todo" class="check" aria-pressed="true" aria-label="Done: “Closed one”"' in html
    assert done.pk in html


def test_the_complete_button_posts_complete_and_reopen(web, user):
    task = _create(user, title="Toggle me")
    url = reverse("tasks:set-status", args=[task.pk])
    back = f"/tasks/#task-{task.pk}"
    response = web.post(url, {"status": "done", "next": back})
    assert response.status_code == 302
    assert response["Location"] == back
    assert Task.objects.get(pk=task.pk).status == Status.DONE
    response = web.post(url, {"status": "todo"}, headers={"Accept": "application/json"})
    assert response.json()["status"] == "todo"
    assert Task.objects.get(pk=task.pk).completed_at is None


def test_dashboard_lists_and_task_page_have_the_complete_button(web, user):
    today = timezone.localdate()
    late = _create(user, title="Late", due_date=today - timezone.timedelta(days=1))
    html = web.get(reverse("tasks:dashboard")).content.decode()
    assert f'<li id="task-{late.pk}" class="status-todo" tabindex="-1"><form' in html
    assert f'name="next" value="/dashboard/#task-{late.pk}"' in html
    html = web.get(reverse("tasks:detail", args=[late.pk])).content.decode()
    assert 'aria-label="Done: “Late”"' in html


def test_quick_add_comes_back_to_the_list(web, user):
    response = web.post(
        NEW, {"title": "Milk", "status": "todo", "priority": "medium", "next": LIST + "?x=1"}
    )
    assert response.status_code == 302
    assert response["Location"] == LIST + "?x=1"
    assert Task.objects.get(owner=user).title == "Milk"


def test_new_task_form_focuses_the_title_only_when_empty(web):
    assert b'name="title" maxlength="200" autofocus' in web.get(NEW).content
    response = web.post(NEW, {"title": ""})
    assert b"autofocus" not in response.content


def test_filters_fold_and_count_what_is_hidden(web, user):
    _create(user)
    html = web.get(LIST).content.decode()
    assert '<details class="more-filters">' in html
    assert "<summary>Filters</summary>" in html
    html = web.get(LIST + "?status=todo&priority=medium&search=a").content.decode()
    assert "<summary>Filters (2)</summary>" in html
    # The search field stays outside the fold: it is one key (/) away on a phone too.
    assert html.index('id="f-search"') < html.index('<details class="more-filters"')


def test_description_renders_as_sanitised_markdown(web, user):
    task = _create(
        user, description="# Plan\n\n**Now** [ref](https://example.com)<script>x</script>"
    )
    html = web.get(reverse("tasks:detail", args=[task.pk])).content.decode()
    assert "<h3>Plan</h3>" in html
    assert "<strong>Now</strong>" in html
    assert 'href="https://example.com" rel="noopener nofollow"' in html
    assert "<script>x" not in html
    # The API keeps the source text.
    assert Task.objects.get(pk=task.pk).description.startswith("# Plan")


def test_preview_endpoint_renders_without_saving(web, user):
    response = web.post(PREVIEW, {"text": "**hi** <b>x</b>"})
    assert response.status_code == 200
    assert response.json() == {"html": "<p><strong>hi</strong> &lt;b&gt;x&lt;/b&gt;</p>\n"}
    too_long = web.post(PREVIEW, {"text": "x" * (DESCRIPTION_MAX + 1)})
    assert too_long.status_code == 400
    assert too_long.json()["code"] == "too_long"
    assert not Task.objects.exists()


def test_preview_needs_a_session_and_a_post(anon, web, csrf_web):
    assert anon.post(PREVIEW, {"text": "x"}).status_code == 302
    assert web.get(PREVIEW).status_code == 405
    assert csrf_web.post(PREVIEW, {"text": "x"}).status_code == 403


def test_preview_button_without_javascript_keeps_the_form(web, user):
    data = {
        "title": "Draft",
        "description": "*typed*",
        "status": "todo",
        "priority": "high",
        "tags": "a, b",
        "preview": "1",
    }
    response = web.post(NEW, data)
    html = response.content.decode()
    assert response.status_code == 200
    assert '<section id="description-preview"' in html
    assert "<em>typed</em>" in html
    assert 'value="Draft"' in html
    assert "*typed*</textarea>" in html
    assert '<option value="high" selected>' in html
    assert "errorlist" not in html
    assert not Task.objects.exists()


def test_preview_while_editing_keeps_the_version(web, user):
    task = _create(user, title="Edit me")
    url = reverse("tasks:edit", args=[task.pk])
    response = web.post(
        url,
        {"title": "Edit me", "description": "- x", "status": "todo", "priority": "low",
         "version": str(task.version), "preview": "1"},
    )  # fmt: skip
    html = response.content.decode()
    assert "<li>x</li>" in html
    assert f'name="version" value="{task.version}"' in html
    assert Task.objects.get(pk=task.pk).version == task.version
