"""manage.py seed_demo: a demo user with realistic tasks. Safe to re-run: the user is
reused and tasks are only topped up to --tasks."""

from __future__ import annotations

import random
import secrets
from typing import Any

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError, CommandParser

from tasks import demo
from tasks.management.commands._util import validation_message
from tasks.selectors import visible_tasks


class Command(BaseCommand):
    help = "Create a demo user (demo@taskflow.local by default) with realistic tasks."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--email", default=demo.DEMO_EMAIL)
        parser.add_argument("--password", help="Default: a random one, printed.")
        parser.add_argument("--tasks", type=int, default=60, help="How many tasks (0-5000).")
        parser.add_argument("--seed", type=int, help="Random seed for repeatable data.")

    def handle(self, *args: Any, **options: Any) -> None:
        count = options["tasks"]
        if not 0 <= count <= 5000:
            raise CommandError("--tasks must be between 0 and 5000.")
        password = options["password"] or secrets.token_urlsafe(12)
        try:
            user, created = demo.get_or_create_demo_user(email=options["email"], password=password)
        except ValidationError as exc:
            raise CommandError(validation_message(exc)) from None
        missing = max(0, count - visible_tasks(user).count())
        rng = random.Random(options["seed"])  # noqa: S311 - demo data, not secrets
        demo.seed_tasks(owner=user, count=missing, rng=rng)
        verb = "Created" if created else "Reused"
        self.stdout.write(f"{verb} demo user {user.email} (password: {password})")
        self.stdout.write(self.style.SUCCESS(f"Added {missing} tasks ({count} wanted in all)."))
