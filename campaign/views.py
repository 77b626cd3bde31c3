from datetime import date

from django.contrib import messages
from django.contrib.auth.decorators import login_not_required
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _

from campaign.access import can_record_buildings, committees_visible_to, staff_scope_for
from campaign.clock import today
from campaign.forms import BuildingCountForm, BuildingForm, add_service_errors
from campaign.http import AuthenticatedHttpRequest
from campaign.selectors import (
    buildings_visible_to,
    buildings_with_coverage,
    golden_shield_by_committee,
    golden_shield_threshold,
)
from campaign.services import building_count_record, building_create, building_update


@login_not_required
def health(request: HttpRequest) -> JsonResponse:
    """For load balancers and monitoring: the process is up and answers."""
    return JsonResponse({"status": "ok"})


# Golden shield buildings (金盾楼): committees register buildings and record how many of
# their residents are vaccinated; leaders read. Definitions in campaign.selectors.


def _golden_context(on: date) -> dict:
    return {"on": on, "threshold": golden_shield_threshold(on=on)}


def buildings(request: HttpRequest) -> HttpResponse:
    """The committees in scope with their buildings and golden shield buildings."""
    scope = staff_scope_for(request.user)
    if scope is None:
        raise Http404
    context = _golden_context(today())
    committees = golden_shield_by_committee(
        committees_visible_to(scope), on=context["on"], threshold=context["threshold"]
    ).order_by(
        "subdistrict__district__code",
        "subdistrict__code",
        "-golden_count",
        "-building_count",
        "code",
    )
    return render(request, "campaign/buildings.html", {**context, "committees": committees})


def building_committee(request: HttpRequest, committee_id: int) -> HttpResponse:
    """One committee's buildings with their latest coverage; staff register buildings."""
    scope = staff_scope_for(request.user)
    committee = get_object_or_404(committees_visible_to(scope), pk=committee_id)
    writable = can_record_buildings(scope)
    form = BuildingForm()
    if request.method == "POST":
        if not writable:
            raise Http404
        form = BuildingForm(request.POST)
        if form.is_valid():
            try:
                building = building_create(committee=committee, **form.cleaned_data)
            except ValidationError as error:
                add_service_errors(form, error)
            else:
                messages.success(request, _("%(name)s is registered.") % {"name": building.name})
                return redirect("campaign:building", building.pk)
    context = _golden_context(today())
    rows = buildings_with_coverage(
        committee.buildings.all(), on=context["on"], threshold=context["threshold"]
    ).order_by("-is_golden", "name")
    return render(
        request,
        "campaign/building_committee.html",
        {**context, "committee": committee, "buildings": rows, "form": form, "writable": writable},
    )


def building_detail(request: AuthenticatedHttpRequest, building_id: int) -> HttpResponse:
    """One building: its latest coverage, every count, and the forms to count or correct."""
    scope = staff_scope_for(request.user)
    context = _golden_context(today())
    building = get_object_or_404(
        buildings_with_coverage(
            buildings_visible_to(scope), on=context["on"], threshold=context["threshold"]
        ),
        pk=building_id,
    )
    writable = can_record_buildings(scope)
    count_form = BuildingCountForm(initial={"date": context["on"]})
    edit_form = BuildingForm(
        initial={
            "name": building.name,
            "residents": building.residents,
            "address": building.address,
        }
    )
    if request.method == "POST":
        if not writable:
            raise Http404
        editing = request.POST.get("action") == "edit"
        form: BuildingForm | BuildingCountForm = (
            BuildingForm(request.POST) if editing else BuildingCountForm(request.POST)
        )
        if form.is_valid():
            try:
                if editing:
                    building_update(building=building, **form.cleaned_data)
                    done = _("The building is corrected.")
                else:
                    count = building_count_record(
                        building=building,
                        on=form.cleaned_data["date"],
                        vaccinated=form.cleaned_data["vaccinated"],
                        user=request.user,
                    )
                    done = _("%(count)d vaccinated on %(day)s is recorded.") % {
                        "count": count.vaccinated,
                        "day": count.date.isoformat(),
                    }
            except ValidationError as error:
                add_service_errors(form, error)
            else:
                messages.success(request, done)
                return redirect("campaign:building", building.pk)
        if isinstance(form, BuildingForm):
            edit_form = form
        else:
            count_form = form
    counts = building.counts.select_related("recorded_by").order_by("-date")
    return render(
        request,
        "campaign/building.html",
        {
            **context,
            "building": building,
            "counts": counts,
            "count_form": count_form,
            "edit_form": edit_form,
            "writable": writable,
        },
    )
