# syntax=docker/dockerfile:1
# TaskFlow image: `docker build -t taskflow .` (the app, last stage);
# `docker build --target nginx -t taskflow-nginx .` (nginx with the hashed static files).
ARG PYTHON_IMAGE=python:3.11-slim-bookworm

# --- build: dependencies into a virtualenv, static files collected and compressed ----
FROM ${PYTHON_IMAGE} AS build
ENV PIP_NO_CACHE_DIR=1 PIP_DISABLE_PIP_VERSION_CHECK=1 PYTHONDONTWRITEBYTECODE=1
RUN python -m venv /venv
ENV PATH=/venv/bin:$PATH
COPY requirements.txt /tmp/requirements.txt
RUN pip install -r /tmp/requirements.txt
WORKDIR /app
COPY . .
# The app's bytecode is compiled once here: at run time the code is read-only and
# PYTHONDONTWRITEBYTECODE is set, so without it every worker start (and each recycle,
# GUNICORN_MAX_REQUESTS) would compile every module from source again, ~1.2 MB more
# RSS and ~0.1 s more CPU a worker (docs/performance.md, "Memory and cold start").
# Production settings refuse to load without real-looking secrets; these exist only
# for collectstatic and are not part of the image's environment.
RUN python -m compileall -q /app \
    && ENVIRONMENT=production ALLOWED_HOSTS=build \
    SECRET_KEY=collectstatic-only-not-a-secret-0123456789 \
    JWT_SIGNING_KEY=collectstatic-only-not-a-jwt-key-0123456789 \
    STATIC_ROOT=/app/staticfiles \
    python manage.py collectstatic --noinput

# --- nginx: the load balancer of docker-compose.yml, serving the static files --------
FROM nginx:1.27-alpine AS nginx
COPY deploy/nginx.conf /etc/nginx/nginx.conf
COPY --from=build /app/staticfiles /srv/static

# --- runtime: slim, non-root, read-only code --------------------------------------------
FROM ${PYTHON_IMAGE} AS runtime
# A fixed numeric id: USER names it by number, so an orchestrator can verify the
# process is not root (Kubernetes runAsNonRoot) without reading /etc/passwd.
RUN groupadd --system --gid 10001 taskflow \
    && useradd --system --uid 10001 --gid taskflow --no-create-home taskflow
COPY --from=build /venv /venv
COPY --from=build /app /app
# The code stays root-owned (read-only to the app user). The default DATABASE_URL is
# SQLite at /app/var/db.sqlite3: its directory must be writable by the app user, and a
# volume so the database outlives the container.
RUN install -d -o taskflow -g taskflow -m 0750 /app/var
VOLUME ["/app/var"]
ENV PATH=/venv/bin:$PATH \
    PYTHONUNBUFFERED=1 \
    PYTHONDONTWRITEBYTECODE=1 \
    ENVIRONMENT=production \
    STATIC_ROOT=/app/staticfiles \
    PORT=8000 \
    PROMETHEUS_MULTIPROC_DIR=/tmp/prometheus
WORKDIR /app
USER 10001:10001
EXPOSE 8000
HEALTHCHECK --interval=15s --timeout=5s --start-period=20s --retries=3 \
    CMD ["python", "deploy/healthcheck.py"]
# The web server. The job worker is the same image with another command:
#   docker run ... taskflow python manage.py run_huey   (docs/operations.md)
CMD ["gunicorn", "-c", "deploy/gunicorn.conf.py", "taskflow.wsgi"]
