"""Thin Celery tasks: an ISO date in, a service call out. All are idempotent."""

import logging
from datetime import timedelta
from typing import TypedDict

from celery import shared_task
from django.db import DatabaseError

from audit.models import SnapshotBuild
from campaign.clock import today
from reports.services import snapshots_rebuild, snapshots_rebuild_stale

logger = logging.getLogger(__name__)


class RetryOptions(TypedDict):
    autoretry_for: tuple[type[BaseException], ...]
    retry_backoff: bool
    retry_backoff_max: int
    max_retries: int


RETRY: RetryOptions = {
    "autoretry_for": (DatabaseError,),
    "retry_backoff": True,
    "retry_backoff_max": 300,
    "max_retries": 5,
}


def _ran_by(task) -> dict:
    """What the snapshot build log says ran it: the task, in-process or on a worker."""
    request = task.request
    return {
        "trigger": SnapshotBuild.Trigger.EAGER if request.is_eager else SnapshotBuild.Trigger.TASK,
        "job": task.name,
        "task_id": request.id or "",
    }


@shared_task(bind=True, acks_late=True, ignore_result=True, **RETRY)
def rebuild_snapshots(self, start: str) -> None:
    """After a tally change of ``start`` (ISO date): rebuild from the earliest stale date.

    Coalesced: the stale marks are the work list, so when an earlier run of a burst has
    already covered this change there is nothing left to do.
    """
    logger.info("Rebuilding snapshots after a change of %s", start)
    snapshots_rebuild_stale(**_ran_by(self))


@shared_task(bind=True, acks_late=True, ignore_result=True, **RETRY)
def rebuild_recent_days(self) -> None:
    """Nightly: yesterday and today, whatever happened during the day."""
    snapshots_rebuild(start=today() - timedelta(days=1), **_ran_by(self))


@shared_task(bind=True, acks_late=True, ignore_result=True, **RETRY)
def sweep_stale_dates(self) -> None:
    """Every few minutes: rebuild any date whose requested rebuild never ran."""
    snapshots_rebuild_stale(**_ran_by(self))
