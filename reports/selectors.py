"""Reads of the snapshot tables for the dashboards. Pages never add up raw tallies."""

from __future__ import annotations

import itertools
from dataclasses import dataclass
from datetime import date, datetime

from django.db.models import (
    F,
    FloatField,
    IntegerField,
    Max,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Value,
    Window,
)
from django.db.models.functions import Abs, Rank

from campaign.models import District, StaffScope, Subdistrict, Target
from campaign.selectors import subdistricts_visible_to
from reports.models import CommitteeDay, StaleDate, TargetProgress

# Ranking metrics a page may ask for; the first is the official daily ranking.
RANKING_METRICS = {
    "first_coverage": F("first_coverage"),
    "full_course_coverage": F("full_course_coverage"),
    "doses_today": F("first_doses") + F("second_doses") + F("booster_doses"),
    "target_percent": F("target_percent"),
}


@dataclass(frozen=True)
class Area:
    """The part of the map a ranking covers: one subdistrict or one whole district."""

    kind: str  # "subdistrict" or "district"
    obj: Subdistrict | District

    @property
    def key(self) -> str:
        return f"{self.kind}:{self.obj.pk}"


def ranking_areas(scope: StaffScope | None) -> list[Area]:
    """The areas the user may rank: staff their subdistrict; leaders and administrators
    each district followed by its subdistricts."""
    subdistricts = list(subdistricts_visible_to(scope).order_by("district__code", "code"))
    if scope is None or scope.role in (
        StaffScope.Role.SUBDISTRICT_STAFF,
        StaffScope.Role.COMMITTEE_STAFF,
    ):
        return [Area("subdistrict", s) for s in subdistricts]
    areas: list[Area] = []
    for district, group in itertools.groupby(subdistricts, key=lambda s: s.district):
        areas.append(Area("district", district))
        areas.extend(Area("subdistrict", s) for s in group)
    return areas


def latest_snapshot_date(on: date) -> date | None:
    return CommitteeDay.objects.filter(date__lte=on).aggregate(last=Max("date"))["last"]


def committee_ranking(area: Area, *, on: date, metric: str) -> QuerySet[CommitteeDay]:
    """The committees of an area on a date, ranked (1, 2, 2, 4) by ``metric``."""
    target_percent = Subquery(
        TargetProgress.objects.filter(
            target__committee=OuterRef("committee"),
            date=on,
            target__period_start__lte=on,
            target__period_end__gte=on,
        )
        .order_by("target__period_end")
        .values("percent")[:1],
        output_field=FloatField(),
    )
    rows = (
        CommitteeDay.objects.filter(date=on, **{area.kind: area.obj})
        .select_related("committee", "subdistrict")
        .annotate(target_percent=target_percent)
    )
    order = RANKING_METRICS[metric]
    # Rank changes are kept for the official ranking (first-dose coverage) only.
    change = "rank_change" if area.kind == "subdistrict" else "district_rank_change"
    return rows.annotate(
        change=F(change) if metric == "first_coverage" else Value(None, IntegerField()),
        change_size=Abs(F(change)) if metric == "first_coverage" else Value(None, IntegerField()),
        rank=Window(Rank(), order_by=order.desc(nulls_last=True)),
        metric_value=order,
        doses_today=RANKING_METRICS["doses_today"],
        first_percent=F("first_coverage") * 100,
        full_course_percent=F("full_course_coverage") * 100,
    ).order_by("rank", "committee__code")


@dataclass(frozen=True)
class Freshness:
    as_of: datetime | None  # when the shown snapshot was computed
    updating: bool  # a tally change on or before the date waits for its rebuild


def freshness(on: date) -> Freshness:
    return Freshness(
        as_of=CommitteeDay.objects.filter(date=on).aggregate(at=Max("computed_at"))["at"],
        updating=StaleDate.objects.filter(date__lte=on).exists(),
    )


def targets_in_scope(scope: StaffScope | None, *, on: date) -> QuerySet[Target]:
    """Targets of the areas the user may see, with their progress on ``on``."""
    subdistricts = subdistricts_visible_to(scope)
    visible = (
        Q(subdistrict__in=subdistricts)
        | Q(committee__subdistrict__in=subdistricts)
        | Q(district__subdistricts__in=subdistricts)
    )
    if scope is not None and scope.role == StaffScope.Role.COMMITTEE_STAFF:
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


def target_series(target: Target, *, on: date) -> list[dict]:
    return list(
        TargetProgress.objects.filter(target=target, date__lte=on)
        .order_by("date")
        .values("date", "achieved", "percent")
    )


def committee_series(committee_id: int, *, on: date) -> list[dict]:
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
