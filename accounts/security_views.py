"""Account pages for personal API tokens and sessions. Thin: accounts.services and
accounts.selectors hold the rules, shared with the JSON API (accounts.security_api)."""

from __future__ import annotations

from datetime import timedelta

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST

from accounts import selectors, services
from accounts.forms import ApiTokenForm
from accounts.login_sessions import SESSION_MARKER, describe_device
from taskflow.forms import add_service_errors

SESSIONS_LISTED = 100


@login_required
def api_tokens(request: HttpRequest) -> HttpResponse:
    form = ApiTokenForm(request.POST or None)
    created = None
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            days = form.cleaned_data["expires_in"]
            try:
                token, raw = services.api_token_create(
                    user=request.user,
                    name=form.cleaned_data["name"],
                    scope=form.cleaned_data["scope"],
                    expires_at=timezone.now() + timedelta(days=int(days)) if days else None,
                )
            except ValidationError as exc:
                add_service_errors(form, exc)
            else:
                # Rendered, not redirected: the secret must never be stored to survive
                # a redirect, so this response is the only place it ever appears.
                created = {"token": token, "raw": raw}
                form = ApiTokenForm()
                status = 200
    context = {
        "form": form,
        "created": created,
        "tokens": selectors.api_tokens_of(request.user),
        "now": timezone.now(),
    }
    response = render(request, "accounts/api_tokens.html", context, status=status)
    if created:
        response["Cache-Control"] = "no-store"
    return response


@login_required
@require_POST
def api_token_revoke(request: HttpRequest, pk: str) -> HttpResponse:
    services.api_token_revoke(user=request.user, token_id=pk)
    messages.success(request, "The token was revoked; it no longer works anywhere.")
    return redirect("accounts:api-tokens")


@login_required
def sessions(request: HttpRequest) -> HttpResponse:
    current = request.session.get(SESSION_MARKER)
    rows = [
        {"row": row, "device": describe_device(row.user_agent), "current": row.marker == current}
        for row in selectors.login_sessions_of(request.user)[:SESSIONS_LISTED]
    ]
    return render(request, "accounts/sessions.html", {"sessions": rows})


@login_required
@require_POST
def session_revoke(request: HttpRequest, pk: str) -> HttpResponse:
    services.login_session_end(user=request.user, session_id=pk)
    messages.success(request, "That session was signed out.")
    return redirect("accounts:sessions")
