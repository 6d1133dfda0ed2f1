""" "Your data" pages: download my data, delete my account. Thin: accounts.data and
accounts.deletion hold the rules, shared with the JSON API (accounts.api)."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth import logout
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse, StreamingHttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_GET

from accounts import data, deletion, second_factor
from accounts.forms import AccountDeleteForm
from accounts.middleware import retry_minutes
from taskflow import ratelimit
from taskflow.forms import add_service_errors


@login_required
def your_data(request: HttpRequest) -> HttpResponse:
    user = request.user
    needs_code = second_factor.needs_code(user)
    form = AccountDeleteForm(request.POST or None, needs_code=needs_code)
    blockers = deletion.blockers_of(user)
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            try:
                deletion.account_delete(
                    user=user,
                    password=form.cleaned_data["password"],
                    code=form.cleaned_data.get("code", ""),
                    request=request,
                )
            except ratelimit.LoginRateLimited as refused:
                wait = int(refused.wait or 1)
                form.add_error(
                    None, f"Too many attempts. Try again in {retry_minutes(wait)} minute(s)."
                )
                response = render(
                    request, "accounts/your_data.html", _context(form, blockers), status=429
                )
                response["Retry-After"] = str(wait)
                return response
            except deletion.SecondFactorRequired as refused:
                form.add_error("code" if "code" in form.fields else None, refused.detail)
            except deletion.TransferFirst as refused:
                blockers = refused.blockers
                form.add_error(None, refused.detail)
                status = 409
            except ValidationError as exc:
                add_service_errors(form, exc)
            else:
                logout(request)
                messages.success(request, "Your account and its data were deleted. Goodbye.")
                return redirect("home")
    return render(request, "accounts/your_data.html", _context(form, blockers), status=status)


def _context(form: AccountDeleteForm, blockers: list[data.Blocker]) -> dict:
    return {"form": form, "blockers": blockers, "files": data.exporter_names()}


@login_required
@require_GET
def download(request: HttpRequest) -> StreamingHttpResponse:
    response = StreamingHttpResponse(
        data.stream_export(request.user), content_type="application/zip"
    )
    stamp = timezone.now().strftime("%Y%m%d")
    response["Content-Disposition"] = f'attachment; filename="taskflow-data-{stamp}.zip"'
    response["Cache-Control"] = "no-store"
    return response
