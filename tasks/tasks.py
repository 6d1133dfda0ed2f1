"""Jobs of the tasks app (`manage.py run_huey` imports this module)."""

from __future__ import annotations

from datetime import timedelta

import structlog
from django.conf import settings
from huey import crontab

from accounts import deletion as account_deletion
from accounts import services as account_services
from taskflow.jobs import periodic_job
from tasks import services

logger = structlog.get_logger("tasks.jobs")


def schedule_from_cron(expression: str) -> crontab:
    """A huey crontab from five cron fields: minute hour day month day-of-week."""
    fields = expression.split()
    if len(fields) != 5:
        raise ValueError(f"expected 5 cron fields, got {expression!r}")
    minute, hour, day, month, day_of_week = fields
    return crontab(minute=minute, hour=hour, day=day, month=month, day_of_week=day_of_week)


def prune_expired_records() -> tuple[int, int]:
    """Delete expired revocation records and clear expired Idempotency-Keys. Only rows
    past their lifetime are touched, so running it twice does nothing the second time."""
    return account_services.revocations_prune_expired(), services.prune_idempotency_keys()


@periodic_job(schedule_from_cron(settings.PRUNE_SCHEDULE), period=timedelta(days=1))
def prune_expired() -> None:
    tokens, keys = prune_expired_records()
    # Account deletions a crash interrupted (accounts/deletion.py) finish here.
    finished = account_deletion.finish_pending()
    logger.info(
        "pruned_expired", revocations=tokens, idempotency_keys=keys, deletions_finished=finished
    )


@periodic_job(schedule_from_cron(settings.TRASH_PURGE_SCHEDULE), period=timedelta(hours=1))
def purge_trash() -> None:
    """Delete for good the tasks trashed more than TRASH_DAYS ago: one bounded batch per
    run (hourly), so a large backlog drains over a few runs; idempotent."""
    purged = services.trash_purge()
    if purged:
        logger.info("trash_purged", tasks=purged)
