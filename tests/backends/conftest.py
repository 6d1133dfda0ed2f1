"""A real redis-server per test (127.0.0.1, free port, no persistence)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.services import RedisServer, free_port, require_binaries


@pytest.fixture
def redis_server(tmp_path) -> Iterator[RedisServer]:
    binary = require_binaries("redis-server")["redis-server"]
    server = RedisServer(port=free_port(), workdir=tmp_path / "redis", binary=binary)
    server.start()
    yield server
    server.stop()


def redis_caches(url: str) -> dict:
    """The CACHES settings.py builds for REDIS_URL=url (same options)."""
    options = {
        "CLIENT_CLASS": "django_redis.client.DefaultClient",
        "SOCKET_CONNECT_TIMEOUT": 0.5,
        "SOCKET_TIMEOUT": 0.5,
        "IGNORE_EXCEPTIONS": True,
        "LOG_IGNORED_EXCEPTIONS": True,
    }
    return {
        "default": {
            "BACKEND": "django_redis.cache.RedisCache",
            "LOCATION": url,
            "KEY_PREFIX": "tf",
            "OPTIONS": options,
        },
        "ratelimit": {
            "BACKEND": "taskflow.cache.FallbackRedisCache",
            "LOCATION": url,
            "KEY_PREFIX": "tf",
            "OPTIONS": {**options, "IGNORE_EXCEPTIONS": False},
        },
    }


@pytest.fixture
def redis_settings(settings, redis_server):
    """Settings as in production with REDIS_URL pointing at ``redis_server``."""
    settings.CACHES = redis_caches(redis_server.url)
    settings.CACHE_IS_SHARED = True
    return settings
