"""A cache that is down means no cache, never an error (issue 15, item 6): Redis pointed
at a port where nothing listens."""

import socket

import pytest
from django.core.cache import caches
from django.urls import reverse

from portal.cache import ForgivingRedisCache


def _dead_redis_url() -> str:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    return f"redis://127.0.0.1:{port}/0"  # closed again: nothing listens there


def _dead_cache(pause_seconds: float = 0) -> ForgivingRedisCache:
    options = {"socket_connect_timeout": 0.5, "pause_seconds": pause_seconds}
    return ForgivingRedisCache(_dead_redis_url(), {"OPTIONS": options})


def test_every_read_is_a_miss_and_every_write_is_dropped():
    cache = _dead_cache()
    cache.set("page", "html")
    assert cache.get("page") is None
    assert cache.get("page", "fallback") == "fallback"
    assert cache.get_many(["page"]) == {}
    assert cache.add("page", "html") is False
    assert cache.has_key("page") is False
    assert cache.get_or_set("page", "computed") == "computed"
    assert cache.delete("page") is False
    cache.delete_many(["page"])
    cache.set_many({"a": 1})
    with pytest.raises(ValueError, match="not found"):
        cache.incr("writes")


def test_after_a_failure_the_process_leaves_redis_alone_for_the_pause(monkeypatch):
    cache = _dead_cache(pause_seconds=60)
    assert cache.get("page") is None
    tried = []
    monkeypatch.setattr(cache, "_cache", property(lambda _self: tried.append(1)))
    assert cache.get("page") is None
    cache.set("page", "html")
    assert tried == []


@pytest.mark.django_db
def test_pages_and_logins_work_with_the_cache_down(client, settings, district_leader, committee):
    """The ranking (its table is kept in the cache) and the session (cached_db) alike."""
    settings.CACHES = {
        "default": {
            "BACKEND": "portal.cache.ForgivingRedisCache",
            "LOCATION": _dead_redis_url(),
            "OPTIONS": {"socket_connect_timeout": 0.5},
        }
    }
    assert isinstance(caches["default"], ForgivingRedisCache)
    assert settings.SESSION_ENGINE == "django.contrib.sessions.backends.cached_db"
    district_leader.set_password("a-long-demo-password")
    district_leader.save()
    logged_in = client.post(
        reverse("login"), {"username": "leader", "password": "a-long-demo-password"}
    )
    assert logged_in.status_code == 302
    response = client.get(reverse("reports:ranking"))
    assert response.status_code == 200
    assert "普陀区" in response.content.decode()


def test_one_redis_client_serves_every_call_of_the_process():
    """Django's own backend builds a new client object for every call (a third of the
    cost of reading a cached session); ours keeps one per connection pool."""
    clients = _dead_cache()._cache
    assert clients.get_client("a") is clients.get_client("b")
    assert clients.get_client("a", write=True) is clients.get_client("a")
