"""The task list shows each row's project name from the user's memberships
(tasks.views._attach_projects, projects.selectors.member_projects), not from a join in
the page query; a project the memberships lack is read in one query."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from projects import membership_cache
from projects import services as project_services
from projects.models import Membership, Role
from projects.selectors import member_projects
from tests.factories import TaskFactory, UserFactory

pytestmark = pytest.mark.django_db


def _page_query(queries: list[dict]) -> str:
    (page,) = [q["sql"] for q in queries if 'FROM "tasks_task"' in q["sql"] and "LIMIT" in q["sql"]]
    return page


def test_rows_name_their_projects_without_a_join(web, user):
    shared = project_services.project_create(actor=user, name="Garden club")
    TaskFactory(owner=user, title="In the inbox")
    TaskFactory(owner=user, project_id=shared.pk, title="Water the roses")
    with CaptureQueriesContext(connection) as queries:
        body = web.get("/tasks/").content.decode()
    assert "Water the roses" in body
    assert ">Garden club</a>" in body
    assert ">Inbox</a>" in body
    assert '"projects_project"' not in _page_query(queries.captured_queries)
    # Nor one read per row: the names came with the memberships.
    assert not [q for q in queries.captured_queries if 'FROM "projects_project"' in q["sql"]]


def test_a_project_the_memberships_lack_is_read_once(monkeypatch):
    owner = UserFactory()
    first = project_services.project_create(actor=owner, name="First")
    second = project_services.project_create(actor=owner, name="Second")
    outsider = project_services.project_create(actor=UserFactory(), name="Not theirs")
    # As if the cached memberships predated the second project.
    rows = [membership_cache.MembershipRow(first.pk, Role.OWNER, "First", None, False)]
    monkeypatch.setattr(membership_cache, "rows", lambda user: rows)
    with CaptureQueriesContext(connection) as queries:
        found = member_projects(owner, {first.pk, second.pk, outsider.pk})
    assert {pk: p.name for pk, p in found.items()} == {first.pk: "First", second.pk: "Second"}
    assert len(queries.captured_queries) == 1


def test_a_removed_member_gets_no_name_from_the_memberships():
    owner, member = UserFactory(), UserFactory()
    project = project_services.project_create(actor=owner, name="Private")
    Membership.objects.create(project=project, user=member, role=Role.VIEWER)
    assert member_projects(member, {project.pk})[project.pk].name == "Private"
    Membership.objects.filter(project=project, user=member).delete()
    assert member_projects(member, {project.pk}) == {}
