"""Jobs of the notifications app (`manage.py run_huey` imports this module)."""

from __future__ import annotations

from datetime import timedelta

import structlog
from django.conf import settings

from notifications import delivery
from taskflow.jobs import job, periodic_job
from tasks.tasks import schedule_from_cron

logger = structlog.get_logger("notifications.jobs")


# No Huey retries: a failed delivery is taken again by the sweep after its backoff
# (notifications/delivery.py), the one retry path whatever killed or failed the job.
@job(retries=0)
def deliver_reminder(*, reminder_id: str, claim: str) -> None:
    delivery.deliver(reminder_id, claim)


def sweep() -> int:
    """Claim the due reminders and enqueue one delivery job per claim won."""
    claimed = delivery.claim_due()
    for reminder_id, token in claimed:
        deliver_reminder(reminder_id=reminder_id, claim=token)
    if claimed:
        logger.info("reminders_claimed", count=len(claimed))
    return len(claimed)


@periodic_job(schedule_from_cron(settings.REMINDER_SCHEDULE), period=timedelta(minutes=1))
def sweep_reminders() -> None:
    sweep()
