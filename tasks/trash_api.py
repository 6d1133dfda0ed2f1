"""The trash's JSON API (SPEC §12): ``GET /api/trash/`` lists the tasks the caller may
restore (newest first, paged like the other lists), ``DELETE /api/trash/`` empties it.
Restore is ``POST /api/tasks/{id}/restore/`` and delete-forever is
``DELETE /api/tasks/{id}/?permanent=true`` (tasks.api). Thin: reads through
``permissions.trashed_tasks``, writes through tasks.services."""

from __future__ import annotations

from typing import Any

from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import serializers, viewsets
from rest_framework.request import Request
from rest_framework.response import Response

from tasks import api_docs, permissions, services
from tasks.api import ERROR, LIST_PARAMETERS, page_serializer
from tasks.models import Task
from tasks.pagination import paginated_body
from tasks.serializers import TaskSerializer

TRASH_ORDERING = "-deleted_at"


class TrashedTaskSerializer(TaskSerializer):
    """A task in the trash: the task as it will come back, plus when and by whom it was
    deleted."""

    deleted_at = serializers.DateTimeField(read_only=True)
    deleted_by = serializers.CharField(source="deleted_by_id", read_only=True, allow_null=True)

    def to_representation(self, instance: Any) -> dict[str, Any]:
        body = super().to_representation(instance)
        body["deleted_at"] = serializers.DateTimeField().to_representation(instance.deleted_at)
        body["deleted_by"] = None if instance.deleted_by_id is None else str(instance.deleted_by_id)
        return body


class EmptiedSerializer(serializers.Serializer):
    deleted = serializers.IntegerField(help_text="How many tasks were deleted for good.")


TrashPageSerializer = page_serializer("TrashPage", TrashedTaskSerializer)


@api_docs.TRASH
@extend_schema_view(
    list=extend_schema(
        operation_id="trash_list",
        parameters=LIST_PARAMETERS,
        responses={200: TrashPageSerializer, 400: ERROR, 404: ERROR},
    ),
)
class TrashViewSet(viewsets.GenericViewSet):
    serializer_class = TrashedTaskSerializer
    queryset = Task.objects.none()  # the schema's model; reads use trashed_tasks

    def list(self, request: Request) -> Response:
        return Response(
            paginated_body(
                request,
                permissions.trashed_tasks(request.user),
                TRASH_ORDERING,
                lambda rows: TrashedTaskSerializer(rows, many=True).data,
            )
        )

    @api_docs.TRASH_EMPTY
    @extend_schema(
        operation_id="trash_empty",
        request=None,
        responses={200: EmptiedSerializer},
    )
    def empty(self, request: Request) -> Response:
        return Response({"deleted": services.trash_empty(actor=request.user)})
