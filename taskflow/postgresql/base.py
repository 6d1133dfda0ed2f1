"""Django's PostgreSQL backend, with one change: how a kept connection is checked.

With ``CONN_HEALTH_CHECKS``, Django sends ``SELECT 1`` before the first query of every
request that reuses a connection. That is a round trip and a statement for PostgreSQL
on every request, ~0.1 ms of the app's CPU and ~0.1 ms of PostgreSQL's, 8% of an API
list request's server CPU (docs/performance.md, "Round 22 (issue 15)").

Here a connection skips that round trip when both hold:

- it ended its last request (or job) less than ``HEALTH_CHECK_IDLE_SECONDS`` ago, and
- nothing waits to be read on its socket, and psycopg has not marked it closed or broken.

A server that ends a session (a restart, ``pg_terminate_backend``, a pooler's or
``idle_session_timeout``) sends its error and closes the socket, which makes the socket
readable: such a connection still gets Django's check, fails it and is replaced before
the request's first query, as before. The idle limit covers what leaves no trace on the
socket (a peer gone without closing): after a pause the check runs as Django's does.
Everything else (``CONN_MAX_AGE``, a connection whose last request raised a database
error, ``CONN_HEALTH_CHECKS`` off) is Django's own code.
"""

from __future__ import annotations

import select
import time

import psycopg
from django.db.backends.postgresql import base

# A connection that served a request this recently, with a quiet socket, is used as it
# is. Under load the pause between two requests of a thread is a few milliseconds.
HEALTH_CHECK_IDLE_SECONDS = 1.0


class DatabaseWrapper(base.DatabaseWrapper):
    def __init__(self, *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)
        # When close_if_unusable_or_obsolete last ran: Django calls it when a request
        # starts and when it ends (close_old_connections), djhuey around every job.
        self._checked_at: float | None = None

    def close_if_unusable_or_obsolete(self) -> None:
        previous, self._checked_at = self._checked_at, time.monotonic()
        super().close_if_unusable_or_obsolete()
        if (
            self.connection is not None
            and self.health_check_enabled
            and not self.health_check_done
            and previous is not None
            and self._checked_at - previous < HEALTH_CHECK_IDLE_SECONDS
            and self._socket_quiet()
        ):
            self.health_check_done = True

    def _socket_quiet(self) -> bool:
        """Whether the connection looks alive without asking the server: psycopg has
        not seen it fail and the server has sent nothing since the last result (an idle
        session receives nothing unless the server is ending it)."""
        connection = self.connection
        if connection.closed or connection.broken:
            return False
        try:
            poller = select.poll()  # not select(): no limit on the descriptor's number
            poller.register(connection.pgconn.socket, select.POLLIN)
            return not poller.poll(0)
        except (OSError, ValueError, psycopg.Error):  # any doubt: Django's check decides
            return False
