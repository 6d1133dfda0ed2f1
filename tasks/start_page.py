"""The start page preference (accounts.preferences.StartPage) as a URL: accounts keeps
the choice, the pages that exist are known here. Registered in TasksConfig.ready."""

from __future__ import annotations

from typing import Any

from django.urls import reverse

from accounts.preferences import StartPage
from projects import roles
from projects import selectors as project_selectors
from taskflow.ids import is_valid_id


def start_url(user: Any) -> str | None:
    """The dashboard, the task list, or the board of the chosen project while the user
    is still a member there (None: the default, the dashboard)."""
    choice = getattr(user, "start_page", StartPage.DASHBOARD)
    if choice == StartPage.TASKS:
        return reverse("tasks:list")
    if choice == StartPage.BOARD:
        project_id = getattr(user, "start_project_id", "")
        if is_valid_id(project_id) and roles.role_of(user, project_id) is not None:
            return reverse("tasks:board", args=[project_id])
    return reverse("tasks:dashboard")


def start_project_choices(user: Any) -> list[tuple[str, str]]:
    """The projects whose board may be the start page: the switcher's (one query)."""
    return [(str(p.pk), p.name) for p in project_selectors.switcher_projects(user)]
