from __future__ import annotations

from rest_framework import serializers

from accounts.models import User
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
