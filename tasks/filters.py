"""The one FilterSet for task lists, shared by the API and the HTML list."""

from __future__ import annotations

import copy
from collections.abc import Callable
from typing import Any, TypeVar

import django_filters
from django import forms
from django.db import connection
from django.db.models import Q, QuerySet
from django.forms.utils import ErrorDict

from taskflow import query_shapes
from taskflow.backends import unions_sorted_ranges
from taskflow.ids import ID_LENGTH, is_valid_id
from tasks import counters, permissions, search_backends
from tasks.models import TAG_MAX_LENGTH, Priority, Status
from tasks.pagination import DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE
from tasks.selectors import overdue_q

# What a caller's page reader returns (TaskFilter.read_page).
_Page = TypeVar("_Page")

# Whitelisted sort keys; each is paged with (field, id) keysets (tasks.pagination).
ORDERING_FIELDS = ("created_at", "updated_at", "due_date", "priority", "title")
ORDERING_CHOICES = [(f, f) for f in ORDERING_FIELDS] + [(f"-{f}", f"-{f}") for f in ORDERING_FIELDS]
DEFAULT_ORDERING = "-created_at"
SEARCH_MAX = 200


_TRUE, _FALSE = ("true", "1", "yes"), ("false", "0", "no")


class StrictBooleanField(forms.NullBooleanField):
    """true/false (or empty for "any"); anything else is an error, not silently "any"
    as Django's NullBooleanSelect would make it."""

    widget = forms.TextInput

    def to_python(self, value: Any) -> bool | None:
        text = str(value).strip().lower() if value is not None else ""
        if text in _TRUE:
            return True
        if text in _FALSE:
            return False
        if text:
            raise forms.ValidationError("Enter true or false.", code="invalid")
        return None


class StrictBooleanFilter(django_filters.BooleanFilter):
    field_class = StrictBooleanField


class _CleanedForm:
    """Stands in for the form when __init__ already validated what the request named
    (nothing, or a valid lone search and ordering): nothing left to validate."""

    errors = ErrorDict()

    def __init__(self, cleaned_data: dict[str, Any]) -> None:
        self.cleaned_data = cleaned_data

    def is_valid(self) -> bool:
        return True


# The form fields django-filter builds for ``search`` and ``ordering`` (CharFilter,
# ChoiceFilter: required=False), built once: they keep no state between clean() calls.
_SEARCH_FIELD = forms.CharField(max_length=SEARCH_MAX, required=False)
_ORDERINGS = frozenset(f for f, _ in ORDERING_CHOICES)
# The filters a request may name and still skip django-filter's form.
_FAST_NAMES = frozenset({"search", "ordering"})


def _clean_fast(data: Any) -> dict[str, Any] | None:
    """The cleaned search and ordering when both are valid, else None: an invalid value
    takes the full form path, which writes the error (one wording for both paths)."""
    ordering = data.get("ordering") or ""
    if ordering and ordering not in _ORDERINGS:
        return None
    try:
        search = _SEARCH_FIELD.clean(data.get("search"))
    except forms.ValidationError:
        return None
    return {"search": search, "ordering": ordering}


# Below this many tasks over a user's projects, sorting them all costs less than
# building the merged per-project page query (docs/performance.md "Every ordering at
# 100,000 tasks"; since round 23 one range is compiled for all the projects, and a
# merged page of a user with 1,000 tasks in 6 projects still takes 1.2x (PostgreSQL)
# to 1.3x (SQLite) of the plain sort's time).
MERGED_FROM_TASKS = 5_000


def _merged_parts(project_ids: list[str], total: int | None = None) -> tuple[Q, ...]:
    """paginate's ``parts`` for a list over these projects: one per project where the
    merge pays (one read of the stats counters decides, or ``total`` if read), else
    none."""
    parts = permissions.member_project_parts(project_ids)
    if not parts or not unions_sorted_ranges(connection):
        return ()
    if total is None:
        total = counters.live_total(project_ids)
    if total < MERGED_FROM_TASKS:
        return ()
    return tuple(parts)


def _rows_wanted(data: Any) -> int:
    """The rows a cursor page reads (its size and one more), for a plan's estimate
    only: paginate validates the size."""
    try:
        size = int(data.get("page_size") or DEFAULT_PAGE_SIZE)
    except (TypeError, ValueError):
        size = DEFAULT_PAGE_SIZE
    return min(max(size, 1), MAX_PAGE_SIZE) + 1


class TaskFilter(django_filters.FilterSet):
    status = django_filters.ChoiceFilter(choices=Status.choices)
    priority = django_filters.ChoiceFilter(
        choices=[(p.api_name, p.api_name) for p in Priority], method="filter_priority"
    )
    tag = django_filters.CharFilter(max_length=TAG_MAX_LENGTH, method="filter_tag")
    search = django_filters.CharFilter(max_length=SEARCH_MAX, method="filter_search")
    due_after = django_filters.DateFilter(field_name="due_date", lookup_expr="gte")
    due_before = django_filters.DateFilter(field_name="due_date", lookup_expr="lte")
    overdue = StrictBooleanFilter(method="filter_overdue")
    project = django_filters.CharFilter(max_length=ID_LENGTH, method="filter_project")
    assignee = django_filters.CharFilter(
        max_length=ID_LENGTH, method="filter_assignee", help_text="A user id or `me`."
    )
    created_by = django_filters.CharFilter(max_length=ID_LENGTH, method="filter_created_by")
    # Validated here, applied by the paginator (it needs the key to build cursors).
    ordering = django_filters.ChoiceFilter(choices=ORDERING_CHOICES, method="keep")

    def __init__(
        self,
        data: Any = None,
        queryset: QuerySet | None = None,
        *,
        request: Any = None,
        prefix: str | None = None,
    ) -> None:
        # Most list requests carry no filter at all, and most searches only a search
        # (and maybe an ordering). FilterSet.__init__ deep-copies every declared filter
        # and is_valid() builds and cleans a form: ~10% of a list request, ~20% of a
        # search. Validate those two here then, with the same fields.
        cleaned = None
        if data is not None and queryset is not None and prefix is None:
            named = {name for name in self.base_filters if name in data}
            if not named:
                cleaned = {}
            elif named <= _FAST_NAMES:
                cleaned = _clean_fast(data)
        self._no_filters = cleaned is not None
        if cleaned is None:
            super().__init__(data, queryset, request=request, prefix=prefix)
            return
        self.is_bound = True
        self.data = data
        self.queryset = queryset
        self.request = request
        self.form_prefix = prefix
        self._form = _CleanedForm(cleaned)
        search = cleaned.get("search") or ""

        def searched(rows: QuerySet) -> QuerySet:
            # As FilterSet.filter_queryset: a method filter skips an empty value.
            return self.filter_search(rows.all(), "search", search) if search else rows.all()

        if search and not search_backends.narrows_in_the_statement(queryset):
            self._qs = searched(queryset)
        else:
            # A shape of the permission layer stays one: the next steps, and the page's
            # statement (pagination.paginate's ``shape``), are built once per thread.
            self._qs = query_shapes.derive(queryset, ("search", search), searched)

    def __getattr__(self, name: str) -> Any:
        # Only reached when __init__ skipped building the per-instance filters.
        if name == "filters" and self.__dict__.get("_no_filters"):
            self.filters = copy.deepcopy(self.base_filters)
            for filter_ in self.filters.values():
                filter_.model = self.queryset.model
                filter_.parent = self
            return self.filters
        raise AttributeError(name)

    def filter_priority(self, queryset: QuerySet, name: str, value: str) -> QuerySet:
        return queryset.filter(priority=Priority.from_name(value))

    def filter_tag(self, queryset: QuerySet, name: str, value: str) -> QuerySet:
        tag = " ".join(value.split()).lower()
        return queryset.filter(tag_links__name=tag) if tag else queryset

    def filter_search(self, queryset: QuerySet, name: str, value: str) -> QuerySet:
        # The backend's full-text index (tasks/search_backends.py), inside the scope the
        # permission layer gave this FilterSet.
        return search_backends.narrow(queryset, value) if value.strip() else queryset

    def can_rank(self) -> bool:
        """Whether this list can be ordered by relevance: a search with words, on a
        backend that ranks (call after is_valid())."""
        search = self.form.cleaned_data.get("search") or ""
        return bool(search_backends.words(search)) and search_backends.ranks_available(
            self.queryset
        )

    def _by_relevance(self) -> bool:
        """A search without an explicit ordering lists the best matches first."""
        return not self.form.cleaned_data.get("ordering") and self.can_rank()

    def filter_overdue(self, queryset: QuerySet, name: str, value: bool | None) -> QuerySet:
        if value is None:
            return queryset
        return queryset.filter(overdue_q()) if value else queryset.exclude(overdue_q())

    def filter_project(self, queryset: QuerySet, name: str, value: str) -> QuerySet:
        # A malformed id matches nothing (never a 500); ids of projects the user is not
        # in match nothing either: the queryset is already visible_tasks.
        return queryset.filter(project_id=value) if is_valid_id(value) else queryset.none()

    def filter_assignee(self, queryset: QuerySet, name: str, value: str) -> QuerySet:
        if value == "me":
            user = getattr(self.request, "user", None)
            value = getattr(user, "pk", None) or ""
        return queryset.filter(assignee_id=value) if is_valid_id(value) else queryset.none()

    def filter_created_by(self, queryset: QuerySet, name: str, value: str) -> QuerySet:
        if not is_valid_id(value):
            return queryset.none()
        return permissions.created_by(queryset, value)

    def keep(self, queryset: QuerySet, name: str, value: Any) -> QuerySet:
        return queryset

    def ordering_key(self) -> str:
        """The validated sort key (call after is_valid()): the requested one; without
        one, relevance for a search (where the backend ranks) or the newest first."""
        if self._by_relevance():
            return search_backends.RELEVANCE
        return self.form.cleaned_data.get("ordering") or DEFAULT_ORDERING

    # Set by list_query for a list over several projects: pagination.paginate's parts.
    page_parts: tuple[Q, ...] = ()
    # Set by list_query where a search walks its order's index (_walk): the page's rows
    # are then found that way only; count ``qs`` (through the matches) instead. Its
    # budget (search_backends.walk_plan) and what names its scope (walk_abandoned).
    walked = False
    _walk_budget = 0.0
    _walk_scope: tuple[str, ...] = ()

    def list_query(
        self, *, reader: Any = None, project_ids: list[str] | None = None, walk: bool = True
    ) -> tuple[QuerySet, str]:
        """The filtered rows and their sort key for a list page (call after is_valid()):
        a search ranked by relevance carries its rank (the board orders by position
        and reads ``qs`` without it). ``reader``: the user of a list over all of their
        projects, whose page query then names them so that a database can read it in
        index order (permissions.in_member_projects; ``project_ids`` if the caller read
        them already); not for a one-project list. A search finds its rows through its
        own index, but where one listed in a column's order walks that order's index
        instead (``_walk``; ``walk``: whether the filtered queryset is all of the
        reader's visible tasks, which the walk's estimate counts)."""
        ordering = self.ordering_key()
        cleaned = self.form.cleaned_data
        # Each step is kept with the shape it starts from where that is one
        # (query_shapes.derive: only __init__'s search and ordering lead here).
        if ordering == search_backends.RELEVANCE:
            search = cleaned["search"]

            def ranked(rows: QuerySet) -> QuerySet:
                return search_backends.with_rank(rows, search)

            return query_shapes.derive(self.qs, ("rank", search), ranked), ordering
        if reader is not None and not cleaned.get("project"):
            search = cleaned.get("search") or ""
            if search:
                if not walk:
                    return self.qs, ordering
                return self._walk(reader, project_ids, search, ordering)
            if project_ids is None:
                project_ids = permissions.member_project_id_list(reader)
            self.page_parts = _merged_parts(project_ids)
            return self._in_projects(self.qs, project_ids), ordering
        return self.qs, ordering

    def read_page(self, rows: QuerySet, read: Callable[[QuerySet], _Page]) -> _Page:
        """``read(rows)``: the caller's page of the rows ``list_query`` returned (its
        ``page_parts`` read when called). A walked search that runs past its budget
        (``search_backends.walk_budget``: what reading through its matches would have
        cost) is read again through its matches, the same rows; the same search over the
        same projects then reads its matches first for a minute
        (``search_backends.walk_abandoned``)."""
        if not self.walked:
            return read(rows)
        search = self.form.cleaned_data["search"]
        try:
            with search_backends.walk_budget(self._walk_budget, self.queryset.db):
                return read(rows)
        except search_backends.WalkTooLong:
            search_backends.walk_abandoned(search, scope=self._walk_scope, using=self.queryset.db)
        self.page_parts = ()
        return read(self.qs)

    @staticmethod
    def _in_projects(rows: QuerySet, project_ids: list[str]) -> QuerySet:
        listed = tuple(project_ids)

        def in_projects(rows: QuerySet) -> QuerySet:
            return permissions.in_member_projects(rows, list(listed))

        # The ids as read now name the step: a shape built for the projects of
        # before is never reused after the user joined or left one.
        return query_shapes.derive(rows, ("in", listed), in_projects)

    def _walk(
        self, reader: Any, project_ids: list[str] | None, search: str, ordering: str
    ) -> tuple[QuerySet, str]:
        """A search listed in a column's order over all of the reader's projects: on
        SQLite, where its matches are dense enough in them
        (``search_backends.walks_in_order``), its cursor pages walk the order's index in
        each project and test each row against the matches; else, and elsewhere, the
        matches are read first (``qs``). Only where the search and ordering are the only
        filters (``__init__``'s fast path: the walked rows are built from the scoped
        queryset here), and not for numbered pages (they count their rows)."""
        if not self._no_filters or self.data.get("page") not in (None, ""):
            return self.qs, ordering
        if not search_backends.walks_possible(self.queryset):
            return self.qs, ordering
        if project_ids is None:
            project_ids = permissions.member_project_id_list(reader)
        sizes = counters.live_counts(project_ids)
        total = sum(sizes)
        parts = _merged_parts(project_ids, total)
        # What a walk abandoned for being slow was slow for: this order of these ranges.
        scope = (ordering, *project_ids)
        budget = search_backends.walk_plan(
            search,
            sizes=sizes if parts else [total],
            in_order=bool(parts) or len(project_ids) == 1,
            page=_rows_wanted(self.data),
            database_total=counters.database_total,
            using=self.queryset.db,
            scope=scope,
        )
        if budget is None:
            return self.qs, ordering

        def walked(rows: QuerySet) -> QuerySet:
            return search_backends.narrow(rows.all(), search, walk=True)

        self.walked = True
        self._walk_budget = budget
        self._walk_scope = scope
        self.page_parts = parts
        rows = query_shapes.derive(self.queryset, ("walk", search), walked)
        return self._in_projects(rows, project_ids), ordering
