"""Script payloads stored in a task stay inert wherever the task is shown (pages,
admin, API, exports), and exported CSV cells cannot run as spreadsheet formulas."""

from __future__ import annotations

import csv
import io
import json
from datetime import date, timedelta
from html.parser import HTMLParser

import pytest
from django.test import Client
from django.urls import reverse

from tasks import services
from tests.conftest import client_for
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

TITLE = '<script>alert("t")</script>"><img src=x onerror=alert(1)>'
DESCRIPTION = "</textarea><script>alert('d')</script><a href=\"javascript:alert(2)\">x</a>"
TAG = "<svg onload=alert(3)>"
LIVE_MARKUP = ["<script>alert", "<img src=x", "<svg onload"]


class _Attributes(HTMLParser):
    """Every attribute of every element: a javascript: URL or an on* handler can only
    run from an attribute (as text, `href="javascript:` is inert, e.g. in rendered
    Markdown that shows the raw HTML it refused)."""

    def __init__(self) -> None:
        super().__init__()
        self.found: list[tuple[str, str, str]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.found += [(tag, name, value or "") for name, value in attrs]


@pytest.fixture
def hostile_task(user):
    # Overdue, so that the dashboard lists it too.
    task, _ = services.task_create(
        actor=user,
        title=TITLE,
        description=DESCRIPTION,
        tags=[TAG],
        due_date=date.today() - timedelta(days=1),
    )
    return task


@pytest.fixture
def web(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def _assert_inert(html: str) -> None:
    for markup in LIVE_MARKUP:
        assert markup not in html
    attributes = _Attributes()
    attributes.feed(html)
    assert [a for a in attributes.found if a[2].strip().lower().startswith("javascript:")] == []
    assert [a for a in attributes.found if a[1].startswith("on")] == []
    assert "&lt;script&gt;" in html or "&lt;svg" in html


@pytest.mark.parametrize(
    ("name", "detail"),
    [
        ("tasks:dashboard", False),
        ("tasks:list", False),
        ("tasks:detail", True),
        ("tasks:edit", True),
        ("tasks:delete", True),
    ],
)
def test_payload_is_escaped_in_pages(web, hostile_task, name, detail):
    url = reverse(name, kwargs={"task_id": hostile_task.pk} if detail else None)
    page = web.get(url)
    assert page.status_code == 200
    _assert_inert(page.content.decode())


def test_payload_is_escaped_in_list_search_echo(web, hostile_task):
    page = web.get(reverse("tasks:list"), {"search": "<script>alert(9)</script>", "tag": TAG})
    assert "<script>alert(9)" not in page.content.decode()


@pytest.mark.parametrize("view", ["changelist", "change"])
def test_payload_is_escaped_in_admin(hostile_task, view):
    staff = UserFactory(email="admin@example.com", is_staff=True, is_superuser=True)
    client = Client()
    client.force_login(staff)
    args = [hostile_task.pk] if view == "change" else []
    page = client.get(reverse(f"admin:tasks_task_{view}", args=args))
    assert page.status_code == 200
    _assert_inert(page.content.decode())


def test_name_payload_is_escaped_in_pages_and_admin(user, hostile_task):
    user.name = TITLE
    user.save()
    web = Client()
    web.force_login(user)
    staff = UserFactory(email="admin@example.com", is_staff=True, is_superuser=True)
    admin = Client()
    admin.force_login(staff)
    for html in (
        web.get(reverse("tasks:dashboard")).content.decode(),
        web.get(reverse("accounts:profile")).content.decode(),
        admin.get(reverse("admin:accounts_user_changelist")).content.decode(),
    ):
        for markup in LIVE_MARKUP[:2]:
            assert markup not in html


def test_api_serves_payload_as_json_only(user, hostile_task):
    reply = client_for(user).get(f"/api/tasks/{hostile_task.pk}/")
    assert reply["Content-Type"] == "application/json"
    assert reply["X-Content-Type-Options"] == "nosniff"
    assert reply.json()["title"] == TITLE  # stored as typed, escaped where rendered


def _export(user, fmt: str):
    reply = client_for(user).get("/api/tasks/export/", {"format": fmt})
    return reply, b"".join(reply.streaming_content).decode()


@pytest.mark.parametrize(
    ("fmt", "content_type"), [("csv", "text/csv"), ("json", "application/json")]
)
def test_exports_are_downloads_never_rendered(user, hostile_task, fmt, content_type):
    reply, body = _export(user, fmt)
    assert reply["Content-Type"].startswith(content_type)
    assert reply["Content-Disposition"].startswith("attachment;")
    assert reply["X-Content-Type-Options"] == "nosniff"
    assert TITLE.replace('"', '""') in body or json.dumps(TITLE)[1:-1] in body


FORMULAS = ['=HYPERLINK("http://evil","x")', "+1+1", "-2+3", "@SUM(A1)", "\t=1", "\r=1"]


def test_csv_export_neutralises_formula_cells(user):
    for index, formula in enumerate(FORMULAS):
        services.task_create(
            actor=user, title=f"{formula} {index}", description=formula, tags=[f"=tag{index}"]
        )
    _, body = _export(user, "csv")
    rows = list(csv.DictReader(io.StringIO(body)))

    assert len(rows) == len(FORMULAS)
    for row in rows:
        for column in ("title", "description", "tags"):
            assert row[column][:1] not in ("=", "+", "-", "@", "\t", "\r")
            assert row[column].startswith("'")
