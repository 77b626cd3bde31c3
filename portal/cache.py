"""Django's Redis cache that treats a Redis it cannot reach as an empty cache.

What the portal keeps in the cache (rendered ranking tables, sessions beside their
database rows, the API's write counts) can always be computed or read again, so a Redis
that is down, restarting or unreachable costs a page speed, never an error: every read is
a miss, every write is dropped. After a failure the process leaves Redis alone for
``pause_seconds`` (an OPTIONS key, 5 s by default), so a Redis that does not answer costs
one connect timeout per pause, not one per cache call.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from typing import Any, TypeVar

from django.core.cache.backends.base import DEFAULT_TIMEOUT
from django.core.cache.backends.redis import RedisCache as Redis
from django.core.cache.backends.redis import RedisCacheClient
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import TimeoutError as RedisTimeoutError

logger = logging.getLogger(__name__)

Result = TypeVar("Result")


class ReusedClientRedisCacheClient(RedisCacheClient):
    """Django's client, but one ``redis.Redis`` per connection pool instead of a new one
    for every call (each new one copies some 170 response callbacks: a third of a cached
    session's read). A ``redis.Redis`` is safe to share between threads: it takes a
    connection from its pool for each command."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._clients: dict[int, Any] = {}

    def get_client(self, key=None, *, write=False):
        pool = self._get_connection_pool(write)
        client = self._clients.get(id(pool))
        if client is None:
            client = self._clients[id(pool)] = self._client(connection_pool=pool)
        return client


class ForgivingRedisCache(Redis):
    def __init__(self, server: str, params: dict[str, Any]) -> None:
        options = dict(params.get("OPTIONS") or {})
        self.pause_seconds = float(options.pop("pause_seconds", 5.0))
        super().__init__(server, {**params, "OPTIONS": options})
        self._class = ReusedClientRedisCacheClient
        self._paused_until = 0.0

    def _forgive(self, call: Callable[[], Result], miss: Result) -> Result:
        if time.monotonic() < self._paused_until:
            return miss
        try:
            return call()
        except (RedisConnectionError, RedisTimeoutError) as error:
            self._paused_until = time.monotonic() + self.pause_seconds
            logger.warning(
                "Cache unreachable, answering without it for %s s: %s", self.pause_seconds, error
            )
            return miss

    def get(self, key, default=None, version=None):
        return self._forgive(lambda: Redis.get(self, key, default, version), default)

    def get_many(self, keys, version=None):
        return self._forgive(lambda: Redis.get_many(self, keys, version), {})

    def has_key(self, key, version=None):
        return self._forgive(lambda: Redis.has_key(self, key, version), False)

    def add(self, key, value, timeout=DEFAULT_TIMEOUT, version=None):
        return self._forgive(lambda: Redis.add(self, key, value, timeout, version), False)

    def set(self, key, value, timeout=DEFAULT_TIMEOUT, version=None):
        self._forgive(lambda: Redis.set(self, key, value, timeout, version), None)

    def set_many(self, data, timeout=DEFAULT_TIMEOUT, version=None):
        return self._forgive(lambda: Redis.set_many(self, data, timeout, version), [])

    def touch(self, key, timeout=DEFAULT_TIMEOUT, version=None):
        return self._forgive(lambda: Redis.touch(self, key, timeout, version), False)

    def delete(self, key, version=None):
        return self._forgive(lambda: Redis.delete(self, key, version), False)

    def delete_many(self, keys, version=None):
        self._forgive(lambda: Redis.delete_many(self, keys, version), None)

    def incr(self, key, delta=1, version=None):
        # Unreachable reads as a missing key, which incr reports with ValueError.
        found = self._forgive(lambda: Redis.incr(self, key, delta, version), None)
        if found is None:
            raise ValueError(f"Key '{key}' not found")
        return found

    def clear(self):
        return self._forgive(lambda: Redis.clear(self), False)
