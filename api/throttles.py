"""Writes limited per token (REST_FRAMEWORK's ``api_writes`` rate), counted in Django's
cache; over the limit a write answers 429 with Retry-After."""

from __future__ import annotations

from typing import Any

from rest_framework.request import Request
from rest_framework.settings import api_settings
from rest_framework.throttling import SimpleRateThrottle

from api.models import ApiToken


class TokenWriteThrottle(SimpleRateThrottle):
    scope = "api_writes"

    def get_rate(self) -> str | None:
        # Read at each request (not when the class is defined), so settings can change it.
        rate = api_settings.DEFAULT_THROTTLE_RATES.get(self.scope)
        return str(rate) if rate is not None else None

    def get_cache_key(self, request: Request, view: Any) -> str | None:
        if not isinstance(request.auth, ApiToken):
            return None
        return f"api-writes-{request.auth.pk}"
