"""The campaign calendar: whether a day is still to come, and which campaign covers it.

Tallies, plans, mobile visits, timeline notes, bulletins and the figures all ask these
questions; the answers, and the messages that refuse a day, are written here once.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date
from functools import cached_property

from django.db.models import QuerySet
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from campaign.clock import today
from campaign.models import Campaign


def day_label(day: date) -> str:
    """A day as the messages show it: 2021-06-30."""
    return date_format(day, "Y-m-d")


def is_future(day: date) -> bool:
    """Whether ``day`` is after the portal's today (nothing can have happened on it yet)."""
    return day > today()


def campaigns_overlapping(start: date, end: date) -> QuerySet[Campaign]:
    """The campaigns with at least one day from ``start`` to ``end`` (the query twin of
    ``Campaign.covers``)."""
    return Campaign.objects.filter(start_date__lte=end, end_date__gte=start)


def campaign_covering(day: date) -> Campaign | None:
    """The campaign running on ``day`` (one query), if any."""
    return campaigns_overlapping(day, day).order_by("start_date").first()


class CampaignCalendar:
    """The campaigns read once (one query, when first needed), then asked about any number
    of days."""

    def __init__(self, campaigns: Iterable[Campaign]):
        self._campaigns = campaigns

    @cached_property
    def campaigns(self) -> list[Campaign]:
        return sorted(self._campaigns, key=lambda campaign: campaign.start_date)

    @classmethod
    def load(cls, start: date | None = None, end: date | None = None) -> CampaignCalendar:
        """Every campaign, or only those overlapping ``start`` … ``end`` when given."""
        if start is None or end is None:
            return cls(Campaign.objects.all())
        return cls(campaigns_overlapping(start, end))

    def campaign_on(self, day: date) -> Campaign | None:
        return next((c for c in self.campaigns if c.covers(day)), None)

    def covers(self, day: date) -> bool:
        return self.campaign_on(day) is not None

    def day_problem(self, day: date) -> str | None:
        """Why nothing can be recorded for ``day``: still to come, or outside every
        campaign; None when the day is fine."""
        if is_future(day):
            return future_day_message(day)
        if not self.covers(day):
            return outside_campaign_message(day)
        return None


def future_day_message(day: date) -> str:
    return _("%(date)s is in the future.") % {"date": day_label(day)}


def outside_campaign_message(day: date) -> str:
    return _("%(date)s is outside the campaign.") % {"date": day_label(day)}
