"""The scenario mix for locust: `python -m bench mix` runs it headless against a
gunicorn it starts, or N instances behind nginx (`--instances 3 --nginx`, the shape
of `make cluster`), with accounts it seeds.

Each simulated user takes one seeded account (API tokens and a browser session made
by the orchestrator, listed in the JSON file named by BENCH_ACCOUNTS) and mixes what
people do: the dashboard, the task list with filters and search, the stats, creating
and updating tasks, and now and then a real password login (Argon2, rate limited).
"""

from __future__ import annotations

import itertools
import json
import os
import random
from pathlib import Path

from locust import FastHttpUser, between, task

ACCOUNTS = json.loads(Path(os.environ.get("BENCH_ACCOUNTS", "var/bench/accounts.json")).read_text())
_next_account = itertools.cycle(ACCOUNTS)
SEARCH_WORDS = ("invoice", "plan", "review", "budget")


class TaskFlowUser(FastHttpUser):
    wait_time = between(0.05, 0.2)

    def on_start(self) -> None:
        account = next(_next_account)
        self.account = account
        self.api = {"Authorization": f"Bearer {account['access']}"}
        self.browser = {"Cookie": f"sessionid={account['session']}"}
        self.task_ids: list[str] = list(account["task_ids"])

    @task(3)
    def dashboard(self) -> None:
        self.client.get("/dashboard/", headers=self.browser, name="GET /dashboard/")

    @task(3)
    def html_list(self) -> None:
        self.client.get("/tasks/?status=todo", headers=self.browser, name="GET /tasks/?status")

    @task(6)
    def api_list(self) -> None:
        self.client.get("/api/tasks/", headers=self.api, name="GET /api/tasks/")

    @task(3)
    def api_list_filtered(self) -> None:
        self.client.get(
            "/api/tasks/?status=in_progress&ordering=-updated_at",
            headers=self.api,
            name="GET /api/tasks/?status&ordering",
        )

    @task(2)
    def api_search(self) -> None:
        word = random.choice(SEARCH_WORDS)
        self.client.get(
            f"/api/tasks/?search={word}", headers=self.api, name="GET /api/tasks/?search"
        )

    @task(4)
    def stats(self) -> None:
        self.client.get("/api/tasks/stats/", headers=self.api, name="GET /api/tasks/stats/")

    @task(2)
    def create(self) -> None:
        with self.client.post(
            "/api/tasks/",
            json={"title": "Locust task", "priority": "high", "tags": ["load"]},
            headers=self.api,
            name="POST /api/tasks/",
            catch_response=True,
        ) as response:
            if response.status_code == 201:
                self.task_ids.append(response.json()["id"])
                response.success()
            else:
                response.failure(f"status {response.status_code}")

    @task(2)
    def update(self) -> None:
        task_id = random.choice(self.task_ids)
        self.client.patch(
            f"/api/tasks/{task_id}/",
            json={"status": random.choice(["todo", "in_progress", "done"])},
            headers=self.api,
            name="PATCH /api/tasks/{id}/",
        )

    @task(1)
    def login(self) -> None:
        self.client.post(
            "/api/auth/login/",
            json={"email": self.account["email"], "password": self.account["password"]},
            name="POST /api/auth/login/",
        )
