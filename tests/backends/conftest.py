"""Settings for a real redis-server per test (``redis_server``: tests/conftest.py)."""

from __future__ import annotations

import pytest


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
