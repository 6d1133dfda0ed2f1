"""What production refuses, said once and used twice.

``taskflow.settings`` calls these rules while it loads and raises ImproperlyConfigured
in production, so an unsafe instance never starts. The same rules are Django system
checks (``taskflow.E00x``), so ``manage.py check --deploy`` reports them for any
settings, e.g. a development machine asking "could this be deployed?".

This module is imported by the settings: it must import no app and no settings.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from django.core import checks

ENVIRONMENTS = ("development", "production", "test")
# .env.example ships secrets containing this marker, and the development SECRET_KEY
# ends with it: a value copied unchanged must stop production loudly.
PLACEHOLDER = "change-me"
MIN_KEY_LENGTH = 32  # HS256 wants 256 bits of key (RFC 7518 §3.2); Django's SECRET_KEY too
MIN_KEY_UNIQUE_CHARACTERS = 5  # Django's own test for a real-looking SECRET_KEY


@dataclass(frozen=True)
class Problem:
    id: str
    message: str

    def __str__(self) -> str:
        return f"{self.message} ({self.id})"


def environment_problems(environment: str) -> list[Problem]:
    if environment in ENVIRONMENTS:
        return []
    # "prod" or "Production" once ran development mode with DEBUG on, silently.
    return [
        Problem(
            "taskflow.E001",
            f"ENVIRONMENT={environment!r} is not one of {', '.join(ENVIRONMENTS)}",
        )
    ]


def _key_weakness(key: str) -> str | None:
    """Why this key cannot sign anything in production, or None."""
    if not key:
        return "is empty"
    if PLACEHOLDER in key.lower():
        return f"is a '{PLACEHOLDER}' placeholder or the development key"
    if len(key) < MIN_KEY_LENGTH:
        return f"has fewer than {MIN_KEY_LENGTH} characters"
    if len(set(key)) < MIN_KEY_UNIQUE_CHARACTERS:
        return f"has fewer than {MIN_KEY_UNIQUE_CHARACTERS} different characters"
    return None


def _has_placeholder_password(database_url: str) -> bool:
    try:
        password = urlsplit(database_url).password
    except ValueError:  # an unparsable URL fails later with its own error
        return False
    return password is not None and PLACEHOLDER in password.lower()


def production_problems(
    *,
    debug: bool,
    secret_key: str,
    secret_key_fallbacks: Sequence[str],
    allowed_hosts: Sequence[str],
    jwt_signing_key: str | None,
    database_url: str,
) -> list[Problem]:
    """Everything that makes these values unsafe to serve in production.

    ``jwt_signing_key`` is None when JWT_SIGNING_KEY is not set at all.
    """
    problems = []
    if debug:
        problems.append(Problem("taskflow.E002", "DEBUG must be off"))
    if weakness := _key_weakness(secret_key):
        problems.append(
            Problem(
                "taskflow.E003",
                f"SECRET_KEY must be set to a random value of {MIN_KEY_LENGTH}+ characters "
                f"(it {weakness})",
            )
        )
    if not allowed_hosts:
        problems.append(Problem("taskflow.E004", "ALLOWED_HOSTS must list the host names served"))
    if jwt_signing_key is None:
        # Unset once meant "reuse SECRET_KEY": rotating one then logged out the other.
        problems.append(
            Problem(
                "taskflow.E005",
                "JWT_SIGNING_KEY is unset (it must be set, apart from SECRET_KEY)",
            )
        )
    elif weakness := _key_weakness(jwt_signing_key):
        # Empty made every login a 500; "secret" let anyone forge a token.
        problems.append(
            Problem(
                "taskflow.E006",
                f"JWT_SIGNING_KEY must be a random value of {MIN_KEY_LENGTH}+ characters "
                f"(it {weakness})",
            )
        )
    elif jwt_signing_key == secret_key or jwt_signing_key in secret_key_fallbacks:
        problems.append(
            Problem(
                "taskflow.E007",
                "JWT_SIGNING_KEY must differ from SECRET_KEY and SECRET_KEY_FALLBACKS",
            )
        )
    if _has_placeholder_password(database_url):
        problems.append(
            Problem(
                "taskflow.E008",
                f"DATABASE_URL still has the '{PLACEHOLDER}' password of .env.example",
            )
        )
    return problems


def refusal(problems: Sequence[Problem], *, production: bool) -> str:
    where = " in production" if production else ""
    return f"Refusing to start{where}: " + "; ".join(str(p) for p in problems)


def _errors(problems: Sequence[Problem]) -> list[checks.CheckMessage]:
    return [checks.Error(p.message, id=p.id) for p in problems]


def check_environment(app_configs: Any = None, **kwargs: Any) -> list[checks.CheckMessage]:
    from django.conf import settings

    return _errors(environment_problems(settings.ENVIRONMENT))


def check_production_values(app_configs: Any = None, **kwargs: Any) -> list[checks.CheckMessage]:
    """`check --deploy`: would these settings be refused in production?"""
    from django.conf import settings

    return _errors(
        production_problems(
            debug=settings.DEBUG,
            secret_key=settings.SECRET_KEY,
            secret_key_fallbacks=settings.SECRET_KEY_FALLBACKS,
            allowed_hosts=settings.ALLOWED_HOSTS,
            jwt_signing_key=settings.JWT_SIGNING_KEY,
            database_url=settings.DATABASE_URL,
        )
    )


def register() -> None:
    """Called from TaskflowConfig.ready()."""
    checks.register(check_environment, checks.Tags.security)
    checks.register(check_production_values, checks.Tags.security, deploy=True)
