from django.apps import AppConfig


class TasksConfig(AppConfig):
    name = "tasks"
    verbose_name = "Tasks"

    def ready(self) -> None:
        from tasks import events, recurrence

        # Completing a repeating task creates its next occurrence (tasks/recurrence.py).
        events.subscribe(recurrence.on_task_written)

        # "Your data" (accounts.data): tasks, comments and activity in the export;
        # tasks created in projects that outlive a deleted account are handed over.
        from accounts import data
        from tasks import account_data

        data.register_exporter("tasks", account_data.export_tasks)
        data.register_exporter("comments", account_data.export_comments)
        data.register_exporter("activity", account_data.export_activity)
        data.register_exporter("saved_filters", account_data.export_saved_filters)

        # The start page preference (accounts keeps the choice; the pages are here).
        from accounts import preferences
        from tasks import start_page

        preferences.register_start_pages(
            url=start_page.start_url, project_choices=start_page.start_project_choices
        )
        data.register_eraser("tasks", account_data.hand_over_created_tasks)
