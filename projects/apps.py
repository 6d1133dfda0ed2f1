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

        # Every save and delete of a membership or project: the cached memberships of
        # the users concerned are stale (projects.membership_cache; updates are caught
        # by the querysets in projects.models).
        from django.db.models.signals import post_delete, post_save, pre_save

        from projects import membership_cache as cached
        from projects.models import Membership, Project
        from taskflow import batched_reads

        # Every signed-in page renders the switcher from them.
        batched_reads.read_with_every_page("memberships", cached.cache_keys)

        pre_save.connect(cached.on_membership_saving, sender=Membership, dispatch_uid="pm.saving")
        post_save.connect(cached.on_membership_written, sender=Membership, dispatch_uid="pm.saved")
        post_delete.connect(
            cached.on_membership_written, sender=Membership, dispatch_uid="pm.deleted"
        )
        post_save.connect(cached.on_project_saved, sender=Project, dispatch_uid="pm.project")
