"""The Undo of a delete message (tasks.trash_views.undo_tag)."""

from __future__ import annotations

from typing import Any

from django import template

from taskflow.ids import is_valid_id

register = template.Library()


@register.filter
def undo_ids(message: Any) -> list[str]:
    """The task ids a message's Undo restores; [] for any other message."""
    for tag in (getattr(message, "extra_tags", "") or "").split():
        if tag.startswith("undo:"):
            return [i for i in tag.removeprefix("undo:").split(",") if is_valid_id(i)]
    return []
