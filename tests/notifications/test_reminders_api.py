"""Reminders API: tasks/{id}/reminders/ and reminders/{id}/ (SPEC §9)."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from notifications.models import Reminder
from projects import services as project_services
from tasks import services as task_services
from tests.conftest import client_for
from tests.factories import UserFactory
from tests.projects.conftest import add_member

pytestmark = pytest.mark.django_db


def moment(text: str) -> datetime:
    return datetime.fromisoformat(text)


def url(task) -> str:
    return f"/api/tasks/{task.pk}/reminders/"


def test_absolute_reminder_is_created_listed_and_deleted(alice_client, due_task):
    created = alice_client.post(url(due_task), {"at": "2030-01-15T08:00:00Z"}, format="json")
    assert created.status_code == 201, created.json()
    body = created.json()
    assert body["task"] == due_task.pk
    assert moment(body["fire_at"]) == datetime(2030, 1, 15, 8, 0, tzinfo=UTC)
    assert body["before_due_minutes"] is None
    assert body["sent_at"] is None

    assert [r["id"] for r in alice_client.get(url(due_task)).json()] == [body["id"]]
    assert alice_client.delete(f"/api/reminders/{body['id']}/").status_code == 204
    assert alice_client.get(url(due_task)).json() == []


def test_relative_reminder_counts_back_from_due_time_in_the_users_zone(user, due_task):
    user.timezone = "America/New_York"
    user.save()
    response = client_for(user).post(url(due_task), {"before_due_minutes": 60}, format="json")
    assert response.status_code == 201
    # Due 2030-01-15 18:00 in New York (UTC-5) = 23:00 UTC; an hour before.
    assert moment(response.json()["fire_at"]) == datetime(2030, 1, 15, 22, 0, tzinfo=UTC)


def test_a_time_without_offset_is_read_in_the_users_zone(user, due_task):
    user.timezone = "Europe/Berlin"
    user.save()
    response = client_for(user).post(url(due_task), {"at": "2030-01-10T09:00"}, format="json")
    assert response.status_code == 201
    assert moment(response.json()["fire_at"]) == datetime(2030, 1, 10, 8, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({}, "at"),
        ({"at": None, "before_due_minutes": None}, "at"),
        ({"at": "2030-01-15T08:00:00Z", "before_due_minutes": 10}, "before_due_minutes"),
        ({"before_due_minutes": -1}, "before_due_minutes"),
        ({"before_due_minutes": "10"}, "before_due_minutes"),
        ({"before_due_minutes": True}, "before_due_minutes"),
        ({"at": "tomorrow"}, "at"),
    ],
)
def test_bad_bodies_are_400_with_the_field(alice_client, due_task, body, field):
    response = alice_client.post(url(due_task), body, format="json")
    assert response.status_code == 400
    assert field in response.json()
    assert not Reminder.objects.exists()


def test_relative_reminder_needs_a_due_date(alice_client, task):
    response = alice_client.post(url(task), {"before_due_minutes": 30}, format="json")
    assert response.status_code == 400
    assert "due date" in response.json()["before_due_minutes"][0]


def test_another_users_task_is_404_and_their_reminder_too(user, due_task, other_client):
    assert other_client.get(url(due_task)).status_code == 404
    assert (
        other_client.post(url(due_task), {"before_due_minutes": 5}, format="json").status_code
        == 404
    )
    mine = client_for(user).post(url(due_task), {"before_due_minutes": 5}, format="json").json()
    assert other_client.delete(f"/api/reminders/{mine['id']}/").status_code == 404
    assert Reminder.objects.filter(pk=mine["id"]).exists()


def test_malformed_ids_are_404(alice_client):
    assert alice_client.get("/api/tasks/nope/reminders/").status_code == 404
    assert alice_client.delete("/api/reminders/nope/").status_code == 404


def test_a_viewer_sets_their_own_reminder_and_sees_only_their_own(db):
    owner, viewer = UserFactory(email="o@example.com"), UserFactory(email="v@example.com")
    project = project_services.project_create(actor=owner, name="Home")
    add_member(project, owner, viewer, "viewer")
    task, _ = task_services.task_create(
        actor=owner, project_id=project.pk, title="Boiler", due_date=datetime(2030, 2, 1).date()
    )
    client_for(owner).post(url(task), {"before_due_minutes": 0}, format="json")
    response = client_for(viewer).post(url(task), {"before_due_minutes": 60}, format="json")
    assert response.status_code == 201
    listed = client_for(viewer).get(url(task)).json()
    assert [r["before_due_minutes"] for r in listed] == [60]
    # A member removed loses the task, and with it their reminders: 404 to delete.
    membership = project_services.roles.get_membership_for(owner, project.pk)
    project_services.member_remove(actor=owner, membership=membership, user_id=viewer.pk)
    assert client_for(viewer).delete(f"/api/reminders/{response.json()['id']}/").status_code == 404


def test_changing_the_due_date_moves_relative_reminders_only(user, alice_client, due_task):
    rel = alice_client.post(url(due_task), {"before_due_minutes": 30}, format="json").json()
    ab = alice_client.post(url(due_task), {"at": "2030-01-01T00:00:00Z"}, format="json").json()
    patched = alice_client.patch(
        f"/api/tasks/{due_task.pk}/", {"due_date": "2030-03-01"}, format="json"
    )
    assert patched.status_code == 200
    fire = {r.pk: r.fire_at for r in Reminder.objects.all()}
    assert fire[rel["id"]] == datetime(2030, 3, 1, 17, 30, tzinfo=UTC)
    assert fire[ab["id"]] == datetime(2030, 1, 1, tzinfo=UTC)
    # Without a due date a relative reminder cannot fire.
    alice_client.patch(f"/api/tasks/{due_task.pk}/", {"due_date": None}, format="json")
    assert Reminder.objects.get(pk=rel["id"]).fire_at is None
