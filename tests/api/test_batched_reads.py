"""An API request's next cache reads ride on its authentication's round trip, a page's
on its session's, and a key is read once a request (taskflow.batched_reads), on a real
redis-server; what they read stays as fresh as reads of their own."""

from __future__ import annotations

from unittest import mock

import pytest
from django.core.cache import caches
from django.core.signals import request_finished, request_started
from django.test import Client
from redis.connection import AbstractConnection
from rest_framework.test import APIRequestFactory

from notifications.services import notification_create
from projects import membership_cache
from projects import services as project_services
from taskflow import batched_reads
from tasks import permissions, selectors, stats_cache
from tasks import services as task_services
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


def commands(client, path: str) -> list[tuple]:
    """The arguments of every command the request sent to Redis (none pipelined here:
    one command, one round trip)."""
    send = AbstractConnection.send_command
    with mock.patch.object(
        AbstractConnection, "send_command", autospec=True, side_effect=send
    ) as sent:
        assert client.get(path).status_code == 200
    return [call.args[1:] for call in sent.call_args_list]


@pytest.mark.parametrize("path", [STATS, LIST])
def test_a_cached_request_is_two_round_trips(shared, user, path):
    client = client_for(user)
    client.get(path)  # fills the user, stats and membership entries
    # The authentication's get_many, with the view's keys, and the throttle's counter
    # (three before: the view's own get_many).
    assert len(commands(client, path)) == 2


@pytest.mark.parametrize("path", ["/tasks/", "/tasks/?search=plan"])
def test_a_list_page_reads_the_memberships_once(shared, user, path):
    browser = Client()
    browser.force_login(user)
    browser.get(path)  # fills the entries
    members = membership_cache.entry_key(str(user.pk))
    sent = commands(browser, path)
    reads = [args for args in sent if any(str(arg).endswith(members) for arg in args)]
    assert len(reads) == 1  # the list, its total and the switcher all asked


@pytest.mark.parametrize(("path", "expected"), [("/tasks/", 2), ("/dashboard/", 3)])
def test_a_page_reads_what_every_page_reads_with_its_session(shared, user, path, expected):
    task_services.task_create(actor=user, title="A task to list")
    browser = Client()
    browser.force_login(user)
    browser.get(path)
    # The session; its user state with the switcher's memberships, the bell's count and
    # the nav's saved filters (five before); the dashboard's stats. A list of one page
    # counts its rows itself.
    assert len(commands(browser, path)) == expected


def test_the_bell_follows_a_notification_between_two_pages(shared, user):
    browser = Client()
    browser.force_login(user)
    assert 'aria-label="1 unread"' not in browser.get("/tasks/").content.decode()
    notification_create(user_id=str(user.pk), kind="assigned", title="For you")
    assert 'aria-label="1 unread"' in browser.get("/tasks/").content.decode()


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
    batched_reads.keep(["a"], {"a": 1})
    assert batched_reads.take(["a"]) is None  # outside a request: nothing kept
    request_started.send(sender=None)
    batched_reads.keep(["a", "b"], {"a": 1})
    assert batched_reads.take(["a", "b"]) == {"a": 1}  # b: a miss, read as one
    assert batched_reads.take(["a", "c"]) is None  # c was not read: the caller reads
    batched_reads.forget(["a"])
    assert batched_reads.take(["a"]) is None
    assert batched_reads.take(["b"]) == {}
    request_finished.send(sender=None)
    assert batched_reads.take(["b"]) is None


def test_the_stats_keys_are_those_the_stats_read(shared, user):
    keys = selectors.task_stats_cache_keys(str(user.pk))
    selectors.task_stats(user)  # stores the entry and the version
    assert set(caches["default"].get_many(keys)) == set(keys)


def test_writers_forget_what_the_batch_read(shared, user):
    members = membership_cache.cache_keys(str(user.pk))
    stats = selectors.task_stats_cache_keys(str(user.pk))
    request_started.send(sender=None)
    batched_reads.keep(members + stats, {})
    membership_cache.changed([user.pk])
    assert batched_reads.take(members) is None
    assert batched_reads.take(stats) == {}
    stats_cache.bump([permissions.user_scope(str(user.pk))])
    assert batched_reads.take(stats) is None
    request_finished.send(sender=None)
