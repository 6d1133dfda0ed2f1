"""Account pages: register, login, logout, profile. Thin: accounts.services and
taskflow.ratelimit hold the rules, shared with the JSON API."""

from __future__ import annotations

from typing import Any

from allauth.account.internal.flows.login import perform_password_login
from allauth.account.models import Login
from django.conf import settings
from django.contrib import messages
from django.contrib.auth import authenticate, login, logout, update_session_auth_hash
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.forms import Form
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_POST

from accounts import login_sessions, preferences, services, verification
from accounts.forms import (
    LoginForm,
    PasswordChangeForm,
    PreferencesForm,
    ProfileForm,
    RegisterForm,
)
from accounts.middleware import retry_minutes
from taskflow import ratelimit
from taskflow.forms import add_service_errors


def _next_url(request: HttpRequest, user: Any = None) -> str:
    """Where to go after signing in: a same-site ?next= or the user's start page."""
    target = request.POST.get("next") or request.GET.get("next") or ""
    if url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return preferences.start_url(user or request.user)


def _too_many(request: HttpRequest, template: str, form: Form, wait: int) -> HttpResponse:
    minutes = retry_minutes(wait)
    form.add_error(None, f"Too many attempts. Try again in {minutes} minute(s).")
    context = {"form": form, "next": request.POST.get("next", "")}
    response = render(request, template, context, status=429)
    response["Retry-After"] = str(wait)
    return response


def register(request: HttpRequest) -> HttpResponse:
    if request.user.is_authenticated:
        return redirect(preferences.start_url(request.user))
    # An invitation link (projects.views.invitation_link) sends ?next= back to itself
    # and ?email= with the invited address.
    form = RegisterForm(request.POST or None, initial={"email": request.GET.get("email", "")})
    if request.method == "POST":
        limited = ratelimit.hit(request, "register")
        if limited:
            return _too_many(request, "accounts/register.html", form, limited.retry_after)
        if form.is_valid():
            data = form.cleaned_data
            try:
                user = services.user_register(
                    email=data["email"],
                    password=data["password"],
                    name=data["name"],
                    timezone=data["timezone"],
                )
            except ValidationError as exc:
                if verification.hides_taken_addresses() and services.is_email_taken_error(exc):
                    # The same answer as for a new address; the owner gets an email.
                    return verification.answer_taken_address(request, data["email"])
                add_service_errors(form, exc)
            else:
                if verification.enabled():
                    return verification.start(request, user)
                login(request, user, backend=settings.AUTHENTICATION_BACKENDS[0])
                messages.success(request, "Welcome to TaskFlow! Create your first task.")
                return redirect(_next_url(request))
    next_url = request.POST.get("next") or request.GET.get("next", "")
    return render(request, "accounts/register.html", {"form": form, "next": next_url})


def login_view(request: HttpRequest) -> HttpResponse:
    if request.user.is_authenticated:
        return redirect(_next_url(request))
    form = LoginForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        # authenticate() counts the attempt (accounts.backends): the same limits as
        # every other door, across every instance sharing the cache.
        try:
            user = authenticate(
                request,
                email=form.cleaned_data["email"],
                password=form.cleaned_data["password"],
            )
        except ratelimit.LoginRateLimited as refused:
            return _too_many(request, "accounts/login.html", form, int(refused.wait or 1))
        if user is not None:
            # What allauth's own LoginForm.login() does: record a password sign-in (its
            # "recently authenticated" check reads it) and run the login stages: the
            # second factor for users who have one, verification when mandatory.
            # An allauth-internal function: allauth is pinned exactly.
            return perform_password_login(
                request,
                {"email": user.email},
                Login(user=user, redirect_url=_next_url(request, user), email=user.email),
            )
        form.add_error(None, "Email or password is incorrect.")
    context = {
        "form": form,
        "next": request.POST.get("next") or request.GET.get("next", ""),
        "passkey_login": True,
    }
    return render(request, "accounts/login.html", context)


@require_POST
def logout_view(request: HttpRequest) -> HttpResponse:
    logout(request)
    messages.info(request, "You are signed out.")
    return redirect(settings.LOGOUT_REDIRECT_URL)


@login_required
def profile(request: HttpRequest) -> HttpResponse:
    user = request.user
    profile_form = ProfileForm.for_user(user)
    password_form = PasswordChangeForm()
    projects = preferences.start_project_choices(user)
    preferences_form = PreferencesForm.for_user(user, projects=projects)
    status = 200
    if request.method == "POST" and request.POST.get("form") == "profile":
        profile_form = ProfileForm(request.POST)
        if profile_form.is_valid():
            try:
                services.user_update_profile(user=user, changes=profile_form.changes())
            except ValidationError as exc:
                add_service_errors(profile_form, exc)
                user.refresh_from_db()
            else:
                messages.success(request, "Your profile was saved.")
                return redirect("accounts:profile")
        status = 400
    elif request.method == "POST" and request.POST.get("form") == "preferences":
        preferences_form = PreferencesForm(request.POST, projects=projects)
        if preferences_form.is_valid():
            try:
                services.user_update_preferences(user=user, changes=preferences_form.changes())
            except ValidationError as exc:
                add_service_errors(preferences_form, exc)
                user.refresh_from_db()
            else:
                messages.success(request, "Your preferences were saved.")
                return redirect("accounts:profile")
        status = 400
    elif request.method == "POST" and request.POST.get("form") == "password":
        password_form = PasswordChangeForm(request.POST)
        if password_form.is_valid():
            try:
                services.user_change_password(
                    user=user,
                    old_password=password_form.cleaned_data["old_password"],
                    new_password=password_form.cleaned_data["new_password"],
                )
            except ValidationError as exc:
                add_service_errors(password_form, exc)
            else:
                # Every other session and token ended with the password; keep this one.
                update_session_auth_hash(request, user)
                # The password change closed every listed session; this one lives on
                # (under a new key), so it is listed afresh.
                login_sessions.record_browser(request, user)
                messages.success(
                    request, "Your password was changed. Other devices were signed out."
                )
                return redirect("accounts:profile")
        status = 400
    context = {
        "profile_form": profile_form,
        "preferences_form": preferences_form,
        "password_form": password_form,
    }
    return render(request, "accounts/profile.html", context, status=status)


@login_required
@require_POST
def sign_out_everywhere(request: HttpRequest) -> HttpResponse:
    services.user_revoke_all_tokens(user=request.user)
    logout(request)
    messages.info(request, "You were signed out on every device, including this one.")
    return redirect("accounts:login")
