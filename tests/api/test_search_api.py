"""GET /api/tasks/?search= and the task list page on the full-text index: relevance
order by default, the requested order when one is named, cursors over ranked pages,
and input that is never more than words."""

from __future__ import annotations

import base64
import json
from urllib.parse import parse_qs, urlparse

import pytest
from django.db import connection

from tests.conftest import client_for

# MongoDB's text index neither ranks a list nor matches prefixes (tasks/search_backends.py).
pytestmark = pytest.mark.skipif(
    connection.vendor == "mongodb", reason="relevance order and prefixes are the SQL backends'"
)

LIST = "/api/tasks/"


def titles(response) -> list[str]:
    assert response.status_code == 200, response.content
    return [task["title"] for task in response.json()["results"]]


@pytest.fixture
def ranked(make_task) -> list[str]:
    """Five matches of "invoice" whose relevance order differs from creation order."""
    make_task(title="Archive", description="an invoice from last year")
    make_task(title="Invoice for March")
    make_task(title="Call", description="about the invoice and the invoice copy")
    make_task(title="Invoice, invoice reminder")
    make_task(title="Unrelated")
    make_task(title="Pay", description="invoice")
    return ["Invoice, invoice reminder", "Invoice for March"]


def test_a_search_lists_title_hits_first(api_client, ranked):
    found = titles(api_client.get(f"{LIST}?search=invoice"))
    assert len(found) == 5
    assert found[:2] == ranked
    assert "Unrelated" not in found


def test_a_named_ordering_is_kept(api_client, ranked):
    found = titles(api_client.get(f"{LIST}?search=invoice&ordering=title"))
    assert found == sorted(found)
    assert len(found) == 5


def test_ranked_pages_follow_each_other_without_gaps_or_repeats(api_client, ranked):
    everything = titles(api_client.get(f"{LIST}?search=invoice"))
    seen: list[str] = []
    pages = []
    url = f"{LIST}?search=invoice&page_size=2"
    while url:
        body = api_client.get(url).json()
        pages.append(body)
        seen += [task["title"] for task in body["results"]]
        url = body["next"]
    assert seen == everything
    assert len(pages) == 3
    # And back: the last page's previous link gives the page before it.
    back = api_client.get(pages[-1]["previous"]).json()
    assert [t["title"] for t in back["results"]] == [t["title"] for t in pages[1]["results"]]


def test_numbered_pages_of_a_search_are_ranked_too(api_client, ranked):
    body = api_client.get(f"{LIST}?search=invoice&page=1&page_size=2").json()
    assert body["count"] == 5
    assert [t["title"] for t in body["results"]] == ranked


@pytest.mark.parametrize("rank", ["nan", "inf", "x", 1])
def test_a_forged_rank_cursor_is_a_400(api_client, ranked, rank):
    raw = json.dumps(["-search_rank", rank, "0" * 26, 1]).encode()
    cursor = base64.urlsafe_b64encode(raw).decode().rstrip("=")
    response = api_client.get(f"{LIST}?search=invoice&cursor={cursor}")
    assert response.status_code == 400
    assert response.json()["code"] == "invalid_cursor"


def test_a_cursor_of_a_ranked_page_names_its_rank(api_client, ranked):
    body = api_client.get(f"{LIST}?search=invoice&page_size=2").json()
    cursor = parse_qs(urlparse(body["next"]).query)["cursor"][0]
    decoded = json.loads(base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)))
    assert decoded[0] == "-search_rank"
    assert isinstance(decoded[1], str)
    float(decoded[1])


@pytest.mark.parametrize(
    "query", ["' OR 1=1 --", '"', "*", "%22%20OR%20%22%22%3D%22", "NEAR(a%20b)", "%27%3B--", "%5C"]
)
def test_sql_and_fts_syntax_is_a_plain_search(api_client, ranked, query):
    assert titles(api_client.get(f"{LIST}?search={query}")) == []


def test_prefix_and_accent_folding_through_the_api(api_client, make_task):
    make_task(title="Café menu", description="")
    make_task(title="Menus", description="")
    assert titles(api_client.get(f"{LIST}?search=CAFE")) == ["Café menu"]
    assert set(titles(api_client.get(f"{LIST}?search=men"))) == {"Café menu", "Menus"}


def test_other_users_matches_stay_hidden(api_client, make_task, other_user):
    make_task(title="Shared word")
    make_task(owner=other_user, title="Shared word too")
    assert titles(api_client.get(f"{LIST}?search=shared")) == ["Shared word"]
    assert titles(client_for(other_user).get(f"{LIST}?search=shared")) == ["Shared word too"]


def test_the_list_page_offers_best_match_for_a_search(client, user, make_task):
    make_task(title="Notes", description="the budget")
    make_task(title="Budget")
    client.force_login(user)
    page = client.get("/tasks/", {"search": "budget"})
    assert [t.title for t in page.context["tasks"]] == ["Budget", "Notes"]
    assert '<option value="" selected>Best match</option>' in page.content.decode()
    by_title = client.get("/tasks/", {"search": "budget", "ordering": "-title"})
    assert [t.title for t in by_title.context["tasks"]] == ["Notes", "Budget"]
    assert "Best match</option>" in by_title.content.decode()
    assert "Best match" not in client.get("/tasks/").content.decode()
