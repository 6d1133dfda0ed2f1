"""API input validation and output for projects, members, invitations (rules live in
projects.services)."""

from __future__ import annotations

from typing import Any

from rest_framework import serializers

from projects.models import DESCRIPTION_MAX, NAME_MAX, Role
from taskflow.fields import StrictBooleanField, StrictCharField


class ProjectSerializer(serializers.Serializer):
    id = serializers.CharField(read_only=True)
    name = StrictCharField(max_length=NAME_MAX)
    description = StrictCharField(
        max_length=DESCRIPTION_MAX, required=False, allow_blank=True, default=""
    )
    archived = StrictBooleanField(required=False, default=False)
    is_inbox = serializers.BooleanField(read_only=True)
    created_by = serializers.CharField(source="created_by_id", read_only=True, allow_null=True)
    created_at = serializers.DateTimeField(read_only=True)
    version = serializers.IntegerField(read_only=True)
    my_role = serializers.ChoiceField(choices=Role.choices, read_only=True)

    def to_representation(self, instance: Any) -> dict[str, Any]:
        data = super().to_representation(instance)
        data["my_role"] = getattr(instance, "my_role", None) or self.context.get("my_role")
        return data


class ProjectRefSerializer(serializers.Serializer):
    id = serializers.CharField(read_only=True)
    name = serializers.CharField(read_only=True)


class MemberSerializer(serializers.Serializer):
    user_id = serializers.CharField(read_only=True)
    email = serializers.EmailField(source="user.email", read_only=True)
    name = serializers.CharField(source="user.name", read_only=True)
    role = serializers.ChoiceField(choices=Role.choices)
    invited_by = serializers.CharField(source="invited_by_id", read_only=True, allow_null=True)
    created_at = serializers.DateTimeField(read_only=True)


class RoleSerializer(serializers.Serializer):
    role = serializers.ChoiceField(choices=Role.choices)


class InviteSerializer(serializers.Serializer):
    email = serializers.EmailField(max_length=254)
    role = serializers.ChoiceField(choices=Role.choices, required=False, default=Role.EDITOR)


class TransferSerializer(serializers.Serializer):
    user_id = StrictCharField(max_length=26)


class InvitationSerializer(serializers.Serializer):
    id = serializers.CharField(read_only=True)
    project = ProjectRefSerializer(read_only=True)
    email = serializers.EmailField(read_only=True)
    role = serializers.ChoiceField(choices=Role.choices, read_only=True)
    status = serializers.CharField(read_only=True)
    invited_by = serializers.CharField(source="invited_by_id", read_only=True, allow_null=True)
    created_at = serializers.DateTimeField(read_only=True)
    expires_at = serializers.DateTimeField(read_only=True)


class MembershipResultSerializer(serializers.Serializer):
    project = ProjectRefSerializer(read_only=True)
    role = serializers.ChoiceField(choices=Role.choices, read_only=True)
