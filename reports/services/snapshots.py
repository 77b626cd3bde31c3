"""Keeping the snapshots in step with the tallies.

A tally change marks its date stale in the same transaction and, after commit, asks for
a rebuild. The rebuild runs from the earliest stale date forward, because every later
running total depends on it. If the broker is down the mark stays, and the periodic sweep
rebuilds it later: no rebuild is ever lost, and a save never fails because of the broker.

The same transaction brings the data-quality flags of the rebuilt dates up to date
(``reports.services.quality``). Every rebuild is logged as an ``audit.SnapshotBuild``:
its dates, when it ran, which job ran it (a task with its id, a task run in-process, a
command) and the latest tally change it saw, which is the data-as-of time of the figures
it wrote.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from datetime import date, datetime, timedelta
from typing import Any

from django.db import connection, transaction
from django.db.models import Max, Min, Q
from django.utils import timezone

from audit.models import SnapshotBuild
from audit.services import snapshot_build_record
from campaign.broker import broker_send
from campaign.clock import today
from campaign.models import Campaign
from reports.builders import snapshots_build_dates
from reports.models import CommitteeDay, DistrictDay, StaleDate, TargetProgress
from reports.selectors.stamps import page_stamps_forget
from reports.services.quality import quality_flags_refresh
from reports.signals import snapshots_built
from sites.models import DailyTally

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
    page_stamps_forget()  # the pages now say "updating"
    transaction.on_commit(lambda: _request_rebuild(dates[0]))


def _request_rebuild(start: date) -> None:
    from reports.tasks import snapshots_rebuild_stale as snapshots_rebuild_stale_task

    # Not sent (the broker is down): the save has committed its mark; the sweep rebuilds.
    broker_send(snapshots_rebuild_stale_task, start.isoformat())


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


def snapshots_rebuild(
    *,
    start: date,
    end: date | None = None,
    trigger: str = SnapshotBuild.Trigger.OTHER,
    job: str = "",
    task_id: str = "",
    stale_only: bool = False,
) -> list[date]:
    """Rebuild the dates from ``start`` (in one transaction and a few statements), clear
    the stale marks this run has covered and log the build, all in that transaction.
    Running it twice changes nothing but the log.

    Rebuilds never run side by side (``_wait_for_other_rebuilds``): two workers writing
    the same snapshot rows would fail each other on the unique keys or deadlock. A
    rebuild that waited finds the marks its predecessor cleared gone; with ``stale_only``
    (the sweep, a save's request) it then starts from the earliest mark left, or does
    nothing: a burst of requests coalesces into few builds.

    ``trigger``, ``job`` and ``task_id`` say what ran it (``SnapshotBuild.Trigger``). A
    build that fails rolls back whole, keeps the previous snapshot and is logged as
    failed, with the error.
    """
    began = timezone.now()
    ran_by = {"trigger": trigger, "job": job, "task_id": task_id}
    dates: list[date] = []
    try:
        with transaction.atomic():
            _wait_for_other_rebuilds()
            # The marks are read before the tallies: a mark read here belongs to a change
            # committed before, which the build below sees. Only those are cleared; a mark
            # committed later stays for the next build.
            marks = list(StaleDate.objects.values_list("pk", "date", "marked_at"))
            if stale_only:
                if not marks:
                    return []
                start = min(day for _pk, day, _at in marks)
            dates = snapshot_dates(start, end)
            if not dates:
                return dates
            seen = _latest_tally_change()
            snapshots_build_dates(start=dates[0], end=dates[-1])
            quality_flags_refresh(start=dates[0], end=dates[-1])
            covered = Q()
            for pk, day, marked_at in marks:
                if day <= dates[-1]:
                    covered |= Q(pk=pk, marked_at=marked_at)
            if covered:
                StaleDate.objects.filter(covered).delete()
            snapshot_build_record(
                first_date=dates[0],
                last_date=dates[-1],
                started_at=began,
                finished_at=timezone.now(),
                computed_at=_computed_at(dates[-1]),
                tallies_changed_at=seen,
                **ran_by,
            )
            page_stamps_forget()  # new rows, flags and marks: new ETags
            snapshots_built.send(sender=TargetProgress, dates=dates)
    except Exception as error:
        if dates:
            _log_failed_build(dates, began, ran_by, error)
        raise
    return dates


# Any 64-bit number names the lock, the same in every process: "snapshot" in ASCII.
REBUILD_LOCK_KEY = 0x736E617073686F74


def _wait_for_other_rebuilds() -> None:
    """Hold the rebuild lock until the transaction ends, waiting for a rebuild running
    elsewhere. On PostgreSQL a transaction-scoped advisory lock (it is released at commit
    or rollback, and when a killed worker's session ends). SQLite needs none: its
    transactions begin IMMEDIATE (settings), so a second writer already waits for the
    first to commit."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s)", [REBUILD_LOCK_KEY])


def _latest_tally_change() -> datetime | None:
    """The newest tally change committed so far (the history's date is indexed): every
    change up to it is in the figures of a build that reads it first."""
    latest: datetime | None = DailyTally.history.aggregate(latest=Max("history_date"))["latest"]
    return latest


def _computed_at(day: date) -> datetime | None:
    """The time this build stamped on the day's rows: every build writes the districts'
    rows anew (committee rows only where a figure changed)."""
    at: datetime | None = DistrictDay.objects.filter(date=day).aggregate(at=Max("computed_at"))[
        "at"
    ]
    return at


def _log_failed_build(
    dates: list[date], began: datetime, ran_by: dict[str, Any], error: Exception
) -> None:
    """The build rolled back; say so in the log, unless the database itself is gone."""
    try:
        with transaction.atomic():
            snapshot_build_record(
                first_date=dates[0],
                last_date=dates[-1],
                started_at=began,
                finished_at=timezone.now(),
                error=f"{type(error).__name__}: {error}"[:2000] or type(error).__name__,
                **ran_by,
            )
    except Exception:
        logger.warning("Could not log the failed snapshot build", exc_info=True)


def snapshots_rebuild_stale(
    *, trigger: str = SnapshotBuild.Trigger.OTHER, job: str = "", task_id: str = ""
) -> list[date]:
    """The sweep: rebuild from the earliest stale date, if any. Several requests for the
    same burst of saves find nothing left to do after the first has run."""
    return snapshots_rebuild(
        start=date.min, trigger=trigger, job=job, task_id=task_id, stale_only=True
    )
