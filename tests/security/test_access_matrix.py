"""Every endpoint and page x (anonymous, other user, owner).

Anonymous: 401 on the API, a redirect to the login page on pages. Another user: the
same 404 as a missing task for anything about the owner's task, and lists, stats and
exports that do not contain it. Owner: allowed. The admin is for staff only.
"""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse

from tests.conftest import client_for
from tests.factories import TaskFactory, UserFactory

pytestmark = pytest.mark.django_db

SECRET = "owner-only-4f1c"
MISSING_ID = "01ARZ3NDEKTSV4RRFFQ69G5FAV"


@pytest.fixture
def owner():
    return UserFactory(email="owner@example.com")


@pytest.fixture
def stranger():
    return UserFactory(email="stranger@example.com")


@pytest.fixture
def secret_task(owner):
    return TaskFactory(owner=owner, title=SECRET, description=SECRET, tags=["hidden"])


def _api(who: str, owner, stranger):
    if who == "anonymous":
        return Client()
    return client_for(owner if who == "owner" else stranger)


def _page_client(who: str, owner, stranger) -> Client:
    client = Client()
    if who != "anonymous":
        client.force_login(owner if who == "owner" else stranger)
    return client


def _text(response) -> str:
    if response.streaming:
        return b"".join(response.streaming_content).decode()
    return response.content.decode()


# (method, url name, needs the task id, JSON body, owner's status)
API_ENDPOINTS = [
    ("get", "api:task-list", False, None, 200),
    ("post", "api:task-list", False, {"title": "new"}, 201),
    ("get", "api:task-detail", True, None, 200),
    ("put", "api:task-detail", True, {"title": "changed"}, 200),
    ("patch", "api:task-detail", True, {"title": "changed"}, 200),
    ("delete", "api:task-detail", True, None, 204),
    (
        "post",
        "api:task-bulk",
        False,
        {"ids": ["ID"], "action": "set_status", "status": "done"},
        200,
    ),
    ("get", "api:task-stats", False, None, 200),
    ("get", "api:task-export", False, None, 200),
    ("get", "api:auth-api:me", False, None, 200),
    ("patch", "api:auth-api:me", False, {"name": "New name"}, 200),
    ("post", "api:auth-api:logout-all", False, None, 204),
]


@pytest.mark.parametrize(("method", "name", "detail", "body", "owner_status"), API_ENDPOINTS)
def test_api_endpoint_matrix(
    owner, stranger, secret_task, method, name, detail, body, owner_status
):
    url = reverse(name, kwargs={"pk": secret_task.pk} if detail else None)
    if body and body.get("ids"):
        body = {**body, "ids": [secret_task.pk]}

    def call(who: str):
        return getattr(_api(who, owner, stranger), method)(
            url, body, content_type="application/json"
        )

    anonymous, other, mine = call("anonymous"), call("stranger"), call("owner")

    assert anonymous.status_code == 401
    assert SECRET not in _text(other)
    assert mine.status_code == owner_status
    assert other.status_code == (404 if detail else owner_status)


def test_strangers_bulk_action_changes_nothing(owner, stranger, secret_task):
    body = {"ids": [secret_task.pk], "action": "delete"}
    reply = client_for(stranger).post(reverse("api:task-bulk"), body, format="json")
    secret_task.refresh_from_db()
    assert reply.json() == {"updated": 0}


@pytest.mark.parametrize("method", ["get", "patch", "delete"])
def test_strangers_answer_equals_missing_task_answer(owner, stranger, secret_task, method):
    api = client_for(stranger)
    theirs = getattr(api, method)(reverse("api:task-detail", kwargs={"pk": secret_task.pk}))
    missing = getattr(api, method)(reverse("api:task-detail", kwargs={"pk": MISSING_ID}))
    assert (theirs.status_code, theirs.content) == (missing.status_code, missing.content)


# (url name, needs the task id, owner's GET status)
PAGES = [
    ("tasks:dashboard", False, 200),
    ("tasks:list", False, 200),
    ("tasks:export", False, 200),
    ("tasks:create", False, 200),
    ("tasks:detail", True, 200),
    ("tasks:edit", True, 200),
    ("tasks:delete", True, 200),
    ("accounts:profile", False, 200),
]


@pytest.mark.parametrize(("name", "detail", "owner_status"), PAGES)
def test_page_matrix(owner, stranger, secret_task, name, detail, owner_status):
    url = reverse(name, kwargs={"task_id": secret_task.pk} if detail else None)
    anonymous = _page_client("anonymous", owner, stranger).get(url)
    other = _page_client("stranger", owner, stranger).get(url)
    mine = _page_client("owner", owner, stranger).get(url)

    assert anonymous.status_code == 302
    assert anonymous["Location"].startswith(reverse("accounts:login"))
    assert other.status_code == (404 if detail else owner_status)
    assert SECRET not in _text(other)
    assert mine.status_code == owner_status


# POST-only page actions: a stranger's attempt is a 404 and changes nothing.
@pytest.mark.parametrize(
    ("name", "data"),
    [
        ("tasks:set-status", {"status": "done"}),
        ("tasks:delete", {}),
        ("tasks:edit", {"title": "hijacked", "status": "done", "priority": "high"}),
    ],
)
def test_page_actions_on_strangers_task_are_404(owner, stranger, secret_task, name, data):
    url = reverse(name, kwargs={"task_id": secret_task.pk})
    reply = _page_client("stranger", owner, stranger).post(url, data)
    secret_task.refresh_from_db()
    assert reply.status_code == 404
    assert (secret_task.title, secret_task.version) == (SECRET, 1)


def test_page_bulk_action_skips_strangers_task(owner, stranger, secret_task):
    data = {"ids": [secret_task.pk], "action": "delete"}
    _page_client("stranger", owner, stranger).post(reverse("tasks:bulk"), data)
    secret_task.refresh_from_db()
    assert secret_task.title == SECRET


@pytest.mark.parametrize(
    "url_name", ["admin:index", "admin:tasks_task_changelist", "admin:accounts_user_changelist"]
)
def test_admin_is_for_staff_only(owner, url_name):
    staff = UserFactory(email="staff@example.com", is_staff=True, is_superuser=True)
    url = reverse(url_name)
    anonymous = _page_client("anonymous", owner, owner).get(url)
    member = _page_client("owner", owner, owner).get(url)
    admin = Client()
    admin.force_login(staff)

    assert anonymous.status_code == 302
    assert member.status_code == 302
    assert member["Location"].startswith(reverse("admin:login"))
    assert admin.get(url).status_code == 200
