"""Receivers the projects app registers on other apps' models (see apps.py)."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db.models.signals import post_save
from django.dispatch import receiver


@receiver(post_save, sender=settings.AUTH_USER_MODEL, dispatch_uid="projects_user_inbox")
def give_new_user_an_inbox(sender: Any, instance: Any, created: bool, raw: bool, **_: Any) -> None:
    if created and not raw:
        from projects.inbox import inbox_ensure

        inbox_ensure(user=instance)
