"""manage.py import_tasks --user EMAIL FILE: load a CSV or JSON export.

All or nothing: when any row is invalid, every bad row is listed, nothing is imported
and the exit status is 1. Rows already present (an export imported again) are skipped,
never duplicated (tasks.services.tasks_import)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from tasks import exchange
from tasks.management.commands._util import user_by_email

MAX_FILE_BYTES = 50 * 1024 * 1024


class Command(BaseCommand):
    help = "Import tasks for a user from a CSV or JSON file (the export format)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", help="Path of the .csv or .json file.")
        parser.add_argument("--user", required=True, help="Email of the owner.")
        parser.add_argument(
            "--format", choices=exchange.FORMATS, help="Default: from the file extension."
        )
        parser.add_argument(
            "--progress-every", type=int, default=1000, help="Report progress every N rows."
        )

    def handle(self, *args: Any, **options: Any) -> None:
        path = Path(options["file"])
        fmt = options["format"] or path.suffix.lower().lstrip(".")
        if fmt not in exchange.FORMATS:
            raise CommandError(f"Cannot tell the format of {path.name}; pass --format csv|json.")
        if not path.is_file():
            raise CommandError(f"No such file: {path}")
        if path.stat().st_size > MAX_FILE_BYTES:
            raise CommandError(f"{path} is larger than {MAX_FILE_BYTES // (1024 * 1024)} MB.")
        owner = user_by_email(options["user"])
        every = max(1, options["progress_every"])
        try:
            # Read the whole file first: a broken file imports nothing at all.
            rows = list(exchange.read_rows(path.read_bytes(), fmt))
        except exchange.ImportFileError as exc:
            raise CommandError(f"{path}: {exc}") from None
        total = len(rows)
        done = 0

        def progress(line: int) -> None:
            nonlocal done
            done += 1
            if done % every == 0 and done < total:
                self.stdout.write(f"  {done}/{total} rows processed")

        try:
            report = exchange.import_tasks(owner, rows, progress=progress)
        except exchange.ImportFileError as exc:
            raise CommandError(f"{path}: {exc}") from None
        for error in report.errors:
            self.stderr.write(error)
        if report.errors:
            raise CommandError(
                f"Nothing imported: {len(report.errors)} of {total} rows have errors "
                "(listed above)."
            )
        self.stdout.write(
            f"Imported {report.created} of {total} tasks for {owner.email} "
            f"({report.skipped} already present, skipped)."
        )
