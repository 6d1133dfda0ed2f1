"""The production topology on one machine, without Docker: redis-server, PostgreSQL,
N gunicorn instances (production settings) and nginx in front, all on 127.0.0.1, and
job workers (`manage.py run_huey`, 2 by default) on the cluster's Redis, writing the
emails they send into ``<root>/mail``.

    cluster = Cluster(tmp_path / "cluster", ClusterPorts.free())
    cluster.start()
    ...  # cluster.nginx_url, cluster.instance_urls, faults below
    cluster.stop()

Faults for reliability tests: ``kill_instance(i)`` (SIGKILL the whole instance),
``kill_worker(i)`` (one worker, the master forks a new one), ``start_instance(i)``,
``stop_redis()``/``start_redis()`` (a restarted Redis starts empty),
``stop_postgres()``/``start_postgres()``/``restart_postgres()`` (data kept).

State (pids, ports, secrets) is saved in ``<root>/state.json`` so another process
can stop it: ``scripts/cluster start|stop|status`` (``make cluster``,
``python -m devservers cluster``) keeps it in .cluster/.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import secrets
import shutil
import signal
import subprocess
import sys
import tempfile
from dataclasses import asdict, dataclass, field
from pathlib import Path

from devservers.gunicorn import Gunicorn
from devservers.nginx import Nginx
from devservers.postgres import PostgresServer
from devservers.process import (
    ROOT,
    ServerError,
    free_ports,
    missing_binaries,
    pid_alive,
    stop_pid,
    wait_for_http,
)
from devservers.redis import RedisServer
from devservers.workers import JobWorker

BINARIES = ("redis-server", "nginx", "initdb", "postgres", "createdb")
STATIC_CACHE = ROOT / "var" / "cluster-static"
# brotli is in the dev environment only (a test tool pulls it in), not in
# requirements.txt: whitenoise would spend minutes on .br files production never has.
_COLLECTSTATIC_WITHOUT_BROTLI = (
    "import sys; sys.modules['brotli'] = None; "
    "from django.core.management import execute_from_command_line; "
    "execute_from_command_line(['manage.py', 'collectstatic', '--noinput', '-v', '0'])"
)


def static_key() -> str:
    """Changes whenever collectstatic's output could: our static files, the pins."""
    digest = hashlib.sha256()
    sources = sorted((ROOT / "static").rglob("*"))
    sources += [ROOT / "requirements.txt", ROOT / "requirements-dev.lock"]
    for path in sources:
        if path.is_file():
            digest.update(str(path.relative_to(ROOT)).encode() + b"\0" + path.read_bytes())
    return digest.hexdigest()[:16]


@dataclass
class ClusterPorts:
    nginx: int
    redis: int
    postgres: int
    instances: list[int]

    @classmethod
    def from_env(cls, count: int = 3) -> ClusterPorts:
        """CLUSTER_*_PORT variables, defaulting to 8080 / 6390 / 5440 / 8001-800N."""
        default_apps = ",".join(str(8001 + i) for i in range(count))
        return cls(
            nginx=int(os.environ.get("CLUSTER_NGINX_PORT", 8080)),
            redis=int(os.environ.get("CLUSTER_REDIS_PORT", 6390)),
            postgres=int(os.environ.get("CLUSTER_POSTGRES_PORT", 5440)),
            instances=[
                int(p) for p in os.environ.get("CLUSTER_APP_PORTS", default_apps).split(",")
            ],
        )

    @classmethod
    def free(cls, count: int = 3) -> ClusterPorts:
        nginx, redis, postgres, *apps = free_ports(count + 3)
        return cls(nginx=nginx, redis=redis, postgres=postgres, instances=apps)


@dataclass
class _State:
    ports: ClusterPorts
    scratch: str  # temp dir outside the repo: PostgreSQL data + static files
    secret_key: str
    jwt_signing_key: str
    workers: int
    threads: int
    pids: dict[str, int] = field(default_factory=dict)
    job_workers: int = 2


class Cluster:
    def __init__(
        self,
        root: Path,
        ports: ClusterPorts | None = None,
        *,
        workers: int = 2,
        threads: int = 2,
        job_workers: int = 2,
        extra_env: dict[str, str] | None = None,
    ) -> None:
        self.root = Path(root)
        self.extra_env = dict(extra_env or {})
        ports = ports or ClusterPorts.from_env()
        self.state = _State(
            ports=ports,
            scratch="",
            secret_key=secrets.token_urlsafe(50),
            jwt_signing_key=secrets.token_urlsafe(50),
            workers=workers,
            threads=threads,
            job_workers=job_workers,
        )

    # --- addresses -------------------------------------------------------------------
    @property
    def ports(self) -> ClusterPorts:
        return self.state.ports

    @property
    def nginx_url(self) -> str:
        return f"http://127.0.0.1:{self.ports.nginx}"

    @property
    def instance_urls(self) -> list[str]:
        return [f"http://127.0.0.1:{port}" for port in self.ports.instances]

    @property
    def redis_url(self) -> str:
        return f"redis://127.0.0.1:{self.ports.redis}/0"

    @property
    def database_url(self) -> str:
        return f"postgres://postgres@127.0.0.1:{self.ports.postgres}/taskflow"

    @property
    def mail_dir(self) -> Path:
        """Where the job workers' email backend writes each message (one file each)."""
        return self.root / "mail"

    @property
    def static_root(self) -> Path:
        return STATIC_CACHE / static_key()

    @property
    def env(self) -> dict[str, str]:
        """The environment every instance runs with (also for manage.py commands)."""
        env = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "PG"))}
        env.update(
            DJANGO_SETTINGS_MODULE="taskflow.settings",
            ENVIRONMENT="production",
            DEBUG="false",
            SECRET_KEY=self.state.secret_key,
            JWT_SIGNING_KEY=self.state.jwt_signing_key,
            ALLOWED_HOSTS="127.0.0.1,localhost",
            CSRF_TRUSTED_ORIGINS=f"http://127.0.0.1:{self.ports.nginx}",
            TRUSTED_PROXY_COUNT="1",
            # nginx serves plain HTTP on loopback; TLS would terminate in front of it.
            SECURE_SSL_REDIRECT="false",
            # No mail server in the local cluster: registration signs in at once (production
            # sets mandatory verification with a real EMAIL_* configuration).
            ACCOUNT_EMAIL_VERIFICATION="none",
            DATABASE_URL=self.database_url,
            REDIS_URL=self.redis_url,
            STATIC_ROOT=str(self.static_root),
            WEB_CONCURRENCY=str(self.state.workers),
            GUNICORN_THREADS=str(self.state.threads),
            LOG_LEVEL=os.environ.get("CLUSTER_LOG_LEVEL", "WARNING"),
            # filemail:/// + an absolute path (django-environ drops one slash).
            EMAIL_URL=f"filemail:///{self.mail_dir}",
            PYTHONUNBUFFERED="1",
        )
        env.update(self.extra_env)
        return env

    # --- whole cluster ---------------------------------------------------------------
    def start(self) -> None:
        missing = missing_binaries(*BINARIES)
        if missing:
            raise ServerError(
                f"missing {', '.join(missing)} (install redis-server postgresql nginx)"
            )
        self.root.mkdir(parents=True, exist_ok=True)
        self.state.scratch = tempfile.mkdtemp(prefix="taskflow-cluster-")
        os.chmod(self.state.scratch, 0o711)  # noqa: S103 - postgres and nginx workers traverse it
        self._save()
        try:
            self.start_redis()
            self._postgres().init()
            self.start_postgres()
            self._postgres().createdb("taskflow")
            self.manage("migrate", "--noinput")
            self.collectstatic()
            pids = [self.start_instance(i, wait=False) for i in range(len(self.ports.instances))]
            for pid, url in zip(pids, self.instance_urls, strict=True):
                wait_for_http(f"{url}/healthz", pid=pid)
            for index in range(self.state.job_workers):
                self.start_job_worker(index)
            self.start_nginx()
        except BaseException:
            self.stop()
            raise

    def stop(self) -> None:
        """Stop everything that was started (in front-to-back order) and delete data."""
        self._stop("nginx")
        apps = [f"app{i}" for i in range(len(self.ports.instances))]
        for name in apps:  # SIGTERM all first: their graceful shutdowns overlap
            with contextlib.suppress(KeyError, ProcessLookupError, PermissionError):
                os.killpg(self.state.pids[name], signal.SIGTERM)
        for name in apps:
            self._stop(name)
        for index in range(self.state.job_workers):
            self._stop(f"jobworker{index}")
        self._stop("redis")
        self._stop("postgres", sig=signal.SIGINT)
        if self.state.scratch:
            shutil.rmtree(self.state.scratch, ignore_errors=True)
        with contextlib.suppress(FileNotFoundError):
            (self.root / "state.json").unlink()

    def status(self) -> dict[str, bool]:
        return {name: pid_alive(pid) for name, pid in self.state.pids.items()}

    @classmethod
    def load(cls, root: Path) -> Cluster:
        """The cluster whose state another process saved under ``root``."""
        raw = json.loads((Path(root) / "state.json").read_text())
        raw["ports"] = ClusterPorts(**raw["ports"])
        cluster = cls(root, raw["ports"])
        cluster.state = _State(**raw)
        return cluster

    def manage(self, *args: str) -> subprocess.CompletedProcess:
        return subprocess.run(
            [sys.executable, "manage.py", *args],
            cwd=ROOT,
            env=self.env,
            check=True,
            capture_output=True,
            text=True,
            timeout=300,
        )

    # --- instances -------------------------------------------------------------------
    def collectstatic(self) -> None:
        """collectstatic into a cache shared by every cluster built from the same static
        sources and pinned packages (compressing them takes a while)."""
        if self.static_root.is_dir():
            return
        STATIC_CACHE.mkdir(parents=True, exist_ok=True)
        building = Path(tempfile.mkdtemp(prefix="building-", dir=STATIC_CACHE))
        try:
            subprocess.run(
                [sys.executable, "-c", _COLLECTSTATIC_WITHOUT_BROTLI],
                cwd=ROOT,
                env={**self.env, "STATIC_ROOT": str(building)},
                check=True,
                capture_output=True,
                timeout=900,
            )
            building.chmod(0o755)  # nginx workers run as another user
            building.rename(self.static_root)
        except OSError:
            if not self.static_root.is_dir():  # another process won the rename
                raise
        finally:
            shutil.rmtree(building, ignore_errors=True)

    def start_instance(self, index: int, *, wait: bool = True) -> int:
        """Start instance ``index`` (0-based); returns its gunicorn master pid."""
        port = self.ports.instances[index]
        instance = Gunicorn(self.env, port=port, log=self.root / f"app{index}.log")
        pid = instance.start(wait=False)
        self._remember(f"app{index}", pid)
        if wait:
            instance.wait_ready()
        return pid

    def instance_pids(self) -> list[int]:
        """The gunicorn master pid of each instance (in instance order)."""
        return [self.state.pids[f"app{i}"] for i in range(len(self.ports.instances))]

    def worker_pids(self, index: int) -> list[int]:
        master = self.instance_pids()[index]
        with open(f"/proc/{master}/task/{master}/children") as children:
            return [int(pid) for pid in children.read().split()]

    def kill_instance(self, index: int, sig: int = signal.SIGKILL) -> None:
        """SIGKILL (by default) the instance's master and workers at once."""
        pid = self.state.pids.pop(f"app{index}")
        self._save()
        stop_pid(pid, sig=sig)

    def kill_worker(self, index: int, sig: int = signal.SIGKILL) -> int:
        """Kill one worker of an instance; its master forks a replacement."""
        victim = self.worker_pids(index)[0]
        os.kill(victim, sig)
        return victim

    # --- job workers -----------------------------------------------------------------
    def start_job_worker(self, index: int, *, wait: bool = True) -> int:
        """Start job worker ``index`` (a `run_huey` consumer on the cluster's Redis)."""
        # INFO: its start line is how we know it is consuming, and job lines help.
        env = {**self.env, "LOG_LEVEL": os.environ.get("CLUSTER_JOB_LOG_LEVEL", "INFO")}
        worker = JobWorker(env, log=self.root / f"jobworker{index}.log")
        pid = worker.start(wait=False)
        self._remember(f"jobworker{index}", pid)
        if wait:
            worker.wait_ready()
        return pid

    # --- redis / postgres / nginx ----------------------------------------------------
    def start_redis(self) -> None:
        server = RedisServer(port=self.ports.redis, workdir=self.root / "redis")
        server.start()
        self._remember("redis", server.pid)

    def stop_redis(self) -> None:
        self._stop("redis")

    def _postgres(self) -> PostgresServer:
        return PostgresServer(port=self.ports.postgres, datadir=Path(self.state.scratch) / "pg")

    def start_postgres(self) -> None:
        server = self._postgres()
        server.start()
        self._remember("postgres", server.pid)

    def stop_postgres(self) -> None:
        # SIGINT: PostgreSQL's fast shutdown (SIGTERM would wait for app connections).
        self._stop("postgres", sig=signal.SIGINT)

    def restart_postgres(self) -> None:
        self.stop_postgres()
        self.start_postgres()

    def _nginx(self) -> Nginx:
        return Nginx(
            self.ports.instances,
            port=self.ports.nginx,
            root=self.root,
            static_root=self.static_root,
        )

    def start_nginx(self) -> None:
        server = self._nginx()
        server.start()
        self._remember("nginx", server.pid)

    def render_nginx_conf(self) -> str:
        """deploy/nginx.conf with this cluster's ports, paths and instances."""
        return self._nginx().render()

    # --- bookkeeping -----------------------------------------------------------------
    def _remember(self, name: str, pid: int | None) -> None:
        if pid is not None:
            self.state.pids[name] = pid
            self._save()

    def _stop(self, name: str, sig: int = signal.SIGTERM) -> None:
        pid = self.state.pids.pop(name, None)
        if pid is not None:
            stop_pid(pid, sig=sig, timeout=30)
            self._save()

    def _save(self) -> None:
        self.root.mkdir(parents=True, exist_ok=True)
        (self.root / "state.json").write_text(json.dumps(asdict(self.state), indent=2))
