"""The only authentication backend: Django's ModelBackend behind the login limits.

Every door that checks a password calls django.contrib.auth.authenticate(), which asks
this backend; counting here (rather than in each view) is what makes the login page,
the JSON login, the browsable API's login and the admin's login share one limit, and
a door added later cannot forget it (tests/security/test_login_doors.py checks
AUTHENTICATION_BACKENDS holds nothing else).
"""

from __future__ import annotations

from typing import Any

from django.contrib.auth import get_user_model
from django.contrib.auth.backends import ModelBackend
from django.contrib.auth.base_user import AbstractBaseUser
from django.http import HttpRequest

from accounts import user_cache
from accounts.models import normalize_email
from taskflow import ratelimit


class RateLimitedModelBackend(ModelBackend):
    def authenticate(
        self,
        request: HttpRequest | None,
        username: str | None = None,
        password: str | None = None,
        **kwargs: Any,
    ) -> AbstractBaseUser | None:
        if username is None:
            username = kwargs.get(get_user_model().USERNAME_FIELD)
        if username is None or password is None:
            return None  # not a password check (ModelBackend would not run one either)
        # Raises LoginRateLimited before the password is checked; authenticate() lets it
        # through (it only swallows PermissionDenied), so the door answers 429.
        attempt = ratelimit.login_attempt(request, normalize_email(str(username)))
        user = super().authenticate(request, username=username, password=password)
        if user is not None:
            attempt.succeeded()
        return user

    def get_user(self, user_id: Any) -> AbstractBaseUser | None:
        # A browser session's user per request: the shared cache's row (and session
        # hash) when there is one, with the JWT path's revocation (accounts.user_cache).
        user = user_cache.load(str(user_id))
        return user if user is not None and self.user_can_authenticate(user) else None
