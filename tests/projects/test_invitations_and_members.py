"""Invitations (single use, expiry, re-invite dedupe, the right email only), member
removal (unassigns, takes effect at once), owners, the Inbox, activity."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core import mail
from django.http import Http404
from django.utils import timezone

from projects import notify, roles, services
from projects.exceptions import InboxRule, InvitationClosed, LastOwner
from projects.inbox import inbox_id_of
from projects.models import Invitation, Membership, Project, Role
from tasks import selectors
from tasks import services as task_services
from tasks.models import Activity
from tests.factories import UserFactory


def _owner_membership(world):
    return roles.get_membership_for(world.users["owner"], world.project.pk)


def _invite(world, email, role=Role.EDITOR):
    return services.member_invite(
        actor=world.users["owner"], membership=_owner_membership(world), email=email, role=role
    )


def test_reinviting_updates_the_one_invitation_and_voids_the_old_link(world):
    first_token = notify.invitation_token(world.invitation)
    again = _invite(world, "NEW@example.com", Role.VIEWER)
    assert again.pk == world.invitation.pk
    assert Invitation.objects.filter(project=world.project, email="new@example.com").count() == 1
    assert again.role == Role.VIEWER
    assert len(mail.outbox) == 1
    assert mail.outbox[0].to == ["new@example.com"]
    newcomer = UserFactory(email="new@example.com")
    with pytest.raises(InvitationClosed):
        services.invitation_accept(actor=newcomer, token=first_token)
    membership = services.invitation_accept(actor=newcomer, token=notify.invitation_token(again))
    assert membership.role == Role.VIEWER


def test_an_invitation_is_used_once(world):
    newcomer = UserFactory(email="new@example.com")
    token = notify.invitation_token(world.invitation)
    services.invitation_accept(actor=newcomer, token=token)
    with pytest.raises(InvitationClosed):
        services.invitation_accept(actor=newcomer, token=token)
    with pytest.raises(InvitationClosed):
        services.invitation_accept(actor=newcomer, invitation_id=world.invitation.pk)
    assert Membership.objects.filter(project=world.project, user=newcomer).count() == 1


def test_only_the_invited_email_can_accept(world):
    stranger = world.users["outsider"]
    with pytest.raises(Http404):
        services.invitation_accept(actor=stranger, invitation_id=world.invitation.pk)
    response = world.client("outsider").post(f"/api/invitations/{world.invitation.pk}/accept/")
    assert response.status_code == 404
    assert not Membership.objects.filter(project=world.project, user=stranger).exists()


def test_an_expired_invitation_cannot_be_accepted(world):
    newcomer = UserFactory(email="new@example.com")
    Invitation.objects.filter(pk=world.invitation.pk).update(
        expires_at=timezone.now() - timedelta(seconds=1)
    )
    client = world.client("owner")
    client.force_authenticate(newcomer)
    assert client.get("/api/invitations/").json()["results"] == []
    response = client.post(f"/api/invitations/{world.invitation.pk}/accept/")
    assert response.status_code == 400
    assert response.json()["code"] == "invitation_closed"


def test_a_signed_link_older_than_seven_days_is_refused(world, monkeypatch):
    token = notify.invitation_token(world.invitation)
    later = timezone.now().timestamp() + 7 * 24 * 3600 + 5
    monkeypatch.setattr("django.core.signing.time.time", lambda: later)
    assert notify.read_invitation_token(token) is None


def test_existing_user_sees_the_invitation_in_app_and_accepts_it(world):
    newcomer = UserFactory(email="new@example.com")
    client = world.client("owner")
    client.force_authenticate(newcomer)
    mine = client.get("/api/invitations/").json()["results"]
    assert [i["id"] for i in mine] == [world.invitation.pk]
    assert mine[0]["project"] == {"id": world.project.pk, "name": "Launch"}
    response = client.post(f"/api/invitations/{world.invitation.pk}/accept/")
    assert response.status_code == 200
    assert response.json()["role"] == "editor"
    assert client.get(f"/api/projects/{world.project.pk}/").status_code == 200


def test_decline_and_revoke_close_the_invitation(world):
    newcomer = UserFactory(email="new@example.com")
    services.invitation_decline(actor=newcomer, invitation_id=world.invitation.pk)
    with pytest.raises(InvitationClosed):
        services.invitation_accept(actor=newcomer, invitation_id=world.invitation.pk)
    again = _invite(world, "new@example.com")  # a re-invite reopens the same row
    services.invitation_revoke(
        actor=world.users["owner"], membership=_owner_membership(world), invitation_id=again.pk
    )
    with pytest.raises(InvitationClosed):
        services.invitation_accept(actor=newcomer, invitation_id=again.pk)


def test_removing_a_member_unassigns_their_tasks_and_hides_the_project_at_once(world):
    editor, owner = world.users["editor"], world.users["owner"]
    task_services.task_update(actor=owner, task=world.task, changes={"assignee_id": editor.pk})
    client = world.client("editor")
    assert selectors.task_stats(editor)["total"] == 1  # assigned to me: cached now
    assert client.get(f"/api/projects/{world.project.pk}/stats/").json()["total"] == 1
    services.member_remove(actor=owner, membership=_owner_membership(world), user_id=editor.pk)
    world.task.refresh_from_db()
    assert world.task.assignee_id is None
    assert selectors.task_stats(editor)["total"] == 0
    for url in (
        f"/api/projects/{world.project.pk}/",
        f"/api/projects/{world.project.pk}/stats/",
        f"/api/tasks/{world.task.pk}/",
    ):
        assert client.get(url).status_code == 404, url
    assert client.get("/api/tasks/?project=" + world.project.pk).json()["results"] == []
    unassigned = Activity.objects.filter(task_id=world.task.pk, action="updated").first()
    assert unassigned.changes == {"assignee": [editor.pk, None]}


def test_the_last_owner_cannot_leave_or_step_down(world):
    owner = world.users["owner"]
    with pytest.raises(LastOwner):
        services.member_remove(actor=owner, membership=_owner_membership(world), user_id=owner.pk)
    with pytest.raises(LastOwner):
        services.member_change_role(
            actor=owner, membership=_owner_membership(world), user_id=owner.pk, role="admin"
        )
    services.project_transfer(
        actor=owner, membership=_owner_membership(world), to_user_id=world.users["admin"].pk
    )
    roles_now = dict(
        Membership.objects.filter(project=world.project).values_list("user__email", "role")
    )
    assert roles_now["owner@example.com"] == "admin"
    assert roles_now["admin@example.com"] == "owner"


def test_the_inbox_cannot_be_shared_archived_or_deleted(db, user):
    inbox = roles.get_membership_for(user, inbox_id_of(user))
    assert inbox.project.is_inbox
    assert inbox.role == Role.OWNER
    with pytest.raises(InboxRule):
        services.member_invite(actor=user, membership=inbox, email="x@example.com", role="viewer")
    with pytest.raises(InboxRule):
        services.project_update(actor=user, membership=inbox, changes={"archived": True})
    with pytest.raises(InboxRule):
        services.project_delete(actor=user, membership=inbox)


def test_every_new_user_gets_exactly_one_inbox(db):
    user = UserFactory()
    assert Project.objects.filter(inbox_owner=user).count() == 1
    assert Membership.objects.get(user=user).role == Role.OWNER


def test_assignee_must_be_an_editor_member(world):
    from django.core.exceptions import ValidationError

    for who in ("viewer", "outsider"):
        with pytest.raises(ValidationError):
            task_services.task_update(
                actor=world.users["owner"],
                task=world.task,
                changes={"assignee_id": world.users[who].pk},
            )


def test_moving_a_task_needs_editor_in_both_projects(world):
    viewer_client = world.client("editor")
    other = services.project_create(actor=world.users["owner"], name="Other")
    services.member_invite(
        actor=world.users["owner"],
        membership=roles.get_membership_for(world.users["owner"], other.pk),
        email="editor@example.com",
        role="viewer",
    )
    services.invitation_accept(
        actor=world.users["editor"],
        invitation_id=Invitation.objects.get(project=other, email="editor@example.com").pk,
    )
    response = viewer_client.patch(
        f"/api/tasks/{world.task.pk}/", {"project": other.pk}, format="json"
    )
    assert response.status_code == 403
    owner_client = world.client("owner")
    moved = owner_client.patch(f"/api/tasks/{world.task.pk}/", {"project": other.pk}, format="json")
    assert moved.status_code == 200
    assert moved.json()["project"] == other.pk


def test_every_task_write_records_one_activity_row_per_task(world):
    owner = world.users["owner"]
    before = Activity.objects.count()
    task_services.task_update(actor=owner, task=world.task, changes={"priority": 3})
    row = Activity.objects.filter(task_id=world.task.pk, action="updated").first()
    assert row.changes == {"priority": ["medium", "high"]}
    assert row.actor_id == owner.pk
    assert row.project_id == world.project.pk
    second, _ = task_services.task_create(actor=owner, project_id=world.project.pk, title="B")
    count = task_services.tasks_bulk_set_status(
        actor=owner, ids=[world.task.pk, second.pk], status="done"
    )
    assert count == 2
    assert Activity.objects.count() == before + 4  # update, create, 2 bulk rows
    task_services.task_trash(actor=owner, task=second)
    feed = world.client("viewer").get(f"/api/projects/{world.project.pk}/activity/").json()
    assert {"action": "trashed", "task": second.pk} in [
        {"action": row["action"], "task": row["task"]} for row in feed["results"]
    ]
