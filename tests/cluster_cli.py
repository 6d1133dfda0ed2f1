"""Command line of the local cluster: ``scripts/cluster start|stop|status``
(``make cluster``). State and logs in $CLUSTER_DIR, default .cluster/."""

from __future__ import annotations

import os
import sys
from pathlib import Path

from tests.cluster import ROOT, Cluster


def main(argv: list[str]) -> int:
    """scripts/cluster start|stop|status"""
    command = argv[0] if argv else "status"
    root = Path(os.environ.get("CLUSTER_DIR") or ROOT / ".cluster")
    running = (root / "state.json").exists()
    if command == "start":
        if running:
            print(f"already started (state in {root}); run `make cluster-stop` first")
            return 1
        cluster = Cluster(root)
        cluster.start()
        print(f"nginx     {cluster.nginx_url}")
        for index, url in enumerate(cluster.instance_urls):
            print(f"instance{index + 1} {url}")
        print(f"redis     {cluster.redis_url}\npostgres  {cluster.database_url}\nlogs      {root}")
        print(f"workers   {cluster.state.job_workers} (emails in {cluster.mail_dir})")
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
    print(main.__doc__)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
