from django.apps import AppConfig


class ProjectsConfig(AppConfig):
    # No default_auto_field: every model declares its own ULID string pk
    # (taskflow.backends), so migrations are the same on SQL and MongoDB.
    name = "projects"
    verbose_name = "Projects"

    def ready(self) -> None:
        # Every new user gets an Inbox. A receiver registered here, not a call in
        # accounts.services: accounts knows nothing of projects or tasks.
        from projects import signals  # noqa: F401
