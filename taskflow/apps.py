"""The project package as an app, so that its system checks are registered (Django
registers checks from AppConfig.ready()), and MongoDB's command metrics where that is
the database. It has no models and imports no app."""

from __future__ import annotations

from django.apps import AppConfig
from django.conf import settings


class TaskflowConfig(AppConfig):
    name = "taskflow"
    verbose_name = "TaskFlow project"

    def ready(self) -> None:
        from django.core.signals import request_finished, request_started
        from django.db.backends.signals import connection_created

        from taskflow import backends, batched_reads, checks, request_memo

        checks.register()
        request_started.connect(request_memo.start, dispatch_uid="taskflow.request_memo.start")
        request_finished.connect(request_memo.finish, dispatch_uid="taskflow.request_memo.finish")
        request_started.connect(batched_reads.start, dispatch_uid="taskflow.batched_reads.start")
        request_finished.connect(batched_reads.finish, dispatch_uid="taskflow.batched_reads.finish")
        connection_created.connect(
            backends.use_compiled_timestamp_loader,
            dispatch_uid="taskflow.backends.use_compiled_timestamp_loader",
        )
        if settings.DATABASES["default"]["ENGINE"] == "django_mongodb_backend":
            from taskflow import mongo_metrics

            mongo_metrics.register()
