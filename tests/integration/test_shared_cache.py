"""The rendered ranking is shared across processes and hosts (issue 15, item 6): with
STREETVAX_CACHE_URL on Redis, what one process rendered another reads, and a Redis that
dies under them is no cache, never an error."""

from __future__ import annotations

import os
import uuid

import pytest
import redis
from django.core.cache import caches
from django.test import Client
from django.urls import reverse

from tests.integration.conftest import needs_real_services
from tests.reports.test_revalidation import snapshot  # noqa: F401 - the fixture

pytestmark = [pytest.mark.django_db, needs_real_services]

# A Redis database of the tests' own (CI: the broker's server, database 10).
CACHE_URL = os.environ.get(
    "STREETVAX_TEST_CACHE_URL",
    os.environ.get("STREETVAX_TEST_BROKER_URL", "redis://127.0.0.1:6379/9").rsplit("/", 1)[0]
    + "/10",
)


@pytest.fixture
def shared_cache(settings):
    prefix = f"test-{uuid.uuid4().hex}"
    settings.CACHES = {
        "default": {
            "BACKEND": "portal.cache.ForgivingRedisCache",
            "LOCATION": CACHE_URL,
            "KEY_PREFIX": prefix,
        }
    }
    server = redis.Redis.from_url(CACHE_URL)
    yield server, prefix
    for key in server.scan_iter(match=f"{prefix}:*"):
        server.delete(key)


@pytest.fixture
def first_ranking(
    client,
    district_leader,
    snapshot,  # noqa: F811 - the imported fixture
    shared_cache,
):
    """The leader's ranking, rendered once into the shared cache: the page answered."""
    client.force_login(district_leader)
    first = client.get(reverse("reports:ranking"))
    assert first.status_code == 200
    return first


def test_a_ranking_one_process_rendered_is_read_by_another(
    district_leader, shared_cache, first_ranking
):
    server, prefix = shared_cache
    rankings = list(server.scan_iter(match=f"{prefix}:*ranking_page*"))
    assert len(rankings) == 1
    # Another process: its own connection to the same Redis, nothing in its memory; and
    # another leader's session, so the page is rendered around the kept ranking.
    del caches["default"]
    server.set(rankings[0], server.get(rankings[0]).replace(b"\xe4\xb8\x87", b"\xe8\x90\xac"))
    other = Client()
    other.force_login(district_leader)
    again = other.get(reverse("reports:ranking"))
    assert "萬里雅筑居民区" in again.content.decode()  # the ranking as the cache holds it


def test_a_page_one_process_kept_answers_the_same_session_in_another(
    client, shared_cache, first_ranking
):
    server, prefix = shared_cache
    assert len(list(server.scan_iter(match=f"{prefix}:*page:*"))) == 1
    del caches["default"]
    again = client.get(reverse("reports:ranking"))
    assert again.content == first_ranking.content


def test_sessions_are_read_through_the_shared_cache(client, district_leader, shared_cache):
    server, prefix = shared_cache
    client.force_login(district_leader)
    assert list(server.scan_iter(match=f"{prefix}:*django.contrib.sessions.cached_db*"))
