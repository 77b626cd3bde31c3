"""The request of a signed-in user, for the type checker."""

from __future__ import annotations

from django.contrib.auth.models import User
from django.http import HttpRequest


class AuthenticatedHttpRequest(HttpRequest):
    """A request past the login check (``LoginRequiredMiddleware``): its user is a
    ``User``, never the anonymous one. Views that hand the user to a service take it."""

    user: User
