from django.apps import AppConfig


class NotificationsConfig(AppConfig):
    # No default_auto_field: every model declares its own ULID string pk
    # (taskflow.backends), so migrations are the same on SQL and MongoDB.
    name = "notifications"
    verbose_name = "Reminders and notifications"

    def ready(self) -> None:
        from accounts import data

        # Every signed-in page shows the bell's count (taskflow.batched_reads).
        from notifications import account_data, assignments, reminders, services
        from taskflow import batched_reads
        from tasks import events, recurrence

        batched_reads.read_with_every_page("unread notifications", services.unread_cache_keys)

        data.register_exporter("reminders", account_data.export_reminders)
        data.register_exporter("notifications", account_data.export_notifications)

        # A changed due date or time moves the task's relative reminders.
        events.subscribe(reminders.on_task_written)
        # The next occurrence of a repeating task gets its reminders again.
        recurrence.subscribe_next_occurrence(reminders.copy_to_next_occurrence)
        # A new assignee hears about it.
        events.subscribe(assignments.on_task_written)
