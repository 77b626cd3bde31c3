"""A reload of a snapshot page answers 304 Not Modified when nothing it shows has changed.

The ETag is made of what the page shows: the stamp of its snapshot (when it was computed,
whether a rebuild is waiting, the flags, targets and building counts it shows beside it;
reports/selectors/stamps.py, one query, kept in the cache for a few seconds) and of who
asks and how: the user, their scope, the whole path with its query string (area, sort,
date, page, search), the language, the CSRF secret (a new login makes a new one, and the
page's forms carry it) and the portal's release (templates and translations). The
ranking's rows are not read. These pages only read, so they run without the request's
transaction (its BEGIN and COMMIT would double a reload's round trips). A page that
carries a one-time message is never answered 304 (the message would be lost), nor is an
anonymous request.

Such a page is sent ``Cache-Control: private, no-cache`` instead of ``no-store``
(portal.middleware.PrivatePagesMiddleware): the browser keeps it and asks again on every
use. Logging out clears the browser's copy (``Clear-Site-Data``); docs/decisions.md,
"Reloads answered 304".
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from functools import cache
from pathlib import Path

from django.conf import settings
from django.contrib.messages import get_messages
from django.db import transaction
from django.http import HttpRequest, HttpResponse
from django.middleware.csrf import get_token
from django.utils.translation import get_language
from django.views.decorators.http import condition

from campaign.access import staff_scope_for
from campaign.clock import today
from campaign.request_params import day_param
from reports.selectors.stamps import snapshot_page_stamp

View = Callable[..., HttpResponse]


@cache
def _release() -> str:
    """Changes when a deploy changes the templates or the translations (their files'
    modification times), so an ETag never outlives the page's markup."""
    folders = [Path(settings.BASE_DIR) / "templates", *map(Path, settings.LOCALE_PATHS)]
    times = (path.stat().st_mtime_ns for folder in folders for path in folder.rglob("*"))
    return str(max(times, default=0))


def _csrf_secret(request: HttpRequest) -> str:
    """The CSRF secret the page's forms are made from: the one the answer will set when
    the browser has none yet (the page's forms need it anyway)."""
    get_token(request)
    return request.META.get("CSRF_COOKIE", "")


def _etag(request: HttpRequest) -> str | None:
    if not request.user.is_authenticated or len(get_messages(request)):
        return None
    try:
        asked = day_param(request.GET)
    except Exception:
        return None
    revalidating = bool(request.headers.get("If-None-Match"))
    _shown, stamp = snapshot_page_stamp(asked=asked, today=today(), reuse=revalidating)
    scope = staff_scope_for(request.user)
    parts = [
        _release(),
        request.user.pk,
        scope and (scope.pk, scope.role, scope.updated_at),
        request.get_full_path(),
        get_language(),
        _csrf_secret(request),
        stamp,
    ]
    return '"' + hashlib.sha256(repr(parts).encode()).hexdigest()[:32] + '"'


def revalidated(view: View) -> View:
    """The view's page gets an ETag of its snapshot and asker (see the module); a request
    whose If-None-Match holds it answers 304 without running the view."""
    conditional = condition(etag_func=lambda request, *args, **kwargs: _etag(request))(view)
    return transaction.non_atomic_requests(conditional)
