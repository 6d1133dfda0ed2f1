"""taskflow.statements: a read by one key, compiled once per thread, must answer exactly
what the ORM call it replaces answers, for every key, in one statement."""

from __future__ import annotations

import datetime
import threading

import pytest
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from accounts.models import RevokedToken, User
from taskflow import statements
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def _fields(user: User) -> dict:
    return {f.attname: getattr(user, f.attname) for f in User._meta.concrete_fields}


def test_a_row_equals_the_orm_s_for_each_key():
    first = UserFactory(name="Ada", timezone="Europe/Paris")
    second = UserFactory(name="Grace")
    User.objects.filter(pk=second.pk).update(last_login=timezone.now())
    for user in (first, second, first):  # the second read of ``first`` reuses the SQL
        found = statements.row(User, "pk", user.pk)
        assert found is not None
        assert _fields(found) == _fields(User.objects.get(pk=user.pk))
        assert found._state.adding is False
        assert found._state.db == "default"
    # Converted as the ORM converts: an aware datetime, not the backend's text.
    found = statements.row(User, "pk", second.pk)
    assert isinstance(found.last_login, datetime.datetime)
    assert timezone.is_aware(found.last_login)


def test_a_missing_key_is_none_and_a_key_is_never_sql_text():
    UserFactory()
    assert statements.row(User, "pk", "01NOSUCHUSER0000000000000") is None
    # A key that would be SQL if it were formatted into the text is only a value.
    assert statements.row(User, "pk", "x' OR '1'='1") is None
    assert statements.row(User, "email", "nobody@example.com") is None


def test_a_unique_field_other_than_the_key_works_and_a_plain_one_is_refused():
    user = UserFactory(email="ada@example.com")
    assert statements.row(User, "email", "ada@example.com").pk == user.pk
    with pytest.raises(ValueError, match="not unique"):
        statements.row(User, "name", user.name)


def test_exists_follows_each_write():
    user = UserFactory()
    assert statements.exists(RevokedToken, "jti", "one") is False
    RevokedToken.objects.create(
        jti="one",
        kind="session",
        user=user,
        expires_at=timezone.now() + datetime.timedelta(hours=1),
    )
    assert statements.exists(RevokedToken, "jti", "one") is True
    assert statements.exists(RevokedToken, "jti", "two") is False
    RevokedToken.objects.filter(jti="one").delete()
    assert statements.exists(RevokedToken, "jti", "one") is False


def test_one_statement_each_seen_by_the_query_log_and_inside_the_transaction():
    user = UserFactory()
    statements.row(User, "pk", user.pk)
    with CaptureQueriesContext(connection) as queries:
        statements.row(User, "pk", user.pk)
        statements.exists(RevokedToken, "jti", "abc")
    assert len(queries.captured_queries) == 2
    assert user.pk in queries.captured_queries[0]["sql"]  # the bound key, as Django logs it
    # A row written in the open transaction is read by it (same connection).
    with transaction.atomic():
        fresh = UserFactory()
        assert statements.row(User, "pk", fresh.pk).pk == fresh.pk


def test_each_thread_compiles_its_own(transactional_db):
    user = UserFactory()
    found: list = []

    def read() -> None:
        try:
            found.append(statements.row(User, "pk", user.pk).pk)
        finally:
            connection.close()

    thread = threading.Thread(target=read)
    thread.start()
    thread.join()
    assert found == [user.pk]
    assert statements.row(User, "pk", user.pk).pk == user.pk
