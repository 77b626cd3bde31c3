"""Stamps of what the snapshot pages show: short strings that change whenever a page's
figures may have changed, read in a few small aggregate queries (never the ranking's rows).
The pages' ETags are made of them (reports/views/conditional.py)."""

from __future__ import annotations

from datetime import date

from django.db.models import Count, Max

from audit.models import SnapshotBuild
from campaign.models import BuildingCount, Campaign, Target
from reports.models import DistrictDay, QualityFlag, StaleDate


def _join(*values: object) -> str:
    return "|".join(str(value) for value in values)


def snapshot_stamp(on: date) -> str:
    """The snapshot of ``on`` as the pages show it: when it was computed (every build
    writes the districts' rows of its dates anew, target progress with them), whether a
    rebuild is waiting ("updating") and the latest build's outcome (a failure is shown)."""
    computed = DistrictDay.objects.filter(date=on).aggregate(at=Max("computed_at"))["at"]
    waiting = StaleDate.objects.filter(date__lte=on).aggregate(n=Count("pk"), last=Max("pk"))
    build = SnapshotBuild.objects.order_by("-started_at", "-pk").values("pk", "status").first()
    return _join(on, computed, waiting["n"], waiting["last"], build)


def ranking_extras_stamp() -> str:
    """What the ranking shows beside the snapshot: the quality flags' marks, the golden
    shield buildings' counts and the campaigns' threshold."""
    flags = QualityFlag.objects.aggregate(
        n=Count("pk"), found=Max("found_at"), verified=Max("verified_at"), last=Max("pk")
    )
    counts = BuildingCount.objects.aggregate(n=Count("pk"), at=Max("updated_at"))
    campaigns = Campaign.objects.aggregate(at=Max("updated_at"))
    return _join(*flags.values(), *counts.values(), campaigns["at"])


def targets_stamp() -> str:
    """The targets themselves (a value or a period edited), beside their progress."""
    found = Target.objects.aggregate(n=Count("pk"), at=Max("updated_at"))
    return _join(found["n"], found["at"])
