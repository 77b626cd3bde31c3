"""The data-quality page (数据质量): open flags in scope with why each figure is suspect,
"已核实" with a reason, and the reporting rate of each site and subdistrict.

Views check scope (404 outside it), parse the request and call
``reports.selectors.quality`` and ``reports.services.quality``.
"""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from campaign.access import (
    may_review_quality,
    may_verify_quality,
    staff_scope_for,
    subdistricts_visible_to,
)
from campaign.clock import today
from campaign.http import AuthenticatedHttpRequest
from reports.selectors.quality import (
    flag_reason,
    open_quality_flags,
    quality_flags_reviewable_by,
    recently_verified,
    reporting_rates,
)
from reports.services.quality import quality_flag_verify

FLAGS_SHOWN = 200


def _link(flag, *, enterable: set[int] | None) -> str:
    """The grid of the flagged site's day for those who may correct it, else the day's
    history; a committee's page for a committee's figure."""
    if flag.site_id is None:
        return reverse("reports:committee", args=[flag.committee_id])
    day = flag.date.isoformat()
    if enterable is not None and flag.site.subdistrict_id in enterable:
        return reverse("sites:entry", args=[flag.site_id, day])
    return reverse("sites:history", args=[flag.site_id, day])


def data_quality(request: HttpRequest) -> HttpResponse:
    scope = staff_scope_for(request.user)
    if not may_review_quality(scope):
        raise Http404
    can_verify = may_verify_quality(scope)
    enterable = set(subdistricts_visible_to(scope).values_list("pk", flat=True))
    flags = list(open_quality_flags(scope)[: FLAGS_SHOWN + 1])
    rows = [
        {
            "flag": flag,
            "reason": flag_reason(flag),
            "link": _link(flag, enterable=enterable if can_verify else None),
        }
        for flag in flags[:FLAGS_SHOWN]
    ]
    verified = [{"flag": flag, "reason": flag_reason(flag)} for flag in recently_verified(scope)]
    return render(
        request,
        "reports/quality.html",
        {
            "rows": rows,
            "more_flags": len(flags) > FLAGS_SHOWN,
            "verified": verified,
            "can_verify": can_verify,
            "rates": reporting_rates(scope, on=today()),
            "on": today(),
        },
    )


@require_POST
def quality_flag_verify_view(request: AuthenticatedHttpRequest, flag_id: int) -> HttpResponse:
    flag = get_object_or_404(quality_flags_reviewable_by(request.user), pk=flag_id)
    try:
        quality_flag_verify(user=request.user, flag=flag, reason=request.POST.get("reason", ""))
    except PermissionDenied as error:
        raise Http404 from error
    except ValidationError as error:
        for message in error.messages:
            messages.error(request, message)
    else:
        messages.success(request, _("Marked as verified."))
    return redirect(f"{reverse('reports:quality')}#flags")
