"""The cache (the API's rate counters, the export page's "already queued" marks) on Redis that may
fail: while Redis cannot be reached or does not answer within its timeouts (REDIS_TIMEOUT, for
connecting and for each answer), every call is served by this process's own memory instead, with a
warning in the log (at most once a minute) — a request never fails because Redis did. After a
failure it is tried again RETRY_AFTER seconds later, so that a hung Redis costs one timeout. The counts
are then per worker until Redis answers again; the admin's home page says so (redis_state()).
"""

import logging
import threading
import time

from django.core.cache.backends.locmem import LocMemCache
from django.core.cache.backends.redis import RedisCache
from redis.exceptions import RedisError

logger = logging.getLogger(__name__)

_WARN_EVERY = 60.0  # seconds between two log warnings of one process
_lock = threading.Lock()
_last_warning = [0.0]
_last_fallback: list[float | None] = [None]


def _fallen_back(method: str, error: Exception) -> None:
    now = time.monotonic()
    with _lock:
        _last_fallback[0] = time.time()
        if now - _last_warning[0] < _WARN_EVERY:
            return
        _last_warning[0] = now
    logger.warning("Redis cache unavailable (%s: %s); counting in this process's memory until it answers", method, error)


def last_fallback() -> float | None:
    """When this process last served the cache from its own memory (a time.time()), or None."""
    return _last_fallback[0]


# After a failure Redis is left alone this long: a hung one costs one timeout, not one per call.
RETRY_AFTER = 10.0


def _fail_safe(name):
    def method(self, *args, **kwargs):
        if time.monotonic() >= self._skip_until:
            try:
                return getattr(RedisCache, name)(self, *args, **kwargs)
            except RedisError as error:  # refused, timed out, hung, protocol errors: never the request's failure
                self._skip_until = time.monotonic() + RETRY_AFTER
                _fallen_back(name, error)
        return getattr(self._fallback, name)(*args, **kwargs)

    method.__name__ = name
    return method


class FailSafeRedisCache(RedisCache):
    """RedisCache that falls back to this process's memory while Redis fails (see the module)."""

    def __init__(self, server, params):
        super().__init__(server, params)
        self._fallback = LocMemCache(f"fallback-{id(self)}", {"TIMEOUT": params.get("TIMEOUT", 300)})
        self._skip_until = 0.0

    for _name in ("add", "get", "set", "touch", "delete", "get_many", "has_key", "incr", "set_many", "delete_many", "clear"):
        locals()[_name] = _fail_safe(_name)
    del _name


def redis_state(url: str, timeout: float) -> str | None:
    """Why Redis at `url` does not answer a PING within `timeout` seconds now, or None if it does."""
    import redis

    try:
        client = redis.Redis.from_url(url, socket_connect_timeout=timeout, socket_timeout=timeout)
        try:
            client.ping()
        finally:
            client.close()
    except RedisError as error:
        return f"{type(error).__name__}: {error}"
    return None
