from __future__ import annotations

from django.utils import timezone
from rest_framework import serializers

from accounts.login_sessions import describe_device
from accounts.models import ApiToken, LoginSession, User
from accounts.preferences import DateFormat, WeekStart, available_timezones
from taskflow.fields import StrictCharField


def timezone_field(**kwargs: object) -> serializers.ChoiceField:
    # An enum in the schema: clients (and the fuzz suite) see exactly which names pass.
    return serializers.ChoiceField(
        choices=sorted(available_timezones()),
        help_text="An IANA time zone name, e.g. Europe/Berlin.",
        **kwargs,
    )


class RegisterSerializer(serializers.Serializer):
    email = serializers.EmailField(max_length=254)
    password = StrictCharField(max_length=128, write_only=True, trim_whitespace=False)
    name = StrictCharField(max_length=150, required=False, allow_blank=True, default="")
    timezone = timezone_field(required=False)


class LoginSerializer(serializers.Serializer):
    email = StrictCharField(max_length=254)
    password = StrictCharField(max_length=128, trim_whitespace=False)


class RefreshSerializer(serializers.Serializer):
    refresh = StrictCharField(max_length=2000)


class TokenPairSerializer(serializers.Serializer):
    access = serializers.CharField()
    refresh = serializers.CharField()


class UserSerializer(serializers.ModelSerializer):
    class Meta:
        model = User
        fields = [
            "id",
            "email",
            "name",
            "bio",
            "date_joined",
            "timezone",
            "week_start",
            "date_format",
        ]
        read_only_fields = ["id", "date_joined"]


class RegisteredUserSerializer(serializers.ModelSerializer):
    class Meta:
        model = User
        fields = ["id", "email", "name"]


class ProfileUpdateSerializer(serializers.Serializer):
    email = serializers.EmailField(max_length=254, required=False)
    name = StrictCharField(max_length=150, required=False, allow_blank=True)
    bio = StrictCharField(max_length=200, required=False, allow_blank=True)
    timezone = timezone_field(required=False)
    week_start = serializers.ChoiceField(choices=WeekStart.choices, required=False)
    date_format = serializers.ChoiceField(choices=DateFormat.choices, required=False)


class PasswordChangeSerializer(serializers.Serializer):
    old_password = StrictCharField(max_length=128, trim_whitespace=False)
    new_password = StrictCharField(max_length=128, trim_whitespace=False)


class ApiTokenSerializer(serializers.Serializer):
    id = serializers.CharField(read_only=True)
    name = serializers.CharField(read_only=True)
    scope = serializers.ChoiceField(choices=ApiToken.Scope.choices, read_only=True)
    project = serializers.CharField(source="project_id", read_only=True, allow_null=True)
    display = serializers.SerializerMethodField(help_text="The token's public start.")
    created_at = serializers.DateTimeField(read_only=True)
    expires_at = serializers.DateTimeField(read_only=True, allow_null=True)
    expired = serializers.SerializerMethodField()
    last_used_at = serializers.DateTimeField(read_only=True, allow_null=True)
    last_used_ip = serializers.CharField(read_only=True)

    def get_display(self, token: ApiToken) -> str:
        return f"tf_{token.prefix}_…"

    def get_expired(self, token: ApiToken) -> bool:
        return token.expires_at is not None and token.expires_at <= timezone.now()


class ApiTokenCreatedSerializer(ApiTokenSerializer):
    token = serializers.SerializerMethodField(help_text="The whole token, shown this once.")

    def get_token(self, token: ApiToken) -> str:
        return self.context["raw_token"]


class ApiTokenCreateSerializer(serializers.Serializer):
    name = StrictCharField(max_length=100)
    scope = serializers.ChoiceField(choices=ApiToken.Scope.choices, default=ApiToken.Scope.READ)
    project = StrictCharField(
        max_length=26, required=False, allow_null=True, allow_blank=True, default=None
    )
    expires_at = serializers.DateTimeField(required=False, allow_null=True, default=None)


class LoginSessionSerializer(serializers.Serializer):
    id = serializers.CharField(read_only=True)
    kind = serializers.ChoiceField(choices=LoginSession.Kind.choices, read_only=True)
    device = serializers.SerializerMethodField()
    user_agent = serializers.CharField(read_only=True)
    ip = serializers.CharField(read_only=True)
    created_at = serializers.DateTimeField(read_only=True)
    last_seen_at = serializers.DateTimeField(read_only=True)
    current = serializers.SerializerMethodField(help_text="The session of this request.")

    def get_device(self, row: LoginSession) -> str:
        return describe_device(row.user_agent)

    def get_current(self, row: LoginSession) -> bool:
        return row.marker == self.context.get("current_marker")


class LoginMfaRequiredSerializer(serializers.Serializer):
    mfa_required = serializers.BooleanField()
    ticket = serializers.CharField()


class LoginMfaSerializer(serializers.Serializer):
    ticket = StrictCharField(max_length=200)
    code = StrictCharField(max_length=64)


class PasswordResetSerializer(serializers.Serializer):
    email = serializers.EmailField(max_length=254)


class PasswordResetConfirmSerializer(serializers.Serializer):
    uid = StrictCharField(max_length=64)
    token = StrictCharField(max_length=128)
    new_password = StrictCharField(max_length=128, trim_whitespace=False)


class AccountDeleteSerializer(serializers.Serializer):
    password = StrictCharField(max_length=128, trim_whitespace=False)
    code = StrictCharField(
        max_length=64,
        required=False,
        allow_blank=True,
        default="",
        help_text="A TOTP or recovery code; required when the account has one.",
    )


class BlockerSerializer(serializers.Serializer):
    kind = serializers.CharField()
    id = serializers.CharField()
    name = serializers.CharField()
    url = serializers.CharField(help_text="Where to resolve it (the project's page).")
    reason = serializers.CharField()


class TransferFirstSerializer(serializers.Serializer):
    detail = serializers.CharField()
    code = serializers.CharField()
    blockers = BlockerSerializer(many=True)
