"""``python -m devservers cluster start|stop|status`` (``make cluster``): the local
cluster, state and logs in $CLUSTER_DIR (default .cluster/).
``python -m devservers with-postgres|with-redis <command...>``: run a command against a
throwaway server (DATABASE_URL / REDIS_URL set), then remove it; they nest."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from devservers.cluster import Cluster
from devservers.postgres import PostgresServer
from devservers.process import ROOT
from devservers.redis import RedisServer


def cluster(argv: list[str]) -> int:
    """cluster start|stop|status"""
    command = argv[0] if argv else "status"
    root = Path(os.environ.get("CLUSTER_DIR") or ROOT / ".cluster")
    running = (root / "state.json").exists()
    if command == "start":
        if running:
            print(f"already started (state in {root}); run `make cluster-stop` first")
            return 1
        started = Cluster(root)
        started.start()
        print(f"nginx     {started.nginx_url}")
        for index, url in enumerate(started.instance_urls):
            print(f"instance{index + 1} {url}")
        print(f"redis     {started.redis_url}\npostgres  {started.database_url}\nlogs      {root}")
        print(f"workers   {started.state.job_workers} (emails in {started.mail_dir})")
        return 0
    if command == "stop":
        if running:
            Cluster.load(root).stop()
        print("stopped")
        return 0
    if command == "status":
        if not running:
            print("not running")
            return 1
        for name, alive in Cluster.load(root).status().items():
            print(f"{name:9} {'up' if alive else 'DOWN'}")
        return 0
    print(cluster.__doc__)
    return 2


def with_postgres(argv: list[str]) -> int:
    server = PostgresServer(port=int(os.environ.get("PG_PORT") or 0) or None)
    with server:
        env = {**os.environ, "DATABASE_URL": server.url("taskflow")}
        print(f"with-postgres: DATABASE_URL={env['DATABASE_URL']}", file=sys.stderr, flush=True)
        return subprocess.run(argv, env=env, check=False).returncode


def with_redis(argv: list[str]) -> int:
    with RedisServer() as server:
        env = {**os.environ, "REDIS_URL": server.url}
        print(f"with-redis: REDIS_URL={server.url}", file=sys.stderr, flush=True)
        return subprocess.run(argv, env=env, check=False).returncode


COMMANDS = {"cluster": cluster, "with-postgres": with_postgres, "with-redis": with_redis}


def main(argv: list[str]) -> int:
    if not argv or argv[0] not in COMMANDS or (argv[0] != "cluster" and len(argv) < 2):
        print(__doc__, file=sys.stderr)
        return 2
    return COMMANDS[argv[0]](argv[1:])


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
