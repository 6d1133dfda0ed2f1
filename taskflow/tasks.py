"""Jobs of the project package, imported by the worker's autodiscovery of <app>.tasks
modules (`manage.py run_huey`) so that it knows them; apps have their own tasks.py."""

from taskflow import email  # noqa: F401  (registers deliver_email)
