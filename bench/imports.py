"""A 5,000-row import through the page: the time one worker is held for a first import
of a user's export and for importing the same file again (every row skipped).

Drives HTTP only (POST /tasks/import/ with a browser session, as a person would), on
gunicorn with the production config; Django in this process only creates the users,
signs them in and counts the result."""

from __future__ import annotations

import argparse
import http.client
import re
import statistics
import time
import uuid
from typing import Any
from urllib.parse import urlsplit

from bench import harness, report
from bench.harness import stack

ROWS = 5_000
_TOKEN = re.compile(rb'name="csrfmiddlewaretoken" value="([^"]+)"')


def export_file(rows: int) -> bytes:
    """A CSV in the export's format: ids, three tags per row, some done and due."""
    lines = ["id,title,description,status,priority,due_date,tags"]
    for n in range(rows):
        status = ("todo", "in_progress", "done")[n % 3]
        due = f"2030-01-{1 + n % 28:02d}" if n % 2 else ""
        lines.append(
            f'01BENCH{n:019d},Imported task {n},"Notes for {n}, line one",'
            f'{status},{("low", "medium", "high")[n % 3]},{due},"bench,import,t{n % 7}"'
        )
    return ("\n".join(lines) + "\n").encode()


def _session_cookie(email_prefix: str) -> tuple[str, str]:
    from django.conf import settings
    from django.test import Client

    from bench.seed import make_users

    (user,) = make_users(1, email_prefix)
    browser = Client()
    browser.force_login(user)
    return (
        user.pk,
        f"{settings.SESSION_COOKIE_NAME}={browser.cookies[settings.SESSION_COOKIE_NAME].value}",
    )


def _post_import(url: str, cookie: str, content: bytes) -> tuple[float, int]:
    """GET the page for its CSRF token, then POST the file; (seconds of the POST, status)."""
    parts = urlsplit(url)
    conn = http.client.HTTPConnection(parts.hostname, parts.port, timeout=600)
    conn.request("GET", "/tasks/import/", headers={"Cookie": cookie})
    page = conn.getresponse()
    html = page.read()
    cookies = [cookie]
    for header, value in page.getheaders():
        if header.lower() == "set-cookie":
            cookies.append(value.split(";", 1)[0])
    token = _TOKEN.search(html)
    if token is None:
        raise RuntimeError(f"no CSRF token on /tasks/import/ (HTTP {page.status})")
    boundary = uuid.uuid4().hex
    body = b"".join(
        [
            f"--{boundary}\r\n".encode(),
            b'Content-Disposition: form-data; name="csrfmiddlewaretoken"\r\n\r\n',
            token.group(1) + b"\r\n",
            f"--{boundary}\r\n".encode(),
            b'Content-Disposition: form-data; name="file"; filename="tasks.csv"\r\n',
            b"Content-Type: text/csv\r\n\r\n",
            content + b"\r\n",
            f"--{boundary}--\r\n".encode(),
        ]
    )
    headers = {
        "Cookie": "; ".join(cookies),
        "Content-Type": f"multipart/form-data; boundary={boundary}",
        "Referer": f"{url}/tasks/import/",
        "Origin": url,
    }
    started = time.perf_counter()
    conn.request("POST", "/tasks/import/", body=body, headers=headers)
    reply = conn.getresponse()
    reply.read()
    elapsed = time.perf_counter() - started
    conn.close()
    return elapsed, reply.status


def measure(args: argparse.Namespace) -> None:
    content = export_file(args.rows)
    first: list[float] = []
    again: list[float] = []
    with stack(db=args.db, use_redis=not args.no_redis) as stack_:
        from accounts.models import User
        from tasks.selectors import visible_tasks

        with harness.gunicorn(stack_.env, workers=1, threads=1) as server:
            for round_ in range(args.rounds):
                owner_id, cookie = _session_cookie(f"import{round_}-")
                seconds, status = _post_import(server.url, cookie, content)
                if status != 302:
                    raise RuntimeError(f"first import answered HTTP {status}, not 302")
                first.append(seconds)
                seconds, status = _post_import(server.url, cookie, content)
                if status != 302:
                    raise RuntimeError(f"second import answered HTTP {status}, not 302")
                again.append(seconds)
                imported = visible_tasks(User.objects.get(pk=owner_id))
                tasks = imported.count()
                tags = sum(len(t) for t in imported.values_list("tags", flat=True))
                if (tasks, tags) != (args.rows, 3 * args.rows):
                    raise RuntimeError(f"expected {args.rows} tasks, found {tasks} ({tags} tags)")
        description = stack_.description
    text, raw = _render(args, description, len(content), first, again)
    report.publish("imports", text, raw, write=args.write)


def _render(
    args: argparse.Namespace, description: str, size: int, first: list[float], again: list[float]
) -> tuple[str, dict[str, Any]]:
    rows = [
        [
            f"first import, {args.rows:,} rows created",
            f"{statistics.median(first):.2f}",
            f"{max(first):.2f}",
        ],
        [
            f"same file again, {args.rows:,} rows skipped",
            f"{statistics.median(again):.2f}",
            f"{max(again):.2f}",
        ],
    ]
    text = (
        f"### Import of a {args.rows:,}-row file\n\n"
        + report.header()
        + f"\nStack: gunicorn (deploy/gunicorn.conf.py), 1 worker x 1 thread; {description}. "
        f"POST /tasks/import/ with a signed-in session, a {size / 1024:.0f} KiB CSV in the "
        f"export format (ids, 3 tags a row); {args.rounds} rounds, each a new user. Time is "
        "the whole request as the client sees it (the worker is held for all of it). "
        "Before the batched importer, the issue measured 17 s for 5,000 rows.\n\n"
        + report.table(["request", "median s", "max s"], rows)
    )
    raw = {"rows": args.rows, "bytes": size, "first_s": first, "again_s": again}
    return text, raw


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--db", choices=["postgres", "sqlite"], default="postgres")
    parser.add_argument("--no-redis", action="store_true")
    parser.add_argument("--rows", type=int, default=ROWS)
    parser.add_argument("--rounds", type=int, default=3)
    parser.set_defaults(run=measure)
