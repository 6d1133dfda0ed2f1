from django.apps import AppConfig


class ProjectsConfig(AppConfig):
    # No default_auto_field: every model declares its own ULID string pk
    # (taskflow.backends), so migrations are the same on SQL and MongoDB.
    name = "projects"
    verbose_name = "Projects"

    def ready(self) -> None:
        # Every new user gets an Inbox (projects.signals): a receiver registered here,
        # not a call in accounts.services: accounts knows nothing of projects or tasks.
        # "Your data" (accounts.data): memberships in the export, the transfer-first
        # rule and the projects' part of deleting an account.
        from accounts import data
        from projects import account_data, signals  # noqa: F401

        data.register_exporter("memberships", account_data.export_memberships)
        data.register_deletion_guard(account_data.deletion_guard)
        data.register_eraser("projects", account_data.erase_user)
