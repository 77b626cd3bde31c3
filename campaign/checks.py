"""Deployment checks (``manage.py check --deploy``) for settings Django cannot judge."""

from django.conf import settings
from django.core.checks import Tags, Warning, register


@register(Tags.caches, deploy=True)
def shared_cache_in_production(app_configs, **kwargs):
    """Sessions and the logged-in user are read from the cache: with a memory cache per
    process, a logout or a deactivated account in one web process is not seen by the
    others until their copies expire."""
    backend = settings.CACHES["default"]["BACKEND"]
    if backend.endswith("LocMemCache"):
        return [
            Warning(
                "Each process has its own memory cache: sessions and the logged-in user "
                "are kept per process.",
                hint="Set STREETVAX_CACHE_URL to a Redis database (docs/operations.md).",
                id="streetvax.W001",
            )
        ]
    return []
