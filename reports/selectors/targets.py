"""Targets by urgency: which targets need a leader's attention today.

A target not reached is **at risk** when its period ends before the day its latest
projection (the last 7 days' pace) reaches it, or when it has no pace at all: a target
ending today and not reached is always at risk, as the bulletin's "今天截止，还差 N" says.
It is **on track** when the projection falls within the period. A target whose period is
over without reaching it **missed**; one without any progress yet has **no data**.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from enum import IntEnum
from typing import TYPE_CHECKING

from django.utils.translation import gettext_lazy as _

from campaign.models import StaffScope, Target
from reports.selectors.ranking import TargetFigures, targets_in_scope

if TYPE_CHECKING:  # a development requirement: annotations only
    from django_stubs_ext import WithAnnotations


class Urgency(IntEnum):
    """The states in the order the targets page lists them: the ones to act on first."""

    AT_RISK = 1
    ON_TRACK = 2
    NO_DATA = 3
    REACHED = 4
    MISSED = 5

    @property
    def slug(self) -> str:
        """The state's name in class names and tests: ``at-risk``, ``on-track``…"""
        return self.name.lower().replace("_", "-")

    @property
    def label(self) -> str:
        return str(URGENCY_LABELS[self])

    @property
    def meaning(self) -> str:
        return str(URGENCY_MEANINGS[self])


URGENCY_LABELS = {
    Urgency.AT_RISK: _("at risk"),
    Urgency.ON_TRACK: _("on track"),
    Urgency.NO_DATA: _("no data yet"),
    Urgency.REACHED: _("reached"),
    Urgency.MISSED: _("missed"),
}
URGENCY_MEANINGS = {
    Urgency.AT_RISK: _("will not be reached by the end of its period at the last 7 days' pace"),
    Urgency.ON_TRACK: _("reached before the end of its period at the last 7 days' pace"),
    Urgency.NO_DATA: _("no figures since it started"),
    Urgency.REACHED: _("the target is met"),
    Urgency.MISSED: _("its period is over and the target was not met"),
}


def target_urgency(target: WithAnnotations[Target, TargetFigures], *, on: date) -> Urgency:
    """The state of a target of ``targets_in_scope(…, on=on)`` on ``on``."""
    if target.reached_on is not None:
        return Urgency.REACHED
    if target.achieved is None:
        return Urgency.NO_DATA
    if target.period_end < on:
        return Urgency.MISSED
    if target.projected_on is None or target.projected_on > target.period_end:
        return Urgency.AT_RISK
    return Urgency.ON_TRACK


@dataclass(frozen=True)
class UrgentTarget:
    target: WithAnnotations[Target, TargetFigures]
    urgency: Urgency
    days_left: int  # days from ``on`` to the period's end: 0 when it ends today


def targets_by_urgency(scope: StaffScope | None, *, on: date) -> list[UrgentTarget]:
    """The targets of ``targets_in_scope`` (one query), at risk first, then on track, no
    data, reached and missed. Within a state, those to act on first: at risk and on track
    by the nearest period end (then the most remaining), reached and missed the latest
    period first."""
    rows = [
        UrgentTarget(t, target_urgency(t, on=on), (t.period_end - on).days)
        for t in targets_in_scope(scope, on=on)
    ]

    def order(row: UrgentTarget) -> tuple[int, int, int, str]:
        target = row.target
        if row.urgency in (Urgency.AT_RISK, Urgency.ON_TRACK):
            return (row.urgency, row.days_left, -(target.remaining or 0), target.name)
        return (row.urgency, -row.days_left, 0, target.name)

    return sorted(rows, key=order)
