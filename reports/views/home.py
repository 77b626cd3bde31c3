"""The home page: the morning's figures for the user's scope, then the pages they may use.

It reads the campaign's overview, the snapshots and the sites in scope, so it lives in
reports, above both apps (campaign imports nothing from sites).
"""

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from campaign.access import reads_whole_districts, staff_scope_for
from campaign.clock import today
from campaign.selectors import campaign_day, subdistrict_overview
from reports.selectors.home import morning
from sites.selectors.tallies import sites_visible_to


def home(request: HttpRequest) -> HttpResponse:
    """The morning's figures, the user's scope and the pages they may use."""
    scope = staff_scope_for(request.user)
    narrow = scope is not None and not reads_whole_districts(scope)
    return render(
        request,
        "reports/home.html",
        {
            "scope": scope,
            "morning": morning(scope) if scope is not None else None,
            "campaign_day": campaign_day(on=today()),
            "subdistricts": subdistrict_overview(scope),
            "sites": sites_visible_to(scope).order_by("kind", "code") if narrow else None,
        },
    )
