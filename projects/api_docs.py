"""What the API docs say about projects, members and invitations (projects.api).

Written for the person reading Swagger UI or Redoc: what the operation does, what it
answers, and the errors worth knowing. The shape of each operation stays on the view.
"""

from __future__ import annotations

from drf_spectacular.utils import extend_schema_view

from taskflow import api_tags as tag
from taskflow.schema import operation_doc as doc

_NOT_A_MEMBER = "A project you are not a member of answers 404, as if it did not exist."

PROJECTS = extend_schema_view(
    list=doc(
        tag.PROJECTS,
        "List your projects",
        "The projects you are a member of, your Inbox included, newest first, each with "
        "`my_role`. Pages work as in the task list.",
    ),
    create=doc(
        tag.PROJECTS,
        "Create a project",
        "Creates a project with a `name` (and optionally a `description`) and answers "
        "it (201). You are its owner; invite others with "
        "POST /api/projects/{project_pk}/members/.",
    ),
    retrieve=doc(
        tag.PROJECTS,
        "Show a project",
        "One project, with your role in it and its version in the `ETag` header. " + _NOT_A_MEMBER,
    ),
    partial_update=doc(
        tag.PROJECTS,
        "Change a project",
        "Changes the fields you send: `name` and `description` (admins and owners), "
        "`archived` (owners only). Others get 403; the Inbox cannot be archived (400). "
        "Send the `ETag` you read as `If-Match` to get a 412 instead of overwriting a "
        "change made since. " + _NOT_A_MEMBER,
    ),
    destroy=doc(
        tag.PROJECTS,
        "Delete a project",
        "Deletes the project and everything in it, its tasks included, for every "
        "member. Only owners can (403); the Inbox cannot be deleted (400). " + _NOT_A_MEMBER,
    ),
    stats=doc(
        tag.PROJECTS,
        "Count a project's tasks",
        "Counts over the project's tasks, the same for every member: in all, by status, "
        "by priority, overdue, due today, and completed in the last 7 days. " + _NOT_A_MEMBER,
    ),
    activity=doc(
        tag.PROJECTS,
        "Show a project's history",
        "What happened to the project's tasks and who did it, newest first, in pages "
        "like the task list. " + _NOT_A_MEMBER,
    ),
    transfer=doc(
        tag.PROJECTS,
        "Hand a project to another owner",
        "Makes another member (`user_id`) the owner; you stay on as an admin. Only the "
        "owner can (403). Someone who is not a member is a 404; the Inbox cannot be "
        "handed over (400).",
    ),
)

MEMBERS = extend_schema_view(
    list=doc(
        tag.MEMBERS,
        "List a project's members",
        "Everyone in the project with their role, in the order they joined. Any member "
        "can see the list. " + _NOT_A_MEMBER,
    ),
    create=doc(
        tag.MEMBERS,
        "Invite someone to a project",
        "Invites an email address with a `role` (editor unless you say otherwise) and "
        "answers the invitation (201). The invitation is emailed and, if the address "
        "has an account, also shown in the app; it is open for 7 days. Inviting the "
        "same address again updates the open invitation.\n\n"
        "Admins and owners can invite; only owners invite admins and owners (403). "
        "Someone already a member is a 400, and so is inviting to your Inbox.",
    ),
    partial_update=doc(
        tag.MEMBERS,
        "Change a member's role",
        "Sets a member's `role` and answers the member. Admins can change roles below "
        "admin to roles below admin; owners can change any (403 otherwise). The last "
        "owner cannot step down (400). A member made a viewer is unassigned from the "
        "project's tasks.",
    ),
    destroy=doc(
        tag.MEMBERS,
        "Remove a member, or leave a project",
        "Removes a member from the project; your own user id leaves it. Their tasks in "
        "the project are unassigned. Admins can remove members below admin, owners "
        "anyone (403 otherwise). The last owner cannot leave (400): hand the project to "
        "someone else first.",
    ),
)

PROJECT_INVITATIONS = extend_schema_view(
    list=doc(
        tag.MEMBERS,
        "List a project's pending invitations",
        "The invitations of the project that were neither accepted, declined nor "
        "revoked, newest first. Only admins and owners can see them (403).",
    ),
    destroy=doc(
        tag.MEMBERS,
        "Revoke an invitation",
        "Withdraws a pending invitation: it can no longer be accepted. Admins and "
        "owners can, for the roles they may grant (403 otherwise).",
    ),
)

INVITATIONS = extend_schema_view(
    list=doc(
        tag.INVITATIONS,
        "List your invitations",
        "The open invitations addressed to your email, newest first: which project, "
        "which role, who invited you and until when you can accept.",
    ),
    accept=doc(
        tag.INVITATIONS,
        "Accept an invitation",
        "Joins the project with the invitation's role and answers the project and your "
        "role. An invitation works once: one already used, declined, revoked or expired "
        "is a 400. An invitation not addressed to you is a 404.",
    ),
    decline=doc(
        tag.INVITATIONS,
        "Decline an invitation",
        "Turns the invitation down and answers it; it can no longer be accepted. An "
        "invitation not addressed to you is a 404.",
    ),
)
