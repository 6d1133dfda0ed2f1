"""manage.py prune_expired: forget expired revocation records and Idempotency-Keys, and
finish account deletions that a crash interrupted (accounts/deletion.py).

The workers already run this daily (the ``prune_expired`` job, PRUNE_SCHEDULE); the
command stays for cron and for operators. Safe at any frequency: both deletes only
touch rows past their lifetime and running it twice does nothing the second time."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand

from accounts import deletion
from tasks.tasks import prune_expired_records


class Command(BaseCommand):
    help = "Delete expired token revocation records and idempotency keys."

    def handle(self, *args: Any, **options: Any) -> None:
        tokens, keys = prune_expired_records()
        self.stdout.write(
            f"Removed {tokens} expired revocation records; cleared {keys} idempotency keys."
        )
        finished = deletion.finish_pending()
        if finished:
            self.stdout.write(f"Finished {finished} interrupted account deletions.")
