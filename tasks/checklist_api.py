"""JSON API of checklists (SPEC §12), under ``tasks/{task_pk}/checklist/``. Thin: the
task comes from the permission layer (a task the caller cannot see is a 404), writes
go through tasks.checklists (role >= editor: a viewer gets 403), which ends each one in
the task write path (activity, a new task version and ETag)."""

from __future__ import annotations

from typing import Any

from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_view
from rest_framework import serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response

from taskflow.fields import StrictCharField
from taskflow.ids import ID_LENGTH, ID_PATTERN
from tasks import api_docs, checklists, permissions
from tasks.api import ERROR, ID_REGEX
from tasks.models import ChecklistItem, Task
from tasks.serializers import ChecklistItemSerializer

TASK_PK = OpenApiParameter(
    "task_pk",
    {"type": "string", "pattern": ID_PATTERN.pattern},
    OpenApiParameter.PATH,
    description="The task's id (26-character ULID).",
)
ITEM_ID = OpenApiParameter(
    "id",
    {"type": "string", "pattern": ID_PATTERN.pattern},
    OpenApiParameter.PATH,
    description="The checklist item's id (26-character ULID).",
)


class ChecklistItemCreateSerializer(ChecklistItemSerializer):
    before = StrictCharField(
        max_length=ID_LENGTH,
        write_only=True,
        required=False,
        help_text="Put the new item right before this item (default: at the end).",
    )
    after = StrictCharField(
        max_length=ID_LENGTH,
        write_only=True,
        required=False,
        help_text="Put the new item right after this item.",
    )

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        if "before" in attrs and "after" in attrs:
            raise serializers.ValidationError({"before": "Name before or after, not both."})
        return attrs


class ChecklistMoveSerializer(serializers.Serializer):
    before = StrictCharField(
        max_length=ID_LENGTH, required=False, help_text="Put the item right before this item."
    )
    after = StrictCharField(
        max_length=ID_LENGTH, required=False, help_text="Put the item right after this item."
    )

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        if ("before" in attrs) == ("after" in attrs):
            raise serializers.ValidationError({"before": "Name before or after (one of them)."})
        return attrs


@api_docs.CHECKLIST
@extend_schema_view(
    list=extend_schema(
        parameters=[TASK_PK],
        responses={200: ChecklistItemSerializer(many=True), 404: ERROR},
    ),
    create=extend_schema(
        parameters=[TASK_PK],
        request=ChecklistItemCreateSerializer,
        responses={201: ChecklistItemSerializer, 400: ERROR, 403: ERROR, 404: ERROR, 409: ERROR},
    ),
    partial_update=extend_schema(
        parameters=[TASK_PK, ITEM_ID],
        responses={200: ChecklistItemSerializer, 400: ERROR, 403: ERROR, 404: ERROR, 409: ERROR},
    ),
    destroy=extend_schema(
        parameters=[TASK_PK, ITEM_ID],
        responses={204: None, 403: ERROR, 404: ERROR, 409: ERROR},
    ),
)
class ChecklistViewSet(viewsets.GenericViewSet):
    serializer_class = ChecklistItemSerializer
    queryset = ChecklistItem.objects.none()  # the schema's model; reads go through checklists
    pagination_class = None
    lookup_value_regex = ID_REGEX
    http_method_names = ["get", "post", "patch", "delete", "head", "options"]

    def _task(self) -> Task:
        # Writes check the role before the body: a viewer's write is a 403 whatever
        # it sends, a non-member's a 404.
        if self.request.method in ("GET", "HEAD", "OPTIONS"):
            return permissions.get_visible_task(self.request.user, self.kwargs["task_pk"])
        return permissions.get_task_for_update(self.request.user, self.kwargs["task_pk"])

    def list(self, request: Request, task_pk: str) -> Response:
        rows = checklists.task_checklist(self._task())
        return Response(ChecklistItemSerializer(rows, many=True).data)

    def create(self, request: Request, task_pk: str) -> Response:
        task = self._task()
        data = ChecklistItemCreateSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        item, _ = checklists.checklist_item_add(
            actor=request.user,
            task=task,
            text=data.validated_data["text"],
            before=data.validated_data.get("before"),
            after=data.validated_data.get("after"),
            done=data.validated_data.get("done", False),
        )
        return Response(ChecklistItemSerializer(item).data, status=status.HTTP_201_CREATED)

    def partial_update(self, request: Request, task_pk: str, pk: str) -> Response:
        task = self._task()
        item = checklists.get_checklist_item(task, pk)
        data = ChecklistItemSerializer(data=request.data, partial=True)
        data.is_valid(raise_exception=True)
        item, _ = checklists.checklist_item_update(
            actor=request.user,
            task=task,
            item=item,
            text=data.validated_data.get("text"),
            done=data.validated_data.get("done"),
        )
        return Response(ChecklistItemSerializer(item).data)

    def destroy(self, request: Request, task_pk: str, pk: str) -> Response:
        task = self._task()
        item = checklists.get_checklist_item(task, pk)
        checklists.checklist_item_delete(actor=request.user, task=task, item=item)
        return Response(status=status.HTTP_204_NO_CONTENT)

    @extend_schema(
        parameters=[TASK_PK, ITEM_ID],
        request=ChecklistMoveSerializer,
        responses={200: ChecklistItemSerializer, 400: ERROR, 403: ERROR, 404: ERROR, 409: ERROR},
    )
    @action(detail=True, methods=["post"])
    def move(self, request: Request, task_pk: str, pk: str) -> Response:
        task = self._task()
        item = checklists.get_checklist_item(task, pk)
        data = ChecklistMoveSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        item, _ = checklists.checklist_item_move(
            actor=request.user,
            task=task,
            item=item,
            before=data.validated_data.get("before"),
            after=data.validated_data.get("after"),
        )
        return Response(ChecklistItemSerializer(item).data)
