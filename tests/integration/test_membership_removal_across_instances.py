"""SPEC §7: removing a member or deleting a project takes effect at once on every
instance. In the local cluster (PostgreSQL, Redis, 3 gunicorn instances), Ben first reads
everything of Ana's project through each instance (warming every cache there is: the
stats versions and entries in Redis, anything an instance might keep), then Ana removes
him (or deletes the project) through instance 1 and Ben reads again, at once, through
instances 2 and 3.

Reads covered: the project, the project's task list, a task's detail, the project's
stats, "mine" stats (/api/tasks/stats/), the export, the list of my projects (API,
JWT), the board (API and page), the project's page and members page, the task page and
the task list page (signed in with a session cookie), and the member's iCal feed.
"""

from __future__ import annotations

import json
import re
from typing import Any
from urllib.parse import urlsplit

import pytest
import requests

from tests.factories import DEFAULT_PASSWORD
from tests.integration.conftest import TIMEOUT, bearer, new_account

# What nginx tells the instances (it terminates TLS); without it the production
# settings' Secure cookies and CSRF origin checks would refuse the form login.
HTTPS = {"X-Forwarded-Proto": "https"}

pytestmark = pytest.mark.integration


class Member:
    """One user of the cluster, holding a JWT valid on every instance."""

    def __init__(self, base_url: str) -> None:
        self.email, tokens = new_account(base_url)
        self.headers = bearer(tokens)
        self.id = self.get(base_url, "/api/auth/me/").json()["id"]
        self.session = self._sign_in(base_url)

    def _sign_in(self, base: str) -> str:
        """The session cookie of a form login (sessions are shared by every instance).
        Cookies go in a header: they are Secure, and the test speaks plain HTTP."""
        form = requests.get(f"{base}/accounts/login/", headers=HTTPS, timeout=TIMEOUT)
        token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', form.text)[1]
        signed_in = requests.post(
            f"{base}/accounts/login/",
            data={"email": self.email, "password": DEFAULT_PASSWORD, "csrfmiddlewaretoken": token},
            headers={
                **HTTPS,
                "Origin": base.replace("http://", "https://"),
                "Cookie": f"csrftoken={form.cookies['csrftoken']}",
            },
            allow_redirects=False,
            timeout=TIMEOUT,
        )
        assert signed_in.status_code == 302, signed_in.text
        return signed_in.cookies["sessionid"]

    def page(self, base: str, path: str) -> requests.Response:
        headers = {**HTTPS, "Cookie": f"sessionid={self.session}"}
        return requests.get(f"{base}{path}", headers=headers, timeout=TIMEOUT)

    def get(self, base: str, path: str) -> requests.Response:
        return requests.get(f"{base}{path}", headers=self.headers, timeout=TIMEOUT)

    def send(self, method: str, base: str, path: str, body: Any = None) -> requests.Response:
        return requests.request(
            method, f"{base}{path}", json=body, headers=self.headers, timeout=TIMEOUT
        )


def _created(response: requests.Response) -> dict[str, Any]:
    assert response.status_code == 201, response.text
    return response.json()


def share_project(one: str, ana: Member, ben: Member, name: str) -> str:
    """Ana's new project with Ben as editor (invited and accepted through the API)."""
    project = _created(ana.send("POST", one, "/api/projects/", {"name": name}))["id"]
    invite = {"email": ben.email, "role": "editor"}
    _created(ana.send("POST", one, f"/api/projects/{project}/members/", invite))
    (invitation,) = [
        row
        for row in ben.get(one, "/api/invitations/").json()["results"]
        if row["project"]["id"] == project
    ]
    accepted = ben.send("POST", one, f"/api/invitations/{invitation['id']}/accept/")
    assert accepted.status_code == 200, accepted.text
    return project


def reads(member: Member, base: str, project: str, task: str) -> dict[str, Any]:
    """Everything of the project ``member`` can see through one instance."""
    listed = member.get(base, f"/api/tasks/?project={project}")
    everything = member.get(base, "/api/tasks/")
    exported = member.get(base, "/api/tasks/export/?format=json")
    projects = member.get(base, "/api/projects/")
    list_page = member.page(base, "/tasks/")
    feed_url = urlsplit(member.get(base, "/api/calendar/feed/").json()["url"])
    feed = member.page(base, f"{feed_url.path}?{feed_url.query}".rstrip("?"))
    board = member.get(base, f"/api/projects/{project}/board/")
    assert feed.status_code == 200
    assert (listed.status_code, everything.status_code, exported.status_code) == (200, 200, 200)
    assert list_page.status_code == 200
    return {
        "project": member.get(base, f"/api/projects/{project}/").status_code,
        "project_stats": member.get(base, f"/api/projects/{project}/stats/"),
        "detail": member.get(base, f"/api/tasks/{task}/").status_code,
        "listed": [row["id"] for row in listed.json()["results"]],
        "in_all_tasks": task in [row["id"] for row in everything.json()["results"]],
        "exported": task in [row["id"] for row in json.loads(exported.text)],
        "in_my_projects": project in [row["id"] for row in projects.json()["results"]],
        "mine_total": member.get(base, "/api/tasks/stats/").json()["total"],
        "task_page": member.page(base, f"/tasks/{task}/").status_code,
        "on_list_page": f"/tasks/{task}/" in list_page.text,
        "board": board.status_code,
        "on_board": task in board.text,
        "board_page": member.page(base, f"/projects/{project}/board/").status_code,
        "project_page": member.page(base, f"/projects/{project}/").status_code,
        "members_page": member.page(base, f"/projects/{project}/members/").status_code,
        "in_feed": f"{task}@" in feed.text,
    }


SEEN = {
    "project": 200,
    "detail": 200,
    "in_all_tasks": True,
    "exported": True,
    "task_page": 200,
    "on_list_page": True,
    "board": 200,
    "on_board": True,
    "board_page": 200,
    "project_page": 200,
    "members_page": 200,
    "in_feed": True,
}
GONE = {
    "project": 404,
    "detail": 404,
    "in_all_tasks": False,
    "exported": False,
    "task_page": 404,
    "on_list_page": False,
    "board": 404,
    "on_board": False,
    "board_page": 404,
    "project_page": 404,
    "members_page": 404,
    "in_feed": False,
}


def _summary(read: dict[str, Any]) -> dict[str, Any]:
    return {name: read[name] for name in SEEN}


def test_a_member_removed_through_instance_1_sees_nothing_of_the_project_on_2_and_3(
    cluster, fresh_redis
):
    one, two, three = cluster.instance_urls
    ana, ben = Member(one), Member(one)
    project = share_project(one, ana, ben, "Launch")
    body = {"title": "Ship", "project": project, "assignee": ben.id, "due_date": "2030-01-15"}
    task = _created(ana.send("POST", one, "/api/tasks/", body))["id"]
    _created(ben.send("POST", one, "/api/tasks/", {"title": "Ben's own"}))  # his Inbox

    # Warm: every read through every instance, twice (the second one is a cache hit).
    for base in (one, two, three, one, two, three):
        before = reads(ben, base, project, task)
        assert _summary(before) == SEEN
        assert before["project_stats"].status_code == 200
        assert before["project_stats"].json()["total"] == 1
        assert before["listed"] == [task]
        assert before["in_my_projects"] is True
        assert before["mine_total"] == 2  # assigned to him + his Inbox

    removed = ana.send("DELETE", one, f"/api/projects/{project}/members/{ben.id}/")
    assert removed.status_code == 204, removed.text

    for base in (two, three):
        after = reads(ben, base, project, task)
        assert _summary(after) == GONE, base
        assert after["project_stats"].status_code == 404, base
        assert after["project_stats"].json()["code"] == "not_found"
        assert after["listed"] == [], base
        assert after["in_my_projects"] is False, base
        assert after["mine_total"] == 1, base  # the task was unassigned: his Inbox only
    # Ana still sees it all, the task unassigned, on every instance.
    for base in (two, three):
        detail = ana.get(base, f"/api/tasks/{task}/")
        assert (detail.status_code, detail.json()["assignee"]) == (200, None)
        assert ana.get(base, f"/api/projects/{project}/stats/").json()["total"] == 1


def test_a_project_deleted_through_instance_1_is_gone_on_2_and_3_for_every_member(
    cluster, fresh_redis
):
    one, two, three = cluster.instance_urls
    ana, ben = Member(one), Member(one)
    project = share_project(one, ana, ben, "Short-lived")
    body = {"title": "Soon gone", "project": project, "assignee": ben.id, "due_date": "2030-01-15"}
    task = _created(ana.send("POST", one, "/api/tasks/", body))["id"]
    for member in (ana, ben):
        for base in (one, two, three):
            before = reads(member, base, project, task)
            assert _summary(before) == SEEN
            assert before["project_stats"].json()["total"] == 1
    assert reads(ben, two, project, task)["mine_total"] == 1
    assert reads(ana, two, project, task)["mine_total"] == 0  # not assigned, not her Inbox

    deleted = ana.send("DELETE", one, f"/api/projects/{project}/")
    assert deleted.status_code == 204, deleted.text

    for member in (ana, ben):
        for base in (two, three):
            after = reads(member, base, project, task)
            assert _summary(after) == GONE, (member.email, base)
            assert after["project_stats"].status_code == 404
            assert after["listed"] == []
            assert after["in_my_projects"] is False
    assert reads(ben, three, project, task)["mine_total"] == 0
