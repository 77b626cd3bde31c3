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

from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from django.contrib.auth.models import AbstractBaseUser
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Exists, OuterRef, Q, QuerySet
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext

from audit.models import AuditEvent
from audit.services import audit_record
from campaign.clock import today
from campaign.models import StaffScope, Subdistrict, Target
from campaign.selectors import campaign_day, staff_scope_for, subdistricts_visible_to
from reports.exports import CellValue, Table, to_xlsx_book
from reports.models import Bulletin, StaleDate, SubdistrictDay, TargetProgress
from reports.selectors import Area, committee_ranking
from sites.models import DailyTally, Site
from sites.selectors import sites_active_on

TOP = 5  # committees shown at the top and at the bottom of the ranking
MOVERS = 3  # committees shown among the biggest risers and fallers
# The bulletin is one A4 sheet and one phone image: longer lists are cut, with "… 另有 N 项".
TARGETS_SHOWN = 8  # targets not reached yet first
UNREPORTED_SHOWN = 10
# 2: the totals carry the residents' first doses and full courses, the people behind the
# coverage percentages (version 1 showed the doses given at the sites beside them).
FIGURES_VERSION = 2


class BulletinRejected(Exception):
    """Nothing was published; the message says why, in the user's language."""


# Who may do what ------------------------------------------------------------------------


def bulletins_visible_to(scope: StaffScope | None) -> QuerySet[Bulletin]:
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
    if scope is None or scope.role not in (
        StaffScope.Role.ADMINISTRATOR,
        StaffScope.Role.SUBDISTRICT_STAFF,
    ):
        return Subdistrict.objects.none()
    return subdistricts_visible_to(scope)


# The frozen figures ----------------------------------------------------------------------


def _percent(value: float | None) -> float:
    """Unrounded, like the ranking page's ``first_coverage * 100``: the pages round once,
    to one decimal, when they show it (rounding here too made 4.545…% read 4.6%)."""
    return 100 * (value or 0)


def _round(percent: float) -> float:
    """Two decimals in the workbook, as in the ranking export."""
    return round(percent, 2)


def bulletin_figures(*, subdistrict: Subdistrict, on: date) -> dict[str, Any] | None:
    """What a bulletin of ``subdistrict`` for ``on`` shows, as plain JSON values; None
    when the day has no snapshot yet. Five queries whatever the size of the subdistrict."""
    day = SubdistrictDay.objects.filter(subdistrict=subdistrict, date=on).first()
    if day is None:
        return None
    ranking = list(
        committee_ranking(Area("subdistrict", subdistrict), on=on, metric="first_coverage")
    )
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
            "area": p.target.scope.name,
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


# Publishing ------------------------------------------------------------------------------


@transaction.atomic
def bulletin_publish(
    *,
    user: AbstractBaseUser,
    subdistrict: Subdistrict,
    on: date,
    unreported_confirmed: bool = False,
) -> Bulletin:
    """Freeze the day's figures of ``subdistrict`` as its bulletin for ``on``.

    ``PermissionDenied`` outside the user's scope (leaders publish nothing);
    ``BulletinRejected`` for a future day, a day without figures, figures still being
    updated, a day already published, or sites open that day that have not reported,
    unless the publisher confirms (``unreported_confirmed``) that the day is in anyway.
    """
    scope = staff_scope_for(user)
    if not subdistricts_publishable_by(scope).filter(pk=subdistrict.pk).exists():
        raise PermissionDenied(_("You may not publish bulletins for this subdistrict."))
    shown = date_format(on, "Y-m-d")
    if on > today():
        raise BulletinRejected(
            _("%(date)s is still to come; it cannot be published yet.") % {"date": shown}
        )
    if Bulletin.objects.filter(subdistrict=subdistrict, date=on).exists():
        raise BulletinRejected(
            _("The bulletin of %(date)s has already been published.") % {"date": shown}
        )
    if StaleDate.objects.filter(date__lte=on).exists():
        raise BulletinRejected(
            _("The figures of %(date)s are being updated; publish again in a minute.")
            % {"date": shown}
        )
    figures = bulletin_figures(subdistrict=subdistrict, on=on)
    if figures is None:
        raise BulletinRejected(_("There are no figures for %(date)s yet.") % {"date": shown})
    unreported = figures["totals"]["sites_unreported"]
    if unreported and not unreported_confirmed:
        raise BulletinRejected(
            ngettext(
                "%(count)d site open on %(date)s has not reported yet. Wait for it, or "
                'tick "publish anyway" if it will not report.',
                "%(count)d sites open on %(date)s have not reported yet. Wait for them, or "
                'tick "publish anyway" if they will not report.',
                unreported,
            )
            % {"count": unreported, "date": shown}
        )
    bulletin = Bulletin(
        subdistrict=subdistrict,
        date=on,
        published_by=user,
        published_by_name=user.get_full_name() or user.get_username(),
        published_at=timezone.now(),
        data_as_of=datetime.fromisoformat(figures["computed_at"]),
        figures=figures,
    )
    try:
        bulletin.full_clean()
    except ValidationError as error:
        raise BulletinRejected(" ".join(error.messages)) from error
    try:
        with transaction.atomic():
            bulletin.save()
    except IntegrityError as error:  # published by somebody else at the same moment
        raise BulletinRejected(
            _("The bulletin of %(date)s has already been published.") % {"date": shown}
        ) from error
    audit_record(
        kind=AuditEvent.Kind.PUBLISHED,
        user=user,
        detail={
            "bulletin_id": bulletin.pk,
            "area": "subdistrict",
            "code": subdistrict.code,
            "name": subdistrict.name,
            "date": on.isoformat(),
            "data_as_of": figures["computed_at"],
        },
    )
    return bulletin


# Reading a bulletin ----------------------------------------------------------------------


def bulletin_corrections(bulletin: Bulletin):
    """Tally changes saved after publication that alter its figures: any change of the
    subdistrict's tallies dated on or before the bulletin's day, newest first."""
    return (
        DailyTally.history.filter(
            site__subdistrict_id=bulletin.subdistrict_id,
            date__lte=bulletin.date,
            history_date__gt=bulletin.published_at,
        )
        .select_related("history_user", "committee", "site")
        .order_by("-history_date", "-history_id")
    )


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
        return round(then, 2) == round(now, 2)
    return then == now


def figure_differences(published: dict, current: dict | None) -> list[Difference]:
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


def bulletin_restatement(bulletin: Bulletin) -> tuple[bool, dict | None]:
    """Whether ``bulletin`` (from ``bulletins_visible_to``) is restated, and the day's
    current figures. Restated when a tally it counts changed after publication, or when
    the current totals differ from the frozen ones anyway: a correction saved while the
    bulletin was being published is dated before ``published_at`` yet not in its copy."""
    current = bulletin_figures(subdistrict=bulletin.subdistrict, on=bulletin.date)
    differs = bool(figure_differences(bulletin.figures, current))
    return bulletin.restated or differs, current


@dataclass
class BulletinSections:
    """The parts of the one-page bulletin, picked from its figures."""

    figures: dict
    top: list[dict] = field(default_factory=list)
    bottom: list[dict] = field(default_factory=list)
    risers: list[dict] = field(default_factory=list)
    fallers: list[dict] = field(default_factory=list)
    targets: list[dict] = field(default_factory=list)  # with dates as dates
    more_targets: int = 0  # targets not shown
    unreported: list[dict] = field(default_factory=list)
    more_unreported: int = 0  # sites not shown

    @property
    def date(self) -> date:
        return date.fromisoformat(self.figures["date"])

    @property
    def first_people(self) -> int:
        """The people shown beside the first-dose coverage: its residents. A bulletin
        published before they were kept shows what it showed then."""
        return first_people(self.figures["totals"])

    @property
    def full_course_people(self) -> int:
        return full_course_people(self.figures["totals"])


def first_people(totals: dict) -> int:
    return totals.get("residents_first_cumulative", totals["first_cumulative"])


def full_course_people(totals: dict) -> int:
    return totals.get("residents_full_course_cumulative", totals["full_course_cumulative"])


def bulletin_sections(figures: dict) -> BulletinSections:
    """Top and bottom committees (no committee twice), the biggest rank changes, and the
    targets (not reached yet first) and silent sites, each list cut to fit the sheet."""
    rows = [
        {**r, "up": max(r["change"] or 0, 0), "down": max(-(r["change"] or 0), 0)}
        for r in figures["committees"]
    ]
    risers = sorted((r for r in rows if r["up"]), key=lambda r: -r["up"])
    fallers = sorted((r for r in rows if r["down"]), key=lambda r: -r["down"])
    targets = [
        {
            **t,
            "period_end": date.fromisoformat(t["period_end"]),
            "reached_on": date.fromisoformat(t["reached_on"]) if t["reached_on"] else None,
        }
        for t in figures["targets"]
    ]
    targets.sort(key=lambda t: t["reached_on"] is not None)  # stable: unreached first
    unreported = figures["unreported"]
    return BulletinSections(
        figures=figures,
        top=rows[:TOP],
        bottom=rows[max(TOP, len(rows) - TOP) :],
        risers=risers[:MOVERS],
        fallers=fallers[:MOVERS],
        targets=targets[:TARGETS_SHOWN],
        more_targets=max(len(targets) - TARGETS_SHOWN, 0),
        unreported=unreported[:UNREPORTED_SHOWN],
        more_unreported=max(len(unreported) - UNREPORTED_SHOWN, 0),
    )


# The bulletin as a workbook --------------------------------------------------------------


def bulletin_xlsx(figures: dict, *, published: list[tuple[str, CellValue]]) -> bytes:
    """Four sheets: the totals (with who published it and when), every committee's row,
    the targets, the sites that did not report. Text stays text (see ``exports``)."""
    totals = figures["totals"]
    metric_labels = dict(Target.Metric.choices)
    kind_labels = dict(Site.Kind.choices)
    summary = [
        (_("subdistrict"), figures["subdistrict"]["name"]),
        (_("date"), date.fromisoformat(figures["date"])),
        *published,
        (_("doses today"), totals["doses_today"]),
        (_("first doses today"), totals["first_doses"]),
        (_("second doses today"), totals["second_doses"]),
        (_("booster doses today"), totals["booster_doses"]),
        (_("doses, cumulative"), totals["doses_cumulative"]),
        (_("first doses at its sites, cumulative"), totals["first_cumulative"]),
        (_("full courses at its sites, cumulative"), totals["full_course_cumulative"]),
        *(
            [
                (_("residents with a first dose"), totals["residents_first_cumulative"]),
                (_("residents with a full course"), totals["residents_full_course_cumulative"]),
            ]
            if "residents_first_cumulative" in totals
            else []
        ),
        (_("first-dose coverage (%)"), _round(totals["first_percent"])),
        (_("full-course coverage (%)"), _round(totals["full_course_percent"])),
        (_("rank in district"), totals["rank_in_district"]),
        (_("sites open"), totals["sites_open"]),
        (_("sites that did not report"), totals["sites_unreported"]),
    ]
    sheets = [
        (_("bulletin"), Table([_("figure"), _("value")], summary)),
        (
            _("ranking"),
            Table(
                [
                    _("rank"),
                    _("rank change in subdistrict"),
                    _("committee code"),
                    _("committee"),
                    _("doses today"),
                    _("first doses, cumulative"),
                    _("first-dose coverage (%)"),
                    _("full-course coverage (%)"),
                ],
                [
                    (
                        r["rank"],
                        r["change"],
                        r["code"],
                        r["name"],
                        r["doses_today"],
                        r["first_cumulative"],
                        _round(r["first_percent"]),
                        _round(r["full_course_percent"]),
                    )
                    for r in figures["committees"]
                ],
            ),
        ),
        (
            _("targets"),
            Table(
                [
                    _("target"),
                    _("area"),
                    _("metric"),
                    _("period end"),
                    _("target value"),
                    _("achieved"),
                    _("completion (%)"),
                    _("remaining"),
                    _("days left"),
                    _("reached on"),
                ],
                [
                    (
                        t["name"],
                        t["area"],
                        str(metric_labels.get(t["metric"], t["metric"])),
                        date.fromisoformat(t["period_end"]),
                        t["value"],
                        t["achieved"],
                        t["percent"],
                        t["remaining"],
                        t["days_left"],
                        date.fromisoformat(t["reached_on"]) if t["reached_on"] else None,
                    )
                    for t in figures["targets"]
                ],
            ),
        ),
        (
            _("not reported"),
            Table(
                [_("site code"), _("site"), _("kind")],
                [
                    (s["code"], s["name"], str(kind_labels.get(s["kind"], s["kind"])))
                    for s in figures["unreported"]
                ],
            ),
        ),
    ]
    return to_xlsx_book(sheets)
