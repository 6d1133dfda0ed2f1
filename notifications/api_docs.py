"""What the API docs say about reminders and notifications (notifications.api).

Written for the person reading Swagger UI or Redoc: what the operation does, what it
answers, and the errors worth knowing. The shape of each operation stays on the view.
"""

from __future__ import annotations

from drf_spectacular.utils import extend_schema_view

from taskflow import api_tags as tag
from taskflow.schema import operation_doc as doc

TASK_REMINDERS = extend_schema_view(
    list=doc(
        tag.REMINDERS,
        "List your reminders on a task",
        "Your own reminders on the task, oldest first; other people's are not shown. A "
        "task you cannot see answers 404.",
    ),
    create=doc(
        tag.REMINDERS,
        "Add a reminder to a task",
        "Reminds you about the task, either at a time (`at`) or a number of minutes "
        "before it is due (`before_due_minutes`, which needs the task to have a due "
        "date and follows it when the due date changes). Give exactly one of the two; "
        "otherwise the answer is a 400. Anyone who can see the task can add one, "
        "viewers too, and only you are reminded.",
    ),
)
REMINDERS = extend_schema_view(
    destroy=doc(
        tag.REMINDERS,
        "Delete a reminder",
        "Deletes one of your reminders. Someone else's reminder, or one on a task you "
        "can no longer see, answers 404.",
    ),
)
NOTIFICATIONS = extend_schema_view(
    list=doc(
        tag.NOTIFICATIONS,
        "List your notifications",
        "Your notifications, unread first and then newest first, in pages like the "
        "task list: reminders that came due and tasks assigned to you.",
    ),
    read=doc(
        tag.NOTIFICATIONS,
        "Mark notifications read",
        'Marks the notifications named in `ids` as read, or all of them with `{"all": '
        "true}`. Ids that are not yours are ignored. Answers how many changed and how "
        "many unread are left.",
    ),
)
