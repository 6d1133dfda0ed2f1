"""The project package as an app, only so that its system checks are registered
(Django registers checks from AppConfig.ready()). It has no models and imports no app."""

from __future__ import annotations

from django.apps import AppConfig


class TaskflowConfig(AppConfig):
    name = "taskflow"
    verbose_name = "TaskFlow project"

    def ready(self) -> None:
        from taskflow import checks

        checks.register()
