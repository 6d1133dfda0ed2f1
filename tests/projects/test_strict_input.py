"""The schema says boolean and string: numbers are refused (found by the fuzz suite,
which a generated client would trip over)."""

from __future__ import annotations

import pytest

from projects.models import Membership, Role

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    "body",
    [
        {"name": "Team", "archived": 0},
        {"name": "Team", "archived": "yes"},
        {"name": 0},
        {"name": "Team", "description": 7},
    ],
)
def test_project_fields_take_json_types_only(api_client, body):
    response = api_client.post("/api/projects/", body, format="json")
    assert response.status_code == 400
    assert set(response.json()) <= {"name", "description", "archived"}


def test_bulk_assignee_must_be_a_string(api_client):
    body = {"ids": ["01J00000000000000000000000"], "action": "assign", "assignee": 0}
    response = api_client.post("/api/tasks/bulk/", body, format="json")
    assert response.status_code == 400
    assert "assignee" in response.json()


def test_a_member_patch_without_a_role_changes_nothing(api_client, user, other_user):
    project = api_client.post("/api/projects/", {"name": "Team"}, format="json").json()
    Membership.objects.create(project_id=project["id"], user=other_user, role=Role.EDITOR)
    url = f"/api/projects/{project['id']}/members/{other_user.pk}/"
    response = api_client.patch(url, {}, format="json")
    assert response.status_code == 200
    assert response.json()["role"] == "editor"


@pytest.mark.parametrize("query", ["page_size=", "page=", "cursor=", "page_size=ten", "page=1.5"])
@pytest.mark.parametrize("path", ["/api/invitations/", "/api/projects/"])
def test_cursor_lists_refuse_blank_or_non_numeric_paging(api_client, path, query):
    response = api_client.get(f"{path}?{query}")
    assert response.status_code == 400
    assert list(response.json()) == [query.split("=")[0]]
