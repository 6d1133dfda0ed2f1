"""A shared project with one member per role, built through the services."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pytest
from django.core import mail

from projects import roles, services
from projects.models import Invitation, Project, Role
from tasks import comments
from tasks import services as task_services
from tasks.models import Comment, Task
from tests.conftest import client_for
from tests.factories import UserFactory

ROLES = ("owner", "admin", "editor", "viewer", "outsider")


@dataclass
class World:
    project: Project
    users: dict[str, Any]
    task: Task
    comment: Comment
    invitation: Invitation

    def client(self, who: str) -> Any:
        return client_for(self.users[who])


def add_member(project: Project, owner: Any, user: Any, role: str) -> None:
    membership = roles.get_membership_for(owner, project.pk)
    services.member_invite(actor=owner, membership=membership, email=user.email, role=role)
    invitation = Invitation.objects.get(project=project, email=user.email)
    services.invitation_accept(actor=user, invitation_id=invitation.pk)


@pytest.fixture
def world(db, settings) -> World:
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    users = {who: UserFactory(email=f"{who}@example.com", name=who.title()) for who in ROLES}
    project = services.project_create(actor=users["owner"], name="Launch")
    for who in ("admin", "editor", "viewer"):
        add_member(project, users["owner"], users[who], who)
    task, _ = task_services.task_create(
        actor=users["editor"], project_id=project.pk, title="Write the plan"
    )
    comment = comments.comment_create(actor=users["editor"], task=task, body="On it")
    membership = roles.get_membership_for(users["owner"], project.pk)
    invitation = services.member_invite(
        actor=users["owner"], membership=membership, email="new@example.com", role=Role.EDITOR
    )
    mail.outbox.clear()
    return World(project, users, task, comment, invitation)
