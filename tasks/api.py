"""JSON API for tasks. Thin: reads go through selectors, writes through services."""

from __future__ import annotations

import re
from typing import Any

from django.db.models import QuerySet
from django.http import Http404, StreamingHttpResponse
from django.urls import reverse
from django.utils import timezone
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import (
    OpenApiParameter,
    OpenApiResponse,
    extend_schema,
    extend_schema_serializer,
    extend_schema_view,
)
from rest_framework import serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import ValidationError
from rest_framework.renderers import JSONRenderer
from rest_framework.request import Request
from rest_framework.response import Response

from projects import roles
from projects.models import Project
from taskflow import query_shapes
from taskflow.errors import PreconditionFailedError
from taskflow.fields import pattern
from taskflow.ids import ID_LENGTH, ID_PATTERN
from tasks import api_docs, board, comments, exchange, permissions, selectors, services
from tasks.activity_serializers import ActivitySerializer, CommentSerializer
from tasks.board_serializers import CardSerializer, MoveSerializer, card_body
from tasks.filters import SEARCH_MAX, TaskFilter
from tasks.models import TAG_MAX_LENGTH, Task
from tasks.pagination import (
    MAX_PAGE_NUMBER,
    MAX_PAGE_SIZE,
    Page,
    page_url,
    paginate,
    paginated_body,
)
from tasks.serializers import (
    TASK_OUTPUT_FIELDS,
    BulkActionSerializer,
    BulkResultSerializer,
    QuickAddPreviewSerializer,
    QuickAddSerializer,
    StatsSerializer,
    TaskSerializer,
    task_representation,
)

IDEMPOTENCY_HEADER = "Idempotency-Key"
_ETAG_VERSION = re.compile(r'^(?:W/)?"?(\d{1,10})"?$')

ERROR = OpenApiResponse(description='{"detail": "...", "code": "..."}')
LIST_PARAMETERS = [
    OpenApiParameter("cursor", str, description="Opaque cursor from next/previous."),
    OpenApiParameter(
        "page",
        {"type": "integer", "minimum": 1, "maximum": MAX_PAGE_NUMBER},
        description=f"Page number, 1-{MAX_PAGE_NUMBER} (adds `count`); cursor if absent. "
        "404 past the last page.",
    ),
    OpenApiParameter(
        "page_size",
        {"type": "integer", "minimum": 1, "maximum": MAX_PAGE_SIZE},
        description=f"1-{MAX_PAGE_SIZE}, default 20.",
    ),
]


def _text_filter(name: str, max_length: int, description: str | None = None) -> Any:
    # The FilterSet's form fields refuse a NUL and anything longer (400), so the schema
    # says both: a client that trusts it never sends what the server refuses.
    return OpenApiParameter(
        name,
        {"type": "string", "maxLength": max_length, "pattern": pattern(blank_refused=False)},
        description=description,
    )


# The list's filters as the server checks them (tasks/filters.py, _LIST_VALUE_RULES);
# the board's are the same (tasks/board_api.py). Without these the schema showed
# django-filter's plain strings (make fuzz: a search with a NUL on the board was a 400).
FILTER_PARAMETERS = [
    _text_filter("assignee", ID_LENGTH, "A user id or `me`."),
    _text_filter("created_by", ID_LENGTH, "A user id or `me`."),
    _text_filter("project", ID_LENGTH, "A project id (one of yours)."),
    _text_filter("tag", TAG_MAX_LENGTH),
    _text_filter("search", SEARCH_MAX, "Words in the title or description."),
    OpenApiParameter("overdue", {"type": "string", "enum": ["true", "false"]}),
]
IF_MATCH = OpenApiParameter(
    "If-Match",
    str,
    OpenApiParameter.HEADER,
    description='The ETag read earlier (e.g. "3"), or `*`. 412 if the task changed since, '
    "and for any value that cannot match the current ETag: empty, unparseable or stale "
    "(RFC 9110 13.1.1).",
)
# Task ids are ULIDs (taskflow.ids): the routes and the schema admit nothing else, so
# no id can reach another route (`stats`, `bulk`, `export`).
ID_REGEX = ID_PATTERN.pattern.removeprefix("^").removesuffix("$")
TASK_ID = OpenApiParameter(
    "id",
    {"type": "string", "pattern": ID_PATTERN.pattern},
    OpenApiParameter.PATH,
    description="The task's id (26-character ULID).",
)
# The API is stricter than the shared FilterSet (whose HTML form sends empty fields and
# whose Django fields accept other spellings), so the schema can be exact: no empty
# values, ISO dates, true/false, plain digits.
_LIST_VALUE_RULES = {
    "due_after": (re.compile(r"^\d{4}-\d{2}-\d{2}$"), "Enter a date as YYYY-MM-DD."),
    "due_before": (re.compile(r"^\d{4}-\d{2}-\d{2}$"), "Enter a date as YYYY-MM-DD."),
    "overdue": (re.compile(r"^(?:true|false)$"), "Enter true or false."),
    "page": (re.compile(r"^\d{1,9}$"), "Enter a whole number."),
    "page_size": (re.compile(r"^\d{1,9}$"), "Enter a whole number."),
}
# Free text (search, tag, cursor) may be empty or blank: "" is a string the schema admits.
_NOT_BLANK = ("status", "priority", "ordering", *_LIST_VALUE_RULES)


# many=False: the page object itself is the list response, not an array of pages.
@extend_schema_serializer(many=False)
class TaskPageSerializer(serializers.Serializer):
    next = serializers.URLField(allow_null=True)
    previous = serializers.URLField(allow_null=True)
    count = serializers.IntegerField(required=False)
    results = TaskSerializer(many=True)


def _expected_version(request: Request) -> int | None:
    """The version named by If-Match; None without the header; 412 if unparseable."""
    header = request.headers.get("If-Match")
    if header is None or header.strip() == "*":
        return None
    for candidate in header.split(","):
        match = _ETAG_VERSION.match(candidate.strip())
        if match:
            return int(match.group(1))
    raise PreconditionFailedError()


def _check_list_params(params: Any) -> None:
    """400 for a list parameter the schema does not admit (see _LIST_VALUE_RULES)."""
    errors: dict[str, str] = {}
    for name in _NOT_BLANK:
        value = params.get(name)
        if value is None:
            continue
        if not value.strip():
            errors[name] = "May not be blank; leave the parameter out instead."
            continue
        rule = _LIST_VALUE_RULES.get(name)
        if rule and not rule[0].match(value):
            errors[name] = rule[1]
    if errors:
        raise ValidationError(errors)


def _none_match(header: str | None, task: Task) -> bool:
    """If-None-Match hits: ``*`` or any listed tag equal to the ETag, weak or not
    (RFC 9110 uses the weak comparison for If-None-Match)."""
    if not header:
        return False
    tags = [tag.strip().removeprefix("W/") for tag in header.split(",")]
    return "*" in tags or task.etag in tags


def _with_etag(response: Response, task: Any) -> Response:
    response["ETag"] = task.etag
    return response


# Public names for the other APIs that follow the same conventions (projects).
expected_version = _expected_version
with_etag = _with_etag


def page_serializer(name: str, item: type[serializers.Serializer]) -> type:
    """A {next, previous, count?, results[]} schema component for ``item``."""
    return extend_schema_serializer(many=False)(
        type(
            name,
            (serializers.Serializer,),
            {
                "next": serializers.URLField(allow_null=True),
                "previous": serializers.URLField(allow_null=True),
                "count": serializers.IntegerField(required=False),
                "results": item(many=True),
            },
        )
    )


def target_project(user: Any, project_id: str) -> Project:
    """A project named in a request body that ``user`` may put tasks into (editor+):
    a 400 field error if it is missing or not theirs (no existence leak), 403 for a
    member below editor."""
    try:
        return roles.get_project_for(user, project_id, roles.EDIT)
    except Http404:
        raise ValidationError({"project": "No such project."}) from None


def target_project_id(user: Any, project_id: str) -> str:
    """The id of ``target_project``."""
    return target_project(user, project_id).pk


ActivityPageSerializer = page_serializer("ActivityPage", ActivitySerializer)
CommentPageSerializer = page_serializer("CommentPage", CommentSerializer)


@api_docs.TASKS
@extend_schema_view(
    list=extend_schema(
        parameters=[*LIST_PARAMETERS, *FILTER_PARAMETERS],
        responses={200: TaskPageSerializer, 400: ERROR, 404: ERROR},
    ),
    retrieve=extend_schema(
        parameters=[TASK_ID], responses={200: TaskSerializer, 304: None, 404: ERROR}
    ),
    destroy=extend_schema(
        parameters=[
            TASK_ID,
            IF_MATCH,
            OpenApiParameter(
                "permanent",
                bool,
                default=False,
                description="false (the default): move the task to the trash, where it "
                "stays 30 days and can be restored (`POST /api/tasks/{id}/restore/`). "
                "true: delete it for good, with its comments and reminders; this also "
                "reaches a task already in the trash.",
            ),
        ],
        responses={204: None, 400: ERROR, 404: ERROR, 409: ERROR, 412: ERROR},
    ),
)
class TaskViewSet(viewsets.GenericViewSet):
    serializer_class = TaskSerializer
    filterset_class = TaskFilter
    lookup_value_regex = ID_REGEX

    def get_queryset(self) -> Any:
        return selectors.visible_tasks(self.request.user)

    def cache_keys_with_user(self, user_id: str) -> list[str]:
        """The shared cache's keys this request reads next, read in its authentication's
        round trip (taskflow.batched_reads): the stats entry, or a list's memberships."""
        if self.action == "stats":
            return selectors.task_stats_cache_keys(user_id)
        if self.action == "list":
            return permissions.member_project_cache_keys(user_id)
        return []

    def get_object(self) -> Task:
        if self.request.method in ("GET", "HEAD", "OPTIONS"):
            return selectors.get_visible_task(self.request.user, self.kwargs["pk"])
        return permissions.get_task_for_update(self.request.user, self.kwargs["pk"])

    def list(self, request: Request) -> Response:
        # Rows, not tasks: the output needs TASK_OUTPUT_FIELDS only (task_representation).
        rows = selectors.visible_task_rows(
            request.user, TASK_OUTPUT_FIELDS, search=request.query_params.get("search")
        )
        filters = TaskFilter(request.query_params, queryset=rows, request=request)
        _check_list_params(request.query_params)
        if not filters.is_valid():
            raise ValidationError(filters.errors)
        queryset, ordering = filters.list_query(reader=request.user)

        def read(rows: QuerySet) -> Page:
            return paginate(
                rows,
                request.query_params,
                ordering,
                parts=filters.page_parts,
                fields=TASK_OUTPUT_FIELDS,
                shape=query_shapes.key_of(rows),
            )

        page = filters.read_page(queryset, read)
        base = request.build_absolute_uri(request.path)
        body: dict[str, Any] = {
            "next": page_url(base, request.query_params, page.next_params),
            "previous": page_url(base, request.query_params, page.previous_params),
        }
        if page.count is not None:
            body["count"] = page.count
        zone = timezone.get_current_timezone()
        body["results"] = [task_representation(row, zone) for row in page.items]
        return Response(body)

    @extend_schema(
        parameters=[
            OpenApiParameter(
                IDEMPOTENCY_HEADER,
                {"type": "string", "minLength": 1, "maxLength": 255},
                OpenApiParameter.HEADER,
                description="Retrying with the same key and body returns the first task "
                "instead of creating another; the same key with another body is a 422. "
                "Keys are kept 24 hours, per user.",
            )
        ],
        responses={201: TaskSerializer, 400: ERROR, 422: ERROR},
    )
    def create(self, request: Request) -> Response:
        key = request.headers.get(IDEMPOTENCY_HEADER)
        if key is not None and not 1 <= len(key.strip()) <= 255:
            raise ValidationError({IDEMPOTENCY_HEADER: "Must be 1-255 characters."})
        data = TaskSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        project = None
        if data.validated_data.get("project_id"):
            project = target_project(request.user, data.validated_data["project_id"])
            data.validated_data["project_id"] = project.pk
        task, created = services.task_create(
            actor=request.user,
            project=project,
            idempotency_key=key.strip() if key else None,
            fingerprint=services.request_fingerprint(data.validated_data) if key else "",
            **data.validated_data,
        )
        response = Response(task_representation(task), status=status.HTTP_201_CREATED)
        response["Location"] = reverse("api:task-detail", kwargs={"pk": task.pk})
        if not created:
            response["Idempotent-Replayed"] = "true"
        return _with_etag(response, task)

    def retrieve(self, request: Request, pk: str) -> Response:
        task = self.get_object()
        if _none_match(request.headers.get("If-None-Match"), task):
            return _with_etag(Response(status=status.HTTP_304_NOT_MODIFIED), task)
        return _with_etag(Response(TaskSerializer(task).data), task)

    @extend_schema(
        parameters=[TASK_ID, IF_MATCH],
        responses={200: TaskSerializer, 400: ERROR, 404: ERROR, 409: ERROR, 412: ERROR},
    )
    def update(self, request: Request, pk: str) -> Response:
        return self._update(request, partial=False)

    @extend_schema(
        parameters=[TASK_ID, IF_MATCH],
        responses={200: TaskSerializer, 400: ERROR, 404: ERROR, 409: ERROR, 412: ERROR},
    )
    def partial_update(self, request: Request, pk: str) -> Response:
        return self._update(request, partial=True)

    def _update(self, request: Request, *, partial: bool) -> Response:
        task = self.get_object()
        # The body first: an invalid request is a 400 whatever its If-Match says (the
        # schema promises 400 for it; a 412 would tell the client to re-read and retry).
        data = TaskSerializer(data=request.data, partial=partial)
        data.is_valid(raise_exception=True)
        expected = _expected_version(request)
        if data.validated_data.get("project_id", task.project_id) != task.project_id:
            data.validated_data["project_id"] = target_project_id(
                request.user, data.validated_data["project_id"]
            )
        elif not partial:
            data.validated_data.setdefault("project_id", task.project_id)
        task = services.task_update(
            actor=request.user, task=task, changes=data.validated_data, expected_version=expected
        )
        return _with_etag(Response(TaskSerializer(task).data), task)

    def destroy(self, request: Request, pk: str) -> Response:
        permanent = request.query_params.get("permanent", "false")
        if permanent not in ("true", "false"):
            raise ValidationError({"permanent": "Enter true or false."})
        if permanent == "false":
            task = self.get_object()
            services.task_trash(
                actor=request.user, task=task, expected_version=_expected_version(request)
            )
            return Response(status=status.HTTP_204_NO_CONTENT)
        try:
            task = self.get_object()
        except Http404:
            # "Delete forever" from the trash: the one other way a trashed task's id
            # answers, besides restore.
            task = permissions.get_trashed_task(request.user, pk)
        services.task_delete_permanently(
            actor=request.user, task=task, expected_version=_expected_version(request)
        )
        return Response(status=status.HTTP_204_NO_CONTENT)

    @extend_schema(
        parameters=[TASK_ID],
        request=None,
        responses={200: TaskSerializer, 403: ERROR, 404: ERROR},
    )
    @action(detail=True, methods=["post"])
    def restore(self, request: Request, pk: str) -> Response:
        try:
            task = permissions.get_trashed_task(request.user, pk)
        except Http404:
            # Not in the trash: a retried restore finds the task live (200, no write);
            # otherwise the same 404/403 as any other write on it.
            task = permissions.get_task_for_update(request.user, pk)
        task = services.task_restore(actor=request.user, task=task)
        return _with_etag(Response(TaskSerializer(task).data), task)

    @extend_schema(request=BulkActionSerializer, responses={200: BulkResultSerializer, 400: ERROR})
    @action(detail=False, methods=["post"])
    def bulk(self, request: Request) -> Response:
        data = BulkActionSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        ids = data.validated_data["ids"]
        if data.validated_data["action"] == "delete":
            count = services.tasks_bulk_delete(actor=request.user, ids=ids)
        elif data.validated_data["action"] == "move":
            project_id = target_project_id(request.user, data.validated_data["project"])
            count = services.tasks_bulk_move(actor=request.user, ids=ids, project_id=project_id)
        elif data.validated_data["action"] == "assign":
            count = services.tasks_bulk_assign(
                actor=request.user, ids=ids, assignee_id=data.validated_data["assignee"]
            )
        else:
            count = services.tasks_bulk_set_status(
                actor=request.user, ids=ids, status=data.validated_data["status"]
            )
        return Response({"updated": count})

    @extend_schema(
        parameters=[TASK_ID, IF_MATCH],
        request=MoveSerializer,
        responses={200: CardSerializer, 400: ERROR, 403: ERROR, 404: ERROR, 412: ERROR},
    )
    @action(detail=True, methods=["post"])
    def move(self, request: Request, pk: str) -> Response:
        task = permissions.get_task_for_update(request.user, pk)
        data = MoveSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        expected = data.validated_data.get("version")
        moved = board.task_move(
            actor=request.user,
            task=task,
            column_id=data.validated_data["column"],
            before=data.validated_data.get("before"),
            after=data.validated_data.get("after"),
            expected_version=_expected_version(request) if expected is None else expected,
        )
        return _with_etag(Response(card_body(moved)), moved)

    @extend_schema(
        parameters=LIST_PARAMETERS,
        responses={200: ActivityPageSerializer, 400: ERROR, 404: ERROR},
    )
    @action(detail=True, methods=["get"])
    def activity(self, request: Request, pk: str) -> Response:
        task = selectors.get_visible_task(request.user, pk)
        return Response(
            paginated_body(
                request,
                comments.task_activity(task.pk),
                "-created_at",
                lambda rows: ActivitySerializer(rows, many=True).data,
            )
        )

    @extend_schema(
        methods=["GET"],
        parameters=LIST_PARAMETERS,
        responses={200: CommentPageSerializer, 400: ERROR, 404: ERROR},
    )
    @extend_schema(
        methods=["POST"],
        request=CommentSerializer,
        responses={201: CommentSerializer, 400: ERROR, 403: ERROR, 404: ERROR},
    )
    @action(detail=True, methods=["get", "post"])
    def comments(self, request: Request, pk: str) -> Response:
        task = selectors.get_visible_task(request.user, pk)
        if request.method == "POST":
            data = CommentSerializer(data=request.data)
            data.is_valid(raise_exception=True)
            comment = comments.comment_create(
                actor=request.user, task=task, body=data.validated_data["body"]
            )
            return Response(CommentSerializer(comment).data, status=status.HTTP_201_CREATED)
        return Response(
            paginated_body(
                request,
                comments.task_comments(task),
                "created_at",
                lambda rows: CommentSerializer(rows, many=True).data,
            )
        )

    @extend_schema(
        request=QuickAddSerializer,
        parameters=[
            OpenApiParameter(
                "preview",
                str,
                enum=["true", "false"],
                description="true: answer 200 with what would be saved, write nothing.",
            )
        ],
        responses={
            201: TaskSerializer,
            200: QuickAddPreviewSerializer,
            400: ERROR,
            403: ERROR,
        },
    )
    @action(detail=False, methods=["post"])
    def quick(self, request: Request) -> Response:
        """Quick add: one line of text ("Pay rent fri 9am !high #home @ana every
        month") becomes a task; words not understood stay in the title. With
        `project` (editor or above; a project you cannot see is a 400 on `project`,
        as for POST tasks/; a viewer gets 403) the task goes there and an @name that
        names one member who may be assigned becomes the assignee; without it, your
        Inbox."""
        preview = request.query_params.get("preview", "false")
        if preview not in ("true", "false"):
            raise ValidationError({"preview": "Enter true or false."})
        data = QuickAddSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        project = None
        if "project" in data.validated_data:
            project = target_project(request.user, data.validated_data["project"])
        understood, task = services.task_quick_add(
            actor=request.user,
            text=data.validated_data["text"],
            preview=preview == "true",
            project=project,
        )
        if task is None:
            return Response(QuickAddPreviewSerializer(understood).data)
        response = Response(task_representation(task), status=status.HTTP_201_CREATED)
        response["Location"] = reverse("api:task-detail", kwargs={"pk": task.pk})
        return _with_etag(response, task)

    @extend_schema(responses={200: StatsSerializer})
    @action(detail=False, methods=["get"])
    def stats(self, request: Request) -> Response:
        return Response(selectors.task_stats(request.user))

    @extend_schema(
        parameters=[
            OpenApiParameter("format", str, enum=[*exchange.FORMATS], default="csv"),
        ],
        responses={
            (200, "text/csv"): OpenApiTypes.STR,
            (200, "application/json"): OpenApiTypes.ANY,
            400: ERROR,
        },
    )
    @action(detail=False, methods=["get"])
    def export(self, request: Request) -> StreamingHttpResponse:
        fmt = request.query_params.get("format", "csv")
        if fmt not in exchange.FORMATS:
            raise ValidationError({"format": "Choose csv or json."})
        content_type = "text/csv; charset=utf-8" if fmt == "csv" else "application/json"
        response = StreamingHttpResponse(
            exchange.stream(self.get_queryset(), fmt, user=request.user), content_type=content_type
        )
        response["Content-Disposition"] = f'attachment; filename="tasks.{fmt}"'
        return response

    def perform_content_negotiation(self, request: Request, force: bool = False) -> Any:
        # ?format= names the export's file format here, not a DRF renderer; the same
        # holds for the 405 answered to other methods on the export URL (action None).
        if self.action in ("export", None):
            return JSONRenderer(), JSONRenderer.media_type
        return super().perform_content_negotiation(request, force)


@api_docs.COMMENTS
@extend_schema_view(
    partial_update=extend_schema(
        request=CommentSerializer,
        responses={200: CommentSerializer, 400: ERROR, 403: ERROR, 404: ERROR},
    ),
    destroy=extend_schema(responses={204: None, 403: ERROR, 404: ERROR}),
)
class CommentViewSet(viewsets.GenericViewSet):
    """Edit (author) or delete (author, admins) one comment."""

    serializer_class = CommentSerializer
    lookup_value_regex = "[^/]+"
    http_method_names = ["patch", "delete", "options"]

    def get_queryset(self) -> Any:
        return Task.objects.none()

    def partial_update(self, request: Request, pk: str) -> Response:
        comment = comments.get_visible_comment(request.user, pk)
        data = CommentSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        comment = comments.comment_update(
            actor=request.user, comment=comment, body=data.validated_data["body"]
        )
        return Response(CommentSerializer(comment).data)

    def destroy(self, request: Request, pk: str) -> Response:
        comment = comments.get_visible_comment(request.user, pk)
        comments.comment_delete(actor=request.user, comment=comment)
        return Response(status=status.HTTP_204_NO_CONTENT)
