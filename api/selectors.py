"""Reads of the API. Every figure comes from the reports' selectors over the snapshot
tables, as on the pages; nothing here adds up raw tallies. Every read is narrowed by the
token's scope (its account's ``StaffScope``): an area outside it is not found."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from django.db.models import Max, QuerySet

from api.models import ApiToken
from api.services import token_digest
from campaign.access import committees_visible_to
from campaign.areas import Area, areas_visible_to
from campaign.clock import today
from campaign.models import District, StaffScope, Subdistrict, Target
from reports.models import DistrictDay, SubdistrictDay
from reports.selectors.bulletins import bulletin_figures
from reports.selectors.ranking import (
    RANKING_METRICS,
    committee_ranking,
    freshness,
    latest_snapshot_date,
    targets_in_scope,
)
from sites.models import TallyImport
from sites.selectors.tallies import imports_visible_to, sites_visible_to


def token_for_key(key: str) -> ApiToken | None:
    """The token with this secret, revoked and expired ones included (the caller says
    which are refused), read anew on every request so a revocation counts at once."""
    return ApiToken.objects.select_related("user").filter(key_sha256=token_digest(key)).first()


class AreaNotFound(LookupError):
    pass


def area_for(scope: StaffScope | None, code: str | None) -> Area:
    """The area of ``code`` among those the scope may rank (a district for a district
    token, a subdistrict for either); without a code the scope's own, widest area."""
    areas = areas_visible_to(scope)
    if not areas:
        raise AreaNotFound
    if not code:
        return areas[0]
    found = [area for area in areas if area.obj.code == code]
    if len(found) != 1:  # none, or a district and a subdistrict sharing a code
        raise AreaNotFound
    return found[0]


def figures_date(asked: date | None) -> date:
    """The day asked for, else the latest day with snapshots (today while it runs)."""
    return asked or latest_snapshot_date(today()) or today()


def as_of(on: date) -> dict[str, Any]:
    fresh = freshness(on)
    return {"data_as_of": fresh.as_of, "updating": fresh.updating}


def _newest(*times: datetime | None) -> datetime | None:
    known = [time for time in times if time is not None]
    return max(known) if known else None


def areas_of(scope: StaffScope | None) -> dict[str, Any]:
    """Districts and subdistricts the scope may rank, and the committees it may read:
    codes, names, parents and eligible populations. ``data_as_of`` is the newest change
    of any of them."""
    rows: list[dict[str, Any]] = []
    changed: list[datetime | None] = []
    for area in areas_visible_to(scope):
        obj, parent = area.obj, area.parent
        parent_code = parent.obj.code if parent is not None else None
        rows.append(_area_row(area.kind, obj.code, obj.name, parent_code, obj.eligible_population))
        changed.append(obj.updated_at)
    committees = committees_visible_to(scope).order_by("subdistrict__code", "code")
    for committee in committees:
        rows.append(
            _area_row(
                "committee",
                committee.code,
                committee.name,
                committee.subdistrict.code,
                committee.eligible_population,
            )
        )
        changed.append(committee.updated_at)
    return {"data_as_of": _newest(*changed), "areas": rows}


def _area_row(
    kind: str, code: str, name: str, parent: str | None, population: int
) -> dict[str, Any]:
    return {
        "kind": kind,
        "code": code,
        "name": name,
        "parent": parent,
        "eligible_population": population,
    }


def sites_of(scope: StaffScope | None) -> dict[str, Any]:
    sites = sites_visible_to(scope).order_by("subdistrict__code", "code")
    rows = [
        {
            "code": site.code,
            "name": site.name,
            "kind": site.kind,
            "subdistrict": site.subdistrict.code,
            "address": site.address,
            "stations": site.stations,
            "daily_capacity": site.daily_capacity,
            "opens_at": site.opens_at,
            "closes_at": site.closes_at,
            "active_from": site.active_from,
            "active_to": site.active_to,
        }
        for site in sites
    ]
    newest = sites.aggregate(at=Max("updated_at"))["at"] if rows else None
    return {"data_as_of": newest, "sites": rows}


def _area_json(area: Area) -> dict[str, Any]:
    return {"kind": area.kind, "code": area.obj.code, "name": area.obj.name}


def ranking_of(area: Area, *, on: date, sort: str) -> dict[str, Any]:
    """The ranking page's rows for the area, date and sort."""
    rows = [
        {
            "rank": row.rank,
            "rank_change": row.change,
            "committee": row.committee.code,
            "committee_name": row.committee.name,
            "subdistrict": row.subdistrict.code,
            "doses_today": row.doses_today,
            "first_doses": row.first_doses,
            "second_doses": row.second_doses,
            "booster_doses": row.booster_doses,
            "first_cumulative": row.first_cumulative,
            "full_course_cumulative": row.full_course_cumulative,
            "first_percent": row.first_percent,
            "full_course_percent": row.full_course_percent,
            "target_percent": row.target_percent,
        }
        for row in committee_ranking(area, on=on, metric=sort)
    ]
    return {"area": _area_json(area), "date": on, "sort": sort, **as_of(on), "rows": rows}


SORTS = tuple(RANKING_METRICS)


def targets_of(scope: StaffScope | None, area: Area, *, on: date) -> dict[str, Any]:
    """The targets page's progress of every started target of the area."""
    targets: QuerySet[Target] = targets_in_scope(scope, on=on).filter(area.set_within())
    rows = [
        {
            "name": target.name,
            "area": _target_area(target),
            "metric": target.metric,
            "value": target.value,
            "period_start": target.period_start,
            "period_end": target.period_end,
            "achieved": target.achieved,  # type: ignore[attr-defined]
            "percent": target.percent,  # type: ignore[attr-defined]
            "remaining": target.remaining,  # type: ignore[attr-defined]
            "pace_needed": target.pace_needed,  # type: ignore[attr-defined]
            "projected_on": target.projected_on,  # type: ignore[attr-defined]
            "reached_on": target.reached_on,  # type: ignore[attr-defined]
            "days_early": target.days_early,  # type: ignore[attr-defined]
        }
        for target in targets
    ]
    return {"area": _area_json(area), "date": on, **as_of(on), "targets": rows}


def _target_area(target: Target) -> dict[str, str]:
    for kind in ("district", "subdistrict", "committee"):
        obj = getattr(target, kind)
        if obj is not None:
            return {"kind": kind, "code": obj.code, "name": obj.name}
    return {"kind": "", "code": "", "name": ""}  # pragma: no cover - a constraint forbids it


def summary_of(area: Area, *, on: date) -> dict[str, Any] | None:
    """A subdistrict's bulletin figures (as the bulletin preview shows them); a district's
    totals and each subdistrict's. None when the day has no snapshot yet."""
    if isinstance(area.obj, Subdistrict):
        figures = bulletin_figures(subdistrict=area.obj, on=on)
        if figures is None:
            return None
        return {"area": _area_json(area), "date": on, **as_of(on), "bulletin": figures}
    district = area.obj
    if not isinstance(district, District):
        return None  # a committee: the API names districts and subdistricts only
    day = DistrictDay.objects.filter(district=district, date=on).first()
    if day is None:
        return None
    subdistricts = (
        SubdistrictDay.objects.filter(subdistrict__district=district, date=on)
        .select_related("subdistrict")
        .order_by("rank_in_district", "subdistrict__code")
    )
    return {
        "area": _area_json(area),
        "date": on,
        **as_of(on),
        "totals": _day_totals(day),
        "subdistricts": [
            {
                "code": row.subdistrict.code,
                "name": row.subdistrict.name,
                "rank_in_district": row.rank_in_district,
                **_day_totals(row),
            }
            for row in subdistricts
        ],
    }


def _day_totals(day: DistrictDay | SubdistrictDay) -> dict[str, Any]:
    return {
        "doses_today": day.first_doses + day.second_doses + day.booster_doses,
        "first_doses": day.first_doses,
        "second_doses": day.second_doses,
        "booster_doses": day.booster_doses,
        "first_cumulative": day.first_cumulative,
        "full_course_cumulative": day.full_course_cumulative,
        "first_percent": 100 * day.first_coverage,
        "full_course_percent": 100 * day.full_course_coverage,
    }


def import_for(scope: StaffScope | None, import_id: int) -> TallyImport | None:
    """An import attempt the scope may read (the page's rule), or None."""
    return imports_visible_to(scope).filter(pk=import_id).first()
