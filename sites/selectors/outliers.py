"""Unusual figures: a site's day, or one cell of it, far above the site's recent days.

The rule (also in docs/user-guide.md, "数据质量"), with the campaign's parameters:

- the site's recent days are its last ``outlier_reported_days`` (14) reported days before
  the day, within ``LOOKBACK_DAYS``; a cell's recent days are the same cell's (committee
  and dose) on the days the site reported;
- with at least ``MIN_REPORTED_DAYS`` of them, a value is unusual above
  usual + k × spread, where k is ``outlier_mad_multiple`` (5); the usual day is the
  median of the recent days, or of the last ``LEVEL_DAYS`` (3) when that is higher (a new
  phase of the campaign is questioned on its first days only); the spread is the median
  absolute deviation (MAD), but at least a fifth of the usual day and at least
  ``MIN_SPREAD`` doses: nothing below double the usual day is questioned, and a site that
  gave exactly 200 every day is not questioned for 205;
- whatever its recent days, a site's day above ``outlier_capacity_multiple`` (3) × its
  daily capacity is unusual.

The entry grid asks the clerk to confirm an unusual figure before it is saved (with the
over-capacity question, ``sites.services.tallies.record_tallies``); an import's check lists them as
warnings; the snapshot rebuild flags the days for the data-quality page
(``reports.services.quality``). All three call ``unusual_values`` here.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Hashable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from statistics import median
from typing import TYPE_CHECKING, Any, TypeVar

from django.db import models
from django.db.models import Sum
from django.utils.translation import gettext as _

from campaign.models import Campaign
from sites.models import DailyTally, Site

if TYPE_CHECKING:
    from sites.services.tallies import TallyCell

MIN_REPORTED_DAYS = 5  # fewer recent days than this say nothing about a site's usual day
MIN_SPREAD = 5  # doses: the smallest spread, for sites whose days hardly vary
LEVEL_DAYS = 3  # the latest days whose median is the usual day when it is higher
LOOKBACK_DAYS = 28  # recent days are looked for within the last four weeks


@dataclass(frozen=True)
class OutlierRule:
    """The campaign's parameters of the rule."""

    mad_multiple: Decimal
    reported_days: int
    capacity_multiple: Decimal

    @classmethod
    def of(cls, campaign: Campaign | None) -> OutlierRule:
        if campaign is None:
            return DEFAULT_RULE
        return cls(
            mad_multiple=campaign.outlier_mad_multiple,
            reported_days=campaign.outlier_reported_days,
            capacity_multiple=campaign.outlier_capacity_multiple,
        )

    def ceiling(self, recent: Sequence[int]) -> int | None:
        """The highest usual value after these recent values (oldest first); None when
        too few."""
        if len(recent) < MIN_REPORTED_DAYS:
            return None
        return int(self.usual(recent) + float(self.mad_multiple) * self.spread(recent))

    @staticmethod
    def usual(recent: Sequence[int]) -> float:
        """The site's usual day: the median of its recent days, or of its last three when
        higher, so a new phase of the campaign (a step up that lasts) is usual after its
        first days instead of being questioned for two weeks."""
        return max(median(recent), median(recent[-LEVEL_DAYS:]))

    def spread(self, recent: Sequence[int]) -> float:
        middle = median(recent)
        deviation = median(abs(value - middle) for value in recent)
        return max(deviation, self.usual(recent) / 5, MIN_SPREAD)

    def capacity_limit(self, daily_capacity: int) -> int:
        return int(self.capacity_multiple * daily_capacity)


def _default(name: str) -> Any:
    field = Campaign._meta.get_field(name)
    return field.default if isinstance(field, models.Field) else None


DEFAULT_RULE = OutlierRule(
    mad_multiple=_default("outlier_mad_multiple"),
    reported_days=_default("outlier_reported_days"),
    capacity_multiple=_default("outlier_capacity_multiple"),
)


def rules_by_date(days: Iterable[date]) -> dict[date, OutlierRule]:
    """The rule of each day's campaign (the default outside any): one query."""
    days = sorted(set(days))
    if not days:
        return {}
    campaigns = list(Campaign.objects.filter(start_date__lte=days[-1], end_date__gte=days[0]))
    return {
        day: OutlierRule.of(next((c for c in campaigns if c.start_date <= day <= c.end_date), None))
        for day in days
    }


@dataclass(frozen=True)
class Unusual:
    """One unusual value: a site's day (``dose_kind`` None) or one cell of it."""

    site_id: int
    date: date
    committee_id: int | None
    dose_kind: str | None
    value: int
    median: int | None  # of the recent days; None when the capacity rule alone applies
    ceiling: int | None  # the highest usual value
    capacity_limit: int | None  # set when the value is above the capacity multiple

    @property
    def is_day(self) -> bool:
        return self.dose_kind is None

    def reason(self) -> str:
        return unusual_reason(self.value, self.median, self.ceiling, self.capacity_limit)


def unusual_reason(
    value: int, median: int | None, ceiling: int | None, capacity_limit: int | None
) -> str:
    """Why a value is unusual, in the user's language."""
    if capacity_limit is not None:
        return _("%(value)s doses, above %(limit)s (a multiple of the daily capacity)") % {
            "value": value,
            "limit": capacity_limit,
        }
    return _(
        "%(value)s doses, far above the site's recent days (median %(median)s, "
        "usual up to %(ceiling)s)"
    ) % {"value": value, "median": median, "ceiling": ceiling}


# A series of values: a site id (its days' totals), or a cell (site id, committee id or
# None, dose kind).
SeriesKey = TypeVar("SeriesKey", bound=Hashable)
CellKey = tuple[int, int | None, str]
Figures = tuple[int | None, int | None, int | None]  # median, ceiling, capacity limit


def unusual_values(
    checked: Mapping[tuple[SeriesKey, date], int],
    recent: Mapping[SeriesKey, Mapping[date, int]],
    *,
    rules: Mapping[date, OutlierRule],
    capacities: Mapping[SeriesKey, int] | None = None,
) -> dict[tuple[SeriesKey, date], Figures]:
    """Which ``checked`` values (series, day) → value are unusual, against the series'
    values on earlier days in ``recent``. ``capacities`` (site series only) adds the
    capacity rule. Returns (series, day) → (median, ceiling, capacity limit)."""
    found: dict[tuple[SeriesKey, date], Figures] = {}
    ordered = {key: sorted(days.items()) for key, days in recent.items()}
    for (key, day), value in checked.items():
        rule = rules.get(day, DEFAULT_RULE)
        since = day - timedelta(days=LOOKBACK_DAYS)
        earlier = [v for d, v in ordered.get(key, ()) if since <= d < day]
        earlier = earlier[-rule.reported_days :]
        ceiling = rule.ceiling(earlier)
        limit = rule.capacity_limit(capacities[key]) if capacities and key in capacities else None
        above_capacity = limit is not None and value > limit
        if above_capacity or (ceiling is not None and value > ceiling):
            middle = int(rule.usual(earlier)) if ceiling is not None else None
            found[(key, day)] = (middle, ceiling, limit if above_capacity else None)
    return found


def site_day_totals(
    site_ids: Iterable[int], *, start: date, end: date
) -> dict[int, dict[date, int]]:
    """Each site's total of each reported day from ``start`` to ``end``: one query."""
    rows = (
        DailyTally.objects.filter(site_id__in=set(site_ids), date__range=(start, end))
        .order_by()
        .values("site_id", "date")
        .annotate(total=Sum("count"))
        .values_list("site_id", "date", "total")
    )
    totals: dict[int, dict[date, int]] = defaultdict(dict)
    for site_id, day, total in rows:
        totals[site_id][day] = total
    return totals


def unusual_site_days(
    days: Mapping[tuple[int, date], int],
    *,
    sites: Mapping[int, Site],
    recent: Mapping[int, Mapping[date, int]] | None = None,
) -> list[Unusual]:
    """Unusual site days among ``days`` ((site id, day) → total). ``recent``: the sites'
    daily totals (read here when not given: one query)."""
    if not days:
        return []
    if recent is None:
        first = min(day for _site, day in days)
        recent = site_day_totals(
            {site for site, _day in days},
            start=first - timedelta(days=LOOKBACK_DAYS),
            end=max(day for _site, day in days),
        )
    found = unusual_values(
        days,
        recent,
        rules=rules_by_date(day for _site, day in days),
        capacities={pk: site.daily_capacity for pk, site in sites.items()},
    )
    return [
        Unusual(site, day, None, None, days[(site, day)], *found[(site, day)])
        for site, day in sorted(found, key=lambda key: (key[1], key[0]))
    ]


def unusual_cells(cells: Sequence[TallyCell], *, sites: Mapping[int, Site]) -> list[Unusual]:
    """For the entry grid: the unusual values among ``cells`` (``TallyCell``s), each site's
    day with the stored cells it keeps, and each cell against the same cell's recent days.
    One query reads the sites' recent tallies."""
    if not cells:
        return []
    first = min(cell.date for cell in cells)
    stored = DailyTally.objects.filter(
        site_id__in={cell.site_id for cell in cells},
        date__range=(first - timedelta(days=LOOKBACK_DAYS), max(cell.date for cell in cells)),
    ).values_list("site_id", "date", "committee_id", "dose_kind", "count")
    values: dict[tuple[int, date, int | None, str], int] = {
        (site, day, committee, dose): count for site, day, committee, dose, count in stored
    }
    # A cleared cell (count None) is not checked; the grid passes only typed ones.
    cells = [c for c in cells if c.count is not None]
    values.update({(c.site_id, c.date, c.committee_id, c.dose_kind): c.count or 0 for c in cells})
    days: dict[int, dict[date, int]] = defaultdict(lambda: defaultdict(int))
    by_cell: dict[CellKey, dict[date, int]] = defaultdict(dict)
    for (site, day, committee, dose), count in values.items():
        days[site][day] += count
        by_cell[(site, committee, dose)][day] = count
    checked_days = {(cell.site_id, cell.date) for cell in cells}
    found = unusual_site_days(
        {(site, day): days[site][day] for site, day in checked_days}, sites=sites, recent=days
    )
    checked: dict[tuple[CellKey, date], int] = {
        ((c.site_id, c.committee_id, c.dose_kind), c.date): c.count or 0 for c in cells
    }
    rules = rules_by_date(c.date for c in cells)
    for (key, day), figures in unusual_values(checked, by_cell, rules=rules).items():
        found.append(Unusual(key[0], day, key[1], key[2], checked[(key, day)], *figures))
    return found
