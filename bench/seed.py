"""Benchmark data: users and tasks written with bulk_create in batches.

The one deliberate bypass of the write path (tasks.events): fixtures for fresh bench
users, who have no cached stats and no listeners yet; millions of rows through the
services would take hours. Each task still gets the board place the write path would
give it (tasks.board.placement, then key_after: the end of the first column of its
status), so the status and column agree and no board read has cards to place.

Runs inside a process where Django is set up (bench.harness.django_setup). Values are
drawn from a seeded RNG, so two runs build the same shape of data.
"""

from __future__ import annotations

import random
import time
from collections import Counter
from collections.abc import Iterator
from datetime import timedelta
from typing import Any

from django.contrib.auth.hashers import make_password
from django.utils import timezone

from accounts.models import User
from accounts.selectors import user_by_email
from projects.models import INBOX_NAME, Membership, Project, Role
from taskflow.ids import new_id
from tasks import counters
from tasks.board import key_after, placement
from tasks.models import Priority, Status, Task, TaskTag
from tasks.selectors import visible_tasks

PASSWORD = "bench-Passw0rd!"  # noqa: S105 (benchmark accounts on a throwaway database)
BATCH = 5000
RARE_WORD = "invoice"  # in about 2% of titles: the "searched" list benchmark's term
WORDS = tuple(
    " ".join(
        [
            "plan review draft call email report fix update check write send book buy",
            "clean prepare meeting budget design test deploy release notes client team",
            "garden car doctor school project slides backlog sprint migrate refactor",
        ]
    ).split()
)


TAGS = ("ops", "design", "client", "bug", "docs", "urgent")


def make_users(count: int, prefix: str) -> list[User]:
    # One Argon2 hash shared by every account: hashing 1,000 passwords would take
    # minutes, and the login benchmark only needs each check to cost what it costs.
    hashed = make_password(PASSWORD)
    users = [
        User(id=new_id(), email=f"{prefix}{i}@bench.example", name=f"{prefix} {i}", password=hashed)
        for i in range(count)
    ]
    User.objects.bulk_create(users, batch_size=BATCH)
    # bulk_create sends no post_save: give each user the Inbox registration gives.
    inboxes = [
        Project(id=new_id(), name=INBOX_NAME, created_by_id=u.pk, inbox_owner_id=u.pk)
        for u in users
    ]
    Project.objects.bulk_create(inboxes, batch_size=BATCH)
    Membership.objects.bulk_create(
        [
            Membership(id=new_id(), project_id=p.pk, user_id=p.inbox_owner_id, role=Role.OWNER)
            for p in inboxes
        ],
        batch_size=BATCH,
    )
    return users


def _tasks(owner_id: str, project_id: str, count: int, rng: random.Random) -> Iterator[Task]:
    now = timezone.now()
    today = timezone.localdate()
    for i in range(count):
        created = now - timedelta(seconds=rng.randrange(0, 2 * 365 * 86400))
        status = rng.choices([Status.DONE, Status.TODO, Status.IN_PROGRESS], [60, 25, 15])[0]
        words = rng.sample(WORDS, 3)
        if rng.random() < 0.02:
            words[0] = RARE_WORD
        yield Task(
            id=new_id(),
            owner_id=owner_id,
            project_id=project_id,
            title=f"{' '.join(words).capitalize()} #{i}",
            description=" ".join(rng.choices(WORDS, k=rng.randrange(5, 40))),
            status=status,
            priority=rng.choice(list(Priority)).value,
            due_date=today + timedelta(days=rng.randrange(-60, 60)) if rng.random() < 0.7 else None,
            completed_at=created + timedelta(days=rng.randrange(0, 30))
            if status == Status.DONE
            else None,
            created_at=created,
            updated_at=created,
        )


def _placed(tasks: Iterator[Task], project_id: str) -> Iterator[Task]:
    """Each task at the end of the first column of its status, in order (two queries
    per status, then one key step per task: keys stay six characters)."""
    ends: dict[str, tuple[str, str]] = {}
    for task in tasks:
        if task.status in ends:
            column_id, key = ends[task.status]
            key = key_after(key)
        else:
            column_id, key = placement(project_id, task.status)
        ends[task.status] = (column_id, key)
        task.column_id, task.position = column_id, key
        yield task


def _insert(batch: list[Task]) -> None:
    Task.objects.bulk_create(batch)
    # The tag filter's rows, as tasks.services writes them for tagged tasks.
    links = [TaskTag(task_id=t.pk, owner_id=t.owner_id, name=n) for t in batch for n in t.tags]
    if links:
        TaskTag.objects.bulk_create(links, batch_size=BATCH)


def make_tasks(
    owner_id: str,
    count: int,
    *,
    seed: int = 7,
    project_id: str | None = None,
    card_details: bool = False,
) -> float:
    """Insert ``count`` tasks for one owner, in their Inbox unless ``project_id`` (a
    project they are a member of); returns the seconds it took. ``card_details`` gives
    about half the tasks an assignee (the owner) and tags, as a board shows them."""
    rng = random.Random(f"{seed}:{owner_id}")
    started = time.monotonic()
    batch: list[Task] = []
    if project_id is None:
        project_id = Project.objects.get(inbox_owner_id=owner_id).pk
    # The stats counters, as the write path keeps them for created tasks: one F()
    # update per counter row in the end, not per task.
    created: Counter = Counter()
    for task in _placed(_tasks(owner_id, project_id, count, rng), project_id):
        if card_details and rng.random() < 0.5:
            task.assignee_id = owner_id
            task.tags = rng.sample(TAGS, rng.randrange(1, 3))
        batch.append(task)
        if len(batch) >= BATCH:
            _insert(batch)
            created.update(counters.delta([], batch))
            batch = []
    if batch:
        _insert(batch)
        created.update(counters.delta([], batch))
    counters.apply(created)
    return time.monotonic() - started


def bench_user(email_prefix: str, tasks: int) -> tuple[User, Any]:
    """One user owning ``tasks`` tasks (created if missing)."""
    user = user_by_email(f"{email_prefix}0@bench.example")
    if user is None:
        (user,) = make_users(1, email_prefix)
        make_tasks(user.pk, tasks)
    return user, visible_tasks(user).count()


def shared_project(prefix: str, tasks: int, members: int) -> tuple[Any, User]:
    """A project of ``members`` users (the first its owner, the rest editors who
    joined through the invitation services) holding ``tasks`` tasks spread over its
    members, placed on its board with card details; (project, a member not the owner).
    Found by its owner's email if an earlier run made it (a reused database)."""
    from projects.services import invitation_accept, member_invite, project_create

    owner = user_by_email(f"{prefix}0@bench.example")
    if owner is not None:
        project = Project.objects.get(created_by_id=owner.pk, inbox_owner__isnull=True)
        return project, user_by_email(f"{prefix}1@bench.example")
    users = make_users(members, prefix)
    owner = users[0]
    project = project_create(actor=owner, name=f"Shared {tasks:,}")
    membership = Membership.objects.select_related("project").get(project=project, user_id=owner.pk)
    for user in users[1:]:
        invitation = member_invite(
            actor=owner, membership=membership, email=user.email, role=Role.EDITOR
        )
        invitation_accept(actor=user, invitation_id=invitation.pk)
    for i, user in enumerate(users):
        share = tasks // members + (1 if i < tasks % members else 0)
        make_tasks(user.pk, share, seed=i, project_id=project.pk, card_details=True)
    return project, users[1]
