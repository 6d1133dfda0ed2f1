"""Real servers on 127.0.0.1 for tests, benchmarks and the local cluster: redis-server,
PostgreSQL, gunicorn, nginx (rendered from deploy/nginx.conf) and job workers; and
Kanboard, the competitor a benchmark measures (devservers/kanboard.py).

Tooling only: the app (accounts/, tasks/, taskflow/) never imports this package
(tests/unit/test_architecture.py). Each server picks a free port unless given one,
keeps its files in a temporary directory unless given one, waits until it is ready,
and stops its whole process group::

    with RedisServer() as redis, PostgresServer() as pg:
        env = {..., "REDIS_URL": redis.url, "DATABASE_URL": pg.url()}
        with Gunicorn(env) as app, Nginx([app.port]) as proxy:
            ...  # proxy.url

``Cluster`` (devservers/cluster.py) is the whole production topology, started and
stopped explicitly so that another process can stop it: ``python -m devservers
cluster start|stop|status`` (``make cluster``). A missing binary raises ``Missing``;
whether that skips or fails a test is the test suite's decision (tests/conftest.py).
"""

from devservers.gunicorn import Gunicorn
from devservers.kanboard import KanboardServer
from devservers.nginx import Nginx, render_nginx_conf
from devservers.postgres import PostgresServer
from devservers.process import (
    Missing,
    ServerError,
    find_binary,
    free_port,
    free_ports,
    missing_binaries,
    pid_alive,
    postgres_bin_dirs,
    process_tree,
    spawn,
    stop_pid,
    wait_for_http,
    wait_for_port,
)
from devservers.redis import RedisServer
from devservers.workers import JobWorker

__all__ = [
    "Gunicorn",
    "JobWorker",
    "KanboardServer",
    "Missing",
    "Nginx",
    "PostgresServer",
    "RedisServer",
    "ServerError",
    "find_binary",
    "free_port",
    "free_ports",
    "missing_binaries",
    "pid_alive",
    "postgres_bin_dirs",
    "process_tree",
    "render_nginx_conf",
    "spawn",
    "stop_pid",
    "wait_for_http",
    "wait_for_port",
]
