"""The one FilterSet for task lists, shared by the API and the HTML list."""

from __future__ import annotations

from typing import Any

import django_filters
from django import forms
from django.db.models import Q, QuerySet

from tasks.models import TAG_MAX_LENGTH, Priority, Status
from tasks.selectors import overdue_q

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
    # Validated here, applied by the paginator (it needs the key to build cursors).
    ordering = django_filters.ChoiceFilter(choices=ORDERING_CHOICES, method="keep")

    def filter_priority(self, queryset: QuerySet, name: str, value: str) -> QuerySet:
        return queryset.filter(priority=Priority.from_name(value))

    def filter_tag(self, queryset: QuerySet, name: str, value: str) -> QuerySet:
        tag = " ".join(value.split()).lower()
        return queryset.filter(tag_links__name=tag) if tag else queryset

    def filter_search(self, queryset: QuerySet, name: str, value: str) -> QuerySet:
        term = value.strip()
        if not term:
            return queryset
        return queryset.filter(Q(title__icontains=term) | Q(description__icontains=term))

    def filter_overdue(self, queryset: QuerySet, name: str, value: bool | None) -> QuerySet:
        if value is None:
            return queryset
        return queryset.filter(overdue_q()) if value else queryset.exclude(overdue_q())

    def keep(self, queryset: QuerySet, name: str, value: Any) -> QuerySet:
        return queryset

    def ordering_key(self) -> str:
        """The validated sort key (call after is_valid())."""
        return self.form.cleaned_data.get("ordering") or DEFAULT_ORDERING
