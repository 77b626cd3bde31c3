"""The entry pages as an installable web app: its manifest and its service worker, served
from the site's root so the worker's scope covers the entry pages (a file under /static/
could only control /static/). Neither holds data, so both open without a login, and
neither opens a database transaction (browsers ask for them beside every page)."""

from django.conf import settings
from django.contrib.auth.decorators import login_not_required
from django.db import transaction
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.templatetags.static import static
from django.urls import reverse
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.cache import cache_control
from django.views.decorators.http import require_GET


@login_not_required
@transaction.non_atomic_requests
@require_GET
@cache_control(no_cache=True)  # a changed worker reaches browsers at their next visit
def service_worker(request: HttpRequest) -> HttpResponse:
    return render(
        request,
        "portal/sw.js",
        # STATIC_URL, not static(""): the production storage's manifest has no entry for ""
        # and raised, so every page's worker registration logged a 500 in the console.
        {"static_prefix": settings.STATIC_URL, "entry_list": reverse("sites:entry_index")},
        content_type="text/javascript; charset=utf-8",
    )


@login_not_required
@transaction.non_atomic_requests
@require_GET
def web_manifest(request: HttpRequest) -> JsonResponse:
    name = _("Vaccination entry")
    return JsonResponse(
        {
            "name": name,
            "short_name": name,
            "lang": get_language(),
            "start_url": reverse("sites:entry_index"),
            "scope": "/",
            "display": "standalone",
            "background_color": "#f5f7fa",
            "theme_color": "#c8102e",
            "icons": [
                {
                    "src": static(f"icons/entry-{size}.png"),
                    "sizes": f"{size}x{size}",
                    "type": "image/png",
                }
                for size in (192, 512)
            ],
        },
        content_type="application/manifest+json",
        json_dumps_params={"ensure_ascii": False},
    )
