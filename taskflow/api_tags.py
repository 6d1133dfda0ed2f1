"""The groups the API docs (Swagger UI, Redoc) show operations under, in this order.

Named after what a user manages, not after URL prefixes: comments live under
tasks/{id}/comments/ and comments/{id}/, yet are one thing to a reader. Imported by
the settings (SPECTACULAR_SETTINGS["TAGS"]), so this module imports nothing.
"""

from __future__ import annotations

AUTH = "Authentication"
ACCOUNT = "Account"
CREDENTIALS = "API tokens and sessions"
TASKS = "Tasks"
CHECKLIST = "Checklist"
COMMENTS = "Comments"
REMINDERS = "Reminders"
TRASH = "Trash"
PROJECTS = "Projects"
MEMBERS = "Members"
INVITATIONS = "Invitations"
BOARD = "Board"
NOTIFICATIONS = "Notifications"
CALENDAR = "Calendar"

TAGS: list[dict[str, str]] = [
    {
        "name": AUTH,
        "description": "Create an account, sign in and out, reset a forgotten password. "
        "Signing in answers an access token: use it in the Authorize dialog (jwtAuth) "
        "to try the other operations here.",
    },
    {
        "name": ACCOUNT,
        "description": "Your profile and preferences, your password, downloading your "
        "data, deleting your account.",
    },
    {
        "name": CREDENTIALS,
        "description": "Personal API tokens for scripts, and the devices and apps signed "
        "in to your account. A personal API token cannot use these operations: sign in "
        "with your password.",
    },
    {
        "name": TASKS,
        "description": "Create, read, change and delete tasks; filter, search and sort "
        "the list; quick add from one line of text; change many tasks at once; counts "
        "and exports. Complete a task by setting its status to `done`.",
    },
    {
        "name": CHECKLIST,
        "description": "The list of steps inside a task: add, tick, reword, reorder and "
        "remove items.",
    },
    {
        "name": COMMENTS,
        "description": "The conversation on a task, in Markdown. Everyone who can see the "
        "task reads it; editors and above write; authors edit their own comments.",
    },
    {
        "name": REMINDERS,
        "description": "Your own reminders on a task, at a time or a while before it is "
        "due. Only you are reminded.",
    },
    {
        "name": TRASH,
        "description": "Deleted tasks stay in the trash for 30 days: restore them, or "
        "delete them for good.",
    },
    {
        "name": PROJECTS,
        "description": "Projects group tasks and the people who work on them. Your Inbox "
        "is a project of your own that cannot be shared, archived or deleted.",
    },
    {
        "name": MEMBERS,
        "description": "Who is in a project and with which role (owner, admin, editor, "
        "viewer); inviting people by email and revoking invitations.",
    },
    {
        "name": INVITATIONS,
        "description": "Invitations addressed to your email: see, accept or decline them.",
    },
    {
        "name": BOARD,
        "description": "A project's tasks as cards in columns: read the board, load more "
        "cards of a column, move cards, and arrange the columns.",
    },
    {
        "name": NOTIFICATIONS,
        "description": "What the app tells you: your reminders when they are due, and "
        "tasks someone assigned to you.",
    },
    {
        "name": CALENDAR,
        "description": "A private iCal address for your calendar app, showing the tasks "
        "you can see that have a due date.",
    },
]
