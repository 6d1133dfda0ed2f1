"""manage.py taskstats [--user EMAIL] [--json] [--verify [--fix]]: one user's stats,
global counts, or a check of the task counters against a recount."""

from __future__ import annotations

import json
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from tasks import counters, selectors
from tasks.management.commands._util import user_by_email


class Command(BaseCommand):
    help = (
        "Print task statistics for one user (--user) or for the whole site; --verify "
        "recounts every task counter (exit 1 on a mismatch), --fix repairs them."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--user", help="Email of the user (default: global counts).")
        parser.add_argument("--json", action="store_true", help="Print JSON.")
        parser.add_argument(
            "--verify",
            action="store_true",
            help="Recount every project's and assignee's counters from the tasks.",
        )
        parser.add_argument(
            "--fix", action="store_true", help="With --verify: set wrong counters right."
        )

    def handle(self, *args: Any, **options: Any) -> None:
        if options["fix"] and not options["verify"]:
            raise CommandError("--fix goes with --verify.")
        if options["verify"]:
            self._verify(fix=options["fix"], as_json=options["json"])
            return
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

    def _verify(self, *, fix: bool, as_json: bool) -> None:
        wrong = counters.mismatches()
        if as_json:
            rows = [
                {
                    "project": project,
                    "assignee": holder or None,
                    "kind": kind,
                    "key": key,
                    "stored": was,
                    "recounted": right,
                }
                for (project, holder, kind, key), (was, right) in wrong.items()
            ]
            self.stdout.write(json.dumps({"mismatches": rows, "fixed": fix}, indent=2))
        else:
            for (project, holder, kind, key), (was, right) in wrong.items():
                who = f" assignee {holder}" if holder else ""
                self.stdout.write(
                    f"project {project}{who} {kind}:{key} stored {was}, recounted {right}"
                )
            self.stdout.write(f"{len(wrong)} counters wrong{', fixed' if fix and wrong else ''}.")
        if fix:
            counters.fix(wrong)
        if wrong:
            # Still 1 after --fix: the counters were wrong, which someone should look into.
            raise SystemExit(1)
