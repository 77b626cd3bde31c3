"""A reload of a snapshot page answers 304 Not Modified when nothing it shows has changed.

The ETag is made of what the page shows: the stamp of its snapshot (when it was computed,
whether a rebuild is waiting, the flags, targets and building counts it shows beside it;
reports/selectors/stamps.py, one query, kept in the cache for a few seconds) and of who
asks and how: the user (and the name and administration link the menu shows), their
scope, the whole path with its query string (area, sort,
date, page, search), the language, the CSRF secret (a new login makes a new one, and the
page's forms carry it) and the portal's release (templates and translations). The
ranking's rows are not read. These pages only read, so they run without the request's
transaction (its BEGIN and COMMIT would double a reload's round trips). A page that
carries a one-time message is never answered 304 (the message would be lost), nor is an
anonymous request.

A page served whole is kept in the shared cache under its ETag for ``PAGE_SECONDS``: the
ETag names everything the page is made of (that is what makes a 304 right), so the next
request that computes the same ETag (the same session opening the page again without a
copy of its own: a new tab, a phone that dropped it) is answered from there without
rendering it; a hard reload (``Cache-Control: no-cache``) renders it anew. Another leader's
first visit has another ETag (user, CSRF secret) and renders the page, the ranking below
its heading from the shared cache (reports/views/ranking.py). A name changed in the admin
may so show for up to twice ``PAGE_SECONDS`` (the kept ranking, then the page kept around
it).

Such a page is sent ``Cache-Control: private, no-cache`` instead of ``no-store``
(portal.middleware.PrivatePagesMiddleware): the browser keeps it and asks again on every
use. Logging out clears the browser's copy (``Clear-Site-Data``); docs/decisions.md,
"Reloads answered 304".
"""

from __future__ import annotations

import gzip
import hashlib
import zlib
from collections.abc import Callable
from functools import cache as memoized
from functools import wraps
from pathlib import Path

from django.conf import settings
from django.contrib.messages import get_messages
from django.core.cache import cache
from django.db import transaction
from django.http import HttpRequest, HttpResponse
from django.middleware.csrf import get_token
from django.middleware.gzip import GZipMiddleware, re_accepts_gzip
from django.utils.cache import patch_vary_headers
from django.utils.text import compress_string
from django.utils.translation import get_language
from django.views.decorators.http import condition

from campaign.access import may_open_admin, staff_scope_for
from campaign.clock import today
from campaign.request_params import day_param
from campaign.session_user import reads_kept_user
from reports.selectors.stamps import snapshot_page_stamp

View = Callable[..., HttpResponse]

PAGE_SECONDS = 300  # as the ranking's table: bounds how long a renamed committee shows
_NO_ETAG = object()
GZIP_MAGIC = b"\x1f\x8b"


@memoized
def page_release() -> str:
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
    """The page's ETag, computed once per request (the 304 check and the kept copy both
    ask for it)."""
    found = getattr(request, "_streetvax_etag", _NO_ETAG)
    if found is _NO_ETAG:
        found = _etag_made(request)
        request._streetvax_etag = found  # type: ignore[attr-defined]
    return found  # type: ignore[return-value]


def _etag_made(request: HttpRequest) -> str | None:
    if not request.user.is_authenticated or len(get_messages(request)):
        return None
    try:
        asked = day_param(request.GET)
    except Exception:
        return None
    # The kept stamp serves every GET of these pages: a copy kept under the ETag (or the
    # browser's) is what the request is answered with anyway.
    _shown, stamp = snapshot_page_stamp(asked=asked, today=today())
    scope = staff_scope_for(request.user)
    parts = [
        page_release(),
        request.user.pk,
        # The menu: the name shown and the administration link.
        request.user.get_username(),
        request.user.get_full_name(),
        may_open_admin(request.user),
        scope and (scope.pk, scope.role, scope.updated_at),
        request.get_full_path(),
        get_language(),
        _csrf_secret(request),
        stamp,
    ]
    return '"' + hashlib.sha256(repr(parts).encode()).hexdigest()[:32] + '"'


def _send_compressed(
    request: HttpRequest, response: HttpResponse, etag: str, compressed: bytes
) -> bool:
    """The answer's body compressed, for a browser that takes gzip (GZipMiddleware leaves
    an answer with a Content-Encoding alone; the ETag weak, as that middleware makes it).
    Whether it was."""
    patch_vary_headers(response, ("Accept-Encoding",))
    if not re_accepts_gzip.search(request.headers.get("Accept-Encoding", "")):
        return False
    response.content = compressed
    response["Content-Encoding"] = "gzip"
    response["ETag"] = f"W/{etag}"
    return True


def _kept_answer(request: HttpRequest, key: str, etag: str) -> HttpResponse | None:
    """The page kept under ``key``, or None (none kept, or an entry that is not one: it is
    dropped and the page rendered)."""
    kept = cache.get(key)
    if kept is None:
        return None
    try:
        content_type, compressed = kept
        if not (isinstance(compressed, bytes) and compressed.startswith(GZIP_MAGIC)):
            raise ValueError("not a kept page")
        response = HttpResponse(content_type=str(content_type))
        if not _send_compressed(request, response, etag, compressed):
            response.content = gzip.decompress(compressed)
    except (TypeError, ValueError, OSError, EOFError, zlib.error):
        cache.delete(key)
        return None
    return response


def _kept_whole(view: View) -> View:
    """The view, its 200 answers kept under their ETag, compressed, and answered from
    there (see the module)."""

    @wraps(view)
    def answer(request: HttpRequest, *args: object, **kwargs: object) -> HttpResponse:
        etag = _etag(request)
        if etag is None:
            return view(request, *args, **kwargs)
        key = f"page:{etag}"
        hard_reload = "no-cache" in request.headers.get("Cache-Control", "")
        kept = None if hard_reload else _kept_answer(request, key, etag)
        if kept is not None:
            return kept
        response = view(request, *args, **kwargs)
        if response.status_code != 200 or response.streaming or response.cookies:
            return response
        # Compressed once, as GZipMiddleware would (a tenth of the bytes to keep).
        compressed = compress_string(
            response.content, max_random_bytes=GZipMiddleware.max_random_bytes
        )
        cache.set(key, (response["Content-Type"], compressed), PAGE_SECONDS)
        _send_compressed(request, response, etag, compressed)
        return response

    return answer


def revalidated(view: View) -> View:
    """The view's page gets an ETag of its snapshot and asker (see the module); a request
    whose If-None-Match holds it answers 304 without running the view, and one without it
    is answered the page kept under that ETag, when there is one."""
    conditional = condition(etag_func=lambda request, *args, **kwargs: _etag(request))(
        _kept_whole(view)
    )
    return reads_kept_user(transaction.non_atomic_requests(conditional))
