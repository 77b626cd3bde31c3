"""Reads of sites and tallies, always narrowed to what the user's scope may see or write."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from django.db.models import (
    BooleanField,
    Count,
    Exists,
    ExpressionWrapper,
    Max,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Sum,
)

from campaign.access import (
    can_enter_tallies,
    committees_visible_to,
    is_committee_staff,
    reads_all_imports,
    reads_only_own_imports,
    subdistricts_visible_to,
)
from campaign.areas import Area
from campaign.models import Committee, StaffScope, Target
from sites.models import DailyTally, MobileVisit, Site, TallyImport


def sites_visible_to(scope: StaffScope | None) -> QuerySet[Site]:
    return Site.objects.select_related("subdistrict").filter(
        subdistrict__in=subdistricts_visible_to(scope)
    )


def sites_in_area(scope: StaffScope | None, area: Area) -> QuerySet[Site]:
    """The sites of ``area`` that the scope may read."""
    return sites_visible_to(scope).filter(area.site_filter)


def sites_enterable_by(scope: StaffScope | None) -> QuerySet[Site]:
    """Sites whose tallies the scope may enter."""
    return sites_visible_to(scope) if can_enter_tallies(scope) else Site.objects.none()


def committees_enterable_by(scope: StaffScope | None) -> QuerySet[Committee]:
    """Committees whose rows the scope may enter or import, in code order: the codes a
    tally file needs."""
    if not can_enter_tallies(scope):
        return Committee.objects.none()
    return committees_visible_to(scope).order_by("subdistrict__code", "code")


def committees_enterable_at(
    scope: StaffScope | None, site: Site
) -> tuple[QuerySet[Committee], bool]:
    """The rows of a site's entry grid for this scope: committees, and whether the
    non-resident row is there. Committee staff get their own committee only."""
    committees = Committee.objects.filter(subdistrict_id=site.subdistrict_id).order_by("code")
    if is_committee_staff(scope):
        if scope.committee_id is None:
            return committees.none(), False
        return committees.filter(pk=scope.committee_id), False
    return committees, True


# How far back the entry grid looks for the committees and doses a site sees.
RECENT_USE_DAYS = 14


@dataclass(frozen=True)
class GridUse:
    """What the entry grid of one site's day opens, from the site's recent days."""

    committee_ids: frozenset[int]  # committees with a tally in the recent days
    boosters: bool  # boosters were reported recently, or the campaign counts them


def grid_use_at(site: Site, on: date) -> GridUse:
    """The committees with a tally at ``site`` in the 14 days before ``on``, and whether
    the booster column is in use — two queries, whatever the number of committees."""
    recent = (
        DailyTally.objects.filter(
            site=site, date__gte=on - timedelta(days=RECENT_USE_DAYS), date__lt=on
        )
        .values_list("committee_id", "dose_kind")
        .distinct()
    )
    committee_ids, boosters = set(), False
    for committee_id, dose_kind in recent:
        if committee_id is not None:
            committee_ids.add(committee_id)
        boosters = boosters or dose_kind == DailyTally.DoseKind.BOOSTER
    # Asked whatever the tallies said, so the page's queries do not vary with the data.
    campaign_counts_boosters = Target.objects.filter(
        metric=Target.Metric.BOOSTER,
        campaign__start_date__lte=on,
        campaign__end_date__gte=on,
    ).exists()
    return GridUse(
        committee_ids=frozenset(committee_ids), boosters=boosters or campaign_counts_boosters
    )


def sites_active_on(on: date) -> Q:
    return Q(active_from__lte=on) & (Q(active_to__isnull=True) | Q(active_to__gte=on))


def latest_tally_day(sites: QuerySet[Site], on: date) -> date | None:
    """The latest day on or before ``on`` on which any of ``sites`` reported (one query)."""
    last: date | None = DailyTally.objects.filter(site__in=sites, date__lte=on).aggregate(
        last=Max("date")
    )["last"]
    return last


def tallies_of(site: Site, on: date) -> QuerySet[DailyTally]:
    return DailyTally.objects.filter(site=site, date=on).select_related("committee", "entered_by")


def unreported_sites(scope: StaffScope | None, on: date) -> QuerySet[Site]:
    """Sites in scope that are open on ``on`` and have no tally for it yet, with the last
    day they reported and when that was saved — one query, however many sites."""
    latest = DailyTally.objects.filter(site=OuterRef("pk")).order_by("-date", "-updated_at")
    return (
        sites_visible_to(scope)
        .filter(sites_active_on(on))
        .annotate(
            reported=Exists(DailyTally.objects.filter(site=OuterRef("pk"), date=on)),
            last_report_day=Subquery(latest.values("date")[:1]),
            last_report_at=Subquery(latest.values("updated_at")[:1]),
        )
        .filter(reported=False)
        .order_by("subdistrict__code", "kind", "code")
    )


def entry_overview(sites: QuerySet[Site], on: date) -> QuerySet[Site]:
    """``sites`` with ``on``'s total and last save time, in one query: the open ones
    still to report first, then the reported ones, then those not open that day (the
    site list says why with ``TallyRules.day_problem``)."""
    day = DailyTally.objects.filter(site=OuterRef("pk"), date=on)
    return sites.annotate(
        open_on_day=ExpressionWrapper(sites_active_on(on), output_field=BooleanField()),
        reported=Exists(day),
        day_total=Subquery(day.values("site").annotate(total=Sum("count")).values("total")[:1]),
        saved_at=Subquery(day.order_by("-updated_at").values("updated_at")[:1]),
    ).order_by("-open_on_day", "reported", "subdistrict__code", "kind", "code")


def tally_history(site: Site, on: date) -> QuerySet[Any]:
    """Changes of one site's day, newest first, with who made them."""
    changes: QuerySet[Any] = (
        DailyTally.history.filter(site_id=site.pk, date=on)
        .select_related("history_user", "committee")
        .order_by("-history_date", "-history_id")
    )
    return changes


def imports_visible_to(scope: StaffScope | None) -> QuerySet[TallyImport]:
    """Import attempts the scope may read, as their tally export reads tallies:
    administrators all, committee staff their own, the others their areas'."""
    imports = TallyImport.objects.select_related("user", "subdistrict")
    if scope is None:
        return imports.none()
    if reads_all_imports(scope):
        return imports
    if reads_only_own_imports(scope):
        return imports.filter(user_id=scope.user_id)
    return imports.filter(
        Q(subdistrict__in=subdistricts_visible_to(scope)) | Q(user_id=scope.user_id)
    )


def names_for_codes(
    site_codes: set[str], committee_codes: set[str]
) -> tuple[dict[str, str], dict[str, str]]:
    """Site and committee names by code, for rows stored with codes only (an import's
    preview); two queries however many rows."""
    sites = dict(Site.objects.filter(code__in=site_codes).values_list("code", "name"))
    committees = dict(
        Committee.objects.filter(code__in=committee_codes).values_list("code", "name")
    )
    return sites, committees


def mobile_teams_with_visits(teams: QuerySet[Site]) -> QuerySet[Site]:
    """Each mobile team with its visits: ``visit_count``, ``visit_doses`` (None when no
    visit gave a figure) and ``last_visit``; one query."""
    return teams.annotate(
        visit_count=Count("visits"),
        visit_doses=Sum("visits__doses"),
        last_visit=Max("visits__date"),
    ).order_by("subdistrict__code", "code")


def visits_by_subdistrict(teams: QuerySet[Site]) -> QuerySet[Any, Mapping[str, Any]]:
    """The visits of ``teams`` summed per subdistrict: visits, doses, teams; one query."""
    return (
        MobileVisit.objects.filter(site__in=teams)
        .values("site__subdistrict__name", "site__subdistrict__code")
        .annotate(
            visit_count=Count("pk"), visit_doses=Sum("doses"), teams=Count("site", distinct=True)
        )
        .order_by("site__subdistrict__code")
    )


def tally_template_rows(
    scope: StaffScope | None,
    on: date,
    *,
    site_id: int | None = None,
    subdistrict_id: int | None = None,
) -> list[tuple[str, str]]:
    """(site code, committee code) of the rows a pre-filled tally file holds: the sites the
    scope may enter that are open on ``on`` (one site, or a subdistrict's), each with the
    rows of its grid as ``committees_enterable_at`` gives them; "" is the non-resident row.
    Two queries however many sites."""
    sites = sites_enterable_by(scope).filter(sites_active_on(on)).order_by("code")
    if site_id is not None:
        sites = sites.filter(pk=site_id)
    if subdistrict_id is not None:
        sites = sites.filter(subdistrict_id=subdistrict_id)
    site_rows = list(sites.values_list("code", "subdistrict_id"))
    committees = Committee.objects.filter(
        subdistrict_id__in={subdistrict for _code, subdistrict in site_rows}
    ).order_by("code")
    with_non_residents = True
    if is_committee_staff(scope):  # their own row only, as their grid shows
        own = scope.committee_id
        committees = committees.filter(pk=own) if own is not None else committees.none()
        with_non_residents = False
    by_subdistrict: dict[int, list[str]] = {}
    for code, subdistrict in committees.values_list("code", "subdistrict_id"):
        by_subdistrict.setdefault(subdistrict, []).append(code)
    rows: list[tuple[str, str]] = []
    for site_code, subdistrict in site_rows:
        rows += [(site_code, code) for code in by_subdistrict.get(subdistrict, [])]
        if with_non_residents:
            rows.append((site_code, ""))
    return rows
