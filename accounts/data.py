""" "Your data": the hooks through which other apps take part in a user's export and
account deletion, and the streamed ZIP of the export.

accounts knows nothing of tasks or projects (tests/unit/test_architecture.py); each
app registers in its ``AppConfig.ready``:

- ``register_exporter(name, fn)``: ``fn(user)`` yields JSON-ready dicts, written as
  ``<name>.json`` (one JSON list) in the ZIP. An exporter reads with ``.iterator()``
  and a fixed number of queries, so memory and query count do not grow with the data.
- ``register_deletion_guard(fn)``: ``fn(user)`` returns the ``Blocker``s that must be
  resolved before the account may go (projects: shared projects the user is the only
  owner of, SPEC §7).
- ``register_eraser(name, fn)``: ``fn(user)`` deletes or hands over the app's data of
  a user being deleted. It must be safe to run again after a crash halfway (no
  transactions on MongoDB): ``accounts.deletion`` reruns every eraser until the user
  row is gone.
"""

from __future__ import annotations

import io
import json
import zipfile
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from django.utils import timezone

Exporter = Callable[[Any], Iterable[dict[str, Any]]]
Eraser = Callable[[Any], None]
EXPORT_FORMAT_VERSION = 1


@dataclass(frozen=True)
class Blocker:
    """Something the user must resolve before deleting the account."""

    kind: str
    id: str
    name: str
    url: str
    reason: str


DeletionGuard = Callable[[Any], list[Blocker]]

_exporters: dict[str, Exporter] = {}
_guards: list[DeletionGuard] = []
_erasers: dict[str, Eraser] = {}


def register_exporter(name: str, fn: Exporter) -> None:
    """Add ``<name>.json`` to every export (a second registration of a name replaces
    the first, so a reloaded AppConfig does not add it twice)."""
    _exporters[name] = fn


def register_deletion_guard(fn: DeletionGuard) -> None:
    if fn not in _guards:
        _guards.append(fn)


def register_eraser(name: str, fn: Eraser) -> None:
    """Erasers run in registration order (INSTALLED_APPS order of the ready() calls)."""
    _erasers[name] = fn


def exporter_names() -> list[str]:
    return list(_exporters)


def deletion_blockers(user: Any) -> list[Blocker]:
    return [blocker for guard in _guards for blocker in guard(user)]


def run_erasers(user: Any) -> None:
    for fn in _erasers.values():
        fn(user)


# --- The export ZIP --------------------------------------------------------------------


def _default(value: Any) -> Any:
    if isinstance(value, datetime | date):
        return value.isoformat()
    return str(value)


def _json_list(records: Iterable[dict[str, Any]]) -> Iterator[str]:
    yield "["
    first = True
    for record in records:
        yield ("" if first else ",") + "\n" + json.dumps(record, default=_default)
        first = False
    yield "\n]\n"


class _Sink(io.RawIOBase):
    """A write-only stream that hands what zipfile wrote to the response, chunk by
    chunk (zipfile writes data descriptors when it cannot seek)."""

    def __init__(self) -> None:
        self._chunks: list[bytes] = []

    def writable(self) -> bool:
        return True

    def write(self, data: Any) -> int:
        self._chunks.append(bytes(data))
        return len(data)

    def drain(self) -> bytes:
        data = b"".join(self._chunks)
        self._chunks.clear()
        return data


# Bytes of JSON gathered before they go into the compressor (bounds memory per file).
_FLUSH_BYTES = 64 * 1024


def stream_export(user: Any) -> Iterator[bytes]:
    """The user's data as a ZIP: ``export.json`` (what, when, which files) and one
    ``<name>.json`` per registered exporter, produced while it is sent."""
    sink = _Sink()
    with zipfile.ZipFile(sink, mode="w", compression=zipfile.ZIP_DEFLATED) as archive:
        manifest = {
            "format_version": EXPORT_FORMAT_VERSION,
            "user_id": user.pk,
            "exported_at": timezone.now().isoformat(),
            "files": [f"{name}.json" for name in _exporters],
        }
        archive.writestr("export.json", json.dumps(manifest, indent=2) + "\n")
        yield sink.drain()
        for name, fn in _exporters.items():
            with archive.open(f"{name}.json", mode="w", force_zip64=True) as member:
                pending: list[bytes] = []
                size = 0
                for piece in _json_list(fn(user)):
                    encoded = piece.encode()
                    pending.append(encoded)
                    size += len(encoded)
                    if size >= _FLUSH_BYTES:
                        member.write(b"".join(pending))
                        pending, size = [], 0
                        yield sink.drain()
                member.write(b"".join(pending))
            yield sink.drain()
    yield sink.drain()
