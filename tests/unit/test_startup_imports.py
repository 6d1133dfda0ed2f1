"""A worker's start-up (the WSGI app and its URLconf) leaves out the libraries only a
few requests use (issue 15: worker RSS and cold start), and the code that needs them
still gets them: the Markdown renderer, the iCal feed, MongoDB's outage errors."""

from __future__ import annotations

import subprocess
import sys

from pymongo.errors import ConnectionFailure, ServerSelectionTimeoutError

from taskflow.markdown import render_markdown
from taskflow.middleware import is_unavailable_error
from tests.production import ROOT, production_env

# Loaded on first use only: pymongo where MongoDB is the database (taskflow.apps),
# markdown-it on the first rendered description, icalendar on the first feed, the
# Sentry SDK with SENTRY_DSN (taskflow.sentry.init).
DEFERRED = ("pymongo", "markdown_it", "icalendar", "sentry_sdk")


def test_a_sql_worker_starts_without_the_deferred_libraries(tmp_path):
    code = (
        "import sys, taskflow.wsgi\n"
        "from django.urls import get_resolver\n"
        "get_resolver().url_patterns\n"
        f"print(' '.join(name for name in {DEFERRED!r} if name in sys.modules))\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code],
        cwd=ROOT,
        env=production_env(tmp_path),
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == ""


def test_markdown_still_renders_on_first_use():
    assert (
        render_markdown("# Title\n\n**bold**") == "<h3>Title</h3>\n<p><strong>bold</strong></p>\n"
    )


def test_mongodb_outage_errors_are_still_unavailable_once_pymongo_is_loaded():
    assert is_unavailable_error(ServerSelectionTimeoutError("no primary"))
    assert is_unavailable_error(ConnectionFailure("connection refused"))
    assert not is_unavailable_error(ValueError("connection"))
