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
        from taskflow import checks

        checks.register()
        if settings.DATABASES["default"]["ENGINE"] == "django_mongodb_backend":
            from taskflow import mongo_metrics

            mongo_metrics.register()
