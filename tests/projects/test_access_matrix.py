"""The access matrix of SPEC §7, generated from one table: every new API endpoint by
the four roles and a non-member → the expected status. Non-members get 404 (no
existence leak), members without the role 403."""

from __future__ import annotations

import pytest

from tests.projects.conftest import ROLES

P, T, C, INV = "{project}", "{task}", "{comment}", "{invitation}"
EDITOR, VIEWER, ADMIN = "{editor}", "{viewer}", "{admin}"

# (method, path, body, {role: status} in ROLES order: owner, admin, editor, viewer, outsider)
MATRIX = [
    ("get", f"/api/projects/{P}/", None, (200, 200, 200, 200, 404)),
    ("patch", f"/api/projects/{P}/", {"name": "Renamed"}, (200, 200, 403, 403, 404)),
    ("patch", f"/api/projects/{P}/", {"archived": True}, (200, 403, 403, 403, 404)),
    ("delete", f"/api/projects/{P}/", None, (204, 403, 403, 403, 404)),
    ("get", f"/api/projects/{P}/stats/", None, (200, 200, 200, 200, 404)),
    ("get", f"/api/projects/{P}/activity/", None, (200, 200, 200, 200, 404)),
    ("post", f"/api/projects/{P}/transfer/", {"user_id": ADMIN}, (200, 403, 403, 403, 404)),
    ("get", f"/api/projects/{P}/members/", None, (200, 200, 200, 200, 404)),
    (
        "post",
        f"/api/projects/{P}/members/",
        {"email": "x@example.com", "role": "editor"},
        (201, 201, 403, 403, 404),
    ),
    (
        "post",
        f"/api/projects/{P}/members/",
        {"email": "x@example.com", "role": "admin"},
        (201, 403, 403, 403, 404),
    ),
    (
        "patch",
        f"/api/projects/{P}/members/{EDITOR}/",
        {"role": "viewer"},
        (200, 200, 403, 403, 404),
    ),
    (
        "patch",
        f"/api/projects/{P}/members/{ADMIN}/",
        {"role": "editor"},
        (200, 403, 403, 403, 404),
    ),
    # The viewer removing themselves is leaving, which every member may do.
    ("delete", f"/api/projects/{P}/members/{VIEWER}/", None, (204, 204, 403, 204, 404)),
    ("delete", f"/api/projects/{P}/members/{ADMIN}/", None, (204, 204, 403, 403, 404)),
    ("get", f"/api/projects/{P}/invitations/", None, (200, 200, 403, 403, 404)),
    ("delete", f"/api/projects/{P}/invitations/{INV}/", None, (204, 204, 403, 403, 404)),
    ("get", f"/api/tasks/{T}/", None, (200, 200, 200, 200, 404)),
    ("patch", f"/api/tasks/{T}/", {"title": "New"}, (200, 200, 200, 403, 404)),
    ("delete", f"/api/tasks/{T}/", None, (204, 204, 204, 403, 404)),
    ("get", f"/api/tasks/{T}/activity/", None, (200, 200, 200, 200, 404)),
    ("get", f"/api/tasks/{T}/comments/", None, (200, 200, 200, 200, 404)),
    ("post", f"/api/tasks/{T}/comments/", {"body": "Hi"}, (201, 201, 201, 403, 404)),
    # The comment is the editor's: only its author edits it; admins delete any.
    ("patch", f"/api/comments/{C}/", {"body": "Edited"}, (403, 403, 200, 403, 404)),
    ("delete", f"/api/comments/{C}/", None, (204, 204, 204, 403, 404)),
    # A project named in a body: a field error for a non-member (no existence leak).
    ("post", "/api/tasks/", {"title": "X", "project": P}, (201, 201, 201, 403, 400)),
    ("patch", f"/api/tasks/{T}/", {"assignee": EDITOR}, (200, 200, 200, 403, 404)),
]

CASES = [
    pytest.param(method, path, body, who, expected[i], id=f"{method}-{path}-{who}")
    for method, path, body, expected in MATRIX
    for i, who in enumerate(ROLES)
]


def _fill(value, world):
    names = {
        "project": world.project.pk,
        "task": world.task.pk,
        "comment": world.comment.pk,
        "invitation": world.invitation.pk,
        **{who: user.pk for who, user in world.users.items()},
    }
    if isinstance(value, str):
        return value.format(**names)
    if isinstance(value, dict):
        return {k: _fill(v, world) for k, v in value.items()}
    return value


@pytest.mark.parametrize(("method", "path", "body", "who", "expected"), CASES)
def test_access_matrix(world, method, path, body, who, expected):
    client = world.client(who)
    response = getattr(client, method)(_fill(path, world), _fill(body, world), format="json")
    assert response.status_code == expected, response.content
    if expected in (403, 404):
        assert set(response.json()) == {"detail", "code"}


@pytest.mark.parametrize(
    ("who", "visible", "updated"),
    [("owner", 1, 1), ("admin", 1, 1), ("editor", 1, 1), ("viewer", 1, 0), ("outsider", 0, 0)],
)
def test_lists_and_bulk_follow_the_roles(world, who, visible, updated):
    client = world.client(who)
    listed = client.get(f"/api/tasks/?project={world.project.pk}").json()["results"]
    assert len(listed) == visible
    bulk = client.post(
        "/api/tasks/bulk/",
        {"ids": [world.task.pk], "action": "set_status", "status": "done"},
        format="json",
    )
    assert bulk.status_code == 200
    assert bulk.json() == {"updated": updated}


@pytest.mark.parametrize(("who", "count"), [(w, 1) for w in ROLES[:4]] + [("outsider", 0)])
def test_my_projects_list_shows_my_role(world, who, count):
    projects = world.client(who).get("/api/projects/").json()["results"]
    shared = [p for p in projects if p["id"] == world.project.pk]
    assert len(shared) == count
    if count:
        assert shared[0]["my_role"] == who
    inbox = [p for p in projects if p["is_inbox"]]
    assert len(inbox) == 1
    assert inbox[0]["my_role"] == "owner"
