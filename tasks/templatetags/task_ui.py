"""Template helpers for task pages: the completions chart and small labels."""

from __future__ import annotations

from datetime import date
from typing import Any

from django import template
from django.http import QueryDict

from tasks.models import Priority, Status

register = template.Library()

CHART_WIDTH = 600
CHART_HEIGHT = 160
CHART_TOP = 14  # room for the peak label above the tallest bar
CHART_BOTTOM = 20  # room for the date labels
BAR_GAP = 2


@register.inclusion_tag("tasks/partials/completion_chart.html")
def completion_chart(days: list[tuple[date, int]]) -> dict[str, Any]:
    """An inline SVG bar chart (no library, no script) plus the same data as a table
    for screen readers and text browsers."""
    peak = max((count for _, count in days), default=0)
    plot_height = CHART_HEIGHT - CHART_TOP - CHART_BOTTOM
    slot = CHART_WIDTH / max(len(days), 1)
    bars = []
    for index, (day, count) in enumerate(days):
        height = round(plot_height * count / peak, 1) if peak else 0
        bars.append(
            {
                "x": round(index * slot + BAR_GAP / 2, 1),
                "y": round(CHART_TOP + plot_height - height, 1),
                "width": round(slot - BAR_GAP, 1),
                "height": height,
                "day": day,
                "count": count,
            }
        )
    total = sum(count for _, count in days)
    return {
        "bars": bars,
        "peak": peak,
        "total": total,
        "width": CHART_WIDTH,
        "height": CHART_HEIGHT,
        "baseline": CHART_HEIGHT - CHART_BOTTOM,
        "label_y": CHART_HEIGHT - 5,
        "first": days[0][0] if days else None,
        "last": days[-1][0] if days else None,
        "days": len(days),
    }


@register.filter
def status_label(value: str) -> str:
    return Status(value).label if value in Status.values else value


@register.filter
def priority_label(value: int) -> str:
    return Priority(value).api_name.capitalize() if value in Priority.values else str(value)


@register.filter
def priority_name(value: int) -> str:
    return Priority(value).api_name if value in Priority.values else ""


@register.simple_tag
def query_without(params: QueryDict, *keys: str) -> str:
    """The current query string without ``keys`` (e.g. to clear one filter)."""
    query = params.copy()
    for key in keys:
        query.pop(key, None)
    return query.urlencode()
