"""Query counts of the project pages stay fixed as members, projects and tasks grow
(issue 11): the switcher is one query on every page, lists and the task page's
comments and activity never cost a query per row."""

from __future__ import annotations

import pytest
from django.test import Client

from projects import roles, services
from projects.models import Invitation
from tasks import comments
from tasks import services as task_services
from tests.factories import UserFactory

# Session and user rows (plus the session save the messages framework may cause).
SESSION = 2


def _grow(owner, size: int):
    """``size`` projects with ``size`` editors each, ``size`` tasks in the first one,
    each assigned, commented, changed, and an invitation pending for the owner."""
    first = None
    for p in range(size):
        project = services.project_create(actor=owner, name=f"P{p}")
        first = first or project
        membership = roles.get_membership_for(owner, project.pk)
        for m in range(size):
            member = UserFactory(email=f"m{size}-{p}-{m}@example.com", name=f"M{p}{m}")
            invitation = services.member_invite(
                actor=owner, membership=membership, email=member.email, role="editor"
            )
            services.invitation_accept(actor=member, invitation_id=invitation.pk)
    assignee = first.memberships.exclude(user_id=owner.pk).first().user
    for t in range(size):
        task, _ = task_services.task_create(
            actor=owner, project_id=first.pk, title=f"T{t}", assignee_id=assignee.pk
        )
        comments.comment_create(actor=owner, task=task, body=f"note **{t}**")
        comments.comment_create(actor=assignee, task=task, body="reply")
        task = task_services.task_update(
            actor=owner, task=task, changes={"status": "done", "assignee_id": None}
        )
        other = UserFactory(email=f"inviter{size}-{t}@example.com")
        theirs = services.project_create(actor=other, name=f"Theirs {t}")
        services.member_invite(
            actor=other,
            membership=roles.get_membership_for(other, theirs.pk),
            email=owner.email,
            role="viewer",
        )
    assert Invitation.objects.filter(email=owner.email, status="pending").count() == size
    return first, task


PAGES = [
    "/projects/",
    "/projects/{project}/",
    "/projects/{project}/members/",
    "/projects/{project}/settings/",
    "/tasks/",
    "/tasks/mine/",
    "/tasks/new/",
    "/tasks/{task}/",
    "/tasks/{task}/edit/",
    "/invitations/",
]


def _count(url: str, size: int, settings) -> int:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    owner = UserFactory(email=f"owner{size}@example.com", name="Owner")
    project, task = _grow(owner, size)
    client = Client()
    client.force_login(owner)
    target = url.format(project=project.pk, task=task.pk)
    client.get(target)  # warm per-process caches (URL shapes, stats)
    with CaptureQueriesContext(connection) as queries:
        response = client.get(target)
    assert response.status_code == 200
    return len(queries)


@pytest.mark.parametrize("url", PAGES)
def test_page_queries_do_not_grow_with_members_projects_and_tasks(db, settings, url):
    small = _count(url, 1, settings)
    large = _count(url, 5, settings)
    assert large == small, f"{url}: {small} queries with 1 of each, {large} with 5"
    assert small <= SESSION + 10, f"{url}: {small} queries"
