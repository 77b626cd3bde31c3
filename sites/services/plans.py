"""The writes of the capacity pages: daily plans per site and mobile team visits.

``site_plans_set`` stores a week's grid of plans in one transaction; ``mobile_visit_record``
and ``mobile_visit_delete`` keep the list of a mobile team's visits. Administrators and
subdistrict staff write; district leaders and committee staff only read (the pages answer
404 to them). Every refusal is a ``ValidationError`` with messages in the user's language,
and nothing is written.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

from django.contrib.auth.models import User
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils.translation import gettext as _
from simple_history.utils import bulk_create_with_history, bulk_update_with_history

from campaign.access import staff_scope_for
from campaign.calendar import (
    CampaignCalendar,
    day_label,
    future_day_message,
    is_future,
    outside_campaign_message,
)
from campaign.models import Committee, StaffScope
from sites.models import MobileVisit, Site, SitePlan
from sites.rules import site_closed_message
from sites.selectors.plans import plans_editable_from, sites_plannable_by


@dataclass(frozen=True)
class PlanCell:
    """One cell of the plan grid: ``planned_doses`` None clears the day's plan."""

    site_id: int
    date: date
    planned_doses: int | None


@dataclass
class PlanSaveResult:
    created: int = 0
    updated: int = 0
    deleted: int = 0
    unchanged: int = 0


@transaction.atomic
def site_plans_set(*, user: User, cells: Sequence[PlanCell]) -> PlanSaveResult:
    """Set (never add to) each cell's plan; an empty cell removes a stored plan.

    Refused: a site outside the user's scope (``PermissionDenied``); with ``ValidationError``,
    a day the site is closed, a day outside the campaign, a cell given twice, and a change
    to a plan of a day already past (a plan is made before the day; administrators may
    still correct it).
    """
    scope = staff_scope_for(user)
    site_ids = {cell.site_id for cell in cells}
    sites = {site.pk: site for site in sites_plannable_by(scope).filter(pk__in=site_ids)}
    if len(sites) != len(site_ids):
        raise PermissionDenied(_("You may not enter plans for this site."))
    stored = {
        (plan.site_id, plan.date): plan
        for plan in SitePlan.objects.filter(
            site_id__in=site_ids, date__in={cell.date for cell in cells}
        )
    }
    calendar = CampaignCalendar.load()
    messages: list[str] = []
    seen: set[tuple[int, date]] = set()
    result = PlanSaveResult()
    to_create: list[SitePlan] = []
    to_update: list[SitePlan] = []
    to_delete: list[int] = []
    for cell in cells:
        key = (cell.site_id, cell.date)
        site = sites[cell.site_id]
        if key in seen:
            messages.append(
                _("%(site)s, %(date)s is given twice.")
                % {"site": site.name, "date": day_label(cell.date)}
            )
            continue
        seen.add(key)
        plan = stored.get(key)
        if (plan.planned_doses if plan else None) == cell.planned_doses:
            result.unchanged += 1
            continue
        problem = _cell_problem(scope, site, cell.date, calendar)
        if problem:
            messages.append(problem)
            continue
        if cell.planned_doses is None:
            if plan is not None:  # always: an empty cell without a plan is unchanged
                to_delete.append(plan.pk)
        elif plan is None:
            to_create.append(
                SitePlan(
                    site=site, date=cell.date, planned_doses=cell.planned_doses, entered_by=user
                )
            )
        else:
            plan.planned_doses, plan.entered_by = cell.planned_doses, user
            to_update.append(plan)
    for plan in [*to_create, *to_update]:
        try:
            # Uniqueness is known from ``stored``; the database still holds the constraints.
            plan.full_clean(validate_unique=False, validate_constraints=False)
        except ValidationError as error:
            messages.extend(error.messages)
    if messages:
        raise ValidationError(messages)
    if to_create:
        bulk_create_with_history(to_create, SitePlan, default_user=user)
    if to_update:
        bulk_update_with_history(
            to_update, SitePlan, ["planned_doses", "entered_by", "updated_at"], default_user=user
        )
    if to_delete:
        for plan in SitePlan.objects.filter(pk__in=to_delete):
            plan._history_user = user  # type: ignore[attr-defined] # simple_history reads it
            plan.delete()
    result.created, result.updated, result.deleted = len(to_create), len(to_update), len(to_delete)
    return result


def _cell_problem(
    scope: StaffScope | None, site: Site, day: date, calendar: CampaignCalendar
) -> str | None:
    closed = site_closed_message(site, day)
    if closed:
        return closed
    if not calendar.covers(day):
        return outside_campaign_message(day)
    editable_from = plans_editable_from(scope)
    if editable_from is not None and day < editable_from:
        return _(
            "%(date)s has passed: only an administrator may change the plan of %(site)s for it."
        ) % {"site": site.name, "date": day_label(day)}
    return None


@transaction.atomic
def mobile_visit_record(
    *,
    user: User,
    site: Site,
    on: date,
    committee: Committee | None = None,
    compound: str = "",
    doses: int | None = None,
    note: str = "",
) -> MobileVisit:
    """Record one visit of a mobile team to a committee and/or a compound.

    Refused: a site outside the user's scope (``PermissionDenied``); with ``ValidationError``,
    a site that is not a mobile team, a day in the future or when the team is not active,
    a committee of another subdistrict, neither committee nor compound.
    """
    scope = staff_scope_for(user)
    if not sites_plannable_by(scope).filter(pk=site.pk).exists():
        raise PermissionDenied(_("You may not record visits for this site."))
    compound, note = compound.strip(), note.strip()
    messages = []
    if site.kind != Site.Kind.MOBILE:
        messages.append(_("%(site)s is not a mobile team.") % {"site": site.name})
    if is_future(on):
        messages.append(future_day_message(on))
    elif closed := site_closed_message(site, on):
        messages.append(closed)
    if committee is not None and committee.subdistrict_id != site.subdistrict_id:
        messages.append(_("The committee is not in the subdistrict of %(site)s.") % {"site": site})
    visit = MobileVisit(
        site=site,
        date=on,
        committee=committee,
        compound=compound,
        doses=doses,
        note=note,
        entered_by=user,
    )
    try:
        visit.full_clean()
    except ValidationError as error:
        messages.extend(error.messages)
    if messages:
        raise ValidationError(messages)
    visit._history_user = user  # type: ignore[attr-defined] # simple_history reads it
    visit.save()
    return visit


@transaction.atomic
def mobile_visit_delete(*, user: User, visit: MobileVisit) -> None:
    """Remove a visit recorded by mistake (its history row keeps what it was)."""
    scope = staff_scope_for(user)
    if not sites_plannable_by(scope).filter(pk=visit.site_id).exists():
        raise PermissionDenied(_("You may not record visits for this site."))
    visit._history_user = user  # type: ignore[attr-defined] # simple_history reads it
    visit.delete()
