"""The reads of the capacity pages: who plans, from which day, and a week of plans."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from django.db.models import Q, QuerySet

from campaign.access import can_plan, may_plan_past_days
from campaign.calendar import CampaignCalendar
from campaign.clock import today
from campaign.models import StaffScope, Subdistrict
from sites.models import Site, SitePlan
from sites.selectors.capacity import KIND_ORDER, Period
from sites.selectors.tallies import sites_visible_to


def sites_plannable_by(scope: StaffScope | None) -> QuerySet[Site]:
    return sites_visible_to(scope) if can_plan(scope) else Site.objects.none()


def plans_editable_from(scope: StaffScope | None) -> date | None:
    """The first day whose plan the scope may still change: today for staff (a plan is made
    before its day), None (any day) for administrators."""
    return None if may_plan_past_days(scope) else today()


@dataclass
class PlanWeek:
    """What the plan grid of one subdistrict's week shows: the sites open in it (fixed,
    temporary, mobile), the stored plans and each day's planned total, the days in a
    campaign and the first day that may still be changed (the rules of ``site_plans_set``)."""

    sites: list[Site]
    days: list[date]
    stored: list[SitePlan]
    editable_from: date | None
    campaign_days: set[date]
    day_totals: dict[date, int]


def plan_week(scope: StaffScope | None, subdistrict: Subdistrict, start: date) -> PlanWeek:
    """The seven days from ``start``: three queries, however many sites."""
    period = Period(start, start + timedelta(days=6))
    sites = list(
        sites_plannable_by(scope)
        .filter(subdistrict=subdistrict, active_from__lte=period.end)
        .filter(Q(active_to__isnull=True) | Q(active_to__gte=period.start))
        .order_by(KIND_ORDER, "code")
    )
    stored = list(SitePlan.objects.filter(site__in=sites, date__range=(period.start, period.end)))
    calendar = CampaignCalendar.load(period.start, period.end)
    day_totals: dict[date, int] = {}
    for plan in stored:
        day_totals[plan.date] = day_totals.get(plan.date, 0) + plan.planned_doses
    return PlanWeek(
        sites=sites,
        days=period.days,
        stored=stored,
        editable_from=plans_editable_from(scope),
        campaign_days={day for day in period.days if calendar.covers(day)},
        day_totals=day_totals,
    )
