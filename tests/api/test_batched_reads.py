"""An API request's next cache reads ride on its authentication's round trip
(taskflow.batched_reads), on a real redis-server; what they read stays as fresh as
reads of their own."""

from __future__ import annotations

from unittest import mock

import pytest
from django.core.cache import caches
from django.core.signals import request_started
from redis.connection import AbstractConnection
from rest_framework.test import APIRequestFactory

from projects import membership_cache
from projects import services as project_services
from taskflow import batched_reads
from tasks import permissions, selectors, stats_cache
from tests.backends.conftest import redis_caches
from tests.conftest import client_for
from tests.factories import UserFactory
from tests.projects.conftest import add_member

pytestmark = pytest.mark.django_db

STATS, LIST = "/api/tasks/stats/", "/api/tasks/"


@pytest.fixture
def shared(settings, redis_server):
    settings.CACHES = redis_caches(redis_server.url)
    settings.CACHE_IS_SHARED = True
    return settings


def round_trips(client, path: str) -> int:
    """How many times the request sent something to Redis."""
    send = AbstractConnection.send_packed_command
    with mock.patch.object(
        AbstractConnection, "send_packed_command", autospec=True, side_effect=send
    ) as sent:
        assert client.get(path).status_code == 200
    return sent.call_count


@pytest.mark.parametrize("path", [STATS, LIST])
def test_a_cached_request_is_two_round_trips(shared, user, path):
    client = client_for(user)
    client.get(path)  # fills the user, stats and membership entries
    # The authentication's get_many, with the view's keys, and the throttle's counter
    # (three before: the view's own get_many).
    assert round_trips(client, path) == 2


def test_stats_follow_a_write(shared, user):
    client = client_for(user)
    before = client.get(STATS).json()["total"]
    assert client.get(STATS).json()["total"] == before  # served from the cache
    assert client.post(LIST, {"title": "One more"}, format="json").status_code == 201
    assert client.get(STATS).json()["total"] == before + 1


def test_a_list_shows_a_project_joined_between_two_requests(shared, user):
    owner = UserFactory(email="owner@example.com")
    project = project_services.project_create(actor=owner, name="Launch")
    client = client_for(user)
    client.post(LIST, {"title": "Mine"}, format="json")
    owner_client = client_for(owner)
    created = owner_client.post(LIST, {"title": "Team plan", "project": str(project.pk)})
    assert created.status_code == 201, created.content
    titles = [task["title"] for task in client.get(LIST).json()["results"]]
    assert titles == ["Mine"]  # and the memberships are cached now
    add_member(project, owner, user, "editor")
    titles = [task["title"] for task in client.get(LIST).json()["results"]]
    assert sorted(titles) == ["Mine", "Team plan"]


@pytest.mark.parametrize(("method", "keys"), [("get", ["k:1"]), ("head", ["k:1"]), ("post", [])])
def test_only_a_safe_request_reads_its_view_keys(method, keys):
    request = getattr(APIRequestFactory(), method)(LIST)
    view = mock.Mock(cache_keys_with_user=lambda user_id: [f"k:{user_id}"])
    request.parser_context = {"view": view}
    assert batched_reads.keys_for(request, "1") == keys


def test_values_last_one_request():
    batched_reads.keep(["a", "b"], {"a": 1})
    assert batched_reads.take(["a", "b"]) == {"a": 1}  # b: a miss, read as one
    assert batched_reads.take(["a", "c"]) is None  # c was not read: the caller reads
    batched_reads.forget(["a"])
    assert batched_reads.take(["a"]) is None
    request_started.send(sender=None)
    assert batched_reads.take(["b"]) is None


def test_the_stats_keys_are_those_the_stats_read(shared, user):
    keys = selectors.task_stats_cache_keys(str(user.pk))
    selectors.task_stats(user)  # stores the entry and the version
    assert set(caches["default"].get_many(keys)) == set(keys)


def test_writers_forget_what_the_batch_read(shared, user):
    members = membership_cache.cache_keys(str(user.pk))
    stats = selectors.task_stats_cache_keys(str(user.pk))
    batched_reads.keep(members + stats, {})
    membership_cache.changed([user.pk])
    assert batched_reads.take(members) is None
    assert batched_reads.take(stats) == {}
    stats_cache.bump([permissions.user_scope(str(user.pk))])
    assert batched_reads.take(stats) is None
