"""Data quality: planted anomalies are flagged by the rebuild and ordinary days are not;
the data-quality page lists them in scope, closes one verified with a reason (audited),
and gives each site's and subdistrict's reporting rate; the ranking, committee and
bulletin pages mark the flagged figures.

万里街道's fixed site reports every day from 04-01 to 04-16: 万里雅筑 about 60 first doses
a day, 中浩云 about 40 (a site day of 88–112). Planted:

- 04-16: 万里雅筑's 60 typed as 600 (an extra zero): a site day of 640;
- 新梅居民区 (100 eligible) got 137 first doses: coverage 137%;
- 中浩云 got 50 second doses on 04-10, with no first dose 21 days before;
- 五里堡社区, of another subdistrict, has 9 doses at 万里街道's site on 04-12.
"""

import datetime

import pytest
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from audit.models import AuditEvent
from reports.models import Bulletin, QualityFlag
from reports.selectors.quality import reporting_rates
from reports.services.quality import quality_flags_refresh
from reports.services.snapshots import snapshots_rebuild
from sites.models import DailyTally
from tests.factories import (
    CampaignFactory,
    CommitteeFactory,
    SiteFactory,
    StaffScopeFactory,
    SubdistrictFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db

START, LAST = datetime.date(2021, 4, 1), datetime.date(2021, 4, 16)
DAYS = [START + datetime.timedelta(days=n) for n in range(16)]
WANLI = [60, 58, 62, 61, 59, 57, 63, 60, 64, 56, 60, 61, 59, 62, 58, 60]
ZHONGHAO = [40, 42, 38, 41, 39, 43, 37, 40, 44, 36, 40, 39, 41, 38, 42, 40]


def tally(day, site, committee, count, dose="first"):
    return DailyTally(
        date=day, site=site, committee=committee, dose_kind=dose, count=count, source="import"
    )


@pytest.fixture
def scene(settings, subdistrict, committee):
    settings.STREETVAX_DEMO_DATE = LAST
    CampaignFactory(start_date=START)
    zhonghao = CommitteeFactory(subdistrict=subdistrict, code="WL-02", name="中浩云居民区")
    xinmei = CommitteeFactory(
        subdistrict=subdistrict, code="WL-03", name="新梅居民区", eligible_population=100
    )
    site = SiteFactory(
        subdistrict=subdistrict,
        code="WL-F-01",
        name="万里街道东片区固定接种点",
        daily_capacity=1_000,
        active_from=START,
    )
    temporary = SiteFactory(  # open from 04-08, reported 5 of its last 7 days
        subdistrict=subdistrict,
        code="WL-T-XZ",
        name="上海西站临时接种点",
        kind="temporary",
        active_from=datetime.date(2021, 4, 8),
    )
    far = SubdistrictFactory(district=subdistrict.district, code="WLB", name="五里堡街道")
    far_committee = CommitteeFactory(subdistrict=far, code="WLB-01", name="五里堡社区")
    rows = [tally(day, site, committee, n) for day, n in zip(DAYS, WANLI, strict=True)]
    rows[-1].count = 600  # the extra zero
    rows += [tally(day, site, zhonghao, n) for day, n in zip(DAYS, ZHONGHAO, strict=True)]
    rows += [
        tally(datetime.date(2021, 4, 5), site, xinmei, 137),
        tally(datetime.date(2021, 4, 10), site, zhonghao, 50, dose="second"),
        tally(datetime.date(2021, 4, 12), site, far_committee, 9),
    ]
    rows += [tally(datetime.date(2021, 4, d), temporary, None, 20) for d in (10, 11, 13, 14, 16)]
    DailyTally.objects.bulk_create(rows)
    snapshots_rebuild(start=START)
    return {
        "site": site,
        "temporary": temporary,
        "zhonghao": zhonghao,
        "xinmei": xinmei,
        "far": far,
        "far_committee": far_committee,
    }


def flags():
    return {
        (f.rule, f.committee_id, f.site_id, f.date, f.figure)
        for f in QualityFlag.objects.filter(verified_at__isnull=True)
    }


# The rules ---------------------------------------------------------------------------------


def test_the_planted_anomalies_and_only_they_are_flagged(scene, committee):
    assert flags() == {
        ("unusual_day", None, scene["site"].pk, LAST, 640),
        ("above_population", scene["xinmei"].pk, None, LAST, 137),
        ("second_above_first", scene["zhonghao"].pk, None, LAST, 50),
        ("other_subdistrict", scene["far_committee"].pk, scene["site"].pk, DAYS[11], 9),
    }


def test_a_rebuild_run_twice_changes_no_flag(scene):
    before = list(QualityFlag.objects.order_by("key").values())
    snapshots_rebuild(start=START)
    snapshots_rebuild(start=LAST)
    assert list(QualityFlag.objects.order_by("key").values()) == before


def test_correcting_the_figure_removes_its_flag(scene, committee):
    DailyTally.objects.filter(date=LAST, committee=committee).update(count=60)
    snapshots_rebuild(start=LAST)
    assert "unusual_day" not in {rule for rule, *_rest in flags()}


def test_a_verified_flag_stays_closed_until_its_figure_changes(scene, subdistrict_staff):
    flag = QualityFlag.objects.get(rule="above_population")
    QualityFlag.objects.filter(pk=flag.pk).update(
        verified_at=flag.found_at, verified_by=subdistrict_staff, verified_reason="新楼入住"
    )
    snapshots_rebuild(start=LAST)
    flag.refresh_from_db()
    assert flag.verified_reason == "新楼入住"
    DailyTally.objects.filter(committee=scene["xinmei"]).update(count=150)
    snapshots_rebuild(start=START)
    flag.refresh_from_db()
    assert (flag.figure, flag.verified_at, flag.verified_reason) == (150, None, "")


def test_the_refresh_is_one_query_per_rule_however_many_committees(
    scene, subdistrict, django_assert_max_num_queries
):
    with django_assert_max_num_queries(12) as few:
        quality_flags_refresh(start=START, end=LAST)
    CommitteeFactory.create_batch(40, subdistrict=subdistrict, eligible_population=1)
    snapshots_rebuild(start=START)  # every new committee has 0 ≤ 1: no new flag
    with django_assert_max_num_queries(len(few.captured_queries)):
        quality_flags_refresh(start=START, end=LAST)


# The page ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("role", "status"),
    [
        ("administrator", 200),
        ("district_leader", 200),
        ("subdistrict_staff", 200),
        ("committee_staff", 404),
    ],
)
def test_who_opens_the_page(client, scene, request, role, status):
    client.force_login(request.getfixturevalue(role))
    response = client.get(reverse("reports:quality"))
    assert response.status_code == status
    menu = client.get(reverse("home")).content.decode()
    assert ("数据质量" in menu) == (status == 200)


def test_the_page_lists_each_flag_with_why_and_where(client, scene, subdistrict_staff, committee):
    client.force_login(subdistrict_staff)
    html = client.get(reverse("reports:quality")).content.decode()
    assert "640" in html
    # The site's 14 days before: median 100; the spread is at least a fifth of it.
    assert "640 剂，远高于该接种点近期的日接种数（中位数 100，通常不超过 200）" in html
    assert "累计第一剂 137，超过适种人口 100：适种人口可能需要更新" in html
    assert "累计第二剂 50" in html
    assert "五里堡社区" in html
    site = scene["site"]
    assert reverse("sites:entry", args=[site.pk, LAST.isoformat()]) in html
    assert reverse("reports:committee", args=[scene["xinmei"].pk]) in html
    assert "已核实" in html


def test_leaders_read_the_flags_but_do_not_verify(client, scene, district_leader):
    client.force_login(district_leader)
    html = client.get(reverse("reports:quality")).content.decode()
    assert "累计第一剂 137" in html
    assert "标记为已核实" not in html
    # Leaders cannot open the grid: the link is the day's history.
    site = scene["site"]
    assert reverse("sites:history", args=[site.pk, LAST.isoformat()]) in html
    flag = QualityFlag.objects.get(rule="above_population")
    response = client.post(reverse("reports:quality_verify", args=[flag.pk]), {"reason": "x"})
    assert response.status_code == 404
    assert QualityFlag.objects.get(pk=flag.pk).verified_at is None


def test_staff_of_another_subdistrict_see_none_of_these_flags(client, scene):
    other = UserFactory(username="far-clerk")
    StaffScopeFactory(user=other, role="subdistrict_staff", subdistrict=scene["far"])
    client.force_login(other)
    html = client.get(reverse("reports:quality")).content.decode()
    assert "新梅居民区" not in html
    assert "640" not in html
    # The tally of its own committee at 万里街道's site concerns it too.
    assert "五里堡社区" in html
    flag = QualityFlag.objects.get(rule="above_population")
    response = client.post(reverse("reports:quality_verify", args=[flag.pk]), {"reason": "x"})
    assert response.status_code == 404


def test_verifying_with_a_reason_closes_the_flag_and_is_audited(client, scene, subdistrict_staff):
    client.force_login(subdistrict_staff)
    flag = QualityFlag.objects.get(rule="above_population")
    response = client.post(
        reverse("reports:quality_verify", args=[flag.pk]), {"reason": "  新楼入住，适种人口待更新 "}
    )
    assert response.status_code == 302
    flag.refresh_from_db()
    assert flag.verified_by == subdistrict_staff
    assert flag.verified_reason == "新楼入住，适种人口待更新"
    event = AuditEvent.objects.get(kind=AuditEvent.Kind.VERIFIED)
    assert event.user == subdistrict_staff
    assert event.detail["flag_id"] == flag.pk
    assert event.detail["reason"] == "新楼入住，适种人口待更新"
    html = client.get(reverse("reports:quality")).content.decode()
    assert f'id="flag-{flag.pk}"' not in html
    assert "最近核实" in html


def test_verifying_without_a_reason_is_refused_and_writes_nothing(client, scene, subdistrict_staff):
    client.force_login(subdistrict_staff)
    flag = QualityFlag.objects.get(rule="above_population")
    page = client.post(
        reverse("reports:quality_verify", args=[flag.pk]), {"reason": "   "}, follow=True
    ).content.decode()
    assert "请说明该数字为何无误。" in page
    assert QualityFlag.objects.get(pk=flag.pk).verified_at is None
    assert not AuditEvent.objects.filter(kind=AuditEvent.Kind.VERIFIED).exists()


def test_reporting_rate_per_site_and_subdistrict(scene, subdistrict, administrator):
    (wanli,) = [
        r
        for r in reporting_rates(administrator.staff_scope, on=LAST)
        if r.subdistrict == subdistrict
    ]
    rates = {row.site.code: row for row in wanli.sites}
    fixed, temporary = rates["WL-F-01"], rates["WL-T-XZ"]
    assert (fixed.week.reported, fixed.week.open) == (7, 7)
    assert (fixed.campaign.reported, fixed.campaign.open) == (16, 16)
    # Open 04-08 to 04-16, reported on 04-10, 11, 13, 14 and 16.
    assert (temporary.week.reported, temporary.week.open) == (5, 7)
    assert (temporary.campaign.reported, temporary.campaign.open) == (5, 9)
    assert (wanli.week.reported, wanli.week.open) == (12, 14)
    assert (wanli.campaign.reported, wanli.campaign.open) == (21, 25)
    assert wanli.campaign.percent == pytest.approx(100 * 21 / 25)


def test_the_page_shows_the_reporting_rate(client, scene, subdistrict_staff):
    client.force_login(subdistrict_staff)
    html = client.get(reverse("reports:quality")).content.decode()
    assert "上海西站临时接种点" in html
    assert '55.6% <span class="muted">(5/9)</span>' in html


# Marks where leaders look ------------------------------------------------------------------


def test_the_ranking_marks_a_flagged_committees_figure(client, scene, subdistrict, district_leader):
    client.force_login(district_leader)
    query = {"area": f"subdistrict:{subdistrict.pk}", "date": LAST.isoformat()}
    html = client.get(reverse("reports:ranking"), query).content.decode()
    assert html.count('class="flag-mark"') == 2  # 新梅 and 中浩云
    assert "未核实的数字" in html
    assert "适种人口可能需要更新" in html


def test_verifying_takes_the_mark_off_the_cached_ranking(
    client, scene, subdistrict, subdistrict_staff
):
    client.force_login(subdistrict_staff)
    query = {"area": f"subdistrict:{subdistrict.pk}", "date": LAST.isoformat()}
    assert "适种人口可能需要更新" in client.get(reverse("reports:ranking"), query).content.decode()
    flag = QualityFlag.objects.get(rule="above_population")
    client.post(reverse("reports:quality_verify", args=[flag.pk]), {"reason": "已核实"})
    html = client.get(reverse("reports:ranking"), query).content.decode()
    assert "适种人口可能需要更新" not in html


def test_the_committee_page_marks_its_figure(client, scene, district_leader):
    client.force_login(district_leader)
    url = reverse("reports:committee", args=[scene["xinmei"].pk])
    html = client.get(url, {"date": LAST.isoformat()}).content.decode()
    assert 'class="flag-mark"' in html
    assert "累计第一剂 137，超过适种人口 100" in html
    # The other subdistrict's committee: its doses at 万里街道's site.
    url = reverse("reports:committee", args=[scene["far_committee"].pk])
    html = client.get(url, {"date": LAST.isoformat()}).content.decode()
    assert "本居委居民在其他街道的接种点接种 9 剂" in html


def test_the_bulletin_marks_its_totals_and_committee_rows(
    client, scene, subdistrict, subdistrict_staff
):
    client.force_login(subdistrict_staff)
    query = {"subdistrict": subdistrict.pk, "date": LAST.isoformat()}
    html = client.get(reverse("reports:bulletin_preview"), query).content.decode()
    assert html.count('class="flag-mark"') >= 3  # the totals, 新梅, 中浩云
    assert "640 剂" in html  # the site's unusual day, beside the totals
    assert not Bulletin.objects.exists()


def test_marks_cost_no_query_per_row(client, scene, subdistrict, district_leader):
    client.force_login(district_leader)
    query = {"area": f"subdistrict:{subdistrict.pk}", "date": LAST.isoformat()}
    cache.clear()  # both counted with the session read from the database, as below
    with CaptureQueriesContext(connection) as small:
        client.get(reverse("reports:ranking"), query)
    CommitteeFactory.create_batch(30, subdistrict=subdistrict, eligible_population=1)
    DailyTally.objects.bulk_create(
        tally(LAST, scene["site"], c, 2)
        for c in subdistrict.committees.filter(eligible_population=1)
    )
    snapshots_rebuild(start=LAST)  # 30 more committees, each above its population of 1
    assert QualityFlag.objects.filter(rule="above_population").count() == 31
    cache.clear()
    with CaptureQueriesContext(connection) as large:
        html = client.get(reverse("reports:ranking"), query).content.decode()
    assert html.count('class="flag-mark"') == 32
    assert len(large.captured_queries) == len(small.captured_queries)
