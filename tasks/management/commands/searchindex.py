"""manage.py searchindex [--verify] [--rebuild] [--database NAME]: check the search
index against the tasks, or build it again (tasks/search_backends.py)."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import DEFAULT_DB_ALIAS, connections

from tasks import search_backends


class Command(BaseCommand):
    help = (
        "Check the full-text search index against the tasks (--verify, the default) "
        "or build it again from them (--rebuild)."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--rebuild", action="store_true", help="Drop and build the index from the tasks."
        )
        parser.add_argument(
            "--verify",
            action="store_true",
            help="Compare the index with the tasks; exit 1 if they differ (after --rebuild).",
        )
        parser.add_argument("--database", default=DEFAULT_DB_ALIAS)

    def handle(self, *args: Any, **options: Any) -> None:
        connection = connections[options["database"]]
        if options["rebuild"]:
            search_backends.rebuild(connection)
            self.stdout.write(f"Search index rebuilt ({connection.vendor}).")
            if not options["verify"]:
                return
        problems = search_backends.verify(connection)
        if problems:
            for problem in problems:
                self.stderr.write(problem)
            raise CommandError("The search index is not in step with the tasks.")
        self.stdout.write(f"Search index OK ({connection.vendor}).")
