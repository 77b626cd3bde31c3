"""Reads of the snapshot tables for the dashboards. Pages never add up raw tallies."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import TYPE_CHECKING, Any, TypedDict

from django.db.models import (
    Count,
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
from django.db.models.expressions import CombinedExpression
from django.db.models.functions import Abs, Coalesce, Greatest, Rank, RowNumber

from audit.models import SnapshotBuild
from campaign.access import is_committee_staff, sees_build_failures, subdistricts_visible_to
from campaign.areas import Area
from campaign.models import Committee, StaffScope, Target
from campaign.selectors import campaign_day
from reports.models import (
    CommitteeDay,
    DistrictDay,
    StaleDate,
    SubdistrictDay,
    TargetProgress,
)

if TYPE_CHECKING:  # a development requirement: annotations only
    from django_stubs_ext import WithAnnotations

# Ranking metrics a page may ask for; the first is the official daily ranking.
RANKING_METRICS: dict[str, F | CombinedExpression] = {
    "first_coverage": F("first_coverage"),
    "full_course_coverage": F("full_course_coverage"),
    "doses_today": F("first_doses") + F("second_doses") + F("booster_doses"),
    "target_percent": F("target_percent"),
}


def latest_snapshot_date(on: date) -> date | None:
    last: date | None = CommitteeDay.objects.filter(date__lte=on).aggregate(last=Max("date"))[
        "last"
    ]
    return last


class RankedFigures(TypedDict):
    """What committee_ranking adds to each CommitteeDay."""

    target_percent: float  # None when the committee has no target (as the plugin types it)
    change: int | None
    change_size: int | None
    rank: int
    metric_value: float
    doses_today: int
    first_percent: float
    full_course_percent: float


def _target_percent(on: date, level: str) -> Subquery:
    """The percent of the area's target running on ``on`` (the one ending first); NULL
    when the area has none: such an area is ranked last and shown as "–", never as 0%."""
    return Subquery(
        TargetProgress.objects.filter(
            **{f"target__{level}": OuterRef(level)},
            date=on,
            target__period_start__lte=on,
            target__period_end__gte=on,
        )
        .order_by("target__period_end")
        .values("percent")[:1],
        output_field=FloatField(),
    )


def _ranked_committees(area: Area, *, on: date) -> QuerySet[CommitteeDay]:
    return CommitteeDay.objects.filter(area.own_rows(), date=on).select_related(
        "committee", "subdistrict"
    )


def committee_ranking(
    area: Area, *, on: date, metric: str, search: str = ""
) -> QuerySet[WithAnnotations[CommitteeDay, RankedFigures]]:
    """The committees of an area on a date, ranked (1, 2, 2, 4) by ``metric``; with
    ``search``, only those whose name or code holds it, keeping their ranks in the area."""
    rows = _ranked_committees(area, on=on).annotate(target_percent=_target_percent(on, "committee"))
    order = RANKING_METRICS[metric]
    # Rank changes are kept for the official ranking (first-dose coverage) only.
    change = RANK_CHANGE_FIELDS[area.kind]
    ranked = rows.annotate(
        change=F(change) if metric == "first_coverage" else Value(None, IntegerField()),
        change_size=Abs(F(change)) if metric == "first_coverage" else Value(None, IntegerField()),
        rank=Window(Rank(), order_by=order.desc(nulls_last=True)),
        metric_value=order,
        doses_today=RANKING_METRICS["doses_today"],
        first_percent=F("first_coverage") * 100,
        full_course_percent=F("full_course_coverage") * 100,
    ).order_by("rank", "committee__code")
    if search:
        # A plain condition is applied before the ranking (WHERE) and would rank the
        # matches among themselves; one that involves the rank is applied after it
        # (Django's QUALIFY), so the search is joined to a rank test that never holds.
        ranked = ranked.filter(
            Q(rank__lt=1)
            | Q(committee__name__icontains=search)
            | Q(committee__code__icontains=search)
        )
    return ranked


class ChartFigures(TypedDict):
    """What ranking_chart_rows adds to each CommitteeDay."""

    target_percent: float
    metric_value: float
    rank: int
    from_top: int  # 1 for the first row of the ranking
    from_bottom: int  # 1 for the last
    doses_today: int
    first_percent: float
    full_course_percent: float


def ranking_chart_rows(
    area: Area, *, on: date, metric: str, each_end: int
) -> list[WithAnnotations[CommitteeDay, ChartFigures]]:
    """The first and the last ``each_end`` committees of the ranking, best first, in one
    query: the chart shows who leads and who must be chased. Committees without a figure
    (no target, when ranked by target completion) are left out rather than drawn as 0."""
    order = RANKING_METRICS[metric]
    rows = (
        _ranked_committees(area, on=on)
        .annotate(target_percent=_target_percent(on, "committee"), metric_value=order)
        .filter(metric_value__isnull=False)
        .annotate(
            rank=Window(Rank(), order_by=order.desc()),
            from_top=Window(RowNumber(), order_by=[order.desc(), F("committee__code").asc()]),
            from_bottom=Window(RowNumber(), order_by=[order.asc(), F("committee__code").desc()]),
            doses_today=RANKING_METRICS["doses_today"],
            first_percent=F("first_coverage") * 100,
            full_course_percent=F("full_course_coverage") * 100,
        )
        .filter(Q(from_top__lte=each_end) | Q(from_bottom__lte=each_end))
        .order_by("from_top")
    )
    return list(rows)


SUBDISTRICT_RANKING_FIELDS = (
    "subdistrict_id",
    "name",
    "rank",
    "change",
    "metric_value",
    "doses_today",
    "first_percent",
    "full_course_percent",
    "target_percent",
)


def subdistrict_ranking(area: Area, *, on: date, metric: str) -> list[dict[str, Any]]:
    """The subdistricts of a district on a date, ranked by ``metric``, from their
    snapshots, in one query; rank changes (yesterday's rank in the district less
    today's) for the official ranking only."""
    order = RANKING_METRICS[metric]
    if metric == "first_coverage":
        yesterday = SubdistrictDay.objects.filter(
            subdistrict=OuterRef("subdistrict"), date=on - timedelta(days=1)
        ).values("rank_in_district")[:1]
        change: Any = Subquery(yesterday, output_field=IntegerField()) - F("rank_in_district")
    else:
        change = Value(None, IntegerField())
    rows = (
        SubdistrictDay.objects.filter(area.through_subdistrict(), date=on)
        .annotate(target_percent=_target_percent(on, "subdistrict"))
        .annotate(
            name=F("subdistrict__name"),
            change=change,
            rank=Window(Rank(), order_by=order.desc(nulls_last=True)),
            metric_value=order,
            doses_today=RANKING_METRICS["doses_today"],
            first_percent=F("first_coverage") * 100,
            full_course_percent=F("full_course_coverage") * 100,
        )
        .order_by("rank", "subdistrict__code")
        .values(*SUBDISTRICT_RANKING_FIELDS)
    )
    ranked = list(rows)
    for row in ranked:
        row["change_size"] = abs(row["change"]) if row["change"] is not None else None
    return ranked


# The rank change a ranking shows: within the subdistrict, or within the whole district.
RANK_CHANGE_FIELDS = {"subdistrict": "rank_change", "district": "district_rank_change"}


@dataclass(frozen=True)
class Freshness:
    as_of: datetime | None  # when the shown snapshot was computed
    updating: bool  # a tally change on or before the date waits for its rebuild
    # For administrators: the latest rebuild, when it failed (the figures shown are then
    # the last good ones, and the error says why).
    failed_build: SnapshotBuild | None = None


def freshness(on: date, *, scope: StaffScope | None = None) -> Freshness:
    updating = StaleDate.objects.filter(date__lte=on).exists()
    failed_build = None
    if updating and sees_build_failures(scope):
        latest = SnapshotBuild.objects.order_by("-started_at", "-pk").first()
        if latest is not None and latest.status == SnapshotBuild.Status.FAILED:
            failed_build = latest
    return Freshness(
        # Every build writes the districts' few rows of its dates anew (committee rows
        # only where a figure changed): their time is the data as of.
        as_of=DistrictDay.objects.filter(date=on).aggregate(at=Max("computed_at"))["at"],
        updating=updating,
        failed_build=failed_build,
    )


class TargetFigures(TypedDict):
    """What targets_in_scope adds to each Target: its latest progress by the date."""

    achieved: int | None
    percent: float | None
    remaining: int | None
    pace_needed: int | None
    projected_on: date | None
    reached_on: date | None
    days_early: int | None


def targets_in_scope(
    scope: StaffScope | None, *, on: date
) -> QuerySet[WithAnnotations[Target, TargetFigures]]:
    """Targets of the areas the user may see, with their progress on ``on``."""
    subdistricts = subdistricts_visible_to(scope)
    visible = (
        Q(subdistrict__in=subdistricts)
        | Q(committee__subdistrict__in=subdistricts)
        | Q(district__subdistricts__in=subdistricts)
    )
    if is_committee_staff(scope) and scope.committee is not None:
        visible = Q(committee=scope.committee_id) | Q(subdistrict=scope.committee.subdistrict_id)
    progress = TargetProgress.objects.filter(target=OuterRef("pk"), date__lte=on).order_by("-date")
    return (
        Target.objects.filter(visible, period_start__lte=on)
        .distinct()
        .select_related("district", "subdistrict", "committee")
        .annotate(
            achieved=Subquery(progress.values("achieved")[:1]),
            percent=Subquery(progress.values("percent")[:1]),
            remaining=Subquery(progress.values("remaining")[:1]),
            pace_needed=Subquery(progress.values("pace_needed")[:1]),
            projected_on=Subquery(progress.values("projected_on")[:1]),
            reached_on=Subquery(progress.values("reached_on")[:1]),
            days_early=Subquery(progress.values("days_early")[:1]),
        )
        .order_by("-period_end", "name")
    )


def target_series(target: Target, *, on: date) -> list[Mapping[str, Any]]:
    return list(
        TargetProgress.objects.filter(target=target, date__lte=on)
        .order_by("date")
        .values("date", "achieved", "percent")
    )


def committee_series(committee_id: int, *, on: date) -> list[Mapping[str, Any]]:
    """One committee's days up to ``on``: doses, running totals, coverage in %, ranks."""
    return list(
        CommitteeDay.objects.filter(committee_id=committee_id, date__lte=on)
        .order_by("date")
        .annotate(
            doses_today=F("first_doses") + F("second_doses") + F("booster_doses"),
            first_percent=F("first_coverage") * 100,
            full_course_percent=F("full_course_coverage") * 100,
        )
        .values(
            "date",
            "doses_today",
            "first_doses",
            "second_doses",
            "booster_doses",
            "first_cumulative",
            "full_course_cumulative",
            "first_percent",
            "full_course_percent",
            "rank_in_subdistrict",
            "rank_in_district",
            "rank_change",
        )
    )


# ---------------------------------------------------------------------------------------
# Second-dose due list (待接种第二剂)
#
# An ESTIMATE from aggregate counts: the tallies count doses per committee and day, not
# people, so nobody's own first and second dose can be matched. The estimate assumes that
# second doses go to the residents whose first dose is oldest (first in, first out).
#
# For a committee on day T (the day shown), with the campaign's interval of min to max days:
#   F(x)  = the committee's residents' first doses given on or before day x
#           (CommitteeDay.first_cumulative of x; 0 before the campaign; F(T) for x > T,
#           since first doses not given yet are not counted);
#   S     = second doses given to its residents on or before T (second_cumulative of T);
#   W(x)  = max(0, F(x) − S): people whose first dose was on or before x and who are
#           still waiting for the second, under first in, first out.
#   overdue               = W(T − max − 1): first dose more than ``max`` days ago;
#   due now               = W(T − min) − W(T − max − 1): first dose between ``min`` and
#                           ``max`` days ago, both ends included;
#   newly due on day D>T  = W(D − min) − W(D − min − 1): the first doses of D − min;
#   due in the next 7 days = W(T + 7 − min) − W(T − min), the days T+1 … T+7.
# Each difference is also floored at 0 (it can only be negative when a snapshot row the
# formula needs is missing). T must be a day with snapshots: the pages show the latest
# day with snapshots on or before the day asked (reports.views._second_dose_day).
# A subdistrict's or district's figures are the sums of its committees' figures.
# ---------------------------------------------------------------------------------------

SECOND_DOSE_SORTS = ("overdue", "due_now", "due_next_7_days", "code")
SECOND_DOSE_DAYS_AHEAD = 14
SECOND_DOSE_WEEKS_AHEAD = 8


@dataclass(frozen=True)
class SecondDoseWindow:
    on: date  # T
    min_days: int
    max_days: int

    def edge(self, days_ago: int) -> date:
        """The day ``days_ago`` days before T, never after T."""
        return min(self.on, self.on - timedelta(days=days_ago))

    @property
    def overdue_before(self) -> date:
        """First doses on or before this day are overdue."""
        return self.edge(self.max_days + 1)

    @property
    def due_from(self) -> date:
        """First doses from this day to ``due_until`` are due now (the oldest first)."""
        return self.edge(self.max_days)

    @property
    def due_until(self) -> date:
        return self.edge(self.min_days)


def second_dose_window(*, on: date) -> SecondDoseWindow | None:
    """The interval of the campaign of ``on`` (else the latest); None when the campaign
    has no second dose."""
    found = campaign_day(on=on)
    if found is None or found.campaign.doses_for_full_course < 2:
        return None
    campaign = found.campaign
    return SecondDoseWindow(
        on=on, min_days=campaign.second_dose_min_days, max_days=campaign.second_dose_max_days
    )


def _waiting(alias: str) -> Greatest:
    """W(x) = max(0, F(x) − S) over the CommitteeDay joined as ``alias`` (day x)."""
    first = Coalesce(F(f"{alias}__first_cumulative"), Value(0))
    second = Coalesce(F("sd_now__second_cumulative"), Value(0))
    return Greatest(first - second, Value(0))


def second_dose_due(
    committees: QuerySet[Committee], window: SecondDoseWindow
) -> QuerySet[WithAnnotations[Committee]]:
    """Each committee with ``first_given``, ``second_given``, ``overdue``, ``due_now`` and
    ``due_next_7_days`` (definitions above). One query: every committee joins its
    snapshot rows of four days (T, T − max − 1, T − min, T + 7 − min) by the unique
    (date, committee) index."""
    days = {
        "sd_now": window.on,
        "sd_overdue": window.overdue_before,
        "sd_due": window.due_until,
        "sd_week": window.edge(window.min_days - 7),
    }
    rows = committees.annotate(
        **{
            alias: FilteredRelation("days", condition=Q(days__date=day))
            for alias, day in days.items()
        }
    )
    return rows.annotate(
        first_given=Coalesce(F("sd_now__first_cumulative"), Value(0)),
        second_given=Coalesce(F("sd_now__second_cumulative"), Value(0)),
        overdue=_waiting("sd_overdue"),
        due_now=Greatest(_waiting("sd_due") - _waiting("sd_overdue"), Value(0)),
        due_next_7_days=Greatest(_waiting("sd_week") - _waiting("sd_due"), Value(0)),
    )


# The figure columns, from the left of the page.
SECOND_DOSE_FIGURES = ("overdue", "due_now", "due_next_7_days")


def second_dose_totals(committees: QuerySet[Committee], window: SecondDoseWindow) -> dict[str, int]:
    """Each figure column summed over ``committees``, in one query (the per-subdistrict
    sums, added up: an aggregate over the joined days' annotations is not one Django
    writes correctly)."""
    rows = second_dose_subdistricts(committees, window, sort="code")
    return {name: sum(row[f"total_{name}"] or 0 for row in rows) for name in SECOND_DOSE_FIGURES}


def second_dose_default_sort(totals: Mapping[str, int]) -> str:
    """The page's order when none is asked for: the first figure column from the left that
    is not zero in every row (an order by a column of zeros orders nothing); by code
    when every column is zero."""
    return next((name for name in SECOND_DOSE_FIGURES if totals.get(name)), "code")


def _second_dose_order(sort: str) -> list[str]:
    if sort == "code":
        return ["code"]
    return [f"-{sort}", "code"]


def second_dose_committees(
    committees: QuerySet[Committee], window: SecondDoseWindow, *, sort: str = "overdue"
) -> QuerySet[Committee]:
    """The committees' due lists, most overdue first (or by ``sort``)."""
    sort = sort if sort in SECOND_DOSE_SORTS else "overdue"
    rows = second_dose_due(committees.select_related("subdistrict"), window)
    return rows.order_by(*_second_dose_order(sort))


def second_dose_subdistricts(
    committees: QuerySet[Committee], window: SecondDoseWindow, *, sort: str = "overdue"
) -> list[Mapping[str, Any]]:
    """The same figures summed per subdistrict of ``committees``, in one query."""
    sort = sort if sort in SECOND_DOSE_SORTS else "overdue"
    rows = (
        second_dose_due(committees.order_by(), window)
        .values("subdistrict", "subdistrict__name", "subdistrict__code")
        .annotate(
            committee_count=Count("pk"),
            total_first_given=Sum("first_given"),
            total_second_given=Sum("second_given"),
            total_overdue=Sum("overdue"),
            total_due_now=Sum("due_now"),
            total_due_next_7_days=Sum("due_next_7_days"),
        )
    )
    order = ["subdistrict__code"] if sort == "code" else [f"-total_{sort}", "subdistrict__code"]
    return list(rows.order_by(*order))


@dataclass(frozen=True)
class DueDay:
    day: date
    due: int | None  # None: its first doses are not given yet (after T)


@dataclass(frozen=True)
class DueWeek:
    start: date
    end: date
    due: int
    complete: bool  # False: part of the week depends on first doses not given yet


def second_dose_schedule(
    committee: Committee, window: SecondDoseWindow, *, days: int = SECOND_DOSE_WEEKS_AHEAD * 7
) -> list[DueDay]:
    """Second doses newly due on each of the ``days`` days after T for one committee,
    in one query: for each source day x = D − min up to T,
    W(x) − W(x − 1) with F(x − 1) = first_cumulative − first_doses of day x."""
    start = window.on + timedelta(days=1 - window.min_days)
    end = min(window.on, window.on + timedelta(days=days - window.min_days))
    second = Coalesce(
        Subquery(
            CommitteeDay.objects.filter(committee=committee, date=window.on).values(
                "second_cumulative"
            )[:1]
        ),
        Value(0),
    )
    rows = (
        CommitteeDay.objects.filter(committee=committee, date__gte=start, date__lte=end)
        .annotate(
            due=Greatest(F("first_cumulative") - second, Value(0))
            - Greatest(F("first_cumulative") - F("first_doses") - second, Value(0))
        )
        .values_list("date", "due")
    )
    due_by_source = dict(rows) if start <= end else {}
    schedule = []
    for offset in range(1, days + 1):
        day = window.on + timedelta(days=offset)
        source = day - timedelta(days=window.min_days)
        schedule.append(DueDay(day, due_by_source.get(source, 0) if source <= window.on else None))
    return schedule


def second_dose_weeks(schedule: list[DueDay]) -> list[DueWeek]:
    """The schedule by weeks of 7 days from T + 1."""
    weeks = []
    for i in range(0, len(schedule), 7):
        part = schedule[i : i + 7]
        weeks.append(
            DueWeek(
                start=part[0].day,
                end=part[-1].day,
                due=sum(d.due or 0 for d in part),
                complete=all(d.due is not None for d in part),
            )
        )
    return weeks
