import pytest

pytestmark = pytest.mark.django_db


def test_create_and_list_own_task(api_client, other_client):
    created = api_client.post("/api/tasks/", {"title": " Plan "}, format="json")
    assert created.status_code == 201
    assert created.json()["title"] == "Plan"
    assert [t["title"] for t in api_client.get("/api/tasks/").json()["results"]] == ["Plan"]
    assert other_client.get("/api/tasks/").json()["results"] == []
    assert other_client.get(created["Location"]).status_code == 404
