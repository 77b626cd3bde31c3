"""Which robots hear of what."""

from __future__ import annotations

from datetime import date, time

from django.db.models import Exists, OuterRef, Q, QuerySet

from robots.models import Robot, RobotPost


def robots_active() -> QuerySet[Robot]:
    return Robot.objects.filter(active=True).select_related("district", "subdistrict")


def robots_of_subdistricts(subdistrict_ids: set[int], district_ids: set[int]) -> Q:
    """Robots of these subdistricts, or of the districts holding them (``district_ids``)."""
    return Q(subdistrict_id__in=subdistrict_ids) | Q(district_id__in=district_ids)


def reminder_key(on: date) -> str:
    return f"reminder:{on.isoformat()}"


def robots_due_for_reminder(on: date, now: time) -> QuerySet[Robot]:
    """Active robots whose reminder time of day has come and that have not posted the
    reminder of ``on`` yet (one query)."""
    return robots_active().filter(
        ~Exists(RobotPost.objects.filter(robot=OuterRef("pk"), key=reminder_key(on))),
        remind_at__isnull=False,
        remind_at__lte=now,
    )
