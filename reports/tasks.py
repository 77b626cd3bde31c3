"""Thin Celery tasks, each named after the service it calls. All are idempotent."""

import logging
from datetime import timedelta
from typing import TypedDict

from celery import shared_task
from django.db import DatabaseError

from audit.models import SnapshotBuild
from campaign.clock import today
from reports.services import snapshots

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
def snapshots_rebuild_stale(self, start: str | None = None) -> None:
    """Rebuild from the earliest stale date: after a tally change of ``start`` (ISO date),
    and every few minutes from beat for any date whose requested rebuild never ran.

    Coalesced: the stale marks are the work list, so when an earlier run of a burst has
    already covered this change there is nothing left to do.
    """
    if start:
        logger.info("Rebuilding snapshots after a change of %s", start)
    snapshots.snapshots_rebuild_stale(**_ran_by(self))


@shared_task(bind=True, acks_late=True, ignore_result=True, **RETRY)
def snapshots_rebuild(self) -> None:
    """Nightly: yesterday and today, whatever happened during the day."""
    snapshots.snapshots_rebuild(start=today() - timedelta(days=1), **_ran_by(self))
