from __future__ import annotations

from typing import Any

from django.apps import AppConfig


class AccountsConfig(AppConfig):
    # No default_auto_field here: every model of ours declares its own string pk,
    # so migrations are the same on SQL and MongoDB (taskflow.backends).
    name = "accounts"
    verbose_name = "Accounts"

    def ready(self) -> None:
        from django.contrib.auth.signals import user_logged_in, user_logged_out

        # Signals, because every door (our pages, the admin's and the browsable API's
        # login, later allauth's) ends in django.contrib.auth.login()/logout(); the
        # sessions page must list each browser session whichever door made it.
        user_logged_in.connect(_logged_in, dispatch_uid="accounts.login_sessions.in")
        user_logged_out.connect(_logged_out, dispatch_uid="accounts.login_sessions.out")

        # Every save and delete of a user: its row cached for JWT requests is stale.
        from django.db.models.signals import post_delete, post_save

        from accounts import user_cache
        from accounts.models import User

        post_save.connect(user_cache.on_user_saved, sender=User, dispatch_uid="accounts.user.saved")
        post_delete.connect(
            user_cache.on_user_deleted, sender=User, dispatch_uid="accounts.user.deleted"
        )

        # "Your data": accounts' own files of the export (other apps add theirs).
        from accounts import data, selectors

        data.register_exporter("profile", selectors.export_profile)
        data.register_exporter("api_tokens", selectors.export_api_tokens)
        data.register_exporter("sessions", selectors.export_login_sessions)


def _logged_in(sender: type, request: Any, user: Any, **kwargs: Any) -> None:
    from accounts import login_sessions

    if request is not None:
        login_sessions.record_browser(request, user)


def _logged_out(sender: type, request: Any, user: Any, **kwargs: Any) -> None:
    from accounts import login_sessions

    if request is not None:
        login_sessions.ended_by_logout(request)
