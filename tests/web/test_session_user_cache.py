"""Browser sessions read the user row (and the session hash) from the shared cache
(accounts.backends.get_user, accounts/user_cache.py), and every way of ending a session
still ends it at the next request; the embedded mode's per-process cache is never
trusted for it."""

from __future__ import annotations

import pytest
from django.core.cache import cache
from django.db import connection
from django.test import Client, override_settings
from django.test.utils import CaptureQueriesContext

from accounts import services, user_cache
from accounts.models import User
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
