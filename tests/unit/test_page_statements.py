"""A list page's statement compiled once per thread and key (``paginate``'s ``shape``,
the key of the steps ``TaskFilter`` derived): a repeated list or search runs the same
SQL without building or compiling it, and reads the rows as they are at that moment.
The key must name everything the statement depends on; these tests change each input
in turn (the user, their projects, the search, the ordering, the cursor) between two
requests and check that the answer follows."""

from __future__ import annotations

import pytest
from django.db import connection
from django.db.models.sql.compiler import SQLCompiler
from django.test import Client
from django.test.utils import CaptureQueriesContext

from projects import roles
from projects import services as project_services
from projects.models import Invitation
from taskflow import query_shapes
from tasks import permissions
from tasks.filters import TaskFilter
from tests.conftest import client_for
from tests.factories import TaskFactory, UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _nothing_kept():
    """Each test starts and ends with no shape or statement kept on this thread."""
    query_shapes.forget_all()
    yield
    query_shapes.forget_all()


@pytest.fixture
def compiles(monkeypatch) -> list[str]:
    """The SQL of every task statement compiled from here on."""
    compiled: list[str] = []
    real = SQLCompiler.as_sql

    def counted(self, *args, **kwargs):
        statement = real(self, *args, **kwargs)
        if self.query.model is not None and self.query.model._meta.db_table == "tasks_task":
            compiled.append(statement[0])
        return statement

    monkeypatch.setattr(SQLCompiler, "as_sql", counted)
    return compiled


def _join(project, owner, user) -> None:
    membership = roles.get_membership_for(owner, project.pk)
    project_services.member_invite(
        actor=owner, membership=membership, email=user.email, role="viewer"
    )
    invitation = Invitation.objects.get(project=project, email=user.email)
    project_services.invitation_accept(actor=user, invitation_id=invitation.pk)


def _titles(client, path: str) -> list[str]:
    response = client.get(path)
    assert response.status_code == 200, response.content[:300]
    return [row["title"] for row in response.json()["results"]]


def test_a_reused_shape_carries_its_key_and_a_derived_one_does_not():
    user = UserFactory()
    shape = permissions.visible_tasks(user)
    assert query_shapes.key_of(shape) == ("visible_tasks", user.pk)
    assert query_shapes.key_of(shape.filter(status="done")) is None
    assert query_shapes.key_of(shape.values("id")) is None
    assert query_shapes.key_of(shape.all()) is None


def test_a_repeated_list_and_search_compile_their_page_once(compiles):
    user = UserFactory()
    TaskFactory(owner=user, title="Harbour walk")
    TaskFactory(owner=user, title="Groceries")
    client = client_for(user)
    for path in ("/api/tasks/", "/api/tasks/?search=harbour", "/api/tasks/?ordering=title"):
        first = _titles(client, path)
        compiles.clear()
        with CaptureQueriesContext(connection) as queries:
            assert _titles(client, path) == first
        assert compiles == [], path
        # The statement still ran: rows are never kept, only the SQL.
        assert any('FROM "tasks_task"' in q["sql"] for q in queries.captured_queries), path


def test_the_page_follows_the_rows_written_between_two_requests():
    user = UserFactory()
    TaskFactory(owner=user, title="Harbour one")
    client = client_for(user)
    assert _titles(client, "/api/tasks/?search=harbour") == ["Harbour one"]
    TaskFactory(owner=user, title="Harbour two")
    assert sorted(_titles(client, "/api/tasks/?search=harbour")) == ["Harbour one", "Harbour two"]
    assert len(_titles(client, "/api/tasks/")) == 2


def test_each_user_search_and_ordering_reads_its_own_page():
    first, second = UserFactory(), UserFactory()
    TaskFactory(owner=first, title="Alpha harbour")
    TaskFactory(owner=first, title="Beta")
    TaskFactory(owner=second, title="Gamma harbour")
    one, two = client_for(first), client_for(second)
    for _ in range(2):
        assert _titles(one, "/api/tasks/?search=harbour") == ["Alpha harbour"]
        assert _titles(two, "/api/tasks/?search=harbour") == ["Gamma harbour"]
        assert _titles(one, "/api/tasks/?search=beta") == ["Beta"]
        assert _titles(one, "/api/tasks/?ordering=title") == ["Alpha harbour", "Beta"]
        assert _titles(one, "/api/tasks/?ordering=-title") == ["Beta", "Alpha harbour"]
        assert _titles(two, "/api/tasks/") == ["Gamma harbour"]


def test_cursor_pages_each_read_their_own_rows():
    user = UserFactory()
    for number in range(5):
        TaskFactory(owner=user, title=f"Task {number}")
    client = client_for(user)
    seen: list[list[str]] = []
    for _ in range(2):
        page = client.get("/api/tasks/?ordering=title&page_size=2").json()
        titles = [row["title"] for row in page["results"]]
        while page["next"]:
            page = client.get(page["next"]).json()
            titles += [row["title"] for row in page["results"]]
        seen.append(titles)
    assert seen[0] == seen[1] == [f"Task {number}" for number in range(5)]


def test_joining_and_leaving_a_project_show_at_once_on_a_repeated_page(settings):
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    owner, reader = UserFactory(), UserFactory()
    project = project_services.project_create(actor=owner, name="Shared")
    TaskFactory(owner=owner, project_id=project.pk, title="Shared harbour")
    TaskFactory(owner=reader, title="Own harbour")
    api = client_for(reader)
    web = Client()
    web.force_login(reader)
    paths = ("/api/tasks/", "/api/tasks/?search=harbour", "/api/tasks/?ordering=title")

    def web_shows_shared(path: str) -> bool:
        response = web.get(path)
        assert response.status_code == 200
        return "Shared harbour" in response.content.decode()

    for path in paths:
        assert "Shared harbour" not in _titles(api, path)
    assert not web_shows_shared("/tasks/")
    assert not web_shows_shared("/tasks/?search=harbour")

    _join(project, owner, reader)
    for path in paths:
        assert "Shared harbour" in _titles(api, path), path
    assert web_shows_shared("/tasks/")
    assert web_shows_shared("/tasks/?search=harbour")

    membership = roles.get_membership_for(reader, project.pk)
    project_services.member_remove(actor=reader, membership=membership, user_id=reader.pk)
    for path in paths:
        assert _titles(api, path) == ["Own harbour"], path
    assert not web_shows_shared("/tasks/")
    assert not web_shows_shared("/tasks/?search=harbour")


def test_only_a_search_and_an_ordering_on_a_reused_shape_keep_their_shape():
    from django.http import QueryDict

    user = UserFactory()

    def shape(query: str, queryset) -> object:
        filters = TaskFilter(QueryDict(query), queryset=queryset)
        assert filters.is_valid()
        listed, _ = filters.list_query(reader=user)
        return query_shapes.key_of(listed)

    assert shape("", permissions.visible_tasks(user)) is not None
    assert shape("search=a&ordering=title", permissions.visible_tasks(user)) is not None
    assert shape("search=a", permissions.visible_tasks(user)) is not None
    # Any other filter, or a queryset someone narrowed first: built and compiled each time.
    assert shape("status=done", permissions.visible_tasks(user)) is None
    assert shape("", permissions.visible_tasks(user).filter(status="done")) is None


def test_a_derived_shape_is_built_once_and_keyed_by_its_step():
    user = UserFactory()
    done = TaskFactory(owner=user, status="done")
    todo = TaskFactory(owner=user, status="todo")
    builds: list[str] = []

    def only(status: str):
        def build(rows):
            builds.append(status)
            return rows.filter(status=status)

        return build

    for _ in range(2):
        for status, task in (("done", done), ("todo", todo)):
            derived = query_shapes.derive(permissions.visible_tasks(user), status, only(status))
            assert list(derived) == [task]
            assert query_shapes.key_of(derived) == (("visible_tasks", user.pk), status)
    assert builds == ["done", "todo"]
    # From a queryset that is not a shape: built every time, and not a shape either.
    plain = query_shapes.derive(permissions.visible_tasks(user).all(), "done", only("done"))
    assert list(plain) == [done]
    assert query_shapes.key_of(plain) is None
    assert builds == ["done", "todo", "done"]
