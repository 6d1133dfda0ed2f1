"""First load of every page (HTML + the CSS and JS it references) stays under 100 KB."""

import re

import pytest
from django.contrib.staticfiles import finders

from tasks import services

pytestmark = pytest.mark.django_db

BUDGET = 100 * 1024


def _first_load_bytes(client, url: str) -> int:
    response = client.get(url)
    assert response.status_code == 200
    html = response.content.decode()
    assets = re.findall(r'<(?:link rel="stylesheet" href|script src)="/static/([^"?]+)"', html)
    assert assets
    return len(response.content) + sum(len(open(finders.find(a), "rb").read()) for a in assets)


@pytest.mark.parametrize("url", ["/", "/accounts/login/", "/accounts/register/"])
def test_public_pages_are_light(anon, url):
    assert _first_load_bytes(anon, url) < BUDGET


def test_signed_in_pages_are_light_with_a_full_page_of_tasks(web, user):
    long = "A reasonably long task title for weighing " * 4
    for number in range(20):
        services.task_create(actor=user, title=f"{long}{number}"[:200], tags=["work", "home"])
    task = services.task_create(actor=user, title="Detail", description="d" * 5000)[0]
    for number in range(20):  # a full page of the trash too
        gone = services.task_create(actor=user, title=f"Gone {long}{number}"[:200])[0]
        services.task_trash(actor=user, task=gone)
    pages = [
        "/dashboard/",
        "/tasks/",
        "/tasks/new/",
        f"/tasks/{task.pk}/",
        f"/tasks/{task.pk}/edit/",
        f"/tasks/{task.pk}/delete/",
        "/accounts/profile/",
        "/tasks/import/",
        "/calendar/",
        "/trash/",
        "/trash/empty/",
    ]
    weights = {url: _first_load_bytes(web, url) for url in pages}
    assert max(weights.values()) < BUDGET, weights


def test_project_pages_are_light_with_members_comments_and_history(web, user):
    from projects import roles
    from projects import services as project_services
    from tasks import comments
    from tests.factories import UserFactory

    project = project_services.project_create(actor=user, name="Shared " * 14)
    membership = roles.get_membership_for(user, project.pk)
    for number in range(20):
        member = UserFactory(email=f"member{number}@example.com", name=f"Member number {number}")
        invitation = project_services.member_invite(
            actor=user, membership=membership, email=member.email, role="editor"
        )
        project_services.invitation_accept(actor=member, invitation_id=invitation.pk)
    long = "A reasonably long task title for weighing " * 4
    for number in range(20):
        task, _ = services.task_create(
            actor=user, project_id=project.pk, title=f"{long}{number}"[:200], assignee_id=member.pk
        )
    for number in range(20):
        comments.comment_create(
            actor=user, task=task, body=f"A comment with **Markdown** {number}" * 5
        )
        task = services.task_update(actor=user, task=task, changes={"title": f"Renamed {number}"})
    pages = [
        "/projects/",
        f"/projects/{project.pk}/",
        f"/projects/{project.pk}/members/",
        f"/projects/{project.pk}/settings/",
        f"/tasks/{task.pk}/",
        "/tasks/mine/",
        "/invitations/",
    ]
    weights = {url: _first_load_bytes(web, url) for url in pages}
    assert max(weights.values()) < BUDGET, weights
