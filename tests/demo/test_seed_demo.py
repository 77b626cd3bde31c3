"""``manage.py seed_demo``: the demo a user explores must match the newspaper reports, be
the same on every machine, and never overwrite what a user changed."""

import datetime
import hashlib
import io
from collections import defaultdict
from itertools import accumulate

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.db import connection
from django.db.models import Count, F, Q, Sum
from django.test import Client
from django.urls import reverse

from audit.models import AuditEvent, SnapshotBuild
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
from demo.city import SHANGHAI, CitySize, city_districts
from demo.places import (
    DEMO_PASSWORD,
    DEMO_TODAY,
    ENTERPRISE_EMPLOYEES,
    ENTERPRISE_SITE_CODE,
    NOT_YET_REPORTED_ON_DEMO_TODAY,
)
from demo.seed import demo_seed
from reports.models import (
    CommitteeDay,
    DistrictDay,
    MilestoneNote,
    QualityFlag,
    SiteDay,
    StaleDate,
    SubdistrictDay,
    TargetProgress,
)
from robots.models import Robot, RobotPost, TargetAnnouncement
from sites.models import DailyTally, MobileVisit, Site, SitePlan
from tests.auth import log_in

pytestmark = pytest.mark.django_db

WANLI = "310107-WL"
CAMPAIGN_START = datetime.date(2021, 1, 8)
CAMPAIGN_END = datetime.date(2021, 6, 30)
HISTORY_MODELS = [
    District.history.model,
    Subdistrict.history.model,
    Committee.history.model,
    Campaign.history.model,
    Target.history.model,
    StaffScope.history.model,
    Site.history.model,
    DailyTally.history.model,
    Building.history.model,
    BuildingCount.history.model,
    SitePlan.history.model,
    MobileVisit.history.model,
]


@pytest.fixture(scope="module")
def demo_database(django_db_setup, django_db_blocker):
    """The demo, seeded once for the module: a run takes seconds. Each test still runs in
    a transaction that is rolled back, so tests may change or re-seed it freely."""
    with django_db_blocker.unblock():
        demo_seed()
    yield
    with django_db_blocker.unblock():
        _wipe()


@pytest.fixture
def seeded(demo_database, db):
    """The seeded demo, inside this test's transaction."""


def _tally_checksum(tallies=None) -> str:
    """A fingerprint of the tallies by natural key, independent of database ids."""
    tallies = DailyTally.objects.all() if tallies is None else tallies
    rows = tallies.values_list(
        "date", "site__code", "committee__code", "dose_kind", "count"
    ).order_by("date", "site__code", "committee__code", "dose_kind")
    digest = hashlib.sha256()
    for row in rows:
        digest.update(repr(row).encode())
    return digest.hexdigest()


def _row_counts() -> dict[str, int]:
    models = [District, Subdistrict, Committee, Campaign, Target, StaffScope, Site, DailyTally]
    models += [Building, BuildingCount]
    models += [SitePlan, MobileVisit]
    counts = {model.__name__: model.objects.count() for model in models + HISTORY_MODELS}
    counts["User"] = get_user_model().objects.count()
    return counts


def _wipe() -> None:
    """Empty the seeded tables, as ``manage.py flush`` would; plain DELETEs, because
    deleting 30,000 tallies through the ORM would write a history row for each."""
    models = [SnapshotBuild, AuditEvent]  # the seed's rebuild is logged
    # ... and its targets reached are announced (to no robot: the demo registers none)
    models += [TargetAnnouncement, RobotPost, Robot.history.model, Robot]
    models += [MilestoneNote, TargetProgress, CommitteeDay, SubdistrictDay, DistrictDay, StaleDate]
    models += [QualityFlag, SiteDay]
    models += [*HISTORY_MODELS, BuildingCount, Building, SitePlan, MobileVisit]
    models += [DailyTally, Target, StaffScope, get_user_model()]
    models += [Site, Committee, Subdistrict, District, Campaign]
    with connection.cursor() as cursor:
        for model in models:
            table = connection.ops.quote_name(model._meta.db_table)
            cursor.execute(f"DELETE FROM {table}")  # noqa: S608 - a model's own table


def _daily_totals(tallies) -> dict[datetime.date, int]:
    return dict(tallies.values_list("date").annotate(doses=Sum("count")).order_by("date"))


def _first_day_reaching(totals: dict[datetime.date, int], start, end, value) -> datetime.date:
    running = 0
    day = start
    while day <= end:
        running += totals.get(day, 0)
        if running >= value:
            return day
        day += datetime.timedelta(days=1)
    raise AssertionError(f"{value} never reached: {running} by {end}")


# --- the places the reports name -------------------------------------------------------


def test_the_demos_ordinary_days_are_not_flagged(seeded):
    """The data-quality rules on the demo: no impossible aggregate, and unusual days only
    where the campaign steps up (the first days of residents' booking on 03-02 and of the
    60+ drive on 03-19, four times the days before): under 1% of the site-days, none in
    April and May. (On 2026-12-06: 18 of 2,065 site-days, 0.87%.)"""
    site_days = DailyTally.objects.values("site_id", "date").distinct().count()
    flags = QualityFlag.objects.all()
    assert set(flags.values_list("rule", flat=True)) <= {QualityFlag.Rule.UNUSUAL_DAY}
    assert flags.count() < site_days / 100
    assert not flags.filter(date__month__in=(4, 5)).exists()


def test_wanli_has_its_33_committees_and_the_reports_sites(seeded):
    wanli = Subdistrict.objects.get(code=WANLI)
    assert wanli.district.name == "普陀区"
    assert wanli.name == "万里街道"
    names = set(wanli.committees.values_list("name", flat=True))
    assert len(names) == 33
    assert {"万里雅筑居民区", "中浩云居民区", "水泉居民区"} <= names

    sites = {site.name: site for site in wanli.sites.all()}
    fixed = [s for s in sites.values() if s.kind == Site.Kind.FIXED]
    assert {s.name for s in fixed} == {"万里街道东片区固定接种点", "万里街道西片区固定接种点"}
    opened = {
        "上海西站临时接种点": datetime.date(2021, 6, 7),
        "岚灵花鸟市场临时接种点": datetime.date(2021, 6, 4),
        "万里新泉疫苗临时接种点": datetime.date(2021, 3, 28),
        "颐华新冠疫苗临时接种点": datetime.date(2021, 5, 10),
    }
    for name, day in opened.items():
        assert sites[name].active_from == day
    temporary = [s for s in sites.values() if s.kind == Site.Kind.TEMPORARY]
    assert {"家乐福临时接种点", "大华虎城临时接种点"} <= {s.name for s in temporary}
    assert all(s.active_to == CAMPAIGN_END for s in temporary)
    team = sites["万里街道疫苗接种机动队"]
    assert team.kind == Site.Kind.MOBILE
    # The team brings doses into the compounds: its tallies belong to committees, and on
    # 06-03 it went to 水泉路99弄.
    assert team.tallies.exclude(committee=None).values("committee").distinct().count() > 20
    assert team.tallies.filter(date="2021-06-03", committee__name="水泉居民区").exists()
    bus = sites["移动疫苗接种车"]
    assert (bus.kind, bus.active_from) == (Site.Kind.MOBILE, datetime.date(2021, 5, 8))


def test_shimen_erlu_sites_open_from_nine_to_half_past_seven(seeded):
    shimen = Subdistrict.objects.get(name="石门二路街道")
    assert shimen.district.name == "静安区"
    assert 10 <= shimen.committees.count() <= 14
    assert shimen.committees.filter(name="东王居民区").exists()
    temporary = shimen.sites.filter(kind=Site.Kind.TEMPORARY)
    for name in ["国泰君安", "嘉地中心", "仲益大厦", "梅龙镇广场", "雕塑公园", "阳光家园"]:
        assert temporary.filter(name__startswith=name).exists(), name
    hours = set(temporary.values_list("opens_at", "closes_at"))
    assert hours == {(datetime.time(9, 0), datetime.time(19, 30))}
    # Office towers are full of workers who live elsewhere: tallies without a committee.
    office = DailyTally.objects.filter(site__subdistrict=shimen, site__name__startswith="嘉地中心")
    assert office.filter(committee=None).aggregate(n=Sum("count"))["n"] > 1_000


def test_erqi_subdistricts_and_the_enterprise_session(seeded):
    erqi = District.objects.get(name__contains="二七区")
    subdistricts = {s.name: s for s in erqi.subdistricts.all()}
    assert set(subdistricts) == {"京广路街道", "五里堡街道", "大学路街道"}
    assert subdistricts["五里堡街道"].committees.count() == 13
    assert subdistricts["京广路街道"].sites.count() == 2
    assert subdistricts["五里堡街道"].sites.filter(name__startswith="五里堡卫生服务中心").exists()
    assert set(
        Site.objects.filter(subdistrict__district=erqi).values_list("opens_at", "closes_at")
    ) == {(datetime.time(8, 0), datetime.time(17, 0))}

    enterprise = Site.objects.get(code=ENTERPRISE_SITE_CODE)
    assert enterprise.subdistrict == subdistricts["大学路街道"]
    assert "交通医院" in enterprise.name
    tallies = enterprise.tallies.all()
    assert tallies.exists()
    assert not tallies.filter(committee__isnull=False).exists()
    firsts = tallies.filter(dose_kind="first").aggregate(n=Sum("count"))["n"]
    assert firsts == ENTERPRISE_EMPLOYEES == 685


def test_every_area_has_a_code_and_people_and_every_site_capacity(seeded):
    for model in (District, Subdistrict, Committee):
        assert not model.objects.filter(Q(code="") | Q(eligible_population__lte=0)).exists()
    for subdistrict in Subdistrict.objects.all():
        committees = subdistrict.committees.aggregate(n=Sum("eligible_population"))["n"]
        assert subdistrict.eligible_population == committees
    for district in District.objects.all():
        subdistricts = district.subdistricts.aggregate(n=Sum("eligible_population"))["n"]
        assert district.eligible_population >= subdistricts
    assert Committee.objects.get(name="万里雅筑居民区").code == "310107-WL-07"
    assert Site.objects.filter(code="WL-F-E").exists()
    for site in Site.objects.all():
        assert 100 <= site.daily_capacity / site.stations <= 150, site
        assert site.address


def test_demo_sites_have_plans_and_wanli_mobile_visits(seeded):
    """Every demo site open in the last two weeks has daily plans, missed and beaten;
    Wanli's mobile team and bus have the reports' visits and the last days' visits."""
    plans = SitePlan.objects.filter(site__code__in=["WL-F-E", "DXL-F-01", "SMEL-T-JD"])
    assert plans.values("site").distinct().count() == 3
    assert set(plans.values_list("date", flat=True)) == {
        datetime.date(2021, 6, 17) + datetime.timedelta(days=n) for n in range(14)
    }
    # On demo today 家乐福 has a plan and no tally yet: the page shows it missed.
    assert SitePlan.objects.filter(site__code="WL-T-JLF", date=CAMPAIGN_END).exists()
    # No plan outside a site's open dates; none once a site's sessions are over.
    assert not SitePlan.objects.filter(site__code=ENTERPRISE_SITE_CODE, date=CAMPAIGN_END).exists()
    for plan in SitePlan.objects.select_related("site"):
        assert plan.site.active_from <= plan.date, plan
        assert plan.site.active_to is None or plan.date <= plan.site.active_to, plan
    visits = MobileVisit.objects.filter(site__subdistrict__code=WANLI)
    assert visits.count() == MobileVisit.objects.count() >= 10
    named = visits.get(date="2021-06-03", compound="水泉路99弄")
    assert (named.site.code, named.committee.name) == ("WL-M-01", "水泉居民区")
    bus = visits.get(date="2021-05-08", compound="大华虎城园区")
    assert bus.site.code == "WL-M-BUS"
    assert bus.committee is None
    # A visit's doses are what the team's tallies hold for that committee and day.
    for visit in visits.exclude(committee=None).exclude(doses=None):
        held = DailyTally.objects.filter(
            site=visit.site, date=visit.date, committee=visit.committee
        ).aggregate(n=Sum("count"))["n"]
        assert visit.doses == held, visit


def test_demo_plans_and_visits_are_written_through_the_services(seeded):
    """site_plans_set and mobile_visit_record wrote them: entered by the demo administrator,
    with a history row naming them, as if typed into the pages."""
    admin = get_user_model().objects.get(username="admin")
    assert SitePlan.objects.exists()
    assert MobileVisit.objects.exists()
    assert set(SitePlan.objects.values_list("entered_by", flat=True)) == {admin.pk}
    assert set(MobileVisit.objects.values_list("entered_by", flat=True)) == {admin.pk}
    assert set(SitePlan.history.values_list("history_user", flat=True)) == {admin.pk}
    assert set(MobileVisit.history.values_list("history_user", flat=True)) == {admin.pk}


# --- the figures ----------------------------------------------------------------------


def test_wanli_passes_its_april_target_on_april_29(seeded):
    target = Target.objects.get(subdistrict__code=WANLI, name__contains="4月")
    assert (target.value, target.metric) == (32_800, Target.Metric.ALL_DOSES)
    start, end = datetime.date(2021, 4, 1), datetime.date(2021, 4, 30)
    at_sites = _daily_totals(DailyTally.objects.filter(site__subdistrict__code=WANLI))
    of_residents = _daily_totals(DailyTally.objects.filter(committee__subdistrict__code=WANLI))
    for totals in (at_sites, of_residents):  # whichever way a page counts a subdistrict
        assert _first_day_reaching(totals, start, end, 32_800) == datetime.date(2021, 4, 29)
    phase = Target.objects.get(name__contains="第一阶段")
    assert (phase.period_start, phase.period_end) == (datetime.date(2021, 3, 19), end)
    assert _first_day_reaching(at_sites, phase.period_start, end, phase.value) == datetime.date(
        2021, 4, 29
    )


def test_wanli_finishes_its_three_day_sprint_on_the_last_day(seeded):
    sprint = Target.objects.get(name__contains="冲刺")
    assert (sprint.period_start, sprint.period_end, sprint.value) == (
        datetime.date(2021, 6, 28),
        CAMPAIGN_END,
        1_500,
    )
    # Counted as the ranking counts a subdistrict's target: all doses given at its sites.
    # (Counted by residents it is reached once the demo's last reports are entered.)
    at_sites = _daily_totals(DailyTally.objects.filter(site__subdistrict__code=WANLI))
    reached = _first_day_reaching(at_sites, sprint.period_start, CAMPAIGN_END, 1_500)
    assert reached == CAMPAIGN_END


def test_putuo_full_course_target_is_about_105_percent_complete(seeded):
    target = Target.objects.get(district__code="310107")
    assert target.metric == Target.Metric.FULL_COURSE
    full = DailyTally.objects.filter(
        site__subdistrict__district=target.district, dose_kind="second"
    )
    completion = full.aggregate(n=Sum("count"))["n"] / target.value
    assert 1.04 <= completion <= 1.06


def test_one_campaign_with_targets_at_every_level(seeded):
    targets = Target.objects.all()
    assert targets.filter(district__isnull=False).exists()
    assert targets.filter(subdistrict__isnull=False).exclude(subdistrict__code=WANLI).exists()
    assert targets.filter(committee__isnull=False).exists()
    wanli_months = targets.filter(subdistrict__code=WANLI, name__endswith="月接种任务")
    assert wanli_months.count() == 6
    campaign = Campaign.objects.get()
    assert (campaign.name, campaign.start_date, campaign.end_date) == (
        "2021年新冠疫苗接种",
        CAMPAIGN_START,
        CAMPAIGN_END,
    )
    assert campaign.doses_for_full_course == 2
    assert not targets.exclude(campaign=campaign).exists()


def test_the_campaign_has_a_believable_shape(seeded):
    months = dict(DailyTally.objects.values_list("date__month").annotate(n=Sum("count")).order_by())
    assert months[1] < months[3] < months[4]
    assert months[2] * 20 < months[4]  # priority groups only in winter
    assert min(months[4], months[5], months[6]) > max(months[1], months[2], months[3])
    daily = _daily_totals(DailyTally.objects.filter(date__month__in=[4, 5]))
    weekdays = [n for day, n in daily.items() if day.weekday() < 5]
    weekends = [n for day, n in daily.items() if day.weekday() >= 5]
    assert sum(weekends) / len(weekends) < 0.9 * sum(weekdays) / len(weekdays)
    festival = _daily_totals(DailyTally.objects.filter(date__range=("2021-02-11", "2021-02-17")))
    assert sum(festival.values()) < 50

    wanli = _daily_totals(DailyTally.objects.filter(site__subdistrict__code=WANLI))

    def mean(start: str, end: str) -> float:
        days = [n for day, n in wanli.items() if start <= day.isoformat() <= end]
        return sum(days) / len(days)

    assert mean("2021-03-01", "2021-03-18") * 4 < mean("2021-03-25", "2021-03-31")  # 60+ drive
    # The sprint; its last day is the demo's "today", still missing a few sites' reports.
    assert mean("2021-06-28", "2021-06-29") > 1.2 * mean("2021-06-21", "2021-06-27")


def test_spring_festival_has_explicit_zero_reports(seeded):
    zeros = DailyTally.objects.filter(date__range=("2021-02-11", "2021-02-17"), count=0)
    assert zeros.filter(site__kind=Site.Kind.FIXED, committee=None, dose_kind="first").exists()
    assert not zeros.exclude(site__kind=Site.Kind.FIXED).exists()
    assert not zeros.exclude(committee=None).exists()


def test_second_doses_follow_first_doses(seeded):
    assert not DailyTally.objects.filter(
        dose_kind="second", date__lt=CAMPAIGN_START + datetime.timedelta(days=21), count__gt=0
    ).exists()
    assert not DailyTally.objects.filter(dose_kind="booster").exists()
    per_committee = defaultdict(lambda: defaultdict(lambda: [0, 0]))
    for committee, day, dose, count in DailyTally.objects.values_list(
        "committee_id", "date", "dose_kind", "count"
    ):
        per_committee[committee][day][dose == "second"] += count
    for committee, days in per_committee.items():
        firsts = accumulate(days[day][0] for day in sorted(days))
        seconds = accumulate(days[day][1] for day in sorted(days))
        for first, second in zip(firsts, seconds, strict=True):
            assert second <= first, committee
    totals = _daily_totals(DailyTally.objects.filter(dose_kind="first"))
    seconds = _daily_totals(DailyTally.objects.filter(dose_kind="second"))
    first_running = second_running = 0
    for day in sorted(totals):
        first_running += totals[day]
        second_running += seconds.get(day, 0)
        assert second_running < first_running


def test_tallies_are_imports_within_their_sites_open_dates(seeded):
    tallies = DailyTally.objects.all()
    assert tallies.count() > 20_000
    assert not tallies.filter(date__lt=F("site__active_from")).exists()
    assert not tallies.filter(date__gt=F("site__active_to")).exists()
    assert not tallies.filter(date__lt=CAMPAIGN_START).exists()
    assert not tallies.filter(date__gt=CAMPAIGN_END).exists()
    assert set(tallies.values_list("source", "entered_by", "version").distinct()) == {
        (DailyTally.Source.IMPORT, None, 1)
    }
    assert (
        not tallies.exclude(committee=None)
        .exclude(committee__subdistrict=F("site__subdistrict"))
        .exists()
    )


def test_committees_use_a_few_sites_and_end_with_different_coverage(seeded):
    sites_per_day = (
        DailyTally.objects.exclude(committee=None)
        .values("committee", "date")
        .annotate(n=Count("site", distinct=True))
    )
    assert max(row["n"] for row in sites_per_day) <= 3
    committees = Committee.objects.annotate(
        firsts=Sum("tallies__count", filter=Q(tallies__dose_kind="first"))
    )
    coverage = [c.firsts / c.eligible_population for c in committees]
    assert 0.5 <= min(coverage) < 0.65
    assert 0.85 < max(coverage) <= 0.95


# --- golden shield buildings (seed 000: "5月13日，首栋'金盾楼'诞生，全楼接种率达到77.6%") ---


def test_the_first_golden_shield_building_is_born_on_may_13_at_77_6_percent(seeded):
    from campaign.selectors import buildings_with_coverage, golden_shield_threshold

    def golden_on(day):
        threshold = golden_shield_threshold(on=day)
        rows = buildings_with_coverage(
            Building.objects.filter(committee__subdistrict__code=WANLI), on=day, threshold=threshold
        )
        return {b.name: round(b.coverage_percent, 1) for b in rows if b.is_golden}

    assert golden_on(datetime.date(2021, 5, 12)) == {}
    assert golden_on(datetime.date(2021, 5, 13)) == {"万里雅筑3号楼": 77.6}
    assert len(golden_on(CAMPAIGN_END)) == 4
    assert Building.objects.filter(committee__subdistrict__code=WANLI).count() == 6
    campaign = Campaign.objects.get()
    assert (campaign.second_dose_min_days, campaign.second_dose_max_days) == (21, 56)


# --- deterministic and idempotent ------------------------------------------------------


def test_two_fresh_runs_write_the_same_tallies(seeded):
    first = _tally_checksum()
    _wipe()
    assert not DailyTally.objects.exists()
    demo_seed(build_snapshots=False)
    assert _tally_checksum() == first


def test_a_second_run_writes_nothing(seeded):
    before = _row_counts()
    result = demo_seed()
    assert result.rows_created == 0
    assert result.existing["tallies"] == before["DailyTally"]
    assert _row_counts() == before


def test_a_second_run_keeps_what_users_changed(seeded):
    tally = DailyTally.objects.filter(committee__code="310107-WL-07", count__gt=5).first()
    DailyTally.objects.filter(pk=tally.pk).update(count=3, version=2)
    Committee.objects.filter(code="310107-WL-07").update(eligible_population=9_999)
    Target.objects.filter(name__contains="冲刺").update(value=1_600)

    demo_seed()

    tally.refresh_from_db()
    assert (tally.count, tally.version) == (3, 2)
    assert Committee.objects.get(code="310107-WL-07").eligible_population == 9_999
    assert Target.objects.get(name__contains="冲刺").value == 1_600


# --- the demo's "today" and its snapshots ----------------------------------------------


def test_demo_today_leaves_sites_to_report_on_the_board(seeded, client, settings):
    settings.STREETVAX_DEMO_DATE = DEMO_TODAY
    assert not DailyTally.objects.filter(
        date=DEMO_TODAY, site__code__in=NOT_YET_REPORTED_ON_DEMO_TODAY
    ).exists()
    log_in(client, "wanli_staff", DEMO_PASSWORD)
    board = client.get(reverse("sites:board")).content.decode()
    assert "家乐福临时接种点" in board
    assert "移动疫苗接种车" in board
    assert "上海西站临时接种点" not in board  # reported already


def test_the_seeded_demo_has_a_ranking_for_every_day(seeded, client):
    assert CommitteeDay.objects.values("date").distinct().count() == 174
    april = TargetProgress.objects.get(
        target__name__contains="4月", target__subdistrict__code=WANLI, date=CAMPAIGN_END
    )
    assert april.reached_on == datetime.date(2021, 4, 29)
    log_in(client, "putuo_leader", DEMO_PASSWORD)
    ranking = client.get(reverse("reports:ranking")).content.decode()
    assert "万里雅筑居民区" in ranking
    assert not StaleDate.objects.exists()


# --- the demo logins ------------------------------------------------------------------


def test_command_creates_one_login_per_role_that_works(seeded):
    # The demo's plans and visits were entered by its admin (a user who entered rows
    # cannot be deleted): remove them with the users, the command writes them again.
    SitePlan.objects.all().delete()
    MobileVisit.objects.all().delete()
    get_user_model().objects.all().delete()
    out = io.StringIO()
    call_command("seed_demo", stdout=out)
    printed = out.getvalue()

    expected = {
        "admin": (StaffScope.Role.ADMINISTRATOR, None),
        "putuo_leader": (StaffScope.Role.DISTRICT_LEADER, "普陀区"),
        "wanli_staff": (StaffScope.Role.SUBDISTRICT_STAFF, "万里街道"),
        "wanli_yazhu": (StaffScope.Role.COMMITTEE_STAFF, "万里雅筑居民区"),
    }
    users = get_user_model().objects.select_related("staff_scope")
    for username, (role, area) in expected.items():
        line = next(line for line in printed.splitlines() if line.strip().startswith(username))
        assert DEMO_PASSWORD in line
        user = users.get(username=username)
        scope = user.staff_scope
        scope_area = scope.district or scope.subdistrict or scope.committee
        assert (scope.role, str(scope_area) if scope_area else None) == (role, area)
        assert user.get_full_name()  # a Chinese name for the greeting
        assert log_in(Client(), username, DEMO_PASSWORD)
    admin = users.get(username="admin")
    assert admin.is_superuser
    assert admin.is_staff
    assert not users.get(username="putuo_leader").is_staff
    assert "rows inserted" in printed
    assert set(SitePlan.objects.values_list("entered_by", flat=True)) == {admin.pk}


def test_an_existing_user_keeps_its_password(seeded):
    user_model = get_user_model()
    user_model.objects.filter(username="wanli_staff").delete()
    user_model.objects.create_user("wanli_staff", password="my-own-password-123")
    out = io.StringIO()
    call_command("seed_demo", stdout=out)

    assert log_in(Client(), "wanli_staff", "my-own-password-123")
    assert not log_in(Client(), "wanli_staff", DEMO_PASSWORD)
    line = next(line for line in out.getvalue().splitlines() if "wanli_staff" in line)
    assert "exists" in line
    assert DEMO_PASSWORD not in line


# --- city scale ------------------------------------------------------------------------


def test_city_defaults_are_shanghai_sized():
    assert CitySize() == CitySize(committees=6_000, sites=1_500, subdistricts_per_district=None)
    assert len(SHANGHAI) == 16
    assert sum(len(names.split()) for *_, names in SHANGHAI) == 215
    districts = city_districts(size=CitySize())
    shanghai = [d for d in districts if d.code.startswith("31")]
    assert len(shanghai) == 16
    subdistricts = [s for d in shanghai for s in d.subdistricts]
    assert len(subdistricts) == 215
    committees = sum(len(s.committees) for d in districts for s in d.subdistricts)
    sites = sum(len(s.sites) for d in districts for s in d.subdistricts)
    assert 5_900 <= committees <= 6_100
    assert 1_450 <= sites <= 1_550
    for district in shanghai:
        assert district.eligible_population == sum(
            s.eligible_population for s in district.subdistricts
        )


def test_city_scale_adds_a_city_around_the_demo(seeded):
    demo_checksum = _tally_checksum()
    demo_sites = list(Site.objects.values_list("pk", flat=True))
    demo_tallies = DailyTally.objects.count()
    size = CitySize(committees=150, sites=90, subdistricts_per_district=1)

    result = demo_seed(scale="city", city_size=size, build_snapshots=False)

    shanghai = District.objects.filter(code__startswith="31")
    assert set(shanghai.values_list("name", flat=True)) == {name for _, name, *_ in SHANGHAI}
    assert District.objects.filter(code="410103").exists()
    assert Subdistrict.objects.filter(district__code="310107").count() == 2  # Wanli + 1
    assert result.created["tallies"] > 30_000
    assert result.existing["tallies"] == demo_tallies  # the demo part is the demo itself
    assert _tally_checksum(DailyTally.objects.filter(site__in=demo_sites)) == demo_checksum
    generated = DailyTally.objects.exclude(site__in=demo_sites)
    assert generated.values("date").distinct().count() == 174
    for subdistrict in Subdistrict.objects.filter(district__code="310101"):
        assert subdistrict.sites.filter(kind=Site.Kind.FIXED).exists()
        assert subdistrict.sites.filter(kind=Site.Kind.MOBILE).exists()
        assert subdistrict.committees.count() >= 2
    assert Target.objects.filter(district__code="310101", metric="full_course").exists()

    before = _row_counts()
    assert demo_seed(scale="city", city_size=size, build_snapshots=False).rows_created == 0
    assert _row_counts() == before
