"""JSON API for reminders and notifications (SPEC §9). Thin: task access through the
permission layer (``tasks.selectors.get_visible_task``: a task the caller cannot see
is a 404), writes through notifications.reminders / notifications.services."""

from __future__ import annotations

from typing import Any

from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_view
from rest_framework import status, viewsets
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response

from notifications import api_docs, reminders, services
from notifications.models import Notification, Reminder
from notifications.serializers import (
    MarkReadResultSerializer,
    MarkReadSerializer,
    NotificationSerializer,
    ReminderSerializer,
)
from taskflow.ids import ID_PATTERN
from tasks import selectors as task_selectors
from tasks.api import ERROR, LIST_PARAMETERS, page_serializer
from tasks.pagination import paginated_body

ID_REGEX = ID_PATTERN.pattern.removeprefix("^").removesuffix("$")
NotificationPage = page_serializer("NotificationPage", NotificationSerializer)
TASK_PK = OpenApiParameter(
    "task_pk",
    {"type": "string", "pattern": ID_PATTERN.pattern},
    OpenApiParameter.PATH,
    description="The task's id (26-character ULID).",
)
REMINDER_ID = OpenApiParameter(
    "id",
    {"type": "string", "pattern": ID_PATTERN.pattern},
    OpenApiParameter.PATH,
    description="The reminder's id (26-character ULID).",
)


@api_docs.TASK_REMINDERS
@extend_schema_view(
    list=extend_schema(
        parameters=[TASK_PK],
        responses={200: ReminderSerializer(many=True), 404: ERROR},
    ),
    create=extend_schema(
        parameters=[TASK_PK],
        responses={201: ReminderSerializer, 400: ERROR, 404: ERROR},
    ),
)
class TaskReminderViewSet(viewsets.GenericViewSet):
    serializer_class = ReminderSerializer
    queryset = Reminder.objects.none()  # the schema's model; reads go through reminders
    pagination_class = None
    http_method_names = ["get", "post", "head", "options"]

    def list(self, request: Request, task_pk: str) -> Response:
        task = task_selectors.get_visible_task(request.user, task_pk)
        rows = reminders.task_reminders(user=request.user, task=task)
        return Response(ReminderSerializer(rows, many=True).data)

    def create(self, request: Request, task_pk: str) -> Response:
        task = task_selectors.get_visible_task(request.user, task_pk)
        data = ReminderSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        # A rule broken (neither or both, no due date) is a Django ValidationError: the
        # exception handler (taskflow/errors.py) answers 400 with the field.
        reminder = reminders.reminder_create(
            actor=request.user,
            task=task,
            at=data.validated_data.get("at"),
            before_due_minutes=data.validated_data.get("before_due_minutes"),
        )
        return Response(ReminderSerializer(reminder).data, status=status.HTTP_201_CREATED)


@api_docs.REMINDERS
@extend_schema_view(
    destroy=extend_schema(parameters=[REMINDER_ID], responses={204: None, 404: ERROR}),
)
class ReminderViewSet(viewsets.GenericViewSet):
    serializer_class = ReminderSerializer
    queryset = Reminder.objects.none()
    lookup_value_regex = ID_REGEX
    http_method_names = ["delete", "options"]

    def destroy(self, request: Request, pk: str) -> Response:
        reminder = reminders.get_own_reminder(request.user, pk)
        reminders.reminder_delete(actor=request.user, reminder=reminder)
        return Response(status=status.HTTP_204_NO_CONTENT)


@api_docs.NOTIFICATIONS
@extend_schema_view(
    list=extend_schema(
        parameters=LIST_PARAMETERS,
        responses={200: NotificationPage, 400: ERROR, 404: ERROR},
    ),
)
class NotificationViewSet(viewsets.GenericViewSet):
    serializer_class = NotificationSerializer
    queryset = Notification.objects.none()
    http_method_names = ["get", "post", "head", "options"]

    def list(self, request: Request) -> Response:
        return Response(
            paginated_body(
                request,
                services.user_notifications(request.user),
                "-rank",
                lambda rows: NotificationSerializer(rows, many=True).data,
            )
        )

    @extend_schema(
        request=MarkReadSerializer,
        responses={200: MarkReadResultSerializer, 400: ERROR},
    )
    @action(detail=False, methods=["post"])
    def read(self, request: Request) -> Response:
        data = MarkReadSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        marked = services.mark_read(
            user=request.user,
            ids=data.validated_data.get("ids"),
            everything=bool(data.validated_data.get("all")),
        )
        body: dict[str, Any] = {"marked": marked, "unread": services.unread_count(request.user)}
        return Response(MarkReadResultSerializer(body).data)
