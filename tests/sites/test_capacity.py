"""Utilisation and plan vs actual against a hand-computed fixture, per site and summed by
kind, subdistrict and district, for one day and for a week; one query per level."""

import datetime

import pytest
from django.urls import reverse
from django.utils import translation

from sites.models import DailyTally, Site
from sites.selectors.capacity import Period, grouped_rows, site_rows
from tests.factories import (
    CommitteeFactory,
    DistrictFactory,
    SiteFactory,
    SitePlanFactory,
    SubdistrictFactory,
)

pytestmark = pytest.mark.django_db

D = datetime.date(2021, 6, 28)


def _d(day):
    return datetime.date(2021, 6, day)


@pytest.fixture
def sites(district, subdistrict, committee):
    """万里: a fixed site (400/day), a temporary one open 06-26..06-30 (250/day), a mobile
    team open 06-01..06-28 (100/day) that has not reported on 06-28, and two sites closed
    on 06-28; 真如 (same district): a fixed site (600/day) without plans; a far district."""
    fixed = SiteFactory(subdistrict=subdistrict, code="F", kind="fixed", stations=4,
                        daily_capacity=400)  # fmt: skip
    temporary = SiteFactory(subdistrict=subdistrict, code="T", kind="temporary", stations=2,
                            daily_capacity=250, active_from=_d(26), active_to=_d(30))  # fmt: skip
    mobile = SiteFactory(subdistrict=subdistrict, code="M", kind="mobile", stations=1,
                         daily_capacity=100, active_from=_d(1), active_to=D)  # fmt: skip
    SiteFactory(subdistrict=subdistrict, code="OLD", kind="temporary", daily_capacity=999,
                active_from=_d(1), active_to=_d(20))  # fmt: skip
    SiteFactory(subdistrict=subdistrict, code="NEW", kind="temporary", daily_capacity=999,
                active_from=_d(29))  # fmt: skip
    SiteFactory(subdistrict=subdistrict, code="MID", kind="temporary", daily_capacity=10,
                active_from=_d(20), active_to=_d(24))  # fmt: skip
    zhenru = SubdistrictFactory(district=district, code="310107-ZR", name="真如镇街道")
    other = SiteFactory(subdistrict=zhenru, code="ZR", kind="fixed", daily_capacity=600)
    far = SiteFactory(
        subdistrict=SubdistrictFactory(district=DistrictFactory(name="二七区")),
        code="FAR",
        daily_capacity=5000,
    )
    zr_committee = CommitteeFactory(subdistrict=zhenru)
    rows = [
        (D, fixed, committee, "first", 120),
        (D, fixed, committee, "second", 80),
        (D, fixed, None, "first", 100),  # non-residents count for the site
        (D, temporary, committee, "first", 50),
        (D, other, zr_committee, "first", 150),
        (D, far, None, "first", 4000),
        (_d(25), fixed, committee, "first", 200),
        (_d(27), fixed, committee, "first", 70),  # a day without a plan
        (_d(24), mobile, committee, "first", 30),
        (_d(21), fixed, committee, "first", 999),  # before the week
    ]
    DailyTally.objects.bulk_create(
        DailyTally(date=d, site=s, committee=c, dose_kind=k, count=n, source="entry")
        for d, s, c, k, n in rows
    )
    SitePlanFactory(site=fixed, date=D, planned_doses=280)
    SitePlanFactory(site=temporary, date=D, planned_doses=100)
    SitePlanFactory(site=mobile, date=D, planned_doses=40)
    SitePlanFactory(site=fixed, date=_d(25), planned_doses=250)
    SitePlanFactory(site=far, date=D, planned_doses=1)
    return {"fixed": fixed, "temporary": temporary, "mobile": mobile, "zhenru": zhenru}


def _by_code(rows):
    return {row.code: row for row in rows}


def test_one_day_per_site(sites, subdistrict):
    rows = _by_code(site_rows(Site.objects.filter(subdistrict=subdistrict), Period.day(D)))
    assert set(rows) == {"F", "T", "M"}  # the sites closed that day are not listed
    fixed, temporary, mobile = rows["F"], rows["T"], rows["M"]
    assert (fixed.capacity, fixed.doses) == (400, 300)
    assert fixed.utilisation == pytest.approx(75.0)
    assert (fixed.planned, fixed.actual_on_plan_days, fixed.variance) == (280, 300, 20)
    assert fixed.variance_percent == pytest.approx(100 * 20 / 280)  # +7.1%
    assert temporary.utilisation == pytest.approx(20.0)
    assert (temporary.variance, temporary.variance_percent) == (-50, pytest.approx(-50.0))
    # Not reported: its capacity is there with no doses; its plan is not set against 0 given.
    assert (mobile.reported_days, mobile.doses, mobile.utilisation) == (0, 0, 0.0)
    assert (mobile.planned, mobile.variance, mobile.variance_percent) == (None, None, None)
    assert (mobile.planned_unreported, mobile.unreported_plan_days) == (40, 1)


def test_one_day_by_kind_and_for_the_subdistrict(sites, subdistrict):
    wanli = Site.objects.filter(subdistrict=subdistrict)
    kinds = {row["kind"]: row for row in grouped_rows(wanli, Period.day(D), by="kind")}
    assert list(kinds) == ["fixed", "temporary", "mobile"]  # the page's order
    assert [row.code for row in site_rows(wanli, Period.day(D))] == ["F", "T", "M"]
    assert kinds["fixed"]["capacity_total"] == 400
    assert kinds["temporary"]["utilisation"] == pytest.approx(20.0)
    assert kinds["mobile"]["reported_site_days"] == 0
    assert kinds["mobile"]["open_site_days"] == 1
    (total,) = grouped_rows(wanli, Period.day(D), by="subdistrict")
    assert (total["capacity_total"], total["doses_total"]) == (750, 350)
    assert (total["site_count"], total["stations_total"]) == (3, 7)
    assert total["utilisation"] == pytest.approx(100 * 350 / 750)  # 46.7%
    # The mobile team's 40 planned on a day it did not report are left out.
    assert (total["planned_total"], total["actual_on_plan_total"]) == (380, 350)
    assert total["variance"] == -30
    assert total["variance_percent"] == pytest.approx(-100 * 30 / 380)  # -7.9%
    assert (total["unreported_plan_site_days"], total["planned_unreported_total"]) == (1, 40)
    assert (total["reported_site_days"], total["open_site_days"]) == (2, 3)


def test_one_day_for_the_district_counts_only_planned_sites_against_the_plan(sites, district):
    putuo = Site.objects.filter(subdistrict__district=district)
    by_subdistrict = {
        row["subdistrict__name"]: row
        for row in grouped_rows(putuo, Period.day(D), by="subdistrict")
    }
    assert by_subdistrict["真如镇街道"]["utilisation"] == pytest.approx(25.0)
    assert by_subdistrict["真如镇街道"]["variance"] is None  # no plan, no variance
    (total,) = grouped_rows(putuo, Period.day(D), by="district")
    assert (total["capacity_total"], total["doses_total"]) == (1350, 500)  # far site left out
    assert total["utilisation"] == pytest.approx(100 * 500 / 1350)  # 37.0%
    # 真如's 150 doses have no plan: plan vs actual is 万里's reported 380 against 350.
    assert (total["planned_total"], total["actual_on_plan_total"], total["variance"]) == (
        380,
        350,
        -30,
    )
    kinds = {row["kind"]: row for row in grouped_rows(putuo, Period.day(D), by="kind")}
    assert (kinds["fixed"]["capacity_total"], kinds["fixed"]["doses_total"]) == (1000, 450)


def test_a_week_counts_capacity_on_the_days_a_site_is_open(sites, subdistrict):
    week = Period.week_ending(D)  # 06-22 .. 06-28
    rows = _by_code(site_rows(Site.objects.filter(subdistrict=subdistrict), week))
    fixed, temporary, mobile = rows["F"], rows["T"], rows["M"]
    assert (fixed.open_days, fixed.capacity, fixed.doses) == (7, 2800, 570)
    assert fixed.utilisation == pytest.approx(100 * 570 / 2800)  # 20.4%
    assert fixed.reported_days == 3
    # Plans on 06-25 (250) and 06-28 (280); 06-27's 70 doses had no plan.
    assert (fixed.planned, fixed.actual_on_plan_days, fixed.variance) == (530, 500, -30)
    assert fixed.variance_percent == pytest.approx(-100 * 30 / 530)
    assert (temporary.open_days, temporary.capacity) == (3, 750)  # opened 06-26
    assert temporary.utilisation == pytest.approx(100 * 50 / 750)
    assert (mobile.open_days, mobile.capacity, mobile.doses) == (7, 700, 30)
    assert (rows["MID"].open_days, rows["MID"].capacity) == (3, 30)  # closed after 06-24
    (total,) = grouped_rows(Site.objects.filter(subdistrict=subdistrict), week, by="subdistrict")
    assert (total["capacity_total"], total["doses_total"]) == (4280, 650)
    assert (total["open_site_days"], total["reported_site_days"]) == (20, 5)


def test_capacity_page_shows_the_figures(client, sites, subdistrict_staff):
    client.force_login(subdistrict_staff)
    html = client.get(reverse("sites:capacity"), {"date": "2021-06-28"}).content.decode()
    assert "46.7%" in html  # 万里's utilisation
    assert "-30" in html
    assert "-7.9%" in html
    assert "+20" in html
    assert "+7.1%" in html
    assert "75.0%" in html
    assert "未上报" in html  # the mobile team
    assert "2021-06-26 至 2021-06-30" in html  # a temporary site's open dates
    assert "真如" not in html  # another subdistrict, outside the clerk's scope
    week = client.get(reverse("sites:capacity"), {"date": "2021-06-28", "period": "week"})
    assert "4280" in week.content.decode()
    assert "250 × 3" in week.content.decode()  # the temporary site: daily capacity × days open


def test_leader_sees_the_district_and_its_subdistricts(client, sites, district_leader):
    client.force_login(district_leader)
    html = client.get(reverse("sites:capacity"), {"date": "2021-06-28"}).content.decode()
    assert "1350" in html
    assert "37.0%" in html
    assert "真如镇街道" in html
    assert "25.0%" in html
    assert "二七区" not in html


def test_capacity_page_reads_one_query_per_level_whatever_the_number_of_sites(
    client, sites, district_leader, subdistrict, django_assert_num_queries
):
    client.force_login(district_leader)
    url = reverse("sites:capacity")
    client.get(url)  # warm the session (cached_db: from then on read from the cache)
    # user, scope, areas; sites, kinds, subdistricts, district; two savepoints
    with django_assert_num_queries(9) as before:
        client.get(url, {"date": "2021-06-28", "period": "week"})
    for n in range(12):
        site = SiteFactory(subdistrict=subdistrict, kind="temporary")
        SitePlanFactory(site=site, date=D)
        DailyTally.objects.create(
            date=D, site=site, dose_kind="first", count=n, source="entry", committee=None
        )
    with django_assert_num_queries(len(before.captured_queries)):
        client.get(url, {"date": "2021-06-28", "period": "week"})


def test_capacity_page_defaults_to_the_latest_day_with_tallies(client, sites, subdistrict_staff):
    """Today is 06-30 and nobody has reported since 06-28: the page opens on 06-28, not on
    an empty today (a tally of another district on 06-29 does not count)."""
    far = Site.objects.get(code="FAR")
    DailyTally.objects.create(
        date=_d(29), site=far, committee=None, dose_kind="first", count=5, source="entry"
    )
    DailyTally.objects.create(  # tomorrow's typo does not count either
        date=datetime.date(2021, 7, 1),
        site=sites["fixed"],
        committee=None,
        dose_kind="first",
        count=5,
        source="entry",
    )
    client.force_login(subdistrict_staff)
    response = client.get(reverse("sites:capacity"))
    assert response.context["on"] == D
    assert response.context["total"]["doses_total"] == 350
    assert "46.7%" in response.content.decode()


def test_capacity_page_without_any_tally_opens_on_today(client, subdistrict_staff):
    client.force_login(subdistrict_staff)
    response = client.get(reverse("sites:capacity"))
    assert response.context["on"] == datetime.date(2021, 6, 30)


def test_a_planned_day_not_reported_is_not_zero_given(client, sites, subdistrict_staff):
    """The mobile team planned 40 on 06-28 and has not reported it: no −100%, but 未上报
    with its plan; over the week, its 06-24 report (no plan) changes nothing either."""
    client.force_login(subdistrict_staff)
    response = client.get(reverse("sites:capacity"), {"date": "2021-06-28"})
    mobile = _by_code(response.context["rows"])["M"]
    assert (mobile.planned, mobile.variance) == (None, None)
    html = response.content.decode()
    assert "-100.0%" not in html
    assert "-40" not in html
    assert "计划 40，1 天未上报" in html
    assert "未计入：1 个接种点·天未上报，计划 40" in html
    SitePlanFactory(site=sites["mobile"], date=_d(24), planned_doses=50)  # reported 30
    week = client.get(reverse("sites:capacity"), {"date": "2021-06-28", "period": "week"})
    mobile = _by_code(week.context["rows"])["M"]
    assert (mobile.planned, mobile.actual_on_plan_days, mobile.variance) == (50, 30, -20)
    assert (mobile.plan_days, mobile.unreported_plan_days) == (1, 1)


def test_capacity_prints_no_made_up_stations_formula(client, subdistrict, subdistrict_staff):
    """500 a day over 3 stations: the page shows 500, not "3 × 167" (= 501)."""
    SiteFactory(subdistrict=subdistrict, code="B", kind="fixed", stations=3, daily_capacity=500)
    client.force_login(subdistrict_staff)
    html = client.get(reverse("sites:capacity"), {"date": "2021-06-30"}).content.decode()
    assert '<td class="num">500</td>' in html
    assert "× 167" not in html
    assert "167" not in html
    assert "每台每日" not in html


def test_reported_reads_once_as_site_days(client, sites, subdistrict_staff):
    """万里 on 06-28: 2 of its 3 open sites reported; the label says 已上报 once."""
    client.force_login(subdistrict_staff)
    html = client.get(reverse("sites:capacity"), {"date": "2021-06-28"}).content.decode()
    assert "<dt>已上报</dt><dd>2 / 3（接种点·天）</dd>" in html
    assert "应上报 3 次" not in html


def test_a_sites_last_open_day_is_named_as_such():
    with translation.override("zh-hans"):
        assert str(Site._meta.get_field("active_to").verbose_name) == "最后开放日期"
