"""The project pages (issue 11): who may open and post what (one table: 4 roles and a
non-member), form errors, no 500 on bad input, invitations by link, the task page's
comments and activity, "Assigned to me" and the project switcher."""

from __future__ import annotations

import pytest
from django.core import mail
from django.test import Client

from projects import roles, services
from projects.models import Invitation, Membership, Project
from projects.notify import invitation_token
from tasks import comments
from tasks import services as task_services
from tasks.models import Comment, Task
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

ROLES = ("owner", "admin", "editor", "viewer")


@pytest.fixture(autouse=True)
def _locmem_email(settings):
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"


def _signed_in(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def _join(project: Project, owner, user, role: str) -> None:
    membership = roles.get_membership_for(owner, project.pk)
    invitation = services.member_invite(
        actor=owner, membership=membership, email=user.email, role=role
    )
    services.invitation_accept(actor=user, invitation_id=invitation.pk)


@pytest.fixture
def team():
    """A project with one member of each role, an outsider, and one task."""
    people = {role: UserFactory(email=f"{role}@example.com", name=role.title()) for role in ROLES}
    people["outsider"] = UserFactory(email="outsider@example.com", name="Outsider")
    project = services.project_create(actor=people["owner"], name="Garden")
    for role in ("admin", "editor", "viewer"):
        _join(project, people["owner"], people[role], role)
    task, _ = task_services.task_create(actor=people["owner"], project_id=project.pk, title="Dig")
    mail.outbox.clear()
    return {"people": people, "project": project, "task": task}


# (method, url, data, expected status per owner, admin, editor, viewer, non-member)
ACCESS = [
    ("get", "/projects/{p}/", None, (200, 200, 200, 200, 404)),
    ("get", "/projects/{p}/members/", None, (200, 200, 200, 200, 404)),
    ("get", "/projects/{p}/settings/", None, (200, 200, 403, 403, 404)),
    ("get", "/projects/{p}/delete/", None, (200, 403, 403, 403, 404)),
    ("get", "/tasks/{t}/", None, (200, 200, 200, 200, 404)),
    ("get", "/tasks/{t}/edit/", None, (200, 200, 200, 403, 404)),
    ("post", "/tasks/{t}/comments/", {"body": "Hello"}, (302, 302, 302, 403, 404)),
    (
        "post",
        "/projects/{p}/settings/",
        {"name": "Renamed", "description": ""},
        (302, 302, 403, 403, 404),
    ),
    (
        "post",
        "/projects/{p}/members/",
        {"email": "new@example.com", "role": "editor"},
        (302, 302, 403, 403, 404),
    ),
    ("post", "/projects/{p}/archive/", {"archived": "1"}, (302, 403, 403, 403, 404)),
    ("post", "/projects/{p}/delete/", {}, (302, 403, 403, 403, 404)),
]
CASES = [
    pytest.param(method, url, data, who, expected[i], id=f"{method}-{url}-{who}")
    for method, url, data, expected in ACCESS
    for i, who in enumerate((*ROLES, "outsider"))
]


@pytest.mark.parametrize(("method", "url", "data", "who", "expected"), CASES)
def test_access_by_role(team, method, url, data, who, expected):
    client = _signed_in(team["people"][who])
    target = url.format(p=team["project"].pk, t=team["task"].pk)
    response = getattr(client, method)(target, data) if data is not None else client.get(target)
    assert response.status_code == expected
    if expected == 403:
        assert b"Not allowed" in response.content


def test_signed_out_visitors_are_sent_to_sign_in(team, anon):
    for url in ("/projects/", f"/projects/{team['project'].pk}/", "/invitations/", "/tasks/mine/"):
        response = anon.get(url)
        assert response.status_code == 302
        assert response["Location"].startswith("/accounts/login/")


# --- Projects list, create, settings ---------------------------------------------------


def test_create_project_and_list_it_with_my_role(web, user):
    response = web.post("/projects/", {"name": "  Holiday ", "description": "Plans"})
    project = Project.objects.get(name="Holiday")
    assert response["Location"] == f"/projects/{project.pk}/"
    assert Membership.objects.get(project=project, user=user).role == "owner"
    html = web.get("/projects/").content.decode()
    assert "Holiday" in html
    assert "Owner" in html
    assert "Inbox" in html


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"name": ""}, "This field is required."),
        ({"name": "   "}, "This field is required."),
        ({"name": "x" * 101}, "at most 100 characters"),
        ({"name": "ok", "description": "d" * 2001}, "at most 2000 characters"),
    ],
)
def test_create_project_form_errors_keep_the_page(web, data, message):
    response = web.post("/projects/", data)
    assert response.status_code == 400
    assert message in response.content.decode()
    assert not Project.objects.filter(inbox_owner__isnull=True).exists()


def test_settings_rename_archive_and_delete(team):
    owner = _signed_in(team["people"]["owner"])
    pid = team["project"].pk
    assert owner.post(f"/projects/{pid}/settings/", {"name": "Yard"}).status_code == 302
    assert Project.objects.get(pk=pid).name == "Yard"
    assert owner.post(f"/projects/{pid}/settings/", {"name": ""}).status_code == 400
    owner.post(f"/projects/{pid}/archive/", {"archived": "1"})
    assert Project.objects.get(pk=pid).archived
    assert b"Archived" in owner.get(f"/projects/{pid}/").content
    owner.post(f"/projects/{pid}/archive/", {"archived": "0"})
    assert not Project.objects.get(pk=pid).archived
    assert b"Delete this project?" in owner.get(f"/projects/{pid}/delete/").content
    assert owner.post(f"/projects/{pid}/delete/")["Location"] == "/projects/"
    assert not Project.objects.filter(pk=pid).exists()
    assert not Task.objects.filter(pk=team["task"].pk).exists()


def test_the_inbox_cannot_be_archived_or_deleted(web, user):
    inbox = Project.objects.get(inbox_owner=user)
    response = web.post(f"/projects/{inbox.pk}/archive/", {"archived": "1"}, follow=True)
    assert b"Inbox cannot be shared" in response.content
    assert web.get(f"/projects/{inbox.pk}/delete/").status_code == 302
    assert Project.objects.filter(pk=inbox.pk, archived=False).exists()


@pytest.mark.parametrize(
    "url",
    [
        "/projects/not-an-id/",
        "/projects/01HZZZZZZZZZZZZZZZZZZZZZZZ/",
        "/projects/%00/members/",
        "/projects/x/settings/",
        "/invitations/garbage/",
        "/invitations/.eJyrVspUslIyVKoFAA:1:bad/",
    ],
)
def test_bad_ids_and_links_are_404_pages_never_500(web, url):
    assert web.get(url).status_code == 404


# --- Members ------------------------------------------------------------------------------


def test_invite_change_role_and_remove(team):
    people, pid = team["people"], team["project"].pk
    admin = _signed_in(people["admin"])
    response = admin.post(
        f"/projects/{pid}/members/", {"email": "New@Example.com", "role": "viewer"}
    )
    assert response.status_code == 302
    assert [m.to for m in mail.outbox] == [["new@example.com"]]
    assert b"new@example.com" in admin.get(f"/projects/{pid}/members/").content
    editor_id = people["editor"].pk
    admin.post(f"/projects/{pid}/members/{editor_id}/role/", {"role": "viewer"})
    assert Membership.objects.get(project_id=pid, user=people["editor"]).role == "viewer"
    admin.post(f"/projects/{pid}/members/{editor_id}/remove/")
    assert not Membership.objects.filter(project_id=pid, user=people["editor"]).exists()


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"email": "not-an-email", "role": "editor"}, "Enter a valid email address."),
        ({"email": "x@example.com", "role": "boss"}, "Select a valid choice."),
        ({"email": "viewer@example.com", "role": "editor"}, "already a member"),
    ],
)
def test_invite_form_errors(team, data, message):
    owner = _signed_in(team["people"]["owner"])
    response = owner.post(f"/projects/{team['project'].pk}/members/", data)
    assert response.status_code == 400
    assert message in response.content.decode()


def test_admins_cannot_touch_owners_and_the_last_owner_cannot_leave(team):
    people, pid = team["people"], team["project"].pk
    admin = _signed_in(people["admin"])
    owner_id = people["owner"].pk
    assert (
        admin.post(f"/projects/{pid}/members/{owner_id}/role/", {"role": "viewer"}).status_code
        == 403
    )
    owner = _signed_in(people["owner"])
    response = owner.post(f"/projects/{pid}/members/{owner_id}/remove/", follow=True)
    assert b"at least one owner" in response.content
    assert Membership.objects.filter(project_id=pid, user_id=owner_id).exists()


@pytest.mark.parametrize(
    ("path", "data"),
    [
        ("members/{u}/role/", {"role": "boss"}),
        ("members/{u}/role/", {}),
        ("members/not-an-id/role/", {"role": "viewer"}),
        ("members/not-an-id/remove/", {}),
        ("invitations/not-an-id/revoke/", {}),
    ],
)
def test_member_forms_with_bad_input_never_500(team, path, data):
    owner = _signed_in(team["people"]["owner"])
    url = f"/projects/{team['project'].pk}/" + path.format(u=team["people"]["editor"].pk)
    assert owner.post(url, data).status_code in (302, 404)


def test_leave_a_project(team):
    viewer = team["people"]["viewer"]
    response = _signed_in(viewer).post(
        f"/projects/{team['project'].pk}/members/{viewer.pk}/remove/"
    )
    assert response["Location"] == "/projects/"
    assert not Membership.objects.filter(project=team["project"], user=viewer).exists()


# --- Invitations ------------------------------------------------------------------------


def _invite(team, email: str, role: str = "editor") -> Invitation:
    owner = team["people"]["owner"]
    membership = roles.get_membership_for(owner, team["project"].pk)
    return services.member_invite(actor=owner, membership=membership, email=email, role=role)


def test_my_invitations_accept_and_decline(team):
    ben = UserFactory(email="ben@example.com")
    first = _invite(team, "ben@example.com")
    other = services.project_create(actor=team["people"]["owner"], name="Shed")
    second = services.member_invite(
        actor=team["people"]["owner"],
        membership=roles.get_membership_for(team["people"]["owner"], other.pk),
        email="ben@example.com",
        role="viewer",
    )
    client = _signed_in(ben)
    html = client.get("/invitations/").content.decode()
    assert "Garden" in html
    assert "Shed" in html
    response = client.post(f"/invitations/{first.pk}/accept/")
    assert response["Location"] == f"/projects/{team['project'].pk}/"
    client.post(f"/invitations/{second.pk}/decline/")
    assert not Membership.objects.filter(project=other, user=ben).exists()
    assert b"No invitations" in client.get("/invitations/").content
    # Someone else's invitation, a used one and a bogus answer: a message or a 404.
    assert (
        _signed_in(team["people"]["outsider"]).post(f"/invitations/{first.pk}/accept/").status_code
        == 404
    )
    used = client.post(f"/invitations/{first.pk}/accept/", follow=True)
    assert b"already used" in used.content
    assert client.post(f"/invitations/{first.pk}/maybe/").status_code == 404


def test_the_emailed_link_leads_a_new_person_through_registration(team, anon, password):
    invitation = _invite(team, "ben@example.com")
    link = f"/invitations/{invitation_token(invitation)}/"
    assert link in mail.outbox[0].body
    page = anon.get(link).content.decode()
    assert "Create account" in page
    register = f"/accounts/register/?next={link}&email=ben%40example.com"
    assert register.replace("&", "&amp;") in page or "ben%40example.com" in page
    assert 'value="ben@example.com"' in anon.get(register).content.decode()
    response = anon.post(
        "/accounts/register/",
        {
            "name": "Ben",
            "email": "ben@example.com",
            "password": password,
            "password_again": password,
            "timezone": "UTC",
            "next": link,
        },
    )
    assert response["Location"] == link
    response = anon.post(link, {"answer": "accept"})
    assert response["Location"] == f"/projects/{team['project'].pk}/"
    assert (
        Membership.objects.get(project=team["project"], user__email="ben@example.com").role
        == "editor"
    )
    # Single use: the link now says so.
    assert anon.get(link).status_code == 404


def test_the_link_opened_by_another_account_says_whose_it_is(team):
    invitation = _invite(team, "ben@example.com")
    link = f"/invitations/{invitation_token(invitation)}/"
    client = _signed_in(team["people"]["outsider"])
    response = client.get(link)
    assert response.status_code == 403
    assert "This invitation is for ben@example.com" in response.content.decode()
    assert client.post(link, {"answer": "accept"}).status_code == 403
    assert not Membership.objects.filter(
        project=team["project"], user=team["people"]["outsider"]
    ).exists()


def test_a_reinvite_voids_the_older_link(team):
    old = f"/invitations/{invitation_token(_invite(team, 'ben@example.com'))}/"
    _invite(team, "ben@example.com", role="viewer")
    assert Client().get(old).status_code == 404


# --- Task form, Assigned to me, switcher ---------------------------------------------------


def _task_form(**fields):
    return {
        "title": "Water",
        "description": "",
        "status": "todo",
        "priority": "medium",
        "repeat": "",
        "repeat_from": "due",
        **fields,
    }


def test_task_form_offers_my_editable_projects_and_their_editors(team):
    editor = _signed_in(team["people"]["editor"])
    pid = team["project"].pk
    form = editor.get(f"/tasks/new/?project={pid}").context["form"]
    assert pid in dict(form.fields["project"].choices)
    assignees = dict(form.fields["assignee"].choices)
    assert team["people"]["editor"].pk in assignees
    assert team["people"]["viewer"].pk not in assignees
    viewer_form = _signed_in(team["people"]["viewer"]).get("/tasks/new/").context["form"]
    assert pid not in dict(viewer_form.fields["project"].choices)
    response = editor.post(
        "/tasks/new/", _task_form(project=pid, assignee=team["people"]["admin"].pk)
    )
    assert response.status_code == 302
    task = Task.objects.get(title="Water")
    assert (task.project_id, task.assignee_id) == (pid, team["people"]["admin"].pk)


def test_task_form_refuses_an_assignee_who_may_not_edit_the_project(team, user):
    editor = _signed_in(team["people"]["editor"])
    # The editor's own Inbox with the admin of another project: the service refuses.
    inbox = Project.objects.get(inbox_owner=team["people"]["editor"])
    response = editor.post(
        "/tasks/new/", _task_form(project=inbox.pk, assignee=team["people"]["admin"].pk)
    )
    assert response.status_code == 400
    assert "must be a member of the project" in response.content.decode()
    response = editor.post("/tasks/new/", _task_form(project="not-mine", assignee="nobody"))
    assert response.status_code == 400
    assert not Task.objects.filter(title="Water").exists()


def test_assigned_to_me_lists_only_my_assignments(team):
    people = team["people"]
    task_services.task_create(
        actor=people["owner"],
        project_id=team["project"].pk,
        title="Mine",
        assignee_id=people["editor"].pk,
    )
    html = _signed_in(people["editor"]).get("/tasks/mine/").content.decode()
    assert "Mine" in html
    assert "Dig" not in html
    assert (
        "Nothing assigned to you"
        in _signed_in(people["admin"]).get("/tasks/mine/").content.decode()
    )


def test_task_list_shows_project_and_assignee(team):
    people = team["people"]
    task_services.task_create(
        actor=people["owner"],
        project_id=team["project"].pk,
        title="Rake",
        assignee_id=people["admin"].pk,
    )
    html = _signed_in(people["owner"]).get("/tasks/").content.decode()
    assert f'href="/projects/{team["project"].pk}/">Garden</a>' in html
    assert "<td>Admin</td>" in html


def test_switcher_on_every_page_lists_inbox_first_with_roles(team):
    client = _signed_in(team["people"]["viewer"])
    services.project_create(actor=team["people"]["viewer"], name="Attic")
    for url in ("/dashboard/", "/tasks/", "/projects/", f"/tasks/{team['task'].pk}/"):
        html = client.get(url).content.decode()
        switcher = html[html.index('class="switcher"') : html.index("</details>")]
        assert switcher.index("Inbox") < switcher.index("Attic") < switcher.index("Garden")
        assert "viewer" in switcher
        assert "New project" in switcher


def test_project_page_has_list_tab_and_new_task_link_for_editors(team):
    pid = team["project"].pk
    html = _signed_in(team["people"]["editor"]).get(f"/projects/{pid}/").content.decode()
    assert 'aria-current="page">List</a>' in html
    assert f"/tasks/new/?project={pid}" in html
    assert "Dig" in html
    viewer = _signed_in(team["people"]["viewer"]).get(f"/projects/{pid}/").content.decode()
    assert f"/tasks/new/?project={pid}" not in viewer
    assert "Settings</a>" not in viewer


# --- Task page: comments and activity ------------------------------------------------------


def test_comments_markdown_edit_and_delete(team):
    people, task = team["people"], team["task"]
    editor = _signed_in(people["editor"])
    response = editor.post(f"/tasks/{task.pk}/comments/", {"body": "**soon** <script>x</script>"})
    comment = Comment.objects.get(task=task)
    assert response["Location"] == f"/tasks/{task.pk}/#comment-{comment.pk}"
    html = editor.get(f"/tasks/{task.pk}/").content.decode()
    assert "<strong>soon</strong>" in html
    assert "<script>x" not in html
    edit_page = editor.get(f"/tasks/{task.pk}/?edit={comment.pk}").content.decode()
    assert 'id="edit-body"' in edit_page
    editor.post(f"/tasks/{task.pk}/comments/{comment.pk}/edit/", {"body": "later"})
    assert Comment.objects.get(pk=comment.pk).body == "later"
    # Another editor may neither edit nor delete it; an admin may delete it.
    owner_comment = comments.comment_create(actor=people["owner"], task=task, body="mine")
    url = f"/tasks/{task.pk}/comments/{owner_comment.pk}/"
    assert editor.post(url + "edit/", {"body": "x"}).status_code == 403
    assert editor.post(url + "delete/").status_code == 403
    assert _signed_in(people["admin"]).post(url + "delete/").status_code == 302
    assert not Comment.objects.filter(pk=owner_comment.pk).exists()
    # The outsider cannot reach either.
    assert (
        _signed_in(people["outsider"])
        .post(f"/tasks/{task.pk}/comments/{comment.pk}/delete/")
        .status_code
        == 404
    )


@pytest.mark.parametrize("body", ["", "   ", "x" * 10_001])
def test_comment_errors_keep_the_text(team, body):
    task = team["task"]
    response = _signed_in(team["people"]["editor"]).post(
        f"/tasks/{task.pk}/comments/", {"body": body}
    )
    assert response.status_code == 400
    html = response.content.decode()
    assert 'id="comment-body-error"' in html
    assert not Comment.objects.exists()


def test_comment_of_another_task_is_404(team):
    people = team["people"]
    other, _ = task_services.task_create(
        actor=people["owner"], project_id=team["project"].pk, title="B"
    )
    comment = comments.comment_create(actor=people["owner"], task=other, body="x")
    url = f"/tasks/{team['task'].pk}/comments/{comment.pk}/delete/"
    assert _signed_in(people["owner"]).post(url).status_code == 404


def test_activity_shows_who_what_old_new_newest_first_and_pages(team):
    people, task = team["people"], team["task"]
    for number in range(25):
        task = task_services.task_update(
            actor=people["owner"], task=task, changes={"title": f"T{number}"}
        )
    task = task_services.task_update(
        actor=people["owner"],
        task=task,
        changes={"assignee_id": people["editor"].pk, "status": "done"},
    )
    client = _signed_in(people["viewer"])
    html = client.get(f"/tasks/{task.pk}/").content.decode()
    history = html[html.index('id="activity"') :]
    assert "<strong>Owner</strong> updated: status To do → Done" in history
    assert "assignee nobody → Editor" in history
    assert history.index("T23 → T24") < history.index("T22 → T23")
    assert "Page 1 of 2" in history
    older = client.get(f"/tasks/{task.pk}/?activity=2").content.decode()
    assert "<strong>Owner</strong> created" in older
    # A bad page number shows a page, never a 500.
    assert client.get(f"/tasks/{task.pk}/?activity=zzz").status_code == 200


def test_archived_project_offers_no_new_task_nor_quick_add(team):
    owner = _signed_in(team["people"]["owner"])
    pid = team["project"].pk
    # Quick add files into the project from its list (tests/time/test_quickadd_projects.py).
    project_field = f'<input type="hidden" name="project" value="{pid}">'.encode()
    assert project_field in owner.get(f"/projects/{pid}/").content
    assert b'action="/tasks/quick/"' in owner.get("/tasks/").content
    owner.post(f"/projects/{pid}/archive/", {"archived": "1"})
    archived = owner.get(f"/projects/{pid}/").content
    assert f"/tasks/new/?project={pid}".encode() not in archived
    assert b'action="/tasks/quick/"' not in archived
