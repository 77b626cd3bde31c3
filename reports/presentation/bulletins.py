"""The bulletin as a page, an image and a sheet: its sections and its XLSX file."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from django.utils.translation import gettext as _

from campaign.models import Target
from reports.presentation.exports import CellValue, Table, to_xlsx_book
from sites.models import Site

TOP = 5  # committees shown at the top and at the bottom of the ranking
MOVERS = 3  # committees shown among the biggest risers and fallers
# The bulletin is one A4 sheet and one phone image: longer lists are cut, with "… 另有 N 项".
TARGETS_SHOWN = 8  # targets not reached yet first
UNREPORTED_SHOWN = 10


def _round(percent: float) -> float:
    """Two decimals in the workbook, as in the ranking export."""
    return round(percent, 2)


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
