"""Profile preferences (issue 16): theme, list density and start page, saved from the
profile page, applied by the server (attributes on <html>/<body>), the start page
where "/" and signing in land."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse

from accounts.models import User
from projects import roles
from projects import services as project_services
from tests.factories import DEFAULT_PASSWORD

pytestmark = pytest.mark.django_db

PROFILE = reverse("accounts:profile")
LOGIN = reverse("accounts:login")
DASHBOARD = reverse("tasks:dashboard")
LIST = reverse("tasks:list")


def _prefs(**fields) -> dict[str, str]:
    return {
        "form": "preferences",
        "theme": "system",
        "density": "comfortable",
        "start_page": "dashboard",
        "start_project": "",
        **fields,
    }


def _reload(user) -> User:
    return User.objects.get(pk=user.pk)


def test_defaults_and_the_form_on_the_profile_page(web, user):
    assert (user.theme, user.density, user.start_page, user.start_project_id) == (
        "system",
        "comfortable",
        "dashboard",
        "",
    )
    html = web.get(PROFILE).content.decode()
    assert '<h2 id="preferences-h">Preferences</h2>' in html
    assert 'name="theme" value="system"' in html
    assert 'name="density" value="compact"' in html
    assert '<html lang="en">' in html  # "system": no attribute, the media query decides
    assert '<meta name="color-scheme" content="light dark">' in html
    assert "density-compact" not in html


@pytest.mark.parametrize("theme", ["light", "dark"])
def test_theme_is_set_on_html_by_the_server(web, user, theme):
    response = web.post(PROFILE, _prefs(theme=theme))
    assert response.status_code == 302
    assert _reload(user).theme == theme
    for url in (PROFILE, DASHBOARD, LIST):
        html = web.get(url).content.decode()
        assert f'<html lang="en" data-theme="{theme}">' in html
        assert f'<meta name="color-scheme" content="{theme}">' in html


def test_compact_density_is_a_class_on_body(web, user):
    web.post(PROFILE, _prefs(density="compact"))
    assert _reload(user).density == "compact"
    assert '<body class="density-compact"' in web.get(LIST).content.decode()


def test_the_stylesheet_has_the_forced_themes_and_density():
    from pathlib import Path

    from django.contrib.staticfiles import finders

    css = Path(finders.find("css/app.css")).read_text()
    assert ':root[data-theme="dark"] {' in css
    assert ':root:not([data-theme="light"])' in css
    assert ".density-compact .tasks td" in css


@pytest.mark.parametrize(
    ("fields", "field", "message"),
    [
        ({"theme": "neon"}, "theme", "Select a valid choice"),
        ({"density": "tiny"}, "density", "Select a valid choice"),
        ({"start_page": "calendar"}, "start_page", "Select a valid choice"),
        ({"start_page": "board"}, "start_project", "Choose the project whose board"),
        ({"start_page": "board", "start_project": "0" * 26}, "start_project", "valid choice"),
        ({"theme": ""}, "theme", "This field is required"),
    ],
)
def test_bad_preferences_are_a_400_with_the_field(web, user, fields, field, message):
    response = web.post(PROFILE, _prefs(**fields))
    assert response.status_code == 400
    assert message in " ".join(response.context["preferences_form"].errors[field])
    unchanged = _reload(user)
    assert (unchanged.theme, unchanged.density, unchanged.start_page) == (
        "system",
        "comfortable",
        "dashboard",
    )


def test_another_users_project_cannot_be_the_start_board(web, user, other_user):
    theirs = project_services.project_create(actor=other_user, name="Theirs")
    response = web.post(PROFILE, _prefs(start_page="board", start_project=theirs.pk))
    assert response.status_code == 400
    assert _reload(user).start_project_id == ""
    assert "Theirs" not in web.get(PROFILE).content.decode()


def test_start_page_tasks_is_where_home_and_login_land(web, user):
    web.post(PROFILE, _prefs(start_page="tasks"))
    assert web.get("/")["Location"] == LIST
    anon = Client()
    response = anon.post(LOGIN, {"email": user.email, "password": DEFAULT_PASSWORD})
    assert response.status_code == 302
    assert response["Location"] == LIST
    # A ?next= still wins.
    response = Client().post(
        f"{LOGIN}?next=/calendar/", {"email": user.email, "password": DEFAULT_PASSWORD}
    )
    assert response["Location"] == "/calendar/"


def test_start_page_board_of_a_project(web, user):
    project = project_services.project_create(actor=user, name="Launch")
    html = web.get(PROFILE).content.decode()
    assert f'<option value="{project.pk}">Launch</option>' in html
    response = web.post(PROFILE, _prefs(start_page="board", start_project=project.pk))
    assert response.status_code == 302
    assert _reload(user).start_project_id == project.pk
    board = reverse("tasks:board", args=[project.pk])
    assert web.get("/")["Location"] == board
    assert web.get(board).status_code == 200
    # Choosing another start page forgets the project.
    web.post(PROFILE, _prefs(start_page="dashboard", start_project=project.pk))
    assert _reload(user).start_project_id == ""


def test_a_board_the_user_left_falls_back_to_the_dashboard(web, user, other_user):
    project = project_services.project_create(actor=other_user, name="Shared")
    invitation = project_services.member_invite(
        actor=other_user,
        membership=roles.get_membership_for(other_user, project.pk),
        email=user.email,
        role="viewer",
    )
    project_services.invitation_accept(actor=user, invitation_id=invitation.pk)
    web.post(PROFILE, _prefs(start_page="board", start_project=project.pk))
    assert web.get("/")["Location"] == reverse("tasks:board", args=[project.pk])
    roles.get_membership_for(user, project.pk).delete()
    assert web.get("/")["Location"] == DASHBOARD


def test_default_start_page_is_the_dashboard(web, anon, user):
    assert web.get("/")["Location"] == DASHBOARD
    response = anon.post(LOGIN, {"email": user.email, "password": DEFAULT_PASSWORD})
    assert response["Location"] == DASHBOARD


def test_the_profile_form_and_the_preferences_form_do_not_mix(web, user):
    web.post(PROFILE, _prefs(theme="dark"))
    response = web.post(
        PROFILE, {"form": "profile", "name": "Alice B", "email": user.email, "bio": ""}
    )
    assert response.status_code == 302
    user = _reload(user)
    assert (user.name, user.theme) == ("Alice B", "dark")


def test_service_refuses_unknown_fields(user):
    from django.core.exceptions import ValidationError

    from accounts import services

    with pytest.raises(ValidationError):
        services.user_update_preferences(user=user, changes={"is_staff": True})
    with pytest.raises(ValidationError):
        services.user_update_preferences(user=user, changes={"theme": "neon"})
    assert _reload(user).is_staff is False


def test_allauths_own_sign_ins_land_on_the_start_page_too(rf, user):
    from accounts.adapter import AccountAdapter

    request = rf.get("/")
    request.user = user
    assert AccountAdapter().get_login_redirect_url(request) == DASHBOARD
    user.start_page = "tasks"
    assert AccountAdapter().get_login_redirect_url(request) == LIST
