from __future__ import annotations

from typing import Any

from drf_spectacular.contrib.rest_framework_simplejwt import SimpleJWTScheme
from rest_framework_simplejwt.authentication import JWTAuthentication

from accounts.preferences import activate_for
from accounts.tokens import check_token_state


class RevocableJWTAuthentication(JWTAuthentication):
    """simplejwt's authentication plus TaskFlow's revocation checks.

    The user row is loaded anyway, so the generation check is free; the session check
    is one cache read (shared cache) or one indexed query (embedded mode).
    """

    def get_user(self, validated_token: Any) -> Any:
        user = super().get_user(validated_token)
        check_token_state(validated_token, user)
        # Token requests pass Django's middleware as anonymous: the zone starts here
        # (UserTimezoneMiddleware deactivates it after the response).
        activate_for(user)
        return user


class RevocableJWTScheme(SimpleJWTScheme):
    """The OpenAPI security scheme: the same bearer JWT as simplejwt's."""

    target_class = RevocableJWTAuthentication
