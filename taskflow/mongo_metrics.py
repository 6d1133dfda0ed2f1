"""MongoDB command timings and per-request counts, from pymongo's command monitoring.

Kept apart from taskflow.metrics so that only a MongoDB deployment imports pymongo
(about 100 ms and several MB per worker otherwise): TaskflowConfig.ready() registers the
listener when the default database is MongoDB, before any request opens the client.
"""

from __future__ import annotations

from pymongo import monitoring

from taskflow import metrics


class MongoCommandTimer(monitoring.CommandListener):
    """MongoDB's backend runs no SQL, so Django's execute wrappers never see its queries;
    pymongo's command monitoring does, on every client created after registration."""

    def started(self, event: monitoring.CommandStartedEvent) -> None:
        metrics.note_mongo_command()

    def succeeded(self, event: monitoring.CommandSucceededEvent) -> None:
        metrics.observe_db_query("mongodb", event.duration_micros / 1_000_000)

    def failed(self, event: monitoring.CommandFailedEvent) -> None:
        metrics.observe_db_query("mongodb", event.duration_micros / 1_000_000)


_registered = False


def register() -> None:
    """Register the listener once per process (ready() may run again in tests)."""
    global _registered
    if not _registered:
        monitoring.register(MongoCommandTimer())
        _registered = True
