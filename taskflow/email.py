"""Email through Django's email API, sent by a background job.

    from taskflow.email import send_email
    send_email(to=["ana@example.com"], subject="Reset your password", body=text)

``send_email`` checks the message and enqueues it; a worker sends it with the backend
EMAIL_URL chose (SMTP in production, a file per message in var/mail/ under `make run`).
A temporary failure (SMTP server down, 4xx answer, timeout) raises in the job, which
is retried with backoff (taskflow.jobs). When the queue itself cannot be reached,
``send_email`` raises ``taskflow.queue.QueueUnavailable`` and nothing is sent.
Idempotency belongs to the caller: ``send_email``'s job is delivered at most once per
enqueue (a worker killed mid-job loses it). A flow that must send exactly once keeps
its own outbox row, claims it with a conditional update, and sends with ``send_now``
from its own job, recording the success after the SMTP server accepted the message
(reminders: notifications/delivery.py).
"""

from __future__ import annotations

from collections.abc import Sequence

import structlog
from django.core.mail import EmailMessage, EmailMultiAlternatives

from taskflow.jobs import job

logger = structlog.get_logger("taskflow.email")


def send_email(
    *,
    to: Sequence[str],
    subject: str,
    body: str,
    html_body: str | None = None,
    from_email: str | None = None,
    reply_to: Sequence[str] = (),
) -> None:
    """Queue one message to ``to`` (plain-text ``body``, optional HTML alternative)."""
    recipients = [address.strip() for address in to if address and address.strip()]
    if not recipients:
        raise ValueError("send_email needs at least one recipient")
    # Django refuses header newlines only when sending, in the worker: refuse them here,
    # where the caller can still see the error.
    for value in (subject, from_email or "", *recipients, *reply_to):
        if "\n" in value or "\r" in value:
            raise ValueError("email headers must not contain line breaks")
    deliver_email(
        to=recipients,
        subject=subject,
        body=body,
        html_body=html_body,
        from_email=from_email,
        reply_to=list(reply_to),
    )


def send_message(message: EmailMessage) -> None:
    """Queue a message built elsewhere (allauth's emails: reset, verification, notices)
    through the same job as ``send_email``."""
    html = next(
        (
            content
            for content, mimetype in getattr(message, "alternatives", ())
            if mimetype == "text/html"
        ),
        None,
    )
    if message.content_subtype == "html":
        html, body = message.body, ""
    else:
        body = message.body
    send_email(
        to=list(message.to),
        subject=str(message.subject),
        body=body,
        html_body=html,
        from_email=message.from_email,
        reply_to=list(message.reply_to),
    )


@job(retries=6)
def deliver_email(
    *,
    to: list[str],
    subject: str,
    body: str,
    html_body: str | None,
    from_email: str | None,
    reply_to: list[str],
) -> None:
    send_now(
        to=to,
        subject=subject,
        body=body,
        html_body=html_body,
        from_email=from_email,
        reply_to=reply_to,
    )


def send_now(
    *,
    to: Sequence[str],
    subject: str,
    body: str,
    html_body: str | None = None,
    from_email: str | None = None,
    reply_to: Sequence[str] = (),
    headers: dict[str, str] | None = None,
) -> None:
    """Send one message now, in this process: the body of ``deliver_email``, and the
    last step of a job that keeps its own outbox state and so must know whether the
    SMTP server accepted the message (reminders: notifications/delivery.py). Raises on
    failure. ``headers`` e.g. a Message-ID derived from the outbox row, so that a
    message sent twice after a crash is recognisably the same message."""
    message = EmailMultiAlternatives(
        subject=subject,
        body=body,
        from_email=from_email,
        to=list(to),
        reply_to=list(reply_to),
        headers=headers,
    )
    if html_body:
        message.attach_alternative(html_body, "text/html")
    message.send(fail_silently=False)
    # Counts only: addresses and subjects are personal data.
    logger.info("email_sent", recipients=len(to))
