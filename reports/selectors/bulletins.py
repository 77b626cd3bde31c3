"""The published daily bulletin (每日通报) of a subdistrict.

Publishing freezes a copy of the day's figures (``bulletin_figures``) into a ``Bulletin``
row with who published it, when, and when the figures were computed; the row is never
updated, and the publication is an event of the audit trail. When tallies of that day or
earlier are changed after publication, the bulletin is "restated": the page says so and
links to the current figures and to the changes (who, when, old → new), read from the
tally history.

Every figure comes from the snapshot tables: a bulletin costs a handful of queries,
however many committees, sites or targets the subdistrict has.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import TYPE_CHECKING, Any, TypedDict

from django.db.models import Exists, OuterRef, Q, QuerySet
from django.utils.translation import gettext_lazy

from campaign.access import can_publish_bulletins, subdistricts_visible_to
from campaign.areas import Area
from campaign.models import StaffScope, Subdistrict
from campaign.selectors import campaign_day
from reports.models import Bulletin, SubdistrictDay, TargetProgress
from reports.selectors.ranking import committee_ranking
from sites.models import DailyTally, Site
from sites.selectors.tallies import sites_active_on

# 2: the totals carry the residents' first doses and full courses, the people behind the
# coverage percentages (version 1 showed the doses given at the sites beside them).
FIGURES_VERSION = 2


# Who may do what ------------------------------------------------------------------------


class BulletinState(TypedDict):
    restated: bool


if TYPE_CHECKING:  # A bulletin as bulletins_visible_to reads it.
    from django_stubs_ext import WithAnnotations

    VisibleBulletin = WithAnnotations[Bulletin, BulletinState]


def bulletins_visible_to(scope: StaffScope | None) -> QuerySet[VisibleBulletin]:
    """Published bulletins of the subdistricts the scope may read (committee staff read
    their subdistrict's: the bulletin is published to every committee), each with
    ``restated``: whether a tally it counts changed after publication (see
    ``bulletin_corrections``), in the same query."""
    changed_since = DailyTally.history.filter(
        site__subdistrict_id=OuterRef("subdistrict_id"),
        date__lte=OuterRef("date"),
        history_date__gt=OuterRef("published_at"),
    )
    return (
        Bulletin.objects.select_related("subdistrict__district", "published_by")
        .filter(subdistrict__in=subdistricts_visible_to(scope))
        .annotate(restated=Exists(changed_since))
    )


def subdistricts_publishable_by(scope: StaffScope | None) -> QuerySet[Subdistrict]:
    """Administrators publish for every subdistrict, subdistrict staff for their own;
    district leaders and committee staff publish nothing."""
    if not can_publish_bulletins(scope):
        return Subdistrict.objects.none()
    return subdistricts_visible_to(scope)


# The frozen figures ----------------------------------------------------------------------


def _percent(value: float | None) -> float:
    """Unrounded, like the ranking page's ``first_coverage * 100``: the pages round once,
    to one decimal, when they show it (rounding here too made 4.545…% read 4.6%)."""
    return 100 * (value or 0)


def bulletin_figures(*, subdistrict: Subdistrict, on: date) -> dict[str, Any] | None:
    """What a bulletin of ``subdistrict`` for ``on`` shows, as plain JSON values; None
    when the day has no snapshot yet. Five queries whatever the size of the subdistrict."""
    day = SubdistrictDay.objects.filter(subdistrict=subdistrict, date=on).first()
    if day is None:
        return None
    ranking = list(committee_ranking(Area(subdistrict), on=on, metric="first_coverage"))
    committees = [
        {
            "id": row.committee_id,
            "code": row.committee.code,
            "name": row.committee.name,
            "rank": row.rank,
            "change": row.change,
            "doses_today": row.doses_today,
            "first_cumulative": row.first_cumulative,
            "first_percent": _percent(row.first_coverage),
            "full_course_percent": _percent(row.full_course_coverage),
        }
        for row in ranking
    ]
    progress = (
        TargetProgress.objects.filter(
            Q(target__subdistrict=subdistrict) | Q(target__committee__subdistrict=subdistrict),
            date=on,
            target__period_start__lte=on,
            target__period_end__gte=on,
        )
        .select_related("target__subdistrict", "target__committee")
        .order_by("target__committee__code", "target__period_end", "target__name")
    )
    targets = [
        {
            "id": p.target_id,
            "name": p.target.name,
            "area": p.target.area.name if p.target.area else "",
            "metric": p.target.metric,
            "value": p.target.value,
            "achieved": p.achieved,
            "percent": p.percent,
            "remaining": p.remaining,
            "period_start": p.target.period_start.isoformat(),
            "period_end": p.target.period_end.isoformat(),
            "days_left": (p.target.period_end - on).days,
            "pace_needed": p.pace_needed,
            "reached_on": p.reached_on.isoformat() if p.reached_on else None,
            "days_early": p.days_early,
        }
        for p in progress
    ]
    sites = list(
        Site.objects.filter(sites_active_on(on), subdistrict=subdistrict)
        .annotate(reported=Exists(DailyTally.objects.filter(site=OuterRef("pk"), date=on)))
        .order_by("kind", "code")
        .values("id", "code", "name", "kind", "reported")
    )
    unreported = [
        {k: s[k] for k in ("id", "code", "name", "kind")} for s in sites if not s["reported"]
    ]
    running = campaign_day(on=on)
    doses_today = day.first_doses + day.second_doses + day.booster_doses
    return {
        "version": FIGURES_VERSION,
        "date": on.isoformat(),
        "subdistrict": {"id": subdistrict.pk, "code": subdistrict.code, "name": subdistrict.name},
        "district": {"id": subdistrict.district_id, "name": subdistrict.district.name},
        "campaign": (
            {"name": running.campaign.name, "day": running.day, "length": running.length}
            if running and running.is_running
            else None
        ),
        "computed_at": day.computed_at.isoformat(),
        "totals": {
            "doses_today": doses_today,
            "first_doses": day.first_doses,
            "second_doses": day.second_doses,
            "booster_doses": day.booster_doses,
            "doses_cumulative": day.first_cumulative
            + day.second_cumulative
            + day.booster_cumulative,
            "first_cumulative": day.first_cumulative,
            "full_course_cumulative": day.full_course_cumulative,
            # The people behind the percentages: the committees' residents only, as the
            # coverage counts them (the two above include non-residents at its sites).
            "residents_first_cumulative": sum(row.first_cumulative for row in ranking),
            "residents_full_course_cumulative": sum(row.full_course_cumulative for row in ranking),
            "first_percent": _percent(day.first_coverage),
            "full_course_percent": _percent(day.full_course_coverage),
            "rank_in_district": day.rank_in_district,
            "committees": len(committees),
            "sites_open": len(sites),
            "sites_unreported": len(unreported),
        },
        "committees": committees,
        "targets": targets,
        "unreported": unreported,
    }


# Reading a bulletin ----------------------------------------------------------------------


def bulletin_corrections(bulletin: Bulletin) -> QuerySet[Any]:
    """Tally changes saved after publication that alter its figures: any change of the
    subdistrict's tallies dated on or before the bulletin's day, newest first."""
    corrections: QuerySet[Any] = (
        DailyTally.history.filter(
            site__subdistrict_id=bulletin.subdistrict_id,
            date__lte=bulletin.date,
            history_date__gt=bulletin.published_at,
        )
        .select_related("history_user", "committee", "site")
        .order_by("-history_date", "-history_id")
    )
    return corrections


DIFFERENCE_LABELS = {
    "doses_today": gettext_lazy("Doses today"),
    "doses_cumulative": gettext_lazy("doses, cumulative"),
    "first_cumulative": gettext_lazy("first doses, cumulative"),
    "full_course_cumulative": gettext_lazy("full course, cumulative"),
    "residents_first_cumulative": gettext_lazy("residents with a first dose"),
    "residents_full_course_cumulative": gettext_lazy("residents with a full course"),
    "first_percent": gettext_lazy("First-dose coverage"),
    "full_course_percent": gettext_lazy("Full-course coverage"),
    "sites_unreported": gettext_lazy("sites that did not report"),
}
PERCENT_KEYS = ("first_percent", "full_course_percent")


@dataclass(frozen=True)
class Difference:
    key: str
    published: float
    current: float

    @property
    def change(self) -> float:
        return round(self.current - self.published, 2)

    @property
    def unit(self) -> str:
        return "%" if self.key in PERCENT_KEYS else ""

    @property
    def decimals(self) -> int:
        """Percentages are shown with one decimal, as on the bulletin itself."""
        return 1 if self.key in PERCENT_KEYS else 0

    @property
    def label(self) -> str:
        return str(DIFFERENCE_LABELS[self.key])


def _same(key: str, then: Any, now: Any) -> bool:
    """Percentages compare to two decimals: bulletins published before they were stored
    unrounded hold them rounded so."""
    if key in PERCENT_KEYS and then is not None and now is not None:
        return bool(round(then, 2) == round(now, 2))
    return bool(then == now)


def figure_differences(
    published: dict[str, Any], current: dict[str, Any] | None
) -> list[Difference]:
    """The totals that differ between the published and the current figures; a figure
    the published copy did not carry yet (an older version) is not a difference."""
    if current is None:
        return []
    then, now = published["totals"], current["totals"]
    return [
        Difference(key, then[key], now[key])
        for key in DIFFERENCE_LABELS
        if key in then and not _same(key, then.get(key), now.get(key))
    ]


def bulletin_restatement(bulletin: VisibleBulletin) -> tuple[bool, dict[str, Any] | None]:
    """Whether ``bulletin`` (from ``bulletins_visible_to``) is restated, and the day's
    current figures. Restated when a tally it counts changed after publication, or when
    the current totals differ from the frozen ones anyway: a correction saved while the
    bulletin was being published is dated before ``published_at`` yet not in its copy."""
    current = bulletin_figures(subdistrict=bulletin.subdistrict, on=bulletin.date)
    differs = bool(figure_differences(bulletin.figures, current))
    return bulletin.restated or differs, current
