"""taskflow.scrub: what counts as a secret, by key and by look."""

from __future__ import annotations

from functools import reduce

import pytest

from taskflow.scrub import FILTERED, scrub, scrub_text

JWT = "eyJhbGciOiJIUzI1NiJ9.eyJ1c2VyX2lkIjoiMDEifQ.c2lnbmF0dXJlLXZhbHVl"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (f"refresh rejected: {JWT}", f"refresh rejected: {FILTERED}"),
        ("Authorization: Bearer abc.def-ghi_jkl", f"Authorization: Bearer {FILTERED}"),
        ("form password=hunter22&email=a@b.c", f"form password={FILTERED}&email=a@b.c"),
        ("{'new_password': 'S3cret!x'}", f"{{'new_password': '{FILTERED}'}}"),
        ('{"refresh": "opaque-value"}', f'{{"refresh": "{FILTERED}"}}'),
        ("Cookie: sessionid=abc123; theme=dark", f"Cookie: sessionid={FILTERED}; theme=dark"),
        ("GET /api/tasks/ 200 in 7 ms", "GET /api/tasks/ 200 in 7 ms"),
    ],
)
def test_scrub_text(text, expected):
    assert scrub_text(text) == expected


def test_scrub_walks_containers_and_masks_by_key():
    event = {
        "password": "hunter22",
        "Old_Password": "hunter21",
        "token_type": "Bearer",
        "data": {"email": "a@example.com", "refresh": "opaque", "nested": [{"api_key": "k"}]},
        "headers": [["Authorization", "Basic dXNlcjpwYXNz"], ["Accept", "*/*"]],
        "cookies": {"csrftoken": "c", "theme": "dark"},
        "status": 200,
        "empty_password": "",
    }

    assert scrub(event) == {
        "password": FILTERED,
        "Old_Password": FILTERED,
        "token_type": "Bearer",
        "data": {"email": "a@example.com", "refresh": FILTERED, "nested": [{"api_key": FILTERED}]},
        "headers": [["Authorization", FILTERED], ["Accept", "*/*"]],
        "cookies": FILTERED,
        "status": 200,
        "empty_password": "",  # nothing to hide, and it tells "empty" from "hidden"
    }


def test_scrub_gives_up_on_absurd_nesting_rather_than_recursing_forever():
    deep = reduce(lambda inner, _: {"next": inner}, range(50), {})

    flattened = scrub(deep)

    assert reduce(lambda node, _: node["next"], range(13), flattened) == FILTERED
