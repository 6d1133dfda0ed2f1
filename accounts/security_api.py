"""JSON API for personal API tokens and the sessions list (SPEC §10).

Both manage credentials, so a personal token is refused here (RefusesPersonalTokens).
"""

from __future__ import annotations

from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import status
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts import api_docs, selectors, services
from accounts.authentication import RefusesPersonalTokens
from accounts.login_sessions import SESSION_MARKER
from accounts.serializers import (
    ApiTokenCreatedSerializer,
    ApiTokenCreateSerializer,
    ApiTokenSerializer,
    LoginSessionSerializer,
)
from accounts.tokens import SESSION_CLAIM
from taskflow.schema import NOT_SIGNED_IN

ERRORS = {
    400: OpenApiResponse(description="Invalid input (field errors)"),
    401: NOT_SIGNED_IN,
    403: OpenApiResponse(description="A personal API token cannot manage credentials"),
    404: OpenApiResponse(description="No such token or session of yours"),
}
# The sessions list shows the most recently seen ones; a script that logs in again and
# again should use a personal API token instead.
SESSIONS_LISTED = 100


@api_docs.TOKENS
class ApiTokenListView(RefusesPersonalTokens, APIView):
    @extend_schema(
        responses={200: ApiTokenSerializer(many=True), 401: ERRORS[401], 403: ERRORS[403]},
    )
    def get(self, request: Request) -> Response:
        tokens = selectors.api_tokens_of(request.user)
        return Response(ApiTokenSerializer(tokens, many=True).data)

    @extend_schema(
        request=ApiTokenCreateSerializer,
        responses={
            201: ApiTokenCreatedSerializer,
            400: ERRORS[400],
            401: ERRORS[401],
            403: ERRORS[403],
        },
    )
    def post(self, request: Request) -> Response:
        data = ApiTokenCreateSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        token, raw = services.api_token_create(
            user=request.user,
            name=data.validated_data["name"],
            scope=data.validated_data["scope"],
            project_id=data.validated_data["project"] or None,
            expires_at=data.validated_data["expires_at"],
        )
        body = ApiTokenCreatedSerializer(token, context={"raw_token": raw}).data
        return Response(body, status=status.HTTP_201_CREATED)


@api_docs.TOKEN
class ApiTokenDetailView(RefusesPersonalTokens, APIView):
    @extend_schema(
        responses={204: None, 401: ERRORS[401], 403: ERRORS[403], 404: ERRORS[404]},
    )
    def delete(self, request: Request, pk: str) -> Response:
        services.api_token_revoke(user=request.user, token_id=pk)
        return Response(status=status.HTTP_204_NO_CONTENT)


def current_marker(request: Request) -> str | None:
    """The sessions-list marker of this request: its refresh family or browser session."""
    if request.auth is not None and hasattr(request.auth, "get"):
        return request.auth.get(SESSION_CLAIM)
    session = getattr(request, "session", None)
    return session.get(SESSION_MARKER) if session is not None else None


@api_docs.SESSIONS
class LoginSessionListView(RefusesPersonalTokens, APIView):
    @extend_schema(
        responses={200: LoginSessionSerializer(many=True), 401: ERRORS[401], 403: ERRORS[403]},
    )
    def get(self, request: Request) -> Response:
        rows = selectors.login_sessions_of(request.user)[:SESSIONS_LISTED]
        context = {"current_marker": current_marker(request)}
        return Response(LoginSessionSerializer(rows, many=True, context=context).data)


@api_docs.SESSION
class LoginSessionDetailView(RefusesPersonalTokens, APIView):
    @extend_schema(
        responses={204: None, 401: ERRORS[401], 403: ERRORS[403], 404: ERRORS[404]},
    )
    def delete(self, request: Request, pk: str) -> Response:
        services.login_session_end(user=request.user, session_id=pk)
        return Response(status=status.HTTP_204_NO_CONTENT)
