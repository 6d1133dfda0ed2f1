from django.apps import AppConfig


class TasksConfig(AppConfig):
    name = "tasks"
    verbose_name = "Tasks"

    def ready(self) -> None:
        from tasks import events, recurrence

        # Completing a repeating task creates its next occurrence (tasks/recurrence.py).
        events.subscribe(recurrence.on_task_written)
