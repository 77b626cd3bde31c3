"""Dashboards: ranking, target progress, committee detail, and their exports.

The dashboards read snapshots only; the tally export reads the tallies themselves.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Callable, Mapping
from datetime import date, timedelta
from typing import Any
from urllib.parse import urlencode

from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db.models import Q
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from campaign.access import (
    committees_visible_to,
    openable_committees,
    sees_build_failures,
    staff_scope_for,
)
from campaign.areas import Area
from campaign.clock import today
from campaign.models import Committee, Target
from campaign.request_params import (
    area_param,
    checked_day,
    day_param,
    page_param,
    parse_id,
    search_param,
)
from campaign.selectors import campaign_day, golden_shield_summary
from reports.presentation.exports import ROW_LIMITS, ExportTooLarge, Table, to_csv, to_xlsx
from reports.presentation.figures import one_decimal
from reports.selectors.exports import ranking_export, tally_export, target_export
from reports.selectors.quality import MarkedRows, committee_marks
from reports.selectors.ranking import (
    RANKING_METRICS,
    SECOND_DOSE_DAYS_AHEAD,
    SECOND_DOSE_SORTS,
    committee_ranking,
    committee_series,
    freshness,
    latest_snapshot_date,
    ranking_chart_rows,
    second_dose_committees,
    second_dose_default_sort,
    second_dose_schedule,
    second_dose_subdistricts,
    second_dose_totals,
    second_dose_weeks,
    second_dose_window,
    subdistrict_ranking,
    target_series,
    targets_in_scope,
)
from reports.selectors.stamps import snapshot_page_stamp
from reports.selectors.targets import Urgency, targets_by_urgency
from reports.views.conditional import page_release, revalidated
from reports.views.downloads import audited_attachment
from sites.selectors.tallies import sites_visible_to


def _date_param(request: HttpRequest) -> date:
    """The date asked for, else the latest day with snapshots (today while it runs)."""
    return day_param(request.GET) or latest_snapshot_date(today()) or today()


METRIC_LABELS = {
    "first_coverage": gettext_lazy("first-dose coverage"),
    "full_course_coverage": gettext_lazy("full-course coverage"),
    "doses_today": gettext_lazy("doses today"),
    "target_percent": gettext_lazy("target completion"),
}
# The table's figures in their order; the one ranked by comes first, after the name.
TABLE_HEADERS = {
    "doses_today": gettext_lazy("Today"),
    "first_coverage": gettext_lazy("First-dose coverage"),
    "full_course_coverage": gettext_lazy("Full-course coverage"),
    "target_percent": gettext_lazy("Target"),
}
CHART_EACH_END = 10  # the chart shows the first ten and the last ten
RANKING_PAGE_SIZE = 100  # a district of 1,350 committees is 14 pages, not one 600-KB page
# The figure of each measure on a ranking row (a CommitteeDay or a subdistrict's dict).
MEASURE_FIELDS = {
    "first_coverage": "first_percent",
    "full_course_coverage": "full_course_percent",
    "doses_today": "doses_today",
    "target_percent": "target_percent",
}


def _figure(row: Any, metric: str) -> float | int | None:
    """The figure a row is ranked by, as the table writes it: a percentage to one decimal
    (the bulletin's rounding), doses as they are, None without a figure (no target)."""
    field = MEASURE_FIELDS[metric]
    value = row[field] if isinstance(row, Mapping) else getattr(row, field)
    if value is None or metric == "doses_today":
        return value
    return one_decimal(value)


def _ranking_chart(rows: list[Any], metric: str, *, level: str, every_row: bool) -> dict:
    """The chart of the first and last CHART_EACH_END rows (``rows`` holds them, best
    first, and no row without a figure), a gap between them, and a caption saying so."""
    names: list[str] = []
    ranks: list[int | None] = []  # drawn before each name: "12. 万里雅筑居民区"
    values: list[float | int | None] = []
    for number, row in enumerate(rows):
        if number == CHART_EACH_END and not every_row:
            # The gap between the top and the bottom of the ranking: no bar.
            names.append("…")
            ranks.append(None)
            values.append(None)
        names.append(row["name"] if isinstance(row, Mapping) else row.committee.name)
        ranks.append(row["rank"] if isinstance(row, Mapping) else row.rank)
        values.append(_figure(row, metric))
    measure = METRIC_LABELS[metric]
    if every_row:
        caption = (
            _("All %(count)s subdistricts, by %(measure)s")
            if level == "subdistrict"
            else _("All %(count)s committees, by %(measure)s")
        ) % {"count": len(rows), "measure": measure}
    else:
        caption = _("Top %(count)s and bottom %(count)s, by %(measure)s") % {
            "count": CHART_EACH_END,
            "measure": measure,
        }
    if metric == "target_percent":
        caption += _("; areas without a target are not drawn")
    return {
        "names": names,
        "ranks": ranks,
        "values": values,
        "percent": metric != "doses_today",
        "label": str(measure),
        "caption": caption,
    }


def _ranking_choice(request: HttpRequest) -> tuple[list[Area], Area, str]:
    """The areas the user may rank and the area and metric asked for. Without an area the
    user's first is shown; an area outside the scope answers 404, like any other object
    outside it; an unknown metric falls back to the official one."""
    areas, area = area_param(staff_scope_for(request.user), request.GET.get("area"))
    metric = request.GET.get("sort", "first_coverage")
    if metric not in RANKING_METRICS:
        metric = "first_coverage"
    return areas, area, metric


def _ranking_params(request: HttpRequest) -> tuple[list[Area], Area, str, date]:
    """``_ranking_choice`` and the date asked for."""
    return *_ranking_choice(request), _date_param(request)


# The ranking is the page's weight, and it changes only when the snapshot does. So the
# template keeps everything below the heading, rendered, in Django's (shared) cache
# ({% cache %}), keyed by what it shows: the area, level, metric, day, page and search, the
# snapshot pages' stamp (reports/selectors/stamps.py: when the snapshot was computed, the
# rebuilds waiting, the flags, building counts, campaigns and targets), the release
# (templates and translations), the language and what of it depends on the asker (the
# areas they may pick, the committees they may open, whether they see why a build
# failed). What it shows is passed as callables run once when first asked for, so on a
# cache hit none of its queries run: a leader's first visit of the morning renders the
# menu around the kept ranking. The timeout bounds how long a renamed committee keeps its
# old name.
RANKING_SECONDS = 300
_once = functools.cache  # a callable for the template: run when first asked for, once


@revalidated
def ranking(request: HttpRequest) -> HttpResponse:
    scope = staff_scope_for(request.user)
    areas, area, metric = _ranking_choice(request)
    # The day shown and the stamp of what it shows, kept in the cache a few seconds.
    on, stamp = snapshot_page_stamp(asked=day_param(request.GET), today=today())
    # A district ranks its subdistricts too (?by=subdistrict); a subdistrict its committees.
    by_subdistrict = area.has_subdistricts and request.GET.get("by") == "subdistrict"
    level = "subdistrict" if by_subdistrict else "committee"
    search = "" if by_subdistrict else search_param(request.GET)
    page_number = page_param(request.GET)
    shown = {"area": area.key, "sort": metric, "date": on.isoformat()}

    def page_url(number: int) -> str:
        return "?" + urlencode({**shown, **({"q": search} if search else {}), "page": number})

    def committee_table() -> dict:
        page = Paginator(
            committee_ranking(area, on=on, metric=metric, search=search), RANKING_PAGE_SIZE
        ).get_page(page_number)
        # Each row carries the marks of its committee's open flags.
        rows = MarkedRows(page.object_list, lambda: committee_marks(area.through_committee()))
        top_and_bottom = ranking_chart_rows(area, on=on, metric=metric, each_end=CHART_EACH_END)
        # The first and the last rows meet when the ranking has no more than 2 × 10.
        every_row = not top_and_bottom or top_and_bottom[-1].from_top == len(top_and_bottom)
        return {
            "rows": rows,
            "page": page,
            "pages": {
                "first": page_url(1),
                "previous": page_url(page.number - 1) if page.has_previous() else None,
                "next": page_url(page.number + 1) if page.has_next() else None,
                "last": page_url(page.paginator.num_pages),
            },
            "chart": _ranking_chart(top_and_bottom, metric, level="committee", every_row=every_row),
        }

    def subdistrict_table() -> dict:
        rows = subdistrict_ranking(area, on=on, metric=metric)
        drawn = [row for row in rows if row["metric_value"] is not None]
        every_row = len(drawn) <= 2 * CHART_EACH_END
        if not every_row:
            drawn = drawn[:CHART_EACH_END] + drawn[-CHART_EACH_END:]
        return {
            "rows": rows,
            "page": None,
            "chart": _ranking_chart(drawn, metric, level="subdistrict", every_row=every_row),
        }

    # Committee staff may open their own committee's page only.
    openable = openable_committees(scope)
    asker = [
        [choice.key for choice in areas],
        sorted(openable) if openable is not None else "all",
        sees_build_failures(scope),
    ]
    return render(
        request,
        "reports/ranking.html",
        {
            "areas": areas,
            "area": area,
            "metric": metric,
            "metric_header": TABLE_HEADERS[metric],
            # The other figures: on a phone, behind the "more columns" switch.
            "other_measures": [
                (measure, header) for measure, header in TABLE_HEADERS.items() if measure != metric
            ],
            "level": level,
            "search": search,
            "page_number": page_number,
            "on": on,
            "level_urls": {
                "committee": "?" + urlencode(shown),
                "subdistrict": "?" + urlencode({**shown, "by": "subdistrict"}),
            },
            "openable": openable,
            "ranking_table": subdistrict_table if level == "subdistrict" else committee_table,
            "ranking_seconds": RANKING_SECONDS,
            "ranking_kept_for": [stamp, page_release(), asker],
            "freshness": _once(lambda: freshness(on, scope=scope)),
            "campaign_day": _once(lambda: campaign_day(on=on)),
            "export_query": urlencode(shown),
            "golden_shield": _once(
                lambda: golden_shield_summary(area.subdistricts_among(areas), on=on)
            ),
        },
    )


@revalidated
def targets(request: HttpRequest) -> HttpResponse:
    scope = staff_scope_for(request.user)
    if scope is None:
        raise Http404
    on = _date_param(request)
    # At risk first, then on track, no data, reached and missed (reports.selectors.targets).
    listed = targets_by_urgency(scope, on=on)
    asked = parse_id(request.GET.get("target"))
    # A target outside the scope answers 404; one not started by ``on`` too. Without one
    # asked for, the chart shows the most urgent.
    chosen: Target | None = (
        get_object_or_404(targets_in_scope(scope, on=on), pk=asked)
        if asked is not None
        else (listed[0].target if listed else None)
    )
    series = target_series(chosen, on=on) if chosen else []
    return render(
        request,
        "reports/targets.html",
        {
            "targets": listed,
            "urgencies": list(Urgency),
            "chosen": chosen,
            "chart": {
                "dates": [row["date"].isoformat() for row in series],
                "achieved": [row["achieved"] for row in series],
                "target": chosen.value if chosen else None,
                "labels": {"achieved": _("achieved"), "target": _("target")},
            },
            "on": on,
            "freshness": freshness(on, scope=scope),
            "campaign_day": campaign_day(on=on),
        },
    )


@revalidated
def committee_detail(request: HttpRequest, committee_id: int) -> HttpResponse:
    scope = staff_scope_for(request.user)
    committee = get_object_or_404(committees_visible_to(scope), pk=committee_id)
    on = _date_param(request)
    series = committee_series(committee.pk, on=on)
    marks = committee_marks(Q(committee=committee))
    return render(
        request,
        "reports/committee.html",
        {
            "committee": committee,
            "latest": series[-1] if series else None,
            "rows": list(reversed(series[-14:])),
            "chart": {
                "dates": [row["date"].isoformat() for row in series],
                "daily": [row["doses_today"] for row in series],
                # Rounded as the table and the facts write them (floatformat:1).
                "first": [one_decimal(row["first_percent"]) for row in series],
                "full_course": [one_decimal(row["full_course_percent"]) for row in series],
                "labels": {
                    "daily": _("doses that day"),
                    "first": _("first-dose coverage"),
                    "full_course": _("full-course coverage"),
                },
            },
            "on": on,
            "freshness": freshness(on, scope=scope),
            "mark": marks.get(committee.pk),
        },
    )


# Exports: the same figures as files. ?format=csv (the default) or ?format=xlsx.

EXPORT_FORMATS: dict[str, tuple[str, Callable[[Table, str], bytes]]] = {
    "csv": ("text/csv; charset=utf-8", lambda table, _name: to_csv(table.headers, table.rows)),
    "xlsx": (
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        lambda table, name: to_xlsx(table.headers, table.rows, sheet_title=name),
    ),
}


def _export_format(request: HttpRequest) -> str:
    kind = request.GET.get("format") or "csv"
    if kind not in EXPORT_FORMATS:
        raise Http404
    return kind


def _download(request: HttpRequest, table: Table, *, kind: str, stem: str) -> HttpResponse:
    """The file as an attachment named ``<stem>.<kind>``; the sheet is named after the
    stem's first word (tallies, ranking, targets). Every export is in the audit trail."""
    content_type, write = EXPORT_FORMATS[kind]
    return audited_attachment(
        request,
        write(table, stem.split("-")[0]),
        content_type=content_type,
        filename=f"{stem}.{kind}",
        detail={"rows": len(table.rows)},
    )


def _ascii(text: str, *, fallback: str) -> str:
    """A piece of a file name every browser and mail client keeps as it is."""
    return re.sub(r"[^A-Za-z0-9_-]+", "-", text).strip("-") or fallback


def _export_error(request: HttpRequest, message: str) -> HttpResponse:
    return render(request, "reports/export_error.html", {"message": message}, status=400)


def _period_params(request: HttpRequest) -> tuple[date, date]:
    """?from=&to= as YYYY-MM-DD; by default the last 7 days up to today. Raises ValueError
    with a message for the user."""
    dates = {}
    for name in ("from", "to"):
        try:
            dates[name] = checked_day(request.GET.get(name))
        except ValidationError as error:
            raise ValueError(error.messages[0]) from error
    end = dates["to"] or today()
    start = dates["from"] or end - timedelta(days=6)
    if start > end:
        raise ValueError(_("The start date must not be after the end date."))
    return start, end


def export_tallies(request: HttpRequest) -> HttpResponse:
    scope = staff_scope_for(request.user)
    if scope is None:
        raise Http404
    kind = _export_format(request)
    site = None
    site_id = parse_id(request.GET.get("site"))
    if site_id is not None:
        site = get_object_or_404(sites_visible_to(scope), pk=site_id)
    try:
        start, end = _period_params(request)
    except ValueError as error:
        return _export_error(request, str(error))
    try:
        table = tally_export(scope, start=start, end=end, site=site, limit=ROW_LIMITS[kind])
    except ExportTooLarge as error:
        return _export_error(request, str(error))
    parts = ["tallies"]
    if site is not None:
        parts.append(_ascii(site.code, fallback=str(site.pk)))
    stem = "-".join([*parts, start.isoformat(), end.isoformat()])
    return _download(request, table, kind=kind, stem=stem)


def export_ranking(request: HttpRequest) -> HttpResponse:
    """The ranking page's table for the same area, sort and date."""
    _areas, area, metric, on = _ranking_params(request)
    kind = _export_format(request)
    table = ranking_export(area, on=on, metric=metric)
    parts = ["ranking", _ascii(area.obj.code, fallback=f"{area.kind}-{area.obj.pk}")]
    parts.append(on.isoformat())
    if metric != "first_coverage":
        parts.append(metric)
    return _download(request, table, kind=kind, stem="-".join(parts))


def export_targets(request: HttpRequest) -> HttpResponse:
    scope = staff_scope_for(request.user)
    if scope is None:
        raise Http404
    kind = _export_format(request)
    on = _date_param(request)
    return _download(
        request, target_export(scope, on=on), kind=kind, stem=f"targets-{on.isoformat()}"
    )


# Second-dose due list (待接种第二剂): an estimate from aggregate counts, see
# reports.selectors for the definitions.

SECOND_DOSE_SORT_LABELS = {
    "overdue": gettext_lazy("overdue"),
    "due_now": gettext_lazy("due now"),
    "due_next_7_days": gettext_lazy("due in the next 7 days"),
    "code": gettext_lazy("code"),
}


def _second_dose_day(asked: date) -> tuple[date, date | None]:
    """The formulas need the snapshot row of T itself: a day without snapshots (after the
    last rebuilt day, or a gap) shows the latest day with snapshots on or before it.
    Returns (the day shown, the day asked when it differs)."""
    shown = latest_snapshot_date(asked)
    if shown is None or shown == asked:
        return asked, None
    return shown, asked


def second_doses(request: HttpRequest) -> HttpResponse:
    """The district or subdistrict overview: per subdistrict (for a district) or per
    committee, people overdue, due now and due in the next 7 days."""
    areas, area, _metric, asked = _ranking_params(request)
    on, clamped_from = _second_dose_day(asked)
    scope = staff_scope_for(request.user)
    window = second_dose_window(on=on)
    sort = request.GET.get("sort", "")
    if sort not in SECOND_DOSE_SORTS:
        sort = (
            second_dose_default_sort(second_dose_totals(area.committees(), window))
            if window is not None
            else "overdue"
        )
    # A district lists its subdistricts, or all its committees with ?by=committee.
    by_committee = not area.has_subdistricts or request.GET.get("by") == "committee"
    committees = area.committees()
    subdistrict_rows: list[Mapping[str, Any]] = []
    committee_rows: list[Committee] = []
    if window is not None and by_committee:
        committee_rows = list(second_dose_committees(committees, window, sort=sort))
    elif window is not None:
        subdistrict_rows = second_dose_subdistricts(committees, window, sort=sort)
    return render(
        request,
        "reports/second_doses.html",
        {
            "areas": areas,
            "area": area,
            "sort": sort,
            "sorts": SECOND_DOSE_SORT_LABELS,
            "by_committee": by_committee,
            "on": on,
            "clamped_from": clamped_from,
            "window": window,
            "subdistrict_rows": subdistrict_rows,
            "committee_rows": committee_rows,
            "openable": openable_committees(scope),
            "freshness": freshness(on, scope=scope),
            "campaign_day": campaign_day(on=on),
        },
    )


def second_dose_committee(request: HttpRequest, committee_id: int) -> HttpResponse:
    """One committee: due now, overdue, and the next 14 days and 8 weeks."""
    scope = staff_scope_for(request.user)
    committee = get_object_or_404(committees_visible_to(scope), pk=committee_id)
    on, clamped_from = _second_dose_day(_date_param(request))
    window = second_dose_window(on=on)
    context = {
        "committee": committee,
        "on": on,
        "clamped_from": clamped_from,
        "window": window,
        "freshness": freshness(on, scope=scope),
    }
    if window is not None:
        schedule = second_dose_schedule(committee, window)
        weeks = second_dose_weeks(schedule)
        days = schedule[:SECOND_DOSE_DAYS_AHEAD]
        context.update(
            {
                "totals": second_dose_committees(
                    Committee.objects.filter(pk=committee.pk), window
                ).first(),
                "days": days,
                "weeks": weeks,
                "chart": {
                    "days": [row.day.strftime("%m-%d") for row in days],
                    "day_values": [row.due for row in days],
                    "weeks": [f"{w.start:%m-%d}–{w.end:%m-%d}" for w in weeks],
                    "week_values": [w.due for w in weeks],
                    "labels": {
                        "days": _("second doses becoming due, by day"),
                        "weeks": _("second doses becoming due, by week"),
                    },
                },
            }
        )
    return render(request, "reports/second_dose_committee.html", context)
