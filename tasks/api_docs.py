"""What the API docs say about tasks, comments, checklists, the board and the trash
(tasks.api, tasks.checklist_api, tasks.board_api, tasks.trash_api).

Written for the person reading Swagger UI or Redoc: what the operation does, what it
answers, and the errors worth knowing. The shape of each operation stays on the view.
"""

from __future__ import annotations

from drf_spectacular.utils import extend_schema_view

from taskflow import api_tags as tag
from taskflow.schema import operation_doc as doc

_NOT_FOUND = "A task you cannot see answers 404, the same as one that does not exist."
_VERSION = (
    "To avoid overwriting someone else's change, send the `ETag` you read as "
    "`If-Match`: if the task changed since, the answer is a 412 and nothing is written."
)

TASKS = extend_schema_view(
    list=doc(
        tag.TASKS,
        "List tasks",
        "The tasks you can see: your Inbox and the projects you are a member of, newest "
        "first. Tasks in the trash are left out.\n\n"
        "Narrow the list with `status`, `priority`, `tag`, `project`, `assignee` (a user "
        "id or `me`), `created_by`, `due_after` / `due_before` (YYYY-MM-DD) and "
        "`overdue`; find words with `search` (best matches first unless you choose an "
        "order). Sort with `ordering`: `created_at`, `updated_at`, `due_date`, "
        "`priority` or `title`, with a leading `-` for descending.\n\n"
        "Pages come 20 at a time (`page_size` up to 100): follow `next` and `previous`, "
        "or ask for a `page` number to also get the total `count`. A value the list does "
        "not understand is a 400 naming the parameter.",
    ),
    create=doc(
        tag.TASKS,
        "Create a task",
        "Creates a task and answers it (201), with its address in `Location` and its "
        "version in `ETag`. Only `title` is required. Without `project` the task goes to "
        "your Inbox; in a project you need the editor role or above (a project you "
        "cannot see is a 400 on `project`, a viewer gets 403). The assignee must be a "
        "member who may edit the project.\n\n"
        "Safe to retry: with the same `Idempotency-Key` header and body, a retry "
        "answers the task created the first time instead of creating another; the same "
        "key with a different body is a 422.",
    ),
    retrieve=doc(
        tag.TASKS,
        "Show a task",
        "One task, with its version in the `ETag` header. Send that value as "
        "`If-None-Match` to get an empty 304 when it has not changed. " + _NOT_FOUND,
    ),
    update=doc(
        tag.TASKS,
        "Replace a task",
        "Replaces every field you may write: a field left out goes back to its default "
        "(use PATCH to change only some). Needs the editor role or above in the task's "
        "project (a viewer gets 403). " + _VERSION + " " + _NOT_FOUND,
    ),
    partial_update=doc(
        tag.TASKS,
        "Change a task",
        "Changes only the fields you send and answers the task. To complete a task, "
        'send `{"status": "done"}`; a repeating task then gets its next occurrence. '
        "Moving a task to another project needs the editor role there too. Needs the "
        "editor role or above (a viewer gets 403). " + _VERSION + " " + _NOT_FOUND,
    ),
    destroy=doc(
        tag.TASKS,
        "Delete a task",
        "Moves the task to the trash, where it stays 30 days and can be restored with "
        "POST /api/tasks/{id}/restore/. With `permanent=true` it is deleted for good, "
        "with its comments and reminders; this also works on a task already in the "
        "trash. Needs the editor role or above (a viewer gets 403). " + _VERSION,
    ),
    restore=doc(
        tag.TRASH,
        "Restore a task from the trash",
        "Takes the task out of the trash with its tags, comments, reminders and place "
        "on the board, and answers it. Restoring a task that is not in the trash "
        "changes nothing and answers it too. Needs the editor role or above in its "
        "project.",
    ),
    bulk=doc(
        tag.TASKS,
        "Change many tasks at once",
        "Applies one `action` to up to 500 tasks named in `ids`: `set_status` (with "
        "`status`), `delete` (to the trash), `move` (to `project`) or `assign` (to "
        "`assignee`, or null to unassign). Tasks you cannot edit, or that would not "
        "change, are skipped; `updated` says how many changed. When moving, an assignee "
        "who may not edit the new project is unassigned; when assigning, tasks of "
        "projects where the assignee may not edit are left alone.",
    ),
    move=doc(
        tag.BOARD,
        "Move a card on the board",
        "Moves the task to a `column` of its project's board, right `before` or `after` "
        "another card of that column, or at its end. The task's status becomes the "
        "column's. Send the task's `version` (or `If-Match`): if it changed since you "
        "read it, the answer is a 412. Needs the editor role or above.",
    ),
    activity=doc(
        tag.TASKS,
        "Show a task's history",
        "What happened to the task and who did it (created, changed, commented, moved, "
        "trashed …), newest first, in pages like the task list. " + _NOT_FOUND,
    ),
    comments=[
        doc(
            tag.COMMENTS,
            "List a task's comments",
            "The comments on the task, oldest first, in pages like the task list. "
            "`body` is the Markdown as written. " + _NOT_FOUND,
            methods=["GET"],
        ),
        doc(
            tag.COMMENTS,
            "Comment on a task",
            "Adds a comment (Markdown) and answers it. Needs the editor role or above in "
            "the task's project (a viewer gets 403). " + _NOT_FOUND,
            methods=["POST"],
        ),
    ],
    quick=doc(
        tag.TASKS,
        "Quick add a task from one line",
        "Turns one line of text into a task, e.g. "
        '"Pay rent fri 9am !high #home @ana every month": a due date and time, '
        "`!priority`, `#tags`, a repeat rule and `@name` are understood; other words "
        "stay in the title. Words in double quotes are kept as written.\n\n"
        "Without `project` the task goes to your Inbox. With one (editor role or above; "
        "a project you cannot see is a 400 on `project`, a viewer gets 403), an `@name` "
        "that names exactly one member who may be assigned becomes the assignee.\n\n"
        "With `?preview=true` nothing is saved: the answer (200) shows what would be.",
    ),
    stats=doc(
        tag.TASKS,
        "Count your tasks",
        "Counts over your tasks (your Inbox and the tasks assigned to you): in all, by "
        "status, by priority, overdue, due today, and completed in the last 7 days.",
    ),
    export=doc(
        tag.TASKS,
        "Export your tasks",
        "Downloads every task you can see as a file: CSV (the default) or JSON with "
        "`format=json`. Tasks in the trash are left out.",
    ),
)

COMMENTS = extend_schema_view(
    partial_update=doc(
        tag.COMMENTS,
        "Edit a comment",
        "Changes the comment's text and answers it. Only its author can (403 for "
        "others). A comment on a task you cannot see is a 404.",
    ),
    destroy=doc(
        tag.COMMENTS,
        "Delete a comment",
        "Deletes the comment for good. Its author can, and so can the project's admins "
        "and owners (403 for others). A comment on a task you cannot see is a 404.",
    ),
)

CHECKLIST = extend_schema_view(
    list=doc(
        tag.CHECKLIST,
        "List a task's checklist",
        "The task's checklist items, in order. " + _NOT_FOUND,
    ),
    create=doc(
        tag.CHECKLIST,
        "Add a checklist item",
        "Adds an item at the end of the checklist, or right `before` or `after` another "
        "item, and answers it. The task's version (ETag) goes up and the change shows in "
        "its history. Needs the editor role or above (a viewer gets 403). If others are "
        "reordering the checklist at the same moment the answer may be a 409: try again.",
    ),
    partial_update=doc(
        tag.CHECKLIST,
        "Change a checklist item",
        "Rewords the item (`text`), ticks or unticks it (`done`), and answers it. Needs "
        "the editor role or above (a viewer gets 403).",
    ),
    destroy=doc(
        tag.CHECKLIST,
        "Remove a checklist item",
        "Deletes the item. Needs the editor role or above (a viewer gets 403).",
    ),
    move=doc(
        tag.CHECKLIST,
        "Reorder a checklist item",
        "Puts the item right `before` or right `after` another item of the same "
        "checklist (name one of them) and answers it. Needs the editor role or above.",
    ),
)

BOARD = extend_schema_view(
    list=doc(
        tag.BOARD,
        "Show a project's board",
        "The project's columns in order, each with its first cards (`per_column`, "
        "default 20), how many tasks it holds, whether it is over its WIP limit, and a "
        "`next` cursor for more. The task list's filters (`assignee`, `tag`, "
        "`priority`, `search`, due dates, `overdue`) narrow the cards. A project you "
        "are not a member of is a 404.",
    ),
    cards=doc(
        tag.BOARD,
        "Load more cards of a column",
        "The next cards of one column, from the column's `next` cursor, with the same "
        "filters as the board. A cursor from another column is a 400.",
    ),
)

COLUMNS = extend_schema_view(
    list=doc(
        tag.BOARD,
        "List a board's columns",
        "The project's columns in board order: name, category (the status its cards "
        "get: to do, in progress or done) and WIP limit. Any member can read them.",
    ),
    create=doc(
        tag.BOARD,
        "Add a column",
        "Adds a column at the end of the board, or right `before` or `after` another, "
        "and answers it. Only the project's admins and owners can (403).",
    ),
    partial_update=doc(
        tag.BOARD,
        "Change a column",
        "Renames a column, changes its category or WIP limit, or moves it (`before` / "
        "`after`). Its cards take the new category's status. Only admins and owners "
        "can (403). Send the column's `ETag` as `If-Match` to get a 412 instead of "
        "overwriting a change made since you read it.",
    ),
    destroy=doc(
        tag.BOARD,
        "Delete a column",
        "Deletes a column. If it holds tasks, name the column that receives them with "
        "`move_to` (they take its status); without it the answer is a 400. The last "
        "column of a category cannot be deleted (400). Only admins and owners can (403).",
    ),
)

TRASH = extend_schema_view(
    list=doc(
        tag.TRASH,
        "List the trash",
        "The deleted tasks you may restore (in projects where you are editor or above), "
        "most recently deleted first, with when and by whom each was deleted. Each is "
        "deleted for good 30 days after it was trashed.",
    ),
)
# DELETE /api/trash/ is no router action, so extend_schema_view cannot reach it: this
# decorates the method itself.
TRASH_EMPTY = doc(
    tag.TRASH,
    "Empty the trash",
    "Deletes for good every task the trash list shows you, and says how many.",
)
