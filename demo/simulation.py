"""The simulation: how many doses each committee gets each day, and at which site."""

from __future__ import annotations

import math
import random
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import date, timedelta

from demo.places import (
    AGE_60_DRIVE,
    AGE_76_DRIVE,
    CAMPAIGN_END,
    CAMPAIGN_START,
    DATES,
    DAYS,
    LABOUR_DAY,
    RESIDENTS_BOOKING,
    SECOND_DOSE_INTERVALS,
    SEED,
    SESSION_SECOND_DOSE_INTERVALS,
    SPRING_FESTIVAL,
    SPRINT,
    WHOLE_ORGANISATIONS,
    CommitteeSpec,
    Milestone,
    SiteSpec,
    SubdistrictSpec,
)

# ---------------------------------------------------------------------------------------
# The simulation: how many doses each committee gets each day, and where
# ---------------------------------------------------------------------------------------

MIN_FIRST_SHARE = 0.15  # second doses never take the whole day: some first doses go on
DOSES_PER_WILLING_PERSON = 1.72  # plan size: about what the willing need within the campaign
HOME_WEIGHT, NEARBY_WEIGHT, VISIT_WEIGHT = 1.0, 0.7, 1.2  # where a committee's people go


def _demand(day: date) -> float:
    """Relative number of doses a subdistrict plans for ``day``; 1.0 is a weekday at the
    April peak. The phases follow the Wanli report's timeline."""
    if SPRING_FESTIVAL[0] <= day <= SPRING_FESTIVAL[1]:  # New Year's Eve to the 2nd: closed
        return 0.0 if day < SPRING_FESTIVAL[0] + timedelta(days=3) else 0.001
    if day < WHOLE_ORGANISATIONS:  # priority occupational groups only
        level = 0.03 if day.month == 1 else 0.04
    elif day < RESIDENTS_BOOKING:  # whole organisations
        level = 0.08
    elif day < AGE_60_DRIVE:  # residents may book
        level = 0.30
    elif day.month == 3:  # the 60+ drive ramps up
        level = 0.55 + 0.05 * (day - AGE_60_DRIVE).days
    elif day.month == 4:
        level = 0.95 + 0.004 * day.day
    elif LABOUR_DAY[0] <= day <= LABOUR_DAY[1]:
        level = 0.70
    elif day.month == 5:
        level = 1.08 if day >= AGE_76_DRIVE else 1.0
    elif day < SPRINT[0]:  # June: most willing people have had their first dose
        level = 0.80 - 0.02 * (day.day - 1)
    else:
        level = 0.42
    if day.weekday() >= 5:
        quiet = 0.4 if day < RESIDENTS_BOOKING else 0.8 if day.weekday() == 5 else 0.68
        level *= quiet
    return level


DEMAND = tuple(_demand(day) for day in DATES)


def _split(total: int, weights: Sequence[float], offset: float) -> list[int]:
    """Share ``total`` out in proportion to ``weights`` in whole numbers that add up to it.

    Systematic rounding: one random ``offset`` in [0, 1) decides all roundings, so each
    share is right on average and no share is larger than its exact value rounded up."""
    if not weights:
        return []
    whole = sum(weights)
    if total <= 0 or whole <= 0:
        return [0] * len(weights)
    shares, reached, running = [], 0, 0.0
    for weight in weights[:-1]:
        running += weight
        upto = min(total, math.floor(total * running / whole + offset))
        shares.append(upto - reached)
        reached = upto
    shares.append(total - reached)
    return shares


def _schedule(
    due: list[int], day: int, count: int, intervals: Sequence[tuple[int, float]], offset: float
) -> None:
    """Book the second doses of ``count`` people vaccinated on ``day`` into ``due``."""
    reached, running = 0, 0.0
    for days_later, share in intervals:
        running += share
        upto = math.floor(count * running + offset)
        if upto > reached:
            due[day + days_later] += upto - reached
            reached = upto


@dataclass
class _CommitteeState:
    spec: CommitteeSpec
    willing: int  # people who will take a first dose at some point
    eagerness: float  # how early they come compared with the other committees
    home: str  # the fixed site of the committee's zone
    nearby: tuple[SiteSpec, ...]  # temporary sites it uses, in order of preference
    due: list[int]  # second doses due per day
    waiting: int = 0  # second doses due earlier that could not be given yet
    first_doses: int = 0


@dataclass
class _VisitorStream:
    site: SiteSpec
    first: list[int]
    second: list[int]


Row = tuple[str, str | None, str, int]  # site code, committee code (None: non-resident), dose


class StreetSimulation:
    """One subdistrict's campaign, day by day.

    Each day has a plan (``plan[i]``: doses for the subdistrict's residents). Second doses
    that are due come first, but never take more than 85% of the plan; the rest are first
    doses, shared among committees by how many willing people each still has and how
    eager they are. Each committee's doses go to its zone's fixed site plus at most two
    other active sites near it (a mobile visit counts as one). Non-residents come on their
    own schedule (``Visitors``). A fixed site with nobody that day reports an explicit 0.
    """

    def __init__(self, spec: SubdistrictSpec, milestones: Sequence[Milestone] = ()):
        self.spec = spec
        self.rng = random.Random(f"{SEED}:{spec.code}")  # noqa: S311 - demo data, not secrets
        rng = self.rng
        self.fixed = [s for s in spec.sites if s.kind == "fixed"]
        self.mobile = [s for s in spec.sites if s.kind == "mobile" and s.residents]
        others = [s for s in spec.sites if s.kind == "temporary" and s.residents]
        self.committees = []
        for committee in spec.committees:
            home = next((s for s in self.fixed if s.zone == committee.zone), self.fixed[0])
            nearby = [s for s in others if not s.serves or committee.zone in s.serves]
            rng.shuffle(nearby)
            self.committees.append(
                _CommitteeState(
                    spec=committee,
                    willing=round(committee.eligible_population * rng.uniform(0.58, 0.93)),
                    eagerness=rng.uniform(0.6, 1.5),
                    home=home.code,
                    nearby=tuple(nearby),
                    due=[0] * (DAYS + 60),
                )
            )
        self.visits = self._mobile_visits()
        self.visitors = [_visitor_stream(s) for s in spec.sites if s.visitors]
        self.plan = self._plan(milestones)
        # What was generated, for the targets: site totals per day, committees per month.
        self.first_by_day = [0] * DAYS
        self.second_by_day = [0] * DAYS
        self.committee_months: dict[tuple[str, int], list[int]] = {}

    def _mobile_visits(self) -> dict[int, dict[str, str]]:
        """Day index -> committee code -> mobile site code. Each mobile site visits as many
        compounds a day as it has stations, in turn; the reports' named visits are added."""
        visits: dict[int, dict[str, str]] = {}
        codes = [c.spec.code for c in self.committees]
        for site in self.mobile:
            turn = self.rng.randrange(len(codes))
            for i, day in enumerate(DATES):
                if site.is_active(day):
                    for _ in range(site.stations):
                        visits.setdefault(i, {})[codes[turn % len(codes)]] = site.code
                        turn += 1
            for day, committee_code in site.visits:
                visits.setdefault((day - CAMPAIGN_START).days, {})[committee_code] = site.code
        return visits

    def _plan(self, milestones: Sequence[Milestone]) -> list[int]:
        """Doses planned for residents each day: the campaign's shape, sized so the willing
        people get about their doses, then bent to meet the reports' milestones."""
        willing = sum(c.willing for c in self.committees)
        scale = willing * DOSES_PER_WILLING_PERSON / sum(DEMAND)
        rng = self.rng
        plan = [
            math.floor(scale * level * rng.uniform(0.9, 1.1) + rng.random()) for level in DEMAND
        ]
        visitors = [0] * DAYS
        for stream in self.visitors:
            for i in range(DAYS):
                visitors[i] += stream.first[i] + stream.second[i]
        for milestone in milestones:
            if milestone.subdistrict == self.spec.code:
                _meet_milestone(plan, visitors, milestone)
        return plan

    def day(self, i: int) -> list[Row]:
        """The tallies of day ``i`` (0 = the campaign's first day)."""
        day = DATES[i]
        rows: list[Row] = []
        seconds = self._second_doses(i)
        firsts = self._first_doses(i, self.plan[i] - sum(seconds))
        visits = self.visits.get(i, {})
        used_sites = set()
        for committee, first, second in zip(self.committees, firsts, seconds, strict=True):
            if first:
                committee.first_doses += first
                _schedule(committee.due, i, first, SECOND_DOSE_INTERVALS, self.rng.random())
            if not first and not second:
                continue
            month = self.committee_months.setdefault((committee.spec.code, day.month), [0, 0])
            month[0] += first
            month[1] += second
            for site_code, n_first, n_second in self._route(committee, i, first, second, visits):
                used_sites.add(site_code)
                if n_first:
                    rows.append((site_code, committee.spec.code, "first", n_first))
                if n_second:
                    rows.append((site_code, committee.spec.code, "second", n_second))
        self.first_by_day[i] += sum(firsts)
        self.second_by_day[i] += sum(seconds)
        for stream in self.visitors:
            for dose, counts in (("first", stream.first), ("second", stream.second)):
                if counts[i]:
                    rows.append((stream.site.code, None, dose, counts[i]))
                    used_sites.add(stream.site.code)
            self.first_by_day[i] += stream.first[i]
            self.second_by_day[i] += stream.second[i]
        rows.extend(
            (site.code, None, "first", 0)
            for site in self.fixed
            if site.code not in used_sites and site.is_active(day)
        )
        return rows

    def _second_doses(self, i: int) -> list[int]:
        wanted = [c.due[i] + c.waiting for c in self.committees]
        room = self.plan[i] - math.ceil(MIN_FIRST_SHARE * self.plan[i])
        given = wanted if sum(wanted) <= room else _split(room, wanted, self.rng.random())
        for committee, want, get in zip(self.committees, wanted, given, strict=True):
            committee.waiting = want - get
        return given

    def _first_doses(self, i: int, total: int) -> list[int]:
        """Share ``total`` first doses by willing people left times eagerness; nobody gets
        more than its willing people left."""
        left = [c.willing - c.first_doses for c in self.committees]
        if total >= sum(left):
            return left
        rng = self.rng
        weights = [
            n * c.eagerness * rng.uniform(0.8, 1.2)
            for n, c in zip(left, self.committees, strict=True)
        ]
        shares = _split(total, weights, rng.random())
        over = 0
        for k, (share, most) in enumerate(zip(shares, left, strict=True)):
            if share > most:
                over += share - most
                shares[k] = most
        if over:
            room = [most - share for share, most in zip(shares, left, strict=True)]
            for k, extra in enumerate(_split(over, room, rng.random())):
                shares[k] += extra
        return shares

    def _route(
        self, committee: _CommitteeState, i: int, first: int, second: int, visits: dict[str, str]
    ) -> Iterator[tuple[str, int, int]]:
        """Where one committee's doses of the day are given: its fixed site, plus a mobile
        visit and active nearby temporary sites once residents may book (at most 3)."""
        day = DATES[i]
        if day < RESIDENTS_BOOKING:
            yield committee.home, first, second
            return
        options = [(committee.home, HOME_WEIGHT)]
        visitor = visits.get(committee.spec.code)
        if visitor:
            options.append((visitor, VISIT_WEIGHT))
        for site in committee.nearby:
            if len(options) == 3:
                break
            if site.is_active(day):
                options.append((site.code, NEARBY_WEIGHT))
        if len(options) == 1:
            yield committee.home, first, second
            return
        weights = [w * self.rng.uniform(0.7, 1.3) for _, w in options]
        firsts = _split(first, weights, self.rng.random())
        seconds = _split(second, weights, self.rng.random())
        for (site_code, _), n_first, n_second in zip(options, firsts, seconds, strict=True):
            if n_first or n_second:
                yield site_code, n_first, n_second


VISITOR_WEEK = {  # Monday .. Sunday
    "office": (1.0, 1.0, 1.0, 1.0, 0.95, 0.25, 0.15),
    "leisure": (0.55, 0.5, 0.5, 0.55, 0.7, 1.0, 1.0),
    "transit": (0.9, 0.85, 0.85, 0.9, 1.1, 1.1, 1.0),
    "sessions": (1.0, 1.0, 1.0, 1.0, 1.0, 0.0, 0.0),
}


def _visitor_stream(site: SiteSpec) -> _VisitorStream:
    """First and second doses of the non-residents at ``site``, day by day. Sessions
    (enterprises, schools) come back on the same weekday for the second dose; others come
    back after the usual intervals if the site is still open then."""
    visitors = site.visitors
    if visitors is None:
        raise ValueError(f"{site.code} has no visitors")
    rng = random.Random(f"{SEED}:{site.code}:visitors")  # noqa: S311 - demo data, not secrets
    start, end = visitors.window or (site.active_from, site.active_to or CAMPAIGN_END)
    week = VISITOR_WEEK[visitors.profile]
    weights = [
        week[day.weekday()] * rng.uniform(0.75, 1.25) if start <= day <= end else 0.0
        for day in DATES
    ]
    if visitors.total:
        first = _split(visitors.total, weights, rng.random())
    else:
        first = [round(visitors.daily * w) for w in weights]
    intervals = (
        SESSION_SECOND_DOSE_INTERVALS if visitors.profile == "sessions" else SECOND_DOSE_INTERVALS
    )
    due = [0] * (DAYS + 60)
    for i, count in enumerate(first):
        if count:
            _schedule(due, i, count, intervals, rng.random())
    second = [due[i] if site.is_active(day) else 0 for i, day in enumerate(DATES)]
    return _VisitorStream(site, first, second)


def _meet_milestone(plan: list[int], visitors: Sequence[int], milestone: Milestone) -> None:
    """Rescale the plan from ``milestone.start`` to the day before ``reached_on`` so the
    subdistrict's doses (residents plus visitors) first reach the value on that day, when
    about 40% of its doses are given (Wanli's sprint was done at 11:18)."""
    start = (milestone.start - CAMPAIGN_START).days
    reached = (milestone.reached_on - CAMPAIGN_START).days
    that_day = plan[reached] + visitors[reached]
    before = milestone.value - math.ceil(0.4 * that_day) - sum(visitors[start:reached])
    if before <= 0 or reached <= start:
        raise ValueError(f"Cannot meet {milestone}: the days before it leave no room.")
    plan[start:reached] = _split(before, plan[start:reached], 0.5)
