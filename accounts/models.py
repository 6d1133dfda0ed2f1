from __future__ import annotations

from typing import Any

from django.contrib.auth.base_user import AbstractBaseUser, BaseUserManager
from django.contrib.auth.models import PermissionsMixin
from django.db import models
from django.utils import timezone
from django.utils.crypto import salted_hmac

from accounts.preferences import (
    DEFAULT_TIMEZONE,
    START_PROJECT_MAX_LENGTH,
    TIMEZONE_MAX_LENGTH,
    DateFormat,
    Density,
    StartPage,
    Theme,
    WeekStart,
    validate_timezone,
)
from taskflow.ids import new_id


def normalize_email(email: str) -> str:
    # Stored lower-cased: MongoDB skips expression indexes such as Lower("email"),
    # so case-insensitive uniqueness must live in the value itself.
    return (email or "").strip().lower()


class UserQuerySet(models.QuerySet["User"]):
    def update(self, **kwargs: Any) -> int:
        # save() and delete() send signals; an update() does not, and the user rows
        # cached for JWT requests (accounts.user_cache) must hear of every write.
        from accounts import user_cache

        ids = list(self.values_list("pk", flat=True))
        count = super().update(**kwargs)
        user_cache.changed(ids)
        return count


class UserManager(BaseUserManager.from_queryset(UserQuerySet)):  # type: ignore[misc]
    use_in_migrations = True

    def get_by_natural_key(self, username: str) -> User:
        return self.get(email=normalize_email(username))

    def create_user(self, email: str, password: str | None = None, **extra: Any) -> User:
        if not email:
            raise ValueError("An email address is required")
        user = self.model(email=normalize_email(email), **extra)
        user.set_password(password)
        user.full_clean(exclude=["password"])
        user.save(using=self._db)
        return user

    def create_superuser(self, email: str, password: str | None = None, **extra: Any) -> User:
        extra.setdefault("is_staff", True)
        extra.setdefault("is_superuser", True)
        return self.create_user(email, password, **extra)


class User(AbstractBaseUser, PermissionsMixin):
    id = models.CharField(primary_key=True, max_length=26, default=new_id, editable=False)
    email = models.EmailField(unique=True, max_length=254)
    name = models.CharField(max_length=150, blank=True)
    bio = models.CharField(max_length=200, blank=True)
    is_active = models.BooleanField(default=True)
    is_staff = models.BooleanField(default=False)
    date_joined = models.DateTimeField(default=timezone.now)
    # Bumped by logout-all and password change; every JWT carries the generation it was
    # issued under, so older tokens fail on the user lookup authentication already does.
    token_generation = models.PositiveIntegerField(default=0, editable=False)
    # Time preferences (accounts/preferences.py): "today" and "overdue" follow the zone.
    timezone = models.CharField(
        max_length=TIMEZONE_MAX_LENGTH, default=DEFAULT_TIMEZONE, validators=[validate_timezone]
    )
    week_start = models.CharField(max_length=8, choices=WeekStart.choices, default=WeekStart.MONDAY)
    date_format = models.CharField(max_length=8, choices=DateFormat.choices, default=DateFormat.ISO)
    # Display preferences (accounts/preferences.py): set on <html> and <body> by the
    # base template, server-side (no script, nothing inline for the CSP to refuse).
    theme = models.CharField(max_length=8, choices=Theme.choices, default=Theme.SYSTEM)
    density = models.CharField(max_length=12, choices=Density.choices, default=Density.COMFORTABLE)
    start_page = models.CharField(
        max_length=12, choices=StartPage.choices, default=StartPage.DASHBOARD
    )
    # The project whose board is the start page: an opaque id (accounts knows nothing
    # of projects); a project the user has left falls back to the dashboard.
    start_project_id = models.CharField(max_length=START_PROJECT_MAX_LENGTH, blank=True)

    objects = UserManager()

    EMAIL_FIELD = "email"
    USERNAME_FIELD = "email"
    REQUIRED_FIELDS = ["name"]

    class Meta:
        ordering = ["email"]

    def __str__(self) -> str:
        return self.email

    def clean(self) -> None:
        super().clean()
        self.email = normalize_email(self.email)

    def get_session_auth_hash(self) -> str:
        # A row from the shared cache (accounts.user_cache) carries the hash, so a
        # browser request needs no read of the password; not once either input may
        # have changed on this instance (a new password or generation set here).
        from accounts import user_cache

        cached = self.__dict__.get(user_cache.SESSION_HASH_ATTR)
        if (
            cached is not None
            and "password" not in self.__dict__
            and cached[0] == user_cache.secret_tag()
            and cached[1] == self.token_generation
        ):
            return cached[2]
        return self._get_session_auth_hash()

    def _get_session_auth_hash(self, secret: str | None = None) -> str:
        # Browser sessions end with the token generation too ("sign out everywhere").
        return salted_hmac(
            "taskflow.accounts.User.session_auth_hash",
            f"{self.password}:{self.token_generation}",
            secret=secret,
            algorithm="sha256",
        ).hexdigest()

    def get_full_name(self) -> str:
        return self.name or self.email

    def get_short_name(self) -> str:
        return self.name or self.email.split("@")[0]


class RevokedToken(models.Model):
    """A refresh token that was used or a login session (``sid``) that was ended.

    Kept until the token would have expired anyway; ``prune_expired`` removes the rest.
    The unique ``jti`` makes "use this refresh token once" a single atomic insert on
    every backend (no transaction needed).
    """

    class Kind(models.TextChoices):
        REFRESH = "refresh", "used refresh token"
        SESSION = "session", "ended session"

    id = models.CharField(primary_key=True, max_length=26, default=new_id, editable=False)
    jti = models.CharField(max_length=64, unique=True)
    kind = models.CharField(max_length=16, choices=Kind.choices)
    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="revoked_tokens")
    expires_at = models.DateTimeField(db_index=True)
    created_at = models.DateTimeField(default=timezone.now)

    def __str__(self) -> str:
        return f"{self.kind} {self.jti}"


class ApiToken(models.Model):
    """A personal API token: ``tf_<prefix>_<secret>``, shown once, stored as a hash.

    ``prefix`` is public (it finds the row and tells tokens apart in lists); only the
    sha256 of the secret is kept. ``generation`` is the user's token generation at
    creation, so "sign out everywhere" and a password change end tokens too.
    ``project_id`` is an opaque id until projects exist; the permission layer is where
    it will narrow what the token sees (docs/architecture.md).
    """

    class Scope(models.TextChoices):
        READ = "read", "read"
        WRITE = "write", "read and write"

    id = models.CharField(primary_key=True, max_length=26, default=new_id, editable=False)
    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="api_tokens")
    name = models.CharField(max_length=100)
    scope = models.CharField(max_length=8, choices=Scope.choices, default=Scope.READ)
    project_id = models.CharField(max_length=26, null=True, blank=True)
    prefix = models.CharField(max_length=16, unique=True)
    secret_hash = models.CharField(max_length=64)
    generation = models.PositiveIntegerField(default=0)
    created_at = models.DateTimeField(default=timezone.now)
    expires_at = models.DateTimeField(null=True, blank=True)
    last_used_at = models.DateTimeField(null=True, blank=True)
    last_used_ip = models.CharField(max_length=45, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["user", "revoked_at"])]

    def __str__(self) -> str:
        return f"{self.name} (tf_{self.prefix}_…)"


class LoginSession(models.Model):
    """One browser session or one refresh-token family, for the sessions page.

    Django's sessions (cached_db) cannot be listed by user, and a refresh family is
    only a ``sid`` claim; this index is written at login and kept fresh at most once a
    minute per session. Ending one records its ``marker`` in RevokedToken, which every
    instance checks (accounts.revocation).
    """

    class Kind(models.TextChoices):
        BROWSER = "browser", "browser session"
        API = "api", "API refresh tokens"

    id = models.CharField(primary_key=True, max_length=26, default=new_id, editable=False)
    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="login_sessions")
    kind = models.CharField(max_length=8, choices=Kind.choices)
    # The refresh family's ``sid`` claim, or the row id for a browser session: the value
    # revocation records and checks.
    marker = models.CharField(max_length=64, unique=True)
    # The Django session key, so that ending a browser session also deletes it.
    session_key = models.CharField(max_length=40, blank=True)
    user_agent = models.CharField(max_length=300, blank=True)
    ip = models.CharField(max_length=45, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    last_seen_at = models.DateTimeField(default=timezone.now)
    expires_at = models.DateTimeField()
    ended_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-last_seen_at", "-id"]
        indexes = [models.Index(fields=["user", "ended_at"])]

    def __str__(self) -> str:
        return f"{self.kind} {self.id}"
