"""JWT requests read the user row from the shared cache (accounts/user_cache.py), and
every way of writing a user still reaches the next request at once; the embedded
mode's per-process cache is never trusted for it."""

from __future__ import annotations

import pytest
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext

from accounts import deletion, services, user_cache
from accounts.models import User
from tests.backends.conftest import redis_caches
from tests.conftest import client_for
from tests.factories import DEFAULT_PASSWORD

pytestmark = pytest.mark.django_db

ME = "/api/auth/me/"


@pytest.fixture
def shared(settings, redis_server):
    settings.CACHES = redis_caches(redis_server.url)
    settings.CACHE_IS_SHARED = True
    return settings


def user_queries(client) -> tuple[int, int]:
    with CaptureQueriesContext(connection) as queries:
        status = client.get(ME).status_code
    reads = [q for q in queries if 'FROM "accounts_user"' in q["sql"]]
    return status, len(reads)


def test_the_second_request_takes_the_row_from_the_cache(shared, user):
    client = client_for(user)
    assert user_queries(client) == (200, 1)
    assert user_queries(client) == (200, 0)


@pytest.mark.parametrize(
    "deactivate",
    [
        lambda u: User.objects.filter(pk=u.pk).update(is_active=False),
        lambda u: (setattr(u, "is_active", False), u.save(update_fields=["is_active"])),
        lambda u: deletion.start(user=u),
    ],
    ids=["queryset-update", "save", "account-deletion"],
)
def test_deactivation_refuses_the_next_request_with_the_user_cached(shared, user, deactivate):
    client = client_for(user)
    assert user_queries(client) == (200, 1)
    assert user_queries(client) == (200, 0)  # cached
    deactivate(User.objects.get(pk=user.pk))
    assert client.get(ME).status_code == 401


def test_sign_out_everywhere_and_password_change_reach_a_cached_row(shared, user):
    first, second = client_for(user), client_for(user)
    assert [user_queries(first)[0], user_queries(first)] == [200, (200, 0)]
    services.user_revoke_all_tokens(user=User.objects.get(pk=user.pk))
    assert first.get(ME).status_code == 401
    fresh = client_for(User.objects.get(pk=user.pk))
    assert fresh.get(ME).status_code == 200
    services.user_set_password(user=User.objects.get(pk=user.pk), password="another secret 42")
    assert [fresh.get(ME).status_code, second.get(ME).status_code] == [401, 401]


def test_deleted_user_is_401_with_the_row_cached(shared, user):
    client = client_for(user)
    client.get(ME)
    User.objects.get(pk=user.pk).delete()
    assert client.get(ME).status_code == 401


def test_profile_change_is_seen_at_the_next_request(shared, user):
    client = client_for(user)
    client.get(ME)
    response = client.patch(ME, {"timezone": "Asia/Tokyo"}, format="json")
    assert response.status_code == 200
    assert client.get(ME).json()["timezone"] == "Asia/Tokyo"


def test_a_row_read_before_a_write_and_stored_after_it_is_not_accepted(shared, user):
    """The race the versions close: a request read version and row, a write happened,
    then that request stored the row it had read."""
    client = client_for(user)
    client.get(ME)
    stale = cache.get(user_cache.row_key(user.pk))
    User.objects.filter(pk=user.pk).update(is_active=False)
    cache.set(user_cache.row_key(user.pk), stale)  # the slow request's late write
    assert client.get(ME).status_code == 401


def test_a_lost_version_key_is_a_miss(shared, user):
    client = client_for(user)
    client.get(ME)
    cache.delete(user_cache.version_key(user.pk))  # evicted
    assert user_queries(client) == (200, 1)


def test_embedded_mode_never_trusts_the_in_process_cache(settings, user):
    settings.CACHE_IS_SHARED = False
    client = client_for(user)
    assert user_queries(client) == (200, 1)
    # Another process deactivated the user: this process's cache cannot know.
    entry = (
        "v1",
        user_cache._field_names(),
        tuple(getattr(user, n) for n in user_cache._field_names()),
    )
    cache.set_many({user_cache.version_key(user.pk): "v1", user_cache.row_key(user.pk): entry})
    User.objects.filter(pk=user.pk).update(is_active=False)
    cache.set_many({user_cache.version_key(user.pk): "v1", user_cache.row_key(user.pk): entry})
    assert user_queries(client) == (401, 1)


def test_no_password_hash_in_the_cache_and_a_password_check_still_works(shared, user):
    client = client_for(user)
    client.get(ME)
    entry = cache.get(user_cache.row_key(user.pk))
    assert "password" not in entry[1]
    assert user.password not in entry[2]
    response = client.post(
        "/api/auth/password/",
        {"old_password": DEFAULT_PASSWORD, "new_password": "a brand new secret 42"},
        format="json",
    )
    assert response.status_code == 204
    assert client.get(ME).status_code == 401  # every token ended with the change
