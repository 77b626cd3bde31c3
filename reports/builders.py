"""Set-based builders of the snapshot tables, one date at a time.

Per level (committee, subdistrict, district) one query does the work in the database:
each area is joined to the day's tallies and to yesterday's snapshot row and grouped,
coverage is computed in SQL and ranks come from ``Window(Rank())``. Python only copies
the result into the snapshot rows. No query runs per committee or per target.

Definitions (also in the README):
- coverage = cumulative doses ÷ eligible population, for first doses and for the full
  course; the full course is completed by the first, second or booster dose when the
  campaign needs 1, 2 or 3 doses;
- ranking = standard competition ranking (1, 2, 2, 4) by first-dose coverage, within the
  subdistrict and within the district; rank change = yesterday's rank − today's;
- an area's doses are all doses given at its sites, non-residents included; its coverage
  counts only the residents of its committees;
- a target's achieved value counts its metric from the period start to the date (or the
  period end); it is reached on the first date that value is at least the target.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from django.db import connection, transaction
from django.db.models import (
    F,
    FilteredRelation,
    FloatField,
    IntegerField,
    Max,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Sum,
    Value,
    Window,
)
from django.db.models.functions import Cast, Coalesce, Rank
from django.utils import timezone

from campaign.models import Campaign, Committee, District, Subdistrict, Target
from reports.models import CommitteeDay, DistrictDay, SubdistrictDay, TargetProgress
from sites.models import DailyTally

DOSE_KINDS = ("first", "second", "booster")
FULL_COURSE_DOSE = {1: "first", 2: "second", 3: "booster"}
FIGURES = [
    *(f"{kind}_doses" for kind in DOSE_KINDS),
    *(f"{kind}_cumulative" for kind in DOSE_KINDS),
    "full_course_cumulative",
    "first_coverage",
    "full_course_coverage",
]
PACE_DAYS = 7


def _summed(queryset: QuerySet, field: str, group: str) -> Coalesce:
    """The sum of ``field`` over a correlated queryset, 0 when it has no rows."""
    total = queryset.order_by().values(group).annotate(total=Sum(field)).values("total")
    return Coalesce(Subquery(total[:1]), Value(0), output_field=IntegerField())


def _coverage(numerator) -> Cast:
    return Cast(numerator, FloatField()) / Cast(F("eligible_population"), FloatField())


@dataclass(frozen=True)
class Level:
    """How one level of the geography finds its tallies, snapshots and residents."""

    areas: QuerySet  # annotated with the ids the snapshot row needs
    tallies: str  # relation path from the area to its DailyTally rows
    tally_area: str  # and back, from a DailyTally to the area
    snapshot: type  # CommitteeDay, SubdistrictDay or DistrictDay
    resident_area: str | None  # the area's field on CommitteeDay; None for committees
    ranks: dict[str, str]  # rank field -> annotation to partition by

    @property
    def snapshot_area(self) -> str:
        return self.resident_area or "committee"


def _levels() -> list[Level]:
    return [
        Level(
            areas=Committee.objects.annotate(
                subdistrict_ref=F("subdistrict_id"), district_ref=F("subdistrict__district_id")
            ),
            tallies="tallies",
            tally_area="committee",
            snapshot=CommitteeDay,
            resident_area=None,
            ranks={"rank_in_subdistrict": "subdistrict_ref", "rank_in_district": "district_ref"},
        ),
        Level(
            areas=Subdistrict.objects.annotate(district_ref=F("district_id")),
            tallies="sites__tallies",
            tally_area="site__subdistrict",
            snapshot=SubdistrictDay,
            resident_area="subdistrict",
            ranks={"rank_in_district": "district_ref"},
        ),
        Level(
            areas=District.objects.all(),
            tallies="subdistricts__sites__tallies",
            tally_area="site__subdistrict__district",
            snapshot=DistrictDay,
            resident_area="district",
            ranks={},
        ),
    ]


def _level_rows(level: Level, *, on: date, full_course_dose: str) -> QuerySet:
    """One query: each area's doses on ``on``, running totals, coverage and ranks.

    Each area joins the day's tallies at its level and yesterday's snapshot row (one
    per area) and is grouped, so every figure is an aggregate computed once per area.
    Subdistricts and districts take their residents from the committee rows of the day,
    built just before, through one correlated subquery per area.
    """
    yesterday = on - timedelta(days=1)
    has_previous = level.snapshot.objects.filter(date=yesterday).exists()
    rows = level.areas.order_by().annotate(
        day=FilteredRelation(level.tallies, condition=Q(**{f"{level.tallies}__date": on})),
        before=FilteredRelation("days", condition=Q(days__date=yesterday)),
    )
    figures: dict = {}
    for kind in DOSE_KINDS:
        figures[f"{kind}_doses"] = Coalesce(
            Sum("day__count", filter=Q(day__dose_kind=kind)), Value(0)
        )
        if has_previous:
            earlier = Coalesce(Max(f"before__{kind}_cumulative"), Value(0))
        else:  # no snapshot of the day before (the first day): every earlier tally
            tallies = DailyTally.objects.filter(
                **{level.tally_area: OuterRef("pk")}, date__lt=on, dose_kind=kind
            )
            earlier = _summed(tallies, "count", level.tally_area)
        figures[f"{kind}_cumulative"] = earlier + F(f"{kind}_doses")
    figures["full_course_cumulative"] = F(f"{full_course_dose}_cumulative")
    if level.resident_area is None:  # a committee's doses are its residents'
        resident_first, resident_full = F("first_cumulative"), F("full_course_cumulative")
    else:
        residents = CommitteeDay.objects.filter(**{level.resident_area: OuterRef("pk"), "date": on})
        resident_first = _summed(residents, "first_cumulative", level.resident_area)
        resident_full = _summed(residents, "full_course_cumulative", level.resident_area)
    rows = rows.annotate(**figures).annotate(
        first_coverage=_coverage(resident_first),
        full_course_coverage=_coverage(resident_full),
    )
    ranks = {
        name: Window(Rank(), partition_by=[F(partition)], order_by=F("first_coverage").desc())
        for name, partition in level.ranks.items()
    }
    extra = [name for name in ("subdistrict_ref", "district_ref") if name in rows.query.annotations]
    if level.resident_area is None:
        rows = rows.annotate(
            previous_rank=Max("before__rank_in_subdistrict"),
            previous_district_rank=Max("before__rank_in_district"),
        )
        extra += ["previous_rank", "previous_district_rank"]
    return rows.annotate(**ranks).values("pk", *FIGURES, *ranks, *extra)


def _insert_snapshots(level: Level, rows: QuerySet, *, on: date, now: datetime) -> None:
    """INSERT ... SELECT over the ORM query of ``_level_rows``: the database writes the
    rows it computed, and no row passes through Python."""
    columns = {  # snapshot column -> its value, over the computed row "s"
        "date": "%s",
        "computed_at": "%s",
        f"{level.snapshot_area}_id": 's."pk"',
        **{name: f's."{name}"' for name in (*FIGURES, *level.ranks)},
    }
    if level.snapshot is CommitteeDay:
        columns.update(
            {
                "subdistrict_id": 's."subdistrict_ref"',
                "district_id": 's."district_ref"',
                # yesterday's rank minus today's: NULL on the first day
                "rank_change": 's."previous_rank" - s."rank_in_subdistrict"',
                "district_rank_change": 's."previous_district_rank" - s."rank_in_district"',
            }
        )
    select, params = rows.query.sql_with_params()
    quote = connection.ops.quote_name
    # Only table and column names from the models are formatted in; values are parameters.
    sql = (
        f"INSERT INTO {quote(level.snapshot._meta.db_table)} "  # noqa: S608
        f"({', '.join(quote(column) for column in columns)}) "
        f"SELECT {', '.join(columns.values())} FROM ({select}) s"
    )
    values = [
        connection.ops.adapt_datefield_value(on),
        connection.ops.adapt_datetimefield_value(now),
    ]
    with connection.cursor() as cursor:
        cursor.execute(sql, [*values, *params])


def full_course_dose(on: date) -> str:
    campaign = Campaign.objects.filter(start_date__lte=on, end_date__gte=on).first()
    return FULL_COURSE_DOSE.get(campaign.doses_for_full_course if campaign else 2, "second")


@transaction.atomic
def snapshots_build_date(*, on: date) -> None:
    """Replace every snapshot row of ``on``: committees, subdistricts, districts, targets.

    Reads one day of tallies and the previous day's snapshot, so its cost stays flat as
    the campaign grows. Running it twice gives identical rows.
    """
    now = timezone.now()
    dose = full_course_dose(on)
    for level in _levels():  # committees first: the areas' coverage reads their rows
        level.snapshot.objects.filter(date=on).delete()
        _insert_snapshots(level, _level_rows(level, on=on, full_course_dose=dose), on=on, now=now)
    _build_target_progress(on=on, now=now, full_course_dose=dose)


# Which cumulative figure a target's metric counts.
METRIC_FIELDS = {
    Target.Metric.ALL_DOSES: ("first_cumulative", "second_cumulative", "booster_cumulative"),
    Target.Metric.FIRST: ("first_cumulative",),
    Target.Metric.FULL_COURSE: ("full_course_cumulative",),
    Target.Metric.BOOSTER: ("booster_cumulative",),
}
DAY_FIELDS = {  # the same figure for the day alone, to step back before the period start
    "first_cumulative": "first_doses",
    "second_cumulative": "second_doses",
    "booster_cumulative": "booster_doses",
}
DAY_FIGURES = ("first_doses", "second_doses", "booster_doses")


def _build_target_progress(*, on: date, now, full_course_dose: str) -> None:
    """Progress of every target whose period has started, from the snapshots just built:
    a handful of queries whatever the number of targets."""
    day_fields = {**DAY_FIELDS, "full_course_cumulative": f"{full_course_dose}_doses"}
    targets = list(Target.objects.filter(period_start__lte=on))
    scopes = {
        CommitteeDay: ("committee", [t for t in targets if t.committee_id]),
        SubdistrictDay: ("subdistrict", [t for t in targets if t.subdistrict_id]),
        DistrictDay: ("district", [t for t in targets if t.district_id]),
    }
    cumulative: dict[tuple[str, int, date], dict] = {}
    for snapshot, (area, scoped) in scopes.items():
        if not scoped:
            continue
        dates = {t.period_start for t in scoped} | {min(on, t.period_end) for t in scoped}
        rows = snapshot.objects.filter(
            **{f"{area}_id__in": {getattr(t, f"{area}_id") for t in scoped}, "date__in": dates}
        ).values(f"{area}_id", "date", *day_fields, *DAY_FIGURES)
        for row in rows:
            cumulative[(area, row[f"{area}_id"], row["date"])] = row

    earlier = {
        (p.target_id, p.date): p
        for p in TargetProgress.objects.filter(
            date__in=[on - timedelta(days=1), on - timedelta(days=PACE_DAYS)]
        )
    }
    progress = []
    for target in targets:
        area = (
            "committee"
            if target.committee_id
            else ("subdistrict" if target.subdistrict_id else "district")
        )
        key = (area, getattr(target, f"{area}_id"))
        achieved = _achieved(target, cumulative, key, on, day_fields)
        progress.append(
            _progress(
                target,
                achieved,
                on=on,
                now=now,
                yesterday=earlier.get((target.pk, on - timedelta(days=1))),
                week_ago=earlier.get((target.pk, on - timedelta(days=PACE_DAYS))),
            )
        )
    TargetProgress.objects.filter(date=on).delete()
    TargetProgress.objects.bulk_create(progress, batch_size=2000)


def _achieved(
    target: Target, cumulative: dict, key: tuple[str, int], on: date, day_fields: dict
) -> int:
    """The metric from the period start to ``on`` (or the period end)."""
    fields = METRIC_FIELDS[target.metric]
    end = cumulative.get((*key, min(on, target.period_end)))
    if end is None:
        return 0
    # Everything before the period: the start day's running total less that day's doses
    # (nothing when the period starts before the first snapshot).
    start = cumulative.get((*key, target.period_start))
    before = sum(start[f] - start[day_fields[f]] for f in fields) if start else 0
    return max(sum(end[f] for f in fields) - before, 0)


def _progress(
    target: Target,
    achieved: int,
    *,
    on: date,
    now,
    yesterday: TargetProgress | None,
    week_ago: TargetProgress | None,
) -> TargetProgress:
    remaining = max(target.value - achieved, 0)
    days_left = (target.period_end - on).days
    reached_on = yesterday.reached_on if yesterday and yesterday.reached_on else None
    if reached_on is None and achieved >= target.value:
        reached_on = on
    # The last 7 days' pace, or the pace since the period began when it is younger.
    if week_ago is not None:
        pace = (achieved - week_ago.achieved) / PACE_DAYS
    else:
        pace = achieved / ((on - target.period_start).days + 1)
    projected_on = None
    if remaining and pace > 0:
        projected_on = on + timedelta(days=math.ceil(remaining / pace))
    return TargetProgress(
        target=target,
        date=on,
        achieved=achieved,
        percent=round(100 * achieved / target.value, 1),
        remaining=remaining,
        pace_needed=math.ceil(remaining / days_left) if remaining and days_left > 0 else None,
        projected_on=projected_on,
        reached_on=reached_on,
        days_early=(target.period_end - reached_on).days if reached_on else None,
        computed_at=now,
    )
