from django.apps import AppConfig


class NotificationsConfig(AppConfig):
    # No default_auto_field: every model declares its own ULID string pk
    # (taskflow.backends), so migrations are the same on SQL and MongoDB.
    name = "notifications"
    verbose_name = "Reminders and notifications"

    def ready(self) -> None:
        from notifications import assignments, reminders
        from tasks import events

        # A changed due date or time moves the task's relative reminders.
        events.subscribe(reminders.on_task_written)
        # A new assignee hears about it.
        events.subscribe(assignments.on_task_written)
