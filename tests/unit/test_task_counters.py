"""The task counters (tasks.counters) that stats read: after every kind of write they
equal a recount, and the stats read from them equal the stats counted from the tasks
(``selectors.counted_stats``) for every project and every user's "mine", at several
moments and in several zones (overdue, due today and the 7-day window move with both).
"""

from __future__ import annotations

import random
import threading
from collections import Counter
from datetime import time, timedelta
from typing import Any

import pytest
from django.db import connection
from django.utils import timezone

from accounts.models import User
from projects import roles
from projects import services as project_services
from projects.columns import column_create, column_delete, column_update, first_column_of
from projects.inbox import inbox_id_of
from projects.models import Project, Role
from tasks import board, counters, permissions, selectors, services
from tasks.models import Priority, Status, Task, TaskCount
from tests.factories import TaskFactory, UserFactory
from tests.projects.conftest import add_member

pytestmark = pytest.mark.django_db

ZONES = ("UTC", "Pacific/Kiritimati", "America/Adak")


def assert_exact(users: list[User]) -> None:
    """Counters == recount, and counter stats == counted stats for every scope."""
    assert counters.mismatches() == {}
    projects = list(Project.objects.all())
    start = timezone.now()
    # Now, the first hour edge of the 7-day window, past midnights in each zone, a week
    # on (every completion has left the window then).
    moments = [start, start + timedelta(minutes=47), start + timedelta(hours=13), start]
    moments += [start + timedelta(days=2, hours=5), start + timedelta(days=8)]
    for zone in ZONES:
        with timezone.override(zone):
            for now in moments:
                for project in projects:
                    counted = selectors.counted_stats(permissions.project_tasks(project), now=now)
                    assert counters.project_stats(project, now=now) == counted, (zone, now)
                for user in users:
                    counted = selectors.counted_stats(permissions.mine_tasks(user), now=now)
                    assert counters.mine_stats(user, now=now) == counted, (zone, now, user)


def create(actor: User, **fields: Any) -> Task:
    task, _ = services.task_create(actor=actor, **{"title": "A task", **fields})
    return task


def fresh(task: Task) -> Task:
    return Task.objects.get(pk=task.pk)


@pytest.fixture
def people(db, settings) -> dict[str, Any]:
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    alice = UserFactory(email="alice@example.com")
    bob = UserFactory(email="bob@example.com")
    project = project_services.project_create(actor=alice, name="Launch")
    add_member(project, alice, bob, Role.EDITOR)
    return {"alice": alice, "bob": bob, "project": project, "users": [alice, bob]}


def test_every_kind_of_write_keeps_the_counters_exact(people):
    alice, bob, project, users = people["alice"], people["bob"], people["project"], people["users"]
    today = timezone.localdate()
    # Creates: Inbox and project, assigned or not, every status, due and not.
    a = create(alice, due_date=today - timedelta(days=1), priority=Priority.HIGH)
    b = create(alice, project_id=project.pk, assignee_id=bob.pk, due_date=today)
    c = create(alice, project_id=project.pk, due_date=today, due_time=time(0, 1))
    d = create(bob, project_id=project.pk, status=Status.DONE, assignee_id=alice.pk)
    e = create(alice, project_id=project.pk, assignee_id=alice.pk, status=Status.IN_PROGRESS)
    assert_exact(users)

    # Updates of each counted field, complete and reopen.
    b = services.task_update(actor=alice, task=fresh(b), changes={"status": Status.DONE})
    b = services.task_update(actor=alice, task=fresh(b), changes={"status": Status.TODO})
    c = services.task_update(
        actor=bob, task=fresh(c), changes={"priority": Priority.LOW, "due_time": time(23, 59)}
    )
    c = services.task_update(actor=bob, task=fresh(c), changes={"assignee_id": bob.pk})
    a = services.task_update(
        actor=alice, task=fresh(a), changes={"due_date": today + timedelta(days=3)}
    )
    a = services.task_update(actor=alice, task=fresh(a), changes={"project_id": project.pk})
    e = services.task_update(actor=alice, task=fresh(e), changes={"project_id": inbox_id_of(alice)})
    assert_exact(users)

    # The board: a move to the done column, then back.
    done_column = first_column_of(project.pk, Status.DONE)
    todo_column = first_column_of(project.pk, Status.TODO)
    c = board.task_move(actor=bob, task=fresh(c), column_id=done_column.pk)
    assert fresh(c).status == Status.DONE
    board.task_move(actor=bob, task=fresh(c), column_id=todo_column.pk)
    assert_exact(users)

    # Bulk writes.
    ids = [a.pk, b.pk, c.pk, d.pk]
    assert services.tasks_bulk_set_status(actor=alice, ids=ids, status=Status.DONE) == 3
    assert services.tasks_bulk_set_status(actor=alice, ids=ids[:2], status=Status.IN_PROGRESS)
    assert services.tasks_bulk_assign(actor=alice, ids=ids, assignee_id=alice.pk)
    assert services.tasks_bulk_move(actor=alice, ids=[b.pk, c.pk], project_id=inbox_id_of(alice))
    assert services.tasks_bulk_move(actor=alice, ids=[b.pk], project_id=project.pk)
    assert_exact(users)

    # The trash: bulk and single, restore, empty, purge, delete for good.
    assert services.tasks_bulk_delete(actor=alice, ids=[a.pk, b.pk]) == 2
    assert_exact(users)
    assert services.tasks_restore_many(actor=alice, ids=[a.pk]) == 1
    services.task_trash(actor=alice, task=fresh(d))
    assert_exact(users)
    services.task_restore(actor=alice, task=fresh(d))
    assert services.trash_empty(actor=alice, ids=[b.pk]) == 1
    services.task_trash(actor=alice, task=fresh(a))
    Task.objects.filter(pk=a.pk).update(deleted_at=timezone.now() - timedelta(days=40))
    assert services.trash_purge() == 1
    services.task_delete_permanently(actor=alice, task=fresh(c))
    assert_exact(users)

    # Import, and completing a repeating task (its next occurrence is a create).
    rows = [
        {"title": "imported todo", "due_date": today - timedelta(days=9)},
        {"title": "imported done", "status": Status.DONE, "priority": Priority.LOW},
        {"title": "imported", "id": "01HZZZZZZZZZZZZZZZZZZZZZZZ", "due_date": today},
    ]
    assert services.tasks_import(actor=bob, rows=rows) == (3, 0)
    assert services.tasks_import(actor=bob, rows=rows[2:]) == (0, 1)
    daily = create(alice, project_id=project.pk, due_date=today, repeat="FREQ=DAILY")
    services.task_update(actor=alice, task=fresh(daily), changes={"status": Status.DONE})
    assert Task.objects.filter(repeat="FREQ=DAILY").count() == 2
    assert_exact(users)

    # Columns: re-categorising one moves its cards' status; deleting one moves its cards.
    membership = roles.get_membership_for(alice, project.pk)
    review = column_create(actor=alice, membership=membership, name="Review", category=Status.TODO)
    for fields in ({"due_date": today}, {"status": Status.DONE}):
        task = create(alice, project_id=project.pk, assignee_id=bob.pk, **fields)
        board.task_move(actor=alice, task=task, column_id=review.pk)
    review = column_update(
        actor=alice, membership=membership, column=review, changes={"category": Status.DONE}
    )
    assert set(Task.objects.filter(column_id=review.pk).values_list("status", flat=True)) == {
        Status.DONE
    }
    assert_exact(users)
    column_delete(
        actor=alice,
        membership=membership,
        column=review,
        move_to=first_column_of(project.pk, Status.IN_PROGRESS).pk,
    )
    assert not Task.objects.filter(column_id=review.pk).exists()
    assert_exact(users)

    # A member removed (unassigned through the write path), then the project deleted.
    project_services.member_remove(actor=alice, membership=membership, user_id=bob.pk)
    assert_exact(users)
    project_services.project_delete(actor=alice, membership=membership)
    assert not TaskCount.objects.filter(project_id=project.pk).exists()
    assert_exact(users)


def test_completions_at_the_edge_of_the_7_day_window(people):
    """Completions minutes either side of "7 days ago" (the window starts inside a
    counter's hour) and in the future (an imported timestamp): each counted once."""
    alice, project = people["alice"], people["project"]
    now = timezone.now()
    for minutes in (-90, -61, -59, -30, -1, 0, 1, 29, 31, 59, 61, 200):
        TaskFactory(
            owner=alice,
            project_id=project.pk,
            assignee=alice,
            status=Status.DONE,
            completed_at=now - timedelta(days=7) + timedelta(minutes=minutes),
        )
    TaskFactory(owner=alice, status=Status.DONE, completed_at=now + timedelta(days=1))
    assert_exact(people["users"])


def test_due_times_around_now_and_midnight(people):
    alice, bob, project = people["alice"], people["bob"], people["project"]
    local = timezone.localtime()
    for days in (-1, 0, 1):
        for hour, minute in ((0, 0), (local.hour, local.minute), (23, 59)):
            create(
                alice,
                project_id=project.pk,
                assignee_id=bob.pk,
                due_date=local.date() + timedelta(days=days),
                due_time=time(hour, minute),
            )
    assert_exact(people["users"])


def test_a_write_that_changes_a_counted_field_must_pass_the_tasks_before_it(people):
    task = create(people["alice"])
    with pytest.raises(ValueError, match="before"):
        services.events.task_written(
            actor=people["alice"],
            action=services.events.UPDATED,
            tasks=[task],
            changes={"status": (Status.TODO, Status.DONE)},
        )
    partial = Task.objects.only("pk", "project_id").get(pk=task.pk)
    with pytest.raises(ValueError, match="counted fields"):
        counters.contribution(partial)


def test_a_random_sequence_of_writes_keeps_the_counters_exact(people):
    """Seeded random writes of every single-task kind over three users' tasks."""
    rng = random.Random(15)
    alice, bob, project = people["alice"], people["bob"], people["project"]
    carol = UserFactory(email="carol@example.com")
    add_member(project, alice, carol, Role.EDITOR)
    users = [alice, bob, carol]
    today = timezone.localdate()
    places = [project.pk, inbox_id_of(alice)]

    def random_fields() -> dict[str, Any]:
        due = rng.choice([None, today + timedelta(days=rng.randint(-3, 3))])
        return {
            "status": rng.choice(Status.values),
            "priority": rng.choice(Priority.values),
            "due_date": due,
            "due_time": rng.choice([None, time(rng.randint(0, 23), 30)]) if due else None,
        }

    for number in range(100):
        if number % 10 == 0:
            assert counters.mismatches() == {}, number
        live = list(permissions.visible_tasks(alice))
        step = rng.choice(["create"] * 3 + ["update"] * 2 + ["move", "trash", "restore", "bulk"])
        if step == "create" or not live:
            project_id = rng.choice(places)
            assignee = rng.choice(users) if project_id == project.pk else alice
            create(alice, project_id=project_id, assignee_id=assignee.pk, **random_fields())
        elif step == "update":
            task = rng.choice(live)
            changes = random_fields()
            if task.project_id == project.pk:
                changes["assignee_id"] = rng.choice([None, *(u.pk for u in users)])
            services.task_update(actor=alice, task=task, changes=changes)
        elif step == "move":
            task = rng.choice([t for t in live if t.project_id == project.pk] or live)
            if task.project_id == project.pk:
                status = rng.choice(Status.values)
                column = first_column_of(project.pk, status)
                board.task_move(actor=alice, task=task, column_id=column.pk)
        elif step == "trash":
            services.task_trash(actor=alice, task=rng.choice(live))
        elif step == "restore":
            trashed = list(permissions.trashed_tasks(alice)[:3])
            if trashed:
                services.task_restore(actor=alice, task=rng.choice(trashed))
        else:
            ids = [t.pk for t in rng.sample(live, min(len(live), 4))]
            action = rng.choice(["status", "assign", "move"])
            if action == "status":
                services.tasks_bulk_set_status(
                    actor=alice, ids=ids, status=rng.choice(Status.values)
                )
            elif action == "assign":
                services.tasks_bulk_assign(actor=alice, ids=ids, assignee_id=bob.pk)
            else:
                services.tasks_bulk_move(actor=alice, ids=ids, project_id=rng.choice(places))
    assert Task.objects.count() > 20
    assert_exact(users)


def test_taskstats_verify_finds_and_fixes_a_wrong_counter(people, capsys):
    from django.core.management import call_command

    create(people["alice"], project_id=people["project"].pk, assignee_id=people["bob"].pk)
    call_command("taskstats", "--verify")
    assert "0 counters wrong" in capsys.readouterr().out
    TaskCount.objects.filter(kind=counters.STATUS, holder="").update(count=5)
    with pytest.raises(SystemExit) as exited:
        call_command("taskstats", "--verify", "--fix")
    assert exited.value.code == 1
    assert "stored 5, recounted 1" in capsys.readouterr().out
    call_command("taskstats", "--verify")
    assert counters.mismatches() == {}


@pytest.mark.django_db(transaction=True)
def test_concurrent_writers_lose_no_increment():
    """Threads creating tasks under new counter rows at once (the insert race), and
    updating and bulk-writing the same tasks at once (the version races)."""
    if connection.vendor == "sqlite" and connection.is_in_memory_db():
        pytest.skip("threads need a shared database: run with PostgreSQL (make test-postgres)")
    owner = UserFactory()
    today = timezone.localdate()
    seeded = [create(owner, title=f"seed {i}") for i in range(6)]
    barrier = threading.Barrier(4)
    errors: list[BaseException] = []

    def writer(n: int) -> None:
        try:
            barrier.wait(timeout=10)
            for i in range(5):
                # The same new due date in every thread: the rows are created at once.
                create(owner, title=f"{n}-{i}", due_date=today + timedelta(days=30 + i))
            for task in seeded:
                status = Status.DONE if n % 2 else Status.IN_PROGRESS
                services.task_update(
                    actor=owner, task=Task.objects.get(pk=task.pk), changes={"status": status}
                )
            ids = [task.pk for task in seeded]
            services.tasks_bulk_set_status(actor=owner, ids=ids, status=Status.TODO)
            services.tasks_bulk_delete(actor=owner, ids=ids[:2])
            services.tasks_restore_many(actor=owner, ids=ids[:2])
        except BaseException as exc:  # reported below, in the test's thread
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=writer, args=(n,)) for n in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert errors == []
    assert Task.objects.count() == 26
    assert counters.mismatches() == {}
    assert_exact([owner])


def test_deleting_an_account_keeps_the_counters_exact(people):
    """The account's Inbox goes, its tasks elsewhere are handed over and its assigned
    tasks unassigned (write path), then the user row's cascade takes its own rows."""
    from accounts import deletion

    alice, bob, project = people["alice"], people["bob"], people["project"]
    create(bob, due_date=timezone.localdate(), status=Status.IN_PROGRESS)
    create(bob, project_id=project.pk, assignee_id=bob.pk, status=Status.DONE)
    create(alice, project_id=project.pk, assignee_id=bob.pk, due_date=timezone.localdate())
    assert_exact([alice, bob])
    deletion.start(user=bob)
    deletion.finish(user=bob)
    assert not TaskCount.objects.filter(holder=str(bob.pk)).exists()
    assert_exact([alice])


@pytest.mark.skipif(connection.vendor != "sqlite", reason="SQLite's one-statement update")
def test_on_sqlite_the_rows_that_add_the_same_amount_take_one_update(people):
    from django.test.utils import CaptureQueriesContext

    alice, project = people["alice"], people["project"]
    create(alice, project_id=project.pk)  # total, status and priority rows exist now
    with CaptureQueriesContext(connection) as plain:
        create(alice, project_id=project.pk)
    # A due date and an assignee: eight rows, three found by the UPDATE, five created.
    with CaptureQueriesContext(connection) as mixed:
        create(alice, project_id=project.pk, due_date=timezone.localdate(), assignee_id=alice.pk)
    updates = [q["sql"] for q in plain if q["sql"].startswith('UPDATE "tasks_taskcount"')]
    assert len(updates) == 1
    assert updates[0].count('"tasks_taskcount"."key" =') == 3
    assert [q for q in mixed if q["sql"].startswith('INSERT INTO "tasks_taskcount"')]
    assert_exact(people["users"])


def test_a_write_of_thousands_of_rows_is_applied_in_bounded_statements(people):
    # One OR per row in a single statement broke SQLite's expression depth (1,000).
    alice, project = people["alice"], people["project"]
    create(alice, project_id=project.pk)
    hours = [
        f"2026-{month:02d}-{day:02d}T{hour:02d}"
        for month in (1, 2)
        for day in range(1, 29)
        for hour in range(24)
    ]
    change = Counter({(str(project.pk), "", counters.DONE_AT, hour): 2 for hour in hours})
    change[(str(project.pk), "", counters.TOTAL, "")] = 2
    counters.apply(change)
    rows = TaskCount.objects.filter(project_id=project.pk, kind=counters.DONE_AT)
    assert rows.count() == len(hours) == 1344
    assert set(rows.values_list("count", flat=True)) == {2}
    total = TaskCount.objects.get(project_id=project.pk, holder="", kind=counters.TOTAL)
    assert total.count == 3
    counters.apply(Counter({slot: -amount for slot, amount in change.items()}))
    assert counters.mismatches() == {}


def test_live_total_reads_the_counters_as_they_are_at_each_call(people):
    """live_total keeps its statement per thread and projects (query_shapes.rows): each
    call reads the rows again, and only the projects' totals (not an assignee's rows)."""
    alice, bob, project = people["alice"], people["bob"], people["project"]
    inbox = inbox_id_of(alice)
    both = [inbox, project.pk]

    def recount() -> int:
        return permissions.live_tasks().filter(project_id__in=both).count()

    assert counters.live_total(both) == 0
    create(alice, project_id=project.pk, assignee_id=bob.pk)
    create(alice, project_id=project.pk, assignee_id=alice.pk)
    doomed = create(alice)
    assert counters.live_total(both) == recount() == 3
    assert counters.live_total([project.pk]) == 2
    services.task_trash(actor=alice, task=fresh(doomed))
    assert counters.live_total(both) == recount() == 2
    assert counters.live_total([]) == 0
