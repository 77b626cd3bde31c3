"""Demo data for StreetVax and the service that writes it: ``demo_seed``.

The places, calendar and logins are in ``demo.places``, the city of ``--scale city`` in
``demo.city``, the daily doses in ``demo.simulation``; this module sets the targets and
writes what is missing.

Why it exists: the ranking, the target pages and the bulletin only make sense with a whole
campaign of tallies behind them. The places, site names, dates and figures come from
four 2021 newspaper reports (Putuo district's Wanli subdistrict and Jing'an district's Shimen
Erlu subdistrict in Shanghai, Erqi district in Zhengzhou). They are copied into ``demo.places``
as Python data, so nothing reads those reports at run time. What the reports do not say
(most committee names, populations, the daily counts) is invented, but shaped after what
they do say: a quiet January and February for priority occupational groups, the Spring
Festival lull, the ramp when residents could book (03-19) and the 60+ drive (03-25), the
April-June peak, the 76+ drive (05-17), weekend dips and the three-day sprint at the end
of June. Wanli's April target of 32,800 doses is reached on 04-29 and its 1,500-dose sprint
on 06-30, as the Wanli report tells.

Rules the seeder keeps:

- Deterministic: every random draw comes from ``random.Random`` seeded with a fixed string
  and the code of the place it is for, so a place's data never depends on what else is
  generated. The demo part of ``--scale city`` is therefore the demo itself.
- Idempotent and safe for edited data: rows are looked up by their natural key (``code``,
  a campaign's or target's name, a username, a tally's date/site/committee/dose) and only
  missing ones are inserted. Nothing is ever updated or deleted, so what a user changed
  stays changed.
- Bounded: tallies are generated and bulk-inserted one day at a time, so memory stays flat
  at city scale, and a run that stopped half-way is completed by the next one.

Tallies are bulk-inserted (``source=import``, no ``entered_by``, version 1) and so have no
history rows; the areas, sites, campaign and targets get one "created" history row each.
"""

from __future__ import annotations

import itertools
import random
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

from django.contrib.auth import get_user_model
from django.db import reset_queries, transaction
from django.db.models import Model, Sum
from django.utils import timezone
from simple_history.utils import bulk_create_with_history

from campaign.clock import today
from campaign.models import (
    Building,
    BuildingCount,
    Campaign,
    Committee,
    District,
    StaffScope,
    Subdistrict,
    Target,
)
from campaign.services import building_count_record, building_create
from demo.city import CitySize, city_districts
from demo.places import (
    AGE_60_DRIVE,
    AGE_76_DRIVE,
    CAMPAIGN,
    CAMPAIGN_END,
    CAMPAIGN_NAME,
    CAMPAIGN_START,
    DATES,
    DAXUELU_CODE,
    DAYS,
    DEMO_DISTRICTS,
    DEMO_PASSWORD,
    DEMO_TODAY,
    DEMO_USERS,
    DOSES_FOR_FULL_COURSE,
    ERQI,
    JINGGUANG_CODE,
    MILESTONES,
    NOT_YET_REPORTED_ON_DEMO_TODAY,
    PUTUO,
    PUTUO_TARGET_COMPLETION,
    RESIDENTS_BOOKING,
    SEED,
    SHIMEN_CODE,
    SPRINT,
    WANLI_CODE,
    WANLI_COMMITTEES,
    WHOLE_ORGANISATIONS,
    WULIBAO_CODE,
    DistrictSpec,
    _d,
)
from demo.simulation import Row, StreetSimulation
from reports.models import MilestoneNote
from reports.services.snapshots import snapshots_rebuild
from sites.bulk import add_rows
from sites.models import DailyTally, MobileVisit, Site, SitePlan
from sites.services.plans import PlanCell, mobile_visit_record, site_plans_set
from sites.services.tallies import TALLY_COLUMNS

# ---------------------------------------------------------------------------------------
# The result
# ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class DemoLogin:
    username: str
    password: str
    role: str
    scope: str
    created: bool  # False: the user existed already and its password was left alone


@dataclass
class DemoSeedResult:
    scale: str
    created: dict[str, int] = field(default_factory=dict)  # rows inserted, per model
    existing: dict[str, int] = field(default_factory=dict)  # rows already there, per model
    logins: list[DemoLogin] = field(default_factory=list)
    first_new_tally_date: date | None = None

    def count(self, label: str, *, created: int, existing: int) -> None:
        self.created[label] = self.created.get(label, 0) + created
        self.existing[label] = self.existing.get(label, 0) + existing

    @property
    def rows_created(self) -> int:
        return sum(self.created.values())


Progress = Callable[[str], None]


# ---------------------------------------------------------------------------------------
# The service
# ---------------------------------------------------------------------------------------


def demo_seed(
    *,
    scale: str = "demo",
    city_size: CitySize | None = None,
    progress: Progress | None = None,
    build_snapshots: bool = True,
) -> DemoSeedResult:
    """Write the demo (``scale="demo"``) or the demo plus a Shanghai-sized city
    (``scale="city"``), inserting only what is missing. See the module docstring.

    ``city_size`` shrinks the city for tests (default: Shanghai's size); ``progress`` is
    told about each month of tallies as they are written. Tallies are bulk-inserted, not
    saved through ``record_tallies``, so the snapshots of the new days are built here."""
    if scale not in ("demo", "city"):
        raise ValueError(f"Unknown scale {scale!r}: use 'demo' or 'city'.")
    say = progress or (lambda _message: None)
    districts: tuple[DistrictSpec, ...] = DEMO_DISTRICTS
    if scale == "city":
        districts = city_districts(size=city_size or CitySize())
    result = DemoSeedResult(scale=scale)
    with transaction.atomic():
        campaign = _ensure_campaign(result)
        ids = _ensure_areas_and_sites(districts, result)
        _ensure_users(ids, result)
        _ensure_timeline_notes(ids, result)
    say(f"Areas and sites ready; generating {DAYS} days of tallies.")
    totals = _ensure_tallies(districts, ids, result, say)
    with transaction.atomic():
        _ensure_targets(campaign, target_specs(districts, totals), ids, result)
        _ensure_golden_shield_buildings(ids, result)
    with transaction.atomic():
        _ensure_plans_and_visits(ids, result)
    if build_snapshots and result.first_new_tally_date:
        say("Building the ranking and target progress of every day.")
        snapshots_rebuild(start=result.first_new_tally_date, trigger="command", job="seed_demo")
    return result


# ---------------------------------------------------------------------------------------
# Targets: the reports' figures, and others derived from what was generated
# ---------------------------------------------------------------------------------------

Period = tuple[date, date]


@dataclass(frozen=True)
class TargetSpec:
    """A target for the area with ``code``: a district ("310107"), a subdistrict
    ("310107-WL") or a committee ("310107-WL-07"), told apart by the code's parts."""

    name: str
    code: str
    period: Period
    metric: str
    value: int

    @property
    def level(self) -> str:
        return ("district", "subdistrict", "committee")[self.code.count("-")]


@dataclass
class GeneratedTotals:
    """What the simulation generated, summed: the basis of the derived targets (never read
    back from the database, so a user's edits cannot change them). Subdistrict figures are
    the doses given at its sites, non-residents included."""

    first_by_day: dict[str, list[int]] = field(default_factory=dict)  # subdistrict code
    second_by_day: dict[str, list[int]] = field(default_factory=dict)
    committee_months: dict[tuple[str, int], list[int]] = field(default_factory=dict)

    def between(self, codes: Sequence[str], period: Period, metric: str) -> int:
        """Doses counted by ``metric`` at the sites of the subdistricts ``codes``."""
        a, b = (period[0] - CAMPAIGN_START).days, (period[1] - CAMPAIGN_START).days + 1
        total = 0
        for code in codes:
            if metric in (Target.Metric.FIRST, Target.Metric.ALL_DOSES):
                total += sum(self.first_by_day[code][a:b])
            if metric in (Target.Metric.FULL_COURSE, Target.Metric.ALL_DOSES):
                total += sum(self.second_by_day[code][a:b])
        return total


def _month(month: int) -> Period:
    first = max(date(2021, month, 1), CAMPAIGN_START)
    last = date(2021, month + 1, 1) - timedelta(days=1)
    return first, last


def _round_target(value: float) -> int:
    step = 100 if value >= 2_000 else 10
    return max(step, round(value / step) * step)


ALL_DOSES, FIRST, FULL_COURSE = (
    Target.Metric.ALL_DOSES,
    Target.Metric.FIRST,
    Target.Metric.FULL_COURSE,
)
PHASE_ONE = (RESIDENTS_BOOKING, _d(4, 30))  # 第一阶段
# Targets of the demo's other places, set at 97-103% of what was generated.
DERIVED_TARGETS = (
    ("石门二路街道6月接种任务", SHIMEN_CODE, _month(6), ALL_DOSES),
    ("石门二路街道6月全程接种任务", SHIMEN_CODE, _month(6), FULL_COURSE),
    ("京广路街道5月第一剂次任务", JINGGUANG_CODE, _month(5), FIRST),
    ("五里堡街道5月接种任务", WULIBAO_CODE, _month(5), ALL_DOSES),
    ("五里堡街道6月第一剂次任务", WULIBAO_CODE, _month(6), FIRST),
    ("大学路街道5月接种任务", DAXUELU_CODE, _month(5), ALL_DOSES),
)
COMMITTEES_WITH_TARGETS = (1, 2, 7, 8, 9, 10)  # Wanli committees with a June first-dose target


def target_specs(districts: Sequence[DistrictSpec], totals: GeneratedTotals) -> list[TargetSpec]:
    """Wanli's monthly targets (April's is the report's 32,800), its first phase (reached on
    04-29 like April's) and its 1,500-dose sprint; Putuo's full-course target, 105% complete
    at the end; a few for Shimen Erlu, Erqi and Wanli committees. At city scale also April-June
    targets for each generated subdistrict and a full-course target per Shanghai district.
    Derived values are 97-103% of what was generated, so some are reached early, some missed.
    """
    rng = random.Random(f"{SEED}:targets")  # noqa: S311 - demo data, not secrets
    april, sprint = MILESTONES

    def near(actual: int) -> int:
        return _round_target(actual * rng.uniform(0.97, 1.03))

    specs = []
    for month in range(1, 7):
        name, period = f"万里街道{month}月接种任务", _month(month)
        value = april.value if month == 4 else near(totals.between([WANLI_CODE], period, ALL_DOSES))
        specs.append(TargetSpec(name, WANLI_CODE, period, ALL_DOSES, value))
    upto_28 = totals.between([WANLI_CODE], (PHASE_ONE[0], _d(4, 28)), ALL_DOSES)
    upto_29 = totals.between([WANLI_CODE], (PHASE_ONE[0], _d(4, 29)), ALL_DOSES)
    phase_value = max(upto_28 + 1, (upto_28 + upto_29) // 2 // 100 * 100)
    putuo_full = totals.between([s.code for s in PUTUO.subdistricts], CAMPAIGN, FULL_COURSE)
    specs += [
        TargetSpec("万里街道第一阶段接种任务", WANLI_CODE, PHASE_ONE, ALL_DOSES, phase_value),
        TargetSpec("万里街道三天冲刺任务", WANLI_CODE, SPRINT, ALL_DOSES, sprint.value),
        TargetSpec(
            "普陀区全程接种任务",
            PUTUO.code,
            CAMPAIGN,
            FULL_COURSE,
            _round_target(putuo_full / PUTUO_TARGET_COMPLETION),
        ),
    ]
    specs += [
        TargetSpec(name, code, period, metric, near(totals.between([code], period, metric)))
        for name, code, period, metric in DERIVED_TARGETS
    ]
    erqi_may = near(totals.between([s.code for s in ERQI.subdistricts], _month(5), ALL_DOSES))
    specs.append(TargetSpec("二七区5月接种任务", ERQI.code, _month(5), ALL_DOSES, erqi_may))
    for number in COMMITTEES_WITH_TARGETS:
        committee = WANLI_COMMITTEES[number - 1]
        name = f"{committee.name}6月第一剂次任务"
        june_firsts = totals.committee_months.get((committee.code, 6), [0, 0])[0]
        specs.append(TargetSpec(name, committee.code, _month(6), FIRST, near(june_firsts)))
    specs += _city_target_specs(districts, totals, rng)
    return specs


def _city_target_specs(
    districts: Sequence[DistrictSpec], totals: GeneratedTotals, rng: random.Random
) -> list[TargetSpec]:
    """April-June targets for every generated subdistrict; a full-course target, 97-108%
    complete, for every Shanghai district but Putuo (the demo has Putuo's)."""
    demo_subdistricts = {s.code for d in DEMO_DISTRICTS for s in d.subdistricts}
    specs = []
    for district in districts:
        generated = [s for s in district.subdistricts if s.code not in demo_subdistricts]
        if not generated:
            continue
        for subdistrict, month in itertools.product(generated, (4, 5, 6)):
            actual = totals.between([subdistrict.code], _month(month), ALL_DOSES)
            value = _round_target(actual * rng.uniform(0.97, 1.03))
            name = f"{subdistrict.name}{month}月接种任务"
            specs.append(TargetSpec(name, subdistrict.code, _month(month), ALL_DOSES, value))
        if district.code != PUTUO.code:
            codes = [s.code for s in district.subdistricts]
            value = _round_target(
                totals.between(codes, CAMPAIGN, FULL_COURSE) / rng.uniform(0.97, 1.08)
            )
            name = f"{district.name}全程接种任务"
            specs.append(TargetSpec(name, district.code, CAMPAIGN, FULL_COURSE, value))
    return specs


# ---------------------------------------------------------------------------------------
# Writing: insert what is missing by natural key, never update or delete
# ---------------------------------------------------------------------------------------

HISTORY_REASON = "演示数据"


@dataclass
class _Ids:
    districts: dict[str, int]
    subdistricts: dict[str, int]
    committees: dict[str, int]
    sites: dict[str, int]


def _insert_missing(
    model: type[Model], rows: Sequence[Any], result: DemoSeedResult, label: str
) -> dict[str, int]:
    """Insert the rows whose ``code`` is not stored yet (with a "created" history row
    each); return code -> id of every stored row of the model."""
    stored = set(model._default_manager.values_list("code", flat=True))
    missing = [row for row in rows if row.code not in stored]
    if missing:
        bulk_create_with_history(
            missing, model, batch_size=500, default_change_reason=HISTORY_REASON
        )
    result.count(label, created=len(missing), existing=len(rows) - len(missing))
    return dict(model._default_manager.values_list("code", "id"))


def _ensure_campaign(result: DemoSeedResult) -> Campaign:
    campaign = Campaign.objects.filter(name=CAMPAIGN_NAME).order_by("pk").first()
    if campaign is not None:
        result.count("campaigns", created=0, existing=1)
        return campaign
    campaign = Campaign(
        name=CAMPAIGN_NAME,
        start_date=CAMPAIGN_START,
        end_date=CAMPAIGN_END,
        doses_for_full_course=DOSES_FOR_FULL_COURSE,
    )
    campaign.full_clean()
    bulk_create_with_history([campaign], Campaign, default_change_reason=HISTORY_REASON)
    result.count("campaigns", created=1, existing=0)
    return Campaign.objects.get(name=CAMPAIGN_NAME)


def _ensure_areas_and_sites(districts: Sequence[DistrictSpec], result: DemoSeedResult) -> _Ids:
    district_ids = _insert_missing(
        District,
        [
            District(code=d.code, name=d.name, eligible_population=d.eligible_population)
            for d in districts
        ],
        result,
        "districts",
    )
    subdistrict_ids = _insert_missing(
        Subdistrict,
        [
            Subdistrict(
                code=s.code,
                name=s.name,
                eligible_population=s.eligible_population,
                district_id=district_ids[d.code],
            )
            for d in districts
            for s in d.subdistricts
        ],
        result,
        "subdistricts",
    )
    committee_ids = _insert_missing(
        Committee,
        [
            Committee(
                code=c.code,
                name=c.name,
                eligible_population=c.eligible_population,
                subdistrict_id=subdistrict_ids[s.code],
            )
            for d in districts
            for s in d.subdistricts
            for c in s.committees
        ],
        result,
        "committees",
    )
    site_ids = _insert_missing(
        Site,
        [
            Site(
                code=site.code,
                name=site.name,
                kind=site.kind,
                address=site.address,
                stations=site.stations,
                daily_capacity=site.daily_capacity,
                opens_at=site.hours[0] if site.hours else None,
                closes_at=site.hours[1] if site.hours else None,
                active_from=site.active_from,
                active_to=site.active_to,
                subdistrict_id=subdistrict_ids[s.code],
            )
            for d in districts
            for s in d.subdistricts
            for site in s.sites
        ],
        result,
        "sites",
    )
    return _Ids(district_ids, subdistrict_ids, committee_ids, site_ids)


def _ensure_users(ids: _Ids, result: DemoSeedResult) -> None:
    """One demo login per role. An existing user keeps its password and its scope."""
    user_model = get_user_model()
    areas = {
        StaffScope.Role.DISTRICT_LEADER: ("district", ids.districts),
        StaffScope.Role.SUBDISTRICT_STAFF: ("subdistrict", ids.subdistricts),
        StaffScope.Role.COMMITTEE_STAFF: ("committee", ids.committees),
    }
    names = {
        **{d.code: d.name for d in DEMO_DISTRICTS},
        **{s.code: s.name for d in DEMO_DISTRICTS for s in d.subdistricts},
        **{c.code: c.name for d in DEMO_DISTRICTS for s in d.subdistricts for c in s.committees},
    }
    for username, display_name, role, area_code, superuser in DEMO_USERS:
        user = user_model.objects.filter(username=username).first()
        is_new = user is None
        result.count("users", created=int(is_new), existing=int(not is_new))
        if user is None:
            user = user_model(
                username=username,
                first_name=display_name,
                is_staff=superuser,
                is_superuser=superuser,
            )
            user.set_password(DEMO_PASSWORD)
            user.full_clean()
            user.save()
        if not StaffScope.objects.filter(user=user).exists():
            scope = StaffScope(user=user, role=role)
            if role in areas:
                attribute, area_ids = areas[role]
                setattr(scope, f"{attribute}_id", area_ids[area_code])
            scope.full_clean()
            scope.save()
            result.count("staff scopes", created=1, existing=0)
        else:
            result.count("staff scopes", created=0, existing=1)
        result.logins.append(
            DemoLogin(
                username=username,
                password=DEMO_PASSWORD,
                role=str(StaffScope.Role(role).label),
                scope=names.get(area_code, "全部"),
                created=is_new,
            )
        )


def _ensure_tallies(
    districts: Sequence[DistrictSpec], ids: _Ids, result: DemoSeedResult, say: Progress
) -> GeneratedTotals:
    """Simulate every subdistrict day by day and insert each day's missing tallies in one
    transaction: memory holds one day, and an interrupted run is completed by the next."""
    simulations = [
        StreetSimulation(subdistrict, MILESTONES)
        for district in districts
        for subdistrict in district.subdistricts
    ]
    created = existing = 0
    for i, day in enumerate(DATES):
        rows = [row for simulation in simulations for row in simulation.day(i)]
        if day == DEMO_TODAY:
            rows = [row for row in rows if row[0] not in NOT_YET_REPORTED_ON_DEMO_TODAY]
        new, old = _insert_day(day, rows, ids)
        if new and result.first_new_tally_date is None:
            result.first_new_tally_date = day
        created += new
        existing += old
        reset_queries()  # with DEBUG on, Django keeps every query: the inserts are large
        if day.day == 1 or i == DAYS - 1:
            say(f"{day:%Y-%m-%d}: {created:,} tallies inserted, {existing:,} already there")
    result.count("tallies", created=created, existing=existing)
    totals = GeneratedTotals()
    for simulation in simulations:
        totals.first_by_day[simulation.spec.code] = simulation.first_by_day
        totals.second_by_day[simulation.spec.code] = simulation.second_by_day
        totals.committee_months.update(simulation.committee_months)
    return totals


def _insert_day(day: date, rows: Sequence[Row], ids: _Ids) -> tuple[int, int]:
    """Insert ``rows`` for ``day`` whose (site, committee, dose) is not stored yet."""
    with transaction.atomic():
        stored = set(
            DailyTally.objects.filter(date=day).values_list("site_id", "committee_id", "dose_kind")
        )
        sites, committees = ids.sites, ids.committees
        now = timezone.now()
        source = DailyTally.Source.IMPORT.value
        missing = []
        for site_code, committee_code, dose, count in rows:
            site_id = sites[site_code]
            committee_id = committees[committee_code] if committee_code else None
            if (site_id, committee_id, dose) in stored:
                continue
            # In the order of TALLY_COLUMNS: nobody entered them, version 1.
            missing.append((day, site_id, committee_id, dose, count, source, None, 1, now, now))
        # Plain rows (COPY on PostgreSQL): a city's 3.7 million tallies as model instances
        # were most of the seeding's minutes.
        add_rows(DailyTally, list(TALLY_COLUMNS), missing)
    return len(missing), len(rows) - len(missing)


def _ensure_targets(
    campaign: Campaign, specs: Sequence[TargetSpec], ids: _Ids, result: DemoSeedResult
) -> None:
    """Insert the targets whose name the campaign does not have yet."""
    stored = set(Target.objects.filter(campaign=campaign).values_list("name", flat=True))
    scope_ids = {
        "district": ids.districts,
        "subdistrict": ids.subdistricts,
        "committee": ids.committees,
    }
    missing = [
        Target(
            campaign=campaign,
            name=spec.name,
            period_start=spec.period[0],
            period_end=spec.period[1],
            metric=spec.metric,
            value=spec.value,
            **{f"{spec.level}_id": scope_ids[spec.level][spec.code]},
        )
        for spec in specs
        if spec.name not in stored
    ]
    if missing:
        bulk_create_with_history(
            missing, Target, batch_size=500, default_change_reason=HISTORY_REASON
        )
    result.count("targets", created=len(missing), existing=len(specs) - len(missing))


# ---------------------------------------------------------------------------------------
# Golden shield buildings (seed 000: "5月13日，首栋'金盾楼'诞生，全楼接种率达到77.6%")
#
# The report gives no building's name: the names, residents and counts below are
# invented around its one fact, 万里雅筑3号楼 reaching 97 of 125 residents (77.6%) on
# 05-13, the first building at or above the demo campaign's 75% threshold. 水泉路99弄 is
# where the mobile team went on 06-03. Written through campaign.services, so the demo
# obeys the same rules as a clerk; existing buildings and counts are left alone.
# ---------------------------------------------------------------------------------------

# (committee code, building, residents, address, ((date, vaccinated), ...))
DEMO_BUILDINGS = (
    (f"{WANLI_CODE}-07", "万里雅筑3号楼", 125, "",
     ((_d(4, 20), 61), (_d(5, 6), 88), (_d(5, 13), 97), (_d(6, 28), 108))),
    (f"{WANLI_CODE}-07", "万里雅筑1号楼", 140, "", ((_d(5, 13), 84), (_d(6, 28), 103))),
    (f"{WANLI_CODE}-07", "万里雅筑5号楼", 96, "", ((_d(5, 20), 70), (_d(6, 24), 74))),
    (f"{WANLI_CODE}-08", "中浩云2号楼", 160, "", ((_d(6, 25), 121),)),
    (f"{WANLI_CODE}-08", "中浩云6号楼", 150, "", ((_d(6, 25), 98),)),
    (f"{WANLI_CODE}-09", "水泉路99弄2号楼", 80, "水泉路99弄2号", ((_d(6, 3), 52), (_d(6, 10), 63))),
)  # fmt: skip


def _ensure_golden_shield_buildings(ids: _Ids, result: DemoSeedResult) -> None:
    buildings_created = counts_created = counts_existing = 0
    for committee_code, name, residents, address, counts in DEMO_BUILDINGS:
        committee_id = ids.committees.get(committee_code)
        if committee_id is None:
            continue
        building = Building.objects.filter(committee_id=committee_id, name=name).first()
        if building is None:
            building = building_create(
                committee=Committee.objects.get(pk=committee_id),
                name=name,
                residents=residents,
                address=address,
            )
            buildings_created += 1
        stored = set(BuildingCount.objects.filter(building=building).values_list("date", flat=True))
        for day, vaccinated in counts:
            if day in stored:
                counts_existing += 1
                continue
            building_count_record(building=building, on=day, vaccinated=vaccinated)
            counts_created += 1
    result.count(
        "buildings",
        created=buildings_created,
        existing=len(DEMO_BUILDINGS) - buildings_created,
    )
    result.count("building counts", created=counts_created, existing=counts_existing)


# Timeline notes (大事记) staff would have added: the days the Wanli report names. The
# automatic milestones (sites, targets, records, coverage) need no demo rows.
# ---------------------------------------------------------------------------------------

DEMO_TIMELINE_NOTES = (
    (WANLI_CODE, WHOLE_ORGANISATIONS, "整建制单位接种启动"),
    (WANLI_CODE, RESIDENTS_BOOKING, "居民预约渠道开通"),
    (WANLI_CODE, AGE_60_DRIVE, "60岁及以上人群开始登记预约"),
    (WANLI_CODE, AGE_76_DRIVE, "76岁及以上人群开始登记预约"),
    (WANLI_CODE, SPRINT[0], "三天冲刺开始：三天1,500剂"),
)
DEMO_TIMELINE_AUTHOR = "wanli_staff"


def _ensure_timeline_notes(ids: _Ids, result: DemoSeedResult) -> None:
    """Insert the notes of ``DEMO_TIMELINE_NOTES`` a subdistrict does not have yet (by day
    and text), written by its demo clerk; nothing when that user is gone."""
    author = get_user_model().objects.filter(username=DEMO_TIMELINE_AUTHOR).first()
    if author is None:
        return
    stored = set(
        MilestoneNote.objects.filter(subdistrict_id__in=ids.subdistricts.values()).values_list(
            "subdistrict_id", "date", "text"
        )
    )
    missing = []
    for code, day, text in DEMO_TIMELINE_NOTES:
        note = MilestoneNote(
            subdistrict_id=ids.subdistricts[code], date=day, text=text, written_by=author
        )
        if (note.subdistrict_id, day, text) not in stored:
            note.full_clean()
            missing.append(note)
    MilestoneNote.objects.bulk_create(missing)
    result.count(
        "timeline notes", created=len(missing), existing=len(DEMO_TIMELINE_NOTES) - len(missing)
    )


# Daily plans and mobile visits, for the capacity pages (seeds 000 and 002): every demo
# site's plan for the campaign's last two weeks, and Wanli's mobile team and bus visits.
# ---------------------------------------------------------------------------------------

DEMO_PLAN_WRITER = "admin"  # plans of past days are an administrator's to write
PLANS_FROM = _d(6, 17)  # plans of 06-17 .. 06-30: the page's "week" view has two of them
PLAN_LOOKBACK = 7  # a plan is made from the site's last week, as Wulibao's evening review did
SPRINT_PLAN_FACTOR = 1.2  # the three-day sprint was planned above the usual days
VISITS_FROM = _d(6, 27)  # Wanli's mobile visits: the last four days, plus the reports' two
NAMED_VISITS = (  # (day, site code, committee code or "", compound, note) from seed 000
    (_d(5, 8), "WL-M-BUS", "", "大华虎城园区", "首辆“移动疫苗接种车”开进大华虎城园区"),
    (_d(6, 3), "WL-M-01", f"{WANLI_CODE}-09", "水泉路99弄", "机动队送针上门进小区"),
)


def _ensure_plans_and_visits(ids: _Ids, result: DemoSeedResult) -> None:
    """Insert the missing plans and visits (by site and date; by site, date, committee and
    compound). Plans follow what each site gave in the week before, with some noise, so
    plan vs actual has both signs; the demo's unreported sites miss theirs on 06-30.
    Visits follow the simulation's mobile schedule, with the doses their tallies hold."""
    specs = {site.code: site for d in DEMO_DISTRICTS for s in d.subdistricts for site in s.sites}
    site_ids = {code: ids.sites[code] for code in specs}
    daily = {
        (site_id, day): doses
        for site_id, day, doses in DailyTally.objects.filter(
            site_id__in=site_ids.values(),
            date__range=(PLANS_FROM - timedelta(days=PLAN_LOOKBACK), CAMPAIGN_END),
        )
        .values_list("site_id", "date")
        .annotate(doses=Sum("count"))
        .order_by()
    }
    plans = []
    for code, spec in specs.items():
        rng = random.Random(f"{SEED}:{code}:plans")  # noqa: S311 - demo data, not secrets
        for n in range((CAMPAIGN_END - PLANS_FROM).days + 1):
            day = PLANS_FROM + timedelta(days=n)
            week = [daily.get((site_ids[code], day - timedelta(days=k)), 0) for k in range(1, 8)]
            usual = sum(week) / PLAN_LOOKBACK * rng.uniform(0.9, 1.15)
            if SPRINT[0] <= day <= SPRINT[1]:
                usual *= SPRINT_PLAN_FACTOR
            if spec.is_active(day) and usual >= 5:
                plans.append((site_ids[code], day, max(10, round(usual / 10) * 10)))
    writer = get_user_model().objects.filter(username=DEMO_PLAN_WRITER).first()
    if writer is None:
        return
    stored = set(SitePlan.objects.values_list("site_id", "date"))
    missing = [
        PlanCell(site_id=site_id, date=day, planned_doses=value)
        for site_id, day, value in plans
        if (site_id, day) not in stored
    ]
    if missing:  # the service's rules: open days, in the campaign, one plan a cell
        site_plans_set(user=writer, cells=missing)
    result.count("plans", created=len(missing), existing=len(plans) - len(missing))
    _ensure_wanli_visits(ids, writer, result)


def _ensure_wanli_visits(ids: _Ids, writer, result: DemoSeedResult) -> None:
    wanli = next(s for s in PUTUO.subdistricts if s.code == WANLI_CODE)
    schedule = StreetSimulation(wanli, MILESTONES).visits  # day index -> committee -> site
    wanted = list(NAMED_VISITS)
    for n in range((CAMPAIGN_END - VISITS_FROM).days + 1):
        day = VISITS_FROM + timedelta(days=n)
        for committee, site in sorted(schedule.get((day - CAMPAIGN_START).days, {}).items()):
            wanted.append((day, site, committee, "", ""))
    doses = {
        (day, site_id, committee_id): total
        for day, site_id, committee_id, total in DailyTally.objects.filter(
            site_id__in={ids.sites[site] for _day, site, *_rest in wanted},
            date__in={day for day, *_rest in wanted},
        )
        .values_list("date", "site_id", "committee_id")
        .annotate(total=Sum("count"))
        .order_by()
    }
    wanted = [visit for visit in wanted if visit[0] <= today()]  # none recorded ahead
    stored = set(MobileVisit.objects.values_list("site_id", "date", "committee_id", "compound"))
    sites = Site.objects.in_bulk({ids.sites[site] for _day, site, *_rest in wanted})
    committees = Committee.objects.in_bulk(
        {ids.committees[code] for _d, _s, code, *_r in wanted if code}
    )
    created = 0
    for day, site, committee, compound, note in wanted:
        site_id, committee_id = ids.sites[site], ids.committees.get(committee)
        if (site_id, day, committee_id, compound) in stored:
            continue
        mobile_visit_record(  # the service's rules: a mobile team, open, not ahead of today
            user=writer,
            site=sites[site_id],
            on=day,
            committee=committees.get(committee_id),
            compound=compound,
            doses=doses.get((day, site_id, committee_id)),
            note=note,
        )
        created += 1
    result.count("mobile visits", created=created, existing=len(wanted) - created)
