"""The API docs (Swagger UI, Redoc) read as written for people: every operation has a
summary and a plain description, grouped under described tags, with no developer notes;
401s are documented; the JWT is the first way to authorize."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import pytest
from drf_spectacular.generators import SchemaGenerator

pytestmark = pytest.mark.django_db

METHODS = ("get", "post", "put", "patch", "delete")
# What leaks from code into text: docstring phrasing, reST markup, attribute access,
# class and module names, internal settings.
DEVELOPER_MARKERS = [
    re.compile(r"\bMix into\b"),
    re.compile(r"\bself\."),
    re.compile(r"``"),
    re.compile(r"\b(?:TODO|FIXME|XXX)\b"),
    re.compile(r"\b[A-Z][a-z]+(?:[A-Z][a-z0-9]*)+\b"),  # CamelCase: a class name
    re.compile(r"\b[a-z_]+\.(?:services|selectors|permissions|api|models|views)\b"),
    re.compile(r"\b(?:docstring|queryset|serializer|viewset|mixin)s?\b", re.IGNORECASE),
    re.compile(r"\bACCOUNT_[A-Z_]+\b"),  # a Django setting
]
# CamelCase words that are names of things, not of code.
ALLOWED_CAMELCASE = {"TaskFlow", "JavaScript", "iCal", "ETag", "WebSocket"}


@pytest.fixture(scope="module")
def schema() -> dict[str, Any]:
    return SchemaGenerator().get_schema(request=None, public=True)


def operations(schema: dict[str, Any]) -> Iterator[tuple[str, dict[str, Any]]]:
    for path, item in schema["paths"].items():
        for method in METHODS:
            if method in item:
                yield f"{method.upper()} {path}", item[method]


def texts(schema: dict[str, Any]) -> Iterator[tuple[str, str]]:
    """Every text a reader of the docs sees, named by where it is."""
    yield "info", schema["info"]["description"]
    for name, operation in operations(schema):
        yield f"{name} summary", operation.get("summary", "")
        yield f"{name} description", operation.get("description", "")
        for code, response in operation["responses"].items():
            yield f"{name} {code}", response.get("description", "")
    for tag in schema.get("tags", []):
        yield f"tag {tag['name']}", tag.get("description", "")
    for name, scheme in schema["components"]["securitySchemes"].items():
        yield f"scheme {name}", scheme.get("description", "")
    for name, component in schema["components"]["schemas"].items():
        # An enum's description lists its values ("* `Antarctica/McMurdo` - ..."): data.
        lines = component.get("description", "").splitlines()
        yield f"component {name}", "\n".join(x for x in lines if not x.startswith("* `"))


def leaks(text: str) -> list[str]:
    found = [match.group(0) for marker in DEVELOPER_MARKERS for match in marker.finditer(text)]
    return [word for word in found if word not in ALLOWED_CAMELCASE]


def test_every_operation_has_a_short_summary_and_a_description(schema):
    undocumented = [
        name
        for name, operation in operations(schema)
        if not operation.get("summary") or len(operation.get("description", "")) < 40
    ]
    assert undocumented == []


def test_summaries_are_short_headings_not_operation_ids(schema):
    bad = [
        (name, operation["summary"])
        for name, operation in operations(schema)
        if len(operation["summary"]) > 50
        or operation["summary"].endswith(".")
        or not operation["summary"][0].isupper()
        or "_" in operation["summary"]
    ]
    assert bad == []


def test_summaries_are_unique(schema):
    summaries = [operation["summary"] for _, operation in operations(schema)]
    assert sorted({s for s in summaries if summaries.count(s) > 1}) == []


def test_no_text_carries_developer_notes(schema):
    found = [(where, leaks(text)) for where, text in texts(schema) if leaks(text)]
    assert found == []


def test_the_leak_check_sees_a_docstring_and_a_class_name():
    # The check above is only as good as its markers: the description logout showed
    # before, and a plain sentence.
    assert leaks("Mix into a view that manages credentials: a personal API token gets")
    assert leaks("Raises ``TokenRejected`` from RevocableJWTAuthentication.")
    assert leaks("Reads go through tasks.selectors") == ["tasks.selectors"]
    assert leaks("Sign in with your email and password; the ETag changes.") == []


def test_every_authenticated_operation_documents_401(schema):
    missing = [
        name
        for name, operation in operations(schema)
        if any(operation.get("security", [{}])) and "401" not in operation["responses"]
    ]
    assert missing == []


@pytest.mark.parametrize(
    ("path", "code"),
    [
        ("/api/auth/login/", "invalid_credentials"),
        ("/api/auth/login/mfa/", "ticket_not_valid"),
        ("/api/auth/refresh/", "token_not_valid"),
    ],
)
def test_operations_without_a_token_document_their_own_401(schema, path, code):
    operation = schema["paths"][path]["post"]
    assert operation["security"] == [{}]
    assert code in operation["responses"]["401"]["description"]


def test_the_jwt_scheme_comes_first_and_says_how_to_get_a_token(schema):
    schemes = schema["components"]["securitySchemes"]
    assert list(schemes) == ["jwtAuth", "personalToken", "cookieAuth"]
    assert schemes["jwtAuth"]["scheme"] == "bearer"
    assert "POST /api/auth/login/" in schemes["jwtAuth"]["description"]
    assert all(scheme.get("description") for scheme in schemes.values())


def test_every_operation_lists_the_jwt_first(schema):
    orders = {
        tuple(name for requirement in operation["security"] for name in requirement)
        for _, operation in operations(schema)
        if any(operation.get("security", [{}]))
    }
    assert orders == {("jwtAuth", "personalToken", "cookieAuth")}


def test_every_tag_is_described_and_used(schema):
    described = {tag["name"]: tag.get("description", "") for tag in schema["tags"]}
    used = {tag for _, operation in operations(schema) for tag in operation["tags"]}
    assert used == set(described)
    assert [name for name, text in described.items() if len(text) < 20] == []


def test_the_docs_page_keeps_the_token_and_hides_operation_ids(anon_client):
    # The split view serves Swagger UI's settings in its init script, not in the page.
    script = anon_client.get("/api/docs/?script=").content.decode()
    assert '"persistAuthorization": true' in script
    assert '"displayOperationId": false' in script
