"""A new assignee gets an in-app notification (write-path hook), whatever the way."""

from __future__ import annotations

import pytest

from notifications.models import Notification
from projects import services as project_services
from tasks import services as task_services
from tests.factories import UserFactory
from tests.projects.conftest import add_member

pytestmark = pytest.mark.django_db


@pytest.fixture
def team(db):
    ana = UserFactory(email="ana@example.com", name="Ana")
    ben = UserFactory(email="ben@example.com", name="Ben")
    project = project_services.project_create(actor=ana, name="Home")
    add_member(project, ana, ben, "editor")
    return ana, ben, project


def test_assigning_on_create_update_and_bulk_tells_the_assignee(team):
    ana, ben, project = team
    task_services.task_create(actor=ana, project_id=project.pk, title="A", assignee_id=ben.pk)
    task, _ = task_services.task_create(actor=ana, project_id=project.pk, title="B")
    task_services.task_update(actor=ana, task=task, changes={"assignee_id": ben.pk})
    other, _ = task_services.task_create(actor=ana, project_id=project.pk, title="C")
    task_services.tasks_bulk_assign(actor=ana, ids=[other.pk], assignee_id=ben.pk)

    titles = sorted(Notification.objects.filter(user=ben).values_list("title", flat=True))
    assert titles == ["Ana assigned you “A”", "Ana assigned you “B”", "Ana assigned you “C”"]
    assert set(Notification.objects.values_list("kind", flat=True)) == {"assigned"}


def test_no_notification_for_yourself_unassigning_or_other_edits(team):
    ana, ben, project = team
    task, _ = task_services.task_create(
        actor=ana, project_id=project.pk, title="Mine", assignee_id=ana.pk
    )
    task_services.task_update(actor=ana, task=task, changes={"title": "Still mine"})
    task, _ = task_services.task_create(
        actor=ben, project_id=project.pk, title="Ben's", assignee_id=ben.pk
    )
    task_services.task_update(actor=ben, task=task, changes={"assignee_id": None})
    assert not Notification.objects.exists()


def test_the_hook_reads_only_when_someone_else_was_written_as_assignee(
    team, django_assert_num_queries
):
    from notifications import assignments
    from tasks.events import CREATED, TaskEvent

    owner, member, project = team
    task, _ = task_services.task_create(actor=owner, project_id=project.pk, title="t")

    def event(assignees):
        return TaskEvent(
            actor_id=owner.pk,
            action=CREATED,
            task_ids=(task.pk,),
            scopes=frozenset(),
            assignee_ids=assignees,
        )

    with django_assert_num_queries(0):
        assignments.on_task_written(event((None,)))
        assignments.on_task_written(event((owner.pk,)))
    # Another assignee, or an event that does not say (assignee_ids empty): the read.
    with django_assert_num_queries(1):
        assignments.on_task_written(event((member.pk,)))
    with django_assert_num_queries(1):
        assignments.on_task_written(event(()))
