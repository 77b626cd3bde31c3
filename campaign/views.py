from django.contrib.auth.decorators import login_not_required
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render

from campaign.clock import today
from campaign.models import StaffScope
from campaign.selectors import campaign_day, staff_scope_for, subdistrict_overview
from sites.selectors import sites_visible_to


def home(request: HttpRequest) -> HttpResponse:
    """The user's scope and the pages they may use."""
    scope = staff_scope_for(request.user)
    narrow = scope is not None and scope.role in (
        StaffScope.Role.SUBDISTRICT_STAFF,
        StaffScope.Role.COMMITTEE_STAFF,
    )
    return render(
        request,
        "campaign/home.html",
        {
            "scope": scope,
            "campaign_day": campaign_day(on=today()),
            "subdistricts": subdistrict_overview(scope),
            "sites": sites_visible_to(scope).order_by("kind", "code") if narrow else None,
        },
    )


@login_not_required
def health(request: HttpRequest) -> JsonResponse:
    """For load balancers and monitoring: the process is up and answers."""
    return JsonResponse({"status": "ok"})
