from rest_framework.routers import DefaultRouter

from projects.api import (
    InvitationViewSet,
    MemberViewSet,
    ProjectInvitationViewSet,
    ProjectViewSet,
)
from tasks.api import CommentViewSet, TaskViewSet

router = DefaultRouter(trailing_slash=True)
router.include_root_view = False
router.register("tasks", TaskViewSet, basename="task")
router.register("comments", CommentViewSet, basename="comment")
router.register("projects", ProjectViewSet, basename="project")
router.register(r"projects/(?P<project_pk>[^/]+)/members", MemberViewSet, basename="member")
router.register(
    r"projects/(?P<project_pk>[^/]+)/invitations",
    ProjectInvitationViewSet,
    basename="project-invitation",
)
router.register("invitations", InvitationViewSet, basename="invitation")

urlpatterns = router.urls
