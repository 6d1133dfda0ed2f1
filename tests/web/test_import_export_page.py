import json

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
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


def test_import_reports_bad_rows_and_keeps_good_ones(web, user):
    records = [{"title": "Good"}, {"title": ""}, {"title": "Bad", "priority": "urgent"}]
    response = web.post(IMPORT, {"file": _upload("t.json", json.dumps(records).encode())})
    assert response.status_code == 200
    html = response.content.decode()
    assert "1 task imported; 2 rows could not be imported" in html
    assert "row 3: priority" in html
    assert list(Task.objects.values_list("title", flat=True)) == ["Good"]


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
