from typing import Any

from django.apps import AppConfig
from django.db import connections
from django.db.models.signals import post_migrate


def _repair_search_index(using: str = "default", **kwargs: Any) -> None:
    from tasks import search_backends

    search_backends.repair(connections[using])


class TasksConfig(AppConfig):
    name = "tasks"
    verbose_name = "Tasks"

    def ready(self) -> None:
        from tasks import events, recurrence

        # Completing a repeating task creates its next occurrence (tasks/recurrence.py).
        events.subscribe(recurrence.on_task_written)
        # SQLite's table rebuilds (migrations) drop the search index's triggers.
        post_migrate.connect(_repair_search_index, sender=self)

        # "Your data" (accounts.data): tasks, checklists, comments and activity in the
        # export; tasks created in projects that outlive a deleted account are handed
        # over.
        from accounts import data
        from tasks import account_data

        data.register_exporter("tasks", account_data.export_tasks)
        data.register_exporter("checklist_items", account_data.export_checklist_items)
        data.register_exporter("comments", account_data.export_comments)
        data.register_exporter("activity", account_data.export_activity)
        data.register_exporter("saved_filters", account_data.export_saved_filters)

        # Every signed-in page's nav shows the pinned saved filters (taskflow.batched_reads).
        from taskflow import batched_reads
        from tasks import saved_filters

        batched_reads.read_with_every_page("saved filters", saved_filters.cache_keys)

        # The start page preference (accounts keeps the choice; the pages are here).
        from accounts import preferences
        from tasks import start_page

        preferences.register_start_pages(
            url=start_page.start_url, project_choices=start_page.start_project_choices
        )
        data.register_eraser("tasks", account_data.hand_over_created_tasks)
