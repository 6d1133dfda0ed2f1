"""What the API docs say about the calendar feed operations (calendars.api)."""

from __future__ import annotations

from drf_spectacular.utils import extend_schema_view

from taskflow import api_tags as tag
from taskflow.schema import operation_doc as doc

FEED = extend_schema_view(
    get=doc(
        tag.CALENDAR,
        "Get your calendar feed address",
        "Answers the private iCal address of the tasks you can see that have a due date, "
        "to subscribe to in a calendar app (add `?project=<id>` for one project). The address is "
        "made on the first call and stays the same until you rotate it. Anyone who "
        "has it can read the feed: keep it private.",
    )
)
FEED_ROTATE = extend_schema_view(
    post=doc(
        tag.CALENDAR,
        "Replace your calendar feed address",
        "Answers a new private iCal address. The old one stops working at once (404), "
        "so calendar apps subscribed to it need the new one.",
    )
)
