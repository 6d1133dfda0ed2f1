"""A real gunicorn with 3 workers: metrics add up across workers (and across worker
restarts), and every line it writes, its own and the application's, is JSON."""

from __future__ import annotations

import json
import os
import urllib.error
import urllib.request
from pathlib import Path

import pytest
from prometheus_client.parser import text_string_to_metric_families

from devservers import Gunicorn

pytestmark = [pytest.mark.integration, pytest.mark.slow]

ROOT = Path(__file__).resolve().parents[2]
TOKEN = "gunicorn-test-scrape-token-42"
REQUESTS = 36
# Each worker is replaced after this many requests: the counts must survive that.
MAX_REQUESTS = 10


def _get(port: int, path: str, headers: dict[str, str]) -> tuple[int, dict[str, str], str]:
    request = urllib.request.Request(f"http://127.0.0.1:{port}{path}", headers=headers)
    # A liveness bound, not a timing check: when workers reach --max-requests together,
    # the request waits for a fresh worker to boot, which a loaded 2-core machine made
    # take over 30 s once.
    with urllib.request.urlopen(request, timeout=120) as response:
        return response.status, dict(response.headers), response.read().decode()


def _healthz_count(metrics_text: str) -> float:
    return sum(
        sample.value
        for family in text_string_to_metric_families(metrics_text)
        for sample in family.samples
        if sample.name == "django_http_requests_total_by_view_transport_method_total"
        and sample.labels.get("view") == "healthz"
    )


@pytest.fixture(scope="module")
def gunicorn(tmp_path_factory: pytest.TempPathFactory):
    tmp_path = tmp_path_factory.mktemp("gunicorn")
    multiproc_dir = tmp_path / "prometheus"
    multiproc_dir.mkdir()
    (multiproc_dir / "counter_999999.db").write_bytes(b"stale file of an earlier run")
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("PROMETHEUS", "SENTRY", "DJANGO", "METRICS", "LOG_", "GUNICORN"))
    }
    env.update(
        DJANGO_SETTINGS_MODULE="taskflow.settings",
        DATABASE_URL=f"sqlite:///{tmp_path / 'db.sqlite3'}",
        PROMETHEUS_MULTIPROC_DIR=str(multiproc_dir),
        METRICS_TOKEN=TOKEN,
        METRICS_ALLOWED_IPS="192.0.2.1",  # not us: the token must be what lets us in
        REDIS_URL="",
    )
    # The deployed config (gthread workers, the observability hooks); flags override.
    args = ["--workers", "3", "--timeout", "60"]
    args += ["--max-requests", str(MAX_REQUESTS), "--max-requests-jitter", "0"]
    # Ready once it listens: /healthz would count in the metrics this test adds up.
    server = Gunicorn(env, log=tmp_path / "gunicorn.log", args=args, ready_path=None)
    with server:
        yield server.port, multiproc_dir, server.log


def test_request_counts_add_up_across_workers_and_restarts(gunicorn):
    port, multiproc_dir, _ = gunicorn

    echoed = [
        _get(port, "/healthz", {"X-Request-ID": f"obs-test-{i:04d}"})[1]["X-Request-ID"]
        for i in range(REQUESTS)
    ]
    anonymous = urllib.request.Request(f"http://127.0.0.1:{port}/metrics")
    with pytest.raises(urllib.error.HTTPError) as refused:
        urllib.request.urlopen(anonymous, timeout=30)
    status, _, metrics_text = _get(port, "/metrics", {"Authorization": f"Bearer {TOKEN}"})

    assert echoed == [f"obs-test-{i:04d}" for i in range(REQUESTS)]
    assert refused.value.code == 404
    assert status == 200
    # Exactly what was sent: nothing lost with the replaced workers, no stale file counted.
    assert _healthz_count(metrics_text) == REQUESTS
    worker_pids = {path.stem.rsplit("_", 1)[1] for path in multiproc_dir.glob("counter_*.db")}
    assert len(worker_pids) >= REQUESTS // MAX_REQUESTS + 1
    assert "999999" not in worker_pids


def test_one_json_line_per_request_with_the_echoed_request_id(gunicorn):
    port, _, log = gunicorn

    _, headers, _ = _get(port, "/healthz", {"X-Request-ID": "cluster-trace-0001"})
    _, generated, _ = _get(port, "/healthz", {})
    ids = [headers["X-Request-ID"], generated["X-Request-ID"]]

    records = [json.loads(line) for line in log.read_text().splitlines() if line.strip()]
    finished = [r for r in records if r.get("request_id") in ids]
    assert [r["request_id"] for r in finished] == ids
    assert [r["event"] for r in finished] == ["request_finished", "request_finished"]
    assert headers["X-Request-ID"] == "cluster-trace-0001"
    assert {(r["route"], r["status"], r["method"]) for r in finished} == {("healthz", 200, "GET")}
    assert any(r.get("logger") == "gunicorn.error" for r in records)


def test_gunicorn_writes_its_access_line_only_when_asked(gunicorn, tmp_path: Path):
    _, _, quiet_log = gunicorn
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("PROMETHEUS", "SENTRY", "DJANGO", "METRICS", "LOG_", "GUNICORN"))
    }
    env.update(
        DJANGO_SETTINGS_MODULE="taskflow.settings",
        DATABASE_URL=f"sqlite:///{tmp_path / 'db.sqlite3'}",
        REDIS_URL="",
        GUNICORN_ACCESS_LOG="true",
    )
    server = Gunicorn(env, log=tmp_path / "gunicorn.log", args=["--workers", "1"])
    with server:
        _get(server.port, "/healthz", {"X-Request-ID": "access-line-0001"})
    records = [json.loads(line) for line in server.log.read_text().splitlines() if line.strip()]
    access = [r for r in records if r.get("logger") == "gunicorn.access"]
    mine = [r for r in access if r.get("request_id") == "access-line-0001"]
    lines = [(r["event"], r["path"], r["status"]) for r in mine]
    assert lines == [("http_access", "/healthz", 200)]
    quiet = [json.loads(line) for line in quiet_log.read_text().splitlines() if line.strip()]
    assert not [r for r in quiet if r.get("logger") == "gunicorn.access"]
