"""The benchmark stack: database (+ Redis), migrated, with Django set up in-process
for seeding and token issuing against the same database the servers use."""

from __future__ import annotations

import contextlib
import os
import subprocess
import sys
import tempfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

from bench import services


@dataclass
class Stack:
    env: dict[str, str]
    postgres: services.Server | None
    redis: services.Server | None

    @property
    def description(self) -> str:
        db = "PostgreSQL 15" if self.postgres else "SQLite"
        return f"{db}, {'Redis' if self.redis else 'in-process cache'}"

    def backend_pid_finders(self) -> dict[str, Callable[[], list[int]]]:
        finders = {}
        if self.postgres:
            finders["postgres"] = self.postgres.pids
        if self.redis:
            finders["redis"] = self.redis.pids
        return finders


_configured = False


def django_setup(env: dict[str, str]) -> None:
    """Set Django up once in this process with the servers' environment."""
    global _configured
    if _configured:
        return
    os.environ.update(env)
    import django

    django.setup()
    _configured = True


@contextlib.contextmanager
def stack(
    *, db: str = "postgres", use_redis: bool = True, pg_data: Path | None = None, **extra: str
) -> Iterator[Stack]:
    with contextlib.ExitStack() as stop:
        pg = stop.enter_context(services.postgres(pg_data)) if db == "postgres" else None
        rd = stop.enter_context(services.redis()) if use_redis else None
        if pg:
            url = pg.url
        else:
            tmp = Path(stop.enter_context(tempfile.TemporaryDirectory(prefix="tf-bench-")))
            url = f"sqlite:///{tmp / 'bench.sqlite3'}"
        env = services.django_env(url, rd.url if rd else "", **extra)
        subprocess.run(
            [sys.executable, "manage.py", "migrate", "--noinput", "-v", "0"],
            cwd=services.ROOT,
            env=env,
            check=True,
        )
        django_setup(env)
        yield Stack(env=env, postgres=pg, redis=rd)
