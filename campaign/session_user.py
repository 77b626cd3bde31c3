"""The logged-in user and their scope, read from the shared cache instead of the database.

A district's leaders reload the ranking all morning; each reload used to read the user and
their scope from the database before it could answer 304 (reports/views/conditional.py).
The user is now kept in the cache (with the scope on it, campaign.access.staff_scope_for)
for ``USER_SECONDS``, keyed by the user's id, read there by revalidations (requests with
If-None-Match) and by every GET or HEAD of a view marked ``@reads_kept_user`` (the snapshot pages,
whose ETag decides what they answer); other requests read the database as before and
refresh the copy. It is
checked exactly as Django checks a user it read from the database: the session's backend
is still one of the portal's, the account is active, and the session's hash still matches
the password (a password change logs the other sessions out, as before). The password
hash itself is not kept in the cache (``_without_password``).

Any save or delete of the user or of their scope forgets the kept copy (receivers below),
so a deactivation, a new password or a new role holds from the next request on (a request
of that user running while the account changes may keep its older copy again, for at most
``USER_SECONDS``); writes
that bypass ``save()`` (a queryset's ``update()``) call ``session_user_forget``. A renamed
area may show its old name in the menu for up to ``USER_SECONDS``. A cache that is down is
no cache: the user is read from the database (portal/cache.py).
"""

from __future__ import annotations

import copy
from collections.abc import Callable
from typing import Any, TypeVar

from django.conf import settings
from django.contrib import auth
from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
from django.contrib.auth.middleware import AuthenticationMiddleware
from django.contrib.auth.models import AnonymousUser, User
from django.core.cache import cache
from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver
from django.http import HttpRequest
from django.utils.crypto import constant_time_compare
from django.utils.functional import SimpleLazyObject

from campaign.access import has_scope_read, staff_scope_for
from campaign.models import StaffScope

USER_SECONDS = 60
_READS_KEPT_USER = "streetvax_reads_kept_user"
View = TypeVar("View", bound=Callable[..., Any])


def reads_kept_user(view: View) -> View:
    """Marks a view whose GETs may read the user from the kept copy (see the module)."""
    setattr(view, _READS_KEPT_USER, True)
    return view


def _key(user_id: object) -> str:
    return f"session-user:{user_id}"


def session_user(request: HttpRequest) -> User | AnonymousUser:
    """The request's user: the kept copy when the session still proves it, else Django's
    own read from the database (which also logs a stale session out), then kept."""
    if hasattr(request, "_cached_user"):
        already: User | AnonymousUser = request._cached_user
        return already
    session = request.session
    user_id = session.get(SESSION_KEY)
    user: User | AnonymousUser | None = None
    if user_id is not None and session.get(BACKEND_SESSION_KEY) in settings.AUTHENTICATION_BACKENDS:
        kept = cache.get(_key(user_id))
        if isinstance(kept, tuple) and len(kept) == 2:
            found, auth_hash = kept
            if (
                isinstance(found, User)
                and str(found.pk) == str(user_id)
                and found.is_active
                and constant_time_compare(session.get(HASH_SESSION_KEY, ""), auth_hash)
            ):
                user = found
    if user is None:
        user = auth.get_user(request)
        if isinstance(user, User):
            staff_scope_for(user)  # kept with the user: the ETag needs it
            _keep(user)
    request._user_in_cache = True  # type: ignore[attr-defined] # no need to keep it again
    request._cached_user = user  # type: ignore[attr-defined] # as Django's middleware does
    return user


def _keep(user: User) -> None:
    cache.set(_key(user.pk), _without_password(user), USER_SECONDS)


def _without_password(user: User) -> tuple[User, str]:
    """What the cache keeps: a copy of the user without the password hash (the cache is
    not where password hashes live), beside the session hash made from it. On the copy the
    password is a deferred field: reading it reads the database, and ``save()`` writes
    only the fields it holds, never an empty password."""
    kept = copy.copy(user)
    del kept.__dict__["password"]
    return kept, user.get_session_auth_hash()


def session_user_forget(*, user_id: object) -> None:
    """The kept copy of the user is dropped: the next request reads the database."""
    cache.delete(_key(user_id))


class CachedAuthenticationMiddleware(AuthenticationMiddleware):
    """Django's AuthenticationMiddleware; a revalidation (a request with If-None-Match,
    which a snapshot page may answer 304) or a GET of a view marked ``@reads_kept_user``
    reads the user through ``session_user``. Other requests read the user from the
    database as before, and keep it in the cache when the page has read the scope too (no
    query added): the reload that follows finds both."""

    def process_request(self, request):
        super().process_request(request)
        if request.headers.get("If-None-Match"):
            request.user = SimpleLazyObject(lambda: session_user(request))

    def process_view(self, request, view_func, view_args, view_kwargs):
        # The user is read lazily: nothing before the view has needed it yet.
        marked = getattr(view_func, _READS_KEPT_USER, False)
        if marked and request.method in ("GET", "HEAD") and not hasattr(request, "_cached_user"):
            request.user = SimpleLazyObject(lambda: session_user(request))

    def process_response(self, request, response):
        user = getattr(request, "_cached_user", None)
        if (
            not getattr(request, "_user_in_cache", False)
            and isinstance(user, User)
            and has_scope_read(user)
        ):
            _keep(user)
        return response


@receiver(post_save, sender=User, dispatch_uid="campaign.session_user.user_saved")
@receiver(post_delete, sender=User, dispatch_uid="campaign.session_user.user_deleted")
def _user_changed(sender, instance, **kwargs) -> None:
    session_user_forget(user_id=instance.pk)


@receiver(post_save, sender=StaffScope, dispatch_uid="campaign.session_user.scope_saved")
@receiver(post_delete, sender=StaffScope, dispatch_uid="campaign.session_user.scope_deleted")
def _scope_changed(sender, instance, **kwargs) -> None:
    session_user_forget(user_id=instance.user_id)
