"""The one base of expected domain errors. Imports no app: apps subclass it, and the
API's exception handler (taskflow.errors) maps any subclass to ``{"detail", "code"}``
with the subclass's status, so adding an error never touches the handler."""

from __future__ import annotations


class ApplicationError(Exception):
    """An expected failure of a service or selector, with its HTTP meaning.

    ``status``, ``code`` and ``default_detail`` are class attributes; ``detail`` can be
    given per raise. Pages catch the specific subclasses they can explain better.
    """

    status: int = 400
    code: str = "invalid"
    default_detail: str = "The request could not be carried out."

    def __init__(self, detail: str | None = None) -> None:
        self.detail = detail or self.default_detail
        super().__init__(self.detail)
