""" "Your data" (issue 14): the export ZIP and account deletion, through the API and the
page. Deletion: password and second factor, transfer-first, every token and session
dead, other users' data untouched, and an interrupted deletion finished later."""

from __future__ import annotations

import io
import json
import zipfile
from types import SimpleNamespace

import pyotp
import pytest
from allauth.mfa.recovery_codes.internal.auth import RecoveryCodes
from allauth.mfa.totp.internal import auth as totp_auth
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from rest_framework.test import APIClient

from accounts import deletion, services
from accounts.models import ApiToken, LoginSession, User
from projects import roles
from projects import services as project_services
from projects.models import Membership, Project, Role
from tasks import checklists, comments
from tasks import services as task_services
from tasks.models import Activity, Comment, Task, TaskTag
from tests.conftest import client_for
from tests.factories import DEFAULT_PASSWORD, UserFactory

ME = "/api/auth/me/"
EXPORT = "/api/auth/me/export/"
NOW = 1_800_000_015  # the middle of a TOTP step
SECRET = pyotp.random_base32()
EXPECTED_FILES = {
    "export.json",
    "profile.json",
    "api_tokens.json",
    "sessions.json",
    "memberships.json",
    "tasks.json",
    "checklist_items.json",
    "comments.json",
    "activity.json",
    "saved_filters.json",
    "reminders.json",
    "notifications.json",
}


def _zip(response) -> dict[str, object]:
    body = b"".join(response.streaming_content)
    with zipfile.ZipFile(io.BytesIO(body)) as archive:
        return {name: json.loads(archive.read(name)) for name in archive.namelist()}


def _raw_zip(response) -> bytes:
    body = b"".join(response.streaming_content)
    with zipfile.ZipFile(io.BytesIO(body)) as archive:
        return b"".join(archive.read(name) for name in archive.namelist())


def _delete(client, **body):
    return client.delete(ME, body, format="json")


def _member(project, owner, user, role) -> None:
    # Rows, not invitations: these tests are about deletion, not the invitation flow.
    Membership.objects.create(project=project, user=user, role=role, invited_by=owner)


@pytest.fixture
def team(db):
    """Ana owns "Launch" with Ben as editor; Ben has an Inbox task, a task and a
    comment in Launch; Cleo (unrelated) has her own task."""
    ana = UserFactory(email="ana@example.com", name="Ana")
    ben = UserFactory(email="ben@example.com", name="Ben")
    cleo = UserFactory(email="cleo@example.com", name="Cleo")
    launch = project_services.project_create(actor=ana, name="Launch")
    _member(launch, ana, ben, Role.EDITOR)
    inbox_task, _ = task_services.task_create(actor=ben, title="Ben's own", tags=["home"])
    shared_task, _ = task_services.task_create(
        actor=ben, project_id=launch.pk, title="Ben wrote this", tags=["ops"], assignee_id=ben.pk
    )
    ana_task, _ = task_services.task_create(actor=ana, project_id=launch.pk, title="Ana's")
    comment = comments.comment_create(actor=ben, task=ana_task, body="Ben's comment")
    cleo_task, _ = task_services.task_create(actor=cleo, title="Cleo's")
    return SimpleNamespace(
        ana=ana,
        ben=ben,
        cleo=cleo,
        launch=launch,
        inbox_task=inbox_task,
        shared_task=shared_task,
        ana_task=ana_task,
        comment=comment,
        cleo_task=cleo_task,
    )


@pytest.fixture
def frozen_totp_clock(monkeypatch):
    monkeypatch.setattr(totp_auth, "time", SimpleNamespace(time=lambda: NOW))


# --- Export -----------------------------------------------------------------------------


def test_export_is_a_zip_of_json_files_with_the_users_data(team):
    response = client_for(team.ben).get(EXPORT)
    assert response.status_code == 200
    assert response["Content-Type"] == "application/zip"
    assert response["Content-Disposition"].startswith('attachment; filename="taskflow-data-')
    files = _zip(response)
    assert set(files) == EXPECTED_FILES
    assert files["export.json"]["user_id"] == team.ben.pk
    (profile,) = files["profile.json"]
    assert profile["email"] == "ben@example.com"
    titles = {task["title"] for task in files["tasks.json"]}
    # His Inbox and what he created; not Ana's task in her project, not Cleo's.
    assert titles == {"Ben's own", "Ben wrote this"}
    assert {c["body"] for c in files["comments.json"]} == {"Ben's comment"}
    assert {m["project_name"] for m in files["memberships.json"]} == {"Inbox", "Launch"}
    assert {a["action"] for a in files["activity.json"]} == {"created", "commented"}


def test_export_holds_the_users_reminders_and_notifications_only(team):
    from datetime import timedelta

    from django.utils import timezone

    from notifications.reminders import reminder_create

    at = timezone.now() + timedelta(days=1)
    reminder_create(actor=team.ben, task=team.shared_task, at=at)
    reminder_create(actor=team.ana, task=team.ana_task, at=at)
    # Ana assigns her task to Ben: Ben is notified (notifications.assignments).
    task_services.task_update(
        actor=team.ana, task=team.ana_task, changes={"assignee_id": team.ben.pk}
    )
    files = _zip(client_for(team.ben).get(EXPORT))
    assert [r["task"] for r in files["reminders.json"]] == [team.shared_task.pk]
    assert [n["task"] for n in files["notifications.json"]] == [team.ana_task.pk]
    assert _zip(client_for(team.cleo).get(EXPORT))["reminders.json"] == []


def test_export_holds_the_checklists_of_the_exported_tasks(team):
    item, _ = checklists.checklist_item_add(actor=team.ben, task=team.shared_task, text="Deploy")
    checklists.checklist_item_add(actor=team.cleo, task=team.cleo_task, text="Cleo's item")
    files = _zip(client_for(team.ben).get(EXPORT))
    assert files["checklist_items.json"] == [
        {
            "id": item.pk,
            "task": team.shared_task.pk,
            "text": "Deploy",
            "done": False,
            "position": item.position,
            "created_at": files["checklist_items.json"][0]["created_at"],
        }
    ]
    # Ana owns Launch: its tasks' checklists are in her export too; Cleo's is in none.
    ana_files = _zip(client_for(team.ana).get(EXPORT))
    assert [i["text"] for i in ana_files["checklist_items.json"]] == ["Deploy"]


def test_an_owner_exports_every_task_of_their_projects(team):
    files = _zip(client_for(team.ana).get(EXPORT))
    assert {t["title"] for t in files["tasks.json"]} == {"Ben wrote this", "Ana's"}


def test_export_holds_no_secret(team, frozen_totp_clock):
    totp_auth.TOTP.activate(team.ben, SECRET)
    _, raw_token = services.api_token_create(user=team.ben, name="script")
    browser = Client()
    browser.force_login(team.ben)
    browser.get("/accounts/profile/")
    response = client_for(team.ben).get(EXPORT)
    content = _raw_zip(response).decode()
    token = ApiToken.objects.get(user=team.ben)
    ben = User.objects.get(pk=team.ben.pk)
    session_key = LoginSession.objects.filter(user=ben).exclude(session_key="").first()
    assert session_key is not None
    for secret in (
        raw_token,
        raw_token.split("_", 2)[2],
        token.secret_hash,
        ben.password,
        SECRET,
        session_key.session_key,
    ):
        assert secret not in content
    assert '"password"' not in content
    assert "secret_hash" not in content
    files = _zip(client_for(team.ben).get(EXPORT))
    assert files["api_tokens.json"][0]["display"] == f"tf_{token.prefix}_…"
    assert files["profile.json"][0]["second_factors"] == ["totp"]


def _export_queries(user) -> int:
    client = client_for(user)
    with CaptureQueriesContext(connection) as queries:
        response = client.get(EXPORT)
        b"".join(response.streaming_content)
    return len(queries)


def test_export_query_count_does_not_grow_with_the_data(team):
    # Each count follows a warm-up export: with a shared cache (make test-postgres) the
    # first request of a token fills the JWT user cache, one query the next ones skip.
    _export_queries(team.ben)
    before = _export_queries(team.ben)
    for n in range(12):
        task, _ = task_services.task_create(actor=team.ben, title=f"More {n}")
        comments.comment_create(actor=team.ben, task=task, body=f"Note {n}")
        checklists.checklist_item_add(actor=team.ben, task=task, text=f"Step {n}")
        services.api_token_create(user=team.ben, name=f"t{n}")
    _export_queries(team.ben)
    assert _export_queries(team.ben) == before


def test_personal_tokens_cannot_export_or_delete(team):
    _, raw = services.api_token_create(user=team.ben, name="w", scope=ApiToken.Scope.WRITE)
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {raw}")
    assert client.get(EXPORT).status_code == 403
    assert _delete(client, password=DEFAULT_PASSWORD).status_code == 403
    assert User.objects.filter(pk=team.ben.pk).exists()


def test_export_needs_a_login(db):
    assert APIClient().get(EXPORT).status_code == 401


# --- Delete -----------------------------------------------------------------------------


def test_delete_removes_what_the_user_owns_and_leaves_the_rest(team):
    _, raw = services.api_token_create(user=team.ben, name="script")
    client = client_for(team.ben)
    ben_inbox = Project.objects.get(inbox_owner=team.ben)
    cleo_before = Task.objects.get(pk=team.cleo_task.pk)

    assert _delete(client, password=DEFAULT_PASSWORD).status_code == 204

    assert not User.objects.filter(pk=team.ben.pk).exists()
    assert not Project.objects.filter(pk=ben_inbox.pk).exists()
    assert not Task.objects.filter(pk=team.inbox_task.pk).exists()
    assert not ApiToken.objects.filter(user_id=team.ben.pk).exists()
    assert not LoginSession.objects.filter(user_id=team.ben.pk).exists()
    # Ana's project keeps Ben's task (handed to Ana, unassigned), his comment (by a
    # deleted user) and its history.
    handed = Task.objects.get(pk=team.shared_task.pk)
    assert (handed.owner_id, handed.assignee_id) == (team.ana.pk, None)
    assert set(TaskTag.objects.filter(task=handed).values_list("owner_id", flat=True)) == {
        team.ana.pk
    }
    assert Comment.objects.get(pk=team.comment.pk).author_id is None
    assert Activity.objects.filter(project=team.launch, actor__isnull=True).exists()
    handed_over = Activity.objects.filter(task_id=handed.pk, action="updated")
    assert any(row.changes.get("created_by") for row in handed_over)
    assert not Membership.objects.filter(project=team.launch, user_id=team.ben.pk).exists()
    # Cleo is untouched.
    assert Task.objects.get(pk=team.cleo_task.pk).version == cleo_before.version
    assert User.objects.get(pk=team.cleo.pk).is_active
    # Every credential of Ben is dead: his JWT and his personal token are 401.
    assert client.get(ME).status_code == 401
    token_client = APIClient()
    token_client.credentials(HTTP_AUTHORIZATION=f"Token {raw}")
    assert token_client.get("/api/tasks/").status_code == 401


def test_the_address_is_free_again_after_deletion(team):
    assert _delete(client_for(team.ben), password=DEFAULT_PASSWORD).status_code == 204
    again = APIClient().post(
        "/api/auth/register/",
        {"email": "ben@example.com", "password": DEFAULT_PASSWORD},
        format="json",
    )
    assert again.status_code in (201, 202)


def test_wrong_password_is_a_400_on_the_field_and_changes_nothing(team):
    response = _delete(client_for(team.ben), password="not it")
    assert response.status_code == 400
    assert "password" in response.json()
    assert User.objects.get(pk=team.ben.pk).is_active


def test_missing_password_is_a_400(team):
    response = client_for(team.ben).delete(ME, {}, format="json")
    assert response.status_code == 400
    assert "password" in response.json()


def test_wrong_passwords_are_rate_limited_like_the_login_doors(team, settings):
    settings.LOGIN_ACCOUNT_RATE = "3/15m"
    client = client_for(team.ben)
    codes = [_delete(client, password=f"wrong {n}").status_code for n in range(4)]
    assert codes == [400, 400, 400, 429]
    refused = _delete(client, password=DEFAULT_PASSWORD)
    assert refused.status_code == 429
    assert "Retry-After" in refused
    assert User.objects.get(pk=team.ben.pk).is_active


@pytest.fixture
def mfa_ben(team, frozen_totp_clock):
    totp_auth.TOTP.activate(team.ben, SECRET)
    team.recovery_codes = RecoveryCodes.activate(team.ben).get_unused_codes()
    return team


def test_second_factor_required_when_enabled(mfa_ben):
    client = client_for(mfa_ben.ben)
    missing = _delete(client, password=DEFAULT_PASSWORD)
    assert missing.status_code == 400
    assert missing.json()["code"] == "mfa_required"
    wrong = _delete(client, password=DEFAULT_PASSWORD, code="000000")
    assert wrong.status_code == 400
    assert "code" in wrong.json()
    assert User.objects.get(pk=mfa_ben.ben.pk).is_active
    code = pyotp.TOTP(SECRET).at(NOW)
    assert _delete(client, password=DEFAULT_PASSWORD, code=code).status_code == 204
    assert not User.objects.filter(pk=mfa_ben.ben.pk).exists()


def test_a_recovery_code_also_confirms(mfa_ben):
    client = client_for(mfa_ben.ben)
    code = mfa_ben.recovery_codes[0]
    assert _delete(client, password=DEFAULT_PASSWORD, code=code).status_code == 204


def test_the_password_is_checked_before_the_second_factor(mfa_ben):
    code = pyotp.TOTP(SECRET).at(NOW)
    response = _delete(client_for(mfa_ben.ben), password="wrong", code=code)
    assert response.status_code == 400
    assert "password" in response.json()


def test_sole_owner_of_a_shared_project_must_transfer_first(team):
    client = client_for(team.ana)
    refused = _delete(client, password=DEFAULT_PASSWORD)
    assert refused.status_code == 409
    body = refused.json()
    assert body["code"] == "transfer_first"
    assert [(b["kind"], b["id"], b["name"]) for b in body["blockers"]] == [
        ("project", team.launch.pk, "Launch")
    ]
    assert body["blockers"][0]["url"]
    assert User.objects.get(pk=team.ana.pk).is_active
    # After the transfer to Ben, Ana may go; Launch stays with Ben as owner.
    transfer = client.post(
        f"/api/projects/{team.launch.pk}/transfer/", {"user_id": team.ben.pk}, format="json"
    )
    assert transfer.status_code == 200
    assert _delete(client, password=DEFAULT_PASSWORD).status_code == 204
    assert Project.objects.filter(pk=team.launch.pk).exists()
    assert roles.role_of(team.ben, team.launch.pk) == Role.OWNER
    assert Task.objects.get(pk=team.ana_task.pk).owner_id == team.ben.pk


def test_a_co_owner_or_a_project_without_other_members_does_not_block(team):
    solo = project_services.project_create(actor=team.cleo, name="Solo")
    solo_task, _ = task_services.task_create(actor=team.cleo, project_id=solo.pk, title="x")
    _member(team.launch, team.ana, team.cleo, Role.OWNER)
    assert _delete(client_for(team.cleo), password=DEFAULT_PASSWORD).status_code == 204
    assert not Project.objects.filter(pk=solo.pk).exists()
    assert not Task.objects.filter(pk=solo_task.pk).exists()
    assert Project.objects.filter(pk=team.launch.pk).exists()


def test_an_interrupted_deletion_is_finished_by_the_daily_prune_job(team):
    from tasks.tasks import prune_expired

    # The crash: the account was turned off, then the process died before the erasers.
    client = client_for(team.ben)
    deletion.start(user=team.ben)
    assert not User.objects.get(pk=team.ben.pk).is_active
    assert client.get(ME).status_code == 401
    assert [u.pk for u in deletion.pending()] == [team.ben.pk]
    prune_expired.call_local(_job_meta={"enqueued_at": 1_900_000_000.0})
    assert not User.objects.filter(pk=team.ben.pk).exists()
    assert Task.objects.get(pk=team.shared_task.pk).owner_id == team.ana.pk
    assert deletion.finish_pending() == 0


def test_erasers_can_run_twice(team):
    deletion.start(user=team.ben)
    from accounts import data

    data.run_erasers(team.ben)
    data.run_erasers(team.ben)
    deletion.finish(user=team.ben)
    assert not User.objects.filter(pk=team.ben.pk).exists()


# --- Pages ------------------------------------------------------------------------------


def _browser(user) -> Client:
    browser = Client()
    browser.force_login(user)
    return browser


def test_page_lists_projects_to_transfer_with_links(team):
    page = _browser(team.ana).get("/accounts/data/")
    assert page.status_code == 200
    html = page.content.decode()
    assert "Transfer these shared projects first" in html
    assert "Launch" in html
    assert team.launch.pk in html
    refused = _browser(team.ana).post(
        "/accounts/data/", {"password": DEFAULT_PASSWORD, "confirm": "on"}
    )
    assert refused.status_code == 409
    assert User.objects.get(pk=team.ana.pk).is_active


def test_page_download_is_the_same_zip(team):
    response = _browser(team.ben).get("/accounts/data/download/")
    assert response.status_code == 200
    assert set(_zip(response)) == EXPECTED_FILES


def test_page_delete_signs_out_every_browser(team):
    here, elsewhere = _browser(team.ben), _browser(team.ben)
    assert elsewhere.get("/tasks/").status_code == 200
    done = here.post("/accounts/data/", {"password": DEFAULT_PASSWORD, "confirm": "on"})
    assert done.status_code == 302
    assert not User.objects.filter(pk=team.ben.pk).exists()
    assert elsewhere.get("/tasks/").status_code == 302  # to the login page


def test_page_asks_for_the_code_of_an_mfa_user(mfa_ben):
    browser = _browser(mfa_ben.ben)
    assert 'name="code"' in browser.get("/accounts/data/").content.decode()
    missing = browser.post("/accounts/data/", {"password": DEFAULT_PASSWORD, "confirm": "on"})
    assert missing.status_code == 400
    assert User.objects.get(pk=mfa_ben.ben.pk).is_active
    code = pyotp.TOTP(SECRET).at(NOW)
    done = browser.post(
        "/accounts/data/", {"password": DEFAULT_PASSWORD, "code": code, "confirm": "on"}
    )
    assert done.status_code == 302


def test_page_needs_the_confirmation_box(team):
    response = _browser(team.ben).post("/accounts/data/", {"password": DEFAULT_PASSWORD})
    assert response.status_code == 400
    assert User.objects.get(pk=team.ben.pk).is_active


def test_the_prune_command_finishes_an_interrupted_deletion(team):
    from django.core.management import call_command

    deletion.start(user=team.ben)
    out = io.StringIO()
    call_command("prune_expired", stdout=out)
    assert "Finished 1 interrupted account deletions." in out.getvalue()
    assert not User.objects.filter(pk=team.ben.pk).exists()


def test_only_a_started_deletion_is_finished_by_the_sweep(db):
    lookalike = UserFactory(email="deleted-someone@deleted.invalid", is_active=False)
    deactivated = UserFactory(email="old@example.com", is_active=False)
    assert deletion.pending() == []
    assert deletion.finish_pending() == 0
    assert User.objects.filter(pk__in=[lookalike.pk, deactivated.pk]).count() == 2
