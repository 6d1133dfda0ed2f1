"""manage.py export_tasks --user EMAIL: a user's tasks as CSV or JSON (stdout or file).

With --output the export is written to a temporary file in the same directory and
renamed over the target only when complete, so an error part-way (a full disk, a lost
database) leaves the previous file, or none, never a truncated one."""

from __future__ import annotations

import os
import sys
import tempfile
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from tasks import exchange
from tasks.management.commands._util import user_by_email
from tasks.selectors import visible_tasks


class Command(BaseCommand):
    help = "Export a user's tasks as CSV or JSON (the format import_tasks reads)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--user", required=True, help="Email of the owner.")
        parser.add_argument(
            "--format",
            choices=exchange.FORMATS,
            help="Default: from --output's extension, else csv.",
        )
        parser.add_argument("--output", help="File to write (default: standard output).")

    def handle(self, *args: Any, **options: Any) -> None:
        owner = user_by_email(options["user"])
        output = options["output"]
        suffix = Path(output).suffix.lower().lstrip(".") if output else ""
        fmt = options["format"] or (suffix if suffix in exchange.FORMATS else "csv")
        chunks = exchange.stream(visible_tasks(owner), fmt, user=owner)
        if output is None:
            try:
                for chunk in chunks:
                    self.stdout.write(chunk, ending="")
                self.stdout.flush()
            except BrokenPipeError:
                # `export_tasks | head`: the reader left, which is no error. Point stdout
                # at /dev/null so the interpreter's final flush stays quiet too.
                os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
            return
        target = Path(output)
        try:
            handle, temporary = tempfile.mkstemp(
                dir=target.parent, prefix=f".{target.name}.", suffix=".part"
            )
        except OSError as exc:
            raise CommandError(f"Cannot write {output}: {exc.strerror}") from None
        try:
            with os.fdopen(handle, "w", encoding="utf-8", newline="") as stream:
                for chunk in chunks:
                    stream.write(chunk)
            os.replace(temporary, target)
        except BaseException as exc:
            Path(temporary).unlink(missing_ok=True)
            if isinstance(exc, OSError):
                raise CommandError(f"Cannot write {output}: {exc.strerror}") from None
            raise
        count = visible_tasks(owner).count()
        self.stdout.write(f"Exported {count} tasks to {output}.")
