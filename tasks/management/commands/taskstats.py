"""manage.py taskstats [--user EMAIL] [--json]: one user's stats, or global counts."""

from __future__ import annotations

import json
from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from tasks import selectors
from tasks.management.commands._util import user_by_email


class Command(BaseCommand):
    help = "Print task statistics for one user (--user) or for the whole site."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--user", help="Email of the user (default: global counts).")
        parser.add_argument("--json", action="store_true", help="Print JSON.")

    def handle(self, *args: Any, **options: Any) -> None:
        if options["user"]:
            user = user_by_email(options["user"])
            title, stats = f"Tasks of {user.email}", selectors.task_stats(user)
        else:
            title, stats = "All tasks", selectors.global_task_stats()
        if options["json"]:
            self.stdout.write(json.dumps(stats, indent=2))
            return
        self.stdout.write(title)
        for key, value in stats.items():
            if isinstance(value, dict):
                parts = ", ".join(f"{name} {count}" for name, count in value.items())
                self.stdout.write(f"  {key}: {parts}")
            else:
                self.stdout.write(f"  {key}: {value}")
