from django.contrib.auth import SESSION_KEY
from django.contrib.auth.signals import user_logged_out
from django.core.exceptions import BadRequest
from django.dispatch import receiver
from django.http import HttpRequest, HttpResponse
from django.utils.cache import patch_cache_control


class PrivatePagesMiddleware:
    """``Cache-Control: private, no-store`` on every answer to a logged-in user, downloads
    included: on a shared office computer the browser (or a proxy) then keeps no copy of a
    page or a file after logout. Snapshot pages with an ETag are ``private, no-cache``
    (kept, but asked for again on every use, answered 304 when unchanged) and the logout
    answer clears what the browser kept of the site: its cache, and the entry pages'
    drafts, queued saves and cached grids (the pages' script clears those too, for
    browsers that ignore the header). Static files are answered before this
    middleware runs and stay cacheable; anonymous pages keep their own headers (the login
    page is never cached by Django already)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        # Asked before the view, too: a logout ends the session while it answers. From the
        # session alone: the user is read later, as the view reads it (a snapshot page may
        # read a kept copy: campaign/session_user.py).
        logged_in = _session_has_login(request)
        response = self.get_response(request)
        still_logged_in = _logged_in(request)
        if response.has_header("ETag") and still_logged_in:
            # A snapshot page that answers a reload with 304 (reports.views.conditional):
            # the browser may keep it but asks before every use; logout clears it (below).
            patch_cache_control(response, private=True, no_cache=True)
        elif logged_in or still_logged_in:
            patch_cache_control(response, private=True, no_store=True)
        if getattr(request, _LOGGED_OUT, False):
            # Any logout (portal or admin): the browser drops what it kept of this site
            # (over HTTPS), so nothing stays for the next user of a shared phone or PC. Only
            # a logout: a session Django refuses (a new password, a deactivated account)
            # must not wipe the entry pages' queued saves unasked.
            response["Clear-Site-Data"] = '"cache", "storage"'
        return response


_LOGGED_OUT = "streetvax_logged_out"


@receiver(user_logged_out, dispatch_uid="portal.middleware.logged_out")
def _note_logout(sender, request, user, **kwargs) -> None:
    if request is not None and user is not None:
        setattr(request, _LOGGED_OUT, True)


def _session_has_login(request: HttpRequest) -> bool:
    session = getattr(request, "session", None)
    return session is not None and SESSION_KEY in session


def _logged_in(request: HttpRequest) -> bool:
    user = getattr(request, "user", None)
    return user is not None and user.is_authenticated


class RefuseNulMiddleware:
    """A NUL character in a query string or a form field answers 400 (Bad Request).

    No field of the portal holds one, PostgreSQL cannot store one in text and its driver
    refuses one in a query: refused here once, before any view, filter or admin change
    list passes it on. Files are not looked at: the imports report the line (and Django
    drops unprintable characters from an uploaded file's name).
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if _has_nul(request.GET) or (request.method == "POST" and _has_nul(request.POST)):
            raise BadRequest("NUL character in a parameter")
        return self.get_response(request)


def _has_nul(data) -> bool:
    return any(
        "\0" in key or any("\0" in value for value in values) for key, values in data.lists()
    )
