"""manage.py prune_expired: forget expired revocation records and Idempotency-Keys.

Safe from cron at any frequency: both deletes only touch rows past their lifetime and
running it twice does nothing the second time."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand

from accounts import services as account_services
from tasks import services


class Command(BaseCommand):
    help = "Delete expired token revocation records and idempotency keys."

    def handle(self, *args: Any, **options: Any) -> None:
        tokens = account_services.revocations_prune_expired()
        keys = services.prune_idempotency_keys()
        self.stdout.write(
            f"Removed {tokens} expired revocation records; cleared {keys} idempotency keys."
        )
