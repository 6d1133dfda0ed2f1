"""Project-level pages: the landing page."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render

from accounts import preferences


def home(request: HttpRequest) -> HttpResponse:
    if request.user.is_authenticated:
        # The user's start page (profile preferences): the dashboard unless chosen.
        return redirect(preferences.start_url(request.user))
    return render(request, "landing.html")
