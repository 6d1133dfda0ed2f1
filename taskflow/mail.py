"""The one way TaskFlow sends email.

Every message (password reset, address verification, "your email was changed",
two-factor notices) is built by its caller and handed to ``send``. Today it goes out
inline through Django's email API (EMAIL_BACKEND and friends). The seam for a job
queue: when one exists, ``send`` enqueues ``message`` instead, and nothing else changes.
"""

from __future__ import annotations

from django.core.mail import EmailMessage


def send(message: EmailMessage) -> None:
    message.send()
