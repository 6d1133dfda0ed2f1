"""API authentication: TaskFlow's revocable JWTs and personal API tokens.

Personal tokens (``Authorization: Token tf_…``) work wherever a JWT does, except on
views that manage credentials: those set ``personal_token_refused_methods`` (or inherit
``RefusesPersonalTokens``) and answer 403 ``token_not_allowed``. A ``read`` token gets
403 ``insufficient_scope`` on any unsafe method. Both checks run here, in the
authenticator, so no view's permission classes can forget them.
"""

from __future__ import annotations

import time
from collections.abc import Collection
from typing import Any

from django.conf import settings
from django.core.cache import cache
from django.utils.translation import gettext_lazy as _
from drf_spectacular.authentication import SessionScheme
from drf_spectacular.contrib.rest_framework_simplejwt import SimpleJWTScheme
from drf_spectacular.extensions import OpenApiAuthenticationExtension
from rest_framework import exceptions
from rest_framework.authentication import BaseAuthentication, get_authorization_header
from rest_framework.permissions import SAFE_METHODS
from rest_framework.request import Request
from rest_framework_simplejwt.authentication import JWTAuthentication
from rest_framework_simplejwt.exceptions import AuthenticationFailed, InvalidToken, TokenError
from rest_framework_simplejwt.settings import api_settings
from rest_framework_simplejwt.tokens import Token
from rest_framework_simplejwt.utils import aware_utcnow

from accounts import login_sessions, personal_tokens, revocation, user_cache
from accounts.models import ApiToken, LoginSession
from accounts.preferences import activate_for
from accounts.tokens import SESSION_CLAIM, TokenRejected, check_token_state
from taskflow import batched_reads
from taskflow.client_ip import client_ip

ALL_METHODS = frozenset({"GET", "HEAD", "OPTIONS", "POST", "PUT", "PATCH", "DELETE"})

# Access tokens this process has verified: raw token -> (token class, claims). A client
# sends the same token for minutes; its signature and claims cannot change, so they are
# checked once (about a fifth of the authentication's CPU). The key is the whole raw
# token, signature included: any other bytes are verified in full. Cleared when full.
_VERIFIED: dict[bytes, tuple[type[Token], dict[str, Any]]] = {}
VERIFIED_TOKENS_KEPT = 1024


class RevocableJWTAuthentication(JWTAuthentication):
    """simplejwt's authentication plus TaskFlow's revocation checks.

    The user row, the session's revocation answer and its "seen this minute" mark are
    read from the shared cache in one round trip (``accounts.user_cache`` explains why a
    cached row cannot outlive a write); what is missing comes from the database. In the
    embedded mode (no shared cache) the row and the revocation come from the database.
    """

    def authenticate(self, request: Request) -> tuple[Any, Any] | None:
        header = self.get_header(request)
        if header is None:
            return None
        raw_token = self.get_raw_token(header)
        if raw_token is None:
            return None
        token = self.get_validated_token(raw_token)
        found = self._cached_state(token, request)
        user = self._user(token, found)
        session_id = token.get(SESSION_CLAIM)
        if session_id:
            login_sessions.seen(
                session_id,
                request,
                kind=LoginSession.Kind.API,
                recently=login_sessions.seen_key(session_id) in found,
            )
        return user, token

    def get_user(self, validated_token: Any) -> Any:
        return self._user(validated_token, self._cached_state(validated_token))

    def get_validated_token(self, raw_token: bytes) -> Token:
        """simplejwt's, its signature check done once per raw token (``_VERIFIED``).
        The time-bound checks run on every request: a token not yet valid goes through
        simplejwt's full check, and an expired one gets its error from there too."""
        known = _VERIFIED.get(raw_token)
        if known is not None:
            token_class, claims = known
            token = token_class.__new__(token_class)
            token.token = raw_token  # type: ignore[assignment]
            token.current_time = aware_utcnow()
            token.payload = dict(claims)
            now = time.time()
            if claims.get("iat", 0) <= now and claims.get("nbf", 0) <= now:
                try:
                    token.verify()  # expiry, id and type, as simplejwt checks them
                    return token
                except TokenError:
                    pass
            _VERIFIED.pop(raw_token, None)
        token = super().get_validated_token(raw_token)
        if len(_VERIFIED) >= VERIFIED_TOKENS_KEPT:
            _VERIFIED.clear()
        _VERIFIED[raw_token] = (type(token), dict(token.payload))
        return token

    def _cached_state(self, token: Any, request: Request | None = None) -> dict[str, Any]:
        if not settings.CACHE_IS_SHARED:
            return {}
        keys, batched = [], []
        user_id = token.get(api_settings.USER_ID_CLAIM)
        if user_id is not None:
            keys += user_cache.cache_keys(str(user_id))
            if request is not None:
                # The view's own next reads, in this round trip (taskflow.batched_reads).
                batched = batched_reads.keys_for(request, str(user_id))
        session_id = token.get(SESSION_CLAIM)
        if session_id:
            keys += [revocation.cache_key(session_id), login_sessions.seen_key(session_id)]
        if not keys:
            return {}
        found = cache.get_many(keys + batched)
        batched_reads.keep(batched, found)
        return found

    def _user(self, token: Any, found: dict[str, Any]) -> Any:
        user_id = token.get(api_settings.USER_ID_CLAIM)
        if user_id is None:
            raise InvalidToken(_("Token contained no recognizable user identification"))
        user = user_cache.load(str(user_id), found)
        # simplejwt's answers for a missing or deactivated user.
        if user is None:
            raise AuthenticationFailed(_("User not found"), code="user_not_found")
        if not user.is_active:
            raise AuthenticationFailed(_("User is inactive"), code="user_inactive")
        check_token_state(token, user, found=found)
        # Token requests pass Django's middleware as anonymous: the zone starts here
        # (UserTimezoneMiddleware deactivates it after the response).
        activate_for(user)
        return user


class RevocableJWTScheme(SimpleJWTScheme):
    """The OpenAPI security scheme: the same bearer JWT as simplejwt's, described for
    the person trying the API in Swagger UI's Authorize dialog."""

    target_class = RevocableJWTAuthentication

    def get_security_definition(self, auto_schema: Any) -> dict[str, Any]:
        return {
            **super().get_security_definition(auto_schema),
            "description": "Sign in with POST /api/auth/login/ (email and password), copy "
            "the `access` value of the answer and paste it here, without `Bearer `. "
            "It expires after a few minutes: POST /api/auth/refresh/ with the `refresh` "
            "value gives a new pair.",
        }


class BrowserSessionScheme(SessionScheme):
    """The session cookie of the web app, described (drf-spectacular's has no text)."""

    priority = SessionScheme.priority + 1

    def get_security_definition(self, auto_schema: Any) -> dict[str, Any]:
        return {
            **super().get_security_definition(auto_schema),
            "description": "The browser session of the web app: signed in there, this "
            "page's requests carry it. Changes also need the CSRF token (X-CSRFToken).",
        }


class RefusesPersonalTokens:
    """Mix into a view that manages credentials (tokens, passwords, second factors):
    a personal API token gets 403 ``token_not_allowed`` there, whatever its scope."""

    personal_token_refused_methods: Collection[str] = ALL_METHODS


class TokenNotAllowed(exceptions.PermissionDenied):
    default_detail = "Personal API tokens cannot manage tokens, passwords or two factors."
    default_code = "token_not_allowed"


class InsufficientScope(exceptions.PermissionDenied):
    default_detail = "This token has the read scope; writing needs a write token."
    default_code = "insufficient_scope"


class PersonalTokenAuthentication(BaseAuthentication):
    keyword = "Token"

    def authenticate(self, request: Request) -> tuple[Any, ApiToken] | None:
        header = get_authorization_header(request).split()
        if not header or header[0].decode("latin-1") != self.keyword:
            return None
        if len(header) != 2:
            raise TokenRejected()
        try:
            raw = header[1].decode()
        except UnicodeDecodeError:
            raise TokenRejected() from None
        token = personal_tokens.find_valid(raw)
        if token is None:
            raise TokenRejected()
        view = (getattr(request, "parser_context", None) or {}).get("view")
        if request.method in getattr(view, "personal_token_refused_methods", ()):
            raise TokenNotAllowed()
        if token.scope != ApiToken.Scope.WRITE and request.method not in SAFE_METHODS:
            raise InsufficientScope()
        personal_tokens.touch(token, ip=client_ip(None, request))
        activate_for(token.user)  # as for a JWT: the user's zone from here on
        return token.user, token

    def authenticate_header(self, request: Request) -> str:
        return f'{self.keyword} realm="api"'


class PersonalTokenScheme(OpenApiAuthenticationExtension):
    target_class = PersonalTokenAuthentication
    name = "personalToken"

    def get_security_definition(self, auto_schema: Any) -> dict[str, str]:
        return {
            "type": "apiKey",
            "in": "header",
            "name": "Authorization",
            "description": "A personal API token, for scripts: paste `Token ` and the "
            "token, e.g. `Token tf_…`. Create one on the API tokens page "
            "(/accounts/tokens/) or with POST /api/auth/tokens/. A read token cannot "
            "change anything, and no token can manage tokens, sessions, the password or "
            "the account.",
        }
