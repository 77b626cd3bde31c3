"""Reads of the data-quality flags and of the reporting rate, for the data-quality page
and for the marks on the ranking, committee and bulletin pages. A constant number of
queries, however many committees, sites or flags."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from datetime import date, timedelta
from typing import TYPE_CHECKING, overload

from django.contrib.auth.models import User
from django.db.models import Count, Max, Q, QuerySet
from django.utils.translation import gettext as _

from campaign.access import (
    may_review_quality,
    may_verify_quality,
    staff_scope_for,
    subdistricts_visible_to,
)
from campaign.models import Campaign, StaffScope, Subdistrict
from reports.models import CommitteeDay, QualityFlag, SiteDay
from sites.models import Site
from sites.selectors.outliers import unusual_reason

if TYPE_CHECKING:
    from reports.presentation.bulletins import BulletinSections

Rule = QualityFlag.Rule
REPORTING_WEEK = 7  # days of the short reporting rate


# Who may do what -------------------------------------------------------------------------


def _in_areas(subdistricts: QuerySet[Subdistrict]) -> Q:
    # A tally at another subdistrict's site concerns both subdistricts' staff.
    return Q(subdistrict__in=subdistricts) | Q(site__subdistrict__in=subdistricts)


def quality_flags_visible_to(scope: StaffScope | None) -> QuerySet[QualityFlag]:
    if not may_review_quality(scope):
        return QualityFlag.objects.none()
    return QualityFlag.objects.filter(_in_areas(subdistricts_visible_to(scope)))


def quality_flags_reviewable_by(user: User) -> QuerySet[QualityFlag]:
    """The flags ``user`` may verify."""
    scope = staff_scope_for(user)
    if not may_verify_quality(scope):
        return QualityFlag.objects.none()
    return quality_flags_visible_to(scope)


def open_quality_flags(scope: StaffScope | None) -> QuerySet[QualityFlag]:
    """Open flags in scope, latest day first, with their areas: one query."""
    return (
        quality_flags_visible_to(scope)
        .filter(verified_at__isnull=True)
        .select_related("subdistrict", "committee", "site")
        .order_by("subdistrict__code", "-date", "rule", "key")
    )


def recently_verified(scope: StaffScope | None, *, limit: int = 20) -> QuerySet[QualityFlag]:
    return (
        quality_flags_visible_to(scope)
        .filter(verified_at__isnull=False)
        .select_related("subdistrict", "committee", "site", "verified_by")
        .order_by("-verified_at")[:limit]
    )


# What a flag says ------------------------------------------------------------------------


def flag_reason(flag: QualityFlag) -> str:
    """Why the figure is suspect, in the user's language."""
    detail = flag.detail
    match flag.rule:
        case Rule.UNUSUAL_DAY:
            return unusual_reason(
                flag.figure,
                detail.get("median"),
                detail.get("ceiling"),
                detail.get("capacity_limit"),
            )
        case Rule.ABOVE_POPULATION:
            return _(
                "%(figure)s first doses, above the eligible population of %(population)s: "
                "the eligible population may need updating"
            ) % {"figure": flag.figure, "population": detail.get("population")}
        case Rule.SECOND_ABOVE_FIRST:
            return _(
                "%(figure)s second doses, above the %(first)s first doses given by %(earlier)s "
                "(%(days)s days earlier)"
            ) % {
                "figure": flag.figure,
                "first": detail.get("first_earlier"),
                "earlier": detail.get("earlier"),
                "days": detail.get("min_days"),
            }
        case Rule.OTHER_SUBDISTRICT:
            return _("%(figure)s doses to its residents at a site of another subdistrict") % {
                "figure": flag.figure
            }
    return flag.get_rule_display()


@dataclass(frozen=True)
class FlagMark:
    """A small sign beside a figure: what is suspect about it."""

    reasons: tuple[str, ...]

    @property
    def text(self) -> str:
        return "；".join(self.reasons)


def _marks(flags: QuerySet[QualityFlag], key: str) -> dict[int, FlagMark]:
    reasons: dict[int, list[str]] = defaultdict(list)
    for flag in flags:
        reasons[getattr(flag, key)].append(flag_reason(flag))
    return {pk: FlagMark(tuple(texts)) for pk, texts in reasons.items()}


def committee_marks(committee_filter: Q) -> dict[int, FlagMark]:
    """Open flags of the committees matching ``committee_filter`` (a ``Q`` on the flag's
    ``committee``), by committee id: one query, for a whole ranking."""
    flags = QualityFlag.objects.filter(
        committee_filter, committee__isnull=False, verified_at__isnull=True
    ).order_by("rule", "key")
    return _marks(flags, "committee_id")


def subdistrict_day_mark(subdistrict: Subdistrict, on: date) -> FlagMark | None:
    """The open flags of a subdistrict's sites up to ``on``: its totals count them."""
    flags = QualityFlag.objects.filter(
        _in_areas(Subdistrict.objects.filter(pk=subdistrict.pk)),
        site__isnull=False,
        date__lte=on,
        verified_at__isnull=True,
    ).order_by("-date", "key")
    return _marks(flags, "subdistrict_id").get(subdistrict.pk)


def quality_flags_stamp(subdistricts: QuerySet[Subdistrict]) -> str:
    """Changes whenever a flag of these subdistricts is found, changed or verified: for
    the cache key of a page that shows the marks."""
    stamp = QualityFlag.objects.filter(_in_areas(subdistricts)).aggregate(
        n=Count("pk"),
        open=Count("pk", filter=Q(verified_at__isnull=True)),
        found=Max("found_at"),
        verified=Max("verified_at"),
        last=Max("pk"),
    )
    return "-".join(
        str(value.timestamp() if hasattr(value, "timestamp") else value) for value in stamp.values()
    )


# Reporting rate --------------------------------------------------------------------------


@dataclass(frozen=True)
class Rate:
    reported: int  # site-days with a report
    open: int  # site-days the sites were open

    @property
    def percent(self) -> float | None:
        return 100 * self.reported / self.open if self.open else None


@dataclass(frozen=True)
class SiteRates:
    site: Site
    week: Rate
    campaign: Rate


@dataclass(frozen=True)
class SubdistrictRates:
    subdistrict: Subdistrict
    week: Rate
    campaign: Rate
    sites: list[SiteRates]


def _open_days(site: Site, start: date, end: date) -> int:
    first = max(start, site.active_from)
    last = min(end, site.active_to) if site.active_to else end
    return max((last - first).days + 1, 0)


def reporting_rates(scope: StaffScope | None, *, on: date) -> list[SubdistrictRates]:
    """Site-days reported ÷ site-days open, for each site and subdistrict in scope, over
    the last ``REPORTING_WEEK`` days to ``on`` and over the campaign to ``on``. Three
    queries: the campaign, the sites, the reported days (``SiteDay``) counted per site."""
    campaign = (
        Campaign.objects.filter(start_date__lte=on, end_date__gte=on).first()
        or Campaign.objects.filter(end_date__lt=on).order_by("-end_date").first()
    )
    if campaign is None or not may_review_quality(scope):
        return []
    end = min(on, campaign.end_date)
    week_start = max(end - timedelta(days=REPORTING_WEEK - 1), campaign.start_date)
    sites = list(
        Site.objects.filter(subdistrict__in=subdistricts_visible_to(scope))
        .select_related("subdistrict")
        .order_by("subdistrict__district__code", "subdistrict__code", "code")
    )
    reported = {
        row["site_id"]: row
        for row in SiteDay.objects.filter(
            site__subdistrict__in=subdistricts_visible_to(scope),
            date__range=(campaign.start_date, end),
        )
        .order_by()
        .values("site_id")
        .annotate(campaign=Count("pk"), week=Count("pk", filter=Q(date__gte=week_start)))
    }
    by_subdistrict: dict[int, list[SiteRates]] = defaultdict(list)
    subdistricts: dict[int, Subdistrict] = {}
    for site in sites:
        counts = reported.get(site.pk, {"week": 0, "campaign": 0})
        week_open = _open_days(site, week_start, end)
        campaign_open = _open_days(site, campaign.start_date, end)
        by_subdistrict[site.subdistrict_id].append(
            SiteRates(  # a day reported while closed (before a date change) is not counted
                site=site,
                week=Rate(min(counts["week"], week_open), week_open),
                campaign=Rate(min(counts["campaign"], campaign_open), campaign_open),
            )
        )
        subdistricts[site.subdistrict_id] = site.subdistrict
    return [
        SubdistrictRates(
            subdistrict=subdistricts[pk],
            week=Rate(sum(r.week.reported for r in rows), sum(r.week.open for r in rows)),
            campaign=Rate(
                sum(r.campaign.reported for r in rows), sum(r.campaign.open for r in rows)
            ),
            sites=rows,
        )
        for pk, rows in by_subdistrict.items()
    ]


class MarkedRows:
    """Ranking rows, each with ``mark`` (its committee's open flags, or None), read only
    when first used: a page whose table comes from the cache runs neither query."""

    def __init__(
        self, rows: Iterable[CommitteeDay], marks: Callable[[], dict[int, FlagMark]]
    ) -> None:
        self._query, self._marks = rows, marks
        self._rows: list[CommitteeDay] | None = None

    def _load(self) -> list[CommitteeDay]:
        if self._rows is None:
            rows = list(self._query)
            marks = self._marks() if rows else {}
            for row in rows:
                setattr(row, "mark", marks.get(row.committee_id))  # noqa: B010 - not a field
            self._rows = rows
        return self._rows

    def __iter__(self) -> Iterator[CommitteeDay]:
        return iter(self._load())

    def __len__(self) -> int:
        return len(self._load())

    def __bool__(self) -> bool:
        return bool(self._load())

    @overload
    def __getitem__(self, index: int) -> CommitteeDay: ...
    @overload
    def __getitem__(self, index: slice) -> list[CommitteeDay]: ...
    def __getitem__(self, index: int | slice) -> CommitteeDay | list[CommitteeDay]:
        return self._load()[index]


def bulletin_marks(sections: BulletinSections, subdistrict: Subdistrict) -> FlagMark | None:
    """Put the open flags' marks on a bulletin's committee rows (``mark``) and return the
    mark of its totals (flags at its sites up to the day): two queries."""
    marks = committee_marks(Q(committee__subdistrict=subdistrict))
    for row in [*sections.top, *sections.bottom]:
        row["mark"] = marks.get(row["id"])
    return subdistrict_day_mark(subdistrict, sections.date)
