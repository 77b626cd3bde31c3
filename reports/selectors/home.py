"""The home page's morning figures: what a leader or a clerk asks first, for their scope.

The scope's area is the one they answer for: a committee for committee staff, a
subdistrict for its staff, a district for its leader, the whole city for an
administrator. Everything is read from the snapshot tables in a fixed number of queries,
however many committees, sites or targets the area holds:

- **the day's figures**, one query: doses given on the latest day with snapshots and the
  day before, first-dose and full-course coverage and their change in percentage points,
  and the area's rank by first-dose coverage among the areas of its parent (a committee
  in its subdistrict, a subdistrict in its district, a district in the city; the city has
  none). A committee's and a subdistrict's ranks are the rebuild's own; districts are
  ranked here, the same way (1, 2, 2, 4).
- **targets**, one query: those at risk and those on track that end soon, by the targets
  page's own rule (``reports.selectors.targets``).
- **sites not reported yet** today, one query (the board lists them).
- **the newest milestones** of the area (a committee's: its subdistrict's), the timeline's
  own queries; the city has no timeline.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

from django.db.models import (
    Count,
    F,
    FloatField,
    IntegerField,
    OuterRef,
    QuerySet,
    Subquery,
    Sum,
    Window,
)
from django.db.models.functions import Rank

from campaign.areas import Area
from campaign.clock import today
from campaign.models import Committee, District, StaffScope, Subdistrict
from reports.models import CommitteeDay, DistrictDay, SubdistrictDay
from reports.selectors.milestones import Milestone, milestones
from reports.selectors.ranking import latest_snapshot_date
from reports.selectors.targets import Urgency, UrgentTarget, targets_by_urgency
from sites.selectors.tallies import unreported_sites

# A target not reached that ends within this many days is "due soon".
DUE_SOON_DAYS = 7
# How many targets and milestones the first screen names.
SHOWN = 3


@dataclass(frozen=True)
class DayFigures:
    """One area's figures on a day with snapshots, and their change since the day before."""

    on: date
    doses_today: int
    doses_yesterday: int | None  # None: the day before has no snapshot
    first_percent: float
    full_course_percent: float
    first_change: float | None  # percentage points since the day before
    full_course_change: float | None
    rank: int | None  # None for the city
    rank_of: int | None  # how many areas its parent ranks
    rank_change: int | None  # positive: moved up since the day before

    @property
    def places_moved(self) -> int:
        return abs(self.rank_change or 0)


@dataclass(frozen=True)
class Morning:
    area: Area | None  # None: the whole city
    figures: DayFigures | None  # None: no snapshot yet
    at_risk: int
    due_soon: int
    urgent_targets: list[UrgentTarget]
    unreported_sites: int
    newest_milestones: list[Milestone] = field(default_factory=list)


def scope_area(scope: StaffScope) -> Area | None:
    """The area a scope answers for; None for the whole city (an administrator's)."""
    obj: Committee | Subdistrict | District | None = (
        scope.committee or scope.subdistrict or scope.district
    )
    return Area(obj) if obj is not None else None


def _urgent_targets(scope: StaffScope, on: date) -> tuple[int, int, list[UrgentTarget]]:
    """(at risk, on track and ending within ``DUE_SOON_DAYS``, the first few of both in
    the targets page's order: at risk first, each by the nearest end), in one query."""
    urgent = [
        row
        for row in targets_by_urgency(scope, on=on)
        if row.urgency == Urgency.AT_RISK
        or (row.urgency == Urgency.ON_TRACK and row.days_left <= DUE_SOON_DAYS)
    ]
    at_risk = sum(1 for row in urgent if row.urgency == Urgency.AT_RISK)
    return at_risk, len(urgent) - at_risk, urgent[:SHOWN]


def _percent(value: float) -> float:
    return 100 * value


def _figures(today_row: Mapping[str, Any], yesterday_row: Mapping[str, Any] | None) -> DayFigures:
    def change(key: str) -> float | None:
        if yesterday_row is None:
            return None
        return _percent(today_row[key]) - _percent(yesterday_row[key])

    rank, before = today_row.get("rank"), (yesterday_row or {}).get("rank")
    return DayFigures(
        on=today_row["date"],
        doses_today=today_row["doses"],
        doses_yesterday=yesterday_row["doses"] if yesterday_row else None,
        first_percent=_percent(today_row["first_coverage"]),
        full_course_percent=_percent(today_row["full_course_coverage"]),
        first_change=change("first_coverage"),
        full_course_change=change("full_course_coverage"),
        rank=rank,
        rank_of=today_row.get("rank_of"),
        rank_change=before - rank if rank is not None and before is not None else None,
    )


DOSES = F("first_doses") + F("second_doses") + F("booster_doses")
DAY_FIELDS = ("date", "doses", "first_coverage", "full_course_coverage", "rank", "rank_of")


def _count_of(model: type[CommitteeDay] | type[SubdistrictDay], parent: str) -> Subquery:
    """How many rows of ``model`` share the row's date and ``parent``: the areas ranked."""
    return Subquery(
        model.objects.filter(date=OuterRef("date"), **{parent: OuterRef(parent)})
        .order_by()
        .values("date")
        .annotate(n=Count("pk"))
        .values("n")[:1],
        output_field=IntegerField(),
    )


def _area_days(area: Area | None, days: list[date]) -> list[Mapping[str, Any]]:
    """The area's rows of ``days``: doses, coverage, rank and how many it ranks among."""
    if area is None:  # the city: residents reached ÷ eligible, summed over its districts
        population = F("district__eligible_population")
        return list(
            DistrictDay.objects.filter(date__in=days)
            .values("date")
            .annotate(
                doses=Sum(DOSES),
                first_reached=Sum(F("first_coverage") * population, output_field=FloatField()),
                full_reached=Sum(F("full_course_coverage") * population, output_field=FloatField()),
                population=Sum(population),
            )
            .annotate(
                first_coverage=F("first_reached") / F("population"),
                full_course_coverage=F("full_reached") / F("population"),
            )
            .values("date", "doses", "first_coverage", "full_course_coverage")
        )
    match area.obj:
        case Committee():
            rows: QuerySet[Any] = CommitteeDay.objects.filter(committee=area.obj).annotate(
                rank=F("rank_in_subdistrict"), rank_of=_count_of(CommitteeDay, "subdistrict")
            )
        case Subdistrict():
            rows = SubdistrictDay.objects.filter(subdistrict=area.obj).annotate(
                rank=F("rank_in_district"),
                rank_of=_count_of(SubdistrictDay, "subdistrict__district"),
            )
        case _:
            # Districts are ranked here among every district with a row that day (a city
            # has a few dozen), so the window sees them all and the district is picked after.
            return [
                row
                for row in DistrictDay.objects.filter(date__in=days)
                .annotate(
                    doses=DOSES,
                    rank=Window(
                        Rank(), partition_by=F("date"), order_by=F("first_coverage").desc()
                    ),
                    rank_of=Window(Count("pk"), partition_by=F("date")),
                )
                .values("district", *DAY_FIELDS)
                if row["district"] == area.obj.pk
            ]
    return list(rows.filter(date__in=days).annotate(doses=DOSES).values(*DAY_FIELDS))


def day_figures(area: Area | None, on: date) -> DayFigures | None:
    """The area's figures on ``on`` (a day with snapshots) against the day before."""
    yesterday = on - timedelta(days=1)
    rows = {row["date"]: row for row in _area_days(area, [yesterday, on])}
    if on not in rows:
        return None
    return _figures(rows[on], rows.get(yesterday))


def morning(scope: StaffScope) -> Morning:
    """Everything the home page's first screen shows for ``scope``."""
    area = scope_area(scope)
    now = today()
    on = latest_snapshot_date(now)
    figures = day_figures(area, on) if on is not None else None
    at_risk, due_soon, urgent = _urgent_targets(scope, on or now)
    timeline_area = area.parent if area is not None and isinstance(area.obj, Committee) else area
    newest = milestones(timeline_area, on=now)[:SHOWN] if timeline_area is not None else []
    return Morning(
        area=area,
        figures=figures,
        at_risk=at_risk,
        due_soon=due_soon,
        urgent_targets=urgent,
        unreported_sites=unreported_sites(scope, now).count(),
        newest_milestones=newest,
    )
