"""Entry pages: choose a site and day, fill the grid, see what is not reported yet.

Views only check scope (404 outside it), build the form and call the service.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse, QueryDict
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _

from campaign.access import can_enter_tallies, staff_scope_for
from campaign.clock import today
from campaign.http import AuthenticatedHttpRequest
from campaign.refusals import show_refusal
from campaign.request_params import day_param, parse_day
from sites.forms import TallyGridForm
from sites.models import DailyTally
from sites.selectors.tallies import (
    committees_enterable_at,
    entry_overview,
    grid_use_at,
    sites_enterable_by,
    sites_visible_to,
    tallies_of,
    tally_history,
    unreported_sites,
)
from sites.services.tallies import (
    CapacityExceeded,
    TallyConflicts,
    UnusualFigures,
    record_nobody_came,
    record_tallies,
)

# Days before today whose grids open offline after a visit of the site list.
OFFLINE_DAYS = 7


def entry_index(request: HttpRequest) -> HttpResponse:
    """The sites the user may enter for, with each one's report for the chosen day."""
    scope = staff_scope_for(request.user)
    if not can_enter_tallies(scope):
        raise Http404
    day = day_param(request.GET) or today()
    sites = entry_overview(sites_enterable_by(scope), day)
    # The pages the service worker keeps for offline use: this list and the grids of
    # today and the week before, of the sites open today.
    offline_pages = [reverse("sites:entry_index")]
    if day == today():
        offline_pages += [
            reverse("sites:entry", args=[site.pk, (day - timedelta(days=back)).isoformat()])
            for site in sites
            for back in range(OFFLINE_DAYS + 1)
        ]
    return render(
        request,
        "sites/entry_index.html",
        {"sites": sites, "day": day, "today": today(), "offline_pages": offline_pages},
    )


def tally_entry(request: AuthenticatedHttpRequest, site_id: int, day: str) -> HttpResponse:
    scope = staff_scope_for(request.user)
    site = get_object_or_404(sites_enterable_by(scope), pk=site_id)
    on = parse_day(day)
    if on is None:
        raise Http404
    committees, with_non_residents = committees_enterable_at(scope, site)
    grid: dict[str, Any] = {  # the form's arguments
        "site": site,
        "on": on,
        "committees": list(committees),
        "with_non_residents": with_non_residents,
    }
    stored = list(tallies_of(site, on))
    if request.method != "POST":
        form = TallyGridForm(stored=stored, **grid)
        return _render_grid(request, form, stored)

    data: QueryDict = request.POST
    form = TallyGridForm(data, stored=stored, **grid)
    if "report_zero" not in data and not form.is_valid():
        return _render_grid(request, form, stored)
    try:
        if "report_zero" in data:
            committee = None if with_non_residents else committees.first()
            result = record_nobody_came(user=request.user, site=site, on=on, committee=committee)
        else:
            result = record_tallies(
                user=request.user,
                cells=form.cells(),
                reason=form.cleaned_data["reason"],
                capacity_confirmed=form.cleaned_data["capacity_confirmed"],
            )
    except TallyConflicts as conflicts:
        # Show both values and move the versions forward: saving again is then a
        # deliberate overwrite of the other person's value.
        data = data.copy()
        fresh = list(tallies_of(site, on))
        for row in fresh:
            name = form.field_name_for(row.committee_id, row.dose_kind)
            data[name.replace("count-", "version-", 1)] = str(row.version)
        form = TallyGridForm(data, stored=fresh, **grid)
        form.is_valid()
        return _render_grid(request, form, fresh, conflicts=conflicts.conflicts)
    except UnusualFigures as unusual:  # a day above capacity is one of them
        over_capacity = unusual.messages[0] if isinstance(unusual, CapacityExceeded) else None
        return _render_grid(
            request, form, stored, over_capacity=over_capacity, unusual=unusual.unusual
        )
    except ValidationError as refusal:  # after its subclasses above
        show_refusal(request, refusal, form)
        return _render_grid(request, form, stored)
    except PermissionDenied as error:
        raise Http404 from error
    messages.success(
        request,
        _("Saved: %(created)s new, %(updated)s changed, %(unchanged)s unchanged.")
        % {"created": result.created, "updated": result.updated, "unchanged": result.unchanged},
    )
    return redirect(reverse("sites:entry", args=[site.pk, on.isoformat()]))


def _render_grid(
    request, form, stored, *, conflicts=(), over_capacity=None, unusual=()
) -> HttpResponse:
    conflict_rows = [
        {"field": form.field_name_for(c.key[2], c.key[3]), "conflict": c} for c in conflicts
    ]
    for row in conflict_rows:
        row["label"] = form.fields[row["field"]].label
    unusual_rows = [
        {
            "field": None if u.is_day else form.field_name_for(u.committee_id, u.dose_kind),
            "reason": u.reason(),
        }
        for u in unusual
    ]
    for row in unusual_rows:
        row["label"] = form.fields[row["field"]].label if row["field"] else _("The day's total")
    use = grid_use_at(form.site, form.on)
    shown_rows, folded_rows, folded_open = form.rows_by_use(use.committee_ids)
    return render(
        request,
        "sites/entry.html",
        {
            "form": form,
            "site": form.site,
            "on": form.on,
            "today": today(),
            "is_past": form.on < today(),
            "reported": bool(stored),
            "total": sum(t.count for t in stored),
            "conflicts": conflict_rows,
            "conflict_fields": {row["field"] for row in conflict_rows},
            "over_capacity": over_capacity,
            "unusual": unusual_rows,
            "unusual_fields": {row["field"] for row in unusual_rows if row["field"]},
            "history": tally_history(form.site, form.on)[:50],
            "shown_rows": shown_rows,
            "folded_rows": folded_rows,
            "folded_open": folded_open,
            "show_booster": use.boosters or form.dose_has_values(DailyTally.DoseKind.BOOSTER),
        },
    )


def tally_history_page(request: HttpRequest, site_id: int, day: str) -> HttpResponse:
    """Every change of one site's day: who, when, old → new, why."""
    scope = staff_scope_for(request.user)
    site = get_object_or_404(sites_visible_to(scope), pk=site_id)
    on = parse_day(day)
    if on is None:
        raise Http404
    return render(
        request,
        "sites/history.html",
        {
            "site": site,
            "on": on,
            "history": tally_history(site, on),
            "can_enter": sites_enterable_by(scope).filter(pk=site.pk).exists(),
        },
    )


def unreported_board(request: HttpRequest) -> HttpResponse:
    """Sites open today that have not reported yet; the page refreshes its list itself."""
    scope = staff_scope_for(request.user)
    if scope is None:
        raise Http404
    on = today()
    context = {"sites": unreported_sites(scope, on), "on": on, "dose_kinds": DailyTally.DoseKind}
    if request.GET.get("fragment"):
        return render(request, "sites/board_list.html", context)
    return render(request, "sites/board.html", context)
