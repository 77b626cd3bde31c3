"""Exports: daily tallies, the ranking and target progress, read as a ``Table``.

The selectors here return a ``Table``: headers in the user's language and plain values
(numbers stay numbers, dates stay dates), read in one query however many rows. The writers
in ``reports.presentation.exports`` turn a table into a CSV or XLSX file.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date
from typing import Any

from django.db.models import Case, F, IntegerField, Value, When
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from campaign.access import is_committee_staff
from campaign.areas import Area
from campaign.models import StaffScope
from campaign.users import name_from
from reports.presentation.exports import ROW_LIMITS, CellValue, ExportTooLarge, Table
from reports.selectors.ranking import committee_ranking, targets_in_scope
from sites.models import DailyTally, Site
from sites.resources import TEMPLATE_COLUMNS, TEMPLATE_HEADERS
from sites.selectors.tallies import sites_visible_to

# The columns an exported tally file shares with the tally import carry the headers of the
# import's template, so an exported file can be corrected and imported again. The other
# columns are translated with gettext and must not be names the import reads ("site" and
# "committee" mean the codes there).


DOSE_ORDER = Case(
    When(dose_kind=DailyTally.DoseKind.FIRST, then=Value(0)),
    When(dose_kind=DailyTally.DoseKind.SECOND, then=Value(1)),
    default=Value(2),
    output_field=IntegerField(),
)


def tally_export(
    scope: StaffScope | None,
    *,
    start: date,
    end: date,
    site: Site | None = None,
    limit: int = ROW_LIMITS["csv"],
) -> Table:
    """The tallies of the sites the scope may see (committee staff: their committee's),
    from ``start`` to ``end`` inclusive, oldest first; raises ExportTooLarge above
    ``limit`` rows."""
    tallies = DailyTally.objects.filter(
        site__in=sites_visible_to(scope), date__gte=start, date__lte=end
    )
    if is_committee_staff(scope):  # what they may enter
        tallies = tallies.filter(committee_id__in=[scope.committee_id])
    if site is not None:
        tallies = tallies.filter(site=site)
    records = list(
        tallies.order_by(
            "date", "site__code", F("committee__code").asc(nulls_last=True), DOSE_ORDER
        ).values_list(
            "date",
            "site__code",
            "site__name",
            "committee__code",
            "committee__name",
            "dose_kind",
            "count",
            "source",
            "entered_by__username",
            "entered_by__first_name",
            "entered_by__last_name",
            "updated_at",
        )[: limit + 1]
    )
    if len(records) > limit:
        raise ExportTooLarge(
            _("More than %(limit)s tallies match: choose a shorter period or one site.")
            % {"limit": f"{limit:,}"}
        )
    language = _import_language()
    imported = dict(zip(TEMPLATE_COLUMNS, TEMPLATE_HEADERS[language], strict=True))
    headers = [
        imported["date"],
        imported["site_code"],
        _("site name"),
        imported["committee_code"],
        _("committee name"),
        imported["dose"],
        imported["count"],
        _("source"),
        _("entered by"),
        _("saved at"),
    ]
    # Doses as the import reads them: 第一剂, 第二剂, 加强针 in Chinese; first, second,
    # booster in English.
    doses = {
        kind: kind if language == "en" else str(label)
        for kind, label in DailyTally.DoseKind.choices
    }
    sources = {kind: str(label) for kind, label in DailyTally.Source.choices}
    non_residents = _("Non-residents")
    rows = [
        (
            day,
            site_code,
            site_name,
            committee_code or "",
            committee_name if committee_code is not None else non_residents,
            doses.get(dose_kind, dose_kind),
            count,
            sources.get(source, source),
            name_from(username, first_name, last_name),
            timezone.localtime(saved_at).replace(tzinfo=None, microsecond=0),
        )
        for (
            day,
            site_code,
            site_name,
            committee_code,
            committee_name,
            dose_kind,
            count,
            source,
            username,
            first_name,
            last_name,
            saved_at,
        ) in records
    ]
    return Table(headers, rows)


def _import_language() -> str:
    return "en" if (translation.get_language() or "").startswith("en") else "zh-hans"


def ranking_export(area: Area, *, on: date, metric: str) -> Table:
    """The ranking page's table, row for row: same area, date and order."""
    headers = [
        _("rank"),
        _("committee code"),
        _("committee"),
        _("subdistrict"),
        _("doses today"),
        _("first doses, cumulative"),
        _("first-dose coverage (%)"),
        _("full-course coverage (%)"),
        {"subdistrict": _("rank change in subdistrict"), "district": _("rank change in district")}[
            area.kind
        ],
        _("target completion (%)"),
    ]
    ranking: Iterable[tuple[Any, ...]] = committee_ranking(area, on=on, metric=metric).values_list(
        "rank",
        "committee__code",
        "committee__name",
        "subdistrict__name",
        "doses_today",
        "first_cumulative",
        "first_percent",
        "full_course_percent",
        "change",
        "target_percent",
    )
    rows: list[tuple[CellValue, ...]] = [
        (*columns, _round(first_pc), _round(full_pc), change, _round(target_pc))
        for *columns, first_pc, full_pc, change, target_pc in ranking
    ]
    return Table(headers, rows)


def target_export(scope: StaffScope | None, *, on: date) -> Table:
    """The targets page's list: every target in scope started by ``on``, with its progress."""
    headers = [
        _("target"),
        _("area"),
        _("metric"),
        _("period start"),
        _("period end"),
        _("target value"),
        _("achieved"),
        _("completion (%)"),
        _("remaining"),
        _("daily pace needed"),
        _("projected completion"),
        _("reached on"),
        _("days early"),
    ]
    rows = [
        (
            target.name,
            target.area.name if target.area else "",
            target.get_metric_display(),
            target.period_start,
            target.period_end,
            target.value,
            target.achieved,
            _round(target.percent),
            target.remaining,
            target.pace_needed,
            target.projected_on,
            target.reached_on,
            target.days_early,
        )
        for target in targets_in_scope(scope, on=on)
    ]
    return Table(headers, rows)


def _round(value: float | None) -> float | None:
    return None if value is None else round(value, 2)
