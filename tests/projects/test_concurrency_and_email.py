"""Two members editing one task with the same If-Match: one wins, one gets 412, one
activity row. The invitation email goes through a real SMTP server (aiosmtpd) and its
link brings a new user through registration into the project."""

from __future__ import annotations

import re

import pytest

from projects import services
from tasks import services as task_services
from tasks.exceptions import PreconditionFailed
from tasks.models import Activity
from tests.conftest import client_for
from tests.smtp import body_of


def test_same_if_match_from_two_members_one_200_one_412_one_activity_row(world):
    url = f"/api/tasks/{world.task.pk}/"
    etag = world.client("owner").get(url)["ETag"]
    first = world.client("editor").patch(url, {"title": "Mine"}, format="json", HTTP_IF_MATCH=etag)
    second = world.client("admin").patch(
        url, {"title": "No, mine"}, format="json", HTTP_IF_MATCH=etag
    )
    assert sorted([first.status_code, second.status_code]) == [200, 412]
    rows = Activity.objects.filter(task_id=world.task.pk, action="updated")
    assert [row.changes for row in rows] == [{"title": ["Write the plan", "Mine"]}]


def test_the_conditional_update_decides_a_race_both_read_before_either_wrote(world):
    # Both members loaded version 1; the second write loses in the database itself.
    stale = type(world.task).objects.get(pk=world.task.pk)
    task_services.task_update(
        actor=world.users["editor"], task=world.task, changes={"title": "A"}, expected_version=1
    )
    stale.version = 1
    with pytest.raises(PreconditionFailed):
        task_services.task_update(
            actor=world.users["admin"], task=stale, changes={"title": "B"}, expected_version=1
        )
    assert Activity.objects.filter(task_id=world.task.pk, action="updated").count() == 1


def test_invitation_email_over_smtp_leads_a_new_user_into_the_project(world, smtp_server):
    from projects import roles

    membership = roles.get_membership_for(world.users["owner"], world.project.pk)
    services.member_invite(
        actor=world.users["owner"], membership=membership, email="ben@example.com", role="editor"
    )
    (message,) = smtp_server.messages
    assert message["To"] == "ben@example.com"
    token = re.search(r"/invitations/([^/\s]+)/", body_of(message)).group(1)

    registered = client_for(world.users["owner"])
    registered.credentials()
    response = registered.post(
        "/api/auth/register/",
        {"email": "ben@example.com", "password": "a long enough pass 42", "name": "Ben"},
        format="json",
    )
    assert response.status_code == 201
    from accounts.selectors import user_by_email

    ben = user_by_email("ben@example.com")
    joined = services.invitation_accept(actor=ben, token=token)
    assert joined.project_id == world.project.pk
    assert joined.role == "editor"
    assert client_for(ben).get(f"/api/tasks/{world.task.pk}/").status_code == 200
