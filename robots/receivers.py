"""The robots' answer to the reports app's signals. A receiver runs inside the change's
transaction and only asks for a task once that has committed: the publication or the
rebuild never waits for a robot, never fails because of one, nor because the broker is
down (the sweep catches up)."""

from __future__ import annotations

import logging
from collections.abc import Callable

from django.db import transaction
from django.dispatch import receiver

from reports.signals import bulletin_published, snapshots_built

logger = logging.getLogger(__name__)


def _schedule(task_call: Callable[[], object], what: str) -> None:
    def call() -> None:
        try:
            task_call()
        except Exception:
            logger.warning("Could not schedule the robots' posts for %s", what, exc_info=True)

    transaction.on_commit(call)


@receiver(bulletin_published, dispatch_uid="robots.bulletin_published")
def announce_bulletin(sender, *, bulletin, **kwargs) -> None:
    from robots.tasks import robot_posts_for_bulletin

    bulletin_id = bulletin.pk
    _schedule(lambda: robot_posts_for_bulletin.delay(bulletin_id), f"bulletin {bulletin_id}")


@receiver(snapshots_built, dispatch_uid="robots.snapshots_built")
def announce_reached_targets(sender, *, dates, **kwargs) -> None:
    from robots.tasks import robot_posts_for_reached_targets

    days = [day.isoformat() for day in dates]
    _schedule(lambda: robot_posts_for_reached_targets.delay(days), "reached targets")
