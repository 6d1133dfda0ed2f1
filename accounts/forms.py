"""HTML forms for accounts: input shapes only; the rules live in accounts.services."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib.admin.forms import AdminAuthenticationForm
from django.contrib.auth.forms import AuthenticationForm
from django.core.exceptions import ValidationError

from accounts import second_factor
from accounts.models import User
from accounts.preferences import (
    TIMEZONE_MAX_LENGTH,
    DateFormat,
    Density,
    StartPage,
    Theme,
    WeekStart,
    validate_timezone,
)

SECOND_FACTOR_ELSEWHERE = (
    "This account uses a second factor, which this page cannot ask for. "
    "Sign in at /accounts/login/ first, then come back."
)


class RegisterForm(forms.Form):
    name = forms.CharField(max_length=150, required=False)
    email = forms.EmailField(
        max_length=254, widget=forms.EmailInput(attrs={"autocomplete": "email"})
    )
    password = forms.CharField(
        max_length=128,
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
        help_text="At least 8 characters; not too common, not all digits.",
    )
    password_again = forms.CharField(
        label="Password (again)",
        max_length=128,
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
    )
    # Filled by static/js/app.js from the browser (Intl); empty without JavaScript, and
    # then (or for a name that is no IANA zone) the account starts in UTC.
    timezone = forms.CharField(
        required=False,
        max_length=TIMEZONE_MAX_LENGTH,
        widget=forms.HiddenInput(attrs={"data-browser-timezone": ""}),
    )

    def clean(self) -> dict:
        data = super().clean()
        if data.get("password") and data.get("password") != data.get("password_again"):
            self.add_error("password_again", "The two passwords differ.")
        return data


class LoginForm(forms.Form):
    email = forms.CharField(
        max_length=254, widget=forms.EmailInput(attrs={"autocomplete": "email", "autofocus": True})
    )
    password = forms.CharField(
        max_length=128,
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
    )


class ProfileForm(forms.Form):
    name = forms.CharField(max_length=150, required=False)
    email = forms.EmailField(
        max_length=254, widget=forms.EmailInput(attrs={"autocomplete": "email"})
    )
    bio = forms.CharField(
        max_length=200,
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="At most 200 characters.",
    )
    # A text field, not a <select> of ~600 zones: the page stays light. The three
    # preferences may be left out of a post (they keep their value: see changes()).
    timezone = forms.CharField(
        label="Time zone",
        required=False,
        max_length=TIMEZONE_MAX_LENGTH,
        validators=[validate_timezone],
        help_text="An IANA name such as Europe/Berlin, America/New_York or UTC. "
        "\u201cToday\u201d and \u201coverdue\u201d follow it.",
        widget=forms.TextInput(attrs={"autocomplete": "off", "spellcheck": "false"}),
    )
    week_start = forms.ChoiceField(
        label="Week starts on", choices=WeekStart.choices, required=False
    )
    date_format = forms.ChoiceField(label="Date format", choices=DateFormat.choices, required=False)

    PREFERENCES = ("timezone", "week_start", "date_format")

    def changes(self) -> dict[str, str]:
        """The cleaned values for accounts.services; empty preferences are left out."""
        return {
            name: value
            for name, value in self.cleaned_data.items()
            if value or name not in self.PREFERENCES
        }

    @classmethod
    def for_user(cls, user: User) -> ProfileForm:
        return cls(
            initial={
                "name": user.name,
                "email": user.email,
                "bio": user.bio,
                "timezone": user.timezone,
                "week_start": user.week_start,
                "date_format": user.date_format,
            }
        )


class PreferencesForm(forms.Form):
    """Theme, list density and start page. ``projects``: the (id, name) of the projects
    whose board may be the start page (accounts.preferences.start_project_choices)."""

    theme = forms.ChoiceField(choices=Theme.choices, widget=forms.RadioSelect)
    density = forms.ChoiceField(
        label="List density",
        choices=Density.choices,
        widget=forms.RadioSelect,
        help_text="Compact fits more tasks on a screen.",
    )
    start_page = forms.ChoiceField(
        label="Start page",
        choices=StartPage.choices,
        help_text="Where TaskFlow opens after you sign in.",
    )
    start_project = forms.ChoiceField(label="Board of project", required=False)

    def __init__(self, *args: Any, projects: list[tuple[str, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["start_project"].choices = [("", "—"), *projects]

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        if data.get("start_page") == StartPage.BOARD and not data.get("start_project"):
            self.add_error("start_project", "Choose the project whose board to start on.")
        return data

    def changes(self) -> dict[str, str]:
        data = self.cleaned_data
        board = data["start_page"] == StartPage.BOARD
        return {
            "theme": data["theme"],
            "density": data["density"],
            "start_page": data["start_page"],
            "start_project_id": data["start_project"] if board else "",
        }

    @classmethod
    def for_user(cls, user: User, *, projects: list[tuple[str, str]]) -> PreferencesForm:
        initial = {
            "theme": user.theme,
            "density": user.density,
            "start_page": user.start_page,
            "start_project": user.start_project_id,
        }
        return cls(initial=initial, projects=projects)


class PasswordChangeForm(forms.Form):
    old_password = forms.CharField(
        label="Current password",
        max_length=128,
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
    )
    new_password = forms.CharField(
        max_length=128,
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
    )
    new_password_again = forms.CharField(
        label="New password (again)",
        max_length=128,
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
    )

    def clean(self) -> dict:
        data = super().clean()
        if data.get("new_password") and data.get("new_password") != data.get("new_password_again"):
            self.add_error("new_password_again", "The two passwords differ.")
        return data


class ApiTokenForm(forms.Form):
    EXPIRY_CHOICES = [("", "Never"), ("7", "In 7 days"), ("30", "In 30 days"), ("90", "In 90 days")]

    name = forms.CharField(max_length=100, help_text="What uses it, e.g. “backup script”.")
    scope = forms.ChoiceField(
        choices=[("read", "Read only"), ("write", "Read and write")],
        initial="read",
        widget=forms.RadioSelect,
    )
    expires_in = forms.ChoiceField(choices=EXPIRY_CHOICES, required=False, label="Expires")


class _RefuseSecondFactorUsers:
    """For Django's own login pages (admin, browsable API), which can check a password
    but not a second factor: a user who has one is sent to /accounts/login/. The
    password was checked (and counted) first, like on every door."""

    def confirm_login_allowed(self, user: Any) -> None:
        super().confirm_login_allowed(user)  # type: ignore[misc]
        if second_factor.user_has_second_factor(user):
            raise ValidationError(SECOND_FACTOR_ELSEWHERE, code="second_factor_required")


class AdminLoginForm(_RefuseSecondFactorUsers, AdminAuthenticationForm):
    pass


class BrowsableApiLoginForm(_RefuseSecondFactorUsers, AuthenticationForm):
    pass


class AccountDeleteForm(forms.Form):
    password = forms.CharField(
        label="Your password",
        max_length=128,
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
    )
    code = forms.CharField(
        label="Authenticator or recovery code",
        max_length=64,
        required=False,
        widget=forms.TextInput(attrs={"autocomplete": "one-time-code", "inputmode": "text"}),
    )
    confirm = forms.BooleanField(
        label="I understand that my account and everything it owns are deleted for good.",
    )

    def __init__(self, *args: Any, needs_code: bool = False, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if needs_code:
            code = self.fields["code"]
            code.required = True
            code.help_text = "A code from your authenticator app, or one of your recovery codes."
        else:
            del self.fields["code"]
