"""Realistic demo data for ``manage.py seed_demo``: varied statuses, priorities, due
dates and tags, with completions spread over the last 30 days (for the dashboard)."""

from __future__ import annotations

import random
from datetime import timedelta
from typing import Any

from django.contrib.auth.models import Group
from django.core.exceptions import ValidationError
from django.utils import timezone

from accounts.models import User
from accounts.selectors import user_by_email
from accounts.services import user_register, user_set_password
from tasks import counters, events, services
from tasks.models import Priority, Status, Task

DEMO_EMAIL = "demo@taskflow.local"
DEMO_NAME = "Demo User"
# Accounts seed_demo created are members of this group: the marker that lets a re-run
# reset their password, and refuse to touch any other account. (A group, not a model
# field: no migration on either tree, and only an admin can join a user to one.)
DEMO_GROUP = "seed_demo accounts"

_VERBS = ("Write", "Review", "Plan", "Fix", "Prepare", "Call", "Update", "Draft", "Test", "Ship")
_OBJECTS = (
    "the quarterly report",
    "onboarding checklist",
    "invoice for ACME",
    "release notes",
    "team offsite agenda",
    "login page copy",
    "database backup job",
    "budget spreadsheet",
    "customer interview notes",
    "roadmap slides",
    "flaky CI test",
    "dentist appointment",
)
_TAGS = ("work", "home", "urgent", "errand", "finance", "health", "reading", "ops", "writing")
_STATUS_WEIGHTS = ((Status.TODO, 4), (Status.IN_PROGRESS, 2), (Status.DONE, 4))


def get_or_create_demo_user(*, email: str, password: str) -> tuple[User, bool]:
    """The demo user. One that seed_demo created earlier is reused, its password set to
    ``password`` (ending its tokens); any other existing account is refused untouched."""
    existing = user_by_email(email)
    if existing is None:
        user = user_register(email=email, password=password, name=DEMO_NAME)
        group, _ = Group.objects.get_or_create(name=DEMO_GROUP)
        user.groups.add(group)
        return user, True
    is_demo = existing.groups.filter(name=DEMO_GROUP).exists()
    if not is_demo or existing.is_staff or existing.is_superuser:
        raise ValidationError(
            {
                "email": f"{existing.email} is not a demo account created by seed_demo "
                "(or it has staff rights); it was left untouched. Choose another --email."
            }
        )
    user_set_password(user=existing, password=password)
    return existing, False


def seed_tasks(*, owner: User, count: int, rng: random.Random) -> list[Task]:
    """Create ``count`` tasks through the services, then backdate creation and
    completion times so that the last 30 days look lived in."""
    today = timezone.localdate()
    now = timezone.now()
    statuses = [s for s, w in _STATUS_WEIGHTS for _ in range(w)]
    created: list[Task] = []
    backdated_tasks: list[Task] = []
    for _ in range(count):
        status = rng.choice(statuses)
        due = None if rng.random() < 0.25 else today + timedelta(days=rng.randint(-10, 21))
        task, _ = services.task_create(
            actor=owner,
            title=f"{rng.choice(_VERBS)} {rng.choice(_OBJECTS)}",
            description=rng.choice(("", "Details in the shared folder.", "Ask Sam first.")),
            status=status,
            priority=rng.choice(list(Priority)),
            due_date=due,
            tags=rng.sample(_TAGS, rng.randint(0, 3)),
        )
        created_at = now - timedelta(days=rng.randint(0, 45), minutes=rng.randint(0, 1440))
        backdated: dict[str, Any] = {"created_at": created_at, "updated_at": created_at}
        if status == Status.DONE:
            done_at = now - timedelta(days=rng.randint(0, 29), minutes=rng.randint(0, 600))
            backdated["completed_at"] = max(done_at, created_at)
            backdated["updated_at"] = backdated["completed_at"]
        # Demo-only backdating: no service sets past timestamps, on purpose.
        Task.objects.filter(pk=task.pk).update(**backdated)
        created.append(task)
        backdated_tasks.append(counters.copy(task, **backdated))
    if created:
        backdated_fields = ("created_at", "updated_at", "completed_at")
        changes = dict.fromkeys(backdated_fields, (None, None))  # differ per task
        # The completion times moved: the counters take them from before and after.
        events.task_written(
            actor=owner,
            action=events.UPDATED,
            tasks=backdated_tasks,
            changes=changes,
            previous=created,
        )
    return created
