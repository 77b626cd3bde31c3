"""Dashboards: ranking, target progress, committee detail. They read snapshots only."""

from __future__ import annotations

from datetime import date

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from campaign.clock import today
from campaign.selectors import campaign_day, committees_visible_to, staff_scope_for
from reports.selectors import (
    RANKING_METRICS,
    committee_ranking,
    committee_series,
    freshness,
    latest_snapshot_date,
    ranking_areas,
    target_series,
    targets_in_scope,
)


def _date_param(request: HttpRequest) -> date:
    """The date asked for, else the latest day with snapshots (today while it runs)."""
    try:
        asked = date.fromisoformat(request.GET["date"]) if request.GET.get("date") else None
    except ValueError as error:
        raise Http404 from error
    return asked or latest_snapshot_date(today()) or today()


METRIC_LABELS = {
    "first_coverage": gettext_lazy("first-dose coverage"),
    "full_course_coverage": gettext_lazy("full-course coverage"),
    "doses_today": gettext_lazy("doses today"),
    "target_percent": gettext_lazy("target completion"),
}
CHART_ROWS = 20  # a phone shows the top of the ranking; the table has every committee


def _chart_value(row, metric: str) -> float:
    value = row.metric_value or 0
    return round(100 * value, 2) if metric.endswith("coverage") else round(value, 1)


def ranking(request: HttpRequest) -> HttpResponse:
    scope = staff_scope_for(request.user)
    areas = ranking_areas(scope)
    if not areas:
        raise Http404
    area = next((a for a in areas if a.key == request.GET.get("area")), areas[0])
    metric = request.GET.get("sort", "first_coverage")
    if metric not in RANKING_METRICS:
        metric = "first_coverage"
    on = _date_param(request)
    rows = list(committee_ranking(area, on=on, metric=metric))
    return render(
        request,
        "reports/ranking.html",
        {
            "areas": areas,
            "area": area,
            "metric": metric,
            "on": on,
            "rows": rows,
            "chart": {
                "names": [row.committee.name for row in rows[:CHART_ROWS]],
                "values": [_chart_value(row, metric) for row in rows[:CHART_ROWS]],
                "percent": metric != "doses_today",
                "label": str(METRIC_LABELS[metric]),
            },
            "freshness": freshness(on),
            "campaign_day": campaign_day(on=on),
        },
    )


def targets(request: HttpRequest) -> HttpResponse:
    scope = staff_scope_for(request.user)
    if scope is None:
        raise Http404
    on = _date_param(request)
    visible = targets_in_scope(scope, on=on)
    chosen = (
        visible.filter(pk=request.GET.get("target")).first()
        if request.GET.get("target", "").isdigit()
        else None
    )
    chosen = chosen or visible.first()
    series = target_series(chosen, on=on) if chosen else []
    return render(
        request,
        "reports/targets.html",
        {
            "targets": visible,
            "chosen": chosen,
            "chart": {
                "dates": [row["date"].isoformat() for row in series],
                "achieved": [row["achieved"] for row in series],
                "target": chosen.value if chosen else None,
                "labels": {"achieved": _("achieved"), "target": _("target")},
            },
            "on": on,
            "freshness": freshness(on),
            "campaign_day": campaign_day(on=on),
        },
    )


def committee_detail(request: HttpRequest, committee_id: int) -> HttpResponse:
    scope = staff_scope_for(request.user)
    committee = get_object_or_404(committees_visible_to(scope), pk=committee_id)
    on = _date_param(request)
    series = committee_series(committee.pk, on=on)
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
                "first": [round(row["first_percent"], 2) for row in series],
                "full_course": [round(row["full_course_percent"], 2) for row in series],
                "labels": {
                    "daily": _("doses that day"),
                    "first": _("first-dose coverage"),
                    "full_course": _("full-course coverage"),
                },
            },
            "on": on,
            "freshness": freshness(on),
        },
    )
