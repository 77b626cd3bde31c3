"""Writing the robots' posts and sending them.

Every announcement first becomes ``RobotPost`` rows, one per message and robot, unique by
(robot, key), so running a job twice posts nothing twice; the rows are then sent one by
one by ``robots.tasks.robot_post_send``, which retries a failure a few times and keeps
every attempt's answer and error on the row. Nothing here runs inside a save or a
publication: those only schedule a task once they have committed (``robots.receivers``).
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from datetime import date, datetime, timedelta
from typing import Any

from django.conf import settings
from django.db import transaction
from django.db.models import F
from django.utils import timezone, translation

from campaign.access import area_reading_scope
from campaign.clock import today
from campaign.models import Target
from reports.models import Bulletin, TargetProgress
from reports.presentation.bulletin_image import published_bulletin_png
from reports.selectors.bulletins import bulletins_visible_to
from robots import webhooks
from robots.messages import bulletin_message, reminder_message, target_message
from robots.models import Robot, RobotPost, TargetAnnouncement
from robots.selectors import (
    reminder_key,
    robots_active,
    robots_due_for_reminder,
    robots_of_subdistricts,
)
from sites.selectors.tallies import unreported_sites

logger = logging.getLogger(__name__)
# Posts whose task never ran (the broker was down when they were made) are sent by the
# sweep once they are this old; younger ones may still be on their way.
UNSENT_AFTER = timedelta(minutes=5)
# Targets reached on the last days are looked for by the sweep too, in case the task
# that follows a rebuild was lost.
TARGET_SWEEP_DAYS = 2


# Making posts ------------------------------------------------------------------------------


def _create(posts: list[RobotPost]) -> list[int]:
    """Store the posts not stored yet; the ids of those still to send, sent after commit."""
    if not posts:
        return []
    with transaction.atomic():
        stored = _stored(posts)
        posts = [p for p in posts if (p.robot_id, p.key) not in stored]
        if not posts:
            return []
        # A run at the same moment may store some first: theirs are theirs to send.
        RobotPost.objects.bulk_create(posts, ignore_conflicts=True)
        made = {(p.robot_id, p.key) for p in posts}
        ids = [
            pk
            for pk, robot_id, key in RobotPost.objects.filter(
                robot_id__in={p.robot_id for p in posts},
                key__in={p.key for p in posts},
                status=RobotPost.Status.PENDING,
                attempts=0,
            )
            .order_by("pk")
            .values_list("pk", "robot_id", "key")
            if (robot_id, key) in made
        ]
        transaction.on_commit(lambda: robot_posts_dispatch(ids))
    return ids


def _stored(posts: list[RobotPost]) -> set[tuple[int, str]]:
    return set(
        RobotPost.objects.filter(
            robot_id__in={p.robot_id for p in posts}, key__in={p.key for p in posts}
        ).values_list("robot_id", "key")
    )


def sends_in_process() -> bool:
    """No broker: Celery runs every task in-process, as it is called."""
    from robots.tasks import robot_post_send as robot_post_send_task

    return bool(robot_post_send_task.app.conf.task_always_eager)


def robot_posts_dispatch(ids: Iterable[int]) -> None:
    """Hand the posts to the workers. A broker that is down loses nothing: the posts stay
    waiting and the sweep sends them. Without a broker (the embedded default, tasks run
    in-process) there is no worker to try again later: one attempt, logged as usual."""
    from robots.tasks import robot_post_send as robot_post_send_task

    for post_id in ids:
        try:
            if sends_in_process():
                robot_post_send_task.apply(
                    args=(post_id,), retries=robot_post_send_task.max_retries, throw=False
                )
            else:
                robot_post_send_task.delay(post_id)
        except Exception:
            logger.warning("Could not schedule robot post %s", post_id, exc_info=True)


def robot_posts_for_bulletins(bulletins: Iterable[Bulletin]) -> list[int]:
    """For each bulletin, its image (WeChat Work) and its headline figures (both) to
    every active robot of its subdistrict or district that posts bulletins."""
    bulletins = list(bulletins)
    if not bulletins:
        return []
    robots = list(
        robots_active().filter(
            robots_of_subdistricts(
                {b.subdistrict_id for b in bulletins},
                {b.subdistrict.district_id for b in bulletins},
            ),
            posts_bulletins=True,
        )
    )
    posts = []
    with translation.override(settings.LANGUAGE_CODE):
        for bulletin in bulletins:
            message = bulletin_message(bulletin)
            for robot in robots:
                if robot.subdistrict_id not in (None, bulletin.subdistrict_id) or (
                    robot.district_id not in (None, bulletin.subdistrict.district_id)
                ):
                    continue
                common = {
                    "robot": robot,
                    "event": RobotPost.Event.BULLETIN,
                    "day": bulletin.date,
                    "bulletin": bulletin,
                }
                if robot.platform == Robot.Platform.WECOM:
                    posts.append(
                        RobotPost(
                            key=f"bulletin:{bulletin.pk}:image",
                            message_type=RobotPost.MessageType.IMAGE,
                            title=message.title,
                            **common,
                        )
                    )
                posts.append(
                    RobotPost(
                        key=f"bulletin:{bulletin.pk}:text",
                        message_type=RobotPost.MessageType.MARKDOWN,
                        title=message.title,
                        content=message.content,
                        **common,
                    )
                )
    return _create(posts)


def robot_posts_for_bulletin(bulletin_id: int) -> list[int]:
    """After a publication: a deleted bulletin (published in error) posts nothing."""
    return robot_posts_for_bulletins(
        Bulletin.objects.select_related("subdistrict").filter(pk=bulletin_id)
    )


def robot_posts_for_reached_targets(dates: Iterable[date] | None = None) -> list[int]:
    """Targets whose progress on ``dates`` (default: the last days) says reached and that
    were never announced: announce each once, to the robots of its area registered now.
    A few queries whatever the number of targets."""
    dates = sorted(set(dates)) if dates is not None else None
    if dates is None:
        dates = [today() - timedelta(days=n) for n in range(TARGET_SWEEP_DAYS + 1)]
    if not dates:
        return []
    reached = (
        TargetProgress.objects.filter(
            date__in=dates, reached_on__isnull=False, target__announcement__isnull=True
        )
        .select_related("target__district", "target__subdistrict", "target__committee__subdistrict")
        .order_by("target_id", "-date")
    )
    latest: dict[int, TargetProgress] = {}
    reached_on: dict[int, date] = {}
    for progress in reached:
        if progress.reached_on is not None and progress.target_id not in latest:
            latest[progress.target_id] = progress
            reached_on[progress.target_id] = progress.reached_on
    if not latest:
        return []
    TargetAnnouncement.objects.bulk_create(
        [TargetAnnouncement(target_id=t, reached_on=day) for t, day in reached_on.items()],
        ignore_conflicts=True,
    )
    areas = {t: _target_subdistrict_and_district(p.target) for t, p in latest.items()}
    robots = list(
        robots_active().filter(
            robots_of_subdistricts(
                {s for s, _d in areas.values() if s}, {d for _s, d in areas.values() if d}
            ),
            posts_targets=True,
        )
    )
    posts = []
    with translation.override(settings.LANGUAGE_CODE):
        for target_id, progress in latest.items():
            subdistrict_id, district_id = areas[target_id]
            message = target_message(progress.target, progress)
            for robot in robots:
                if robot.district_id != district_id and (
                    subdistrict_id is None or robot.subdistrict_id != subdistrict_id
                ):
                    continue
                posts.append(
                    RobotPost(
                        robot=robot,
                        event=RobotPost.Event.TARGET,
                        key=f"target:{target_id}",
                        day=reached_on[target_id],
                        target_id=target_id,
                        message_type=RobotPost.MessageType.MARKDOWN,
                        title=message.title,
                        content=message.content,
                    )
                )
    return _create(posts)


def _target_subdistrict_and_district(target: Target) -> tuple[int | None, int | None]:
    """A district target is the district robots'; a subdistrict's or a committee's is
    also its subdistrict robots'."""
    if target.subdistrict is not None:
        subdistrict = target.subdistrict
    elif target.committee is not None:
        subdistrict = target.committee.subdistrict
    else:
        return None, target.district_id
    return subdistrict.pk, subdistrict.district_id


def robot_reminders_due(now: datetime | None = None) -> list[int]:
    """The evening reminders whose time has come and that were not posted today: one per
    robot and day, whenever and however often this runs."""
    local = timezone.localtime(now)
    on = today()
    posts = []
    with translation.override(settings.LANGUAGE_CODE):
        for robot in robots_due_for_reminder(on, local.time()):
            area = robot.area
            sites = list(unreported_sites(area_reading_scope(area), on))
            message = reminder_message(
                area=area, on=on, sites=sites, limit=webhooks.markdown_limit(robot.platform)
            )
            posts.append(
                RobotPost(
                    robot=robot,
                    event=RobotPost.Event.REMINDER,
                    key=reminder_key(on),
                    day=on,
                    message_type=RobotPost.MessageType.MARKDOWN,
                    title=message.title,
                    content=message.content,
                )
            )
    return _create(posts)


def robot_posts_unsent(now: datetime | None = None) -> list[int]:
    """Posts made but never tried (their task was lost with the broker): send them now."""
    before = (now or timezone.now()) - UNSENT_AFTER
    ids = list(
        RobotPost.objects.filter(
            status=RobotPost.Status.PENDING, attempts=0, created_at__lte=before
        ).values_list("pk", flat=True)
    )
    robot_posts_dispatch(ids)
    return ids


def robot_sweep(now: datetime | None = None) -> dict[str, list[int]]:
    """The beat's round every few minutes: due reminders, targets whose announcement was
    lost, bulletins of the last day not announced, posts never tried."""
    since = (now or timezone.now()) - timedelta(days=1)
    return {
        "reminders": robot_reminders_due(now),
        "targets": robot_posts_for_reached_targets(),
        "bulletins": robot_posts_for_bulletins(
            Bulletin.objects.select_related("subdistrict").filter(published_at__gte=since)
        ),
        "unsent": robot_posts_unsent(now),
    }


# Sending -----------------------------------------------------------------------------------


def _payload(post: RobotPost) -> dict[str, Any]:
    platform = post.robot.platform
    if post.message_type == RobotPost.MessageType.IMAGE:
        # Read as its pages read it: with "restated" when tallies changed since.
        if post.bulletin_id is None:
            raise webhooks.WebhookFailed("The bulletin was deleted.")
        bulletin = (
            bulletins_visible_to(area_reading_scope(post.robot.area))
            .filter(pk=post.bulletin_id)
            .first()
        )
        if bulletin is None:
            raise webhooks.WebhookFailed("The bulletin was deleted.")
        with translation.override(settings.LANGUAGE_CODE):
            png = published_bulletin_png(bulletin)
        if len(png) > webhooks.WECOM_IMAGE_MAX_BYTES:
            raise webhooks.WebhookFailed(f"The image is {len(png)} bytes, over 2 MB.")
        payload = webhooks.image_payload(png)
        post.image_md5, post.image_size = payload["image"]["md5"], len(png)
        return payload
    return webhooks.markdown_payload(platform, title=post.title, content=post.content)


def robot_post_send(post: RobotPost, *, last_attempt: bool) -> bool:
    """One attempt at sending ``post``; True when it is sent (now or before). A failure
    is written on the row (the answer, the error with its attempt and time) and the post
    stays waiting for the next attempt, or is failed when this was the last one."""
    claimed = RobotPost.objects.filter(
        pk=post.pk, status=RobotPost.Status.PENDING, attempts=post.attempts
    ).update(attempts=F("attempts") + 1, last_attempt_at=timezone.now())
    if not claimed:  # sent, failed or being tried by another worker
        post.refresh_from_db()
        return post.status == RobotPost.Status.SENT
    post.refresh_from_db(fields=["attempts", "last_attempt_at"])
    robot = post.robot
    try:
        if not robot.active:
            raise webhooks.WebhookFailed("The robot was deactivated.")
        payload = _payload(post)
        url = webhooks.signed_url(robot.webhook_url, robot.platform, robot.secret)
        post.answer = webhooks.webhook_post(url, payload)
    except webhooks.WebhookFailed as failure:
        stamp = timezone.localtime(post.last_attempt_at).strftime("%Y-%m-%d %H:%M:%S")
        post.answer = failure.answer
        post.error = f"{post.error}#{post.attempts} {stamp}: {failure}\n"[-4000:]
        if last_attempt:
            post.status = RobotPost.Status.FAILED
        post.save(update_fields=["answer", "error", "status", "image_md5", "image_size"])
        logger.warning("Robot post %s failed (attempt %s): %s", post.pk, post.attempts, failure)
        return False
    post.status = RobotPost.Status.SENT
    post.sent_at = timezone.now()
    post.save(update_fields=["answer", "status", "sent_at", "image_md5", "image_size"])
    return True
