"""Query counts of the project endpoints stay fixed as members, projects and tasks
grow (SPEC §7): membership checks are one indexed lookup or a subquery, never a
query per row."""

from __future__ import annotations

import pytest
from django.core import mail

from projects import roles, services
from projects.models import Invitation
from tasks import comments
from tasks import services as task_services
from tests.conftest import client_for
from tests.factories import UserFactory

AUTH = 2  # the user row and the revocation check


def _grow(owner, size: int):
    """``size`` projects with ``size`` members each and ``size`` tasks (with activity
    and a comment) in the first one."""
    first = None
    for p in range(size):
        project = services.project_create(actor=owner, name=f"P{p}")
        first = first or project
        membership = roles.get_membership_for(owner, project.pk)
        for m in range(size):
            member = UserFactory(email=f"m{p}-{m}@example.com")
            services.member_invite(
                actor=owner, membership=membership, email=member.email, role="editor"
            )
            services.invitation_accept(
                actor=member,
                invitation_id=Invitation.objects.get(project=project, email=member.email).pk,
            )
    for t in range(size):
        task, _ = task_services.task_create(actor=owner, project_id=first.pk, title=f"T{t}")
        comments.comment_create(actor=owner, task=task, body="note")
    mail.outbox.clear()
    return first, task


@pytest.mark.parametrize("size", [1, 6])
@pytest.mark.parametrize(
    ("url", "queries"),
    [
        # the user's project ids + their task total (the stats counters: a list over
        # several projects is merged per project from tasks.filters.MERGED_FROM_TASKS)
        # + the page
        ("/api/tasks/", AUTH + 3),
        ("/api/tasks/?project={project}&assignee=me", AUTH + 1),
        ("/api/projects/", AUTH + 1),
        ("/api/projects/{project}/", AUTH + 1),
        ("/api/projects/{project}/members/", AUTH + 2),  # membership check + the page
        ("/api/projects/{project}/activity/", AUTH + 2),
        # + on a miss: three reads of the counters, the window's first hour of tasks
        ("/api/projects/{project}/stats/", AUTH + 5),
        ("/api/tasks/{task}/activity/", AUTH + 2),
        ("/api/tasks/{task}/comments/", AUTH + 2),
        ("/api/invitations/", AUTH + 1),
    ],
)
def test_project_reads_cost_a_fixed_number_of_queries(
    db, settings, size, url, queries, django_assert_max_num_queries
):
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    owner = UserFactory(email="owner@example.com")
    project, task = _grow(owner, size)
    client = client_for(owner)
    with django_assert_max_num_queries(queries):
        response = client.get(url.format(project=project.pk, task=task.pk))
    assert response.status_code == 200
