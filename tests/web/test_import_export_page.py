import json

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse

from tasks.models import Task

pytestmark = pytest.mark.django_db

IMPORT = reverse("tasks:import")


def _upload(name: str, content: bytes) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, content, content_type="application/octet-stream")


def test_import_page_links_to_exports(web):
    html = web.get(IMPORT).content.decode()
    assert "/api/tasks/export/?format=csv" in html
    assert "/api/tasks/export/?format=json" in html


def test_export_link_works_with_the_browser_session(web, user, task):
    response = web.get("/api/tasks/export/?format=csv")
    assert response.status_code == 200
    assert "Write the report" in b"".join(response.streaming_content).decode()


def test_import_csv_creates_own_tasks(web, user):
    content = b'title,status,priority,tags\nFirst,todo,high,"a,b"\nSecond,done,low,\n'
    response = web.post(IMPORT, {"file": _upload("tasks.csv", content)})
    assert response["Location"] == reverse("tasks:list")
    tasks = {t.title: t for t in Task.objects.filter(owner=user)}
    assert tasks["First"].tags == ["a", "b"]
    assert tasks["Second"].status == "done"


def test_import_with_bad_rows_imports_nothing_and_names_them(web, user):
    records = [{"title": "Good"}, {"title": ""}, {"title": "Bad", "priority": "urgent"}]
    response = web.post(IMPORT, {"file": _upload("t.json", json.dumps(records).encode())})
    assert response.status_code == 400
    html = response.content.decode()
    assert "Nothing was imported: 2 rows of the file have errors" in html
    assert "row 3: priority" in html
    assert not Task.objects.exists()


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("t.csv", b"title\nok\na\x00b\n", "row 3: title: Null characters are not allowed."),
        ("t.json", b'[{"title": "a\\ud800"}]', "row 1: title: Surrogate characters"),
    ],
    ids=["NUL byte", "lone surrogate"],
)
def test_import_refuses_what_the_api_refuses(web, name, content, message):
    response = web.post(IMPORT, {"file": _upload(name, content)})
    assert response.status_code == 400
    assert message in response.content.decode()
    assert not Task.objects.exists()


@pytest.mark.parametrize(
    ("name", "content"),
    [
        ("t.csv", b'title\nfirst\n"unterminated\nthird\n'),
        ("t.json", b"[" * 100_000 + b"]" * 100_000),
        ("t.json", b'[{"title": "x", "priority": ' + b"9" * 5000 + b"}]"),
    ],
    ids=["unterminated quote", "deeply nested", "5,000-digit number"],
)
def test_import_refuses_broken_files_whole(web, name, content):
    response = web.post(IMPORT, {"file": _upload(name, content)})
    assert response.status_code == 400
    assert response.context["form"].errors["file"][0].startswith(("Invalid CSV", "Invalid JSON"))
    assert not Task.objects.exists()


def test_import_twice_does_not_duplicate(web, user):
    content = json.dumps([{"id": "01J0000000000000000000000A", "title": "Once"}]).encode()
    web.post(IMPORT, {"file": _upload("t.json", content)})
    response = web.post(IMPORT, {"file": _upload("t.json", content)}, follow=True)
    assert "0 tasks imported; 1 already present, skipped." in response.content.decode()
    assert list(Task.objects.values_list("title", flat=True)) == ["Once"]


def test_import_over_the_row_limit_is_refused(web, monkeypatch):
    monkeypatch.setattr("tasks.forms.ImportForm.MAX_ROWS", 2)
    response = web.post(IMPORT, {"file": _upload("t.csv", b"title\na\nb\nc\n")})
    assert response.status_code == 400
    assert response.context["form"].errors["file"] == ["At most 2 tasks per file."]
    assert not Task.objects.exists()


def test_imports_are_rate_limited_per_user(web, other_user, monkeypatch):
    monkeypatch.setattr("tasks.forms.ImportForm.RATE", "2/h")
    for _ in range(2):
        assert web.post(IMPORT, {"file": _upload("t.csv", b"title\nx\n")}).status_code == 302
    response = web.post(IMPORT, {"file": _upload("t.csv", b"title\ny\n")})
    assert response.status_code == 429
    assert int(response["Retry-After"]) > 0
    assert "Too many imports" in response.content.decode()
    assert Task.objects.filter(title="y").count() == 0
    other = Client()
    other.force_login(other_user)  # another user's count is their own
    assert other.post(IMPORT, {"file": _upload("t.csv", b"title\nz\n")}).status_code == 302


def test_import_refuses_unreadable_files(web):
    response = web.post(IMPORT, {"file": _upload("notes.txt", b"hello")})
    assert response.status_code == 400
    assert response.context["form"].errors["file"] == ["Choose a .csv or .json file."]
    response = web.post(IMPORT, {"file": _upload("t.json", b"{not json")})
    assert "Invalid JSON" in response.context["form"].errors["file"][0]
    assert Task.objects.count() == 0


def test_import_needs_sign_in_and_csrf(anon, csrf_web):
    assert anon.get(IMPORT)["Location"].startswith(reverse("accounts:login"))
    response = csrf_web.post(IMPORT, {"file": _upload("t.csv", b"title\nx\n")})
    assert response.status_code == 403
    assert Task.objects.count() == 0
