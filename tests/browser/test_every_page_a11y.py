"""Every page a person can open, in light and dark mode: it renders (200, no script
error) and axe-core finds no violation at all (not only the serious ones the other
browser tests stop at).

The list of pages is checked against the URL configuration: a new page that is not
added here (or to ``NOT_PAGES``, with the reason) fails ``test_every_page_is_listed``,
so "axe clean on every page" stays true as pages are added.
"""

from __future__ import annotations

import json
from datetime import timedelta
from typing import Any

import pytest
from django.urls import URLPattern, URLResolver, get_resolver
from django.utils import timezone

from accounts.models import User
from notifications import reminders
from projects import notify
from projects import services as project_services
from projects.columns import project_columns
from projects.roles import get_membership_for
from tasks import checklists, comments, saved_filters, services
from tasks.trash import task_trash
from tests.browser.helpers import sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

# URL patterns (as the resolver spells them) that are not pages: form actions that
# answer POST only, downloads, machine endpoints, and allauth views this app does not
# link to (each redirects or answers 404 here; tests/security covers them).
NOT_PAGES = {
    # Machine endpoints.
    "healthz",
    "readyz",
    "metrics",
    "calendar/feed/<str:secret>.ics",
    # Downloads.
    "tasks/export/",
    "accounts/data/download/",
    "accounts/2fa/recovery-codes/download/",
    # The browsable API's own login/logout (DRF's templates, checked in
    # tests/browser/test_browsable_api.py).
    "api-auth/login/",
    "api-auth/logout/",
    # POST-only actions (a GET is 405 or a redirect).
    "accounts/logout/",
    "accounts/sign-out-everywhere/",
    "accounts/tokens/<str:pk>/revoke/",
    "accounts/sessions/<str:pk>/revoke/",
    "notifications/read/",
    "tasks/<str:task_id>/reminders/",
    "reminders/<str:reminder_id>/delete/",
    "tasks/bulk/",
    "tasks/filters/<str:filter_id>/",
    "tasks/filters/<str:filter_id>/delete/",
    "markdown/preview/",
    "tasks/quick/",
    "trash/restore/",
    "trash/empty/",
    "trash/<str:task_id>/delete/",
    "tasks/<str:task_id>/comments/",
    "tasks/<str:task_id>/comments/<str:comment_id>/edit/",
    "tasks/<str:task_id>/comments/<str:comment_id>/delete/",
    "tasks/<str:task_id>/checklist/",
    "tasks/<str:task_id>/checklist/<str:item_id>/tick/",
    "tasks/<str:task_id>/checklist/<str:item_id>/move/",
    "tasks/<str:task_id>/checklist/<str:item_id>/delete/",
    "tasks/<str:task_id>/status/",
    "projects/<str:project_id>/board/move/<str:task_id>/",
    "projects/<str:project_id>/columns/<str:column_id>/move/",
    "projects/<str:project_id>/archive/",
    "projects/<str:project_id>/members/<str:user_id>/role/",
    "projects/<str:project_id>/members/<str:user_id>/remove/",
    "projects/<str:project_id>/invitations/<str:invitation_id>/revoke/",
    "invitations/<str:invitation_id>/<str:answer>/",
    "calendar/feed/rotate/",
    # Redirects: `g b` outside a project goes to the Inbox's board (checked as a page).
    "board/",
    # allauth flows reached only from a step before them (a code, a key in an email, a
    # pending login or reauthentication), or redirects in this configuration.
    "accounts/inactive/",
    "accounts/signup/",
    "accounts/reauthenticate/",
    "accounts/reauthenticate/code/",
    "accounts/reauthenticate/code/confirm/",
    "accounts/login/code/confirm/",
    "accounts/^confirm-email/(?P<key>[-:\\w]+)/$",
    "accounts/password/set/",
    "accounts/password/reset/key/done/",
    "accounts/^password/reset/key/(?P<uidb36>[0-9A-Za-z]+)-(?P<key>.+)/$",
    "accounts/2fa/authenticate/",
    "accounts/2fa/reauthenticate/",
    "accounts/2fa/totp/deactivate/",
    "accounts/2fa/recovery-codes/",
    "accounts/2fa/recovery-codes/generate/",
    "accounts/2fa/webauthn/reauthenticate/",
    "accounts/2fa/webauthn/keys/<int:pk>/remove/",
    "accounts/2fa/webauthn/keys/<int:pk>/edit/",
    "accounts/2fa/webauthn/login/",
}

# Pages for a signed-in member: (URL pattern, URL with the ids of the seeded data).
MEMBER_PAGES = [
    ("", "/"),
    ("dashboard/", "/dashboard/"),
    ("tasks/", "/tasks/"),
    ("tasks/new/", "/tasks/new/"),
    ("tasks/mine/", "/tasks/mine/"),
    ("tasks/import/", "/tasks/import/"),
    ("tasks/filters/", "/tasks/filters/"),
    ("trash/", "/trash/"),
    ("tasks/<str:task_id>/", "/tasks/{task}/"),
    ("tasks/<str:task_id>/edit/", "/tasks/{task}/edit/"),
    ("tasks/<str:task_id>/delete/", "/tasks/{task}/delete/"),
    ("projects/", "/projects/"),
    ("projects/<str:project_id>/", "/projects/{project}/"),
    ("projects/<str:project_id>/board/", "/projects/{project}/board/"),
    ("projects/<str:project_id>/settings/", "/projects/{project}/settings/"),
    ("projects/<str:project_id>/members/", "/projects/{project}/members/"),
    ("projects/<str:project_id>/columns/", "/projects/{project}/columns/"),
    (
        "projects/<str:project_id>/columns/<str:column_id>/edit/",
        "/projects/{project}/columns/{column}/edit/",
    ),
    (
        "projects/<str:project_id>/columns/<str:column_id>/delete/",
        "/projects/{project}/columns/{column}/delete/",
    ),
    ("projects/<str:project_id>/delete/", "/projects/{project}/delete/"),
    ("invitations/", "/invitations/"),
    ("notifications/", "/notifications/"),
    ("calendar/", "/calendar/"),
    ("accounts/profile/", "/accounts/profile/"),
    ("accounts/tokens/", "/accounts/tokens/"),
    ("accounts/sessions/", "/accounts/sessions/"),
    ("accounts/data/", "/accounts/data/"),
    ("accounts/email/", "/accounts/email/"),
    ("accounts/password/change/", "/accounts/password/change/"),
    ("accounts/2fa/", "/accounts/2fa/"),
    ("accounts/2fa/totp/activate/", "/accounts/2fa/totp/activate/"),
    ("accounts/2fa/webauthn/", "/accounts/2fa/webauthn/"),
    ("accounts/2fa/webauthn/add/", "/accounts/2fa/webauthn/add/"),
]

# Pages for a visitor who is not signed in.
VISITOR_PAGES = [
    ("accounts/login/", "/accounts/login/"),
    ("accounts/register/", "/accounts/register/"),
    ("accounts/password/reset/", "/accounts/password/reset/"),
    ("accounts/password/reset/done/", "/accounts/password/reset/done/"),
    ("accounts/confirm-email/", "/accounts/confirm-email/"),
    ("invitations/<str:token>/", "/invitations/{token}/"),
    # Not a pattern: the 404 page a mistyped address shows.
    (None, "/no-such-page/"),
]

RUN_AXE = (
    "async () => { const r = await axe.run(document, {resultTypes: ['violations']});"
    " return r.violations.map(v => ({id: v.id, impact: v.impact, help: v.help,"
    " nodes: v.nodes.slice(0, 3).map(n => n.target.join(' '))})); }"
)


def _patterns(patterns: list[Any], prefix: str = "") -> list[str]:
    found: list[str] = []
    for entry in patterns:
        if isinstance(entry, URLResolver):
            found += _patterns(entry.url_patterns, prefix + str(entry.pattern))
        elif isinstance(entry, URLPattern):
            found.append(prefix + str(entry.pattern))
    return found


def test_every_page_is_listed():
    """Each URL a person can open is axe-checked below or named in NOT_PAGES."""
    machine = ("api/", "admin/", "static/", "__")
    routes = set(_patterns(get_resolver().url_patterns))
    people = {route for route in routes if not route.startswith(machine)}
    listed = {route for route, _ in MEMBER_PAGES + VISITOR_PAGES if route is not None}
    assert sorted(people - listed - NOT_PAGES) == []
    assert sorted((listed | NOT_PAGES) - people) == []


def _seed(user: User) -> dict[str, str]:
    """A project with a second member, a task with a checklist, a comment and a
    reminder, a task in the trash, a saved filter and an open invitation."""
    project = project_services.project_create(actor=user, name="Launch plan")
    membership = get_membership_for(user, project.pk)
    task = services.task_create(
        actor=user,
        project_id=project.pk,
        title="Draft the launch announcement",
        description="Share it with **marketing** before Friday.",
        due_date=timezone.localdate() + timedelta(days=2),
        tags=["launch"],
    )[0]
    checklists.checklist_item_add(actor=user, task=task, text="Outline")
    checklists.checklist_item_add(actor=user, task=task, text="First draft", done=True)
    comment = comments.comment_create(actor=user, task=task, body="Looks *good* so far.")
    reminders.reminder_create(actor=user, task=task, before_due_minutes=60)
    gone = services.task_create(actor=user, project_id=project.pk, title="Old idea")[0]
    task_trash(actor=user, task=gone)
    saved = saved_filters.saved_filter_create(
        user=user, name="Launch work", query="tag=launch", pinned=True
    )
    invitation = project_services.member_invite(
        actor=user, membership=membership, email="ben.guest@example.com", role="editor"
    )
    return {
        "project": project.pk,
        "task": task.pk,
        "comment": comment.pk,
        "filter": saved.pk,
        "column": project_columns(project.pk)[-1].pk,
        "token": notify.invitation_token(invitation),
    }


def _check_pages(
    browser: Any, base_url: str, axe_source: str, scheme: str, pages: list[str], email: str | None
) -> None:
    context = browser.new_context(
        base_url=base_url, viewport={"width": 1280, "height": 800}, color_scheme=scheme
    )
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    if email:
        sign_in(page, email)
    failures: dict[str, Any] = {}
    for url in pages:
        try:
            response = page.goto(url)
        except Exception as exc:  # a download or a failed load: report it with the rest
            failures[url] = str(exc).splitlines()[0]
            continue
        expected = 404 if url == "/no-such-page/" else 200
        if response is None or response.status != expected:
            failures[url] = f"status {response.status if response else None}"
            continue
        # Injected over the DevTools protocol: the page's CSP does not apply.
        page.evaluate(axe_source)
        violations = page.evaluate(RUN_AXE)
        if violations:
            failures[url] = violations
    context.close()
    assert errors == []
    assert failures == {}, json.dumps(failures, indent=1)


@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_every_page_is_axe_clean(browser, live_server, axe_source, user, scheme):
    ids = _seed(user)
    member_urls = [url.format(**ids) for _, url in MEMBER_PAGES]
    _check_pages(browser, live_server.url, axe_source, scheme, member_urls, user.email)
    visitor_urls = [url.format(**ids) for _, url in VISITOR_PAGES]
    _check_pages(browser, live_server.url, axe_source, scheme, visitor_urls, None)
