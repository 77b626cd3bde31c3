"""Capacity pages: utilisation and plan vs actual, the week's plan grid, mobile visits.

Views only check scope (404 outside it), read through ``sites.selectors.capacity`` and write through
``sites.services.plans``.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from campaign.access import can_plan, staff_scope_for, subdistricts_visible_to
from campaign.areas import Area, area_picked
from campaign.clock import today
from campaign.http import AuthenticatedHttpRequest
from campaign.models import Committee
from campaign.refusals import show_refusal
from campaign.request_params import area_param, day_param, parse_id
from sites.models import MobileVisit, Site
from sites.plan_forms import MobileVisitForm, PlanGridForm
from sites.selectors.capacity import Period, grouped_rows, site_rows
from sites.selectors.plans import plan_week, sites_plannable_by
from sites.selectors.tallies import (
    latest_tally_day,
    mobile_teams_with_visits,
    sites_in_area,
    sites_visible_to,
    visits_by_subdistrict,
)
from sites.services.plans import (
    mobile_visit_delete,
    mobile_visit_record,
    site_plans_set,
)


def capacity(request: HttpRequest) -> HttpResponse:
    """Per site and summed by kind, subdistrict and district: capacity, doses,
    utilisation, plan vs actual, for one day or the week ending on it."""
    scope = staff_scope_for(request.user)
    areas, area = area_param(scope, request.GET.get("area"))
    sites = sites_in_area(scope, area)
    # Without a date: the latest day with tallies, not a today nobody has reported yet.
    on = day_param(request.GET) or latest_tally_day(sites, today()) or today()
    week = request.GET.get("period") == "week"
    period = Period.week_ending(on) if week else Period.day(on)
    rows = site_rows(sites, period)
    kinds = grouped_rows(sites, period, by="kind")
    return render(
        request,
        "sites/capacity.html",
        {
            "areas": areas,
            "area": area,
            "on": on,
            "week": week,
            "period": period,
            "rows": rows,
            "kinds": [{**row, "label": Site.Kind(row["kind"]).label} for row in kinds],
            "subdistricts": (
                list(grouped_rows(sites, period, by="subdistrict")) if area.has_subdistricts else []
            ),
            "total": next(iter(grouped_rows(sites, period, by=area.kind)), None),
            "can_plan": can_plan(scope),
            "query": urlencode({"area": area.key, "date": on.isoformat()}),
        },
    )


def plan_grid(request: AuthenticatedHttpRequest) -> HttpResponse:
    """A week of daily plans for one subdistrict's sites: sites × days."""
    scope = staff_scope_for(request.user)
    if not can_plan(scope):
        raise Http404
    subdistricts = list(subdistricts_visible_to(scope).order_by("district__code", "code"))
    if not subdistricts:
        raise Http404
    wanted = request.GET.get("subdistrict")
    subdistrict = next((s for s in subdistricts if str(s.pk) == wanted), None)
    if wanted and subdistrict is None:  # outside the scope
        raise Http404
    subdistrict = subdistrict or subdistricts[0]
    start = day_param(request.GET, "start") or today()
    week = plan_week(scope, subdistrict, start)
    grid: dict[str, Any] = {  # the form's arguments
        "sites": week.sites,
        "days": week.days,
        "stored": week.stored,
        "editable_from": week.editable_from,
        "campaign_days": week.campaign_days,
    }
    form = PlanGridForm(request.POST or None, **grid)
    if request.method == "POST" and form.is_valid():
        try:
            result = site_plans_set(user=request.user, cells=form.cells())
        except ValidationError as refusal:
            show_refusal(request, refusal, form)
        except PermissionDenied as error:
            raise Http404 from error
        else:
            messages.success(
                request,
                _("Plans saved: %(created)s new, %(updated)s changed, %(deleted)s removed.")
                % {
                    "created": result.created,
                    "updated": result.updated,
                    "deleted": result.deleted,
                },
            )
            query = urlencode({"subdistrict": str(subdistrict.pk), "start": start.isoformat()})
            return redirect(f"{reverse('sites:plans')}?{query}")
    return render(
        request,
        "sites/plans.html",
        {
            "form": form,
            "subdistricts": subdistricts,
            "subdistrict": subdistrict,
            "start": start,
            "days": [(day, week.day_totals.get(day)) for day in week.days],
            "previous_week": (start - timedelta(days=7)).isoformat(),
            "next_week": (start + timedelta(days=7)).isoformat(),
            "today": today(),
        },
    )


VISITS_SHOWN = 200


def visits(request: AuthenticatedHttpRequest) -> HttpResponse:
    """Mobile teams' visits in an area, summed per team and per subdistrict; writers
    record new ones here."""
    scope = staff_scope_for(request.user)
    areas, area = area_param(scope, request.GET.get("area"))
    chosen = None
    if (team_id := parse_id(request.GET.get("site"))) is not None:
        # One team: its subdistrict is the area.
        teams = sites_visible_to(scope).filter(kind=Site.Kind.MOBILE)
        chosen = get_object_or_404(teams, pk=team_id)
        picked = area_picked(areas, Area(chosen.subdistrict).key)
        if picked is None:  # the team's subdistrict is outside the scope
            raise Http404
        area = picked
    mobile = sites_in_area(scope, area).filter(kind=Site.Kind.MOBILE)
    listed = MobileVisit.objects.filter(site__in=[chosen] if chosen else mobile)
    form = None
    writable = sites_plannable_by(scope).filter(pk__in=mobile.values("pk"))
    if can_plan(scope):
        form = MobileVisitForm(
            request.POST or None,
            sites=writable,
            committees=Committee.objects.filter(
                subdistrict__in=writable.values("subdistrict")
            ).order_by("code"),
            initial={"date": today(), "site": chosen},
        )
        if request.method == "POST" and form.is_valid():
            data = form.cleaned_data
            try:
                mobile_visit_record(
                    user=request.user,
                    site=data["site"],
                    on=data["date"],
                    committee=data["committee"],
                    compound=data["compound"],
                    doses=data["doses"],
                    note=data["note"],
                )
            except ValidationError as refusal:
                show_refusal(request, refusal, form)
            except PermissionDenied as error:
                raise Http404 from error
            else:
                messages.success(request, _("Visit recorded."))
                return redirect(f"{reverse('sites:visits')}?{request.GET.urlencode()}")
    elif request.method == "POST":
        raise Http404
    return render(
        request,
        "sites/visits.html",
        {
            "areas": areas,
            "area": area,
            "chosen": chosen,
            "teams": mobile_teams_with_visits(mobile),
            "by_subdistrict": visits_by_subdistrict(mobile) if area.has_subdistricts else [],
            "visits": listed.select_related("site", "committee", "entered_by").order_by(
                "-date", "site__code", "-pk"
            )[:VISITS_SHOWN],
            "visit_total": listed.count(),
            "shown": VISITS_SHOWN,
            "form": form,
            "deletable": set(writable.values_list("pk", flat=True)) if form else set(),
        },
    )


@require_POST
def visit_delete(request: AuthenticatedHttpRequest, visit_id: int) -> HttpResponse:
    scope = staff_scope_for(request.user)
    visit = get_object_or_404(
        MobileVisit.objects.filter(site__in=sites_plannable_by(scope)), pk=visit_id
    )
    mobile_visit_delete(user=request.user, visit=visit)
    messages.success(request, _("Visit removed."))
    return redirect(reverse("sites:visits"))
