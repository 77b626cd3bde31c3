"""Set-based builders of the snapshot tables, for a range of dates at once.

Per level (committee, subdistrict, district) one INSERT ... SELECT does the work in the
database for every date of the range: a grid of the range's dates × the areas is joined to
the day's tallies grouped by area, running totals come from a window sum over the dates
added to the snapshot of the day before the range, coverage is computed in SQL and ranks
come from ``RANK()`` windows. No row passes through Python, no query runs per committee,
per date or per target. Rebuilding one date is the range of that one date; a correction of
an old date rebuilds from there to today in the same few statements.

The SQL is written by hand, once, in the dialect SQLite and PostgreSQL share (CTEs,
window functions, ``CAST(... AS DOUBLE PRECISION)``); the ORM cannot express the grid of
dates × areas. Both engines run it in CI against figures computed by hand.

Definitions (also in docs/user-guide.md, "Figures shown"):
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
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from itertools import groupby
from typing import Any, Protocol

from django.db import connection, transaction
from django.db.models import Model
from django.utils import timezone

from campaign.calendar import CampaignCalendar
from campaign.models import Committee, District, Subdistrict, Target
from reports.models import CommitteeDay, DistrictDay, SubdistrictDay, TargetProgress
from reports.selectors.stamps import page_stamps_forget
from sites.bulk import insert_rows, quoted_column, quoted_table
from sites.models import DailyTally, Site

DOSE_KINDS = ("first", "second", "booster")
FULL_COURSE_DOSE = {1: "first", 2: "second", 3: "booster"}
FIGURES = (
    *(f"{kind}_doses" for kind in DOSE_KINDS),
    *(f"{kind}_cumulative" for kind in DOSE_KINDS),
    "full_course_cumulative",
    "first_coverage",
    "full_course_coverage",
)
PACE_DAYS = 7


@dataclass(frozen=True)
class RunningLevel:
    """A level whose running totals chain from the snapshot of the day before the range:
    committees and subdistricts. (A district adds up its subdistricts' rows.)"""

    snapshot: type[CommitteeDay] | type[SubdistrictDay]
    area: type[Committee] | type[Subdistrict]
    areas: str  # the area table, aliased "a", with any join its parent ids need
    area_column: str  # the area's field on the snapshot (its attname)
    parents: dict[str, str]  # parent id each row carries (a snapshot attname) -> its SQL
    tallies: str  # the tally table "t", with any join the tally's area needs
    tally_area: str  # the area of a tally row
    ranks: dict[str, str]  # rank field -> the parent id it is ranked within
    # Coverage: a committee's doses are its residents'; a subdistrict's residents are the
    # committee rows of the day, built just before (the doses at its sites also count
    # non-residents).
    residents: bool


def _committees() -> RunningLevel:
    parent_id = quoted_column(Committee, "subdistrict_id")
    return RunningLevel(
        snapshot=CommitteeDay,
        area=Committee,
        areas=(
            f"{quoted_table(Committee)} a JOIN {quoted_table(Subdistrict)} parent "
            f"ON parent.{quoted_column(Subdistrict, 'id')} = a.{parent_id}"
        ),
        area_column="committee_id",
        parents={
            "subdistrict_id": f"a.{parent_id}",
            "district_id": f"parent.{quoted_column(Subdistrict, 'district_id')}",
        },
        tallies=f"{quoted_table(DailyTally)} t",
        # NULL for non-residents, who count for no committee
        tally_area=f"t.{quoted_column(DailyTally, 'committee_id')}",
        ranks={"rank_in_subdistrict": "subdistrict_id", "rank_in_district": "district_id"},
        residents=False,
    )


def _subdistricts() -> RunningLevel:
    return RunningLevel(
        snapshot=SubdistrictDay,
        area=Subdistrict,
        areas=f"{quoted_table(Subdistrict)} a",
        area_column="subdistrict_id",
        parents={"district_id": f"a.{quoted_column(Subdistrict, 'district_id')}"},
        tallies=(
            f"{quoted_table(DailyTally)} t JOIN {quoted_table(Site)} site "
            f"ON site.{quoted_column(Site, 'id')} = t.{quoted_column(DailyTally, 'site_id')}"
        ),
        tally_area=f"site.{quoted_column(Site, 'subdistrict_id')}",
        ranks={"rank_in_district": "district_id"},
        residents=True,
    )


def _residents_sql(area: str, *, one_day: bool) -> str:
    """The committee rows of the range, added up per area (a CommitteeDay attname) and
    date: the residents' doses."""
    day, area_id = quoted_column(CommitteeDay, "date"), quoted_column(CommitteeDay, area)
    return (
        f"SELECT {day} AS date, {area_id} AS area_id, "  # noqa: S608 - names from the models
        f"SUM({quoted_column(CommitteeDay, 'first_cumulative')}) AS first, "
        f"SUM({quoted_column(CommitteeDay, 'full_course_cumulative')}) AS full_course "
        f"FROM {quoted_table(CommitteeDay)} WHERE {_in_range(day, one_day=one_day)} "
        f"GROUP BY {day}, {area_id}"
    )


def _doses_by_kind() -> str:
    """Each kind's doses, as aggregates over the tally rows ``t`` (the kinds are the
    parameters ``kind_first``, ...)."""
    kind, count = quoted_column(DailyTally, "dose_kind"), quoted_column(DailyTally, "count")
    return ", ".join(
        f"SUM(CASE WHEN t.{kind} = %(kind_{dose})s THEN t.{count} ELSE 0 END) AS {dose}"
        for dose in DOSE_KINDS
    )


def _in_range(column: str, *, one_day: bool) -> str:
    # "= day" for a single date: PostgreSQL estimates it better than a one-day BETWEEN.
    return f"{column} = %(start)s" if one_day else f"{column} BETWEEN %(start)s AND %(end)s"


def _running_level_sql(
    level: RunningLevel, *, days: str, one_day: bool, chained: bool, dose: str
) -> str:
    """One INSERT ... SELECT writing the rows of ``level`` for every date of the range
    that are new or changed.

    ``days`` lists the range's dates. ``chained``: the snapshot of the day before the range
    exists and holds the running totals; otherwise every earlier tally is added up.
    ``dose`` is the dose kind that completes the course. A range of ``one_day`` needs no
    window over the dates: the running total is the day before's plus the day's.
    Inside the statement the figures go by their field names; the snapshot's columns
    are named only where it is read or written.
    """
    snapshot = level.snapshot

    def stored(name: str) -> str:
        return quoted_column(snapshot, name)

    tally_date = f"t.{quoted_column(DailyTally, 'date')}"
    tallies = f"FROM {level.tallies} WHERE {level.tally_area} IS NOT NULL AND"
    if chained:
        before = (
            f"SELECT {stored(level.area_column)} AS area_id, "  # noqa: S608
            + ", ".join(f"{stored(f'{kind}_cumulative')} AS {kind}" for kind in DOSE_KINDS)
            + "".join(f", {stored(rank)} AS {rank}" for rank in level.ranks)
            + f" FROM {quoted_table(snapshot)} WHERE {stored('date')} = %(before)s"
        )
    else:
        before = (
            f"SELECT {level.tally_area} AS area_id, {_doses_by_kind()}"
            f"{''.join(f', CAST(NULL AS INTEGER) AS {rank}' for rank in level.ranks)} "
            f"{tallies} {tally_date} < %(start)s GROUP BY {level.tally_area}"
        )
    to_date = "{}" if one_day else "SUM({}) OVER running"
    running = ", ".join(
        f"COALESCE(day.{kind}, 0) AS {kind}_doses, COALESCE(before.{kind}, 0) + "
        f"{to_date.format(f'COALESCE(day.{kind}, 0)')} AS {kind}_cumulative"
        for kind in DOSE_KINDS
    )
    area_id = f"a.{quoted_column(level.area, 'id')}"
    residents = residents_join = residents_figures = ""
    numerators = ("first_cumulative", f"{dose}_cumulative")
    if level.residents:
        residents = f", residents AS ({_residents_sql(level.area_column, one_day=one_day)})"
        residents_join = (
            f"LEFT JOIN residents ON residents.area_id = {area_id} "
            "AND residents.date = days.on_date"
        )
        residents_figures = (
            ", COALESCE(residents.first, 0) AS residents_first, "
            "COALESCE(residents.full_course, 0) AS residents_full_course"
        )
        numerators = ("residents_first", "residents_full_course")
    parents = list(level.parents)
    previous_ranks = "".join(f", before.{rank} AS {rank}_before" for rank in level.ranks)
    ranks = ", ".join(
        f"RANK() OVER (PARTITION BY on_date, {parent} ORDER BY first_coverage DESC) AS {name}"
        for name, parent in level.ranks.items()
    )
    fields = ["date", "computed_at", level.area_column, *FIGURES, *level.ranks]
    values = [
        "on_date AS date",
        "%(now)s AS computed_at",
        f"area_id AS {level.area_column}",
        *FIGURES,
        *level.ranks,
    ]
    if snapshot is CommitteeDay:  # its parents, to read a subdistrict's rows fast;
        # yesterday's rank minus today's, NULL on the first day
        fields += [*parents, "rank_change", "district_rank_change"]
        values += parents
        previous = "{}_before" if one_day else "COALESCE(LAG({}) OVER by_area, {}_before)"
        values += [
            f"{previous.format(rank, rank, rank)} - {rank} AS {change}"
            for rank, change in zip(level.ranks, fields[-2:], strict=True)
        ]
    return f"""
WITH days (on_date) AS ({days}),
day AS (
    SELECT {tally_date} AS date, {level.tally_area} AS area_id, {_doses_by_kind()}
    {tallies} {_in_range(tally_date, one_day=one_day)} GROUP BY {tally_date}, {level.tally_area}
),
before AS ({before}){residents},
totals AS (
    SELECT days.on_date, {area_id} AS area_id,
           {", ".join(f"{sql} AS {parent}" for parent, sql in level.parents.items())},
           a.{quoted_column(level.area, "eligible_population")} AS population,
           {running}{previous_ranks}{residents_figures}
    FROM days CROSS JOIN {level.areas}
    LEFT JOIN day ON day.area_id = {area_id} AND day.date = days.on_date
    LEFT JOIN before ON before.area_id = {area_id}
    {residents_join}
    {"" if one_day else f"WINDOW running AS (PARTITION BY {area_id} ORDER BY days.on_date)"}
),
covered AS (
    SELECT totals.*, {dose}_cumulative AS full_course_cumulative,
           CAST({numerators[0]} AS DOUBLE PRECISION) / population AS first_coverage,
           CAST({numerators[1]} AS DOUBLE PRECISION) / population AS full_course_coverage
    FROM totals
)
INSERT INTO {quoted_table(snapshot)} ({", ".join(stored(field) for field in fields)})
SELECT {", ".join(f"computed.{field}" for field in fields)} FROM (
    SELECT {", ".join(values)} FROM (SELECT covered.*, {ranks} FROM covered) ranked
    {"" if one_day else "WINDOW by_area AS (PARTITION BY area_id ORDER BY on_date)"}
) computed
{_changed_only(snapshot, key=(level.area_column, "date"), fields=fields, one_day=one_day)}
"""  # noqa: S608 - only names from the models are formatted in; values are parameters


def _changed_only(
    snapshot: type[Model], *, key: tuple[str, str], fields: list[str], one_day: bool
) -> str:
    """The end of an INSERT ... SELECT of ``computed`` rows (``fields`` by name): only those
    that are new or differ from the stored row in a figure, stamped with this build's
    ``computed_at``. An unchanged row keeps the build that wrote it.

    A correction or a backfill recomputes every row from its date on, but changes few:
    writing only those spares the indexes and the WAL a million rewritten rows (most of a
    city backfill's time when every row was deleted and inserted again). The comparison
    is a join, before the upsert: ``ON CONFLICT DO UPDATE ... WHERE`` alone would lock
    every row it meets, which costs more than rewriting them.
    """

    def stored(name: str) -> str:
        return quoted_column(snapshot, name)

    figures = [field for field in fields if field not in (*key, "computed_at")]
    updated = [stored(field) for field in [*figures, "computed_at"]]
    stored_date = f"stored.{stored('date')}"
    return (
        f"LEFT JOIN {quoted_table(snapshot)} stored "
        f"ON {_in_range(stored_date, one_day=one_day)} AND "
        + " AND ".join(f"stored.{stored(field)} = computed.{field}" for field in key)
        + f" WHERE stored.{stored('id')} IS NULL OR "
        f"({', '.join(f'stored.{stored(field)}' for field in figures)}) "
        f"IS DISTINCT FROM ({', '.join(f'computed.{field}' for field in figures)}) "
        f"ON CONFLICT ({', '.join(stored(field) for field in key)}) DO UPDATE SET "
        + ", ".join(f"{column} = excluded.{column}" for column in updated)
    )


def _district_sql(*, days: str, one_day: bool) -> str:
    """A district's rows are the sums of its subdistricts' rows of the same date (built
    just before); its coverage counts the residents of its committees."""
    part_date, part_parent = (
        quoted_column(SubdistrictDay, "date"),
        quoted_column(Subdistrict, "district_id"),
    )
    sums = ", ".join(
        f"SUM(x.{quoted_column(SubdistrictDay, figure)}) AS {figure}" for figure in FIGURES[:7]
    )
    figures = ", ".join(f"COALESCE(parts.{figure}, 0)" for figure in FIGURES[:7])
    columns = ", ".join(
        quoted_column(DistrictDay, field)
        for field in ("date", "computed_at", "district_id", *FIGURES)
    )
    area_id, population = (
        quoted_column(District, "id"),
        quoted_column(District, "eligible_population"),
    )
    return f"""
WITH days (on_date) AS ({days}),
parts AS (
    SELECT x.{part_date} AS date, s.{part_parent} AS area_id, {sums}
    FROM {quoted_table(SubdistrictDay)} x JOIN {quoted_table(Subdistrict)} s
    ON s.{quoted_column(Subdistrict, "id")} = x.{quoted_column(SubdistrictDay, "subdistrict_id")}
    WHERE {_in_range(f"x.{part_date}", one_day=one_day)} GROUP BY x.{part_date}, s.{part_parent}
),
residents AS ({_residents_sql("district_id", one_day=one_day)})
INSERT INTO {quoted_table(DistrictDay)} ({columns})
SELECT days.on_date, %(now)s, a.{area_id}, {figures},
       CAST(COALESCE(residents.first, 0) AS DOUBLE PRECISION) / a.{population},
       CAST(COALESCE(residents.full_course, 0) AS DOUBLE PRECISION) / a.{population}
FROM days CROSS JOIN {quoted_table(District)} a
LEFT JOIN parts ON parts.area_id = a.{area_id} AND parts.date = days.on_date
LEFT JOIN residents ON residents.area_id = a.{area_id} AND residents.date = days.on_date
"""  # noqa: S608 - only names from the models are formatted in; values are parameters


def _full_course_doses(days: Sequence[date]) -> dict[date, str]:
    """The dose that completes the course on each day: one query for the whole range."""
    calendar = CampaignCalendar.load(days[0], days[-1])
    doses = {}
    for day in days:
        campaign = calendar.campaign_on(day)
        needed = campaign.doses_for_full_course if campaign else 2
        doses[day] = FULL_COURSE_DOSE.get(needed, "second")
    return doses


@transaction.atomic
def snapshots_build_dates(*, start: date, end: date) -> None:
    """Replace every snapshot row from ``start`` to ``end``: committees, subdistricts,
    districts and targets, in one transaction, so no half-built range is ever visible.

    Reads the range's tallies and the snapshot of the day before, so one date costs the
    same however long the campaign has run. Running it twice gives identical rows.
    """
    days = [start + timedelta(days=n) for n in range((end - start).days + 1)]
    now = timezone.now()
    doses = _full_course_doses(days)
    # Committee and subdistrict rows are written where they changed (``_changed_only``);
    # the districts' few rows are always written anew: their computed_at is the
    # "data as of" the pages show.
    for snapshot in (DistrictDay, TargetProgress):
        snapshot.objects.filter(date__range=(start, end)).delete()
    # A campaign's days in one run: the dose completing the course is the same for them.
    for dose, run in groupby(days, key=doses.__getitem__):
        _build_range(list(run), dose=dose, now=now)
    _build_target_progress(days=days, now=now, doses=doses)
    page_stamps_forget()  # new computed_at: the pages get new ETags


def snapshots_build_date(*, on: date) -> None:
    """Replace every snapshot row of ``on``."""
    snapshots_build_dates(start=on, end=on)


def _build_range(days: list[date], *, dose: str, now: datetime) -> None:
    adapt = connection.ops.adapt_datefield_value
    params = {
        "start": adapt(days[0]),
        "end": adapt(days[-1]),
        "before": adapt(days[0] - timedelta(days=1)),
        "now": connection.ops.adapt_datetimefield_value(now),
        **{f"day{n}": adapt(day) for n, day in enumerate(days)},
        **{f"kind_{kind}": kind for kind in DOSE_KINDS},
    }
    dates = " UNION ALL ".join(f"SELECT %(day{n})s" for n in range(len(days)))
    chained = CommitteeDay.objects.filter(date=days[0] - timedelta(days=1)).exists()
    one_day = len(days) == 1
    statements = []
    if connection.vendor == "postgresql":
        # The planner overestimates the joins with the grid of dates, and compiling the
        # statements just in time then costs more than running them; a backfill's sorts
        # (a million rows for a city) fit in memory rather than spilling to disk.
        statements += ["SET LOCAL jit = off", "SET LOCAL work_mem = '256MB'"]
    statements += [
        _running_level_sql(level, days=dates, one_day=one_day, chained=chained, dose=dose)
        for level in (_committees(), _subdistricts())  # committees first: the others read them
    ]
    statements.append(_district_sql(days=dates, one_day=one_day))
    with connection.cursor() as cursor:
        for statement in statements:
            cursor.execute(statement, params)


# Which cumulative figure a target's metric counts.
METRIC_FIELDS: dict[str, tuple[str, ...]] = {
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
CUMULATIVE_FIGURES = (*DAY_FIELDS, "full_course_cumulative")


class TargetRow(Protocol):
    """The fields of a Target the progress needs (``values_list(*TARGET_FIELDS, named=True)``)."""

    id: int
    committee_id: int | None
    subdistrict_id: int | None
    district_id: int | None
    metric: str
    value: int
    period_start: date
    period_end: date


TARGET_FIELDS = (
    "id",
    "committee_id",
    "subdistrict_id",
    "district_id",
    "metric",
    "value",
    "period_start",
    "period_end",
)
TARGET_SCOPES: dict[str, type[CommitteeDay] | type[SubdistrictDay] | type[DistrictDay]] = {
    "committee": CommitteeDay,
    "subdistrict": SubdistrictDay,
    "district": DistrictDay,
}
# A snapshot row's figures, by field name (``values()``).
Figures = dict[str, Any]


def _target_area(target: TargetRow) -> tuple[str, int]:
    area = next(area for area in TARGET_SCOPES if getattr(target, f"{area}_id"))
    return area, getattr(target, f"{area}_id")


PROGRESS_COLUMNS = (
    "target_id",
    "date",
    "achieved",
    "percent",
    "remaining",
    "pace_needed",
    "projected_on",
    "reached_on",
    "days_early",
    "computed_at",
)


def _build_target_progress(*, days: list[date], now: datetime, doses: dict[date, str]) -> None:
    """Progress of every started target on every day of the range, from the snapshots
    just built: one query per level of area whatever the number of targets and days."""
    start, end = days[0], days[-1]
    targets = list(  # plain rows: a city has hundreds of targets, rebuilt every save
        Target.objects.filter(period_start__lte=end).values_list(*TARGET_FIELDS, named=True)
    )
    cumulative: dict[tuple[str, int, date], Figures] = {}
    for area, snapshot in TARGET_SCOPES.items():
        scoped = [t for t in targets if getattr(t, f"{area}_id")]
        if not scoped:
            continue
        # The range's rows, the period starts and the period ends before the range.
        edges = {t.period_start for t in scoped}
        edges |= {t.period_end for t in scoped if t.period_end < start}
        rows = snapshot.objects.filter(
            date__in=edges | set(days),
            **{f"{area}_id__in": {getattr(t, f"{area}_id") for t in scoped}},
        ).values(f"{area}_id", "date", *CUMULATIVE_FIGURES, *DAY_FIGURES)
        for row in rows:
            cumulative[(area, row[f"{area}_id"], row["date"])] = row

    # Before the range: yesterday's "reached on" and the achieved value a week ago.
    wanted = {day - timedelta(days=back) for day in days for back in (1, PACE_DAYS)}
    earlier = {
        (target_id, day): (achieved, reached_on)
        for target_id, day, achieved, reached_on in TargetProgress.objects.filter(
            date__in=wanted - set(days)
        ).values_list("target_id", "date", "achieved", "reached_on")
    }
    rows = []
    for day in days:
        day_fields = {**DAY_FIELDS, "full_course_cumulative": f"{doses[day]}_doses"}
        for target in targets:
            if target.period_start > day:
                continue
            achieved = _achieved(target, cumulative, _target_area(target), day, day_fields)
            yesterday = earlier.get((target.id, day - timedelta(days=1)))
            week_ago = earlier.get((target.id, day - timedelta(days=PACE_DAYS)))
            row = _progress(
                target,
                achieved,
                on=day,
                reached_before=yesterday[1] if yesterday else None,
                achieved_week_ago=week_ago[0] if week_ago else None,
            )
            earlier[(target.id, day)] = (achieved, row["reached_on"])
            rows.append(tuple({**row, "computed_at": now}[c] for c in PROGRESS_COLUMNS))
    insert_rows(TargetProgress, list(PROGRESS_COLUMNS), rows)


def _achieved(
    target: TargetRow,
    cumulative: dict[tuple[str, int, date], Figures],
    key: tuple[str, int],
    on: date,
    day_fields: dict[str, str],
) -> int:
    """The metric from the period start to ``on`` (or the period end)."""
    fields = METRIC_FIELDS[target.metric]
    end = cumulative.get((*key, min(on, target.period_end)))
    if end is None:
        return 0
    # Everything before the period: the start day's running total less that day's doses
    # (nothing when the period starts before the first snapshot).
    start = cumulative.get((*key, target.period_start))
    before: int = sum(start[f] - start[day_fields[f]] for f in fields) if start else 0
    reached: int = sum(end[f] for f in fields)
    return max(reached - before, 0)


def _progress(
    target: TargetRow,
    achieved: int,
    *,
    on: date,
    reached_before: date | None,
    achieved_week_ago: int | None,
) -> dict[str, Any]:
    """One TargetProgress row's figures; ``reached_before``: the day it was reached, if
    before ``on``; ``achieved_week_ago``: its value 7 days earlier, if it had started."""
    remaining = max(target.value - achieved, 0)
    days_left = (target.period_end - on).days
    reached_on = reached_before
    if reached_on is None and achieved >= target.value:
        reached_on = on
    # The last 7 days' pace, or the pace since the period began when it is younger.
    if achieved_week_ago is not None:
        pace = (achieved - achieved_week_ago) / PACE_DAYS
    else:
        pace = achieved / ((on - target.period_start).days + 1)
    projected_on = None
    if remaining and pace > 0:
        projected_on = on + timedelta(days=math.ceil(remaining / pace))
    return {
        "target_id": target.id,
        "date": on,
        "achieved": achieved,
        "percent": round(100 * achieved / target.value, 1),
        "remaining": remaining,
        "pace_needed": math.ceil(remaining / days_left) if remaining and days_left > 0 else None,
        "projected_on": projected_on,
        "reached_on": reached_on,
        "days_early": (target.period_end - reached_on).days if reached_on else None,
    }
