"""A user's memberships come from the shared cache (projects/membership_cache.py) for task
lists and the project switcher, and every way of changing them reaches the next request
at once on real Redis; the cached ids never grant access, and the embedded mode's
per-process cache is never trusted."""

from __future__ import annotations

import pytest
from django.core.cache import cache
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from projects import membership_cache, roles, services
from projects.models import Membership, Project
from tasks import services as task_services
from tests.backends.conftest import redis_caches
from tests.conftest import client_for
from tests.factories import UserFactory
from tests.projects.conftest import add_member

pytestmark = pytest.mark.django_db

MEMBERSHIP_READ = 'FROM "projects_membership" INNER JOIN'


@pytest.fixture
def shared(settings, redis_server):
    settings.CACHES = redis_caches(redis_server.url)
    settings.CACHE_IS_SHARED = True
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    return settings


@pytest.fixture
def team(shared):
    owner = UserFactory(email="owner@example.com", name="Owner")
    member = UserFactory(email="member@example.com", name="Member")
    project = services.project_create(actor=owner, name="Launch")
    task_services.task_create(actor=owner, project_id=project.pk, title="Secret plan")
    return owner, member, project


def listed(client) -> tuple[list[str], int]:
    """The titles of the API list, and how many membership reads it cost."""
    with CaptureQueriesContext(connection) as queries:
        response = client.get("/api/tasks/")
    assert response.status_code == 200
    reads = [q for q in queries if MEMBERSHIP_READ in q["sql"]]
    return [t["title"] for t in response.json()["results"]], len(reads)


def switcher(user) -> str:
    """The switcher of the task list page, as rendered."""
    browser = Client()
    browser.force_login(user)
    page = browser.get("/tasks/").content.decode()
    return page.split('class="switcher"', 1)[1].split("</details>", 1)[0]


def membership(owner, project):
    return roles.get_membership_for(owner, project.pk)


def test_the_second_list_takes_the_memberships_from_the_cache(team):
    owner, _, _ = team
    client = client_for(owner)
    assert listed(client) == (["Secret plan"], 1)
    assert listed(client) == (["Secret plan"], 0)


def test_join_shows_the_projects_tasks_at_the_next_list(team):
    owner, member, project = team
    client = client_for(member)
    assert listed(client) == ([], 1)
    assert listed(client) == ([], 0)  # cached
    assert "Launch" not in switcher(member)
    add_member(project, owner, member, "viewer")
    assert listed(client)[0] == ["Secret plan"]
    assert "Launch" in switcher(member)


def test_removal_hides_the_project_from_the_next_list_and_switcher(team):
    owner, member, project = team
    add_member(project, owner, member, "editor")
    client = client_for(member)
    listed(client)
    assert listed(client) == (["Secret plan"], 0)
    assert "Launch" in switcher(member)
    services.member_remove(actor=owner, membership=membership(owner, project), user_id=member.pk)
    assert listed(client)[0] == []
    assert "Launch" not in switcher(member)
    browser = Client()
    browser.force_login(member)
    assert browser.get(f"/projects/{project.pk}/").status_code == 404


def test_cached_ids_never_grant_access(team):
    """Even an entry that still names the project (a bump lost to an outage) shows
    nothing of it: access is the subquery's."""
    owner, member, project = team
    add_member(project, owner, member, "editor")
    client = client_for(member)
    listed(client)
    stale = cache.get(membership_cache.entry_key(member.pk))
    Membership.objects.filter(project_id=project.pk, user_id=member.pk).delete()
    version = cache.get(membership_cache.version_key(member.pk))
    cache.set(membership_cache.entry_key(member.pk), (version, *stale[1:]))
    assert listed(client) == ([], 0)  # the planted entry was used, and narrowed nothing in
    assert client.get(f"/api/projects/{project.pk}/").status_code == 404


def test_rename_archive_and_unarchive_reach_the_switcher(team):
    owner, _, project = team
    assert "Launch" in switcher(owner)
    services.project_update(
        actor=owner, membership=membership(owner, project), changes={"name": "Liftoff"}
    )
    assert "Liftoff" in switcher(owner)
    services.project_update(
        actor=owner, membership=membership(owner, project), changes={"archived": True}
    )
    assert "Liftoff" not in switcher(owner)
    services.project_update(
        actor=owner, membership=membership(owner, project), changes={"archived": False}
    )
    assert "Liftoff" in switcher(owner)


def test_a_rename_reaches_every_member(team):
    owner, member, project = team
    add_member(project, owner, member, "viewer")
    assert "Launch" in switcher(member)
    Project.objects.filter(pk=project.pk).update(name="Renamed")
    assert "Renamed" in switcher(member)
    saved = Project.objects.get(pk=project.pk)
    saved.name = "Saved"  # the admin's way
    saved.save()
    assert "Saved" in switcher(member)


def test_role_changes_reach_the_switcher(team):
    owner, member, project = team
    add_member(project, owner, member, "viewer")
    assert "viewer" in switcher(member)
    services.member_change_role(
        actor=owner, membership=membership(owner, project), user_id=member.pk, role="editor"
    )
    assert "editor" in switcher(member)
    services.project_transfer(
        actor=owner, membership=membership(owner, project), to_user_id=member.pk
    )
    assert "owner" in switcher(member)
    assert "admin" in switcher(owner)


def test_project_deletion_cascades_to_the_members_entries(team):
    owner, member, project = team
    add_member(project, owner, member, "viewer")
    assert "Launch" in switcher(member)
    services.project_delete(actor=owner, membership=membership(owner, project))
    assert "Launch" not in switcher(member)
    assert listed(client_for(member))[0] == []


def test_a_membership_moved_to_another_user_leaves_the_first(team):
    """The admin's inline can change a membership's user: both users' entries go."""
    owner, member, project = team
    add_member(project, owner, member, "viewer")
    other = UserFactory(email="other@example.com")
    assert "Launch" in switcher(member)
    assert "Launch" not in switcher(other)
    row = Membership.objects.get(project_id=project.pk, user_id=member.pk)
    row.user = other
    row.save()
    assert "Launch" not in switcher(member)
    assert "Launch" in switcher(other)


def test_bulk_created_memberships_are_seen(team):
    _, member, project = team
    listed(client_for(member))
    Membership.objects.bulk_create([Membership(project=project, user=member, role="viewer")])
    assert listed(client_for(member))[0] == ["Secret plan"]


def test_an_entry_read_before_a_write_and_stored_after_it_is_not_accepted(team):
    """The race the versions close: a request read version and rows, the member was
    removed, then that request stored the rows it had read."""
    owner, member, project = team
    add_member(project, owner, member, "editor")
    assert "Launch" in switcher(member)
    stale = cache.get(membership_cache.entry_key(member.pk))
    services.member_remove(actor=owner, membership=membership(owner, project), user_id=member.pk)
    cache.set(membership_cache.entry_key(member.pk), stale)  # the slow request's late write
    assert listed(client_for(member)) == ([], 1)  # a miss
    cache.set(membership_cache.entry_key(member.pk), stale)
    assert "Launch" not in switcher(member)


def test_a_lost_version_key_is_a_miss(team):
    owner, _, _ = team
    client = client_for(owner)
    listed(client)
    cache.delete(membership_cache.version_key(owner.pk))  # evicted
    assert listed(client) == (["Secret plan"], 1)


def test_switcher_from_the_cache_matches_the_query(team, settings):
    owner, _, _ = team
    for name in ("beta", "Alpha", "gamma"):
        services.project_create(actor=owner, name=name)
    archived = services.project_create(actor=owner, name="Old")
    services.project_update(
        actor=owner, membership=membership(owner, archived), changes={"archived": True}
    )
    from projects import selectors

    def shown():
        return [(p.pk, p.name, p.is_inbox, p.my_role) for p in selectors.switcher_projects(owner)]

    cached = shown()
    assert cached == shown()  # the second from the entry
    settings.CACHE_IS_SHARED = False
    assert cached == shown()
    assert [name for _, name, _, _ in cached] == ["Inbox", "Alpha", "beta", "gamma", "Launch"]


def test_embedded_mode_reads_the_memberships_once_a_request(settings, db):
    """Never from the per-process cache (another process may have changed them): one
    read per request, shared by the page's list and its switcher. (Inside a test's
    transaction nothing is carried to the next request: tests/backends/test_embedded_memo.py
    covers SQLite's memo across requests.)"""
    settings.CACHE_IS_SHARED = False
    owner = UserFactory(email="owner@example.com")
    project = services.project_create(actor=owner, name="Launch")
    task_services.task_create(actor=owner, project_id=project.pk, title="Plan")
    client = client_for(owner)
    assert listed(client) == (["Plan"], 1)
    assert listed(client) == (["Plan"], 1)  # read again: nothing kept between requests
    assert membership_cache.rows(owner) is None  # outside a request: the id query

    browser = Client()
    browser.force_login(owner)
    browser.get("/tasks/")
    with CaptureQueriesContext(connection) as queries:
        page = browser.get("/tasks/")
    assert "Launch" in page.content.decode().split('class="switcher"', 1)[1]
    assert len([q for q in queries if MEMBERSHIP_READ in q["sql"]]) == 1
    assert not [q for q in queries if q["sql"].startswith('SELECT "projects_project"')]


def test_embedded_mode_forgets_the_memberships_a_request_changes(settings, db):
    from taskflow import request_memo

    settings.CACHE_IS_SHARED = False
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    owner, member = UserFactory(email="owner@example.com"), UserFactory(email="m@example.com")
    project = services.project_create(actor=owner, name="Launch")
    request_memo.start()
    try:
        before = {row.project_id for row in membership_cache.rows(member)}
        add_member(project, owner, member, "viewer")
        after = {row.project_id for row in membership_cache.rows(member)}
    finally:
        request_memo.finish()
    assert after == before | {project.pk}
    assert membership_cache.rows(member) is None


def test_a_warm_page_reads_no_membership(team):
    """The switcher and the list's project ids of an HTML page both come from the entry
    (the page query keeps its membership subquery, which is not a read of its own)."""
    owner, _, _ = team
    browser = Client()
    browser.force_login(owner)
    browser.get("/tasks/")
    with CaptureQueriesContext(connection) as queries:
        page = browser.get("/tasks/")
    assert page.status_code == 200
    assert "Launch" in page.content.decode()
    reads = ('SELECT "projects_membership"', 'SELECT "projects_project"')
    assert not [q for q in queries if q["sql"].startswith(reads)]


def test_a_user_in_very_many_projects_is_served_by_the_queries(team, monkeypatch):
    owner, _, _ = team
    monkeypatch.setattr(membership_cache, "ROWS_MAX", 1)  # the Inbox and Launch: 2
    client = client_for(owner)
    assert listed(client) == (["Secret plan"], 1)
    assert listed(client) == (["Secret plan"], 0)  # the entry says "too many"...
    assert membership_cache.rows(owner) is None  # ...and the id query answers
    assert "Launch" in switcher(owner)
