from django.apps import AppConfig


class CalendarsConfig(AppConfig):
    # No default_auto_field: the model declares its own ULID string pk
    # (taskflow.backends), so migrations are the same on SQL and MongoDB.
    name = "calendars"
    verbose_name = "Calendars"
