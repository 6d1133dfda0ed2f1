"""The per-user secret behind the iCal feed URL (SPEC §9).

The URL's secret is never stored. The row keeps a random ``salt``; the secret is an
HMAC of it under the server's SECRET_KEY (``calendars.services.secret_of``), so the
URL can be shown again (GET calendar/feed/) while a copy of the database alone does
not reveal it. ``token_hash`` (SHA-256 of the secret) is the indexed lookup. Rotating
replaces both in one single-row update: the old URL is a 404 at once, on every
instance (the lookup always reads the database).
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone

from taskflow.ids import new_id


class CalendarFeed(models.Model):
    id = models.CharField(primary_key=True, max_length=26, default=new_id, editable=False)
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="calendar_feed"
    )
    salt = models.CharField(max_length=64, editable=False)
    token_hash = models.CharField(max_length=64, unique=True, editable=False)
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    rotated_at = models.DateTimeField(default=timezone.now, editable=False)

    def __str__(self) -> str:
        return f"Calendar feed of {self.user_id}"
