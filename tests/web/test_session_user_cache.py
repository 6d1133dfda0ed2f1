"""Browser sessions read the user row (and the session hash) from the shared cache
(accounts.backends.get_user, accounts/user_cache.py), and every way of ending a session
still ends it at the next request; the embedded mode's per-process cache is never
trusted for it."""

from __future__ import annotations

import pytest
from django.core.cache import cache, caches
from django.db import connection
from django.test import Client, override_settings
from django.test.utils import CaptureQueriesContext

from accounts import login_sessions, services, user_cache
from accounts.models import LoginSession, User
from tests.backends.conftest import redis_caches
from tests.factories import DEFAULT_PASSWORD

pytestmark = pytest.mark.django_db

PAGE = "/tasks/"


@pytest.fixture
def shared(settings, redis_server):
    settings.CACHES = redis_caches(redis_server.url)
    settings.CACHE_IS_SHARED = True
    return settings


def browser(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def user_reads(client) -> tuple[int, int]:
    with CaptureQueriesContext(connection) as queries:
        status = client.get(PAGE).status_code
    reads = [q for q in queries if 'FROM "accounts_user"' in q["sql"]]
    return status, len(reads)


def test_the_second_page_takes_the_user_and_its_session_hash_from_the_cache(shared, user):
    client = browser(user)
    assert user_reads(client) == (200, 1)
    assert user_reads(client) == (200, 0)  # no read of the password for the session hash
    entry = cache.get(user_cache.row_key(user.pk))
    assert "password" not in entry[1]
    assert user.password not in repr(entry)


@pytest.mark.parametrize(
    "end",
    [
        lambda u: User.objects.filter(pk=u.pk).update(is_active=False),
        lambda u: services.user_revoke_all_tokens(user=u),
        lambda u: services.user_set_password(user=u, password="another secret 42"),
        lambda u: u.delete(),
    ],
    ids=["deactivated", "sign-out-everywhere", "password-set", "deleted"],
)
def test_a_cached_row_does_not_outlive_the_session_end(shared, user, end):
    client = browser(user)
    assert user_reads(client) == (200, 1)
    assert user_reads(client) == (200, 0)  # cached
    end(User.objects.get(pk=user.pk))
    response = client.get(PAGE)
    assert response.status_code == 302
    assert "/accounts/login/" in response["Location"]


def test_changing_the_password_keeps_this_session_and_ends_the_others(shared, user):
    this, other = browser(user), browser(user)
    assert [user_reads(this)[0], user_reads(this), user_reads(other)[0]] == [200, (200, 0), 200]
    response = this.post(
        "/accounts/profile/",
        {
            "form": "password",
            "old_password": DEFAULT_PASSWORD,
            "new_password": "a brand new secret 42",
            "new_password_again": "a brand new secret 42",
        },
    )
    assert response.status_code == 302, response.content[:2000]
    assert this.get(PAGE).status_code == 200
    assert user_reads(this) == (200, 0)  # cached again, under the new hash
    assert other.get(PAGE).status_code == 302


def test_a_hash_cached_under_another_secret_key_is_not_used(shared, settings, user):
    old = settings.SECRET_KEY
    settings.SECRET_KEY = "a-rotated-secret-key-" + "x" * 40
    settings.SECRET_KEY_FALLBACKS = [old]
    client = browser(user)  # a login after the rotation: the new key's hash
    assert user_reads(client) == (200, 1)
    # An instance still on the old key cached the row (a rolling deploy): its hash
    # must not be compared with this session's, or the session would be flushed.
    entry = cache.get(user_cache.row_key(user.pk))
    with override_settings(SECRET_KEY=old, SECRET_KEY_FALLBACKS=[]):
        stale = user_cache._session_hash(User.objects.get(pk=user.pk))
    cache.set(user_cache.row_key(user.pk), (*entry[:3], stale))
    assert client.get(PAGE).status_code == 200


def test_a_generation_changed_on_the_instance_is_not_hashed_from_the_cache(shared, user):
    browser(user).get(PAGE)
    cached = user_cache.load(str(user.pk))
    assert user_cache.SESSION_HASH_ATTR in cached.__dict__
    services.user_revoke_all_tokens(user=cached)  # bumps and re-reads token_generation
    assert cached.get_session_auth_hash() == User.objects.get(pk=user.pk).get_session_auth_hash()


def test_embedded_mode_reads_the_row_every_time(settings, user):
    settings.CACHE_IS_SHARED = False
    client = browser(user)
    assert [user_reads(client), user_reads(client)] == [(200, 1), (200, 1)]


def _auth_reads(client, monkeypatch) -> list[str]:
    """The cache calls of one page that touch the user row, revocation or last-seen keys."""
    backend = caches["default"]
    calls: list[str] = []
    for name in ("get", "get_many", "add", "set"):
        real = getattr(backend, name)

        def counted(keys, *args, _name=name, _real=real, **kwargs):
            names = keys if isinstance(keys, list | dict) else [keys]
            if any(k.startswith(("user:", "revoked:", "session-seen:")) for k in names):
                calls.append(_name)
            return _real(keys, *args, **kwargs)

        monkeypatch.setattr(backend, name, counted)
    assert client.get(PAGE).status_code == 200
    monkeypatch.undo()
    return calls


def test_user_revocation_and_last_seen_are_one_round_trip(shared, user, monkeypatch):
    client = browser(user)
    client.get(PAGE)
    assert _auth_reads(client, monkeypatch) == ["get_many"]


def test_a_session_ended_elsewhere_ends_with_everything_cached(shared, user):
    client, other = browser(user), browser(user)
    [c.get(PAGE) for c in (client, other, client)]
    row = LoginSession.objects.get(session_key=client.session.session_key)
    login_sessions.end(row)
    assert client.get(PAGE).status_code == 302
    assert other.get(PAGE).status_code == 200


def test_last_seen_is_written_once_the_minute_is_over(shared, user):
    client = browser(user)
    client.get(PAGE)
    row = LoginSession.objects.get(session_key=client.session.session_key)
    LoginSession.objects.filter(pk=row.pk).update(ip="192.0.2.1")
    client.get(PAGE)
    assert LoginSession.objects.get(pk=row.pk).ip == "192.0.2.1"  # seen this minute
    cache.delete(login_sessions.seen_key(row.marker))  # the minute is over
    client.get(PAGE)
    assert LoginSession.objects.get(pk=row.pk).ip == "127.0.0.1"
