"""The home page's morning figures, checked against the bulletin tests' hand-computed day
(tests/reports/bulletin_scene.py): what a leader or a clerk would check with a pencil.

On 04-29 万里街道 gave 390 doses (1,000 the day before); its first-dose coverage went from
10.0% to 13.0% (1,300 of 10,000), the full course from 0 to 0.9%; it is the only
subdistrict of 普陀区, so first of 1. 中浩云 went from third to second of three
committees. Targets, by the targets' own projection: the subdistrict's (1,390 of 1,500 by
04-30; 48 a day since 04-01, so projected for 05-02) is at risk; two are added here:
新梅's 1,000 first doses by 04-29, 300 given, ends today 700 short (at risk); 中浩云's
500 first doses by 05-03, 400 given at 200 a day (projected 04-30) is on track and ends
within 7 days. 上海西站临时接种点 has not reported.
"""

import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from campaign.access import staff_scope_for
from campaign.areas import Area
from campaign.models import Campaign
from reports.selectors.home import day_figures, morning
from reports.selectors.targets import Urgency
from reports.services.snapshots import snapshots_rebuild
from sites.models import DailyTally
from tests.factories import CommitteeFactory, SiteFactory, TargetFactory, UserFactory
from tests.reports.bulletin_scene import DAY, DAY1, build_scene

pytestmark = pytest.mark.django_db


@pytest.fixture
def scene(settings, subdistrict, committee):
    built = build_scene(settings, subdistrict, committee)
    TargetFactory(
        campaign=Campaign.objects.get(),
        subdistrict=None,
        committee=built["xinmei"],
        name="新梅第一剂冲刺",
        metric="first",
        value=1000,
        period_start=DAY1,
        period_end=DAY,
    )
    TargetFactory(
        campaign=Campaign.objects.get(),
        subdistrict=None,
        committee=built["zhonghao"],
        name="中浩云5月第一剂",
        metric="first",
        value=500,
        period_start=DAY1,
        period_end=datetime.date(2021, 5, 3),
    )
    snapshots_rebuild(start=DAY1)
    return built


def test_a_subdistrict_clerk_reads_the_day_against_the_day_before(subdistrict_staff, scene):
    figures = morning(staff_scope_for(subdistrict_staff)).figures
    assert figures is not None
    assert (figures.on, figures.doses_today, figures.doses_yesterday) == (DAY, 390, 1000)
    assert round(figures.first_percent, 1) == 13.0
    assert round(figures.first_change, 1) == 3.0
    assert round(figures.full_course_percent, 1) == 0.9
    assert round(figures.full_course_change, 1) == 0.9
    assert (figures.rank, figures.rank_of, figures.rank_change) == (1, 1, 0)


def test_a_committee_is_ranked_among_its_subdistrict_s_committees(scene, committee):
    zhonghao = day_figures(Area(scene["zhonghao"]), DAY)
    assert (zhonghao.doses_today, zhonghao.doses_yesterday) == (390, 100)
    assert round(zhonghao.first_percent, 1) == 16.7  # 400 of 2,400
    assert (zhonghao.rank, zhonghao.rank_of, zhonghao.rank_change) == (2, 3, 1)
    xinmei = day_figures(Area(scene["xinmei"]), DAY)
    assert (xinmei.rank, xinmei.rank_change, xinmei.places_moved) == (3, -1, 1)
    yazhu = day_figures(Area(committee), DAY)
    assert (yazhu.doses_today, yazhu.first_change) == (0, 0)


def test_a_district_is_ranked_among_the_city_s_districts(district_leader, scene):
    figures = morning(staff_scope_for(district_leader)).figures
    # 1,300 residents of 500,000 in 普陀区 against 50 of 500,000 in 二七区.
    assert (figures.doses_today, figures.rank, figures.rank_of) == (390, 1, 2)
    assert round(figures.first_percent, 2) == 0.26
    far = day_figures(Area(scene["far"].district), DAY)
    assert (far.doses_today, far.rank, far.rank_of) == (50, 2, 2)


def test_the_city_adds_up_its_districts_and_has_no_rank(administrator, scene):
    found = morning(staff_scope_for(administrator))
    assert found.area is None
    assert (found.figures.doses_today, found.figures.doses_yesterday) == (440, 1000)
    assert round(found.figures.first_percent, 3) == 0.135  # 1,350 of 1,000,000
    assert found.figures.rank is None
    assert found.newest_milestones == []


def test_targets_at_risk_come_before_those_on_track_and_ending_soon(subdistrict_staff, scene):
    found = morning(staff_scope_for(subdistrict_staff))
    assert (found.at_risk, found.due_soon) == (2, 1)
    names = [
        (row.target.name, row.urgency, row.days_left, row.target.remaining)
        for row in found.urgent_targets
    ]
    assert names == [
        ("新梅第一剂冲刺", Urgency.AT_RISK, 0, 700),
        ("万里街道4月接种任务", Urgency.AT_RISK, 1, 110),
        ("中浩云5月第一剂", Urgency.ON_TRACK, 4, 100),
    ]


def test_committee_staff_see_their_committee_s_targets_only(committee_staff, scene):
    found = morning(staff_scope_for(committee_staff))
    assert [row.target.name for row in found.urgent_targets] == ["万里街道4月接种任务"]
    assert (found.at_risk, found.due_soon) == (1, 0)
    assert found.area.name == "万里雅筑居民区"
    # The timeline is the subdistrict's: newest first.
    days = [event.date for event in found.newest_milestones]
    assert len(days) == 3
    assert days == sorted(days, reverse=True)
    assert days[0] == DAY


def test_sites_not_reported_today_are_counted_for_the_scope(district_leader, scene):
    assert morning(staff_scope_for(district_leader)).unreported_sites == 1


def test_no_snapshot_yet_means_no_figures(settings, subdistrict_staff, scene):
    settings.STREETVAX_DEMO_DATE = DAY1 - datetime.timedelta(days=1)
    assert morning(staff_scope_for(subdistrict_staff)).figures is None


def test_the_home_page_shows_the_morning_in_chinese(client, subdistrict_staff, scene):
    client.force_login(subdistrict_staff)
    page = client.get(reverse("home")).content.decode()
    for text in (
        "390",
        "昨日 1000",
        "13.0%",
        "较昨日 +3.0",
        "全区名次",
        "第 1 名 / 1",
        "今天截止，还差 700",
        "还剩 1 天，还差 110",
        "1 个接种点今天尚未上报",
        reverse("sites:board"),
    ):
        assert text in page, text


def test_a_user_without_scope_sees_no_figures(client, scene):
    client.force_login(UserFactory())
    page = client.get(reverse("home")).content.decode()
    assert "尚未分配权限范围" in page
    assert "390" not in page


def _home_queries(client) -> int:
    with CaptureQueriesContext(connection) as counted:
        assert client.get(reverse("home")).status_code == 200
    return len(counted.captured_queries)


@pytest.mark.parametrize("role", ["committee_staff", "subdistrict_staff", "district_leader"])
def test_the_home_page_runs_no_query_per_committee_target_or_site(
    client, request, role, scene, subdistrict
):
    client.force_login(request.getfixturevalue(role))
    before = _home_queries(client)
    campaign = Campaign.objects.get()
    for n in range(5):
        added = CommitteeFactory(subdistrict=subdistrict, code=f"WL-1{n}")
        site = SiteFactory(subdistrict=subdistrict, code=f"WL-S-1{n}")
        DailyTally.objects.create(
            date=DAY, site=site, committee=added, dose_kind="first", count=10, source="import"
        )
        TargetFactory(
            campaign=campaign,
            subdistrict=None,
            committee=added,
            name=f"目标{n}",
            value=100,
            period_start=DAY1,
            period_end=DAY,
        )
    snapshots_rebuild(start=DAY1)
    assert _home_queries(client) == before <= 20
