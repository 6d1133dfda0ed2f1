"""The project switcher on every signed-in page (templates/base.html)."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from django.utils.functional import SimpleLazyObject

from projects import selectors


def project_switcher(request: HttpRequest) -> dict[str, Any]:
    """``switcher_projects``: lazy, so it costs its one query (a cache read with a shared
    cache) only on pages that render the switcher (every signed-in HTML page; never the
    API, which renders no template)."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    return {"switcher_projects": SimpleLazyObject(lambda: selectors.switcher_projects(user))}
