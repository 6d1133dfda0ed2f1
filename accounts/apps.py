from django.apps import AppConfig


class AccountsConfig(AppConfig):
    # No default_auto_field here: every model of ours declares its own string pk,
    # so migrations are the same on SQL and MongoDB (taskflow.backends).
    name = "accounts"
    verbose_name = "Accounts"
