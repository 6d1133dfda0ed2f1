"""Saved filters (issue 16, SPEC §12): save the list's filter, open it, rename, pin to
the nav, delete; checked by the list's FilterSet; bounded; the owner's only."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError
from django.http import Http404
from django.urls import reverse

from tasks import saved_filters, services
from tasks.models import SavedFilter

pytestmark = pytest.mark.django_db

LIST = reverse("tasks:list")
FILTERS = reverse("tasks:saved-filters")


def _edit(saved) -> str:
    return reverse("tasks:saved-filter-edit", args=[saved.pk])


def _delete(saved) -> str:
    return reverse("tasks:saved-filter-delete", args=[saved.pk])


def _save(user, name="Home", query="tag=home", **kwargs):
    return saved_filters.saved_filter_create(user=user, name=name, query=query, **kwargs)


def test_save_this_filter_from_the_list_and_open_it(web, user):
    services.task_create(actor=user, title="Water plants", tags=["home"])
    services.task_create(actor=user, title="Send invoice", tags=["work"])
    page = web.get(LIST, {"tag": "home", "ordering": "title", "cursor": ""}).content.decode()
    assert 'name="query" value="tag=home&amp;ordering=title"' in page
    response = web.post(FILTERS, {"name": "  At home ", "query": "tag=home&ordering=title"})
    saved = SavedFilter.objects.get(user=user)
    assert (saved.name, saved.query, saved.pinned) == ("At home", "tag=home&ordering=title", False)
    assert response.status_code == 302
    assert response["Location"] == f"{LIST}?tag=home&ordering=title"
    listed = web.get(response["Location"])
    assert [task.title for task in listed.context["tasks"]] == ["Water plants"]
    # The list's menu offers it.
    assert f'href="{LIST}?tag=home&amp;ordering=title">At home</a>' in listed.content.decode()


def test_the_query_is_canonical_and_keeps_only_list_parameters(user):
    saved = _save(user, query="?cursor=abc&page=2&quick=x&search=%20report%20&status=&tag=home")
    assert saved.query == "tag=home&search=report"
    saved = _save(user, name="Sized", query="page_size=50&priority=high")
    assert saved.query == "priority=high&page_size=50"
    saved = _save(user, name="Odd size", query="page_size=7&priority=low")
    assert saved.query == "priority=low"


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ("status=bogus", "query"),
        ("due_after=yesterday", "query"),
        ("ordering=owner", "query"),
        ("overdue=maybe", "query"),
        ("", "query"),
        ("cursor=abc", "query"),
        ("search=" + "x" * 1001, "query"),
    ],
)
def test_a_bad_query_is_refused(user, query, field):
    with pytest.raises(ValidationError) as caught:
        _save(user, query=query)
    assert field in caught.value.message_dict
    assert not SavedFilter.objects.exists()


def test_a_bad_save_from_the_page_is_a_400_with_the_error(web, user):
    response = web.post(FILTERS, {"name": "Broken", "query": "status=bogus"})
    assert response.status_code == 400
    assert b"This filter has errors (status: Select a valid choice" in response.content
    response = web.post(FILTERS, {"name": "", "query": "status=done"})
    assert response.status_code == 400
    assert b"This field is required." in response.content
    response = web.post(FILTERS, {"name": "n" * 61, "query": "status=done"})
    assert response.status_code == 400
    assert not SavedFilter.objects.exists()


def test_names_are_unique_per_user_ignoring_case(user, other_user):
    _save(user, name="Home")
    with pytest.raises(ValidationError) as caught:
        _save(user, name="home", query="status=done")
    assert "already have a filter with this name" in str(caught.value)
    _save(other_user, name="Home")  # another user's names are theirs
    assert SavedFilter.objects.count() == 2


def test_at_most_fifty_filters_per_user(user, other_user):
    for number in range(saved_filters.SAVED_FILTERS_MAX):
        _save(user, name=f"F{number}")
    with pytest.raises(ValidationError) as caught:
        _save(user, name="One too many")
    assert "delete one first" in str(caught.value)
    _save(other_user, name="Fine")


def test_rename_pin_unpin_and_delete_from_the_page(web, user):
    saved = _save(user)
    assert web.post(_edit(saved), {"name": "Around the house"}).status_code == 302
    saved.refresh_from_db()
    assert saved.name == "Around the house"
    web.post(_edit(saved), {"pinned": "true"})
    saved.refresh_from_db()
    assert saved.pinned is True
    web.post(_edit(saved), {"pinned": "false"})
    saved.refresh_from_db()
    assert saved.pinned is False
    assert web.post(_delete(saved)).status_code == 302
    assert not SavedFilter.objects.exists()


def test_renaming_onto_another_filters_name_is_a_400(web, user):
    _save(user, name="Home")
    work = _save(user, name="Work", query="tag=work")
    response = web.post(_edit(work), {"name": "HOME"})
    assert response.status_code == 400
    assert b"already have a filter with this name" in response.content
    work.refresh_from_db()
    assert work.name == "Work"
    assert web.post(_edit(work), {"pinned": "perhaps"}).status_code == 400


def test_pinned_filters_show_in_the_nav_of_every_page(web, user):
    pinned = _save(user, name="Due soon", query="ordering=due_date", pinned=True)
    _save(user, name="Not pinned", query="tag=x")
    for url in (reverse("tasks:dashboard"), reverse("accounts:profile")):
        html = web.get(url).content.decode()
        link = f'<a href="{LIST}?ordering=due_date">Due soon</a>'
        assert f'<li class="wide-only pinned">{link}' in html
        assert 'pinned"><a href="/tasks/?tag=x"' not in html
    web.post(_edit(pinned), {"pinned": "false"})
    html = web.get(reverse("tasks:dashboard")).content.decode()
    assert "“Due soon” unpinned." in html
    assert ">Due soon</a>" not in html


def test_pinned_nav_costs_no_query_once_cached(web, user):
    _save(user, name="Due soon", query="ordering=due_date", pinned=True)
    web.get(reverse("accounts:profile"))
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as queries:
        html = web.get(reverse("accounts:profile")).content.decode()
    assert "Due soon" in html
    assert not [q for q in queries.captured_queries if "tasks_savedfilter" in q["sql"]]


@pytest.mark.parametrize("action", ["edit", "delete"])
def test_another_users_filter_is_a_404_and_unchanged(other_web, user, action):
    saved = _save(user, name="Mine")
    url = _edit(saved) if action == "edit" else _delete(saved)
    response = other_web.post(url, {"name": "Hijacked", "pinned": "true"})
    assert response.status_code == 404
    saved.refresh_from_db()
    assert (saved.name, saved.pinned) == ("Mine", False)
    assert "Mine" not in other_web.get(FILTERS).content.decode()


@pytest.mark.parametrize("filter_id", ["not-an-id", "0" * 26, "x" * 300])
def test_missing_or_malformed_ids_are_404(web, user, filter_id):
    assert web.post(f"{FILTERS}{filter_id}/", {"name": "x"}).status_code == 404
    assert web.post(f"{FILTERS}{filter_id}/delete/", {}).status_code == 404
    with pytest.raises(Http404):
        saved_filters.get_user_filter(user, filter_id)


def test_manage_page_lists_only_my_filters(web, user, other_user):
    _save(user, name="Mine")
    _save(other_user, name="Theirs")
    response = web.get(FILTERS)
    assert response.status_code == 200
    html = response.content.decode()
    assert "Mine" in html
    assert "Theirs" not in html


def test_pages_need_sign_in(client, user):
    saved = _save(user)
    assert client.get(FILTERS).status_code == 302
    assert client.post(_edit(saved), {"name": "x"}).status_code == 302
    assert client.post(_delete(saved)).status_code == 302
    assert SavedFilter.objects.get().name == "Home"


def test_get_on_write_urls_is_405(web, user):
    saved = _save(user)
    assert web.get(_edit(saved)).status_code == 405
    assert web.get(_delete(saved)).status_code == 405


def test_deleting_the_account_deletes_its_filters(user):
    _save(user)
    user.delete()
    assert not SavedFilter.objects.exists()


def test_your_data_export_holds_only_my_saved_filters(user, other_user):
    from tasks.account_data import export_saved_filters

    _save(user, name="Mine", pinned=True)
    _save(other_user, name="Theirs")
    rows = list(export_saved_filters(user))
    assert [(row["name"], row["query"], row["pinned"]) for row in rows] == [
        ("Mine", "tag=home", True)
    ]


def test_manage_page_offers_saving_the_filter_it_was_given(web, user):
    html = web.get(FILTERS).content.decode()
    assert "then choose “Save this filter” there" in html
    assert 'name="query"' not in html
    html = web.get(FILTERS, {"tag": "home"}).content.decode()
    assert 'name="query" value="tag=home"' in html
    response = web.post(FILTERS, {"name": "Nothing", "query": ""})
    assert response.status_code == 400
    assert "Choose a filter or an order first" in response.content.decode()


@pytest.mark.parametrize(
    "data",
    [
        {"name": "nul\x00name", "query": "tag=home"},
        {"name": "Fine", "query": "search=a%00b"},
        {"name": "Fine", "query": "tag=" + "t" * 40},
        {"name": "Fine", "query": "project=not-an-id&assignee=" + "x" * 40},
    ],
)
def test_hostile_saves_are_400s(web, user, data):
    response = web.post(FILTERS, data)
    assert response.status_code == 400
    assert not SavedFilter.objects.exists()


def test_the_list_page_reads_the_saved_filters_once(web, user, monkeypatch):
    """The nav's pinned filters and the list's menu share one read per request."""
    _save(user, name="Pinned one", query="tag=home", pinned=True)
    _save(user, name="Other one", query="tag=work")
    calls = []
    real = saved_filters.user_filters
    monkeypatch.setattr(saved_filters, "user_filters", lambda u: calls.append(u) or real(u))
    page = web.get(LIST).content.decode()
    assert len(calls) == 1
    assert page.count(">Pinned one</a>") == 3  # nav, the phone's "More" menu, the list's menu
    assert page.count(">Other one</a>") == 1
