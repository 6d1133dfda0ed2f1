"""What the outside `schemathesis run --checks all` found: the server and the served
OpenAPI schema disagreed. Each case pins one agreement (each failed before the fix)."""

from __future__ import annotations

import re

import pytest
from drf_spectacular.generators import SchemaGenerator

from projects.columns import project_columns
from projects.inbox import inbox_id_of
from projects.services import project_create

pytestmark = pytest.mark.django_db


@pytest.fixture(scope="module")
def schema() -> dict:
    return SchemaGenerator().get_schema(request=None, public=True)


@pytest.mark.parametrize("name", ["stats", "bulk", "export"])
@pytest.mark.parametrize("method", ["put", "patch", "delete"])
def test_a_non_id_never_reaches_another_route(api_client, name, method):
    # Before: PUT /api/tasks/stats/ reached the stats route and got an undocumented 405.
    response = getattr(api_client, method)(f"/api/tasks/{name}/x/", {}, format="json")
    assert response.status_code == 404
    assert response.json()["code"] == "not_found"


def test_the_id_path_parameter_has_the_id_pattern(schema):
    for method, operation in schema["paths"]["/api/tasks/{id}/"].items():
        (param,) = [p for p in operation["parameters"] if p["in"] == "path"]
        assert param["schema"]["pattern"] == "^[0-9A-HJKMNP-TV-Z]{26}$", method
    assert not re.match(param["schema"]["pattern"], "stats")


def test_page_maximum_is_documented(schema):
    params = {p["name"]: p for p in schema["paths"]["/api/tasks/"]["get"]["parameters"]}
    assert params["page"]["schema"]["maximum"] == 10_000


@pytest.mark.parametrize(
    "query",
    [
        "due_before=",
        "due_after=%20",
        "due_before=10/25/2006",
        "overdue=1",
        "page=",
        "page=+2",
        "page_size=",
        "status=",
        "ordering=",
    ],
)
def test_list_parameters_outside_the_schema_are_400(api_client, query):
    # Before: an empty due_before (and the others) was accepted as "no filter".
    assert api_client.get(f"/api/tasks/?{query}").status_code == 400


@pytest.mark.parametrize(
    "body",
    [{"title": 0}, {"title": "x", "tags": [1]}, {"title": "x", "tags": ["a,b"]}, {"title": " "}],
)
def test_task_bodies_outside_the_schema_are_400(api_client, body):
    # Before: numbers were taken as strings (201), so the schema's "string" was false.
    assert api_client.post("/api/tasks/", body, format="json").status_code == 400


def test_schema_says_tags_refuse_commas_and_bulk_ids_are_not_empty(schema):
    components = schema["components"]["schemas"]
    tag = components["TaskRequest"]["properties"]["tags"]["items"]
    assert not re.search(tag["pattern"], "a,b")
    assert re.search(tag["pattern"], "a b")
    assert components["BulkActionRequest"]["properties"]["ids"]["minItems"] == 1


def test_profile_bio_must_be_a_string(api_client):
    assert api_client.patch("/api/auth/me/", {"bio": 0}, format="json").status_code == 400


@pytest.mark.parametrize(
    ("path", "method", "codes"),
    [
        ("/api/tasks/{id}/", "put", {"401", "409", "412", "413", "415", "429"}),
        ("/api/tasks/{id}/", "delete", {"401", "409", "412", "429"}),
        ("/api/tasks/", "post", {"401", "413", "415", "422", "429"}),
        ("/api/auth/login/", "post", {"400", "401", "413", "415", "429"}),
    ],
)
def test_responses_the_server_gives_are_declared(schema, path, method, codes):
    assert codes <= set(schema["paths"][path][method]["responses"])


def test_invalid_body_is_400_even_with_a_stale_if_match(api_client, make_task):
    # Found by the stateful fuzz run: the If-Match check came first and answered 412.
    task = make_task()
    response = api_client.generic(
        "PATCH", f"/api/tasks/{task.pk}/", b"not json", "application/json", HTTP_IF_MATCH='"9"'
    )
    assert response.status_code == 400


@pytest.mark.parametrize("target", ["project", "column"])
def test_invalid_project_or_column_body_is_400_even_with_a_bad_if_match(api_client, user, target):
    # make fuzz (seed 4227641996, stateful): PATCH /api/projects/{id}/ with random bytes
    # and an unparseable If-Match was a 412; the column PATCH read If-Match first too.
    project = project_create(actor=user, name="Shared")
    url = f"/api/projects/{project.pk}/"
    if target == "column":
        column = project_columns(project.pk)[0]
        url = f"/api/projects/{project.pk}/columns/{column.pk}/"
    for if_match in ('W/"vvGsG{sUf"', '"9"'):
        response = api_client.generic(
            "PATCH", url, b"\xd7\xa6[\x00", "application/json", HTTP_IF_MATCH=if_match
        )
        assert response.status_code == 400, (if_match, response.content)
        assert response.json()["code"] == "parse_error"


_TEXT_FILTERS = {
    "/api/tasks/": ("assignee", "created_by", "project", "tag", "search"),
    "/api/projects/{project_pk}/board/": ("assignee", "tag", "search"),
    "/api/projects/{project_pk}/board/columns/{column_pk}/cards/": ("assignee", "tag", "search"),
}


@pytest.mark.parametrize("path", list(_TEXT_FILTERS))
def test_filter_parameters_say_what_the_server_refuses(schema, api_client, user, path):
    # make fuzz (seed 3653013093): the board's `search` with a NUL was a 400 the schema
    # did not announce; the task list's filters were django-filter's plain strings, and
    # its `overdue` admitted any string although only true/false pass.
    params = {p["name"]: p["schema"] for p in schema["paths"][path]["get"]["parameters"]}
    project = inbox_id_of(user)
    column = project_columns(project)[0].pk
    url = path.replace("{project_pk}", project).replace("{column_pk}", column)
    for name in _TEXT_FILTERS[path]:
        rule = params[name]
        assert not re.search(rule["pattern"], "a\x00b"), name
        assert api_client.get(url, {name: "a\x00b"}).status_code == 400, name
        too_long = "m" * (rule["maxLength"] + 1)
        assert api_client.get(url, {name: too_long}).status_code == 400, name
        assert re.search(rule["pattern"], "me")
    assert params["overdue"]["enum"] == ["true", "false"]
    assert api_client.get(url, {"overdue": "maybe"}).status_code == 400
    assert api_client.get(url, {"overdue": "true", "search": "ça va"}).status_code == 200


@pytest.mark.parametrize(
    ("method", "path"),
    [("get", "/api/tasks/"), ("delete", "/api/projects/0/columns/0/"), ("post", "/api/tasks/")],
)
def test_an_accept_header_nothing_answers_is_a_declared_406(schema, api_client, method, path):
    # Content negotiation runs before authentication and the view: any operation.
    response = getattr(api_client, method)(path, HTTP_ACCEPT="L")
    assert response.status_code == 406
    assert response.json()["code"] == "not_acceptable"
    undeclared = [
        f"{verb.upper()} {route}"
        for route, operations in schema["paths"].items()
        for verb, operation in operations.items()
        if "406" not in operation["responses"]
    ]
    assert undeclared == []
