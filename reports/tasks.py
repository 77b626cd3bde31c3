"""Thin Celery tasks: an ISO date in, a service call out. All are idempotent."""

import logging
from datetime import timedelta

from celery import shared_task
from django.db import DatabaseError

from campaign.clock import today
from reports.services import snapshots_rebuild, snapshots_rebuild_stale

logger = logging.getLogger(__name__)
RETRY = {
    "autoretry_for": (DatabaseError,),
    "retry_backoff": True,
    "retry_backoff_max": 300,
    "max_retries": 5,
}


@shared_task(acks_late=True, ignore_result=True, **RETRY)
def rebuild_snapshots(start: str) -> None:
    """After a tally change of ``start`` (ISO date): rebuild from the earliest stale date.

    Coalesced: the stale marks are the work list, so when an earlier run of a burst has
    already covered this change there is nothing left to do.
    """
    logger.info("Rebuilding snapshots after a change of %s", start)
    snapshots_rebuild_stale()


@shared_task(acks_late=True, ignore_result=True, **RETRY)
def rebuild_recent_days() -> None:
    """Nightly: yesterday and today, whatever happened during the day."""
    snapshots_rebuild(start=today() - timedelta(days=1))


@shared_task(acks_late=True, ignore_result=True, **RETRY)
def sweep_stale_dates() -> None:
    """Every few minutes: rebuild any date whose requested rebuild never ran."""
    snapshots_rebuild_stale()
