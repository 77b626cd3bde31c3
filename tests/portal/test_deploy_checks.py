from django.core.checks import run_checks
from django.test import override_settings

LOCMEM = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
REDIS = {
    "default": {
        "BACKEND": "portal.cache.ForgivingRedisCache",
        "LOCATION": "redis://127.0.0.1:6379/1",
    }
}


def _ids(**settings):
    with override_settings(**settings):
        return {message.id for message in run_checks(include_deployment_checks=True)}


def test_production_without_a_shared_cache_is_warned():
    assert "streetvax.W001" in _ids(CACHES=LOCMEM)


def test_production_with_the_shared_cache_is_not_warned():
    assert "streetvax.W001" not in _ids(CACHES=REDIS)
