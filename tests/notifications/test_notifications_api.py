"""Notifications API (GET notifications/, POST notifications/read/) and the unread
count behind the bell."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from notifications import services
from notifications.models import Notification, notification_rank

pytestmark = pytest.mark.django_db


def make(user, n: int, **kwargs) -> list[Notification]:
    made = []
    for i in range(n):
        note, _ = services.notification_create(
            user_id=user.pk, kind="reminder", title=f"Note {i}", **kwargs
        )
        # Seconds apart, rank included: rows made in one millisecond would tie on the
        # rank and fall back to the ULID's random part (a flaky order).
        created_at = timezone.now() + timedelta(seconds=i)
        Notification.objects.filter(pk=note.pk).update(
            created_at=created_at, rank=notification_rank(created_at=created_at, read=False)
        )
        made.append(note)
    return made


def test_unread_first_then_newest_first_with_a_cursor(user, api_client):
    notes = make(user, 5)
    services.mark_read(user=user, ids=[notes[4].pk, notes[0].pk])
    titles, url = [], "/api/notifications/?page_size=2"
    for _ in range(5):  # bounded
        body = api_client.get(url).json()
        titles += [(n["title"], n["read_at"] is None) for n in body["results"]]
        url = body["next"]
        if not url:
            break
    assert titles == [
        ("Note 3", True),
        ("Note 2", True),
        ("Note 1", True),
        ("Note 4", False),
        ("Note 0", False),
    ]


def test_mark_read_by_ids_ignores_other_users_ids(user, other_user, api_client):
    mine = make(user, 2)
    theirs = make(other_user, 1)
    response = api_client.post(
        "/api/notifications/read/", {"ids": [mine[0].pk, theirs[0].pk]}, format="json"
    )
    assert response.status_code == 200
    assert response.json() == {"marked": 1, "unread": 1}
    assert Notification.objects.get(pk=theirs[0].pk).read_at is None


def test_mark_all_read(user, api_client):
    make(user, 3)
    response = api_client.post("/api/notifications/read/", {"all": True}, format="json")
    assert response.json() == {"marked": 3, "unread": 0}
    again = api_client.post("/api/notifications/read/", {"all": True}, format="json")
    assert again.json() == {"marked": 0, "unread": 0}


@pytest.mark.parametrize(
    "body", [{}, {"all": False}, {"ids": []}, {"ids": ["x"]}, {"all": "true"}, {"ids": "A"}]
)
def test_mark_read_bad_bodies_are_400(api_client, body):
    assert api_client.post("/api/notifications/read/", body, format="json").status_code == 400


def test_others_notifications_are_never_listed(user, other_user, other_client):
    make(user, 2)
    assert other_client.get("/api/notifications/").json()["results"] == []


def test_unread_count_is_cached_and_follows_every_change(user, settings):
    settings.NOTIFICATIONS_UNREAD_TTL = 300  # as with Redis
    make(user, 2)
    assert services.unread_count(user) == 2
    with CaptureQueriesContext(connection) as queries:
        assert services.unread_count(user) == 2
    assert len(queries) == 0  # served from the cache
    make(user, 1)
    assert services.unread_count(user) == 3  # a new notification bumps the version
    services.mark_read(user=user, everything=True)
    assert services.unread_count(user) == 0


def test_a_derived_id_is_created_once(user):
    _first, created = services.notification_create(
        user_id=user.pk, kind="reminder", title="A", notification_id="0" * 26
    )
    _again, created_again = services.notification_create(
        user_id=user.pk, kind="reminder", title="A", notification_id="0" * 26
    )
    assert (created, created_again) == (True, False)
    assert Notification.objects.count() == 1


def test_without_a_shared_cache_the_count_is_never_cached(user, settings):
    settings.NOTIFICATIONS_UNREAD_TTL = 0  # per-process cache: a worker's bump is unseen
    assert services.unread_count(user) == 0
    # A notification written as another process would (no version bump here).
    Notification.objects.create(user=user, kind="reminder", title="From the worker")
    assert services.unread_count(user) == 1


def test_a_cached_unread_count_is_one_round_trip(user, settings, monkeypatch):
    from django.core.cache import caches

    settings.NOTIFICATIONS_UNREAD_TTL = 300
    make(user, 2)
    assert services.unread_count(user) == 2
    backend, calls, depth = caches["default"], [], [0]
    for name in ("get", "get_many", "add", "set"):
        real = getattr(backend, name)

        def counted(*args, _name=name, _real=real, **kwargs):
            if not depth[0]:  # the backend's own get_many calls get() per key
                calls.append(_name)
            depth[0] += 1
            try:
                return _real(*args, **kwargs)
            finally:
                depth[0] -= 1

        monkeypatch.setattr(backend, name, counted)
    assert services.unread_count(user) == 2
    assert calls == ["get_many"]
