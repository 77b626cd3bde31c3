"""Dashboards read snapshots: scope, sorting, freshness, and a flat query count."""

import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from reports.models import StaleDate
from reports.services.snapshots import snapshots_rebuild
from sites.models import DailyTally
from tests.factories import (
    CampaignFactory,
    CommitteeFactory,
    DistrictFactory,
    SiteFactory,
    SubdistrictFactory,
    TargetFactory,
)

pytestmark = pytest.mark.django_db
DAY1, DAY2 = datetime.date(2021, 4, 28), datetime.date(2021, 4, 29)


@pytest.fixture
def ranked(settings, district, subdistrict, committee):
    """万里雅筑 leads on first doses, 中浩云 on the full course; a far district too."""
    settings.STREETVAX_DEMO_DATE = DAY2
    campaign = CampaignFactory(start_date=DAY1)
    zhonghao = CommitteeFactory(subdistrict=subdistrict, code="WL-02", name="中浩云居民区")
    site = SiteFactory(subdistrict=subdistrict)
    far = SubdistrictFactory(district=DistrictFactory(name="二七区"), name="五里堡街道")
    far_committee = CommitteeFactory(subdistrict=far, name="五里堡社区")
    far_site = SiteFactory(subdistrict=far)
    rows = [
        (DAY1, site, committee, "first", 600),
        (DAY1, site, zhonghao, "first", 100),
        (DAY2, site, zhonghao, "first", 300),
        (DAY2, site, zhonghao, "second", 90),
        (DAY2, far_site, far_committee, "first", 50),
    ]
    DailyTally.objects.bulk_create(
        DailyTally(date=d, site=s, committee=c, dose_kind=k, count=n, source="import")
        for d, s, c, k, n in rows
    )
    TargetFactory(
        campaign=campaign,
        subdistrict=subdistrict,
        name="4月接种目标",
        value=1000,
        period_start=datetime.date(2021, 4, 1),
        period_end=datetime.date(2021, 4, 30),
    )
    snapshots_rebuild(start=DAY1)
    return {"zhonghao": zhonghao, "far": far, "far_committee": far_committee}


def page(client, user, name, **params):
    client.force_login(user)
    response = client.get(reverse(name), params)
    assert response.status_code == 200
    return response.content.decode()


def test_staff_ranking_by_first_dose_coverage_with_rank_change(client, subdistrict_staff, ranked):
    html = page(client, subdistrict_staff, "reports:ranking")
    assert html.index("万里雅筑居民区") < html.index("中浩云居民区")
    assert "五里堡" not in html
    assert "第 2 天（共 64 天）" in html
    assert "数据截至" in html
    assert 'id="ranking-data"' in html


def test_sorting_by_full_course_coverage_reorders(client, subdistrict_staff, ranked):
    html = page(client, subdistrict_staff, "reports:ranking", sort="full_course_coverage")
    assert html.index("中浩云居民区") < html.index("万里雅筑居民区")


def test_leader_sees_the_district_and_not_others(client, district_leader, ranked):
    html = page(client, district_leader, "reports:ranking")
    assert "普陀区" in html
    assert "五里堡" not in html
    foreign = f"subdistrict:{ranked['far'].pk}"
    response = client.get(reverse("reports:ranking"), {"area": foreign})
    assert response.status_code == 404  # an area outside the scope, like any object
    assert "五里堡社区" not in response.content.decode()


def test_committee_detail_is_scoped(client, subdistrict_staff, ranked, committee):
    client.force_login(subdistrict_staff)
    mine = client.get(reverse("reports:committee", args=[committee.pk]))
    assert mine.status_code == 200
    assert "第一剂接种率" in mine.content.decode()
    assert f"<code>{committee.code}</code>" in mine.content.decode()  # what a file needs
    other = client.get(reverse("reports:committee", args=[ranked["far_committee"].pk]))
    assert other.status_code == 404


def test_targets_page_shows_percent_and_chart_data(client, subdistrict_staff, ranked):
    html = page(client, subdistrict_staff, "reports:targets")
    assert "4月接种目标" in html
    assert "109.0%" in html  # 600 + 100 + 300 + 90 of 1,000
    assert "提前 1 天" in html
    assert 'id="target-data"' in html


def test_pages_say_updating_while_a_rebuild_is_pending(client, subdistrict_staff, ranked):
    StaleDate.objects.create(date=DAY2, marked_at=datetime.datetime.now(tz=datetime.UTC))
    html = page(client, subdistrict_staff, "reports:ranking")
    assert "正在更新" in html


def test_chart_data_is_escaped_json_not_script(client, subdistrict_staff, ranked, committee):
    committee.name = "</script><script>alert(1)</script>"
    committee.save()
    html = page(client, subdistrict_staff, "reports:ranking")
    assert "<script>alert(1)" not in html
    assert "\\u003C/script\\u003E" in html


@pytest.mark.parametrize("name", ["reports:ranking", "reports:targets"])
def test_dashboard_query_count_does_not_grow_with_committees(
    client, administrator, ranked, subdistrict, name, django_assert_max_num_queries
):
    client.force_login(administrator)
    with django_assert_max_num_queries(20) as few:
        client.get(reverse(name))
    for n in range(30):
        CommitteeFactory(subdistrict=subdistrict, code=f"N{n}")
    snapshots_rebuild(start=DAY1)
    with django_assert_max_num_queries(len(few.captured_queries)):
        client.get(reverse(name))


def test_the_ranking_table_is_rendered_once_per_snapshot_and_language(
    client, subdistrict_staff, ranked, settings
):
    """The table comes from the cache until the snapshot is rebuilt, then shows the new
    figures at once; each language has its own table."""
    first = page(client, subdistrict_staff, "reports:ranking")
    assert first.index("万里雅筑居民区") < first.index("中浩云居民区")
    with CaptureQueriesContext(connection) as again:
        second = page(client, subdistrict_staff, "reports:ranking")
    assert not [q for q in again.captured_queries if "RANK()" in q["sql"]]
    assert second.index("万里雅筑居民区") < second.index("中浩云居民区")

    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    assert '<th class="num">Rank</th>' in page(client, subdistrict_staff, "reports:ranking")
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "zh-hans"

    DailyTally.objects.filter(date=DAY2, committee=ranked["zhonghao"], dose_kind="first").update(
        count=1000
    )  # 中浩云: 100 + 1000 first doses, ahead of 万里雅筑's 600
    snapshots_rebuild(start=DAY1)
    rebuilt = page(client, subdistrict_staff, "reports:ranking")
    assert rebuilt.index("中浩云居民区") < rebuilt.index("万里雅筑居民区")
    assert '<th class="num">名次</th>' in rebuilt


def test_committee_detail_query_count_does_not_grow_with_committees(
    client, subdistrict_staff, ranked, committee, subdistrict, django_assert_max_num_queries
):
    client.force_login(subdistrict_staff)
    url = reverse("reports:committee", args=[committee.pk])
    with django_assert_max_num_queries(12) as few:
        client.get(url)
    for n in range(30):
        CommitteeFactory(subdistrict=subdistrict, code=f"M{n}")
    snapshots_rebuild(start=DAY1)
    with django_assert_max_num_queries(len(few.captured_queries)):
        client.get(url)


def test_committee_staff_can_open_only_their_own_committee_from_the_ranking(
    client, committee_staff, ranked, committee
):
    html = page(client, committee_staff, "reports:ranking")
    assert reverse("reports:committee", args=[committee.pk]) in html
    assert reverse("reports:committee", args=[ranked["zhonghao"].pk]) not in html
    assert "中浩云居民区" in html


def test_the_committee_chart_says_what_the_table_says(client, subdistrict_staff, ranked, committee):
    """1,001 first doses of 2,000 residents are 50.05%: the table writes 50.1%, and so does
    the chart, not 50.05."""
    committee.eligible_population = 2000
    committee.save()
    DailyTally.objects.filter(date=DAY1, committee=committee, dose_kind="first").update(count=1001)
    snapshots_rebuild(start=DAY1)
    client.force_login(subdistrict_staff)
    response = client.get(reverse("reports:committee", args=[committee.pk]))
    chart = response.context["chart"]
    assert chart["first"] == [50.1, 50.1]
    html = response.content.decode()
    for value in chart["first"]:
        assert f'<td class="num coverage">{value}%</td>' in html
    assert '"first": [50.1, 50.1]' in html  # the page's chart data
