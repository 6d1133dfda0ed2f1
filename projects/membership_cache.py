"""A user's memberships, from the shared cache.

Every list over all of a user's projects reads their ids
(``tasks.permissions.member_project_id_list``) and every signed-in page renders the
project switcher (``selectors.switcher_projects``): with a shared cache (Redis) both come
from one cached entry per user, a row per membership (project id, role and the
switcher's fields). Correctness follows ``accounts.user_cache``: each user has a
membership version key, an entry is stored with the version read *before* the database
read, and every write that can change a user's rows gives that user a new version (now,
and again once its transaction commits). A request that read the rows just before a
write can store them only under the old version, which no later request accepts.

Writes are caught whichever way they go (``projects.models`` and ``projects.apps``):

- a membership's ``save()`` / ``delete()`` (services, invitations, the admin, cascades
  of a project or user deletion) by signals, its ``update()`` / ``bulk_create()`` by
  ``MembershipQuerySet``; an admin edit that moves a membership to another user bumps
  the previous user too;
- a project's ``save()`` (the admin) and an ``update()`` of a cached field (rename,
  archive, unarchive) bump every member of the project.

Access is never granted from here: ``tasks.permissions.visible_tasks`` keeps the
membership subquery, and the cached ids only narrow a list (``in_member_projects``).

The embedded mode's per-process cache could not see another process's writes, so there
(``CACHE_IS_SHARED`` false) the rows come from ``taskflow.request_memo``: read once per
request, so that a page's list and its project switcher share one read (the same writes
forget them), and on SQLite kept for the thread's next requests until the database
changes. Outside a request (jobs, commands) ``rows`` answers None there and callers
query the database. If Redis is
unreachable, reads miss and the database answers; a new version lost to an outage leaves
an entry alive at most ``ENTRY_TTL`` seconds.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any, NamedTuple

from django.conf import settings
from django.core.cache import cache
from django.db import transaction

from taskflow import batched_reads, query_shapes, request_memo
from taskflow.ids import new_id

ENTRY_TTL = 60
# A user in more projects is served by the queries (the switcher's reads at most
# SWITCHER_MAX rows): an entry that large would cost more to fetch and unpickle on every
# request than it saves. Their entry says so, so that they are not read each time.
ROWS_MAX = 500


class MembershipRow(NamedTuple):
    project_id: str
    role: str
    name: str
    inbox_owner_id: str | None
    archived: bool


# The membership and project fields an entry holds, in MembershipRow's order; stored in
# the entry so that one written by another release (other fields) is a miss.
FIELDS = ("project_id", "role", "project__name", "project__inbox_owner_id", "project__archived")
# Project fields an entry copies: writing any of them changes the members' rows.
PROJECT_FIELDS = frozenset({"name", "inbox_owner", "inbox_owner_id", "archived"})


def version_key(user_id: Any) -> str:
    return f"members:v:{user_id}"


def entry_key(user_id: Any) -> str:
    return f"members:rows:{user_id}"


def cache_keys(user_id: Any) -> list[str]:
    """What ``rows`` reads on a hit: an API request reads them in its authentication's
    round trip where its view names them (taskflow.batched_reads)."""
    return [version_key(user_id), entry_key(user_id)]


def rows(user: Any) -> list[MembershipRow] | None:
    """Every membership of ``user`` (authenticated) with its project's switcher fields,
    unordered; None above ``ROWS_MAX`` memberships, or without a shared cache outside a
    request (the caller queries the database)."""
    user_id = str(user.pk)
    if not settings.CACHE_IS_SHARED:
        return _rows_of_this_request(user_id)
    keys = cache_keys(user_id)
    # Read once a request: a list page's list, total and switcher all ask.
    found = batched_reads.take(keys)
    if found is None:
        found = cache.get_many(keys)
        batched_reads.keep(keys, found)
    version = found.get(version_key(user_id))
    if version is not None:
        entry = found.get(entry_key(user_id))
        if isinstance(entry, tuple) and len(entry) == 3 and entry[:2] == (version, FIELDS):
            return None if entry[2] is None else [MembershipRow(*row) for row in entry[2]]
    else:
        # add() keeps a version another instance created a moment ago.
        cache.add(version_key(user_id), new_id(), timeout=None)
        version = cache.get(version_key(user_id))
    # What follows writes these keys: a later read in this request goes to the cache.
    batched_reads.forget(keys)
    read = _read(user_id)
    too_many = len(read) > ROWS_MAX
    if version is not None:
        stored = None if too_many else tuple(read)
        cache.set(entry_key(user_id), (version, FIELDS, stored), timeout=ENTRY_TTL)
    return None if too_many else [MembershipRow(*row) for row in read]


def _rows_of_this_request(user_id: str) -> list[MembershipRow] | None:
    key = memo_key(user_id)
    found = request_memo.get(key)
    if found is None:
        if not request_memo.active():
            return None
        read = _read(user_id)
        found = (None if len(read) > ROWS_MAX else [MembershipRow(*row) for row in read],)
        request_memo.put(key, found)
    return found[0]


def memo_key(user_id: Any) -> tuple[str, str]:
    return ("members", str(user_id))


def _read(user_id: str) -> list[tuple[Any, ...]]:
    from projects.models import Membership

    # Read on every page when no cache holds it: built and compiled once per thread
    # (the statement names nothing but the user).
    return query_shapes.rows(
        ("members", user_id),
        lambda: (
            Membership.objects.filter(user_id=user_id)
            .order_by()
            .values_list(*FIELDS)[: ROWS_MAX + 1]
        ),
    )


def changed(user_ids: Iterable[Any]) -> None:
    """Called on every write to these users' memberships: their entries are no longer
    accepted."""
    ids = {str(pk) for pk in user_ids if pk is not None}
    if not ids:
        return
    for pk in ids:
        request_memo.forget(memo_key(pk))
        batched_reads.forget(cache_keys(pk))

    def bump() -> None:
        cache.set_many({version_key(pk): new_id() for pk in ids}, timeout=None)

    # Now (so this request and the tests see it), and after the commit: a request that
    # read the old rows between the two cached them under the version the commit replaces.
    bump()
    transaction.on_commit(bump)


def projects_changed(project_ids: Any) -> None:
    """Every member of these projects (a list of ids or a ``values("pk")`` subquery)."""
    from projects.models import Membership

    members = Membership.objects.filter(project_id__in=project_ids)
    changed(members.values_list("user_id", flat=True))


def on_membership_saving(sender: type, instance: Any, raw: bool = False, **kwargs: Any) -> None:
    # An edit (the admin's inline) may move a membership to another user: the previous
    # one loses the project. A new row (the usual case) costs no query.
    if instance._state.adding or raw:
        return
    previous = sender.objects.filter(pk=instance.pk).values_list("user_id", flat=True).first()
    if previous is not None and previous != instance.user_id:
        changed([previous])


def on_membership_written(sender: type, instance: Any, **kwargs: Any) -> None:
    changed([instance.user_id])


def on_project_saved(sender: type, instance: Any, created: bool, **kwargs: Any) -> None:
    # A new project has no members yet: its owner's membership bumps them.
    if not created:
        projects_changed([instance.pk])
