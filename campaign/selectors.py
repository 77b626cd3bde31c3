"""Reads of geography and scope: every page asks here what a user may see."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import TYPE_CHECKING, Any, TypedDict

from django.db.models import (
    BooleanField,
    Case,
    Count,
    F,
    FloatField,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Value,
    When,
)
from django.db.models.functions import Cast, Coalesce

from campaign.access import can_record_buildings, committees_visible_to, subdistricts_visible_to
from campaign.calendar import campaign_covering
from campaign.models import Building, BuildingCount, Campaign, Committee, StaffScope, Subdistrict

if TYPE_CHECKING:  # a development requirement: annotations only
    from django_stubs_ext import WithAnnotations


@dataclass(frozen=True)
class CampaignDay:
    campaign: Campaign
    day: int  # 1 on the start date; may be <1 before it or > length after it
    length: int

    @property
    def is_running(self) -> bool:
        return 1 <= self.day <= self.length


def campaign_day(*, on: date) -> CampaignDay | None:
    """The campaign running on ``on``, else the latest one, with the day number."""
    campaign = campaign_covering(on) or Campaign.objects.order_by("-end_date").first()
    if campaign is None:
        return None
    return CampaignDay(
        campaign=campaign,
        day=(on - campaign.start_date).days + 1,
        length=(campaign.end_date - campaign.start_date).days + 1,
    )


def subdistrict_overview(scope: StaffScope | None) -> QuerySet[Subdistrict]:
    """Subdistricts in scope with their committee and site counts, in one query."""
    return (
        subdistricts_visible_to(scope)
        .annotate(
            committee_count=Count("committees", distinct=True),
            site_count=Count("sites", distinct=True),
        )
        .order_by("district__code", "code")
    )


# ---------------------------------------------------------------------------------------
# Golden shield buildings (金盾楼)
#
# A building's coverage = its latest vaccinated count on or before the day ÷ its residents.
# It is a golden shield building when that coverage is at least the campaign's threshold
# (75% by default). The comparison is done in whole numbers in the database
# (vaccinated × 1000 ≥ threshold in tenths of a percent × residents), so 97 of 125
# residents is exactly 77.6% and meets a 77.6% threshold.
# ---------------------------------------------------------------------------------------


def committees_writable_by(scope: StaffScope | None) -> QuerySet[Committee]:
    """Committees whose buildings the scope may register and count."""
    if not can_record_buildings(scope):
        return Committee.objects.none()
    return committees_visible_to(scope)


def buildings_visible_to(scope: StaffScope | None) -> QuerySet[Building]:
    return Building.objects.filter(committee__in=committees_visible_to(scope))


def golden_shield_threshold(*, on: date) -> Decimal:
    """The threshold of the campaign of ``on`` (else the latest), else the default."""
    found = campaign_day(on=on)
    if found is None:
        default: Decimal = Campaign._meta.get_field("golden_shield_threshold").default
        return default
    return found.campaign.golden_shield_threshold


def _threshold_tenths(threshold: Decimal) -> int:
    return int(threshold * 10)


class BuildingCoverage(TypedDict):
    """What buildings_with_coverage adds to each building."""

    vaccinated: int | None
    counted_on: date | None
    golden_margin: int | None
    coverage_percent: float | None
    is_golden: bool
    golden_since: date | None


def buildings_with_coverage(
    buildings: QuerySet[Building], *, on: date, threshold: Decimal
) -> QuerySet[WithAnnotations[Building, BuildingCoverage]]:
    """Buildings with their latest count on or before ``on`` (``vaccinated``,
    ``counted_on``; empty when never counted), ``coverage_percent``, ``is_golden`` and
    ``golden_since`` (the first count at or above the threshold). One query."""
    tenths = _threshold_tenths(threshold)
    counts = BuildingCount.objects.filter(building=OuterRef("pk"), date__lte=on)
    latest = counts.order_by("-date")
    golden_counts = (
        counts.annotate(margin=F("vaccinated") * 1000 - Value(tenths) * F("building__residents"))
        .filter(margin__gte=0)
        .order_by("date")
    )
    return (
        buildings.select_related("committee__subdistrict")
        .annotate(
            vaccinated=Subquery(latest.values("vaccinated")[:1]),
            counted_on=Subquery(latest.values("date")[:1]),
        )
        .annotate(
            golden_margin=F("vaccinated") * 1000 - Value(tenths) * F("residents"),
            coverage_percent=Cast(F("vaccinated"), FloatField())
            * 100
            / Cast(F("residents"), FloatField()),
        )
        .annotate(
            is_golden=Case(
                When(golden_margin__gte=0, then=Value(True)),
                default=Value(False),
                output_field=BooleanField(),
            ),
            golden_since=Subquery(golden_counts.values("date")[:1]),
        )
    )


class GoldenShieldCounts(TypedDict):
    building_count: int
    golden_count: int


def golden_shield_by_committee(
    committees: QuerySet[Committee], *, on: date, threshold: Decimal
) -> QuerySet[WithAnnotations[Committee, GoldenShieldCounts]]:
    """Committees with ``building_count`` and ``golden_count`` (buildings at or above the
    threshold on ``on``), in one query however many committees."""
    golden = (
        buildings_with_coverage(
            Building.objects.filter(committee=OuterRef("pk")), on=on, threshold=threshold
        )
        .filter(is_golden=True)
        .order_by()
        .values("committee")
        .annotate(n=Count("pk"))
        .values("n")
    )
    return committees.annotate(
        building_count=Count("buildings", distinct=True),
        golden_count=Coalesce(Subquery(golden[:1]), Value(0)),
    )


def golden_shield_by_subdistrict(
    subdistricts: QuerySet[Subdistrict], *, on: date, threshold: Decimal
) -> list[Mapping[str, Any]]:
    """Per subdistrict: ``building_count`` registered and ``golden_count`` golden shield
    buildings on ``on``, in one query for all the subdistricts."""
    return list(
        buildings_with_coverage(
            Building.objects.filter(committee__subdistrict__in=subdistricts),
            on=on,
            threshold=threshold,
        )
        .order_by()
        .values("committee__subdistrict", "committee__subdistrict__name")
        .annotate(
            building_count=Count("pk"),
            golden_count=Count("pk", filter=Q(golden_margin__gte=0)),
        )
        .order_by("committee__subdistrict__code")
    )


@dataclass(frozen=True)
class GoldenShieldCount:
    subdistrict: Subdistrict
    buildings: int
    golden: int


def golden_shield_summary(subdistricts: list[Subdistrict], *, on: date) -> list[GoldenShieldCount]:
    """For the ranking page: each of ``subdistricts`` with its registered and golden shield
    buildings on ``on`` (0 when none), in two queries (the threshold and the counts)."""
    counts = {
        row["committee__subdistrict"]: row
        for row in golden_shield_by_subdistrict(
            Subdistrict.objects.filter(pk__in=[s.pk for s in subdistricts]),
            on=on,
            threshold=golden_shield_threshold(on=on),
        )
    }
    empty = {"building_count": 0, "golden_count": 0}
    return [
        GoldenShieldCount(
            subdistrict=s,
            buildings=counts.get(s.pk, empty)["building_count"],
            golden=counts.get(s.pk, empty)["golden_count"],
        )
        for s in subdistricts
    ]
