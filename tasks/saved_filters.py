"""Saved filters (SPEC §12): a user names the task list's current filter, pins it to
the nav, renames or deletes it. Reads and writes of a user's own rows only: another
user's filter, a missing one and a malformed id are the same 404.

The query is checked by the list's own FilterSet (tasks.filters) when it is saved, so
a saved filter opens a list that answers 200. The rows of a user are cached together
(one key per user, dropped by every write here): the nav shows the pinned ones on
every page without a query.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.db import IntegrityError
from django.http import Http404, HttpRequest, QueryDict

from taskflow import batched_reads
from taskflow.ids import is_valid_id
from tasks.filters import TaskFilter
from tasks.models import SAVED_FILTER_NAME_MAX, SAVED_FILTER_QUERY_MAX, SavedFilter, Task

SAVED_FILTERS_MAX = 50
PINNED_SHOWN = 5  # in the nav; the list page's menu shows them all
# The list's parameters a saved filter keeps: the filters, the order, the page size.
PAGE_SIZES = ("25", "50", "100")
KEPT = (*TaskFilter.base_filters, "page_size")


def _cache_key(user_id: Any) -> str:
    return f"saved_filters:v1:{user_id}"


def clean_query(raw: str) -> str:
    """``raw`` (a list query string) reduced to what a saved filter keeps, in one
    canonical order, blank values left out; ValidationError({"query": ...}) when the
    list's FilterSet rejects it or nothing is left to save."""
    if len(raw) > SAVED_FILTER_QUERY_MAX:
        raise ValidationError({"query": f"At most {SAVED_FILTER_QUERY_MAX} characters."})
    params = QueryDict(raw.lstrip("?"))
    kept = [(name, params[name].strip()) for name in KEPT if params.get(name, "").strip()]
    data = dict(kept)
    if data.get("page_size") and data["page_size"] not in PAGE_SIZES:
        del data["page_size"]
        kept = [(name, value) for name, value in kept if name != "page_size"]
    filters = TaskFilter(data, queryset=Task.objects.none())
    if not filters.is_valid():
        problems = [f"{name}: {' '.join(errors)}" for name, errors in filters.errors.items()]
        raise ValidationError({"query": "This filter has errors (" + "; ".join(problems) + ")."})
    if not kept:
        raise ValidationError({"query": "Choose a filter or an order first; then save it."})
    query = urlencode(kept)
    if len(query) > SAVED_FILTER_QUERY_MAX:
        raise ValidationError({"query": f"At most {SAVED_FILTER_QUERY_MAX} characters."})
    return query


def _clean_name(name: str) -> str:
    name = " ".join(str(name).split())
    if not name:
        raise ValidationError({"name": "Give the filter a name."})
    if len(name) > SAVED_FILTER_NAME_MAX:
        raise ValidationError({"name": f"At most {SAVED_FILTER_NAME_MAX} characters."})
    return name


def _check_name_free(user: Any, name: str, *, exclude_pk: str | None = None) -> None:
    taken = SavedFilter.objects.filter(user_id=user.pk, name__iexact=name)
    if exclude_pk:
        taken = taken.exclude(pk=exclude_pk)
    if taken.exists():
        raise ValidationError({"name": "You already have a filter with this name."})


# --- Reads ----------------------------------------------------------------------------


def user_filters(user: Any) -> list[dict[str, Any]]:
    """The user's saved filters ({id, name, query, pinned}), by name; cached."""
    if not getattr(user, "is_authenticated", False):
        return []
    key = _cache_key(user.pk)
    # Read with the page's session state where a page asked (taskflow.batched_reads).
    found = batched_reads.take([key])
    rows = cache.get(key) if found is None else found.get(key)
    if rows is None:
        batched_reads.forget([key])
        rows = [
            {"id": row.pk, "name": row.name, "query": row.query, "pinned": row.pinned}
            for row in SavedFilter.objects.filter(user_id=user.pk)[:SAVED_FILTERS_MAX]
        ]
        rows.sort(key=lambda row: (row["name"].casefold(), row["id"]))
        cache.set(key, rows, timeout=None)
    return rows


def cache_keys(user_id: str) -> list[str]:
    """What ``user_filters`` reads: every signed-in page shows the pinned ones."""
    return [_cache_key(user_id)]


def request_filters(request: HttpRequest) -> list[dict[str, Any]]:
    """``user_filters`` of the request's user, read once per request: the nav's pinned
    ones and the list page's menu share one cache read. A write here happens in a POST
    that redirects, so no page renders rows older than its own request."""
    rows = getattr(request, "_saved_filters", None)
    if rows is None:
        rows = user_filters(request.user)
        request._saved_filters = rows  # type: ignore[attr-defined]
    return rows


def pinned_filters(user: Any, rows: list[dict[str, Any]] | None = None) -> list[dict[str, Any]]:
    """The pinned ones of ``rows`` (default: the user's saved filters), as the nav shows."""
    rows = user_filters(user) if rows is None else rows
    return [row for row in rows if row["pinned"]][:PINNED_SHOWN]


def get_user_filter(user: Any, filter_id: Any) -> SavedFilter:
    """One of the user's own saved filters, or Http404 (missing, malformed, or
    another user's: the same answer)."""
    if not is_valid_id(filter_id):
        raise Http404("No such saved filter.")
    try:
        return SavedFilter.objects.get(pk=filter_id, user_id=user.pk)
    except SavedFilter.DoesNotExist:
        raise Http404("No such saved filter.") from None


# --- Writes ---------------------------------------------------------------------------


def _changed(user: Any) -> None:
    batched_reads.forget([_cache_key(user.pk)])
    cache.delete(_cache_key(user.pk))


def saved_filter_create(*, user: Any, name: str, query: str, pinned: bool = False) -> SavedFilter:
    name = _clean_name(name)
    query = clean_query(query)
    # Counted before the insert: without transactions (MongoDB) two saves at the same
    # moment could pass together, which a bound of this kind can live with.
    if SavedFilter.objects.filter(user_id=user.pk).count() >= SAVED_FILTERS_MAX:
        raise ValidationError(
            {
                "name": f"You have {SAVED_FILTERS_MAX} saved filters, the most there can be; "
                "delete one first."
            }
        )
    _check_name_free(user, name)
    saved = SavedFilter(user_id=user.pk, name=name, query=query, pinned=pinned)
    saved.full_clean(validate_constraints=False)
    try:
        saved.save(force_insert=True)
    except IntegrityError:  # the same name saved at the same moment
        raise ValidationError({"name": "You already have a filter with this name."}) from None
    _changed(user)
    return saved


def saved_filter_update(
    *, user: Any, saved: SavedFilter, name: str | None = None, pinned: bool | None = None
) -> SavedFilter:
    """Rename and/or pin or unpin; unchanged values write nothing."""
    fields = []
    if name is not None:
        name = _clean_name(name)
        if name != saved.name:
            _check_name_free(user, name, exclude_pk=saved.pk)
            saved.name = name
            fields.append("name")
    if pinned is not None and pinned != saved.pinned:
        saved.pinned = pinned
        fields.append("pinned")
    if fields:
        try:
            saved.save(update_fields=fields)
        except IntegrityError:
            raise ValidationError({"name": "You already have a filter with this name."}) from None
        _changed(user)
    return saved


def saved_filter_delete(*, user: Any, saved: SavedFilter) -> None:
    SavedFilter.objects.filter(pk=saved.pk, user_id=user.pk).delete()
    _changed(user)
