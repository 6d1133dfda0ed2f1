"""The API's JSON renderer (taskflow.renderers): orjson for the common case, the same
bytes as DRF's renderer for every value (docs/performance.md, "Round 20 (issue 15)")."""

from __future__ import annotations

import dataclasses
import datetime
import decimal
import uuid
import zoneinfo

import pytest
from django.utils.translation import gettext_lazy
from rest_framework import renderers as drf_renderers
from rest_framework.exceptions import ErrorDetail
from rest_framework.settings import api_settings
from rest_framework.utils.serializer_helpers import ReturnDict, ReturnList

from taskflow.renderers import JSONRenderer


@dataclasses.dataclass
class Point:
    x: int
    y: int


TASK = {
    "id": "t_8f3k2j3k4l5m6n7p",
    "title": 'Écrire le rapport — 日本語 \u2028 and \u2029, "quoted" \\ \t\n',
    "tags": ["work", "finance"],
    "due_time": None,
    "version": 3,
    "done": False,
    "ratio": 0.5,
    "checklist": {"done": 0, "total": 2},
}

# What orjson writes itself (and must write as DRF does).
PLAIN = [
    TASK,
    {"results": [TASK] * 20, "next": "http://testserver/api/tasks/?cursor=cD0y", "previous": None},
    [],
    {},
    "text",
    0,
    -(2**63),
    2**64 - 1,
    12.75,
    True,
    {"detail": ErrorDetail("Not found.", code="not_found")},
    {"title": [ErrorDetail("This field is required.", code="required")]},
    ReturnDict({"a": 1}, serializer=None),
    ReturnList([1, 2], serializer=None),
    {"id": uuid.UUID("12345678-1234-5678-1234-567812345678")},
    ("a", "tuple"),
]

# What DRF's encoder writes otherwise than orjson would, or orjson cannot write.
OTHERS = [
    {"at": datetime.datetime(2026, 12, 6, 4, 5, 6, 789000, tzinfo=datetime.UTC)},
    {"at": datetime.datetime(2026, 12, 6, 4, 5, 6, tzinfo=zoneinfo.ZoneInfo("Asia/Kolkata"))},
    {"day": datetime.date(2026, 12, 6), "time": datetime.time(9, 30)},
    {"amount": decimal.Decimal("1.10")},
    {"label": gettext_lazy("Today")},
    {1: "an integer key"},
    {"big": 2**70},
    {"point": Point(1, 2)},
    {"raw": b"bytes"},
    {"every": {1, 2}},
]


def _drf(data, media_type=None, context=None):
    return drf_renderers.JSONRenderer().render(data, media_type, context)


@pytest.mark.parametrize("data", PLAIN, ids=range(len(PLAIN)))
def test_plain_values_are_written_by_orjson_as_drf_writes_them(data, monkeypatch):
    expected = _drf(data)

    def refuse(*args, **kwargs):
        raise AssertionError("json.dumps called: the orjson path was not taken")

    monkeypatch.setattr(drf_renderers.json, "dumps", refuse)
    assert JSONRenderer().render(data) == expected


def test_line_and_paragraph_separators_are_escaped_as_drf_escapes_them():
    body = JSONRenderer().render({"t": "a\u2028b\u2029c"})
    assert body == b'{"t":"a\\u2028b\\u2029c"}'


@pytest.mark.parametrize("data", OTHERS, ids=range(len(OTHERS)))
def test_other_values_go_to_drfs_renderer(data):
    try:
        expected = _drf(data)
    except TypeError:
        # DRF's encoder cannot write it either: the same error, not a different body.
        with pytest.raises(TypeError):
            JSONRenderer().render(data)
        return
    assert JSONRenderer().render(data) == expected


def test_an_indent_asked_for_is_drfs_indented_body():
    media_type = "application/json; indent=4"
    body = JSONRenderer().render(TASK, media_type, {})
    assert body == _drf(TASK, media_type, {})
    assert b'\n    "id"' in body
    assert JSONRenderer().render(TASK, None, {"indent": 2}) == _drf(TASK, None, {"indent": 2})


def test_none_is_an_empty_body():
    assert JSONRenderer().render(None) == b""


def test_the_api_renders_with_it():
    assert api_settings.DEFAULT_RENDERER_CLASSES[0] is JSONRenderer
