"""Included before tasks.api_urls: a tasks/<not an id>/reminders/ path matches nothing
here and gets that module's JSON 404."""

from rest_framework.routers import DefaultRouter

from notifications.api import ID_REGEX, NotificationViewSet, ReminderViewSet, TaskReminderViewSet

router = DefaultRouter(trailing_slash=True)
router.include_root_view = False
router.register(
    rf"tasks/(?P<task_pk>{ID_REGEX})/reminders", TaskReminderViewSet, basename="task-reminder"
)
router.register("reminders", ReminderViewSet, basename="reminder")
router.register("notifications", NotificationViewSet, basename="notification")

urlpatterns = router.urls
