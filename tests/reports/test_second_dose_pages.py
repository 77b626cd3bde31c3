"""The second-dose pages from real tallies through the snapshot rebuild."""

import datetime

import pytest
from django.urls import reverse

from reports.selectors.ranking import second_dose_default_sort
from reports.services.snapshots import snapshots_rebuild
from sites.models import DailyTally
from tests.factories import CampaignFactory, CommitteeFactory, SiteFactory, SubdistrictFactory

pytestmark = pytest.mark.django_db
START, TODAY = datetime.date(2021, 5, 1), datetime.date(2021, 6, 30)


def d(month, day):
    return datetime.date(2021, month, day)


@pytest.fixture
def due(settings, subdistrict, committee):
    """万里雅筑: 10 first doses on 05-04 (57 days before 06-30: overdue), 20 on 05-05
    (56 days: the last day due), 30 on 06-09 (21 days: the first day due), 40 on 06-10
    (due tomorrow); 8 second doses on 06-01. 中浩云: 30 on 05-01, 4 second doses."""
    settings.STREETVAX_DEMO_DATE = TODAY
    CampaignFactory(start_date=START, end_date=TODAY)
    zhonghao = CommitteeFactory(subdistrict=subdistrict, code="WL-02", name="中浩云居民区")
    site = SiteFactory(subdistrict=subdistrict, active_from=START)
    rows = [
        (d(5, 4), committee, "first", 10),
        (d(5, 5), committee, "first", 20),
        (d(6, 9), committee, "first", 30),
        (d(6, 10), committee, "first", 40),
        (d(6, 1), committee, "second", 8),
        (d(5, 1), zhonghao, "first", 30),
        (d(6, 1), zhonghao, "second", 4),
    ]
    DailyTally.objects.bulk_create(
        DailyTally(date=day, site=site, committee=c, dose_kind=k, count=n, source="import")
        for day, c, k, n in rows
    )
    snapshots_rebuild(start=START)
    return {"zhonghao": zhonghao}


def get(client, user, url, **params):
    client.force_login(user)
    response = client.get(url, params)
    assert response.status_code == 200
    return response.content.decode()


def _numbers(html, name):
    row = html[html.index(name) :]
    row = row[: row.index("</tr>")]
    values = []
    for part in row.split('<td class="num')[1:]:
        text = part[part.index(">") + 1 : part.index("</td>")]
        values.append(int(text))
    return values


def test_subdistrict_overview_most_overdue_first(client, subdistrict_staff, due):
    html = get(client, subdistrict_staff, reverse("reports:second_doses"))
    assert html.index("中浩云居民区") < html.index("万里雅筑居民区")
    # overdue, due now, next 7 days, first doses, second doses
    assert _numbers(html, "中浩云居民区") == [26, 0, 0, 30, 4]
    assert _numbers(html, "万里雅筑居民区") == [2, 50, 40, 100, 8]
    assert "第一剂在 05-05 至 06-09 之间" in html
    assert "05-04 及以前" in html
    assert "估算" in html


def test_sorted_by_due_now(client, subdistrict_staff, due):
    html = get(client, subdistrict_staff, reverse("reports:second_doses"), sort="due_now")
    assert html.index("万里雅筑居民区") < html.index("中浩云居民区")


def test_leader_sees_subdistrict_totals_and_may_list_committees(
    client, district_leader, due, subdistrict
):
    html = get(client, district_leader, reverse("reports:second_doses"))
    assert _numbers(html, "万里街道</a>") == [28, 50, 40, 130, 12]
    html = get(client, district_leader, reverse("reports:second_doses"), by="committee")
    assert _numbers(html, "中浩云居民区") == [26, 0, 0, 30, 4]


def test_committee_drill_down_by_day_and_week(client, subdistrict_staff, due, committee):
    html = get(
        client, subdistrict_staff, reverse("reports:second_dose_committee", args=[committee.pk])
    )
    assert "07-01" in html
    assert 'id="second-dose-data"' in html
    days = html[html.index("未来 14 天") : html.index("未来 8 周")]
    assert _numbers(days, "07-01") == [40]
    assert _numbers(days, "07-02") == [0]
    weeks = html[html.index("未来 8 周") :]
    assert _numbers(weeks, "07-01 – 07-07") == [40]


def test_committee_staff_open_only_their_committee(client, committee_staff, due, committee):
    html = get(client, committee_staff, reverse("reports:second_doses"))
    mine = reverse("reports:second_dose_committee", args=[committee.pk])
    theirs = reverse("reports:second_dose_committee", args=[due["zhonghao"].pk])
    assert mine in html
    assert theirs not in html


def test_a_one_dose_campaign_has_no_due_list(client, subdistrict_staff, due):
    from campaign.models import Campaign

    Campaign.objects.update(doses_for_full_course=1)
    html = get(client, subdistrict_staff, reverse("reports:second_doses"))
    assert "本次接种不需要第二剂" in html


def test_english_on_request(client, subdistrict_staff, due):
    client.cookies["django_language"] = "en"
    html = get(client, subdistrict_staff, reverse("reports:second_doses"))
    assert "Second doses due" in html
    assert "estimate from aggregate counts" in html


@pytest.mark.parametrize("by", ["subdistrict", "committee"])
def test_overview_query_count_does_not_grow_with_committees(
    client, district_leader, due, subdistrict, by, django_assert_max_num_queries
):
    client.force_login(district_leader)
    url = reverse("reports:second_doses")
    with django_assert_max_num_queries(20) as few:
        client.get(url, {"by": by})
    for n in range(20):
        CommitteeFactory(subdistrict=subdistrict, code=f"N{n}")
        CommitteeFactory(subdistrict=SubdistrictFactory(district=subdistrict.district))
    snapshots_rebuild(start=START)
    with django_assert_max_num_queries(len(few.captured_queries)):
        client.get(url, {"by": by})


def test_drill_down_query_count_is_flat(
    client, subdistrict_staff, due, committee, subdistrict, django_assert_max_num_queries
):
    client.force_login(subdistrict_staff)
    url = reverse("reports:second_dose_committee", args=[committee.pk])
    with django_assert_max_num_queries(15) as few:
        client.get(url)
    for n in range(20):
        CommitteeFactory(subdistrict=subdistrict, code=f"M{n}")
    snapshots_rebuild(start=START)
    with django_assert_max_num_queries(len(few.captured_queries)):
        client.get(url)


def test_a_day_without_snapshots_shows_the_latest_day_before_it(
    client, subdistrict_staff, due, committee
):
    """07-20 has no snapshot rows (the rebuild stops at 06-30): the figures are 06-30's,
    never negative, with a note."""
    html = get(client, subdistrict_staff, reverse("reports:second_doses"), date="2021-07-20")
    assert _numbers(html, "中浩云居民区") == [26, 0, 0, 30, 4]
    assert _numbers(html, "万里雅筑居民区") == [2, 50, 40, 100, 8]
    assert "2021-07-20 没有数据：显示此前最近有数据的一天 2021-06-30" in html
    url = reverse("reports:second_dose_committee", args=[committee.pk])
    html = get(client, subdistrict_staff, url, date="2021-07-20")
    assert "2021-06-30" in html
    days = html[html.index("未来 14 天") : html.index("未来 8 周")]
    assert _numbers(days, "07-01") == [40]


def test_the_next_7_days_column_says_due(client, subdistrict_staff, due):
    html = get(client, subdistrict_staff, reverse("reports:second_doses"))
    assert '<th class="num">未来 7 天到期</th>' in html


@pytest.mark.parametrize(
    ("totals", "sort"),
    [
        ({"overdue": 3, "due_now": 5, "due_next_7_days": 9}, "overdue"),
        ({"overdue": 0, "due_now": 5, "due_next_7_days": 9}, "due_now"),
        ({"overdue": 0, "due_now": 0, "due_next_7_days": 9}, "due_next_7_days"),
        ({"overdue": 0, "due_now": 0, "due_next_7_days": 0}, "code"),
    ],
)
def test_the_default_order_is_the_first_column_that_is_not_all_zero(totals, sort):
    assert second_dose_default_sort(totals) == sort


def test_nobody_overdue_yet_sorts_by_due_now(client, subdistrict_staff, due, settings):
    """On 06-05 nobody is overdue (the oldest first doses, 05-01, are 35 days old): the
    page sorts by 到期 (due now), where 中浩云 has 30 and 万里雅筑 30 − 8 = 22."""
    settings.STREETVAX_DEMO_DATE = d(6, 5)
    html = get(client, subdistrict_staff, reverse("reports:second_doses"), date="2021-06-05")
    assert _numbers(html, "中浩云居民区")[:2] == [0, 26]
    assert _numbers(html, "万里雅筑居民区")[:2] == [0, 22]
    assert 'value="due_now" selected' in html
    assert html.index("中浩云居民区") < html.index("万里雅筑居民区")
