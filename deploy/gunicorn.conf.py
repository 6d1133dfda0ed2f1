"""gunicorn settings, all from the environment (Procfile, Dockerfile, scripts/cluster).

    gunicorn -c deploy/gunicorn.conf.py taskflow.wsgi

GUNICORN_BIND (default 0.0.0.0:$PORT, PORT default 8000), WEB_CONCURRENCY worker
processes (default 2), GUNICORN_THREADS per worker (default 4), GUNICORN_TIMEOUT,
GUNICORN_GRACEFUL_TIMEOUT, GUNICORN_MAX_REQUESTS (+ jitter), GUNICORN_ACCESS_LOG.
"""

import os


def _int(name: str, default: int) -> int:
    return int(os.environ.get(name) or default)


bind = os.environ.get("GUNICORN_BIND") or f"0.0.0.0:{_int('PORT', 8000)}"
workers = _int("WEB_CONCURRENCY", 2)
# Threads let a worker keep serving while one request waits on the database or Redis.
threads = _int("GUNICORN_THREADS", 4)
worker_class = "gthread"
# A request running longer than this is killed (and logged); the load balancer has
# already given up on it by then.
timeout = _int("GUNICORN_TIMEOUT", 30)
# On SIGTERM (deploy, scale-in) in-flight requests get this long to finish.
graceful_timeout = _int("GUNICORN_GRACEFUL_TIMEOUT", 25)
keepalive = _int("GUNICORN_KEEPALIVE", 5)
# Recycle workers now and then so a slow leak cannot grow forever; the jitter keeps
# the workers of one instance from restarting together.
max_requests = _int("GUNICORN_MAX_REQUESTS", 2000)
max_requests_jitter = _int("GUNICORN_MAX_REQUESTS_JITTER", 200)
# Workers load the app after fork: each opens its own database and Redis connections.
preload_app = False
forwarded_allow_ips = os.environ.get("FORWARDED_ALLOW_IPS", "127.0.0.1")
accesslog = "-" if os.environ.get("GUNICORN_ACCESS_LOG", "").lower() in {"1", "true"} else None
errorlog = "-"
control_socket_disable = True

# Log format (JSON access and error lines), Prometheus multiprocess hooks: owned by
# observability (taskflow/gunicorn_hooks.py).
from taskflow.gunicorn_hooks import (  # noqa: E402, F401
    child_exit,
    logconfig_dict,
    logger_class,
    on_exit,
    on_starting,
)
