"""Quick add into a project (issue 13): "@name" resolved among the project's members
(table-driven: found, not a member, a viewer, ambiguous, the Inbox), the API's
`project` (editor+; a project you cannot see is a 400 on `project` as for POST
tasks/, a viewer 403) with the assignee notified, and the field on the project's
list and board pages as a plain form post (no JavaScript) that comes back to the page."""

from __future__ import annotations

import pytest
from django.test import Client

from accounts.models import User
from notifications.models import Notification
from projects import columns as column_services
from projects import roles
from projects import services as project_services
from projects.models import Role
from tasks import services
from tasks.models import Task
from tests.conftest import client_for
from tests.factories import UserFactory
from tests.projects.conftest import add_member

pytestmark = pytest.mark.django_db

QUICK = "/api/tasks/quick/"
PAGE = "/tasks/quick/"

# Who is in the project "Home" (key -> email, name, role; None: not a member).
PEOPLE = {
    "me": ("me@example.com", "Mia Stone", Role.OWNER),
    "ana": ("ana@example.com", "Ana Lopez", Role.EDITOR),
    "bob": ("bob.smith@example.com", "Robert Smith", Role.ADMIN),
    "li": ("li_wei@example.com", "Wei Li", Role.EDITOR),
    "carla": ("carla@example.com", "Carla Diaz", Role.VIEWER),
    "dan1": ("dan1@example.com", "Dan Brown", Role.EDITOR),
    "dan2": ("dan2@example.com", "Dan White", Role.EDITOR),
    "eve1": ("eve@one.example", "Evelyn One", Role.EDITOR),
    "eve2": ("eve@two.example", "Evelyn Two", Role.EDITOR),
    "zed": ("zed@example.com", "Zed Outsider", None),
}


@pytest.fixture
def home(db, settings):
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    users = {key: UserFactory(email=email, name=name) for key, (email, name, _) in PEOPLE.items()}
    project = project_services.project_create(actor=users["me"], name="Home")
    for key, (_, _, role) in PEOPLE.items():
        if role not in (None, Role.OWNER):
            add_member(project, users["me"], users[key], role)
    return project, users


NOT_MEMBER = "is not a member of this project"
VIEWER = "is a viewer of this project"
SEVERAL = "matches several members of this project"
INBOX = "tasks in your Inbox are not assigned"

# text -> (title, assignee key or None, what the note says or None), in the project.
IN_PROJECT = {
    # found: the email's part before "@", then the first word of the name
    "Pay rent fri @ana": ("Pay rent", "ana", None),
    "Pay rent @ANA": ("Pay rent", "ana", None),
    "@ana call the bank": ("call the bank", "ana", None),
    "Call @ana, please": ("Call please", "ana", None),
    "Fix sink @bob.smith !high": ("Fix sink", "bob", None),
    "Fix sink @robert": ("Fix sink", "bob", None),
    "Fix sink @Robert": ("Fix sink", "bob", None),
    "Review @li_wei": ("Review", "li", None),
    "Review @wei": ("Review", "li", None),
    "Plan @me": ("Plan", "me", None),
    "Ask @ana and @bob": ("Ask and @bob", "ana", None),
    "Hire @evelyn.one": ("Hire @evelyn.one", None, NOT_MEMBER),
    # not a member (and no partial or wildcard matches)
    "Call @zed": ("Call @zed", None, NOT_MEMBER),
    "Call @an": ("Call @an", None, NOT_MEMBER),
    "Call @ana.lopez": ("Call @ana.lopez", None, NOT_MEMBER),
    "Call @l__wei": ("Call @l__wei", None, NOT_MEMBER),
    "Call @smith": ("Call @smith", None, NOT_MEMBER),
    "Call @nobody": ("Call @nobody", None, NOT_MEMBER),
    # a member who may not be assigned
    "Water plants @carla": ("Water plants @carla", None, VIEWER),
    # ambiguous: two first names, two email local parts
    "Paint fence @dan": ("Paint fence @dan", None, SEVERAL),
    "Paint fence @eve": ("Paint fence @eve", None, SEVERAL),
    "Paint fence @dan1": ("Paint fence", "dan1", None),
    # a quoted @name is literal
    'Mail "@ana" the slides': ("Mail @ana the slides", None, None),
    "No one named": ("No one named", None, None),
}


@pytest.mark.parametrize(("text", "expected"), list(IN_PROJECT.items()), ids=list(IN_PROJECT))
def test_mention_in_a_project(home, text, expected):
    project, users = home
    understood, task = services.task_quick_add(
        actor=users["me"], text=text, preview=True, project=project
    )
    title, who, note = expected
    assignee = understood["assignee"]
    assert task is None
    assert understood["title"] == title
    assert (assignee["id"] if assignee else None) == (users[who].pk if who else None)
    if assignee:
        assert assignee["name"] == users[who].name
    if note is None:
        assert understood["assignee_note"] is None
    else:
        assert note in understood["assignee_note"]


@pytest.mark.parametrize("text", ["Pay rent @ana", "Plan @me", "Call @zed"])
def test_the_inbox_assigns_no_one(home, text):
    _, users = home
    understood, task = services.task_quick_add(actor=users["me"], text=text)
    assert task.title == text
    assert task.assignee_id is None
    assert INBOX in understood["assignee_note"]


def test_a_mention_alone_leaves_no_title(home):
    project, users = home
    with pytest.raises(services.ValidationError):
        services.task_quick_add(actor=users["me"], text="@ana fri", project=project)
    assert not Task.objects.filter(project=project).exists()


def test_resolving_costs_at_most_two_bounded_queries(home, django_assert_max_num_queries):
    project, users = home
    # Preview: the zone is on the actor; the ambiguous rule stops after two rows.
    with django_assert_max_num_queries(1):
        services.task_quick_add(actor=users["me"], text="x @dan1", preview=True, project=project)
    with django_assert_max_num_queries(2):
        services.task_quick_add(actor=users["me"], text="x @robert", preview=True, project=project)


# --- API ---------------------------------------------------------------------------------


def _api(users, who="me"):
    return client_for(users[who])


def test_api_files_into_the_project_and_assigns(home):
    project, users = home
    text = "Pay rent fri 9am !high #home @ana every month"
    response = _api(users).post(QUICK, {"text": text, "project": project.pk}, format="json")
    assert response.status_code == 201
    body = response.json()
    assert (body["title"], body["project"], body["assignee"]) == (
        "Pay rent",
        project.pk,
        users["ana"].pk,
    )
    assert (body["priority"], body["tags"], body["repeat"], body["due_time"]) == (
        "high",
        ["home"],
        "FREQ=MONTHLY",
        "09:00",
    )
    task = Task.objects.get(pk=body["id"])
    assert (task.project_id, task.assignee_id, task.owner_id) == (
        project.pk,
        users["ana"].pk,
        users["me"].pk,
    )
    # The normal create path: the assignee hears about it, in-app.
    note = Notification.objects.get(user=users["ana"], kind=Notification.Kind.ASSIGNED)
    assert note.task_id == task.pk
    # The new card lands in the first "To do" column of the project's board.
    first = column_services.project_columns(project.pk)[0]
    assert (task.column_id, task.status) == (first.pk, "todo")


def test_api_preview_shows_the_assignee_and_writes_nothing(home):
    project, users = home
    body = {"text": "Fix sink @robert", "project": project.pk}
    response = _api(users, "ana").post(f"{QUICK}?preview=true", body, format="json")
    assert response.status_code == 200
    got = response.json()
    assert got["assignee"] == {"id": users["bob"].pk, "name": "Robert Smith"}
    assert (got["title"], got["assignee_hint"], got["assignee_note"]) == (
        "Fix sink",
        "robert",
        None,
    )
    assert not Task.objects.filter(project=project).exists()
    assert not Notification.objects.exists()


def test_api_preview_says_why_no_one_is_assigned(home):
    project, users = home
    body = {"text": "Call @zed", "project": project.pk}
    got = _api(users).post(f"{QUICK}?preview=true", body, format="json").json()
    assert (got["title"], got["assignee"]) == ("Call @zed", None)
    assert got["assignee_note"] == "@zed is not a member of this project."
    inbox = _api(users).post(f"{QUICK}?preview=true", {"text": "Call @ana"}, format="json")
    assert inbox.json()["assignee"] is None
    assert INBOX in inbox.json()["assignee_note"]


def test_api_not_member_ambiguous_and_self_create_without_notification(home):
    project, users = home
    for text in ("Call @zed", "Paint @dan", "Water @carla", "Plan @me"):
        response = _api(users).post(QUICK, {"text": text, "project": project.pk}, format="json")
        assert response.status_code == 201
    assigned = dict(Task.objects.filter(project=project).values_list("title", "assignee_id"))
    assert assigned == {
        "Call @zed": None,
        "Paint @dan": None,
        "Water @carla": None,
        "Plan": users["me"].pk,
    }
    # Assigning yourself tells no one.
    assert not Notification.objects.exists()


def test_api_without_project_files_into_the_inbox(home):
    _, users = home
    response = _api(users).post(QUICK, {"text": "Call @ana"}, format="json")
    assert response.status_code == 201
    task = Task.objects.get(pk=response.json()["id"])
    assert (task.project.is_inbox, task.project.inbox_owner_id) == (True, users["me"].pk)
    assert (task.title, task.assignee_id) == ("Call @ana", None)


@pytest.mark.parametrize("preview", ["", "?preview=true"])
def test_api_a_viewer_gets_403(home, preview):
    project, users = home
    body = {"text": "Water plants", "project": project.pk}
    response = _api(users, "carla").post(f"{QUICK}{preview}", body, format="json")
    assert response.status_code == 403
    assert response.json()["code"] == "permission_denied"
    assert not Task.objects.filter(project=project).exists()


@pytest.mark.parametrize("preview", ["", "?preview=true"])
def test_api_a_project_you_cannot_see_is_a_400_like_a_missing_one(home, preview):
    # As POST /api/tasks/ does for a project in the body: a field error, and the same
    # answer for a project that exists (not yours) and one that does not (no leak).
    project, users = home
    missing = "01" + "Z" * 24
    answers = []
    for pid in (project.pk, missing):
        response = _api(users, "zed").post(
            f"{QUICK}{preview}", {"text": "Sneak in", "project": pid}, format="json"
        )
        assert response.status_code == 400
        answers.append(response.json())
    assert answers[0] == answers[1]
    assert "project" in answers[0]
    assert not Task.objects.filter(title="Sneak in").exists()


@pytest.mark.parametrize(
    "bad", ["nope", "", 5, None, "0" * 27, "01ZZZZZZZZZZZZZZZZZZZZZZZI", ["x"]]
)
def test_api_a_malformed_project_is_a_400_on_project(home, bad):
    _, users = home
    response = _api(users).post(QUICK, {"text": "Call mom", "project": bad}, format="json")
    assert response.status_code == 400
    assert "project" in response.json()
    assert not Task.objects.filter(title="Call mom").exists()


def test_schema_documents_project_and_the_assignee(home):
    from drf_spectacular.generators import SchemaGenerator

    schema = SchemaGenerator().get_schema(request=None, public=True)
    components = schema["components"]["schemas"]
    project = components["QuickAddRequest"]["properties"]["project"]
    assert (project["type"], project["pattern"]) == ("string", "^[0-9A-HJKMNP-TV-Z]{26}$")
    assert "project" not in components["QuickAddRequest"].get("required", [])
    preview = components["QuickAddPreview"]
    assert {"assignee", "assignee_note", "assignee_hint"} <= set(preview["required"])
    responses = schema["paths"]["/api/tasks/quick/"]["post"]["responses"]
    assert {"200", "201", "400", "403"} <= set(responses)
    assert "404" not in responses  # a project you cannot see is a 400 on `project`
    preview_ref = responses["200"]["content"]["application/json"]["schema"]["$ref"]
    assert preview_ref.endswith("/QuickAddPreview")


# --- Pages -------------------------------------------------------------------------------


def _web(user: User) -> Client:
    client = Client()
    client.force_login(user)
    return client


def _list_url(project) -> str:
    return f"/projects/{project.pk}/"


def _board_url(project) -> str:
    return f"/projects/{project.pk}/board/"


@pytest.mark.parametrize("page", [_list_url, _board_url])
def test_project_pages_show_the_field_to_editors_only(home, page):
    project, users = home
    html = _web(users["ana"]).get(page(project)).content.decode()
    assert f'action="{PAGE}"' in html
    assert f'<input type="hidden" name="project" value="{project.pk}">' in html
    assert f'<input type="hidden" name="next" value="{page(project)}">' in html
    assert 'id="quick-add"' in html
    assert "js/quickadd.js" in html
    viewer = _web(users["carla"]).get(page(project)).content.decode()
    assert f'action="{PAGE}"' not in viewer


def test_the_archived_project_has_no_field(home):
    project, users = home
    project_services.project_update(
        actor=users["me"],
        membership=roles.get_membership_for(users["me"], project.pk),
        changes={"archived": True},
    )
    for page in (_list_url, _board_url):
        assert f'action="{PAGE}"'.encode() not in _web(users["me"]).get(page(project)).content


def test_project_list_previews_the_assignee_then_saves_and_comes_back(home):
    project, users = home
    web = _web(users["me"])
    back = _list_url(project) + "?status=todo"
    form = {"text": "Fix sink fri @robert #house", "project": project.pk, "next": back}
    preview = web.post(PAGE, form)
    assert preview.status_code == 200
    html = preview.content.decode()
    assert "We understood:" in html
    assert '<dd class="assignee">Robert Smith</dd>' in html
    assert "<dd>Home</dd>" in html
    # The Save form carries the project and the page to come back to (no JavaScript).
    assert f'<input type="hidden" name="project" value="{project.pk}">' in html
    assert f'<input type="hidden" name="next" value="{_list_url(project)}?status=todo">' in html
    assert not Task.objects.filter(project=project).exists()
    saved = web.post(PAGE, {**form, "save": "1"})
    assert saved.status_code == 302
    assert saved["Location"] == back
    task = Task.objects.get(project=project)
    assert (task.title, task.assignee_id, task.tags) == ("Fix sink", users["bob"].pk, ["house"])
    assert Notification.objects.filter(user=users["bob"], task_id=task.pk).count() == 1
    listed = web.get(back).content.decode()
    assert "Task “Fix sink” created." in listed
    assert f'id="task-{task.pk}"' in listed


def test_the_preview_page_says_why_no_one_is_assigned(home):
    project, users = home
    form = {"text": "Call @zed", "project": project.pk, "next": _list_url(project)}
    html = _web(users["me"]).post(PAGE, form).content.decode()
    assert "@zed is not a member of this project." in html
    saved = _web(users["me"]).post(PAGE, {**form, "save": "1"}, follow=True)
    assert "@zed is not a member of this project." in saved.content.decode()
    assert Task.objects.get(project=project).title == "Call @zed"


def test_board_quick_add_lands_in_the_first_todo_column(home):
    project, users = home
    web = _web(users["ana"])
    board = _board_url(project)
    form = {"text": "Buy paint tomorrow @ana", "project": project.pk, "next": board, "save": "1"}
    saved = web.post(PAGE, form)
    assert (saved.status_code, saved["Location"]) == (302, board)
    task = Task.objects.get(project=project)
    first = column_services.project_columns(project.pk)[0]
    assert (task.title, task.column_id, task.assignee_id) == (
        "Buy paint",
        first.pk,
        users["ana"].pk,
    )
    html = web.get(board).content.decode()
    column = html[html.index(f'id="col-{first.pk}"') :]
    column = column[: column.index("</section>")]
    assert f'id="card-{task.pk}"' in column


def test_edit_goes_back_to_the_board_with_the_text(home):
    project, users = home
    web = _web(users["ana"])
    form = {"text": "Buy paint #diy", "project": project.pk, "next": _board_url(project)}
    html = web.post(PAGE, form).content.decode()
    edit = f'href="{_board_url(project)}?quick=Buy+paint+%23diy#quick-add"'
    assert edit in html
    board = web.get(_board_url(project) + "?quick=Buy+paint+%23diy").content.decode()
    assert 'name="text" value="Buy paint #diy"' in board
    # Saving from there comes back to the board without the text.
    saved = web.post(
        PAGE, {**form, "next": _board_url(project) + "?quick=Buy+paint+%23diy", "save": "1"}
    )
    assert saved["Location"] == _board_url(project)


@pytest.mark.parametrize(
    "target", ["https://evil.example/", "//evil.example/x", "javascript:alert(1)", ""]
)
def test_no_open_redirect(home, target):
    project, users = home
    form = {"text": "Call mom", "project": project.pk, "next": target, "save": "1"}
    saved = _web(users["me"]).post(PAGE, form)
    assert (saved.status_code, saved["Location"]) == (302, _list_url(project))


def test_pages_refuse_viewers_and_outsiders(home):
    project, users = home
    form = {"text": "Sneak in", "project": project.pk, "save": "1"}
    assert _web(users["carla"]).post(PAGE, form).status_code == 403
    assert _web(users["zed"]).post(PAGE, form).status_code == 404
    assert _web(users["zed"]).post(PAGE, {**form, "project": "nope"}).status_code == 404
    assert not Task.objects.filter(title="Sneak in").exists()


def test_a_bad_text_keeps_the_project_on_the_error_page(home):
    project, users = home
    form = {"text": "#only", "project": project.pk, "next": _board_url(project)}
    response = _web(users["me"]).post(PAGE, form)
    assert response.status_code == 400
    html = response.content.decode()
    assert "title" in html
    assert f'<input type="hidden" name="project" value="{project.pk}">' in html
    assert f'<input type="hidden" name="next" value="{_board_url(project)}">' in html
