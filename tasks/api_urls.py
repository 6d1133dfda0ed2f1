from django.urls import path, re_path
from rest_framework.exceptions import NotFound
from rest_framework.request import Request
from rest_framework.routers import DefaultRouter
from rest_framework.views import APIView

from projects.api import (
    InvitationViewSet,
    MemberViewSet,
    ProjectInvitationViewSet,
    ProjectViewSet,
)
from tasks.api import ID_REGEX, CommentViewSet, TaskViewSet
from tasks.board_api import BoardViewSet, ColumnViewSet
from tasks.checklist_api import ChecklistViewSet
from tasks.trash_api import TrashViewSet

router = DefaultRouter(trailing_slash=True)
router.include_root_view = False
router.register("tasks", TaskViewSet, basename="task")
router.register("comments", CommentViewSet, basename="comment")
router.register(
    rf"tasks/(?P<task_pk>{ID_REGEX})/checklist", ChecklistViewSet, basename="checklist-item"
)
router.register("projects", ProjectViewSet, basename="project")
router.register(r"projects/(?P<project_pk>[^/]+)/members", MemberViewSet, basename="member")
router.register(
    r"projects/(?P<project_pk>[^/]+)/invitations",
    ProjectInvitationViewSet,
    basename="project-invitation",
)
router.register("invitations", InvitationViewSet, basename="invitation")
router.register(r"projects/(?P<project_pk>[^/]+)/board", BoardViewSet, basename="board")
router.register(r"projects/(?P<project_pk>[^/]+)/columns", ColumnViewSet, basename="column")


class NoSuchTask(APIView):
    """A path under tasks/ that is no route: the id is not a task id (TaskViewSet admits
    ULIDs only), so the same JSON 404 as for a missing task, for every method."""

    schema = None  # not an operation

    def _not_found(self, request: Request, *args: object, **kwargs: object) -> None:
        raise NotFound()

    get = post = put = patch = delete = head = options = _not_found


urlpatterns = [
    *router.urls,
    # GET lists the trash, DELETE empties it: two methods on one collection URL, which
    # a router maps only to list/create.
    path("trash/", TrashViewSet.as_view({"get": "list", "delete": "empty"}), name="trash"),
    re_path(r"^tasks/.+$", NoSuchTask.as_view()),
]
