"""The timeline (大事记) of a subdistrict or a district.

Computed, never stored: each kind of milestone is one set-based query over the models and
the snapshot tables, so the timeline costs the same few queries however many committees,
sites, targets or days there are.

- **site opened / closed**: a site's ``active_from`` and ``active_to``;
- **target reached**: the first day a target's achieved value is at least its value
  (``TargetProgress.reached_on``), with the days from then to the period end ("N days
  early"); a target whose period ended short of it is "ended, N short", and if its metric,
  still counted from the period start, reaches the value later, "reached, N days late";
- **record day**: the day with the most doses so far (the earliest of equal days);
- **coverage passed**: the first day first-dose or full-course coverage was at least 50%,
  70% and 80%;
- **notes** that staff add themselves (a visit, an event): ``milestone_note_create``.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from django.db.models import F, Min, Q, QuerySet
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext

from campaign.areas import Area
from campaign.clock import today
from campaign.users import display_name
from reports.builders import METRIC_FIELDS
from reports.models import (
    CommitteeDay,
    DistrictDay,
    MilestoneNote,
    SubdistrictDay,
    TargetProgress,
)
from sites.models import Site

# Coverage (in %) whose first day is a milestone, for first doses and the full course.
COVERAGE_THRESHOLDS = (50, 70, 80)
KIND_LABELS = {
    "site_opened": gettext_lazy("site"),
    "site_closed": gettext_lazy("site"),
    "target_reached": gettext_lazy("target"),
    "target_missed": gettext_lazy("target"),
    "target_late": gettext_lazy("target"),
    "record": gettext_lazy("record"),
    "coverage": gettext_lazy("coverage"),
    "note": gettext_lazy("note"),
}


@dataclass(frozen=True)
class Milestone:
    date: date
    kind: str  # site_opened, site_closed, target_reached, target_missed, record, coverage, note
    text: str
    detail: str = ""
    author: str = ""

    @property
    def kind_label(self) -> str:
        return str(KIND_LABELS[self.kind])


def _site_milestones(area: Area, on: date) -> list[Milestone]:
    events = []
    sites = Site.objects.filter(area.site_filter, active_from__lte=on).order_by("code")
    for site in sites.values("name", "kind", "active_from", "active_to"):
        kind = str(Site.Kind(site["kind"]).label)
        events.append(
            Milestone(
                site["active_from"],
                "site_opened",
                _("%(site)s opened") % {"site": site["name"]},
                kind,
            )
        )
        if site["active_to"] and site["active_to"] < on:  # closed after its last day
            events.append(
                Milestone(
                    site["active_to"],
                    "site_closed",
                    _("%(site)s closed (last day)") % {"site": site["name"]},
                    kind,
                )
            )
    return events


def _target_milestones(area: Area, on: date) -> list[Milestone]:
    """Targets of the area and of its parts (its committees; a district's subdistricts)."""
    scoped = area.set_within("target__")
    # The progress row of the day it was reached, or of the period's last day when missed.
    reached_or_ended = (
        TargetProgress.objects.filter(scoped, date__lte=on)
        .filter(
            Q(date=F("reached_on"))
            | Q(reached_on__isnull=True, date=F("target__period_end"), date__lt=on)
        )
        .select_related("target__district", "target__subdistrict", "target__committee")
    )
    rows = list(reached_or_ended)
    late = _reached_late([p for p in rows if p.reached_on is None], on)
    events = []
    for progress in rows:
        target = progress.target
        # The target's own area, when it is part of the timeline's area.
        where = "" if target.area == area.obj else f" · {target.area}"
        if progress.reached_on:
            early = progress.days_early or 0
            detail = (
                ngettext("%(days)s day early", "%(days)s days early", early) % {"days": early}
                if early > 0
                else _("on the last day")
            )
            events.append(
                Milestone(
                    progress.reached_on,
                    "target_reached",
                    _("%(target)s reached") % {"target": target.name},
                    detail + where,
                )
            )
        else:
            events.append(
                Milestone(
                    progress.date,
                    "target_missed",
                    _("%(target)s ended short") % {"target": target.name},
                    _("%(achieved)s of %(value)s, %(remaining)s short")
                    % {
                        "achieved": progress.achieved,
                        "value": target.value,
                        "remaining": progress.remaining,
                    }
                    + where,
                )
            )
            if target.pk in late:
                day = late[target.pk]
                days = (day - target.period_end).days
                events.append(
                    Milestone(
                        day,
                        "target_late",
                        _("%(target)s reached") % {"target": target.name},
                        ngettext("%(days)s day late", "%(days)s days late", days) % {"days": days}
                        + where,
                    )
                )
    return events


def _reached_late(missed: list[TargetProgress], on: date) -> dict[int, date]:
    """The day each missed target's metric, counted from its period start, reached the
    target value after the period ended (by ``on``), read from the running totals: one
    query per level of the geography that has missed targets, none per target."""
    levels: dict[str, type[CommitteeDay] | type[SubdistrictDay] | type[DistrictDay]] = {
        "committee": CommitteeDay,
        "subdistrict": SubdistrictDay,
        "district": DistrictDay,
    }
    late: dict[int, date] = {}
    for level, snapshot in levels.items():
        targets = [p for p in missed if getattr(p.target, f"{level}_id")]
        if not targets:
            continue
        fields = {f for p in targets for f in METRIC_FIELDS[p.target.metric]}
        series: dict[int, list[dict[str, Any]]] = {}
        for row in (
            snapshot.objects.filter(
                **{f"{level}_id__in": {getattr(p.target, f"{level}_id") for p in targets}},
                date__gte=min(p.target.period_end for p in targets),
                date__lte=on,
            )
            .order_by("date")
            .values(f"{level}_id", "date", *fields)
        ):
            series.setdefault(row[f"{level}_id"], []).append(row)
        for progress in targets:
            target = progress.target
            metric = METRIC_FIELDS[target.metric]
            days = [
                r
                for r in series.get(getattr(target, f"{level}_id"), [])
                if r["date"] >= target.period_end
            ]
            if not days or days[0]["date"] != target.period_end:
                continue
            # What the running total held before the period: at its end, less what it achieved.
            before = sum(days[0][f] for f in metric) - progress.achieved
            late_on = next(
                (r["date"] for r in days[1:] if sum(r[f] for f in metric) - before >= target.value),
                None,
            )
            if late_on is not None:
                late[target.pk] = late_on
    return late


# The snapshot of a whole area's day, per kind of area.
DAY_ROWS: dict[str, type[SubdistrictDay] | type[DistrictDay]] = {
    "subdistrict": SubdistrictDay,
    "district": DistrictDay,
}


def _day_rows(area: Area, on: date) -> QuerySet[SubdistrictDay] | QuerySet[DistrictDay]:
    return DAY_ROWS[area.kind].objects.filter(area.own_rows(), date__lte=on)


def _record_milestones(area: Area, on: date) -> list[Milestone]:
    record = (
        _day_rows(area, on)
        .annotate(doses=F("first_doses") + F("second_doses") + F("booster_doses"))
        .filter(doses__gt=0)
        .order_by("-doses", "date")
        .values("date", "doses")
        .first()
    )
    if record is None:
        return []
    return [
        Milestone(
            record["date"],
            "record",
            _("Record day so far: %(doses)s doses") % {"doses": f"{record['doses']:,}"},
        )
    ]


def _coverage_milestones(area: Area, on: date) -> list[Milestone]:
    """One query: the first day at or above each threshold, for both coverages."""
    labels = {
        "first_coverage": _("First-dose coverage passed %(percent)s%%"),
        "full_course_coverage": _("Full-course coverage passed %(percent)s%%"),
    }
    firsts = _day_rows(area, on).aggregate(
        **{
            f"{field}_{percent}": Min("date", filter=Q(**{f"{field}__gte": percent / 100}))
            for field in labels
            for percent in COVERAGE_THRESHOLDS
        }
    )
    return [
        Milestone(firsts[f"{field}_{percent}"], "coverage", label % {"percent": percent})
        for field, label in labels.items()
        for percent in COVERAGE_THRESHOLDS
        if firsts[f"{field}_{percent}"] is not None
    ]


def notes_of(area: Area, on: date) -> QuerySet[MilestoneNote]:
    """Staff notes of the area (a district's include its subdistricts'), up to ``on``."""
    scoped = area.set_within(levels=("district", "subdistrict"))
    return MilestoneNote.objects.filter(scoped, date__lte=on).select_related(
        "written_by", "subdistrict"
    )


def milestones(area: Area, *, on: date) -> list[Milestone]:
    """The area's timeline up to ``on`` (never past today), newest day first (what
    happened today is what a reader opens it for); within a day, in the order things
    happen (a site opens before its record day). Six queries."""
    on = min(on, today())
    events = [
        *_site_milestones(area, on),
        *_target_milestones(area, on),
        *_record_milestones(area, on),
        *_coverage_milestones(area, on),
    ]
    for note in notes_of(area, on):
        author = display_name(note.written_by) if note.written_by else ""
        # A district's timeline says which of its subdistricts a note is from.
        where = note.subdistrict.name if note.subdistrict and note.subdistrict != area.obj else ""
        events.append(Milestone(note.date, "note", note.text, where, author))
    order = {"site_opened": 0, "coverage": 1, "record": 2, "target_reached": 3}
    return sorted(events, key=lambda e: (-e.date.toordinal(), order.get(e.kind, 4)))
