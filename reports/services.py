"""Keeping the snapshots in step with the tallies.

A tally change marks its date stale in the same transaction and, after commit, asks for
a rebuild. The rebuild runs from the earliest stale date forward, because every later
running total depends on it. If the broker is down the mark stays, and the periodic sweep
rebuilds it later: no rebuild is ever lost, and a save never fails because of the broker.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from datetime import date, timedelta

from django.db import transaction
from django.db.models import Max, Min
from django.utils import timezone

from campaign.clock import today
from campaign.models import Campaign
from reports.builders import snapshots_build_dates
from reports.models import CommitteeDay, StaleDate

logger = logging.getLogger(__name__)


def snapshots_mark_stale(*, dates: Iterable[date]) -> None:
    """Call inside the transaction that changed tallies of these dates."""
    dates = sorted(set(dates))
    if not dates:
        return
    now = timezone.now()
    StaleDate.objects.bulk_create(
        [StaleDate(date=day, marked_at=now) for day in dates],
        update_conflicts=True,
        unique_fields=["date"],
        update_fields=["marked_at"],
    )
    transaction.on_commit(lambda: _request_rebuild(dates[0]))


def _request_rebuild(start: date) -> None:
    from reports.tasks import rebuild_snapshots as rebuild_snapshots_task

    try:
        rebuild_snapshots_task.delay(start.isoformat())
    except Exception:  # the save has committed; the sweep will catch up
        logger.warning("Could not schedule the snapshot rebuild from %s", start, exc_info=True)


def snapshot_dates(start: date, end: date | None = None) -> list[date]:
    """The campaign days from ``start`` to ``end`` (default: today or the campaign end),
    moved back to the first day without snapshots so the running totals chain."""
    bounds = Campaign.objects.aggregate(first=Min("start_date"), last=Max("end_date"))
    if bounds["first"] is None:
        return []
    last = min(end or today(), today(), bounds["last"])
    start = max(start, bounds["first"])
    built = set(
        CommitteeDay.objects.filter(date__gte=bounds["first"], date__lt=start)
        .values_list("date", flat=True)
        .distinct()
    )
    day = bounds["first"]
    while day < start and day in built:
        day += timedelta(days=1)
    start = min(start, day)
    return [start + timedelta(days=n) for n in range((last - start).days + 1)]


def snapshots_rebuild(*, start: date, end: date | None = None) -> list[date]:
    """Rebuild the dates from ``start`` (in one transaction and a few statements) and clear
    the stale marks this run has covered. Running it twice changes nothing."""
    began = timezone.now()
    dates = snapshot_dates(start, end)
    if dates:
        snapshots_build_dates(start=dates[0], end=dates[-1])
        StaleDate.objects.filter(date__lte=dates[-1], marked_at__lte=began).delete()
    return dates


def snapshots_rebuild_stale() -> list[date]:
    """The sweep: rebuild from the earliest stale date, if any. Several requests for the
    same burst of saves find nothing left to do after the first has run."""
    earliest = StaleDate.objects.aggregate(first=Min("date"))["first"]
    if earliest is None:
        return []
    return snapshots_rebuild(start=earliest)
