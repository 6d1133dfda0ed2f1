"""Invitation email: ONE function, sent by the worker through the job queue
(taskflow.email.send_email), like every other email of the product."""

from __future__ import annotations

from django.conf import settings
from django.core import signing

from projects.models import Invitation
from taskflow.email import send_email

SALT = "taskflow.projects.invitation"
MAX_AGE_SECONDS = 7 * 24 * 3600


def invitation_token(invitation: Invitation) -> str:
    """The signed token of the invitation's link: its id and its current nonce. A
    re-invite draws a new nonce (older links stop working); accepting, declining or
    revoking closes the invitation (single use); the signature expires in 7 days."""
    return signing.dumps({"i": invitation.pk, "n": invitation.nonce}, salt=SALT, compress=True)


def read_invitation_token(token: str) -> tuple[str, str] | None:
    """(invitation id, nonce) of a valid, unexpired token; None otherwise."""
    try:
        data = signing.loads(token, salt=SALT, max_age=MAX_AGE_SECONDS)
    except signing.BadSignature:  # includes SignatureExpired
        return None
    if not isinstance(data, dict) or not isinstance(data.get("i"), str):
        return None
    return data["i"], str(data.get("n", ""))


def invitation_link(invitation: Invitation) -> str:
    return f"{settings.SITE_URL.rstrip('/')}/invitations/{invitation_token(invitation)}/"


def send_invitation_email(invitation: Invitation) -> None:
    """Email the invitation's link to ``invitation.email`` (new users register through
    it; existing users also see the invitation in the app)."""
    project = invitation.project
    inviter = invitation.invited_by
    who = inviter.get_full_name() if inviter is not None else "Someone"
    body = (
        f"{who} invited you to the project “{project.name}” on TaskFlow "
        f"as {invitation.get_role_display().lower()}.\n\n"
        f"Open this link to accept or decline (valid for 7 days, usable once):\n"
        f"{invitation_link(invitation)}\n\n"
        "If you did not expect this, ignore this email.\n"
    )
    # A header cannot carry a line break; a project name is one line, but say so here.
    name = " ".join(project.name.split())
    send_email(to=[invitation.email], subject=f"Invitation to {name} on TaskFlow", body=body)
