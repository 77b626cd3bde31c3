"""Whether a tally may be recorded: the rules of the entry grid and of file imports.

``record_tallies`` and the file check both ask ``TallyRules.problems`` for every cell, so
a rule and its message cannot differ between the two. A cell is refused when:

- **site**: the site is outside the user's scope;
- **committee**: the committee is not in the site's subdistrict, or committee staff enter
  for another committee (or for people from outside the subdistrict);
- **date**: the day is in the future, outside every campaign, a day the site is not open,
  or before the subdistrict's lock date (administrators excepted);
- **count**: more than ``MAX_COUNT`` doses in one cell (``count_problem``; the grid and the
  file check ask it when they read the number, ``record_tallies`` again for every cell).

Each part of a cell gets at most one problem, the first that applies in that order.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from datetime import date

from django.utils.translation import gettext as _

from campaign.access import may_correct_locked_days, may_enter_committee
from campaign.calendar import CampaignCalendar, day_label
from campaign.models import Committee, StaffScope
from sites.models import Site

# The largest count one cell may hold: a mass vaccination site's day still fits. The
# snapshots add cells up in 64-bit columns, so no accepted cell can overflow a rebuild.
MAX_COUNT = 100_000


def count_problem(count: int) -> str | None:
    """Why one cell's count is refused (below 0 or above MAX_COUNT); None when it fits."""
    if 0 <= count <= MAX_COUNT:
        return None
    return _("A cell holds at most %(maximum)s doses a day; %(count)s is refused.") % {
        "maximum": MAX_COUNT,
        "count": count,
    }


def site_closed_message(site: Site, day: date) -> str | None:
    """Why ``site`` takes nothing on ``day`` (tallies, plans, visits); None when it is open."""
    if site.is_open_on(day):
        return None
    return _("%(site)s is not open on %(date)s.") % {"site": site.name, "date": day_label(day)}


@dataclass(frozen=True)
class CellProblem:
    """Why one cell may not be recorded."""

    part: str  # "site", "committee" or "date": which part of the cell is refused
    code: str
    message: str


class TallyRules:
    """The rules for one user and one batch of cells; what they need is read once by the
    caller (the sites the user may enter, the campaigns) so a file of 100,000 rows costs
    no query per row. The answers that do not depend on the cell's site (a day's place in
    the calendar, a committee for a subdistrict) are worked out once per batch, not once
    per cell."""

    def __init__(
        self,
        scope: StaffScope,
        *,
        enterable_site_ids: Collection[int],
        calendar: CampaignCalendar,
    ):
        self.scope = scope
        self.enterable_site_ids = enterable_site_ids
        self.calendar = calendar
        self._calendar_problems: dict[date, str | None] = {}
        self._committee_problems: dict[tuple[int | None, int | None], CellProblem | None] = {}

    def problems(
        self, *, site: Site | None, committee: Committee | None, day: date | None
    ) -> list[CellProblem]:
        """The problems of one cell. ``committee`` None is the non-resident column. A part
        the caller could not read (an unknown site, a date that is not a date) is passed as
        None and only the rules that need it are skipped. ``site`` needs its subdistrict."""
        problems = [
            problem
            for problem in (
                self._site_problem(site),
                self._committee_problem(site, committee),
                self.day_problem(site, day) if day is not None else None,
            )
            if problem is not None
        ]
        return problems

    def _site_problem(self, site: Site | None) -> CellProblem | None:
        if site is None or site.pk in self.enterable_site_ids:
            return None
        return CellProblem(
            "site",
            "site_out_of_scope",
            _("Site %(code)s is outside your scope.") % {"code": site.code},
        )

    def _committee_problem(
        self, site: Site | None, committee: Committee | None
    ) -> CellProblem | None:
        key = (site.subdistrict_id if site else None, committee.pk if committee else None)
        if key not in self._committee_problems:
            self._committee_problems[key] = self._committee_problem_of(site, committee)
        return self._committee_problems[key]

    def _committee_problem_of(
        self, site: Site | None, committee: Committee | None
    ) -> CellProblem | None:
        code = committee.code if committee else "–"
        if site and committee and committee.subdistrict_id != site.subdistrict_id:
            return CellProblem(
                "committee",
                "committee_elsewhere",
                _("Committee %(code)s is not in the site's subdistrict.") % {"code": code},
            )
        if not may_enter_committee(self.scope, committee.pk if committee else None):
            return CellProblem(
                "committee",
                "committee_out_of_scope",
                _("Committee %(code)s is outside your scope.") % {"code": code},
            )
        return None

    def day_problem(self, site: Site | None, day: date) -> CellProblem | None:
        """Why nothing can be recorded for ``day`` (at ``site`` when given): a day to come,
        outside the campaign, the site not open, before the lock date. The grid opens such
        a day read-only with this message and the site list names it; saves are refused
        with it. None when the day may be entered."""
        if day not in self._calendar_problems:
            self._calendar_problems[day] = self.calendar.day_problem(day)
        calendar_problem = self._calendar_problems[day]
        if calendar_problem:
            return CellProblem("date", "day_not_recordable", calendar_problem)
        if site is None:
            return None
        closed = site_closed_message(site, day)
        if closed:
            return CellProblem("date", "site_closed", closed)
        lock = site.subdistrict.lock_date
        if lock and day < lock and not may_correct_locked_days(self.scope):
            return CellProblem(
                "date",
                "locked",
                _("Tallies before %(lock)s are locked; only an administrator may change them.")
                % {"lock": day_label(lock)},
            )
        return None
