"""The embedded mode (SQLite, per-process cache) keeps a request's reads of the user's
row, their session's revocation, their memberships and the bell's count for the
thread's next requests while SQLite reports the database unchanged
(``taskflow.request_memo``, ``taskflow.backends.change_stamp``): every change, by this
connection, another connection or another process, is seen at the next request.

These tests run outside a test transaction (``transactional_db``): a memo filled inside
one is never carried over, so the rest of the suite sees every request read afresh."""

from __future__ import annotations

import contextlib
import sqlite3
import subprocess
import sys
import threading
from types import SimpleNamespace

import pytest
from django.db import connection, transaction
from django.test import Client
from django.test.utils import CaptureQueriesContext

from accounts.models import LoginSession, User
from accounts.services import login_session_end
from projects import membership_cache
from projects import services as project_services
from projects.models import Membership
from taskflow import backends, request_memo
from tasks import services as task_services
from tests.conftest import client_for
from tests.factories import UserFactory
from tests.projects.conftest import add_member

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(connection.vendor != "sqlite", reason="SQLite's change stamp"),
]

USER_READ = 'FROM "accounts_user" WHERE'
REVOCATION_READ = 'FROM "accounts_revokedtoken"'
MEMBERSHIP_READ = 'FROM "projects_membership" INNER JOIN'
UNREAD_READ = 'FROM "notifications_notification"'


@pytest.fixture(autouse=True)
def embedded(settings):
    settings.CACHE_IS_SHARED = False
    settings.NOTIFICATIONS_UNREAD_TTL = 0
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    request_memo.drop_kept()
    yield
    request_memo.drop_kept()


def reads(queries, marker: str) -> int:
    return len([q for q in queries if marker in q["sql"]])


def get(client, path: str):
    with CaptureQueriesContext(connection) as queries:
        response = client.get(path)
    return response, queries


def in_another_connection(write) -> None:
    """Run ``write`` in a thread of its own: Django gives it its own connection."""
    errors: list[BaseException] = []

    def run() -> None:
        try:
            write()
        except BaseException as exc:  # re-raised in the test
            errors.append(exc)
        finally:
            connection.close()

    thread = threading.Thread(target=run)
    thread.start()
    thread.join(30)
    assert not thread.is_alive()
    if errors:
        raise errors[0]


@pytest.fixture
def owner():
    owner = UserFactory(email="owner@example.com", name="Owner")
    project = project_services.project_create(actor=owner, name="Launch")
    task_services.task_create(actor=owner, project_id=project.pk, title="Plan")
    return owner


def test_a_second_api_request_reads_neither_the_user_nor_the_revocation(owner):
    client = client_for(owner)
    first, queries = get(client, "/api/tasks/")
    assert first.status_code == 200
    assert reads(queries, USER_READ) == 1
    assert reads(queries, REVOCATION_READ) == 1
    second, queries = get(client, "/api/tasks/")
    assert second.json() == first.json()
    assert reads(queries, USER_READ) == 0
    assert reads(queries, REVOCATION_READ) == 0
    assert reads(queries, MEMBERSHIP_READ) == 0


def test_a_second_page_reads_only_its_tasks(owner):
    browser = Client()
    browser.force_login(owner)
    first, queries = get(browser, "/tasks/")
    assert first.status_code == 200
    assert reads(queries, UNREAD_READ) == 1
    second, queries = get(browser, "/tasks/")
    assert second.status_code == 200
    assert "Plan" in second.content.decode()
    for marker in (USER_READ, REVOCATION_READ, MEMBERSHIP_READ, UNREAD_READ):
        assert reads(queries, marker) == 0, marker
    assert len(queries) < len(get(Client(), "/tasks/")[1]) + 4


def test_a_write_of_this_connection_is_seen_at_the_next_request(owner):
    client = client_for(owner)
    assert get(client, "/api/tasks/")[0].status_code == 200
    User.objects.filter(pk=owner.pk).update(is_active=False)
    assert get(client, "/api/tasks/")[0].status_code == 401


def test_a_deactivation_by_another_connection_is_seen_at_the_next_request(owner):
    client = client_for(owner)
    assert get(client, "/api/tasks/")[0].status_code == 200
    assert get(client, "/api/tasks/")[0].status_code == 200  # from the memo
    in_another_connection(lambda: User.objects.filter(pk=owner.pk).update(is_active=False))
    assert get(client, "/api/tasks/")[0].status_code == 401


def test_a_session_ended_by_another_connection_is_seen_at_the_next_request(owner):
    client = client_for(owner)
    assert get(client, "/api/tasks/")[0].status_code == 200
    assert get(client, "/api/tasks/")[0].status_code == 200
    (row,) = LoginSession.objects.filter(user=owner)
    in_another_connection(lambda: login_session_end(user=owner, session_id=row.pk))
    assert get(client, "/api/tasks/")[0].status_code == 401


def test_a_membership_removed_by_another_connection_is_seen_at_the_next_request(owner):
    member = UserFactory(email="member@example.com")
    project = project_services.project_create(actor=owner, name="Shared")
    task, _ = task_services.task_create(actor=owner, project_id=project.pk, title="Shared plan")
    add_member(project, owner, member, "editor")
    client = client_for(member)
    path = f"/api/tasks/{task.pk}/"
    assert get(client, path)[0].status_code == 200
    assert "Shared plan" in str(get(client, "/api/tasks/")[0].json())
    in_another_connection(lambda: Membership.objects.filter(user=member).delete())
    assert get(client, path)[0].status_code == 404
    assert "Shared plan" not in str(get(client, "/api/tasks/")[0].json())


def test_the_bell_counts_a_notification_another_connection_writes(owner):
    from notifications.models import Notification

    browser = Client()
    browser.force_login(owner)
    get(browser, "/tasks/")
    assert 'class="badge unread-count"' not in get(browser, "/tasks/")[0].content.decode()
    in_another_connection(
        lambda: Notification.objects.create(user_id=owner.pk, kind="assigned", title="Hi")
    )
    page, queries = get(browser, "/tasks/")
    assert reads(queries, UNREAD_READ) == 1
    assert page.content.decode().count('class="badge unread-count"') == 1


def test_a_value_read_inside_a_transaction_is_dropped_when_it_ends(owner):
    request_memo.start()
    try:
        with transaction.atomic():
            assert request_memo.get("k") is None
            request_memo.put("k", 1)
            assert request_memo.get("k") == 1
        assert request_memo.get("k") is None  # the transaction has ended
    finally:
        request_memo.finish()


def test_a_value_read_inside_a_rolled_back_savepoint_is_dropped(owner):
    """The memberships a rolled-back write had added are not served afterwards."""
    member = UserFactory(email="member@example.com")
    project = project_services.project_create(actor=owner, name="Shared")
    request_memo.start()
    try:
        with transaction.atomic():
            assert request_memo.get("outer") is None
            request_memo.put("outer", "read in the transaction")
            with contextlib.suppress(RuntimeError), transaction.atomic():
                Membership.objects.create(project=project, user=member, role="viewer")
                rows = {row.project_id for row in membership_cache.rows(member)}
                assert project.pk in rows
                raise RuntimeError("rolled back")
            rows = {row.project_id for row in membership_cache.rows(member)}
            assert project.pk not in rows
            assert request_memo.get("outer") is None
    finally:
        request_memo.finish()


def test_a_request_that_read_inside_a_transaction_passes_nothing_on(owner):
    request_memo.start()
    with transaction.atomic():
        assert request_memo.get("k") is None
        request_memo.put("k", 1)
    request_memo.finish()
    request_memo.start()
    try:
        assert request_memo.get("k") is None
    finally:
        request_memo.finish()


def test_a_value_read_across_a_write_is_not_kept(owner):
    request_memo.start()
    try:
        assert request_memo.get("k") is None
        User.objects.filter(pk=owner.pk).update(name="Renamed")  # between get and put
        request_memo.put("k", "read before the write")
        assert request_memo.get("k") is None
    finally:
        request_memo.finish()


def test_a_value_read_before_a_write_is_not_kept_after_another_miss(owner):
    request_memo.start()
    try:
        assert request_memo.get("k") is None
        User.objects.filter(pk=owner.pk).update(name="Renamed")
        assert request_memo.get("other") is None  # the memo takes the new stamp here
        request_memo.put("k", "read before the write")
        assert request_memo.get("k") is None
        request_memo.put("k", "read after the write")
        assert request_memo.get("k") == "read after the write"
    finally:
        request_memo.finish()


def test_a_put_without_a_get_is_not_kept(owner):
    request_memo.start()
    try:
        request_memo.put("k", 1)
        assert request_memo.get("k") is None
    finally:
        request_memo.finish()


def test_outside_a_request_nothing_is_kept(owner):
    request_memo.put("k", 1)
    assert request_memo.get("k") is None
    assert not request_memo.active()


def test_a_memo_starts_again_empty_beyond_its_bound(owner, monkeypatch):
    monkeypatch.setattr(request_memo, "MAX_VALUES", 3)
    request_memo.start()
    try:
        for n in range(4):
            assert request_memo.get(n) is None
        for n in range(3):
            request_memo.put(n, n)
        assert [request_memo.get(n) for n in range(3)] == [0, 1, 2]
        request_memo.put(3, 3)
        assert [request_memo.get(n) for n in range(4)] == [None, None, None, 3]
    finally:
        request_memo.finish()


def test_the_stamp_sees_every_writer(tmp_path):
    """``change_stamp`` on a real database file: unchanged by reads, changed by a write
    of this connection (even one rolled back), of another connection and of another
    process."""
    path = tmp_path / "stamp.sqlite3"
    raw = sqlite3.connect(path, isolation_level=None)
    raw.execute("PRAGMA journal_mode=WAL")
    raw.execute("CREATE TABLE t (x)")
    wrapper = SimpleNamespace(vendor="sqlite", connection=raw, ensure_connection=lambda: None)
    stamp = backends.change_stamp(wrapper)
    raw.execute("SELECT * FROM t").fetchall()
    assert backends.change_stamp(wrapper) == stamp

    raw.execute("BEGIN")
    raw.execute("INSERT INTO t VALUES (1)")
    raw.execute("ROLLBACK")
    assert backends.change_stamp(wrapper) != stamp
    stamp = backends.change_stamp(wrapper)

    other = sqlite3.connect(path, isolation_level=None)
    other.execute("INSERT INTO t VALUES (2)")
    other.close()
    assert backends.change_stamp(wrapper) != stamp
    stamp = backends.change_stamp(wrapper)

    code = "import sqlite3, sys; db = sqlite3.connect(sys.argv[1]); db.execute('DELETE FROM t')"
    code += "; db.commit()"
    subprocess.run([sys.executable, "-c", code, str(path)], check=True, timeout=60)
    assert backends.change_stamp(wrapper) != stamp

    fresh = sqlite3.connect(path, isolation_level=None)
    assert (
        backends.change_stamp(SimpleNamespace(**{**vars(wrapper), "connection": fresh}))[0] is fresh
    )
    raw.close()
    fresh.close()


def test_other_backends_have_no_stamp():
    assert backends.change_stamp(SimpleNamespace(vendor="postgresql")) is None
