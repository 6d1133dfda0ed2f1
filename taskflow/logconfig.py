"""Logging: one structlog pipeline for our events, Django's, and gunicorn's.

``build_logging`` returns Django's LOGGING dict and ``gunicorn_logconfig_dict`` the
same handlers for gunicorn's error/access loggers, so every line an instance writes
has one format: JSON objects (LOG_FORMAT=json, production) or readable lines
(LOG_FORMAT=console, `make run`). Every event passes ``scrub_processor`` last before
rendering, so no password, token, cookie or Authorization header is ever written.
"""

from __future__ import annotations

import logging
import sys
from typing import Any

import structlog
import structlog.tracebacks

from taskflow.scrub import scrub

FORMATS = ("json", "console")


def scrub_processor(_logger: Any, _method: str, event_dict: dict[str, Any]) -> dict[str, Any]:
    return scrub(event_dict)


def gunicorn_access_fields(
    _logger: Any, _method: str, event_dict: dict[str, Any]
) -> dict[str, Any]:
    """Turn gunicorn's access record (a dict of "atoms") into named fields.

    The raw request line and query string are left out: a query string may carry a
    token, and the route-level detail is in the application's own request line.
    """
    # Arguments of other libraries' records are already in their message.
    atoms = event_dict.pop("positional_args", None)
    record = event_dict.get("_record")
    if record is None or record.name != "gunicorn.access" or not isinstance(atoms, dict):
        return event_dict
    event_dict.update(
        event="http_access",
        method=atoms.get("m"),
        path=atoms.get("U"),
        status=int(atoms["s"]) if str(atoms.get("s", "")).isdigit() else atoms.get("s"),
        duration_ms=round(atoms.get("D", 0) / 1000, 2),
        bytes=atoms.get("B"),
        remote_addr=atoms.get("h"),
        request_id=atoms.get("{x-request-id}o"),
    )
    return event_dict


def _shared_processors() -> list[Any]:
    return [
        structlog.contextvars.merge_contextvars,
        structlog.stdlib.add_logger_name,
        structlog.stdlib.add_log_level,
        structlog.processors.TimeStamper(fmt="iso", utc=True),
    ]


def formatter_config(fmt: str) -> dict[str, Any]:
    """A logging.config formatter entry rendering stdlib and structlog records alike."""
    if fmt not in FORMATS:
        raise ValueError(f"LOG_FORMAT must be one of {FORMATS}, not {fmt!r}")
    if fmt == "json":
        renderer: Any = structlog.processors.JSONRenderer()
        # Structured frames without local variables: a local can hold anything, under
        # any name (a password in ``value``), which no key-based scrubbing would catch.
        tracebacks: Any = structlog.processors.ExceptionRenderer(
            structlog.tracebacks.ExceptionDictTransformer(show_locals=False)
        )
    else:
        renderer = structlog.dev.ConsoleRenderer(colors=sys.stderr.isatty())
        tracebacks = structlog.processors.format_exc_info
    return {
        "()": structlog.stdlib.ProcessorFormatter,
        "pass_foreign_args": True,
        "foreign_pre_chain": [*_shared_processors(), gunicorn_access_fields],
        "processors": [
            structlog.stdlib.ProcessorFormatter.remove_processors_meta,
            # Tracebacks are rendered before scrubbing so that secrets quoted in an
            # exception message are masked too.
            tracebacks,
            scrub_processor,
            renderer,
        ],
    }


def configure_structlog() -> None:
    """Route structlog through the stdlib, where the formatter above renders it."""
    structlog.configure(
        processors=[
            structlog.stdlib.filter_by_level,
            *_shared_processors(),
            structlog.stdlib.PositionalArgumentsFormatter(),
            structlog.processors.StackInfoRenderer(),
            structlog.stdlib.ProcessorFormatter.wrap_for_formatter,
        ],
        logger_factory=structlog.stdlib.LoggerFactory(),
        wrapper_class=structlog.stdlib.BoundLogger,
        cache_logger_on_first_use=True,
    )


def build_logging(*, level: str = "INFO", fmt: str = "console") -> dict[str, Any]:
    """Django's LOGGING: everything to stdout through one formatter."""
    level = level.upper()
    return {
        "version": 1,
        "disable_existing_loggers": False,
        "formatters": {"structured": formatter_config(fmt)},
        "handlers": {
            "stdout": {
                "class": "logging.StreamHandler",
                "stream": "ext://sys.stdout",
                "formatter": "structured",
            }
        },
        "root": {"handlers": ["stdout"], "level": level},
        "loggers": {
            # SQL text may hold user data; the request line carries the query count.
            "django.db.backends": {"level": "WARNING"},
            # One line per request comes from taskflow.request_log; Django's own
            # "Not Found"/"Internal Server Error" lines (with a second traceback) would
            # repeat it.
            "django.request": {"level": "CRITICAL"},
            "django.server": {"level": "WARNING"},
            # django-environ announces a missing .env file on every start.
            "environ": {"level": "WARNING"},
            # The job worker's own lines (start, each job run, retries), in our format:
            # with a handler here, `run_huey` adds no second, plain-text one.
            "huey": {"handlers": ["stdout"], "level": level, "propagate": False},
        },
    }


def gunicorn_logconfig_dict(
    *, level: str = "INFO", fmt: str = "json", access_log: bool = False
) -> dict[str, Any]:
    """gunicorn's ``logconfig_dict``: its error and access logs in the same format.

    The access log is off unless asked for: the application already writes one richer
    line per request, and a second line per request would double the log volume.
    """
    config = build_logging(level=level, fmt=fmt)
    config["loggers"] = {
        **config["loggers"],
        "gunicorn.error": {"level": level.upper(), "handlers": ["stdout"], "propagate": False},
        "gunicorn.access": {
            "level": "INFO" if access_log else "WARNING",
            "handlers": ["stdout"],
            "propagate": False,
        },
    }
    return config


def level_name(level: str) -> str:
    """Validate LOG_LEVEL early, with a clear message."""
    name = level.upper()
    if not isinstance(logging.getLevelName(name), int):
        raise ValueError(f"LOG_LEVEL {level!r} is not a logging level")
    return name
