"""The cache on a Redis that fails (config.cache): served from the process's memory, within
REDIS_TIMEOUT, with a warning; without REDIS_URL the database holds it."""

import logging
import os
import subprocess
import sys
import time

import pytest

from config import cache as fail_safe
from tests.services_down import DEAD_REDIS_URL, hung_redis


def a_cache(url, timeout=0.3):
    return fail_safe.FailSafeRedisCache(url, {"OPTIONS": {"socket_connect_timeout": timeout, "socket_timeout": timeout}})


@pytest.fixture(autouse=True)
def _warn_every_time(monkeypatch):
    monkeypatch.setattr(fail_safe, "_last_warning", [0.0])


def test_with_redis_stopped_the_cache_counts_in_the_process_and_says_so(caplog):
    cache = a_cache(DEAD_REDIS_URL)

    with caplog.at_level(logging.WARNING, logger="config.cache"):
        cache.set("throttle_token_user-1", [1.0, 2.0], 60)
        assert cache.get("throttle_token_user-1") == [1.0, 2.0]
        assert cache.add("export-1", True, 60) is True
        assert cache.add("export-1", True, 60) is False

    assert "Redis cache unavailable" in caplog.text
    assert fail_safe.last_fallback() is not None


def test_a_hung_redis_costs_a_cache_call_its_timeout_not_a_hang():
    with hung_redis() as url:
        cache = a_cache(url, timeout=0.3)
        started = time.monotonic()
        assert cache.get("anything", "fallback") == "fallback"
        elapsed = time.monotonic() - started

    assert elapsed < 2, f"a cache read on a hung Redis took {elapsed:.1f}s"


def test_the_warning_is_logged_at_most_once_a_minute(caplog):
    cache = a_cache(DEAD_REDIS_URL)

    with caplog.at_level(logging.WARNING, logger="config.cache"):
        for _ in range(5):
            cache.get("x")

    assert caplog.text.count("Redis cache unavailable") == 1


def test_redis_state_tells_why_a_dead_or_hung_redis_does_not_answer():
    assert "ConnectionError" in fail_safe.redis_state(DEAD_REDIS_URL, 0.3)
    with hung_redis() as url:
        assert "Timeout" in fail_safe.redis_state(url, 0.3)


def _setting(expression, **env):
    environment = {key: value for key, value in os.environ.items() if key != "REDIS_URL"}
    environment.update(env, DJANGO_SETTINGS_MODULE="config.settings")
    code = f"import django; django.setup(); from django.conf import settings; print({expression})"
    return subprocess.run([sys.executable, "-c", code], env=environment, capture_output=True, text=True, check=True).stdout.strip()


def test_without_redis_the_rate_counters_live_in_the_database_for_every_worker():
    assert _setting("settings.CACHES['default']['BACKEND']") == "django.core.cache.backends.db.DatabaseCache"


def test_with_redis_every_use_of_it_has_connect_and_read_timeouts():
    options = "settings.CACHES['default']['OPTIONS'], settings.CELERY_BROKER_TRANSPORT_OPTIONS['socket_timeout']"
    printed = _setting(options, REDIS_URL="redis://127.0.0.1:6379/9", REDIS_TIMEOUT="1.5")

    assert printed == "{'socket_connect_timeout': 1.5, 'socket_timeout': 1.5} 1.5"
