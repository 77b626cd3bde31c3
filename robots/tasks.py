"""Thin Celery tasks around ``robots.services``. A robot's failure stays here: it is
retried with a growing delay, then logged as failed on its post."""

from __future__ import annotations

from celery import shared_task
from django.db import DatabaseError

from robots import services
from robots.models import RobotPost

MAX_RETRIES = 4  # five attempts in all, each retry within 30 s, 1, 2 and 4 minutes (jitter)


class RobotPostNotSent(Exception):
    """This attempt failed; Celery tries again later."""


@shared_task(
    bind=True,
    acks_late=True,
    ignore_result=True,
    autoretry_for=(RobotPostNotSent, DatabaseError),
    retry_backoff=30,
    retry_backoff_max=600,
    retry_jitter=True,
    max_retries=MAX_RETRIES,
)
def robot_post_send(self, post_id: int) -> None:
    post = RobotPost.objects.select_related("robot", "bulletin").filter(pk=post_id).first()
    if post is None:
        return
    last_attempt = self.request.retries >= self.max_retries
    if not services.robot_post_send(post, last_attempt=last_attempt) and not last_attempt:
        raise RobotPostNotSent(post_id)


@shared_task(acks_late=True, ignore_result=True, autoretry_for=(DatabaseError,), max_retries=3)
def robot_posts_for_bulletin(bulletin_id: int) -> None:
    """After a bulletin's publication has committed."""
    services.robot_posts_for_bulletin(bulletin_id)


@shared_task(acks_late=True, ignore_result=True, autoretry_for=(DatabaseError,), max_retries=3)
def robot_posts_for_reached_targets(dates: list[str]) -> None:
    """After a rebuild of ``dates`` (ISO) has committed."""
    from datetime import date

    services.robot_posts_for_reached_targets([date.fromisoformat(d) for d in dates])


@shared_task(acks_late=True, ignore_result=True)
def robot_sweep() -> None:
    """Beat, every few minutes: the evening reminders that are due, and whatever an
    earlier task lost."""
    services.robot_sweep()
