"""API output of activity and comments."""

from __future__ import annotations

from rest_framework import serializers

from taskflow.fields import StrictCharField
from tasks.models import COMMENT_MAX, Activity


class ActivitySerializer(serializers.Serializer):
    id = serializers.CharField(read_only=True)
    project = serializers.CharField(source="project_id", read_only=True)
    task = serializers.CharField(source="task_id", read_only=True)
    actor = serializers.CharField(source="actor_id", read_only=True, allow_null=True)
    actor_name = serializers.SerializerMethodField()
    action = serializers.ChoiceField(choices=Activity.Action.choices, read_only=True)
    changes = serializers.DictField(
        child=serializers.ListField(child=serializers.JSONField(), min_length=2, max_length=2),
        read_only=True,
        help_text="{field: [old, new]}; in a bulk write old is null.",
    )
    created_at = serializers.DateTimeField(read_only=True)

    def get_actor_name(self, obj: Activity) -> str | None:
        return obj.actor.get_full_name() if obj.actor_id and obj.actor else None


class CommentSerializer(serializers.Serializer):
    id = serializers.CharField(read_only=True)
    task = serializers.CharField(source="task_id", read_only=True)
    author = serializers.CharField(source="author_id", read_only=True, allow_null=True)
    author_name = serializers.SerializerMethodField()
    body = StrictCharField(max_length=COMMENT_MAX, help_text="Markdown source.")
    created_at = serializers.DateTimeField(read_only=True)
    updated_at = serializers.DateTimeField(read_only=True)

    def get_author_name(self, obj: object) -> str | None:
        author = getattr(obj, "author", None)
        return author.get_full_name() if author is not None else None
