"""Stats per project and "mine" (assigned to me + my Inbox) are cached, and any
member's write through the one write path refreshes every other member's view at once
(issue 11, SPEC §7). A row written behind the services' back (TaskFactory) is how a
test tells a cached answer from a fresh one: the cache does not see it until a write
through the services bumps a version.
"""

from __future__ import annotations

import pytest
from django.core.cache import cache

from projects import roles, services
from projects.inbox import inbox_id_of
from tasks import services as task_services
from tasks import stats_cache
from tasks.permissions import project_scope, user_scope
from tests.factories import TaskFactory
from tests.projects.conftest import ROLES, World

MEMBERS = ("owner", "admin", "editor", "viewer")


def project_stats(world: World, who: str) -> dict:
    response = world.client(who).get(f"/api/projects/{world.project.pk}/stats/")
    assert response.status_code == 200, response.content
    return response.json()


def mine(world: World, who: str) -> dict:
    response = world.client(who).get("/api/tasks/stats/")
    assert response.status_code == 200, response.content
    return response.json()


def version(scope: str) -> str | None:
    return cache.get(stats_cache.version_key(scope))


def _membership(world: World, who: str):
    return roles.get_membership_for(world.users[who], world.project.pk)


@pytest.fixture
def lookups(monkeypatch) -> list[bool]:
    """Every stats-cache lookup: True for a hit, False for a miss."""
    seen: list[bool] = []
    monkeypatch.setattr(stats_cache, "record_lookup", lambda *, hit: seen.append(hit))
    return seen


def test_project_stats_are_computed_once_and_shared_by_every_member(world, lookups):
    totals = [project_stats(world, who)["total"] for who in MEMBERS]
    TaskFactory(owner=world.users["owner"], project_id=world.project.pk)  # not through a service
    again = [project_stats(world, who)["total"] for who in MEMBERS]
    assert (totals, again) == ([1] * 4, [1] * 4)  # served from the cache
    assert lookups == [False] + [True] * 7
    assert world.client("outsider").get(f"/api/projects/{world.project.pk}/stats/").status_code == (
        404
    )


@pytest.mark.parametrize("writer", ["owner", "admin", "editor"])
def test_one_members_writes_refresh_every_members_project_stats(world, writer):
    for who in MEMBERS:
        assert project_stats(world, who)["total"] == 1  # cached for everyone
    client = world.client(writer)
    created = client.post(
        "/api/tasks/", {"title": "More", "project": world.project.pk}, format="json"
    )
    assert created.status_code == 201
    assert [project_stats(world, who)["total"] for who in MEMBERS] == [2] * 4
    done = client.patch(f"/api/tasks/{world.task.pk}/", {"status": "done"}, format="json")
    assert done.status_code == 200
    assert [project_stats(world, who)["by_status"]["done"] for who in MEMBERS] == [1] * 4
    ids = [world.task.pk, created.json()["id"]]
    bulk = client.post("/api/tasks/bulk/", {"ids": ids, "action": "delete"}, format="json")
    assert bulk.status_code == 200
    assert [project_stats(world, who)["total"] for who in MEMBERS] == [0] * 4


def test_mine_counts_my_assigned_tasks_and_my_inbox_nothing_else(world):
    owner, editor = world.users["owner"], world.users["editor"]
    task_services.task_create(actor=editor, title="In my Inbox")
    # world.task is in the shared project, created by the editor, assigned to nobody.
    assert (mine(world, "editor")["total"], mine(world, "owner")["total"]) == (1, 0)
    task_services.task_update(actor=owner, task=world.task, changes={"assignee_id": editor.pk})
    assert (mine(world, "editor")["total"], mine(world, "owner")["total"]) == (2, 0)


def test_another_members_write_to_my_task_refreshes_my_mine_stats(world):
    owner, admin, editor = (world.users[who] for who in ("owner", "admin", "editor"))
    task = task_services.task_update(
        actor=owner, task=world.task, changes={"assignee_id": editor.pk}
    )
    before = mine(world, "editor")  # cached from here on
    TaskFactory(owner=editor)  # in his Inbox, behind the services' back
    assert mine(world, "editor") == before
    task_services.task_update(actor=admin, task=task, changes={"status": "done"})
    after = mine(world, "editor")
    assert (before["total"], before["by_status"]["done"]) == (1, 0)
    assert (after["total"], after["by_status"]["done"]) == (2, 1)  # recomputed


def test_reassigning_refreshes_the_old_and_the_new_assignees_mine_stats(world):
    owner, admin, editor = (world.users[who] for who in ("owner", "admin", "editor"))
    task = task_services.task_update(
        actor=owner, task=world.task, changes={"assignee_id": editor.pk}
    )
    assert (mine(world, "editor")["total"], mine(world, "admin")["total"]) == (1, 0)
    task_services.task_update(actor=owner, task=task, changes={"assignee_id": admin.pk})
    assert (mine(world, "editor")["total"], mine(world, "admin")["total"]) == (0, 1)
    # The bulk API too, by a third member.
    world.client("editor").post(
        "/api/tasks/bulk/",
        {"ids": [task.pk], "action": "assign", "assignee": editor.pk},
        format="json",
    )
    assert (mine(world, "editor")["total"], mine(world, "admin")["total"]) == (1, 0)


def test_moving_a_task_out_of_my_inbox_refreshes_my_mine_and_the_projects_stats(world):
    owner = world.users["owner"]
    mine_task, _ = task_services.task_create(actor=owner, title="Private for now")
    assert (mine(world, "owner")["total"], project_stats(world, "viewer")["total"]) == (1, 1)
    moved = world.client("owner").patch(
        f"/api/tasks/{mine_task.pk}/", {"project": world.project.pk}, format="json"
    )
    assert moved.status_code == 200
    assert (mine(world, "owner")["total"], project_stats(world, "viewer")["total"]) == (0, 2)
    back = world.client("owner").post(
        "/api/tasks/bulk/",
        {"ids": [mine_task.pk], "action": "move", "project": inbox_id_of(owner)},
        format="json",
    )
    assert back.status_code == 200
    assert (mine(world, "owner")["total"], project_stats(world, "viewer")["total"]) == (1, 1)


def test_demoting_my_role_to_viewer_unassigns_me_and_refreshes_my_mine_stats(world):
    owner, editor = world.users["owner"], world.users["editor"]
    task_services.task_update(actor=owner, task=world.task, changes={"assignee_id": editor.pk})
    assert mine(world, "editor")["total"] == 1
    services.member_change_role(
        actor=owner, membership=_membership(world, "owner"), user_id=editor.pk, role="viewer"
    )
    assert mine(world, "editor")["total"] == 0


def test_writes_that_do_not_concern_a_member_leave_their_cached_stats_alone(world):
    """Per-scope versions: a write bumps the project and the people it concerns, not
    every member (so one busy project does not empty everyone's cache)."""
    owner, editor = world.users["owner"], world.users["editor"]
    for who in ROLES:
        mine(world, who)
    project_stats(world, "owner")
    before = {who: version(user_scope(world.users[who].pk)) for who in ROLES}
    shared = version(project_scope(world.project.pk))
    task_services.task_update(actor=editor, task=world.task, changes={"title": "Renamed"})
    assert version(project_scope(world.project.pk)) != shared
    assert {who: version(user_scope(world.users[who].pk)) for who in ROLES} == before
    task_services.task_create(actor=owner, title="Owner's Inbox")
    after = {who: version(user_scope(world.users[who].pk)) for who in ROLES}
    assert after == {**before, "owner": after["owner"]}
    assert after["owner"] != before["owner"]
