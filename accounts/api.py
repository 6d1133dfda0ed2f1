"""JSON API for accounts: registration, JWT login/refresh/logout, profile, password."""

from __future__ import annotations

from dataclasses import asdict
from typing import Any

from allauth.account.forms import ResetPasswordForm
from allauth.core import ratelimit as allauth_ratelimit
from django.contrib.auth import authenticate
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import StreamingHttpResponse
from django.utils import timezone
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse, PolymorphicProxySerializer, extend_schema
from rest_framework import exceptions, status
from rest_framework.permissions import AllowAny
from rest_framework.renderers import JSONRenderer
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts import api_docs, data, deletion, second_factor, services, tokens, verification
from accounts.authentication import RefusesPersonalTokens
from accounts.serializers import (
    AccountDeleteSerializer,
    LoginMfaRequiredSerializer,
    LoginMfaSerializer,
    LoginSerializer,
    PasswordChangeSerializer,
    PasswordResetConfirmSerializer,
    PasswordResetSerializer,
    ProfileUpdateSerializer,
    RefreshSerializer,
    RegisteredUserSerializer,
    RegisterSerializer,
    TokenPairSerializer,
    TransferFirstSerializer,
    UserSerializer,
)
from taskflow import metrics, ratelimit
from taskflow.errors import RateLimitedError
from taskflow.schema import NOT_SIGNED_IN

ERRORS = {
    400: OpenApiResponse(description="Invalid input (field errors)"),
    401: NOT_SIGNED_IN,
    429: OpenApiResponse(description="Too many attempts (see Retry-After)"),
}
# The 401s of the operations that need no token, in the words of what went wrong.
WRONG_CREDENTIALS = OpenApiResponse(
    description='Wrong email or password (the same answer for both): `{"detail": "...", '
    '"code": "invalid_credentials"}`'
)
TICKET_NOT_VALID = OpenApiResponse(
    description="The sign-in ticket is unknown, expired or already used: sign in again. "
    '`{"detail": "...", "code": "ticket_not_valid"}`'
)
REFRESH_NOT_VALID = OpenApiResponse(
    description="The refresh token is invalid, expired, revoked or already used: sign in "
    'again. `{"detail": "...", "code": "token_not_valid"}`'
)


def _limit(request: Request, group: str) -> None:
    limited = ratelimit.hit(request, group)
    if limited:
        raise RateLimitedError(wait=limited.retry_after)


class InvalidCredentials(exceptions.AuthenticationFailed):
    default_detail = "No active account found with the given credentials."
    default_code = "invalid_credentials"


class OpenAuthView(APIView):
    """An endpoint that needs no token but may reject credentials with a 401.

    Without an authenticator DRF turns AuthenticationFailed into a 403; the
    WWW-Authenticate header keeps it the 401 the API promises.
    """

    permission_classes = [AllowAny]
    authentication_classes: list = []

    def get_authenticate_header(self, request: Request) -> str:
        return 'Bearer realm="api"'


VERIFICATION_SENT = {
    "detail": "Check your email: follow the link we sent to finish signing up.",
    "code": "verification_sent",
}


class EmailNotVerified(exceptions.PermissionDenied):
    default_detail = "Confirm your email address first: follow the link we sent you."
    default_code = "email_not_verified"


@api_docs.REGISTER
class RegisterView(APIView):
    permission_classes = [AllowAny]
    authentication_classes: list = []
    throttle_classes: list = []

    @extend_schema(
        request=RegisterSerializer,
        responses={
            201: RegisteredUserSerializer,
            202: OpenApiResponse(
                description="Where new users confirm their email: a link was emailed; the "
                "same answer whether or not the address was already registered"
            ),
            400: ERRORS[400],
            429: ERRORS[429],
        },
    )
    def post(self, request: Request) -> Response:
        _limit(request, "register")
        data = RegisterSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        try:
            user = services.user_register(**data.validated_data)
        except DjangoValidationError as exc:
            if not (verification.hides_taken_addresses() and services.is_email_taken_error(exc)):
                raise
            verification.notify_taken_address(request._request, data.validated_data["email"])
            return Response(VERIFICATION_SENT, status=status.HTTP_202_ACCEPTED)
        if verification.enabled():
            verification.send_link(request._request, user)
        if verification.hides_taken_addresses():
            return Response(VERIFICATION_SENT, status=status.HTTP_202_ACCEPTED)
        return Response(RegisteredUserSerializer(user).data, status=status.HTTP_201_CREATED)


class TicketRejected(exceptions.AuthenticationFailed):
    default_detail = "This sign-in ticket is invalid, expired or already used."
    default_code = "ticket_not_valid"


@api_docs.LOGIN
class LoginView(OpenAuthView):
    throttle_classes: list = []

    @extend_schema(
        request=LoginSerializer,
        responses={
            200: PolymorphicProxySerializer(
                component_name="LoginResult",
                serializers=[TokenPairSerializer, LoginMfaRequiredSerializer],
                resource_type_field_name=None,
            ),
            400: ERRORS[400],
            401: WRONG_CREDENTIALS,
            403: OpenApiResponse(description="Email not verified yet (mandatory verification)"),
            429: ERRORS[429],
        },
    )
    def post(self, request: Request) -> Response:
        data = LoginSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        # The same answer for an unknown email and a wrong password; Django's backend
        # also hashes for unknown users so the timing matches too. authenticate() counts
        # the attempt and raises LoginRateLimited (a 429 with Retry-After) when refused.
        user = authenticate(
            request,
            email=data.validated_data["email"],
            password=data.validated_data["password"],
        )
        if user is None:
            raise InvalidCredentials()  # counted by taskflow.metrics (user_login_failed)
        if verification.login_blocked(user):
            raise EmailNotVerified()
        if second_factor.user_has_second_factor(user):
            ticket = second_factor.ticket_issue(user=user)
            return Response({"mfa_required": True, "ticket": ticket})
        metrics.record_login(channel="api", success=True)
        return Response(tokens.issue_tokens(user, request=request))


@api_docs.LOGIN_MFA
class LoginMfaView(OpenAuthView):
    throttle_classes: list = []

    @extend_schema(
        request=LoginMfaSerializer,
        responses={200: TokenPairSerializer, 400: ERRORS[400], 401: TICKET_NOT_VALID},
    )
    def post(self, request: Request) -> Response:
        data = LoginMfaSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        try:
            user = second_factor.ticket_redeem(
                ticket=data.validated_data["ticket"], code=data.validated_data["code"]
            )
        except second_factor.TicketRejected:
            raise TicketRejected() from None
        metrics.record_login(channel="api", success=True)
        return Response(tokens.issue_tokens(user, request=request))


@api_docs.PASSWORD_RESET
class PasswordResetView(OpenAuthView):
    throttle_classes: list = []

    @extend_schema(
        request=PasswordResetSerializer,
        responses={202: None, 400: ERRORS[400], 429: ERRORS[429]},
    )
    def post(self, request: Request) -> Response:
        _limit(request, "password_reset")
        data = PasswordResetSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        form = ResetPasswordForm(data={"email": data.validated_data["email"]})
        # Per address too (allauth's limit): beyond it nothing is sent, and the answer
        # stays the same, so the limit tells nothing about the address either.
        if form.is_valid() and allauth_ratelimit.consume(
            request._request, action="reset_password", key=form.cleaned_data["email"]
        ):
            form.save(request._request)
        return Response(status=status.HTTP_202_ACCEPTED)


@api_docs.PASSWORD_RESET_CONFIRM
class PasswordResetConfirmView(OpenAuthView):
    throttle_classes: list = []

    @extend_schema(
        request=PasswordResetConfirmSerializer,
        responses={204: None, 400: ERRORS[400], 429: ERRORS[429]},
    )
    def post(self, request: Request) -> Response:
        _limit(request, "password_reset_confirm")
        data = PasswordResetConfirmSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        services.user_reset_password(**data.validated_data)
        return Response(status=status.HTTP_204_NO_CONTENT)


@api_docs.REFRESH
class RefreshView(OpenAuthView):
    @extend_schema(
        request=RefreshSerializer,
        responses={200: TokenPairSerializer, 400: ERRORS[400], 401: REFRESH_NOT_VALID},
    )
    def post(self, request: Request) -> Response:
        data = RefreshSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        return Response(tokens.rotate(data.validated_data["refresh"], request=request))


@api_docs.LOGOUT
class LogoutView(RefusesPersonalTokens, APIView):
    @extend_schema(
        request=RefreshSerializer,
        responses={
            204: None,
            400: ERRORS[400],
            401: OpenApiResponse(
                description="You are not signed in, or the refresh token is invalid, "
                'expired or not yours. `{"detail": "...", "code": "..."}`'
            ),
        },
    )
    def post(self, request: Request) -> Response:
        data = RefreshSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        refresh, owner = tokens.parse_refresh(data.validated_data["refresh"])
        if owner.pk != request.user.pk:
            raise tokens.TokenRejected()
        tokens.end_session(refresh, owner)
        if request.auth is not None and request.auth.get(tokens.SESSION_CLAIM):
            tokens.end_session(request.auth, owner)
        return Response(status=status.HTTP_204_NO_CONTENT)


@api_docs.LOGOUT_ALL
class LogoutAllView(RefusesPersonalTokens, APIView):
    @extend_schema(request=None, responses={204: None, 401: ERRORS[401]})
    def post(self, request: Request) -> Response:
        services.user_revoke_all_tokens(user=request.user)
        return Response(status=status.HTTP_204_NO_CONTENT)


@api_docs.ME
class MeView(APIView):
    # A token may read the profile, not change the email (a path to the password).
    personal_token_refused_methods = frozenset({"PATCH", "PUT", "DELETE"})

    @extend_schema(responses={200: UserSerializer, 401: ERRORS[401]})
    def get(self, request: Request) -> Response:
        return Response(UserSerializer(request.user).data)

    @extend_schema(
        request=ProfileUpdateSerializer,
        responses={200: UserSerializer, 400: ERRORS[400], 401: ERRORS[401]},
    )
    def patch(self, request: Request) -> Response:
        data = ProfileUpdateSerializer(data=request.data, partial=True)
        data.is_valid(raise_exception=True)
        user = services.user_update_profile(user=request.user, changes=data.validated_data)
        return Response(UserSerializer(user).data)

    @extend_schema(
        request=AccountDeleteSerializer,
        responses={
            204: None,
            400: OpenApiResponse(
                description="Wrong password or code (field errors), or "
                '`{"code": "mfa_required"}`: the account has a second factor and no code '
                "was given"
            ),
            401: ERRORS[401],
            403: OpenApiResponse(description="Personal API tokens cannot delete accounts"),
            409: OpenApiResponse(
                response=TransferFirstSerializer,
                description="You are the only owner of projects shared with others "
                "(listed): make someone else owner of each first",
            ),
            429: ERRORS[429],
        },
    )
    def delete(self, request: Request) -> Response:
        body = AccountDeleteSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        try:
            deletion.account_delete(
                user=request.user,
                password=body.validated_data["password"],
                code=body.validated_data["code"],
                request=request._request,
            )
        except deletion.TransferFirst as refused:
            return Response(
                {
                    "detail": refused.detail,
                    "code": refused.code,
                    "blockers": [asdict(b) for b in refused.blockers],
                },
                status=status.HTTP_409_CONFLICT,
            )
        return Response(status=status.HTTP_204_NO_CONTENT)


@api_docs.EXPORT
class ExportView(RefusesPersonalTokens, APIView):
    """ "Download my data": one ZIP of JSON files, streamed."""

    @extend_schema(
        responses={(200, "application/zip"): OpenApiTypes.BINARY, 401: ERRORS[401]},
    )
    def get(self, request: Request) -> StreamingHttpResponse:
        response = StreamingHttpResponse(
            data.stream_export(request.user), content_type="application/zip"
        )
        stamp = timezone.now().strftime("%Y%m%d")
        response["Content-Disposition"] = f'attachment; filename="taskflow-data-{stamp}.zip"'
        response["Cache-Control"] = "no-store"
        return response

    def perform_content_negotiation(self, request: Request, force: bool = False) -> Any:
        # The body is a ZIP whatever the Accept header says; errors stay JSON.
        return JSONRenderer(), JSONRenderer.media_type


@api_docs.PASSWORD_CHANGE
class PasswordChangeView(RefusesPersonalTokens, APIView):
    @extend_schema(
        request=PasswordChangeSerializer,
        responses={204: None, 400: ERRORS[400], 401: ERRORS[401]},
    )
    def post(self, request: Request) -> Response:
        data = PasswordChangeSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        services.user_change_password(user=request.user, **data.validated_data)
        return Response(status=status.HTTP_204_NO_CONTENT)
